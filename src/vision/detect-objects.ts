/**
 * Object detection pre- and post-processing for the two COCO detectors of the model pack.
 * Pure: pixels in, tensors out; tensors in, detections (boxes as ratios) out.
 */
import { clip, nms, type Box } from './boxes.js';
import type { Feeds, TensorData } from '../runtime/tensor.js';

export interface Detection {
  classIndex: number;
  /** Raw detector score, 0..1. */
  score: number;
  box: Box;
}

export interface DetectorSpec {
  model: string;
  inputSize: number;
  /** Builds the model feeds from a `size`x`size` RGB buffer (resized with fit 'fill'). */
  feeds(rgb: Uint8Array): Feeds;
  outputs: readonly string[];
  decode(outputs: Record<string, TensorData>, minScore: number): Detection[];
}

const NMS_IOU = 0.5;

/** CenterNet MobileNetV3 512: NHWC float 0..255 in; [1,100,6] = x1,y1,x2,y2,score,class (input pixels) out. */
export const CENTERNET: DetectorSpec = Object.freeze({
  model: 'centernet',
  inputSize: 512,
  outputs: ['tower_0/detections'],
  feeds(rgb: Uint8Array): Feeds {
    return { 'tower_0/images': { type: 'float32', dims: [1, 512, 512, 3], data: new Float32Array(rgb) } };
  },
  decode(outputs: Record<string, TensorData>, minScore: number): Detection[] {
    const d = outputs['tower_0/detections']!.data;
    const found: Detection[] = [];
    for (let i = 0; i + 5 < d.length; i += 6) {
      const score = d[i + 4]!;
      if (score < minScore) continue;
      const [x1, y1, x2, y2] = [d[i]! / 512, d[i + 1]! / 512, d[i + 2]! / 512, d[i + 3]! / 512];
      const box = clip({ left: x1, top: y1, width: x2 - x1, height: y2 - y1 });
      if (box) found.push({ classIndex: Math.round(d[i + 5]!), score, box });
    }
    return nms(found, NMS_IOU);
  },
});

const NANODET_STRIDES = [8, 16, 32] as const;
const NANODET_BINS = 11; // reg_max 10: 4 sides x 11 bins = 44 box features

function softmaxExpectation(v: Float32Array | Int32Array, offset: number): number {
  let max = -Infinity;
  for (let k = 0; k < NANODET_BINS; k++) max = Math.max(max, v[offset + k]!);
  let sum = 0;
  let acc = 0;
  for (let k = 0; k < NANODET_BINS; k++) {
    const e = Math.exp(v[offset + k]! - max);
    sum += e;
    acc += e * k;
  }
  return acc / sum;
}

/** NanoDet 416: NCHW float 0..1 in; per stride 80 class scores and 44 distance bins (DFL) out. */
export const NANODET: DetectorSpec = Object.freeze({
  model: 'nanodet',
  inputSize: 416,
  outputs: ['Identity:0', 'Identity_1:0', 'Identity_2:0', 'Identity_3:0', 'Identity_4:0', 'Identity_5:0'],
  feeds(rgb: Uint8Array): Feeds {
    const n = 416 * 416;
    const data = new Float32Array(3 * n);
    for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) data[c * n + p] = rgb[p * 3 + c]! / 255;
    return { 'input_1:0': { type: 'float32', dims: [1, 3, 416, 416], data } };
  },
  decode(outputs: Record<string, TensorData>, minScore: number): Detection[] {
    const tensors = Object.values(outputs);
    const found: Detection[] = [];
    for (const stride of NANODET_STRIDES) {
      const grid = 416 / stride;
      const cells = grid * grid;
      const scores = tensors.find((t) => t.dims[1] === cells && t.dims[2] === 80);
      const boxes = tensors.find((t) => t.dims[1] === cells && t.dims[2] === 4 * NANODET_BINS);
      if (!scores || !boxes) throw new Error(`nanodet output for stride ${stride} is missing`);
      for (let i = 0; i < cells; i++) {
        let best = 0;
        let cls = -1;
        for (let c = 0; c < 80; c++) {
          const s = scores.data[i * 80 + c]!;
          if (s > best) [best, cls] = [s, c];
        }
        if (best < minScore) continue;
        const cx = ((i % grid) + 0.5) * stride;
        const cy = (Math.floor(i / grid) + 0.5) * stride;
        const base = i * 4 * NANODET_BINS;
        const [l, t, r, b] = [0, 1, 2, 3].map((s) => softmaxExpectation(boxes.data, base + s * NANODET_BINS) * stride) as [number, number, number, number];
        const box = clip({ left: (cx - l) / 416, top: (cy - t) / 416, width: (l + r) / 416, height: (t + b) / 416 });
        if (box) found.push({ classIndex: cls, score: best, box });
      }
    }
    return nms(found, NMS_IOU).slice(0, 100);
  },
});

export const DETECTORS: Readonly<Record<string, DetectorSpec>> = Object.freeze({ centernet: CENTERNET, nanodet: NANODET });
