/**
 * DetectLabels' IMAGE_PROPERTIES: quality (brightness, sharpness, contrast) and dominant colours
 * of the whole image, its foreground and its background, and dominant colours of object
 * instances. Pure functions over an interleaved 8-bit RGB image; deterministic; no I/O.
 *
 * Quality, all on a 0-100 scale, computed on Rec.601 luma Y' = 0.299 R + 0.587 G + 0.114 B
 * (gamma-encoded, 0-255). Images whose long side exceeds ~1.5 x 1024 px are first box-averaged by
 * an integer factor round(longSide / 1024) so that sharpness does not depend much on resolution.
 *  - Brightness = 100 * mean(Y') / 255.
 *  - Contrast   = 100 * (P95(Y') - P5(Y')) / 255: the spread of the middle 90 % of luma values
 *                 (robust to a few specular highlights or black borders). Black/white halves
 *                 give 100, a flat image 0, a typical photo 60-85.
 *  - Sharpness  = 100 * v / (v + SHARPNESS_KNEE), where v is the variance of the 4-neighbour
 *                 Laplacian (4Y'(x,y) - Y'(x±1,y) - Y'(x,y±1)) over the region's interior
 *                 pixels. The curve is monotonic, 0 for a flat image, 50 at v = SHARPNESS_KNEE,
 *                 ~91 at 10x the knee. Measured on the classic test photos: sharp originals
 *                 65-99 (most 85-99), the same after a Gaussian blur of sigma 2 8-36, sigma 4
 *                 2-4. Synthetic full-contrast edges stay high under mild blur (a 7x7 box blur
 *                 of an 8 px black/white checkerboard still scores ~88).
 * Rekognition reports Contrast only for the whole image; foreground and background get
 * Brightness and Sharpness only (their `contrast` is left out here too).
 *
 * Dominant colours: the region's pixels (all of them up to MAX_COLOR_SAMPLES, else a
 * deterministic stratified sample: one pixel per s x s block at a hash-chosen offset) are binned
 * at 4 bits per channel, keeping each bin's exact mean colour and count; the bins are clustered
 * by weighted k-means in CIE Lab (k-means++ seeding from a fixed-seed PRNG, at most 25 Lloyd
 * iterations, about 1.5 k clusters); each cluster centre is named by the nearest CSS colour
 * (CIE76), clusters with the same CSS colour are merged, and the k largest are returned. As
 * Rekognition does, Red/Green/Blue/HexCode are those of the CSS colour (see colors.ts).
 *
 * Foreground: the union of the given boxes (the detector's object instances). With no boxes, a
 * saliency estimate on a 64-cell grid: each cell's Lab distance to the border colours (a small
 * k-means palette of the outer 10 % ring), weighted by a centred Gaussian (sigma 0.7 of the
 * half-size), thresholded by Otsu and a minimum distance of 10 Delta E, then cleaned by one 3x3
 * majority pass; when that finds almost nothing (a flat or uniformly textured image) the middle
 * 50 % x 50 % rectangle is used.
 * Background: every pixel not in the foreground.
 */
import { CSS_COLORS, nearestCssColorIndex, rgbToLab, type ColorResult } from './colors.js';

export type { ColorResult, SimplifiedColor } from './colors.js';

/** 8-bit sRGB, interleaved RGB, row-major, `width * height * 3` bytes (a DecodedImage fits). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A box as ratios of the image size (Rekognition's BoundingBox). */
export interface BoxRatio {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface QualityResult {
  brightness: number;
  sharpness: number;
  /** Whole image only, as in Rekognition. */
  contrast?: number;
}

export interface RegionProperties {
  quality: QualityResult;
  dominantColors: ColorResult[];
}

export interface ImagePropertiesResult {
  quality: Required<QualityResult>;
  dominantColors: ColorResult[];
  foreground: RegionProperties;
  background: RegionProperties;
  /** How the foreground was chosen (diagnostics; not on the wire). */
  foregroundSource: ForegroundSource;
}

export type ForegroundSource = 'boxes' | 'saliency' | 'centre';

/** Laplacian variance giving sharpness 50; see the header. */
export const SHARPNESS_KNEE = 60;
/** Most pixels looked at per dominant-colour computation. */
export const MAX_COLOR_SAMPLES = 65_536;
const QUALITY_TARGET_SIDE = 1024;
const KMEANS_MAX_ITER = 25;
const KMEANS_SEED = 0x2545f491;
const KMEANS_TOLERANCE = 0.001;

// ---- public API ------------------------------------------------------------------------------

/** Brightness, sharpness and contrast (0-100) of the image, or of the pixels where `mask` is non-zero (mask: width*height). */
export function quality(img: RgbImage, mask?: Uint8Array): Required<QualityResult> {
  check(img, mask);
  const plane = lumaPlane(img);
  return qualityOnPlane(plane, mask && planeMask(mask, img, plane), false, true) as Required<QualityResult>;
}

/**
 * Up to `k` dominant colours of the image, or of the pixels where `mask` is non-zero, largest
 * share first; pixelPercent is the share of the region's pixels.
 */
export function dominantColors(img: RgbImage, mask?: Uint8Array, k = 10): ColorResult[] {
  check(img, mask);
  return regionColors(img, 0, 0, img.width, img.height, mask, false, k);
}

/** Dominant colours of one object instance (its box, as ratios). */
export function instanceDominantColors(img: RgbImage, box: BoxRatio, k = 10): ColorResult[] {
  check(img);
  const r = boxPixels(box, img.width, img.height);
  if (!r) return [];
  return regionColors(img, r.x0, r.y0, r.x1, r.y1, undefined, false, k);
}

/** The whole ImageProperties: overall quality and colours, then foreground and background. */
export function imageProperties(img: RgbImage, foregroundBoxes: readonly BoxRatio[], k = 10): ImagePropertiesResult {
  check(img);
  const plane = lumaPlane(img);
  const { mask, source } = foregroundMask(img, foregroundBoxes);
  const pm = planeMask(mask, img, plane);
  const region = (invert: boolean): RegionProperties => ({
    quality: qualityOnPlane(plane, pm, invert, false),
    dominantColors: regionColors(img, 0, 0, img.width, img.height, mask, invert, k),
  });
  return {
    quality: qualityOnPlane(plane, undefined, false, true) as Required<QualityResult>,
    dominantColors: regionColors(img, 0, 0, img.width, img.height, undefined, false, k),
    foreground: region(false),
    background: region(true),
    foregroundSource: source,
  };
}

/** Foreground mask (1 = foreground, width*height): union of boxes, else saliency (see header). */
export function foregroundMask(img: RgbImage, boxes: readonly BoxRatio[]): { mask: Uint8Array; source: ForegroundSource } {
  check(img);
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

// ---- helpers: geometry ------------------------------------------------------------------------

function check(img: RgbImage, mask?: Uint8Array): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) throw new RangeError(`bad image size ${width}x${height}`);
  if (data.length < width * height * 3) throw new RangeError(`image data has ${data.length} bytes, ${width}x${height} RGB needs ${width * height * 3}`);
  if (mask && mask.length !== width * height) throw new RangeError(`mask has ${mask.length} entries, image has ${width * height} pixels`);
}

/** Pixel rectangle [x0,x1) x [y0,y1) covered by a ratio box, at least one pixel when the box overlaps the image. */
function boxPixels(b: BoxRatio, width: number, height: number): { x0: number; y0: number; x1: number; y1: number } | undefined {
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

// ---- quality ------------------------------------------------------------------------------------

interface LumaPlane {
  /** Y' rounded to 0..255. */
  y: Uint8Array;
  w: number;
  h: number;
  /** Downsampling factor from the image. */
  f: number;
}

// Y' = 0.299 R + 0.587 G + 0.114 B in 16.16 fixed point (the weights sum to exactly 65536).
const WR = 19595;
const WG = 38470;
const WB = 7471;

function lumaPlane(img: RgbImage): LumaPlane {
  const { data, width, height } = img;
  const f = Math.max(1, Math.round(Math.max(width, height) / QUALITY_TARGET_SIDE));
  if (f === 1) {
    const y = new Uint8Array(width * height);
    for (let i = 0, p = 0; i < y.length; i++, p += 3) y[i] = (WR * data[p]! + WG * data[p + 1]! + WB * data[p + 2]! + 32768) >>> 16;
    return { y, w: width, h: height, f };
  }
  const w = Math.ceil(width / f);
  const h = Math.ceil(height / f);
  // Sums of 16.16 luma: at most f*f*255*65536 per cell, which fits 32 bits while f <= 16 (f is
  // at most 10 for the 10 000 px images the decoder accepts).
  const sum = f <= 16 ? new Uint32Array(w * h) : new Float64Array(w * h);
  const col = new Int32Array(width);
  for (let xx = 0; xx < width; xx++) col[xx] = (xx / f) | 0;
  for (let yy = 0; yy < height; yy++) {
    const row = ((yy / f) | 0) * w;
    for (let xx = 0, p = yy * width * 3; xx < width; xx++, p += 3) {
      const c = row + col[xx]!;
      sum[c] = sum[c]! + WR * data[p]! + WG * data[p + 1]! + WB * data[p + 2]!;
    }
  }
  const y = new Uint8Array(w * h);
  for (let cy = 0; cy < h; cy++) {
    const rows = Math.min(f, height - cy * f);
    for (let cx = 0; cx < w; cx++) {
      const c = cy * w + cx;
      y[c] = Math.round(sum[c]! / (rows * Math.min(f, width - cx * f) * 65536));
    }
  }
  return { y, w, h, f };
}

/** A full-resolution mask sampled at the plane's resolution (block centres). */
function planeMask(mask: Uint8Array, img: RgbImage, plane: LumaPlane): Uint8Array {
  if (plane.f === 1) return mask;
  const out = new Uint8Array(plane.w * plane.h);
  const half = plane.f >> 1;
  for (let py = 0; py < plane.h; py++) {
    const sy = Math.min(img.height - 1, py * plane.f + half);
    for (let px = 0; px < plane.w; px++) {
      const sx = Math.min(img.width - 1, px * plane.f + half);
      out[py * plane.w + px] = mask[sy * img.width + sx]!;
    }
  }
  return out;
}

function qualityOnPlane(plane: LumaPlane, mask: Uint8Array | undefined, invert: boolean, withContrast: boolean): QualityResult {
  const { y, w, h } = plane;
  const hist = new Uint32Array(256);
  let lapN = 0;
  let lapSum = 0;
  let lapSq = 0;
  // A region pixel counts for the histogram; it adds a Laplacian term when it is not on the image border.
  for (let yy = 0; yy < h; yy++) {
    const row = yy * w;
    const interior = yy > 0 && yy < h - 1;
    for (let i = row, end = row + w; i < end; i++) {
      if (mask !== undefined && (mask[i] !== 0) === invert) continue;
      const v = y[i]!;
      hist[v]!++;
      if (interior && i > row && i < end - 1) {
        const lap = 4 * v - y[i - 1]! - y[i + 1]! - y[i - w]! - y[i + w]!;
        lapSum += lap;
        lapSq += lap * lap;
        lapN++;
      }
    }
  }
  let n = 0;
  let sum = 0;
  for (let v = 0; v < 256; v++) {
    n += hist[v]!;
    sum += v * hist[v]!;
  }
  if (n === 0) return withContrast ? { brightness: 0, sharpness: 0, contrast: 0 } : { brightness: 0, sharpness: 0 };
  const brightness = (100 * sum) / n / 255;
  let sharpness = 0;
  if (lapN > 0) {
    const mean = lapSum / lapN;
    const variance = Math.max(0, lapSq / lapN - mean * mean);
    sharpness = (100 * variance) / (variance + SHARPNESS_KNEE);
  }
  if (!withContrast) return { brightness, sharpness };
  const p5 = percentile(hist, n, 0.05);
  const p95 = percentile(hist, n, 0.95);
  return { brightness, sharpness, contrast: (100 * (p95 - p5)) / 255 };
}

/** Smallest bin whose cumulative count reaches q of n. */
function percentile(hist: Uint32Array, n: number, q: number): number {
  const target = Math.max(1, Math.ceil(q * n));
  let c = 0;
  for (let i = 0; i < 256; i++) {
    c += hist[i]!;
    if (c >= target) return i;
  }
  return 255;
}

// ---- dominant colours ---------------------------------------------------------------------------

const BIN_BITS = 4;
const BINS = 1 << (3 * BIN_BITS);
// Scratch space reused across calls (functions are synchronous, so never shared concurrently).
const binCount = new Uint32Array(BINS);
const binR = new Uint32Array(BINS);
const binG = new Uint32Array(BINS);
const binB = new Uint32Array(BINS);
const touched = new Uint16Array(BINS);
const BIN_SHIFT = 8 - BIN_BITS;

/** lowbias32 integer hash: a deterministic, well-mixed pixel selector. */
function hash32(i: number): number {
  let h = i ^ (i >>> 16);
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

function regionColors(
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
  let nTouched = 0;
  let total = 0;
  const add = (i: number) => {
    const p = i * 3;
    const r = data[p]!;
    const g = data[p + 1]!;
    const b = data[p + 2]!;
    const bin = ((r >> BIN_SHIFT) << (2 * BIN_BITS)) | ((g >> BIN_SHIFT) << BIN_BITS) | (b >> BIN_SHIFT);
    if (binCount[bin] === 0) touched[nTouched++] = bin;
    binCount[bin]!++;
    binR[bin]! += r;
    binG[bin]! += g;
    binB[bin]! += b;
    total++;
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
  if (total === 0) return [];
  // Bins -> weighted points in Lab; reset the scratch bins as we go.
  const pts = new Float32Array(nTouched * 3);
  const wts = new Float32Array(nTouched);
  for (let j = 0; j < nTouched; j++) {
    const bin = touched[j]!;
    const c = binCount[bin]!;
    rgbToLab(binR[bin]! / c, binG[bin]! / c, binB[bin]! / c, pts, j * 3);
    wts[j] = c;
    binCount[bin] = 0;
    binR[bin] = 0;
    binG[bin] = 0;
    binB[bin] = 0;
  }
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

/** mulberry32: small, fast, deterministic PRNG in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
  const rand = mulberry32(KMEANS_SEED);
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

function dist2(a: Float32Array, ao: number, b: Float32Array, bo: number): number {
  const d0 = a[ao]! - b[bo]!;
  const d1 = a[ao + 1]! - b[bo + 1]!;
  const d2 = a[ao + 2]! - b[bo + 2]!;
  return d0 * d0 + d1 * d1 + d2 * d2;
}

// ---- saliency foreground ----------------------------------------------------------------------

const GRID = 64;
const MIN_SALIENT_DE = 10;

/** Foreground estimate when no boxes are known (see the header); full-resolution mask. */
export function saliencyMask(img: RgbImage): { mask: Uint8Array; source: ForegroundSource } {
  check(img);
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
