/**
 * Second-order (bilinear) pooling of a model's NHWC map, computed inside the converted graph so
 * the inference workers do it: a catalogue output `<tensor>@gram<d>` is the d x d sum, over the
 * map's positions, of y yᵀ, where y is the position's C features projected to d dimensions by the
 * fixed matrix secondOrderProjection(C, d): two MatMuls after the tensor. In JavaScript on the main
 * thread (1.1 ms a view for 14x14x96 at 48) they made a playing-cards DetectCustomLabels 1.42x
 * DetectLabels; in the graph, 1.11x. secondOrderValues turns that sum into the
 * pooled values: its upper triangle averaged over positions, signed square roots, L2-normalised
 * (Lin et al., "Bilinear CNN models for fine-grained visual recognition"; a random projection as
 * in compact bilinear pooling). Orderless, it keeps which features occur together wherever they
 * sit: the detail that tells look-alikes apart (a jack from a king by its corner index).
 */
import { rng } from '../vision/random.js';

const GRAM_OUTPUT = /^(.+)@gram(\d+)$/;

/** The output name of `tensor`'s second-order pooling at `dims` projected dimensions. */
export const gramOutput = (tensor: string, dims: number) => `${tensor}@gram${dims}`;

/** The tensor and dimensions of a `<tensor>@gram<d>` output name (undefined for a plain tensor name). */
export function parseGramOutput(name: string): { tensor: string; dims: number } | undefined {
  const m = GRAM_OUTPUT.exec(name);
  return m ? { tensor: m[1]!, dims: Number(m[2]) } : undefined;
}

/**
 * Seed of the projections. Converted graphs and trained models depend on these exact values:
 * changing the seed (or the generator) needs a new TFLITE_CONVERTER_VERSION, and models trained
 * before it would read other values.
 */
const SECOND_ORDER_SEED = 0x5ec0;

/** The fixed dims x channels projection (row-major): uniform in [-0.5, 0.5), seeded by the shape. */
export function secondOrderProjection(channels: number, dims: number): Float32Array {
  const rand = rng(SECOND_ORDER_SEED + channels * 1000 + dims);
  return Float32Array.from({ length: dims * channels }, () => rand() - 0.5);
}

/** The pooled values, dims (dims + 1) / 2 of them, from the d x d Gram sum over `positions` positions. */
export function secondOrderValues(gram: ArrayLike<number>, dims: number, positions: number): Float32Array {
  const out = new Float32Array((dims * (dims + 1)) / 2);
  let norm = 0;
  for (let a = 0, o = 0; a < dims; a++) {
    for (let b = a; b < dims; b++, o++) {
      const v = gram[a * dims + b]! / positions;
      out[o] = Math.sign(v) * Math.sqrt(Math.abs(v));
      norm += Math.abs(v);
    }
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < out.length; i++) out[i]! /= norm;
  return out;
}
