/**
 * Camera motion per shot (an Argus extension; Rekognition has nothing like it): static, pan
 * left/right, tilt up/down or zoom in/out, from the global motion between consecutive frames.
 *
 * Each frame is reduced to grey (BT.709 luma) at most ANALYSIS_SIDE px on its long side, and a
 * 3-level pyramid. Between consecutive frames:
 *  1. a global translation is searched exhaustively at the coarsest level (+-6 px there, so up
 *     to about 15 % of the width per frame) and refined by +-1 px one level up;
 *  2. textured blocks (the smaller eigenvalue of their structure tensor above a floor, so edges
 *     with an aperture problem and flat areas give no vector) are matched one level up around
 *     the global guess, then at full analysis size, each by a downhill walk over 3x3
 *     neighbourhoods, to sub-pixel precision by a parabola through the SSD;
 *  3. a similarity v = t + [k -r; r k](p - centre) is fitted to the block vectors robustly:
 *     exact fits through seeded random pairs vote by inliers (RANSAC), then least squares on the
 *     inliers of the best, with the tolerance tightened to their own spread. A subject moving
 *     across part of a still scene is outvoted by the background as long as the background
 *     keeps most of the textured blocks.
 * Per shot, the per-frame camera velocities (the negative of the picture's motion: a camera
 * panning right makes the picture move left) and zoom rates are averaged with the outer quarters
 * trimmed off, and the largest of |vx|, |vy| and |zoom| / 2 (the speed the zoom gives the frame
 * edge) names the motion, or `static` when all stay under `staticSpeed` (0.02 widths/s: a pan
 * that would take 50 s to cross the frame). Too few textured, agreeing blocks give `unknown`.
 * Units: velocities in frame widths per second on both axes (x right, y down, image axes); zoom
 * rate in ln(scale) per second (0.1 = the picture grows 10.5 % per second; negative = zoom out).
 * Memory: the previous frame's pyramid plus one small record per frame.
 */
import type { VideoFrame } from '../../media/video-frame.js';
import { rng } from '../random.js';

export type CameraMotionType = 'static' | 'pan_left' | 'pan_right' | 'tilt_up' | 'tilt_down' | 'zoom_in' | 'zoom_out' | 'unknown';

export interface CameraMotion {
  type: CameraMotionType;
  /** 0..100; 0 for `unknown`. */
  confidence: number;
  /** Camera velocity in frame widths per second (x right, y down). */
  meanVelocity: { x: number; y: number };
  /** ln(scale) per second: positive zooms in. */
  zoomRate: number;
}

/** Motion of the picture from the previous frame to this one, at analysis size. */
export interface FrameMotion {
  tx: number;
  ty: number;
  /** Scale factor (1 = none). */
  scale: number;
  /** Share of the textured blocks that agree with the fit. */
  inliers: number;
  /** Number of textured blocks. */
  blocks: number;
}

export interface CameraMotionOptions {
  /** Below this speed (frame widths per second) and zoom-edge speed a shot is static (default 0.02). */
  staticSpeed?: number;
}

const ANALYSIS_SIDE = 160;
const COARSE_RANGE = 6;
const BLOCK = 16;
const STRIDE = 12;
/** Most downhill moves of a block search, per level. */
const FINE_STEPS = 3;
/** Smallest structure-tensor eigenvalue per pixel (grey levels squared) for a block to be matched. */
const MIN_TEXTURE = 12;
const INLIER_PX = 0.75;
/** The tolerance never tightens below this (sub-pixel estimates of real video are noisier). */
const MIN_TOLERANCE_PX = 0.2;
const RANSAC_TRIALS = 40;
const MIN_BLOCKS = 6;
const MIN_INLIERS = 0.4;

interface Plane {
  w: number;
  h: number;
  px: Float32Array;
}

/** Grey BT.709 luma, box-averaged by an integer factor to at most about ANALYSIS_SIDE on the long side. */
function analysisGrey(frame: VideoFrame): Plane {
  const { data, width, height } = frame;
  const f = Math.max(1, Math.round(Math.max(width, height) / ANALYSIS_SIDE));
  const w = Math.floor(width / f);
  const h = Math.floor(height / f);
  const px = new Float32Array(w * h);
  for (let y = 0; y < h * f; y++) {
    const row = Math.floor(y / f) * w;
    for (let x = 0, p = y * width * 3; x < w * f; x++, p += 3) {
      const o = row + Math.floor(x / f);
      px[o] = px[o]! + 0.2126 * data[p]! + 0.7152 * data[p + 1]! + 0.0722 * data[p + 2]!;
    }
  }
  const inv = 1 / (f * f);
  for (let i = 0; i < px.length; i++) px[i] = px[i]! * inv;
  return { w, h, px };
}

function halve(p: Plane): Plane {
  const w = p.w >> 1;
  const h = p.h >> 1;
  const px = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 2 * y * p.w + 2 * x;
      px[y * w + x] = (p.px[i]! + p.px[i + 1]! + p.px[i + p.w]! + p.px[i + p.w + 1]!) / 4;
    }
  }
  return { w, h, px };
}

function pyramid(frame: VideoFrame): Plane[] {
  const l0 = analysisGrey(frame);
  const l1 = halve(l0);
  return [l0, l1, halve(l1)];
}

/** Mean absolute difference of prev(x, y) and cur(x + dx, y + dy) over the centre (margin m). */
function globalCost(a: Plane, b: Plane, dx: number, dy: number, m: number): number {
  let s = 0;
  let n = 0;
  for (let y = m; y < a.h - m; y++) {
    for (let x = m; x < a.w - m; x++) {
      s += Math.abs(a.px[y * a.w + x]! - b.px[(y + dy) * b.w + x + dx]!);
      n++;
    }
  }
  return n > 0 ? s / n : Infinity;
}

function bestShift(a: Plane, b: Plane, cx: number, cy: number, range: number): { dx: number; dy: number } {
  const m = Math.max(Math.abs(cx), Math.abs(cy)) + range;
  let best = { dx: cx, dy: cy };
  let bestCost = Infinity;
  for (let dy = cy - range; dy <= cy + range; dy++) {
    for (let dx = cx - range; dx <= cx + range; dx++) {
      const c = globalCost(a, b, dx, dy, m);
      if (c < bestCost) {
        bestCost = c;
        best = { dx, dy };
      }
    }
  }
  return best;
}

/** Smallest eigenvalue of the block's structure tensor, per pixel. */
function texture(p: Plane, x0: number, y0: number): number {
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let y = y0 + 1; y < y0 + BLOCK - 1; y++) {
    for (let x = x0 + 1; x < x0 + BLOCK - 1; x++) {
      const gx = (p.px[y * p.w + x + 1]! - p.px[y * p.w + x - 1]!) / 2;
      const gy = (p.px[(y + 1) * p.w + x]! - p.px[(y - 1) * p.w + x]!) / 2;
      sxx += gx * gx;
      syy += gy * gy;
      sxy += gx * gy;
    }
  }
  const n = (BLOCK - 2) ** 2;
  const tr = (sxx + syy) / n;
  const det = (sxx * syy - sxy * sxy) / (n * n);
  return tr / 2 - Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
}

function blockSsd(a: Plane, b: Plane, x0: number, y0: number, dx: number, dy: number, size = BLOCK): number {
  if (x0 + dx < 0 || y0 + dy < 0 || x0 + dx + size > b.w || y0 + dy + size > b.h) return Infinity;
  let s = 0;
  for (let y = 0; y < size; y++) {
    const ia = (y0 + y) * a.w + x0;
    const ib = (y0 + y + dy) * b.w + x0 + dx;
    for (let x = 0; x < size; x++) {
      const d = a.px[ia + x]! - b.px[ib + x]!;
      s += d * d;
    }
  }
  return s;
}

/** The integer shift with the least SSD in the 3x3 around (dx, dy), moving while a neighbour is better (at most `steps` moves). */
function descend(a: Plane, b: Plane, x0: number, y0: number, dx: number, dy: number, size: number, steps: number): { dx: number; dy: number; cost: number } {
  let cur = { dx, dy, cost: blockSsd(a, b, x0, y0, dx, dy, size) };
  for (let step = 0; step < steps; step++) {
    let next = cur;
    for (let oy = -1; oy <= 1; oy++) {
      for (let ox = -1; ox <= 1; ox++) {
        if (ox === 0 && oy === 0) continue;
        const c = blockSsd(a, b, x0, y0, cur.dx + ox, cur.dy + oy, size);
        if (c < next.cost) next = { dx: cur.dx + ox, dy: cur.dy + oy, cost: c };
      }
    }
    if (next === cur) return cur;
    cur = next;
  }
  return { ...cur, cost: Infinity };
}

/** Offset of the minimum of a parabola through three samples, in (-0.5, 0.5). */
function parabola(l: number, c: number, r: number): number {
  const den = l - 2 * c + r;
  if (!(den > 0) || !Number.isFinite(den)) return 0;
  return Math.max(-0.5, Math.min(0.5, (l - r) / (2 * den)));
}

interface Vector {
  x: number;
  y: number;
  vx: number;
  vy: number;
}

/**
 * One vector per textured block: its half-size twin is matched one level up around the global
 * shift, then the block itself around twice that; each search walks downhill over 3x3
 * neighbourhoods, so a block finds shifts a few pixels from the guess at a fraction of the cost
 * of an exhaustive window. A walk that does not settle within FINE_STEPS moves drops the block.
 */
function blockVectors(a0: Plane, b0: Plane, a1: Plane, b1: Plane, gx: number, gy: number): Vector[] {
  const out: Vector[] = [];
  for (let y0 = 2; y0 + BLOCK < a0.h - 1; y0 += STRIDE) {
    for (let x0 = 2; x0 + BLOCK < a0.w - 1; x0 += STRIDE) {
      if (texture(a0, x0, y0) < MIN_TEXTURE) continue;
      const coarse = descend(a1, b1, x0 >> 1, y0 >> 1, gx, gy, BLOCK >> 1, FINE_STEPS);
      if (!Number.isFinite(coarse.cost)) continue;
      const fine = descend(a0, b0, x0, y0, 2 * coarse.dx, 2 * coarse.dy, BLOCK, FINE_STEPS);
      if (!Number.isFinite(fine.cost)) continue;
      const { dx, dy, cost } = fine;
      const sx = parabola(blockSsd(a0, b0, x0, y0, dx - 1, dy), cost, blockSsd(a0, b0, x0, y0, dx + 1, dy));
      const sy = parabola(blockSsd(a0, b0, x0, y0, dx, dy - 1), cost, blockSsd(a0, b0, x0, y0, dx, dy + 1));
      out.push({ x: x0 + BLOCK / 2, y: y0 + BLOCK / 2, vx: dx + sx, vy: dy + sy });
    }
  }
  return out;
}

interface Similarity {
  tx: number;
  ty: number;
  k: number;
  r: number;
}

/** Least-squares similarity (about centre cx, cy) through the given vectors. */
function fitSimilarity(vs: Vector[], cx: number, cy: number): Similarity {
  let mx = 0;
  let my = 0;
  let mvx = 0;
  let mvy = 0;
  for (const v of vs) {
    mx += v.x;
    my += v.y;
    mvx += v.vx;
    mvy += v.vy;
  }
  const n = vs.length;
  mx /= n;
  my /= n;
  mvx /= n;
  mvy /= n;
  let qq = 0;
  let dot = 0;
  let cross = 0;
  for (const v of vs) {
    const qx = v.x - mx;
    const qy = v.y - my;
    const ux = v.vx - mvx;
    const uy = v.vy - mvy;
    qq += qx * qx + qy * qy;
    dot += qx * ux + qy * uy;
    cross += qx * uy - qy * ux;
  }
  const k = qq > 0 ? dot / qq : 0;
  const r = qq > 0 ? cross / qq : 0;
  // The fit passes through the means; move its translation to the centre.
  const ox = mx - cx;
  const oy = my - cy;
  return { tx: mvx - (k * ox - r * oy), ty: mvy - (r * ox + k * oy), k, r };
}

function residual(s: Similarity, v: Vector, cx: number, cy: number): number {
  const ox = v.x - cx;
  const oy = v.y - cy;
  return Math.hypot(s.tx + s.k * ox - s.r * oy - v.vx, s.ty + s.r * ox + s.k * oy - v.vy);
}

/** Robust similarity fit (see the header); undefined when too few blocks agree. */
function robustSimilarity(vs: Vector[], cx: number, cy: number, seed = 1): { fit: Similarity; inliers: number } | undefined {
  if (vs.length < MIN_BLOCKS) return undefined;
  const rand = rng(seed);
  let best: Vector[] = [];
  for (let t = 0; t < RANSAC_TRIALS; t++) {
    const i = Math.floor(rand() * vs.length);
    let j = Math.floor(rand() * (vs.length - 1));
    if (j >= i) j++;
    const pair = [vs[i]!, vs[j]!];
    if (Math.hypot(pair[0]!.x - pair[1]!.x, pair[0]!.y - pair[1]!.y) < BLOCK) continue;
    const s = fitSimilarity(pair, cx, cy);
    const inl = vs.filter((v) => residual(s, v, cx, cy) <= INLIER_PX);
    if (inl.length > best.length) best = inl;
  }
  // A pure translation (median vector) also gets a vote: it is the right model most of the time.
  const med = { tx: median(vs.map((v) => v.vx)), ty: median(vs.map((v) => v.vy)), k: 0, r: 0 };
  const medInl = vs.filter((v) => residual(med, v, cx, cy) <= INLIER_PX);
  if (medInl.length > best.length) best = medInl;
  if (best.length < Math.max(3, MIN_INLIERS * vs.length)) return undefined;
  let fit = fitSimilarity(best, cx, cy);
  const inlierShare = best.length / vs.length;
  // Tighten the tolerance to the spread of the agreeing vectors (3 robust sigmas), so blocks
  // that straddle a moving subject's edge and half agree do not pull the fit.
  for (let pass = 0; pass < 3; pass++) {
    const sigma = 1.4826 * median(best.map((v) => residual(fit, v, cx, cy)));
    const tol = Math.min(INLIER_PX, Math.max(MIN_TOLERANCE_PX, 3 * sigma));
    const inl = vs.filter((v) => residual(fit, v, cx, cy) <= tol);
    if (inl.length < 3) break;
    best = inl;
    fit = fitSimilarity(best, cx, cy);
  }
  return { fit, inliers: inlierShare };
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Motion of the picture between two frames (see the header); undefined when it cannot be measured. */
export function estimateFrameMotion(prev: VideoFrame, cur: VideoFrame): FrameMotion | undefined {
  return motionBetween(pyramid(prev), pyramid(cur));
}

function motionBetween(a: Plane[], b: Plane[]): FrameMotion | undefined {
  const [a0, a1, a2] = a as [Plane, Plane, Plane];
  const [b0, b1, b2] = b as [Plane, Plane, Plane];
  if (a0.w !== b0.w || a0.h !== b0.h || a2.w <= 2 * COARSE_RANGE + 2 || a2.h <= 2 * COARSE_RANGE + 2) return undefined;
  const g2 = bestShift(a2, b2, 0, 0, COARSE_RANGE);
  const g1 = bestShift(a1, b1, 2 * g2.dx, 2 * g2.dy, 1);
  const vs = blockVectors(a0, b0, a1, b1, g1.dx, g1.dy);
  const cx = a0.w / 2;
  const cy = a0.h / 2;
  const r = robustSimilarity(vs, cx, cy);
  if (!r) return undefined;
  return { tx: r.fit.tx, ty: r.fit.ty, scale: 1 + r.fit.k, inliers: r.inliers, blocks: vs.length };
}

/** The motion into one frame from the one before it. */
interface Step {
  frameIndex: number;
  dtMs: number;
  motion: FrameMotion | undefined;
}

/**
 * Streaming camera-motion estimator: push every frame, then ask for the motion of any span of
 * frames (a shot). Only the previous frame's pyramid is kept, plus one small record per frame.
 * @example const m = new CameraMotionEstimator(); for (const f of frames) m.push(f); m.summarize(0, 120).type === 'pan_right'
 */
export class CameraMotionEstimator {
  private prev: { pyr: Plane[]; ts: number } | undefined;
  /** In frame order, so a shot's steps are found by binary search. */
  private readonly steps: Step[] = [];
  private width = 0;
  private readonly staticSpeed: number;

  constructor(opts: CameraMotionOptions = {}) {
    this.staticSpeed = opts.staticSpeed ?? 0.02;
  }

  push(frame: VideoFrame): void {
    const pyr = pyramid(frame);
    this.width = pyr[0]!.w;
    if (this.prev) {
      this.steps.push({ frameIndex: frame.index, dtMs: frame.timestampMs - this.prev.ts, motion: motionBetween(this.prev.pyr, pyr) });
    }
    this.prev = { pyr, ts: frame.timestampMs };
  }

  /** Camera motion over frames startFrame..endFrame (inclusive): only steps inside the span count. */
  summarize(startFrame: number, endFrame: number): CameraMotion {
    const steps = this.steps.slice(firstAfter(this.steps, startFrame), firstAfter(this.steps, endFrame)).filter((r) => r.dtMs > 0);
    const good = steps.filter((r) => r.motion && r.motion.inliers >= MIN_INLIERS);
    if (good.length < Math.max(1, 0.3 * steps.length) || this.width === 0) {
      return { type: 'unknown', confidence: 0, meanVelocity: { x: 0, y: 0 }, zoomRate: 0 };
    }
    const w = this.width;
    const vx = good.map((r) => (-r.motion!.tx / w) * (1000 / r.dtMs));
    const vy = good.map((r) => (-r.motion!.ty / w) * (1000 / r.dtMs));
    const zr = good.map((r) => Math.log(Math.max(1e-3, r.motion!.scale)) * (1000 / r.dtMs));
    const mean = { x: trimmedMean(vx), y: trimmedMean(vy) };
    const zoomRate = trimmedMean(zr);
    const type = classify(mean.x, mean.y, zoomRate, this.staticSpeed);
    let agree = 0;
    for (let i = 0; i < good.length; i++) if (classify(vx[i]!, vy[i]!, zr[i]!, this.staticSpeed) === type) agree++;
    const inl = good.reduce((s, r) => s + r.motion!.inliers, 0) / good.length;
    const measured = good.length / steps.length;
    const confidence = 100 * (agree / good.length) * Math.sqrt(inl) * Math.sqrt(measured);
    return { type, confidence, meanVelocity: mean, zoomRate };
  }
}

/** Position of the first step into a frame after `frameIndex`. */
function firstAfter(steps: Step[], frameIndex: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid]!.frameIndex <= frameIndex) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function classify(vx: number, vy: number, zoom: number, staticSpeed: number): CameraMotionType {
  const ax = Math.abs(vx);
  const ay = Math.abs(vy);
  const az = Math.abs(zoom) / 2;
  const top = Math.max(ax, ay, az);
  if (top < staticSpeed) return 'static';
  if (top === az) return zoom > 0 ? 'zoom_in' : 'zoom_out';
  if (top === ax) return vx > 0 ? 'pan_right' : 'pan_left';
  return vy > 0 ? 'tilt_down' : 'tilt_up';
}

/** Mean of the middle half (the outer quarters dropped). */
function trimmedMean(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const lo = Math.floor(s.length / 4);
  const hi = Math.max(lo + 1, s.length - lo);
  let sum = 0;
  for (let i = lo; i < hi; i++) sum += s[i]!;
  return sum / (hi - lo);
}
