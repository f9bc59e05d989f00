/**
 * Face detection pre- and post-processing for the candidate face detectors: SSD anchors as
 * MediaPipe generates them, decoding of box + 6 keypoints, and MediaPipe's weighted (blended)
 * non-maximum suppression. Pure: pixels in, tensors out; tensors in, faces (ratios of the square
 * model input) out.
 */
import { iou, type Box } from '../boxes.js';
import type { Feeds, TensorData } from '../../runtime/tensor.js';
import type { Point } from './face.js';

/** One face as a detector sees it, in ratios of the model input (or, after mapping, of the image). */
export interface FaceCandidate {
  box: Box;
  /** 0..1 */
  score: number;
  /**
   * MediaPipe's 6 face keypoints: the subject's right eye (image left), left eye, nose tip,
   * mouth centre, right ear tragion, left ear tragion. Empty for detectors without keypoints.
   */
  keypoints: Point[];
}

/** A fixed correction from a detector's own box to the face box Argus reports (see FaceModelSpec.boxFit). */
export interface BoxFit {
  /** Width and height multipliers about the box centre. */
  scaleX: number;
  scaleY: number;
  /** Centre shift in units of the (native) box height, positive down. */
  shiftY: number;
}

export interface FaceModelSpec {
  model: string;
  /** Square input side in pixels; 0 for a detector that takes any size (`feeds` gets the size). */
  inputSize: number;
  /** Builds the model feeds from a `w`x`h` RGB buffer. */
  feeds(rgb: Uint8Array, w: number, h: number): Feeds;
  outputs: readonly string[];
  /** Candidates above `minScore`, before NMS, in ratios of the model input. */
  decode(outputs: Record<string, TensorData>, minScore: number): FaceCandidate[];
  /** Score at which the detector says "face" (its authors' threshold, or tuned on eval data). */
  minScore: number;
  /** Maps the native box to Argus's face box (dlib's convention, fitted by bench/face-detect-eval.ts). */
  boxFit: BoxFit;
}

// ---------------------------------------------------------------------------------------------
// Anchors

/** An anchor centre in ratios of the input; MediaPipe's face detectors use fixed 1x1 anchors. */
export interface Anchor {
  x: number;
  y: number;
}

/**
 * MediaPipe's SsdAnchorsCalculator with fixed anchor size: for each stride, a grid of
 * ceil(size / stride)^2 cells, `perCell` anchors at each cell centre, row by row.
 */
export function ssdAnchors(size: number, layers: readonly { stride: number; perCell: number }[]): Anchor[] {
  const anchors: Anchor[] = [];
  for (const { stride, perCell } of layers) {
    const cells = Math.ceil(size / stride);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let k = 0; k < perCell; k++) anchors.push({ x: (x + 0.5) / cells, y: (y + 0.5) / cells });
      }
    }
  }
  return anchors;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, v))));

/**
 * MediaPipe's TensorsToDetections for BlazeFace-style regressors: per anchor, `scores[i]` is a
 * logit and `boxes[i*stride + offset ..]` holds dx, dy, w, h and 6 keypoint dx, dy, in input
 * pixels relative to the anchor centre.
 */
export function decodeBlazeFace(
  scores: ArrayLike<number>,
  scoreStride: number,
  boxes: ArrayLike<number>,
  boxStride: number,
  boxOffset: number,
  anchors: readonly Anchor[],
  size: number,
  minScore: number,
): FaceCandidate[] {
  const found: FaceCandidate[] = [];
  for (let i = 0; i < anchors.length; i++) {
    const score = sigmoid(scores[i * scoreStride]!);
    if (score < minScore) continue;
    const a = anchors[i]!;
    const o = i * boxStride + boxOffset;
    const cx = a.x + boxes[o]! / size;
    const cy = a.y + boxes[o + 1]! / size;
    const w = boxes[o + 2]! / size;
    const h = boxes[o + 3]! / size;
    if (!(w > 0 && h > 0)) continue;
    const keypoints: Point[] = [];
    for (let k = 0; k < 6; k++) keypoints.push({ x: a.x + boxes[o + 4 + 2 * k]! / size, y: a.y + boxes[o + 5 + 2 * k]! / size });
    found.push({ box: { left: cx - w / 2, top: cy - h / 2, width: w, height: h }, score, keypoints });
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Suppression

/**
 * MediaPipe's WEIGHTED non-maximum suppression: the best remaining face and every other face
 * overlapping it by more than `threshold` IoU form a cluster; the cluster becomes one face whose
 * box and keypoints are the score-weighted mean of its members and whose score is the best one.
 * Blending steadies boxes that a plain NMS would pick from one anchor.
 */
export function weightedNms(faces: readonly FaceCandidate[], threshold: number): FaceCandidate[] {
  let remaining = [...faces].sort((a, b) => b.score - a.score);
  const out: FaceCandidate[] = [];
  while (remaining.length > 0) {
    const best = remaining[0]!;
    const cluster: FaceCandidate[] = [];
    const rest: FaceCandidate[] = [];
    for (const f of remaining) (f === best || iou(best.box, f.box) > threshold ? cluster : rest).push(f);
    remaining = rest;
    if (cluster.length === 1) {
      out.push(best);
      continue;
    }
    let total = 0;
    let [l, t, r, b] = [0, 0, 0, 0];
    const kps = best.keypoints.map(() => ({ x: 0, y: 0 }));
    const sameKps = cluster.every((c) => c.keypoints.length === kps.length);
    for (const c of cluster) {
      total += c.score;
      l += c.score * c.box.left;
      t += c.score * c.box.top;
      r += c.score * (c.box.left + c.box.width);
      b += c.score * (c.box.top + c.box.height);
      if (sameKps) c.keypoints.forEach((p, k) => ((kps[k]!.x += c.score * p.x), (kps[k]!.y += c.score * p.y)));
    }
    out.push({
      box: { left: l / total, top: t / total, width: (r - l) / total, height: (b - t) / total },
      score: best.score,
      keypoints: sameKps ? kps.map((p) => ({ x: p.x / total, y: p.y / total })) : best.keypoints,
    });
  }
  return out;
}

/** Applies a BoxFit to a box (any units). */
export function fitBox(b: Box, f: BoxFit): Box {
  const cx = b.left + b.width / 2;
  const cy = b.top + b.height / 2 + f.shiftY * b.height;
  const w = b.width * f.scaleX;
  const h = b.height * f.scaleY;
  return { left: cx - w / 2, top: cy - h / 2, width: w, height: h };
}

// ---------------------------------------------------------------------------------------------
// The candidate detectors

function nhwcSigned(name: string, rgb: Uint8Array, w: number, h: number): Feeds {
  const data = new Float32Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = rgb[i]! / 127.5 - 1;
  return { [name]: { type: 'float32', dims: [1, h, w, 3], data } };
}

/**
 * BlazeFace as shipped in two-headed form (scores and regressors per anchor layer): 'blazeface'
 * / 'blazeface-back' (256, strides 16 and 32) and 'blazeface-front' (128, strides 8 and 16).
 */
function twoHeadBlazeFace(model: string, size: number, minScore: number, boxFit: BoxFit): FaceModelSpec {
  const anchors = ssdAnchors(size, [
    { stride: size / 16, perCell: 2 },
    { stride: size / 8, perCell: 6 },
  ]);
  const first = (size / (size / 16)) ** 2 * 2; // 512 anchors in the fine layer
  return Object.freeze({
    model,
    inputSize: size,
    minScore,
    boxFit,
    // Identity / Identity_2: fine layer scores and regressors; Identity_1 / Identity_3: coarse layer.
    outputs: ['Identity', 'Identity_1', 'Identity_2', 'Identity_3'],
    feeds: (rgb: Uint8Array) => nhwcSigned('input', rgb, size, size),
    decode(outputs: Record<string, TensorData>, min: number): FaceCandidate[] {
      const s0 = outputs.Identity!.data;
      const s1 = outputs.Identity_1!.data;
      const r0 = outputs.Identity_2!.data;
      const r1 = outputs.Identity_3!.data;
      if (s0.length !== first || r0.length !== first * 16 || s1.length + first !== anchors.length || r1.length !== s1.length * 16) {
        throw new Error(`${model}: unexpected output sizes ${s0.length}, ${s1.length}, ${r0.length}, ${r1.length}`);
      }
      return [
        ...decodeBlazeFace(s0, 1, r0, 16, 0, anchors.slice(0, first), size, min),
        ...decodeBlazeFace(s1, 1, r1, 16, 0, anchors.slice(first), size, min),
      ];
    },
  });
}

/** MediaPipe face detectors exported with one [1, anchors, 17] tensor: logit, then box and keypoints. */
function packedBlazeFace(model: string, size: number, layers: readonly { stride: number; perCell: number }[], output: string, minScore: number, boxFit: BoxFit): FaceModelSpec {
  const anchors = ssdAnchors(size, layers);
  return Object.freeze({
    model,
    inputSize: size,
    minScore,
    boxFit,
    outputs: [output],
    // Shipped with a signature, so the graph input goes by its tensor name.
    feeds: (rgb: Uint8Array) => nhwcSigned('input:0', rgb, size, size),
    decode(outputs: Record<string, TensorData>, min: number): FaceCandidate[] {
      const t = outputs[output]!;
      if (t.data.length !== anchors.length * 17) throw new Error(`${model}: expected ${anchors.length}x17 values, got [${t.dims}]`);
      return decodeBlazeFace(t.data, 17, t.data, 17, 1, anchors, size, min);
    },
  });
}

// Thresholds and box fits measured by bench/face-detect-eval.ts (bench/results/face-detect-eval.json).
// The fits take each detector's box to dlib's convention: lower forehead (about 0.1 of the box
// above the eyebrows) to the chin, jaw to jaw.

/** BlazeFace back-camera model (256x256): faces from about 1/12 of the input up. */
export const BLAZEFACE_BACK = twoHeadBlazeFace('blazeface-back', 256, 0.6, { scaleX: 1.06, scaleY: 1.06, shiftY: -0.027 });
/** BlazeFace front-camera model (128x128): close-up selfies. The same network as MediaPipe's short-range detector (facemesh-detection-short gives identical faces). */
export const BLAZEFACE_FRONT = twoHeadBlazeFace('blazeface-front', 128, 0.6, { scaleX: 1.011, scaleY: 1.011, shiftY: -0.054 });
/** MediaPipe face_detection_full_range (192x192, one stride-4 layer of 2304 anchors): faces from about 1/16 of the input up. */
export const FACE_DETECTION_FULL = packedBlazeFace('facemesh-detection-full', 192, [{ stride: 4, perCell: 1 }], 'Identity:0', 0.6, { scaleX: 0.97, scaleY: 0.97, shiftY: 0.029 });

export const FACE_DETECTORS: Readonly<Record<string, FaceModelSpec>> = Object.freeze({
  'blazeface-back': BLAZEFACE_BACK,
  'blazeface-front': BLAZEFACE_FRONT,
  'facemesh-detection-full': FACE_DETECTION_FULL,
});
