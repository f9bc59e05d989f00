/**
 * Hard-cut (shot change) detection over a stream of small frames, in the manner of PySceneDetect's
 * AdaptiveDetector: a content difference between consecutive frames, judged against the
 * differences of the frames around it rather than against a fixed level.
 *
 * Each frame becomes a signature: the mean BT.709 Y, Cb, Cr of a 32-column grid (rows in
 * proportion), so a 160-320 px frame is judged at about 5-10 px per cell and sensor noise and
 * small motions average out. The difference of two signatures is
 *   colour    = mean over cells of (|dY| + |dCb| + |dCr|) / 255
 *   structure = 1 - NCC of the two Y grids (0 when either grid is nearly flat)
 *   score     = colour + STRUCTURE_WEIGHT * structure.
 * The normalised cross-correlation ignores gain and offset, so a fade of a textured picture
 * moves only the colour term, a few hundredths per frame.
 * The score of frame t (its difference from frame t-1) is a cut when
 *   - it is at least RATIO times the mean score of the WINDOW frames on each side (motion keeps
 *     every score high, so a fast pan is no cut; a gradual fade or dissolve spreads its change
 *     over many frames, so it is no cut either: Rekognition omits soft transitions);
 *   - it is at least MIN_SCORE (a change out of a perfectly still or black stretch, such as the
 *     first frame of a fade-in, has a huge ratio but a tiny score);
 *   - frame t-1 does not come back within WINDOW frames, and frame t is not a return to a frame
 *     from just before an earlier jump (a flash or a passing occluder, not a new shot);
 *   - the shot it ends is at least minShotMs long.
 * A decision waits for WINDOW later frames; memory is a few signatures and scores.
 */
import type { VideoFrame } from '../../media/video-frame.js';

export interface ShotDetectorOptions {
  /** Frames per second, for the minimum shot length in frames. */
  frameRate: number;
  /** Shortest shot in milliseconds (default 400). */
  minShotMs?: number;
  /** Score over local mean score for a cut (default 3). */
  ratio?: number;
  /** Smallest score for a cut (default 0.08). */
  minScore?: number;
  /** Frames on each side of a candidate whose scores make its baseline (default 2). */
  window?: number;
}

export interface ShotCut {
  /** Index of the first frame of the new shot. */
  frameIndex: number;
  timestampMs: number;
  score: number;
  /** Score over the mean score of its neighbours. */
  ratio: number;
  /** 50..100: how far the cut clears both the ratio and the absolute thresholds. */
  confidence: number;
}

export interface FrameSignature {
  cols: number;
  rows: number;
  /** Per cell: Y, Cb, Cr means (Cb, Cr offset to 0..255). */
  ycc: Float32Array;
  /** Standard deviation of the cell Y means. */
  yStd: number;
}

const GRID_COLS = 32;
const STRUCTURE_WEIGHT = 0.5;
/** Below this spread of cell luma (0..255) a grid counts as flat and has no structure to compare. */
const FLAT_STD = 3;
/** Floor of the baseline, so a cut out of a still stretch has a finite ratio. */
const BASELINE_FLOOR = 0.01;

/** The grid signature of a frame (see the header). */
export function frameSignature(frame: VideoFrame): FrameSignature {
  const { data, width, height } = frame;
  if (width <= 0 || height <= 0 || data.length < width * height * 3) throw new RangeError(`frame ${frame.index}: bad size or data`);
  const cols = Math.min(GRID_COLS, width);
  const rows = Math.max(1, Math.min(height, Math.round((cols * height) / width)));
  const sums = new Float64Array(cols * rows * 3);
  const counts = new Uint32Array(cols * rows);
  const colOf = new Uint16Array(width);
  for (let x = 0; x < width; x++) colOf[x] = Math.min(cols - 1, Math.floor((x * cols) / width));
  for (let y = 0; y < height; y++) {
    const rowBase = Math.min(rows - 1, Math.floor((y * rows) / height)) * cols;
    for (let x = 0, p = y * width * 3; x < width; x++, p += 3) {
      const r = data[p]!;
      const g = data[p + 1]!;
      const b = data[p + 2]!;
      const luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      const c = rowBase + colOf[x]!;
      sums[c * 3] = sums[c * 3]! + luma;
      sums[c * 3 + 1] = sums[c * 3 + 1]! + (b - luma) / 1.8556 + 128;
      sums[c * 3 + 2] = sums[c * 3 + 2]! + (r - luma) / 1.5748 + 128;
      counts[c] = counts[c]! + 1;
    }
  }
  const ycc = new Float32Array(cols * rows * 3);
  let mean = 0;
  for (let c = 0; c < counts.length; c++) {
    const n = counts[c]!;
    for (let k = 0; k < 3; k++) ycc[c * 3 + k] = sums[c * 3 + k]! / n;
    mean += ycc[c * 3]!;
  }
  mean /= counts.length;
  let v = 0;
  for (let c = 0; c < counts.length; c++) v += (ycc[c * 3]! - mean) ** 2;
  return { cols, rows, ycc, yStd: Math.sqrt(v / counts.length) };
}

/** Content difference of two signatures (see the header); about 0 for the same picture, 0.3-1.5 across a cut. */
export function signatureDistance(a: FrameSignature, b: FrameSignature): number {
  if (a.cols !== b.cols || a.rows !== b.rows) return 1 + STRUCTURE_WEIGHT;
  const n = a.cols * a.rows;
  let colour = 0;
  let ma = 0;
  let mb = 0;
  for (let c = 0; c < n; c++) {
    const i = c * 3;
    colour += Math.abs(a.ycc[i]! - b.ycc[i]!) + Math.abs(a.ycc[i + 1]! - b.ycc[i + 1]!) + Math.abs(a.ycc[i + 2]! - b.ycc[i + 2]!);
    ma += a.ycc[i]!;
    mb += b.ycc[i]!;
  }
  colour /= n * 255;
  let structure = 0;
  if (a.yStd >= FLAT_STD && b.yStd >= FLAT_STD) {
    ma /= n;
    mb /= n;
    let cov = 0;
    for (let c = 0; c < n; c++) cov += (a.ycc[c * 3]! - ma) * (b.ycc[c * 3]! - mb);
    const ncc = cov / n / (a.yStd * b.yStd);
    structure = Math.min(1, Math.max(0, 1 - ncc));
  }
  return colour + STRUCTURE_WEIGHT * structure;
}

interface Scored {
  frameIndex: number;
  timestampMs: number;
  /** Difference from the previous frame. */
  score: number;
  sig: FrameSignature;
  /** Signature of the previous frame. */
  prev: FrameSignature;
}

/**
 * Streaming hard-cut detector: push every frame in order; cuts come back once WINDOW later frames
 * have been seen, and the rest from finish().
 * @example const d = new ShotDetector({ frameRate: 25 }); for (const f of frames) cuts.push(...d.push(f)); cuts.push(...d.finish());
 */
export class ShotDetector {
  private readonly minShotFrames: number;
  private readonly ratio: number;
  private readonly minScore: number;
  private readonly window: number;
  /** The last 2*window+1 scored frames; the candidate is the one `window` from the end. */
  private readonly recent: Scored[] = [];
  private previous: { sig: FrameSignature; index: number } | undefined;
  private lastCut: number | undefined;
  private decided = 0;

  constructor(opts: ShotDetectorOptions) {
    if (!(opts.frameRate > 0)) throw new RangeError(`frameRate must be positive, got ${opts.frameRate}`);
    this.minShotFrames = Math.max(1, Math.round(((opts.minShotMs ?? 400) * opts.frameRate) / 1000));
    this.ratio = opts.ratio ?? 3;
    this.minScore = opts.minScore ?? 0.08;
    this.window = Math.max(1, Math.round(opts.window ?? 2));
  }

  /** Feed the next frame (in presentation order); returns the cuts decided by it. */
  push(frame: VideoFrame): ShotCut[] {
    const sig = frameSignature(frame);
    const prev = this.previous;
    this.previous = { sig, index: frame.index };
    if (!prev) {
      this.lastCut = frame.index;
      return [];
    }
    this.recent.push({ frameIndex: frame.index, timestampMs: frame.timestampMs, score: signatureDistance(prev.sig, sig), sig, prev: prev.sig });
    if (this.recent.length > 2 * this.window + 1) this.recent.shift();
    const candidate = this.recent.length - 1 - this.window;
    return candidate >= 0 ? this.decide(candidate) : [];
  }

  /** Decide the frames still waiting for later neighbours. */
  finish(): ShotCut[] {
    const cuts: ShotCut[] = [];
    const first = Math.max(0, this.recent.length - this.window);
    for (let i = first; i < this.recent.length; i++) cuts.push(...this.decide(i));
    this.recent.length = 0;
    return cuts;
  }

  private decide(i: number): ShotCut[] {
    const c = this.recent[i]!;
    if (c.frameIndex <= this.decided) return [];
    this.decided = c.frameIndex;
    if (c.score < this.minScore) return [];
    if (this.lastCut !== undefined && c.frameIndex - this.lastCut < this.minShotFrames) return [];
    let sum = 0;
    let n = 0;
    for (let j = Math.max(0, i - this.window); j <= Math.min(this.recent.length - 1, i + this.window); j++) {
      if (j === i) continue;
      sum += this.recent[j]!.score;
      n++;
    }
    const baseline = Math.max(BASELINE_FLOOR, n > 0 ? sum / n : 0);
    const ratio = c.score / baseline;
    if (ratio < this.ratio) return [];
    // A flash or a passing occluder: a later frame looks like the one before the jump again,
    // or this frame looks like one from just before an earlier jump (the end of a flash).
    for (let j = i + 1; j < this.recent.length; j++) {
      if (signatureDistance(c.prev, this.recent[j]!.sig) < 0.5 * c.score) return [];
    }
    for (let j = Math.max(0, i - this.window); j < i; j++) {
      if (signatureDistance(this.recent[j]!.prev, c.sig) < 0.5 * c.score) return [];
    }
    this.lastCut = c.frameIndex;
    const clarity = Math.min(ratio / this.ratio, c.score / this.minScore);
    return [{ frameIndex: c.frameIndex, timestampMs: c.timestampMs, score: c.score, ratio, confidence: 50 + 50 * (1 - clarity ** -1.5) }];
  }
}
