/**
 * Text-line strips for the recogniser and the angle classifier: a quadrilateral of the RGB image
 * is sampled through the perspective map of the unit square onto it (Heckbert's square-to-quad
 * homography), straight into an `outW` x `outH` strip, with bilinear sampling and box-filter
 * supersampling when the strip is smaller than the region (so small strips don't alias).
 * Then the tensors: BGR planes normalised to (x/255 - 0.5) / 0.5 and right-padded with 0, as
 * PaddleOCR's recogniser and classifier expect. Pure.
 */
import { quadSize, rotateQuad, type Point, type Quad } from './geometry.js';

export interface RgbImage {
  /** RGB, 8-bit, interleaved, `width * height * 3` bytes. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Strip height the PP-OCR recogniser and classifier take. */
export const STRIP_HEIGHT = 48;
/** PaddleOCR rotates a crop whose height is this many times its width (vertical text). */
const VERTICAL_RATIO = 1.5;
/** Supersampling is capped at this many samples per axis and output pixel. */
const MAX_SUPERSAMPLE = 4;

/**
 * The quad re-ordered so that text in it reads along its first edge: a crop much taller than wide
 * is turned a quarter (PaddleOCR's np.rot90 of such crops), anything else is kept.
 */
export function readingQuad(q: Quad): Quad {
  const { width, height } = quadSize(q);
  return height >= width * VERTICAL_RATIO ? rotateQuad(q, 1) : q;
}

/** Width of the strip for `q` at `height` pixels, keeping the aspect ratio, between 1 and `maxWidth`. */
export function stripWidth(q: Quad, height = STRIP_HEIGHT, maxWidth = Infinity): number {
  const s = quadSize(q);
  return Math.max(1, Math.min(maxWidth, Math.ceil((height * s.width) / Math.max(1, s.height))));
}

type Mapping = (u: number, v: number) => Point;

/** Maps (u, v) in the unit square to the quad: (0,0) -> q[0], (1,0) -> q[1], (1,1) -> q[2], (0,1) -> q[3]. */
export function squareToQuad(q: Quad): Mapping {
  const [p0, p1, p2, p3] = q;
  const sx = p0.x - p1.x + p2.x - p3.x;
  const sy = p0.y - p1.y + p2.y - p3.y;
  const dx1 = p1.x - p2.x;
  const dx2 = p3.x - p2.x;
  const dy1 = p1.y - p2.y;
  const dy2 = p3.y - p2.y;
  const den = dx1 * dy2 - dx2 * dy1;
  let g = 0;
  let h = 0;
  if ((Math.abs(sx) > 1e-9 || Math.abs(sy) > 1e-9) && Math.abs(den) > 1e-12) {
    g = (sx * dy2 - dx2 * sy) / den;
    h = (dx1 * sy - sx * dy1) / den;
  }
  const a = p1.x - p0.x + g * p1.x;
  const b = p3.x - p0.x + h * p3.x;
  const d = p1.y - p0.y + g * p1.y;
  const e = p3.y - p0.y + h * p3.y;
  return (u, v) => {
    const w = g * u + h * v + 1;
    return { x: (a * u + b * v + p0.x) / w, y: (d * u + e * v + p0.y) / w };
  };
}

/**
 * Samples quad `q` (continuous image coordinates: pixel i spans [i, i+1)) into an `outW` x `outH`
 * RGB strip. Outside the image the nearest edge pixel is repeated (OpenCV's BORDER_REPLICATE).
 */
export function cropQuad(img: RgbImage, q: Quad, outW: number, outH: number): RgbImage {
  const map = squareToQuad(q);
  const size = quadSize(q);
  const kx = Math.min(MAX_SUPERSAMPLE, Math.max(1, Math.ceil(size.width / outW)));
  const ky = Math.min(MAX_SUPERSAMPLE, Math.max(1, Math.ceil(size.height / outH)));
  const out = new Uint8Array(outW * outH * 3);
  const { data, width: W, height: H } = img;
  const acc = [0, 0, 0];
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let sy = 0; sy < ky; sy++) {
        const v = (y + (sy + 0.5) / ky) / outH;
        for (let sx = 0; sx < kx; sx++) {
          const p = map((x + (sx + 0.5) / kx) / outW, v);
          // Pixel i's centre is at i + 0.5.
          const fx = Math.min(W - 1, Math.max(0, p.x - 0.5));
          const fy = Math.min(H - 1, Math.max(0, p.y - 0.5));
          const x0 = Math.floor(fx);
          const y0 = Math.floor(fy);
          const x1 = Math.min(W - 1, x0 + 1);
          const y1 = Math.min(H - 1, y0 + 1);
          const tx = fx - x0;
          const ty = fy - y0;
          const i00 = (y0 * W + x0) * 3;
          const i01 = (y0 * W + x1) * 3;
          const i10 = (y1 * W + x0) * 3;
          const i11 = (y1 * W + x1) * 3;
          for (let c = 0; c < 3; c++) {
            const top = data[i00 + c]! + (data[i01 + c]! - data[i00 + c]!) * tx;
            const bottom = data[i10 + c]! + (data[i11 + c]! - data[i10 + c]!) * tx;
            acc[c]! += top + (bottom - top) * ty;
          }
        }
      }
      const o = (y * outW + x) * 3;
      const n = kx * ky;
      out[o] = Math.round(acc[0]! / n);
      out[o + 1] = Math.round(acc[1]! / n);
      out[o + 2] = Math.round(acc[2]! / n);
    }
  }
  return { data: out, width: outW, height: outH };
}

/** The strip turned by 180 degrees. */
export function rotate180(s: RgbImage): RgbImage {
  const n = s.width * s.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const j = (n - 1 - i) * 3;
    out[i * 3] = s.data[j]!;
    out[i * 3 + 1] = s.data[j + 1]!;
    out[i * 3 + 2] = s.data[j + 2]!;
  }
  return { data: out, width: s.width, height: s.height };
}

/**
 * Packs strips of equal height into one NCHW float tensor `batchWidth` wide: BGR planes,
 * (x/255 - 0.5) / 0.5, each strip left-aligned and the rest 0 (mid grey), as PaddleOCR's
 * resize_norm_img. Strips wider than `batchWidth` are cut (callers size the batch to fit).
 */
export function stripsToTensor(strips: readonly RgbImage[], batchWidth: number, height = STRIP_HEIGHT): Float32Array {
  const plane = height * batchWidth;
  const out = new Float32Array(strips.length * 3 * plane);
  strips.forEach((s, n) => {
    if (s.height !== height) throw new RangeError(`strip is ${s.height} px high, expected ${height}`);
    const base = n * 3 * plane;
    const w = Math.min(s.width, batchWidth);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * s.width + x) * 3;
        const o = y * batchWidth + x;
        out[base + o] = s.data[i + 2]! / 127.5 - 1; // B
        out[base + plane + o] = s.data[i + 1]! / 127.5 - 1; // G
        out[base + 2 * plane + o] = s.data[i]! / 127.5 - 1; // R
      }
    }
  });
  return out;
}
