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
  const inv = 1 / (k * k);
  let o = 0;
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < k; j++) {
        const vv = v + (j + 0.5) / k;
        const rowX = m.b * vv + m.c - 0.5;
        const rowY = m.e * vv + m.f - 0.5;
        for (let i = 0; i < k; i++) {
          const uu = u + (i + 0.5) / k;
          let sx = m.a * uu + rowX;
          let sy = m.d * uu + rowY;
          sx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
          sy = sy < 0 ? 0 : sy > maxY ? maxY : sy;
          const x0 = sx | 0;
          const y0 = sy | 0;
          const fx = sx - x0;
          const fy = sy - y0;
          const dx = x0 < maxX ? 3 : 0;
          const dy = y0 < maxY ? width * 3 : 0;
          const i00 = (y0 * width + x0) * 3;
          const w00 = (1 - fx) * (1 - fy);
          const w01 = fx * (1 - fy);
          const w10 = (1 - fx) * fy;
          const w11 = fx * fy;
          r += data[i00]! * w00 + data[i00 + dx]! * w01 + data[i00 + dy]! * w10 + data[i00 + dy + dx]! * w11;
          g += data[i00 + 1]! * w00 + data[i00 + dx + 1]! * w01 + data[i00 + dy + 1]! * w10 + data[i00 + dy + dx + 1]! * w11;
          b += data[i00 + 2]! * w00 + data[i00 + dx + 2]! * w01 + data[i00 + dy + 2]! * w10 + data[i00 + dy + dx + 2]! * w11;
        }
      }
      out[o++] = r * inv + 0.5;
      out[o++] = g * inv + 0.5;
      out[o++] = b * inv + 0.5;
    }
  }
  return out;
}
