/**
 * Input of the PP-OCR DB text detector: the size rule (PaddleOCR's DetResizeForTest, limit type
 * "max": the long side at most `maxSide`, both sides multiples of 32) and the tensor (BGR planes,
 * ImageNet mean/std applied in that channel order, as PaddleOCR feeds its cv2 images). Pure.
 */
import type { Quad } from './geometry.js';

/** Small images are enlarged at most this many times for the detector. */
const MAX_UPSCALE = 4;

/**
 * Detector input size for a `width` x `height` image: scaled down so the long side is at most
 * `maxSide`, or up (at most 4x) so it is at least `minSide`.
 */
export function detInputSize(width: number, height: number, maxSide: number, minSide = 0): { width: number; height: number } {
  const long = Math.max(width, height);
  const ratio = long > maxSide ? maxSide / long : long < minSide ? Math.min(MAX_UPSCALE, minSide / long) : 1;
  const round32 = (v: number) => Math.max(32, Math.round((v * ratio) / 32) * 32);
  return { width: round32(width), height: round32(height) };
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** NCHW float tensor [1, 3, h, w] from an RGB buffer of exactly `w * h * 3` bytes. */
export function detTensor(rgb: Uint8Array, w: number, h: number): Float32Array {
  const plane = w * h;
  if (rgb.length !== plane * 3) throw new RangeError(`expected ${plane * 3} bytes for ${w}x${h} RGB, got ${rgb.length}`);
  const out = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const src = 2 - c; // BGR
    const m = MEAN[c]! * 255;
    const s = 1 / (STD[c]! * 255);
    for (let i = 0; i < plane; i++) out[c * plane + i] = (rgb[i * 3 + src]! - m) * s;
  }
  return out;
}

/** A quad in map pixels (pixel i's centre at i) to continuous image coordinates. */
export function mapToImage(q: Quad, mapW: number, mapH: number, imageW: number, imageH: number): Quad {
  const sx = imageW / mapW;
  const sy = imageH / mapH;
  return q.map((p) => ({ x: (p.x + 0.5) * sx, y: (p.y + 0.5) * sy })) as Quad;
}
