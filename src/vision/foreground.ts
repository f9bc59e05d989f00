/**
 * The foreground of an image, as a full-resolution mask (width*height, 1 = foreground): the union
 * of the given boxes (the detector's object instances). With no boxes, a saliency estimate on a
 * 64-cell grid: each cell's Lab distance to the border colours (a small k-means palette of the
 * outer 10 % ring), weighted by a centred Gaussian (sigma 0.7 of the half-size), thresholded by
 * Otsu and a minimum distance of 10 Delta E, then cleaned by one 3x3 majority pass; when that
 * finds almost nothing (a flat or uniformly textured image) the middle 50 % x 50 % rectangle is
 * used. The background is every pixel not in the foreground.
 * Pure functions over an interleaved 8-bit RGB image; deterministic; no I/O.
 */
import { rgbToLab } from './colors.js';
import { dist2, kmeans } from './dominant-colors.js';
import type { BoxRatio, RgbImage } from './image-properties.js';
import { boxPixels, checkImage } from './pixel-region.js';

/** How the foreground was chosen. */
export type ForegroundSource = 'boxes' | 'saliency' | 'centre';

/** Foreground mask (1 = foreground, width*height): union of boxes, else saliency (see header). */
export function foregroundMask(img: RgbImage, boxes: readonly BoxRatio[]): { mask: Uint8Array; source: ForegroundSource } {
  checkImage(img);
  if (boxes.some((b) => boxPixels(b, img.width, img.height))) return { mask: boxMask(img.width, img.height, boxes), source: 'boxes' };
  return saliencyMask(img);
}

/** Mask (width*height, 1 inside) of the union of boxes given as ratios; boxes are clipped to the image. */
export function boxMask(width: number, height: number, boxes: readonly BoxRatio[]): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (const b of boxes) {
    const r = boxPixels(b, width, height);
    if (!r) continue;
    for (let y = r.y0; y < r.y1; y++) mask.fill(1, y * width + r.x0, y * width + r.x1);
  }
  return mask;
}

const GRID = 64;
const MIN_SALIENT_DE = 10;

/** Foreground estimate when no boxes are known (see the header); full-resolution mask. */
export function saliencyMask(img: RgbImage): { mask: Uint8Array; source: ForegroundSource } {
  checkImage(img);
  const { data, width, height } = img;
  const mask = new Uint8Array(width * height);
  if (width === 0 || height === 0) return { mask, source: 'centre' };
  const gw = Math.max(1, Math.min(width, width >= height ? GRID : Math.round((GRID * width) / height)));
  const gh = Math.max(1, Math.min(height, height > width ? GRID : Math.round((GRID * height) / width)));
  // Cell means (visiting a strided subset of pixels for big images).
  const step = Math.max(1, Math.floor(Math.min(width / gw, height / gh) / 4));
  const sums = new Float64Array(gw * gh * 4);
  for (let y = 0; y < height; y += step) {
    const cy = Math.min(gh - 1, Math.floor((y * gh) / height));
    for (let x = 0; x < width; x += step) {
      const c = (cy * gw + Math.min(gw - 1, Math.floor((x * gw) / width))) * 4;
      const p = (y * width + x) * 3;
      sums[c]! += data[p]!;
      sums[c + 1]! += data[p + 1]!;
      sums[c + 2]! += data[p + 2]!;
      sums[c + 3]!++;
    }
  }
  const cells = gw * gh;
  const lab = new Float32Array(cells * 3);
  for (let c = 0; c < cells; c++) {
    const m = Math.max(1, sums[c * 4 + 3]!);
    rgbToLab(sums[c * 4]! / m, sums[c * 4 + 1]! / m, sums[c * 4 + 2]! / m, lab, c * 3);
  }
  // Border palette.
  const bw = Math.max(1, Math.round(0.1 * Math.min(gw, gh)));
  const ring: number[] = [];
  for (let cy = 0; cy < gh; cy++) for (let cx = 0; cx < gw; cx++) if (cx < bw || cy < bw || cx >= gw - bw || cy >= gh - bw) ring.push(cy * gw + cx);
  const ringPts = new Float32Array(ring.length * 3);
  ring.forEach((c, j) => ringPts.set(lab.subarray(c * 3, c * 3 + 3), j * 3));
  const { centres, weights } = kmeans(ringPts, new Float32Array(ring.length).fill(1), 6);
  const kept: number[] = [];
  for (let c = 0; c < weights.length; c++) if (weights[c]! >= 0.05 * ring.length) kept.push(c);
  // Score: distance to the nearest border colour, weighted toward the centre.
  const dist = new Float32Array(cells);
  const score = new Float32Array(cells);
  let maxScore = 0;
  const s2 = 2 * 0.7 * 0.7;
  for (let cy = 0; cy < gh; cy++) {
    const ny = ((cy + 0.5) / gh) * 2 - 1;
    for (let cx = 0; cx < gw; cx++) {
      const nx = ((cx + 0.5) / gw) * 2 - 1;
      const c = cy * gw + cx;
      let d = Infinity;
      for (const k of kept) d = Math.min(d, dist2(lab, c * 3, centres, k * 3));
      d = Math.sqrt(d);
      dist[c] = d;
      score[c] = d * Math.exp(-(nx * nx + ny * ny) / s2);
      if (score[c]! > maxScore) maxScore = score[c]!;
    }
  }
  const t = otsu(score, maxScore);
  const fg = new Uint8Array(cells);
  let nFg = 0;
  for (let c = 0; c < cells; c++) {
    if (score[c]! > t && dist[c]! >= MIN_SALIENT_DE) {
      fg[c] = 1;
      nFg++;
    }
  }
  if (nFg > 0) nFg = majority3x3(fg, gw, gh);
  let source: ForegroundSource = 'saliency';
  if (nFg < Math.max(1, 0.01 * cells)) {
    source = 'centre';
    fg.fill(0);
    for (let cy = 0; cy < gh; cy++) for (let cx = 0; cx < gw; cx++) if (Math.abs(((cx + 0.5) / gw) * 2 - 1) <= 0.5 && Math.abs(((cy + 0.5) / gh) * 2 - 1) <= 0.5) fg[cy * gw + cx] = 1;
  }
  const colCell = new Int32Array(width);
  for (let x = 0; x < width; x++) colCell[x] = Math.min(gw - 1, Math.floor((x * gw) / width));
  let prevRow = -1;
  for (let y = 0; y < height; y++) {
    const row = Math.min(gh - 1, Math.floor((y * gh) / height)) * gw;
    if (row === prevRow) mask.copyWithin(y * width, (y - 1) * width, y * width);
    else for (let x = 0, i = y * width; x < width; x++, i++) mask[i] = fg[row + colCell[x]!]!;
    prevRow = row;
  }
  return { mask, source };
}

/** One 3x3 majority pass over a grid mask (removes speckle, fills pinholes); returns the new count. */
function majority3x3(g: Uint8Array, w: number, h: number): number {
  const src = g.slice();
  let count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let on = 0;
      let all = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          all++;
          on += src[yy * w + xx]!;
        }
      }
      const v = 2 * on > all ? 1 : 0;
      g[y * w + x] = v;
      count += v;
    }
  }
  return count;
}

/** Otsu threshold of values in [0, max] (64-bin histogram). */
function otsu(values: Float32Array, max: number): number {
  if (!(max > 0)) return 0;
  const B = 64;
  const hist = new Float64Array(B);
  for (const v of values) hist[Math.min(B - 1, Math.floor((v / max) * B))]!++;
  const n = values.length;
  let sumAll = 0;
  for (let i = 0; i < B; i++) sumAll += i * hist[i]!;
  let wB = 0;
  let sumB = 0;
  let best = 0;
  let bestVar = -1;
  for (let i = 0; i < B; i++) {
    wB += hist[i]!;
    if (wB === 0) continue;
    const wF = n - wB;
    if (wF === 0) break;
    sumB += i * hist[i]!;
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / wF;
    const between = wB * wF * (mB - mF) * (mB - mF);
    if (between > bestVar) {
      bestVar = between;
      best = i;
    }
  }
  return ((best + 1) / B) * max;
}
