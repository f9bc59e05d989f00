/**
 * Multi-person tracker for stored video (StartPersonTracking / GetPersonTracking): per sampled
 * frame, person detections in; stable, 0-based person Indices and a path of boxes per person out.
 *
 * ByteTrack (Zhang et al., ECCV 2022) with three additions for sparse sampling (5-10 fps) and
 * re-identification:
 *
 * 1. Motion: each track has a constant-velocity Kalman filter on (cx, cy, w, h) (kalman-box.ts)
 *    that predicts over the real time between frames, so uneven time steps are fine.
 * 2. Association, in stages, each an optimal assignment (`solveAssignment`, shortest augmenting
 *    path Hungarian / Jonker-Volgenant, with ByteTrack's cost limit: a pair above it is never
 *    matched and leaving a row unmatched is never worse than matching it above the limit):
 *    a. high-score detections (>= highScore) against confirmed tracks, tracked and lost: cost
 *       (1 - IoU of the predicted box) + appearanceWeight * (1 - cosine) where both sides have an
 *       appearance vector (the cosine term scaled to reidSimilarity, see TrackerOptions), limit
 *       (1 - matchIou), so a poor appearance match uses up the IoU margin; for a lost track the
 *       cosine must also reach reidSimilarity;
 *    b. low-score detections (lowScore..highScore, typically occluded people) against the
 *       confirmed tracks still unmatched and not lost, by IoU >= lowMatchIou; they keep a track
 *       alive but teach it no appearance;
 *    c. tentative tracks against the remaining high-score detections (IoU >= tentativeMatchIou);
 *    d. re-identification: the remaining high-score detections against lost tracks by appearance
 *       alone (cosine >= reidSimilarity), gated by motion: the detection must lie within reach of
 *       where the person was last seen (reidRadius + reidMaxSpeed * gap, in body heights) and
 *       have a plausible height (within a factor reidMaxScale). Cost: (1 - cosine) + 0.2 * the
 *       distance as a fraction of that reach.
 *    The IoU is "buffered" (C-BIoU, Yang et al., WACV 2023): both boxes are widened by
 *    bufferSigmas x the track's predicted centre sigma (at most maxBufferHeights box heights),
 *    so a young track whose velocity is still unknown, or a track predicted across a gap, can
 *    match a detection that moved more than its own width between frames; a steady track has a
 *    small sigma and the IoU is nearly the plain one (`iou` of boxes.ts on the widened boxes).
 * 3. Lifecycle: unmatched high-score detections (>= newTrackScore) start tentative tracks; a
 *    tentative track missing a frame is dropped, one matched in `minHits` frames is confirmed
 *    (so a one-frame false positive never gets an Index). On confirmation it is first compared
 *    with the lost tracks (stage d's test on its averaged appearance): a match continues the lost
 *    person's Index; otherwise it takes the next Index (0, 1, 2, ... in order of confirmation,
 *    never reused). A confirmed track unmatched in a frame is lost; a lost track unmatched for
 *    more than lostBufferMs is finished.
 *
 * Appearance: a track keeps an exponential moving average (time constant appearanceTauMs) of the
 * unit vectors of its high-score detections, skipping detections partly hidden by another one
 * (another box reaching lower in the frame covers >= 15 % of it: the box then holds part of
 * someone else). Any vectors work (appearance.ts makes colour histograms; a re-id network's
 * embeddings would do better).
 *
 * Output: `update` returns the confirmed tracks matched in this frame. `tracks()` gives every
 * confirmed person with its path: every frame where it was matched, including the frames before
 * its confirmation (it was there), and, where `fillGaps` is on, the frames it was lost in before
 * being found again, as boxes interpolated linearly between the two sightings (detected: false).
 * Boxes are the Kalman estimate after the update (`smoothBoxes`, the default) or the detector's
 * box, clipped to the frame.
 *
 * Defaults: ByteTrack's thresholds (0.5 / 0.1 scores, IoU 0.2 / 0.5 / 0.3); Kalman noise and the
 * cost limit were chosen on simulated crowds (12-25 random walkers at 5-10 fps, 3 % box jitter,
 * 10-30 % missed detections, false positives), where they cut identity switches severalfold
 * against ByteTrack's per-frame noise figures; they are not tuned on real video.
 *
 * Cost: O(tracks x detections) IoUs and cosines per frame plus an O(n^2 m) assignment; 30 people
 * take about 0.2-0.4 ms per frame on a 2-core machine. Memory: paths (the result) plus O(active
 * tracks): a lost track keeps at most lostBufferMs worth of missed timestamps.
 */
import { clip, iou, type Box } from '../boxes.js';
import { cosineSimilarity, normalize } from './appearance.js';
import { BoxKalman, DEFAULT_KALMAN_NOISE, type KalmanNoise } from './kalman-box.js';

export interface Detection {
  /** Ratios of the frame. */
  box: Box;
  /** Detector score, 0..1. */
  score: number;
  /** Appearance vector of the box (e.g. `appearanceDescriptor`); optional. */
  appearance?: Float32Array;
}

/** A confirmed person in one frame. */
export interface TrackedBox {
  index: number;
  box: Box;
  /** Score of the detection it was matched with. */
  score: number;
  /** True when a detection supports this box (always, from `update`; false for interpolated path points). */
  detected: boolean;
}

export interface PathPoint {
  timestampMs: number;
  box: Box;
  /** Detector score; 0 for interpolated points. */
  score: number;
  detected: boolean;
}

export interface TrackSummary {
  index: number;
  firstTimestampMs: number;
  lastTimestampMs: number;
  /** In time order; one point per `update` call at most. */
  path: PathPoint[];
}

export interface TrackerOptions {
  /** Detections at or above this score are "high" (stages a, c, d, new tracks). */
  highScore: number;
  /** Detections below this score are ignored; between lowScore and highScore they are "low" (stage b). */
  lowScore: number;
  /** Minimum score of a detection that starts a new track. */
  newTrackScore: number;
  /** Frames a new track must be matched in, in a row, before it gets an Index. */
  minHits: number;
  /** How long a lost person is remembered, ms. */
  lostBufferMs: number;
  /** Minimum buffered IoU for stage a. */
  matchIou: number;
  /** Minimum buffered IoU for stage b (low-score detections). */
  lowMatchIou: number;
  /** Minimum buffered IoU for stage c (tentative tracks). */
  tentativeMatchIou: number;
  /** Widening of the boxes for the IoU, in sigmas of the predicted centre. */
  bufferSigmas: number;
  /** Cap of that widening, in box heights. */
  maxBufferHeights: number;
  /**
   * Weight of the appearance distance next to (1 - IoU) in stages a and c. The distance is
   * 0.2 * (1 - cosine) / (1 - reidSimilarity): (1 - cosine) with the default reidSimilarity of
   * 0.8, and in the same proportion for vectors whose cosines live in another range (face
   * embeddings with a re-identification cosine of 0.93 say) once reidSimilarity is set for them.
   */
  appearanceWeight: number;
  /** Minimum cosine similarity to re-identify a lost person. */
  reidSimilarity: number;
  /** Reach for re-identification: reidRadius + reidMaxSpeed * gap (s), in body heights. */
  reidRadius: number;
  reidMaxSpeed: number;
  /** Largest height ratio between the last sighting and a re-identified detection. */
  reidMaxScale: number;
  /** Time constant of the appearance average, ms. */
  appearanceTauMs: number;
  /** Frame width / height in pixels (makes distances isotropic). */
  frameAspect: number;
  /** Interpolate the frames a re-found person was lost in, into its path. */
  fillGaps: boolean;
  /** Report the Kalman estimate (true) or the detector's box (false). */
  smoothBoxes: boolean;
  noise: KalmanNoise;
}

export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = Object.freeze({
  highScore: 0.5,
  lowScore: 0.1,
  newTrackScore: 0.6,
  minHits: 3,
  lostBufferMs: 2000,
  matchIou: 0.3,
  lowMatchIou: 0.6,
  tentativeMatchIou: 0.3,
  bufferSigmas: 1.5,
  maxBufferHeights: 1,
  appearanceWeight: 1,
  reidSimilarity: 0.8,
  reidRadius: 1,
  reidMaxSpeed: 3,
  reidMaxScale: 2,
  appearanceTauMs: 500,
  frameAspect: 16 / 9,
  fillGaps: true,
  smoothBoxes: true,
  noise: DEFAULT_KALMAN_NOISE,
});

type TrackState = 'tentative' | 'tracked' | 'lost';

interface Track {
  /** -1 until confirmed. */
  index: number;
  state: TrackState;
  kf: BoxKalman;
  hits: number;
  lastSeenMs: number;
  /** Box at the last sighting (the reported one). */
  lastBox: Box;
  appearance: Float32Array | undefined;
  path: PathPoint[];
  /** Timestamps of the frames since the track was lost (bounded by lostBufferMs). */
  missed: number[];
}

/** Where an assignment put each row: a column, or -1. */
export interface Assignment {
  rowToCol: Int32Array;
  colToRow: Int32Array;
}

/**
 * Minimum-cost assignment of a rows x cols matrix (row-major `cost`), leaving out every pair whose
 * cost is >= `limit`. Equivalent to lapjv's extend_cost with cost_limit (ByteTrack): minimises the
 * sum of (cost - limit) over the matched pairs. Costs are clipped to `limit`, the smaller side is
 * assigned completely by the shortest augmenting path algorithm (O(n^2 m)), and pairs at the limit
 * are then dropped.
 */
export function solveAssignment(cost: ArrayLike<number>, rows: number, cols: number, limit = Infinity): Assignment {
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  if (rows === 0 || cols === 0) return { rowToCol, colToRow };
  const transpose = rows > cols;
  const n = transpose ? cols : rows;
  const m = transpose ? rows : cols;
  const cap = Number.isFinite(limit) ? limit : Number.MAX_VALUE / 4;
  const a = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const c = transpose ? cost[j * cols + i]! : cost[i * cols + j]!;
      a[i * m + j] = Number.isNaN(c) ? cap : Math.min(c, cap);
    }
  }
  const match = hungarian(a, n, m);
  for (let i = 0; i < n; i++) {
    const j = match[i]!;
    if (j < 0 || !(a[i * m + j]! < limit)) continue;
    const [r, c] = transpose ? [j, i] : [i, j];
    rowToCol[r] = c;
    colToRow[c] = r;
  }
  return { rowToCol, colToRow };
}

/**
 * Hungarian algorithm by shortest augmenting paths with potentials (the Jonker-Volgenant
 * formulation, as in e-maxx "Hungarian algorithm"), n <= m: every row gets a column.
 */
function hungarian(a: Float64Array, n: number, m: number): Int32Array {
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j]: row (1-based) assigned to column j; 0 = none
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      const row = (i0 - 1) * m;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a[row + j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else minv[j] = minv[j]! - delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const out = new Int32Array(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j]! > 0) out[p[j]! - 1] = j - 1;
  return out;
}

/** Writes `b` widened by dx, dy (ratios) on each side into `out` (no allocation in the inner loop). */
function widenInto(out: Box, b: Box, dx: number, dy: number): Box {
  out.left = b.left - dx;
  out.top = b.top - dy;
  out.width = b.width + 2 * dx;
  out.height = b.height + 2 * dy;
  return out;
}

function centre(b: Box): { x: number; y: number } {
  return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
}

export class PersonTracker {
  private readonly opts: TrackerOptions;
  private active: Track[] = [];
  private finished: TrackSummary[] = [];
  private nextIndex = 0;
  private lastMs: number | undefined;

  constructor(opts: Partial<TrackerOptions> = {}) {
    this.opts = { ...DEFAULT_TRACKER_OPTIONS, ...opts, noise: { ...DEFAULT_KALMAN_NOISE, ...opts.noise } };
    if (!(this.opts.minHits >= 1)) throw new RangeError('minHits must be at least 1');
    if (!(this.opts.frameAspect > 0)) throw new RangeError('frameAspect must be positive');
  }

  /**
   * Feeds the detections of the frame at `timestampMs` (non-decreasing across calls) and returns
   * the confirmed people matched in it, by Index.
   */
  update(timestampMs: number, detections: readonly Detection[]): TrackedBox[] {
    if (!Number.isFinite(timestampMs)) throw new RangeError('timestampMs must be finite');
    if (this.lastMs !== undefined && timestampMs < this.lastMs) throw new RangeError(`timestamps must not decrease (${timestampMs} after ${this.lastMs})`);
    const dt = this.lastMs === undefined ? 0 : (timestampMs - this.lastMs) / 1000;
    this.lastMs = timestampMs;
    for (const t of this.active) t.kf.predict(dt, t.state === 'lost');

    const o = this.opts;
    const dets = detections.filter((d) => d.score >= o.lowScore && d.box.width > 0 && d.box.height > 0 && Number.isFinite(d.box.left + d.box.top + d.box.width + d.box.height));
    const occluded = overlapFlags(dets);
    const high: number[] = [];
    const low: number[] = [];
    dets.forEach((d, i) => (d.score >= o.highScore ? high : low).push(i));

    const matchedTracks = new Set<Track>();
    const matchedDets = new Set<number>();
    const match = (t: Track, di: number, reinit = false): void => {
      matchedTracks.add(t);
      matchedDets.add(di);
      this.observe(t, dets[di]!, timestampMs, occluded[di]! || dets[di]!.score < o.highScore, reinit);
    };

    // a. high-score detections vs confirmed tracks (tracked and lost)
    const confirmed = this.active.filter((t) => t.state !== 'tentative');
    this.associate(confirmed, high, dets, o.matchIou, (t) => (t.state === 'lost' ? o.reidSimilarity : -Infinity), o.appearanceWeight, match);
    // b. low-score detections vs confirmed tracks still unmatched and not lost
    const stillTracked = confirmed.filter((t) => t.state === 'tracked' && !matchedTracks.has(t));
    this.associate(stillTracked, low, dets, o.lowMatchIou, () => -Infinity, 0, match);
    // c. tentative tracks vs remaining high-score detections
    const tentative = this.active.filter((t) => t.state === 'tentative');
    const highLeft = high.filter((i) => !matchedDets.has(i));
    this.associate(tentative, highLeft, dets, o.tentativeMatchIou, () => -Infinity, o.appearanceWeight, match);
    // d. re-identification of lost tracks by appearance
    const lost = confirmed.filter((t) => t.state === 'lost' && !matchedTracks.has(t));
    const highLeft2 = high.filter((i) => !matchedDets.has(i));
    this.reidentify(lost, highLeft2, dets, timestampMs, (t, di) => match(t, di, true));

    const confirmedNow = this.retire(matchedTracks, timestampMs);
    for (const di of high) {
      if (matchedDets.has(di) || dets[di]!.score < o.newTrackScore) continue;
      const t = this.newTrack(dets[di]!, timestampMs, occluded[di]!);
      if (t.hits >= o.minHits) confirmedNow.push(t);
    }
    for (const t of confirmedNow) this.confirm(t, timestampMs);

    const out: TrackedBox[] = [];
    for (const t of this.active) {
      if (t.state !== 'tracked' || t.index < 0 || t.lastSeenMs !== timestampMs) continue;
      const last = t.path[t.path.length - 1]!;
      out.push({ index: t.index, box: last.box, score: last.score, detected: true });
    }
    return out.sort((a, b) => a.index - b.index);
  }

  /** Every confirmed person so far (finished and active), by Index, with their paths. */
  tracks(): TrackSummary[] {
    const live = this.active.filter((t) => t.index >= 0).map(summary);
    return [...this.finished, ...live].sort((a, b) => a.index - b.index);
  }

  /** Number of tracks held in memory now (tentative, tracked, lost). */
  activeCount(): number {
    return this.active.length;
  }

  /** One association stage: optimal assignment of `tracks` x `detIdx` by buffered IoU (+ appearance). */
  private associate(
    tracks: readonly Track[],
    detIdx: readonly number[],
    dets: readonly Detection[],
    minIou: number,
    minSimilarity: (t: Track) => number,
    appearanceWeight: number,
    onMatch: (t: Track, di: number) => void,
  ): void {
    if (tracks.length === 0 || detIdx.length === 0) return;
    // ByteTrack's cost limit is its IoU gate; appearance is added on top, so a poor appearance
    // match uses up the IoU margin (measured on synthetic crowds: 3-10x fewer identity switches
    // than a limit that leaves room for the appearance term)
    const limit = 1 - minIou + 1e-9;
    const appearanceScale = (appearanceWeight * 0.2) / Math.max(1e-3, 1 - this.opts.reidSimilarity);
    const cost = new Float64Array(tracks.length * detIdx.length).fill(Infinity);
    const predWide: Box = { left: 0, top: 0, width: 0, height: 0 };
    const detWide: Box = { left: 0, top: 0, width: 0, height: 0 };
    tracks.forEach((t, r) => {
      const pred = t.kf.box();
      const sigma = t.kf.centreSigma();
      const h = t.kf.height();
      const cap = this.opts.maxBufferHeights * h;
      const dx = Math.min(this.opts.bufferSigmas * sigma.x, cap / this.opts.frameAspect);
      const dy = Math.min(this.opts.bufferSigmas * sigma.y, cap);
      widenInto(predWide, pred, dx, dy);
      const minSim = minSimilarity(t);
      detIdx.forEach((di, c) => {
        const d = dets[di]!;
        const overlap = iou(predWide, widenInto(detWide, d.box, dx, dy));
        if (overlap < minIou) return;
        let total = 1 - overlap;
        if (t.appearance && d.appearance) {
          const sim = cosineSimilarity(t.appearance, d.appearance);
          if (sim < minSim) return;
          total += appearanceScale * (1 - Math.max(0, sim));
        }
        cost[r * detIdx.length + c] = total;
      });
    });
    const { rowToCol } = solveAssignment(cost, tracks.length, detIdx.length, limit);
    rowToCol.forEach((c, r) => {
      if (c >= 0) onMatch(tracks[r]!, detIdx[c]!);
    });
  }

  /** Stage d: lost tracks x high-score detections by appearance, gated by reach and scale. */
  private reidentify(lost: readonly Track[], detIdx: readonly number[], dets: readonly Detection[], nowMs: number, onMatch: (t: Track, di: number) => void): void {
    if (lost.length === 0 || detIdx.length === 0) return;
    const cost = new Float64Array(lost.length * detIdx.length).fill(Infinity);
    lost.forEach((t, r) => {
      detIdx.forEach((di, c) => {
        const d = dets[di]!;
        if (!d.appearance) return;
        const score = this.reidCost(t, d.box, d.appearance, nowMs);
        if (score !== undefined) cost[r * detIdx.length + c] = score;
      });
    });
    const { rowToCol } = solveAssignment(cost, lost.length, detIdx.length, 2);
    rowToCol.forEach((c, r) => {
      if (c >= 0) onMatch(lost[r]!, detIdx[c]!);
    });
  }

  /** Re-identification cost of a lost track for a box and appearance at `nowMs`; undefined when gated out. */
  private reidCost(t: Track, box: Box, appearance: Float32Array, nowMs: number): number | undefined {
    const o = this.opts;
    if (!t.appearance) return undefined;
    const sim = cosineSimilarity(t.appearance, appearance);
    if (sim < o.reidSimilarity) return undefined;
    const h = t.lastBox.height;
    const scale = box.height / h;
    if (!(scale <= o.reidMaxScale && scale >= 1 / o.reidMaxScale)) return undefined;
    const a = centre(t.lastBox);
    const b = centre(box);
    const dist = Math.hypot((a.x - b.x) * o.frameAspect, a.y - b.y) / Math.max(h, box.height);
    const reach = o.reidRadius + (o.reidMaxSpeed * Math.max(0, nowMs - t.lastSeenMs)) / 1000;
    if (dist > reach) return undefined;
    return 1 - sim + (0.2 * dist) / reach;
  }

  /** Applies a matched detection to a track: Kalman update (or restart), appearance, path. */
  private observe(t: Track, d: Detection, nowMs: number, noAppearance: boolean, reinit: boolean): void {
    if (reinit) t.kf = new BoxKalman(d.box, this.opts.frameAspect, this.opts.noise);
    else t.kf.update(d.box);
    if (!noAppearance && d.appearance) this.learnAppearance(t, d.appearance, nowMs);
    const box = clip(this.opts.smoothBoxes ? t.kf.box() : d.box) ?? clip(d.box) ?? d.box;
    if (t.state === 'lost') {
      this.fillGap(t, box, nowMs);
      t.state = 'tracked';
    }
    t.missed.length = 0;
    t.hits++;
    t.lastSeenMs = nowMs;
    t.lastBox = box;
    t.path.push({ timestampMs: nowMs, box, score: d.score, detected: true });
  }

  /** Blends a detection's appearance into the track's average (weight 1 - exp(-dt / tau)); no allocation after the first. */
  private learnAppearance(t: Track, v: Float32Array, nowMs: number): void {
    if (!t.appearance || t.appearance.length !== v.length) {
      t.appearance = normalize(Float32Array.from(v));
      return;
    }
    let n = 0;
    for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
    if (!(n > 0)) return;
    const w = (1 - Math.exp(-Math.max(0, nowMs - t.lastSeenMs) / this.opts.appearanceTauMs)) / Math.sqrt(n);
    const a = t.appearance;
    const keep = 1 - w * Math.sqrt(n);
    for (let i = 0; i < a.length; i++) a[i] = keep * a[i]! + w * v[i]!;
    normalize(a);
  }

  /** Adds points interpolated between the last sighting and (`box`, `toMs`) for the frames the track missed before `toMs`. */
  private fillGap(t: Track, box: Box, toMs: number): void {
    const from = t.path[t.path.length - 1];
    if (!this.opts.fillGaps || !from) return;
    const span = toMs - from.timestampMs;
    for (const ms of t.missed) {
      if (ms >= toMs || ms <= from.timestampMs) continue;
      t.path.push({ timestampMs: ms, box: lerpBox(from.box, box, (ms - from.timestampMs) / span), score: 0, detected: false });
    }
  }

  /** End of frame: unmatched tentative tracks die, unmatched tracked ones get lost, old lost ones finish. Returns tentative tracks due for confirmation. */
  private retire(matched: ReadonlySet<Track>, nowMs: number): Track[] {
    const keep: Track[] = [];
    const due: Track[] = [];
    for (const t of this.active) {
      if (matched.has(t)) {
        if (t.state === 'tentative' && t.hits >= this.opts.minHits) due.push(t);
        keep.push(t);
        continue;
      }
      if (t.state === 'tentative') continue;
      if (t.state === 'tracked') t.state = 'lost';
      if (nowMs - t.lastSeenMs > this.opts.lostBufferMs) {
        this.finished.push(summary(t));
        continue;
      }
      t.missed.push(nowMs);
      keep.push(t);
    }
    this.active = keep;
    return due;
  }

  private newTrack(d: Detection, nowMs: number, occluded: boolean): Track {
    const kf = new BoxKalman(d.box, this.opts.frameAspect, this.opts.noise);
    const box = clip(d.box) ?? d.box;
    const t: Track = {
      index: -1,
      state: 'tentative',
      kf,
      hits: 1,
      lastSeenMs: nowMs,
      lastBox: box,
      appearance: d.appearance && !occluded ? normalize(Float32Array.from(d.appearance)) : undefined,
      path: [{ timestampMs: nowMs, box, score: d.score, detected: true }],
      missed: [],
    };
    this.active.push(t);
    return t;
  }

  /**
   * Confirms a tentative track: continues a lost person it re-identifies (taking over that
   * track's Index and path), else gives it the next Index.
   */
  private confirm(t: Track, nowMs: number): void {
    const firstMs = t.path[0]!.timestampMs;
    let best: Track | undefined;
    let bestCost = Infinity;
    if (t.appearance) {
      for (const l of this.active) {
        if (l.state !== 'lost' || l.lastSeenMs >= firstMs) continue;
        const c = this.reidCost(l, t.path[0]!.box, t.appearance, firstMs);
        if (c !== undefined && c < bestCost) [best, bestCost] = [l, c];
      }
    }
    if (!best) {
      t.index = this.nextIndex++;
      t.state = 'tracked';
      return;
    }
    this.fillGap(best, t.path[0]!.box, firstMs);
    best.path.push(...t.path);
    best.kf = t.kf;
    best.state = 'tracked';
    best.hits += t.hits;
    best.lastSeenMs = nowMs;
    best.lastBox = t.lastBox;
    best.missed.length = 0;
    if (t.appearance) best.appearance = t.appearance;
    this.active = this.active.filter((x) => x !== t);
  }
}

function summary(t: Track): TrackSummary {
  return {
    index: t.index,
    firstTimestampMs: t.path[0]!.timestampMs,
    lastTimestampMs: t.path[t.path.length - 1]!.timestampMs,
    path: t.path,
  };
}

function lerpBox(a: Box, b: Box, f: number): Box {
  return {
    left: a.left + (b.left - a.left) * f,
    top: a.top + (b.top - a.top) * f,
    width: a.width + (b.width - a.width) * f,
    height: a.height + (b.height - a.height) * f,
  };
}

/**
 * Per detection: is it partly hidden, so that its box holds part of someone else? True when
 * another detection whose box reaches lower in the frame (so, on a floor seen from above, is
 * nearer the camera) covers at least 15 % of it.
 */
function overlapFlags(dets: readonly Detection[]): boolean[] {
  const flags = dets.map(() => false);
  for (let i = 0; i < dets.length; i++) {
    const a = dets[i]!.box;
    const area = a.width * a.height;
    for (let j = 0; j < dets.length; j++) {
      if (j === i) continue;
      const b = dets[j]!.box;
      if (b.top + b.height < a.top + a.height) continue;
      const w = Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left);
      const h = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top);
      if (w > 0 && h > 0 && w * h >= 0.15 * area) {
        flags[i] = true;
        break;
      }
    }
  }
  return flags;
}
