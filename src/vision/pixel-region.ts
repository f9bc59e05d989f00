/**
 * Pixel regions of an RgbImage for the image-properties modules: checking an image (and mask)
 * before use, and the pixel rectangle that a box given as ratios covers.
 */
import type { BoxRatio, RgbImage } from './image-properties.js';

/** Throws a RangeError unless the image's size and data (and the mask, when given) agree. */
export function checkImage(img: RgbImage, mask?: Uint8Array): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) throw new RangeError(`bad image size ${width}x${height}`);
  if (data.length < width * height * 3) throw new RangeError(`image data has ${data.length} bytes, ${width}x${height} RGB needs ${width * height * 3}`);
  if (mask && mask.length !== width * height) throw new RangeError(`mask has ${mask.length} entries, image has ${width * height} pixels`);
}

/** Pixel rectangle [x0,x1) x [y0,y1) covered by a ratio box, at least one pixel when the box overlaps the image. */
export function boxPixels(b: BoxRatio, width: number, height: number): { x0: number; y0: number; x1: number; y1: number } | undefined {
  if (![b.left, b.top, b.width, b.height].every(Number.isFinite) || b.width <= 0 || b.height <= 0) return undefined;
  const l = Math.max(0, b.left);
  const t = Math.max(0, b.top);
  const r = Math.min(1, b.left + b.width);
  const btm = Math.min(1, b.top + b.height);
  if (r <= l || btm <= t || width === 0 || height === 0) return undefined;
  let x0 = Math.round(l * width);
  let y0 = Math.round(t * height);
  let x1 = Math.round(r * width);
  let y1 = Math.round(btm * height);
  if (x1 <= x0) {
    x1 = Math.min(width, x0 + 1);
    x0 = x1 - 1;
  }
  if (y1 <= y0) {
    y1 = Math.min(height, y0 + 1);
    y0 = y1 - 1;
  }
  return { x0, y0, x1, y1 };
}
