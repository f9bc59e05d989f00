/**
 * Box refinement from a box's crop (R-CNN's bounding-box regression): a ridge regression from the
 * crop descriptor (crop-classifier.ts: the spatial cells of the box's map) to the offsets that
 * carry the box onto the object it sits on, trained on jittered copies of the true boxes. The crop
 * classifier embeds every found box anyway, so the refinement costs one small product per view.
 *
 * Offsets are R-CNN's: centre shifts as shares of the box's size, log size ratios. A view is the
 * crop turned clockwise by `turn` quarter turns, then maybe mirrored; offsets are expressed in the
 * view's own frame for training and brought back to the image's frame to average the views.
 */
import type { Box } from '../boxes.js';
import { eventLoopTurns, Moments, NormalEquations } from './math.js';

/** [tx, ty, tw, th]: centre shift / size, log size ratio. */
export type Offsets = [number, number, number, number];

export interface BoxRefiner {
  mean: number[];
  std: number[];
  /** 4 x (D + 1): weights on standardised dims, then the intercept. */
  weights: number[];
  ridge: number;
}

export interface ViewFrame {
  turn: number;
  mirrored: boolean;
}

export function offsets(from: Box, to: Box): Offsets {
  return [
    (to.left + to.width / 2 - (from.left + from.width / 2)) / from.width,
    (to.top + to.height / 2 - (from.top + from.height / 2)) / from.height,
    Math.log(to.width / from.width),
    Math.log(to.height / from.height),
  ];
}

export function applyOffsets(b: Box, [tx, ty, tw, th]: Offsets): Box {
  const cx = b.left + b.width / 2 + tx * b.width;
  const cy = b.top + b.height / 2 + ty * b.height;
  const width = b.width * Math.exp(tw);
  const height = b.height * Math.exp(th);
  return { left: cx - width / 2, top: cy - height / 2, width, height };
}

/** Image-frame offsets as seen in a view (turned clockwise `turn` times, then maybe mirrored). */
export function toView([tx, ty, tw, th]: Offsets, v: ViewFrame): Offsets {
  const q = ((v.turn % 4) + 4) % 4;
  const r: Offsets = q === 0 ? [tx, ty, tw, th] : q === 1 ? [-ty, tx, th, tw] : q === 2 ? [-tx, -ty, tw, th] : [ty, -tx, th, tw];
  if (v.mirrored) r[0] = -r[0];
  return r;
}

/** A view's offsets brought back to the image's frame (the inverse of toView). */
export function fromView(t: Offsets, v: ViewFrame): Offsets {
  const [tx, ty, tw, th] = t;
  const u: Offsets = [v.mirrored ? -tx : tx, ty, tw, th];
  const q = ((v.turn % 4) + 4) % 4;
  return q === 0 ? u : q === 1 ? [u[1], -u[0], u[3], u[2]] : q === 2 ? [-u[0], -u[1], u[2], u[3]] : [-u[1], u[0], u[3], u[2]];
}

/** Ridge regression (closed form, standardised dims, unpenalised intercept) of offsets from descriptors. */
export async function trainBoxRefiner(samples: { x: Float32Array; t: Offsets }[], ridge: number): Promise<BoxRefiner> {
  const D = samples[0]!.x.length;
  const N = samples.length;
  const { mean, std } = Moments.of(samples.map((s) => s.x));
  const tMean = [0, 1, 2, 3].map((j) => samples.reduce((a, s) => a + s.t[j]!, 0) / N);
  const eq = new NormalEquations(D, 4);
  const z = new Float64Array(D);
  const t = new Float64Array(4);
  const turn = eventLoopTurns();
  for (const s of samples) {
    await turn();
    for (let d = 0; d < D; d++) z[d] = (s.x[d]! - mean[d]!) / std[d]!;
    for (let j = 0; j < 4; j++) t[j] = s.t[j]! - tMean[j]!;
    eq.add(z, t);
  }
  const solved = await eq.solve(() => ridge * N);
  const weights: number[] = [];
  for (let j = 0; j < 4; j++) weights.push(...solved[j]!, tMean[j]!);
  return { mean: [...mean], std: [...std], weights, ridge };
}

/** The offsets one view's descriptor asks for, in the view's frame. */
export function predictOffsets(r: BoxRefiner, x: Float32Array): Offsets {
  const D = r.mean.length;
  const out: Offsets = [0, 0, 0, 0];
  for (let t = 0; t < 4; t++) {
    const w = t * (D + 1);
    let v = r.weights[w + D]!;
    for (let d = 0; d < D; d++) v += (r.weights[w + d]! * (x[d]! - r.mean[d]!)) / r.std[d]!;
    out[t] = v;
  }
  return out;
}

/** The box moved by the mean (in the image's frame) of its views' offsets. */
export function refineBox(r: BoxRefiner, box: Box, views: { x: Float32Array; frame: ViewFrame }[]): Box {
  const acc: Offsets = [0, 0, 0, 0];
  for (const v of views) fromView(predictOffsets(r, v.x), v.frame).forEach((t, j) => (acc[j]! += t / views.length));
  return applyOffsets(box, acc);
}
