/**
 * Motion of one tracked person and simple action cues, from the path of their box alone (an Argus
 * extension to GetPersonTracking). These are CUES FROM BOX MOTION, not a pose model: no joints
 * are looked at, so "standing" means "an upright box that does not move" (a seated person at a
 * desk reads as standing), and "falling" means "the box collapsed from tall to wide, or its top
 * dropped fast".
 *
 * Units are scale-invariant: speeds are in body heights per second (the box height), so a near
 * and a far person moving alike read alike. Box ratios are turned into one isotropic unit with
 * the frame's aspect ratio (x ratios * width/height = frame-height units).
 *
 * Speed, per path point, from a least-squares line through the box centres over a centred window
 * (`windowMs`, default 1 s, shifted inwards at the ends of the path; the points of a fall left
 * out), divided by the window's median box height: image-plane velocity (vx right, vy down).
 * Motion in depth shows only as a change of scale: when height and width grow or shrink together,
 * d(ln size)/dt times the focal length over the box height is the approach speed in heights/s
 * (over a window twice as long, each slope less two standard errors: scale is noisy and the focal
 * length magnifies it). The focal length comes from an assumed horizontal field of view
 * (`horizontalFovDeg`, 60 degrees; null turns depth off). Vertical image motion of someone walking
 * on the floor is mostly that same depth motion seen from above, so the speed is
 * sqrt(vx^2 + max(vy^2, depth^2)) rather than counting it twice.
 *
 * Direction: the image-plane angle (0 = right, 90 = up the frame, counter-clockwise) and a word:
 * 'right', 'up-right', ..., or 'toward-camera' / 'away-from-camera' when depth motion dominates;
 * 'none' below the standing threshold.
 *
 * Thresholds, from gait figures with a 1.7 m person: comfortable walking is ~1.4 m/s = 0.8 h/s,
 * slow strolling ~0.5 m/s = 0.3 h/s, the preferred walk-run transition ~2.0 m/s = 1.2 h/s
 * (Thorstensson & Roberthson 1987; Hreljac 1993), and above ~2.5 m/s = 1.5 h/s people run.
 * So: standing < 0.2 h/s, walking 0.2-1.5 h/s, running > 1.5 h/s, each with a logistic
 * membership (confidence) around the boundaries. A child is shorter, so the same speed in m/s
 * reads as more heights/s.
 *
 * Falling: at a point whose box is wide (height/width in pixels <= 0.9) or whose top has dropped
 * by >= 0.6 of the earlier height, look back up to `fallWindowMs` (1.5 s) for the last upright box
 * (height/width >= 1.3); a fall needs the top to have dropped by >= 0.25 of that box's height (an
 * occluder covering the legs also makes a box wide, but leaves its top in place). The points from
 * the start of the drop to the end of the collapse are 'falling'; afterwards a slow wide box
 * (height/width <= 0.8) is 'lying'. Boxes touching the frame edge (partly out of view) give no
 * shape cue.
 *
 * Segments: per point the label with the highest membership, a weighted majority vote over
 * `smoothMs` (falling is never voted away), runs shorter than `minSegmentMs` merged into a
 * neighbour; confidence 0-100 (Rekognition's scale) is the mean membership of the segment's
 * action over its points.
 */
import type { Box } from '../boxes.js';

export type ActionCue = 'standing' | 'walking' | 'running' | 'falling' | 'lying';
export const ACTION_CUES: readonly ActionCue[] = Object.freeze(['standing', 'walking', 'running', 'falling', 'lying'] as const);

export type Heading = 'none' | 'right' | 'up-right' | 'up' | 'up-left' | 'left' | 'down-left' | 'down' | 'down-right' | 'toward-camera' | 'away-from-camera';

export interface MotionSample {
  timestampMs: number;
  /** Body heights per second (see the header for how depth counts). */
  speed: number;
  /** Image-plane velocity, body heights per second, x right, y down. */
  vx: number;
  vy: number;
  /** Approach speed from the change of scale, body heights per second (> 0 toward the camera); 0 when depth is off. */
  depthSpeed: number;
  /** Image-plane direction of motion in degrees, 0 = right, 90 = up; null when not moving. */
  directionDeg: number | null;
  heading: Heading;
  action: ActionCue;
  /** Membership of `action` at this point, 0-100. */
  confidence: number;
}

export interface ActionSegment {
  action: ActionCue;
  startMs: number;
  endMs: number;
  /** 0-100. */
  confidence: number;
}

export interface PersonMotion {
  samples: MotionSample[];
  segments: ActionSegment[];
  /** Mean and maximum of `speed` over the samples, body heights per second. */
  meanSpeed: number;
  maxSpeed: number;
}

export interface MotionOptions {
  /** Frame width / height in pixels. */
  frameAspect: number;
  windowMs: number;
  /** Assumed horizontal field of view for depth motion; null: no depth motion. */
  horizontalFovDeg: number | null;
  /** Speed below which a person is standing, and above which running, body heights/s. */
  standingMaxSpeed: number;
  runningMinSpeed: number;
  fallWindowMs: number;
  smoothMs: number;
  minSegmentMs: number;
}

export const DEFAULT_MOTION_OPTIONS: Readonly<Omit<MotionOptions, 'frameAspect'>> = Object.freeze({
  windowMs: 1000,
  horizontalFovDeg: 60,
  standingMaxSpeed: 0.2,
  runningMinSpeed: 1.5,
  fallWindowMs: 1500,
  smoothMs: 600,
  minSegmentMs: 400,
});

const TALL_RATIO = 1.3;
const WIDE_RATIO = 0.9;
const LYING_RATIO = 0.8;
const FALL_MIN_DROP = 0.25;
const FALL_BIG_DROP = 0.6;
const EDGE = 0.005;

/** Per point, in frame-height units: centre, size, shape. */
interface Geometry {
  t: number;
  cx: number;
  cy: number;
  top: number;
  w: number;
  h: number;
  /** height / width in pixels. */
  ratio: number;
  atEdge: boolean;
}

/** Motion samples and action segments of one person's path (sorted by time; at most one point per timestamp). */
export function analyzePersonMotion(path: readonly { timestampMs: number; box: Box }[], options: Partial<MotionOptions> & { frameAspect: number }): PersonMotion {
  const o: MotionOptions = { ...DEFAULT_MOTION_OPTIONS, ...options };
  if (!(o.frameAspect > 0)) throw new RangeError('frameAspect must be positive');
  const g = path.map((p) => geometry(p.timestampMs, p.box, o.frameAspect));
  if (g.length === 0) return { samples: [], segments: [], meanSpeed: 0, maxSpeed: 0 };
  const focal = o.horizontalFovDeg === null ? 0 : o.frameAspect / 2 / Math.tan((o.horizontalFovDeg * Math.PI) / 360);
  const falls = fallScores(g, o.fallWindowMs);
  const memberships: Float64Array[] = [];
  const samples = g.map((p, i) => {
    const v = velocityAt(g, i, o.windowMs, focal, falls);
    const speed = Math.sqrt(v.vx * v.vx + Math.max(v.vy * v.vy, v.depth * v.depth));
    const m = memberships[memberships.push(actionMemberships(speed, p, falls[i]!, o)) - 1]!;
    const best = argmax(m);
    const sample: MotionSample = {
      timestampMs: p.t,
      speed,
      vx: v.vx,
      vy: v.vy,
      depthSpeed: v.depth,
      directionDeg: null,
      heading: 'none',
      action: ACTION_CUES[best]!,
      confidence: 100 * m[best]!,
    };
    Object.assign(sample, direction(v.vx, v.vy, v.depth, o.standingMaxSpeed));
    return sample;
  });
  const labels = smoothLabels(g, memberships, o.smoothMs);
  const segments = toSegments(g, labels, memberships, o.minSegmentMs);
  const speeds = samples.map((s) => s.speed);
  return { samples, segments, meanSpeed: speeds.reduce((a, b) => a + b, 0) / speeds.length, maxSpeed: Math.max(...speeds) };
}

function geometry(t: number, b: Box, aspect: number): Geometry {
  const w = b.width * aspect;
  const atEdge = b.left <= EDGE || b.top <= EDGE || b.left + b.width >= 1 - EDGE || b.top + b.height >= 1 - EDGE;
  return { t, cx: (b.left + b.width / 2) * aspect, cy: b.top + b.height / 2, top: b.top, w, h: b.height, ratio: w > 0 ? b.height / w : Infinity, atEdge };
}

/**
 * Least-squares slopes around point i: image velocity in heights/s over `windowMs`, depth speed
 * over twice that (scale changes slowly and is the noisiest signal).
 */
function velocityAt(g: readonly Geometry[], i: number, windowMs: number, focal: number, falls: Float64Array): { vx: number; vy: number; depth: number } {
  const t0 = g[i]!.t;
  const win = windowAround(g, i, windowMs, falls);
  if (win.length < 2) return { vx: 0, vy: 0, depth: 0 };
  const ts = win.map((p) => (p.t - t0) / 1000);
  const h = median(win.map((p) => p.h));
  const vx = slope(ts, win.map((p) => p.cx)) / h;
  const vy = slope(ts, win.map((p) => p.cy)) / h;
  let depth = 0;
  if (focal > 0) {
    const wide = windowAround(g, i, 2 * windowMs, falls);
    const tw = wide.map((p) => (p.t - t0) / 1000);
    // scale is noisy and the focal length multiplies it: only the part of each slope beyond two
    // standard errors counts
    const gh = shrunkSlope(tw, wide.map((p) => Math.log(p.h)));
    const gw = shrunkSlope(tw, wide.map((p) => Math.log(Math.max(p.w, 1e-6))));
    // only a uniform change of scale is depth motion; a box changing shape is a posture change
    const gs = Math.sign(gh) === Math.sign(gw) ? Math.sign(gh) * Math.min(Math.abs(gh), Math.abs(gw)) : 0;
    depth = (gs * focal) / h;
  }
  return { vx, vy, depth };
}

/**
 * The points within windowMs / 2 of point i, the window shifted inwards at the ends of the path
 * to keep its full length, without the points of a fall (other than i itself): a fall moves the
 * box centre fast and must not leak into the speed of the points around it.
 */
function windowAround(g: readonly Geometry[], i: number, windowMs: number, falls: Float64Array): Geometry[] {
  const t0 = g[i]!.t;
  let lo = i;
  let hi = i;
  while (lo > 0 && t0 - g[lo - 1]!.t <= windowMs / 2) lo--;
  while (hi < g.length - 1 && g[hi + 1]!.t - t0 <= windowMs / 2) hi++;
  while (g[hi]!.t - g[lo]!.t < windowMs && (lo > 0 || hi < g.length - 1)) {
    if (lo === 0) hi++;
    else if (hi === g.length - 1) lo--;
    else break;
  }
  const win: Geometry[] = [];
  for (let k = lo; k <= hi; k++) if (k === i || falls[k] === 0) win.push(g[k]!);
  return win;
}

/** Least-squares slope of y over x (0 with fewer than two distinct x). */
function slope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

/** The slope moved towards 0 by two standard errors (0 when that crosses 0): a slope the noise cannot explain. */
function shrunkSlope(x: readonly number[], y: readonly number[]): number {
  const b = slope(x, y);
  const n = x.length;
  if (n < 3) return b;
  const mx = x.reduce((a, v) => a + v, 0) / n;
  const my = y.reduce((a, v) => a + v, 0) / n;
  let ssr = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    ssr += (y[i]! - my - b * (x[i]! - mx)) ** 2;
    sxx += (x[i]! - mx) ** 2;
  }
  const se = sxx > 0 ? Math.sqrt(ssr / (n - 2) / sxx) : 0;
  return Math.sign(b) * Math.max(0, Math.abs(b) - 2 * se);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Per point, the confidence (0..1) that it belongs to a fall (see the header). A detected collapse
 * is widened to the whole movement: back to where the top started dropping, forward while the
 * top still drops or the box still widens; the stretch gets the score of its end points.
 */
function fallScores(g: readonly Geometry[], windowMs: number): Float64Array {
  const score = new Float64Array(g.length);
  let lastEnd = -1;
  for (let i = 0; i < g.length; i++) {
    const p = g[i]!;
    if (p.atEdge) continue;
    let j = i - 1;
    while (j > lastEnd && p.t - g[j]!.t <= windowMs && !(g[j]!.ratio >= TALL_RATIO && !g[j]!.atEdge)) j--;
    if (j <= lastEnd || p.t - g[j]!.t > windowMs) continue;
    const drop = (p.top - g[j]!.top) / g[j]!.h;
    if (drop < FALL_MIN_DROP || !(p.ratio <= WIDE_RATIO || drop >= FALL_BIG_DROP)) continue;
    const step = 0.02 * g[j]!.h;
    let s = j;
    while (s > 0 && g[s]!.top - g[s - 1]!.top > step && g[j]!.t - g[s - 1]!.t <= windowMs / 2) s--;
    let e = i;
    while (e + 1 < g.length && g[e + 1]!.t - g[s]!.t <= 2 * windowMs && (g[e + 1]!.top - g[e]!.top > step || g[e + 1]!.ratio < 0.95 * g[e]!.ratio)) e++;
    const up = g[s]!;
    const down = g[e]!;
    const shape = clamp01((up.ratio / down.ratio - 1) / 2);
    const dropScore = clamp01((down.top - up.top) / up.h / FALL_BIG_DROP);
    const quick = clamp01(1.25 - (down.t - up.t) / windowMs / 2);
    const value = (0.6 * Math.max(shape, dropScore) + 0.4 * Math.min(shape, dropScore)) * quick;
    for (let k = s + 1; k <= e; k++) score[k] = Math.max(score[k]!, value);
    i = lastEnd = e;
  }
  return score;
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** Memberships (0..1) of the point in each ACTION_CUES entry. */
function actionMemberships(speed: number, p: Geometry, fall: number, o: MotionOptions): Float64Array {
  const a = o.standingMaxSpeed;
  const b = o.runningMinSpeed;
  const ka = a / 4;
  const kb = b / 8;
  const m = new Float64Array(ACTION_CUES.length);
  const lying = !p.atEdge && p.ratio <= LYING_RATIO ? logistic((2 * a - speed) / ka) : 0;
  const upright = 1 - lying;
  m[0] = upright * logistic((a - speed) / ka);
  m[1] = upright * logistic((speed - a) / ka) * logistic((b - speed) / kb);
  m[2] = upright * logistic((speed - b) / kb);
  m[3] = fall;
  m[4] = lying;
  if (fall > 0) for (let k = 0; k < 3; k++) m[k] = m[k]! * (1 - fall);
  return m;
}

function argmax(m: Float64Array): number {
  let best = 0;
  for (let k = 1; k < m.length; k++) if (m[k]! > m[best]!) best = k;
  return best;
}

/** Weighted majority vote of the per-point labels over a centred window; falling points stay falling. */
function smoothLabels(g: readonly Geometry[], m: readonly Float64Array[], smoothMs: number): number[] {
  const FALL = ACTION_CUES.indexOf('falling');
  return g.map((p, i) => {
    const own = argmax(m[i]!);
    if (own === FALL) return own;
    const votes = new Float64Array(ACTION_CUES.length);
    const vote = (j: number): void => {
      const l = argmax(m[j]!);
      votes[l] = votes[l]! + m[j]![l]!;
    };
    for (let j = i; j >= 0 && p.t - g[j]!.t <= smoothMs / 2; j--) vote(j);
    for (let j = i + 1; j < g.length && g[j]!.t - p.t <= smoothMs / 2; j++) vote(j);
    votes[FALL] = 0;
    return argmax(votes);
  });
}

/**
 * Runs of equal labels as segments. A run shorter than minSegmentMs (never a fall) joins the
 * previous segment, or the next one when there is none or the previous one is a fall.
 */
function toSegments(g: readonly Geometry[], labels: readonly number[], m: readonly Float64Array[], minSegmentMs: number): ActionSegment[] {
  const FALL = ACTION_CUES.indexOf('falling');
  const runs: { label: number; from: number; to: number }[] = [];
  labels.forEach((l, i) => {
    const last = runs[runs.length - 1];
    if (last && last.label === l) last.to = i;
    else runs.push({ label: l, from: i, to: i });
  });
  const merged: typeof runs = [];
  let pendingFrom = -1;
  runs.forEach((r, k) => {
    const prev = merged[merged.length - 1];
    const short = r.label !== FALL && g[r.to]!.t - g[r.from]!.t < minSegmentMs && runs.length > 1;
    const from = pendingFrom >= 0 ? pendingFrom : r.from;
    if (prev && prev.label === r.label) prev.to = r.to;
    else if (short && prev && prev.label !== FALL) prev.to = r.to;
    else if (short && k < runs.length - 1) {
      pendingFrom = from;
      return;
    } else merged.push({ label: r.label, from, to: r.to });
    pendingFrom = -1;
  });
  return merged.map((r) => {
    let sum = 0;
    for (let i = r.from; i <= r.to; i++) sum += m[i]![r.label]!;
    return { action: ACTION_CUES[r.label]!, startMs: g[r.from]!.t, endMs: g[r.to]!.t, confidence: (100 * sum) / (r.to - r.from + 1) };
  });
}

const HEADINGS: readonly Heading[] = ['right', 'up-right', 'up', 'up-left', 'left', 'down-left', 'down', 'down-right'];

function direction(vx: number, vy: number, depth: number, minSpeed: number): { directionDeg: number | null; heading: Heading } {
  const lateral = Math.hypot(vx, vy);
  if (Math.max(lateral, Math.abs(depth)) < minSpeed) return { directionDeg: null, heading: 'none' };
  const deg = lateral > 0 ? ((Math.atan2(-vy, vx) * 180) / Math.PI + 360) % 360 : null;
  if (Math.abs(depth) > lateral) return { directionDeg: deg, heading: depth > 0 ? 'toward-camera' : 'away-from-camera' };
  return { directionDeg: deg, heading: HEADINGS[Math.round((deg ?? 0) / 45) % 8]! };
}
