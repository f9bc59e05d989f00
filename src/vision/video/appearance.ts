/**
 * A cheap appearance descriptor for a person box, used by the tracker to re-identify a person who
 * reappears after an occlusion or after leaving the frame. No model: the colours of the clothes.
 *
 * - Two parts of the box, upper body (15-50 % of the height: below the head, so hair and face
 *   matter less) and lower body (50-90 %: above the feet and the floor), each inset by 20 % of the
 *   width on both sides, since a person box carries background beside the arms and legs.
 * - Each part is sampled on a fixed grid (up to 16 x 20 points, nearest pixel) whatever the box
 *   size, so the cost is constant per box and the histogram is a proportion, not a count: the
 *   descriptor is the same for a near and a far person.
 * - Per sample, HSV. Chromatic weight c = ramp(saturation) * ramp(value) goes to 12 hue bins
 *   (soft-binned: linear interpolation between neighbouring bins, circular, so a small hue shift
 *   moves weight smoothly instead of flipping a bin); 1 - c goes to 4 grey levels (black, dark
 *   grey, light grey, white), soft-binned too. 16 bins per part. Hue carries no brightness, so a
 *   coloured outfit in half the light still scores ~0.95 against itself (a version with dark and
 *   bright hue bins scored 0.79 at 70 % light and 0.46 at 50 %).
 * - Each part histogram sums to 1, is square-rooted (Hellinger kernel: cosine of the result is the
 *   Bhattacharyya coefficient, less dominated by the largest bin), and the 32-vector is scaled to
 *   unit L2 norm, so `cosineSimilarity` is a plain dot product in [0, 1].
 *
 * Weak: colour only (two people in the same clothes look alike; dark red and bright red are one
 * colour), grey and black clothing does shift with the light, and an occluder inside the box
 * pollutes it; the tracker therefore does not learn appearance from partly hidden boxes.
 */
import type { Box } from '../boxes.js';

/** Interleaved 8-bit RGB image (a `VideoFrame` is one). */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

const HUE_BINS = 12;
const GREY_LEVELS = 4;
const PART_BINS = HUE_BINS + GREY_LEVELS;
/** Length of the descriptor: two parts of 16 bins. */
export const APPEARANCE_LENGTH = 2 * PART_BINS;

/** Parts of the box as [top, bottom] fractions of its height, and the horizontal inset. */
const PARTS: readonly (readonly [number, number])[] = [
  [0.15, 0.5],
  [0.5, 0.9],
];
const INSET_X = 0.2;
const GRID_X = 16;
const GRID_Y = 20;

/**
 * The appearance descriptor of `box` (ratios of the frame) in `frame`: 32 floats, unit L2 norm.
 * Undefined when the box covers less than 2x2 pixels of the frame.
 */
export function appearanceDescriptor(frame: RgbFrame, box: Box): Float32Array | undefined {
  const { width: fw, height: fh } = frame;
  const x0 = (box.left + INSET_X * box.width) * fw;
  const x1 = (box.left + (1 - INSET_X) * box.width) * fw;
  if (x1 - x0 < 1 || box.height * fh < 2) return undefined;
  const out = new Float32Array(APPEARANCE_LENGTH);
  let filledParts = 0;
  PARTS.forEach(([t0, t1], p) => {
    const y0 = (box.top + t0 * box.height) * fh;
    const y1 = (box.top + t1 * box.height) * fh;
    if (accumulatePart(frame, x0, x1, y0, y1, out, p * PART_BINS)) filledParts++;
  });
  if (filledParts === 0) return undefined;
  return finish(out);
}

/** Adds the samples of one part to `hist` at `offset`; false when no sample falls inside the frame. */
function accumulatePart(frame: RgbFrame, x0: number, x1: number, y0: number, y1: number, hist: Float32Array, offset: number): boolean {
  const { width: fw, height: fh, data } = frame;
  const nx = Math.max(1, Math.min(GRID_X, Math.round(x1 - x0)));
  const ny = Math.max(1, Math.min(GRID_Y, Math.round(y1 - y0)));
  let n = 0;
  for (let j = 0; j < ny; j++) {
    const y = Math.floor(y0 + ((j + 0.5) * (y1 - y0)) / ny);
    if (y < 0 || y >= fh) continue;
    for (let i = 0; i < nx; i++) {
      const x = Math.floor(x0 + ((i + 0.5) * (x1 - x0)) / nx);
      if (x < 0 || x >= fw) continue;
      const o = (y * fw + x) * 3;
      addPixel(data[o]!, data[o + 1]!, data[o + 2]!, hist, offset);
      n++;
    }
  }
  return n > 0;
}

/** Soft-bins one RGB pixel into a part histogram (see the header). */
function addPixel(r8: number, g8: number, b8: number, hist: Float32Array, offset: number): void {
  const max = Math.max(r8, g8, b8);
  const min = Math.min(r8, g8, b8);
  const v = max / 255;
  const s = max > 0 ? (max - min) / max : 0;
  const c = ramp(s, 0.15, 0.35) * ramp(v, 0.12, 0.3);
  if (c > 0) {
    const hue = hueOf(r8, g8, b8, max, min); // 0..6
    const hb = (hue / 6) * HUE_BINS - 0.5;
    const h0 = Math.floor(hb);
    const hf = hb - h0;
    const ha = (h0 + HUE_BINS) % HUE_BINS;
    const hc = (h0 + 1 + HUE_BINS) % HUE_BINS;
    hist[offset + ha] = hist[offset + ha]! + c * (1 - hf);
    hist[offset + hc] = hist[offset + hc]! + c * hf;
  }
  if (c < 1) {
    const g = Math.min(GREY_LEVELS - 1 - 1e-9, v * (GREY_LEVELS - 1));
    const g0 = Math.floor(g);
    const gf = g - g0;
    const base = offset + HUE_BINS;
    hist[base + g0] = hist[base + g0]! + (1 - c) * (1 - gf);
    hist[base + g0 + 1] = hist[base + g0 + 1]! + (1 - c) * gf;
  }
}

/** Hue in sextants, 0..6 (0 = red, 2 = green, 4 = blue). */
function hueOf(r: number, g: number, b: number, max: number, min: number): number {
  const d = max - min;
  if (d === 0) return 0;
  let h: number;
  if (max === r) h = (g - b) / d;
  else if (max === g) h = 2 + (b - r) / d;
  else h = 4 + (r - g) / d;
  return h < 0 ? h + 6 : h;
}

/** 0 below `lo`, 1 above `hi`, linear between. */
function ramp(x: number, lo: number, hi: number): number {
  return x <= lo ? 0 : x >= hi ? 1 : (x - lo) / (hi - lo);
}

/** Per part: normalise to sum 1, square root; then the whole vector to unit L2 norm. */
function finish(hist: Float32Array): Float32Array {
  for (let p = 0; p < PARTS.length; p++) {
    const o = p * PART_BINS;
    let sum = 0;
    for (let i = 0; i < PART_BINS; i++) sum += hist[o + i]!;
    for (let i = 0; i < PART_BINS; i++) hist[o + i] = sum > 0 ? Math.sqrt(hist[o + i]! / sum) : 0;
  }
  return normalize(hist);
}

/** Scales `v` in place to unit L2 norm (left as is when it is all zeros). */
export function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  if (n > 0) {
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  }
  return v;
}

/** Cosine similarity of two descriptors (any length, need not be normalised); 0 when either is all zeros or the lengths differ. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
