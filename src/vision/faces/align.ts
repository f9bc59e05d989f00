/**
 * Face crops by affine warp: the crop a model sees is a rotated, scaled window of the image,
 * sampled bilinearly (edge pixels repeat outside the image). Pure; no I/O.
 *
 * An Affine maps output (crop) pixels to source pixels:
 *   x = a * u + b * v + c,  y = d * u + e * v + f.
 */
import type { RgbImage } from '../image-properties.js';
import type { Point } from './face.js';

export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export function applyAffine(m: Affine, p: Point): Point {
  return { x: m.a * p.x + m.b * p.y + m.c, y: m.d * p.x + m.e * p.y + m.f };
}

/**
 * The square window of `size` output pixels centred on `centre` (source pixels), `side` source
 * pixels wide, rotated by `angle` radians (the window's x axis points along `angle`).
 */
export function squareWindow(centre: Point, side: number, angle: number, size: number): Affine {
  const s = side / size;
  const cos = Math.cos(angle) * s;
  const sin = Math.sin(angle) * s;
  const h = size / 2;
  // source = centre + R * s * (u - h, v - h)
  return { a: cos, b: -sin, c: centre.x - cos * h + sin * h, d: sin, e: cos, f: centre.y - sin * h - cos * h };
}

/**
 * The least-squares similarity transform (rotation, uniform scale, translation) taking `from`
 * points onto `to` points (Umeyama without reflection), as an Affine.
 */
export function similarityTransform(from: readonly Point[], to: readonly Point[]): Affine {
  const n = from.length;
  if (n < 2 || to.length !== n) throw new RangeError('similarityTransform needs two or more point pairs');
  let fx = 0, fy = 0, tx = 0, ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]!.x; fy += from[i]!.y; tx += to[i]!.x; ty += to[i]!.y;
  }
  fx /= n; fy /= n; tx /= n; ty /= n;
  let sxx = 0, sxy = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const ux = from[i]!.x - fx, uy = from[i]!.y - fy;
    const vx = to[i]!.x - tx, vy = to[i]!.y - ty;
    sxx += ux * vx + uy * vy; // cos part
    sxy += ux * vy - uy * vx; // sin part
    norm += ux * ux + uy * uy;
  }
  const a = sxx / norm;
  const b = sxy / norm;
  // to = [a -b; b a] * (from - fmean) + tmean
  return { a, b: -b, c: tx - a * fx + b * fy, d: b, e: a, f: ty - b * fx - a * fy };
}

/** The same window mirrored left to right: output column u reads what column size - u read. */
export function mirrorAffine(m: Affine, size: number): Affine {
  return { ...m, a: -m.a, d: -m.d, c: m.c + m.a * size, f: m.f + m.d * size };
}

export function invertAffine(m: Affine): Affine {
  const det = m.a * m.e - m.b * m.d;
  if (Math.abs(det) < 1e-12) throw new RangeError('affine transform is singular');
  const a = m.e / det, b = -m.b / det, d = -m.d / det, e = m.a / det;
  return { a, b, c: -(a * m.c + b * m.f), d, e, f: -(d * m.c + e * m.f) };
}

/**
 * Samples the `w x h` RGB crop whose pixel (u, v) covers the source around `m(u + 0.5, v + 0.5)`.
 * When the crop shrinks the source (a large face into a small model input), each output pixel
 * averages k x k bilinear samples (k = ceil(scale), at most 4) so that the crop does not alias.
 */
export function warpCrop(img: RgbImage, m: Affine, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const { data, width, height } = img;
  const maxX = width - 1;
  const maxY = height - 1;
  const k = Math.min(4, Math.max(1, Math.ceil(Math.sqrt(Math.abs(m.a * m.e - m.b * m.d)) - 0.25)));
  const acc = [0, 0, 0];
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let j = 0; j < k; j++) {
        const vv = v + (j + 0.5) / k;
        for (let i = 0; i < k; i++) {
          const uu = u + (i + 0.5) / k;
          const sx = Math.min(maxX, Math.max(0, m.a * uu + m.b * vv + m.c - 0.5));
          const sy = Math.min(maxY, Math.max(0, m.d * uu + m.e * vv + m.f - 0.5));
          const x0 = Math.floor(sx), y0 = Math.floor(sy);
          const x1 = Math.min(maxX, x0 + 1), y1 = Math.min(maxY, y0 + 1);
          const fx = sx - x0, fy = sy - y0;
          const i00 = (y0 * width + x0) * 3, i01 = (y0 * width + x1) * 3, i10 = (y1 * width + x0) * 3, i11 = (y1 * width + x1) * 3;
          for (let c = 0; c < 3; c++) {
            const top = data[i00 + c]! + (data[i01 + c]! - data[i00 + c]!) * fx;
            const bottom = data[i10 + c]! + (data[i11 + c]! - data[i10 + c]!) * fx;
            acc[c]! += top + (bottom - top) * fy;
          }
        }
      }
      const o = (v * w + u) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(acc[c]! / (k * k));
    }
  }
  return out;
}
