/**
 * Dominant colours of an image, of a masked region of it, or of an object instance's box.
 * The region's pixels (all of them up to MAX_COLOR_SAMPLES, else a deterministic stratified
 * sample: one pixel per s x s block at a hash-chosen offset) are binned at 4 bits per channel,
 * keeping each bin's exact mean colour and count; the bins are clustered by weighted k-means in
 * CIE Lab (k-means++ seeding from a fixed-seed PRNG, at most 25 Lloyd iterations, about 1.5 k
 * clusters); each cluster centre is named by the nearest CSS colour (CIE76), clusters with the
 * same CSS colour are merged, and the k largest are returned. As Rekognition does,
 * Red/Green/Blue/HexCode are those of the CSS colour (see colors.ts).
 * Pure functions over an interleaved 8-bit RGB image; deterministic; no I/O.
 */
import { CSS_COLORS, nearestCssColorIndex, rgbToLab, type ColorResult } from './colors.js';
import type { BoxRatio, RgbImage } from './image-properties.js';
import { boxPixels, checkImage } from './pixel-region.js';
import { rng } from './random.js';

/** Most pixels looked at per dominant-colour computation. */
export const MAX_COLOR_SAMPLES = 65_536;
const KMEANS_MAX_ITER = 25;
const KMEANS_SEED = 0x2545f491;
const KMEANS_TOLERANCE = 0.001;

/**
 * Up to `k` dominant colours of the image, or of the pixels where `mask` is non-zero, largest
 * share first; pixelPercent is the share of the region's pixels.
 */
export function dominantColors(img: RgbImage, mask?: Uint8Array, k = 10): ColorResult[] {
  checkImage(img, mask);
  return regionColors(img, 0, 0, img.width, img.height, mask, false, k);
}

/** Dominant colours of one object instance (its box, as ratios). */
export function instanceDominantColors(img: RgbImage, box: BoxRatio, k = 10): ColorResult[] {
  checkImage(img);
  const r = boxPixels(box, img.width, img.height);
  if (!r) return [];
  return regionColors(img, r.x0, r.y0, r.x1, r.y1, undefined, false, k);
}

const BIN_BITS = 4;
const BINS = 1 << (3 * BIN_BITS);
const BIN_SHIFT = 8 - BIN_BITS;

/**
 * Pixels binned at BIN_BITS per channel: each bin's count and channel sums (hence its exact mean
 * colour), and the bins in the order first seen, which is the order of the points given to
 * k-means (its seeding depends on it). Made fresh per call: its ~70 KB of zeroed arrays cost
 * microseconds, little next to binning up to MAX_COLOR_SAMPLES pixels.
 */
class ColorBins {
  private readonly count = new Uint32Array(BINS);
  private readonly sumR = new Uint32Array(BINS);
  private readonly sumG = new Uint32Array(BINS);
  private readonly sumB = new Uint32Array(BINS);
  private readonly touched = new Uint16Array(BINS);
  private nTouched = 0;
  /** Pixels added. */
  total = 0;

  add(r: number, g: number, b: number): void {
    const bin = ((r >> BIN_SHIFT) << (2 * BIN_BITS)) | ((g >> BIN_SHIFT) << BIN_BITS) | (b >> BIN_SHIFT);
    if (this.count[bin] === 0) this.touched[this.nTouched++] = bin;
    this.count[bin]!++;
    this.sumR[bin]! += r;
    this.sumG[bin]! += g;
    this.sumB[bin]! += b;
    this.total++;
  }

  /** The non-empty bins as weighted points: mean colours in Lab (3 per bin) and pixel counts. */
  labPoints(): { pts: Float32Array; wts: Float32Array } {
    const pts = new Float32Array(this.nTouched * 3);
    const wts = new Float32Array(this.nTouched);
    for (let j = 0; j < this.nTouched; j++) {
      const bin = this.touched[j]!;
      const c = this.count[bin]!;
      rgbToLab(this.sumR[bin]! / c, this.sumG[bin]! / c, this.sumB[bin]! / c, pts, j * 3);
      wts[j] = c;
    }
    return { pts, wts };
  }
}

/** lowbias32 integer hash: a deterministic, well-mixed pixel selector. */
function hash32(i: number): number {
  let h = i ^ (i >>> 16);
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Up to `k` dominant colours of the pixels in [x0,x1) x [y0,y1) where `mask` (width*height) is
 * non-zero, or zero when `invert`; all of them without a mask. Does not check its arguments.
 */
export function regionColors(
  img: RgbImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  mask: Uint8Array | undefined,
  invert: boolean,
  k: number,
): ColorResult[] {
  k = Math.floor(k);
  if (!(k > 0) || x1 <= x0 || y1 <= y0) return [];
  const { data, width } = img;
  const bins = new ColorBins();
  const add = (i: number) => {
    const p = i * 3;
    bins.add(data[p]!, data[p + 1]!, data[p + 2]!);
  };
  const area = (x1 - x0) * (y1 - y0);
  if (area <= MAX_COLOR_SAMPLES) {
    for (let y = y0; y < y1; y++) {
      for (let i = y * width + x0, e = y * width + x1; i < e; i++) if (!mask || (mask[i] !== 0) !== invert) add(i);
    }
  } else {
    // Stratified sampling: one pixel per s x s block at a hash-chosen offset, so that the cost
    // is O(samples) and periodic patterns do not alias with the sampling grid.
    const s = Math.ceil(Math.sqrt(area / MAX_COLOR_SAMPLES));
    for (let by = y0, bi = 0; by < y1; by += s) {
      for (let bx = x0; bx < x1; bx += s, bi++) {
        const h = hash32(bi);
        const x = bx + (h % s);
        const y = by + ((h >>> 16) % s);
        if (x >= x1 || y >= y1) continue;
        const i = y * width + x;
        if (!mask || (mask[i] !== 0) !== invert) add(i);
      }
    }
  }
  const total = bins.total;
  if (total === 0) return [];
  const { pts, wts } = bins.labPoints();
  const clusters = Math.min(32, Math.max(k, Math.ceil(k * 1.5)));
  const { centres, weights } = kmeans(pts, wts, clusters);
  // Name each cluster, merge same names.
  const byCss = new Map<number, number>();
  for (let c = 0; c < weights.length; c++) {
    if (weights[c]! <= 0) continue;
    const idx = nearestCssColorIndex(centres[c * 3]!, centres[c * 3 + 1]!, centres[c * 3 + 2]!);
    byCss.set(idx, (byCss.get(idx) ?? 0) + weights[c]!);
  }
  return [...byCss.entries()]
    .sort((a, b) => b[1] - a[1] || CSS_COLORS[a[0]]!.name.localeCompare(CSS_COLORS[b[0]]!.name))
    .slice(0, k)
    .map(([idx, wt]) => {
      const c = CSS_COLORS[idx]!;
      return {
        red: c.red,
        green: c.green,
        blue: c.blue,
        hexCode: c.hexCode,
        cssColor: c.name,
        simplifiedColor: c.simplified,
        pixelPercent: (100 * wt) / total,
      };
    });
}


/**
 * Weighted k-means on 3-D points (k-means++ seeding with a fixed seed; the first centre is the
 * heaviest point). Returns the centres and the weight assigned to each; fewer than `k` clusters
 * when there are fewer distinct points.
 */
export function kmeans(pts: Float32Array, wts: Float32Array, k: number): { centres: Float32Array; weights: Float64Array } {
  const n = wts.length;
  k = Math.min(k, n);
  const centres = new Float32Array(k * 3);
  if (k === 0) return { centres, weights: new Float64Array(0) };
  const rand = rng(KMEANS_SEED);
  let first = 0;
  for (let i = 1; i < n; i++) if (wts[i]! > wts[first]!) first = i;
  centres.set(pts.subarray(first * 3, first * 3 + 3), 0);
  const d2 = new Float32Array(n);
  for (let i = 0; i < n; i++) d2[i] = dist2(pts, i * 3, centres, 0);
  let count = 1;
  while (count < k) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += wts[i]! * d2[i]!;
    if (!(sum > 1e-9)) break;
    let r = rand() * sum;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= wts[i]! * d2[i]!;
      if (r <= 0 && d2[i]! > 0) {
        pick = i;
        break;
      }
    }
    centres.set(pts.subarray(pick * 3, pick * 3 + 3), count * 3);
    for (let i = 0; i < n; i++) {
      const d = dist2(pts, i * 3, centres, count * 3);
      if (d < d2[i]!) d2[i] = d;
    }
    count++;
  }
  k = count;
  const assign = new Int32Array(n).fill(-1);
  const acc = new Float64Array(k * 4);
  let totalW = 0;
  for (let i = 0; i < n; i++) totalW += wts[i]!;
  for (let iter = 0; iter < KMEANS_MAX_ITER; iter++) {
    let changed = 0;
    acc.fill(0);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = dist2(pts, i * 3, centres, c * 3);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      const w = wts[i]!;
      if (assign[i] !== best) {
        assign[i] = best;
        changed += w;
      }
      acc[best * 4]! += w * pts[i * 3]!;
      acc[best * 4 + 1]! += w * pts[i * 3 + 1]!;
      acc[best * 4 + 2]! += w * pts[i * 3 + 2]!;
      acc[best * 4 + 3]! += w;
    }
    for (let c = 0; c < k; c++) {
      const w = acc[c * 4 + 3]!;
      if (w > 0) {
        centres[c * 3] = acc[c * 4]! / w;
        centres[c * 3 + 1] = acc[c * 4 + 1]! / w;
        centres[c * 3 + 2] = acc[c * 4 + 2]! / w;
      }
    }
    // Converged: no point, or under 0.1 % of the weight, changed cluster.
    if (changed <= KMEANS_TOLERANCE * totalW) break;
  }
  const weights = new Float64Array(k);
  for (let c = 0; c < k; c++) weights[c] = acc[c * 4 + 3]!;
  return { centres: centres.subarray(0, k * 3), weights };
}

/** Squared Euclidean distance between the 3-vectors at a[ao] and b[bo]. */
export function dist2(a: Float32Array, ao: number, b: Float32Array, bo: number): number {
  const d0 = a[ao]! - b[bo]!;
  const d1 = a[ao + 1]! - b[bo + 1]!;
  const d2 = a[ao + 2]! - b[bo + 2]!;
  return d0 * d0 + d1 * d1 + d2 * d2;
}
