/**
 * Naming detected boxes from their pixels: with several labels, the detection heatmap is
 * class-agnostic ("where is an object") and each found box is classified from an ImageNet
 * backbone's embedding of its crop ("which label is it"). ImageNet features tell look-alike
 * labels apart (playing-card ranks, part variants) far better than the detector's own features.
 *
 * The box descriptor averages the backbone's pooled embedding of the whole box (10% context each
 * side) and of its four corner sub-boxes (60% of each side): each sub-box reaches the backbone at
 * 1.7x the resolution, so small details (symbols, print, texture) survive the 224-pixel input.
 * Training samples are the ground-truth boxes (as they are and mirrored) plus jittered copies
 * (shifted and rescaled as a detector's boxes are, each mirrored or not at random), so the
 * classifier meets at test time the kind of box it was trained on. A BACKGROUND class, trained on
 * boxes placed off the objects, lets the classifier also lower the score of a box on no object.
 * Measured on playing cards (6 ranks, benchmark split 1, mAP@0.5): per-label heatmaps 0.50;
 * whole-box crops (TF1 MobileNetV2) 0.48; + corner sub-boxes and a jittered copy 0.56; TF2
 * MobileNetV2 0.61; + pixel-classifier fusion, 3 jittered copies, flip-averaged test crops 0.66;
 * + the background class 0.68 (label-blind mAP 0.77 -> 0.83). Where the backbone exposes its
 * pre-pooling map, the whole box's map averaged over 2x2 cells follows the pooled embedding in the
 * descriptor (the pooled mean loses where details sit): 0.643 -> 0.675 on split 1, 3-split mean
 * 0.612 -> 0.640 (splits 0.675/0.659/0.587 vs 0.643/0.602/0.590).
 */
import { cropImage, type DecodedImage } from '../../media/image.js';
import type { ModelRuntime } from '../../runtime/worker-pool.js';
import { iou, type Box } from '../boxes.js';
import { classify, logLoss, trainClassifier, type ClassificationHead, type ClsSample } from './classification-head.js';
import { flipRgb, type Backbone } from './features.js';

/** Context added around a box on each side, as a share of its size. */
export const CROP_CONTEXT = 0.1;
/** Side of each corner sub-box, as a share of the (context-padded) box. */
export const SUB_BOX = 0.6;
/**
 * Spatial cells of the whole box's pre-pooling map in the descriptor (per side). With the TF2
 * MobileNetV2's 7x7x320 last-block map, 2x2 cells (+1280 dims) raised playing cards split-1 mAP@0.5
 * 0.643 -> 0.675 (0.684 in a variant mirroring every region after resizing: ~0.01 is noise); in
 * that variant 3x3 cells 0.668, 2x2 of the 7x7x1280 map 0.667 (and a 5x slower classifier), 2x2
 * plus the corner sub-boxes' own 320-d pooled maps 0.687, 3x3 of the 14x14x96 expanded_conv_13 0.678.
 * (The corner maps variant over 3 splits: 0.687/0.650/0.598, mean 0.645 vs 0.640: not worth +1280 dims.)
 */
export const CROP_GRID = 2;
/** The regions of a box that are embedded: the whole box, then its four corners (x, y, w, h as shares). */
const REGIONS: [number, number, number, number][] = [
  [0, 0, 1, 1],
  [0, 0, SUB_BOX, SUB_BOX],
  [1 - SUB_BOX, 0, SUB_BOX, SUB_BOX],
  [0, 1 - SUB_BOX, SUB_BOX, SUB_BOX],
  [1 - SUB_BOX, 1 - SUB_BOX, SUB_BOX, SUB_BOX],
];

/** What a detection model stores to name its boxes. */
export interface CropClassifier {
  /** Catalogue id of the backbone that embeds crops. */
  backbone: string;
  /** The custom labels, then BACKGROUND. */
  labels: string[];
  classifier: ClassificationHead;
  /** Spatial cells per side in the box descriptor (boxEmbedding's `grid`); absent: 0, pooled embeddings only. */
  grid?: number;
}

/** Which views of a box to embed: the box and its mirror image, or one of them. */
export type BoxViews = 'both' | 'plain' | 'mirrored';

/**
 * Descriptor(s) of a box (ratios of the image): per view, the mean over REGIONS of the backbone's
 * pooled embedding; with `grid` > 0, followed by the whole box's pre-pooling map averaged over
 * grid x grid cells (Backbone.embedSpatial), which keeps where in the box features sit.
 * 'both' gives [plain, mirrored].
 */
export async function boxEmbedding(runtime: ModelRuntime, backbone: Backbone, img: DecodedImage, box: Box, which: BoxViews = 'both', grid = 0): Promise<Float32Array[]> {
  if (grid > 0 && !backbone.embedSpatial) throw new Error(`backbone '${backbone.id}' exposes no pre-pooling map for a spatial crop descriptor`);
  const [w, h] = [box.width * img.width, box.height * img.height];
  const [left, top] = [box.left * img.width - CROP_CONTEXT * w, box.top * img.height - CROP_CONTEXT * h];
  const [cw, ch] = [(1 + 2 * CROP_CONTEXT) * w, (1 + 2 * CROP_CONTEXT) * h];
  const mirrored = which === 'both' ? [false, true] : [which === 'mirrored'];
  let cells: Float32Array[] | undefined;
  const views = await Promise.all(
    REGIONS.map(async ([rx, ry, rw, rh], r) => {
      const crop = cropImage(img, { left: left + rx * cw, top: top + ry * ch, width: Math.max(2, rw * cw), height: Math.max(2, rh * ch) });
      if (r === 0 && grid > 0) {
        const s = await backbone.embedSpatial!(runtime, crop, mirrored, grid);
        cells = s.map((v) => v.cells);
        return s.map((v) => v.pooled);
      }
      if (which === 'both') return backbone.embed(runtime, crop);
      return [await backbone.embedOne(runtime, which === 'plain' ? crop : { ...crop, data: flipRgb(crop.data, crop.width, crop.height) })];
    }),
  );
  return views[0]!.map((_, v) => {
    const pooled = mean(views.map((r) => r[v]!));
    return cells ? concat([pooled, cells[v]!]) : pooled;
  });
}

/** The spatial grid a backbone gives box descriptors: CROP_GRID where it exposes its pre-pooling map, else 0 (none). */
export function cropGrid(backbone: Backbone): number {
  return backbone.embedSpatial ? CROP_GRID : 0;
}

function concat(xs: Float32Array[]): Float32Array {
  const out = new Float32Array(xs.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of xs) (out.set(x, o), (o += x.length));
  return out;
}

function mean(xs: Float32Array[]): Float32Array {
  const out = new Float32Array(xs[0]!.length);
  for (const x of xs) for (let i = 0; i < x.length; i++) out[i]! += x[i]! / xs.length;
  return out;
}

/** A box shifted by up to `shift` of its size and rescaled by up to exp(±scale) per side (a detector's kind of error). */
export function jitterBox(box: Box, rand: () => number, shift = 0.1, scale = 0.15): Box {
  const u = () => 2 * rand() - 1;
  const width = box.width * Math.exp(scale * u());
  const height = box.height * Math.exp(scale * u());
  const cx = box.left + box.width / 2 + shift * box.width * u();
  const cy = box.top + box.height / 2 + shift * box.height * u();
  const left = Math.max(0, cx - width / 2);
  const top = Math.max(0, cy - height / 2);
  return { left, top, width: Math.min(1 - left, width), height: Math.min(1 - top, height) };
}

/**
 * Trains the softmax over labels on box embeddings; the L2 strength is the one with the lowest
 * log loss on the validation boxes. The sweep goes from strong to weak L2, each warm-started
 * from the previous solution.
 */
export function trainCropClassifier(backbone: string, labels: string[], train: ClsSample[], val: ClsSample[], grid = 0): CropClassifier {
  let head = trainClassifier(labels, train, 'softmax', 1e-1, 150);
  let best = head;
  let bestLoss = val.length ? logLoss(head, val) : 0;
  for (const l2 of val.length ? [1e-2, 1e-3] : []) {
    head = trainClassifier(labels, train, 'softmax', l2, 75, head);
    const loss = logLoss(head, val);
    if (loss < bestLoss - 1e-9) [best, bestLoss] = [head, loss];
  }
  return { backbone, labels, classifier: best, ...(grid > 0 ? { grid } : {}) };
}

/** The extra class of the crop classifier: boxes on no object (trained on `backgroundBox` crops). */
export const BACKGROUND = '(background)';

/**
 * A box on background: the size of one of the image's objects, placed at random where it overlaps
 * no object by IoU 0.3 or more (undefined when 20 tries find no such place).
 */
export function backgroundBox(objects: Box[], rand: () => number): Box | undefined {
  for (let t = 0; t < 20; t++) {
    const like = objects[Math.floor(rand() * objects.length)]!;
    const box = { left: rand() * (1 - like.width), top: rand() * (1 - like.height), width: like.width, height: like.height };
    if (objects.every((o) => iou(o, box) < 0.3)) return box;
  }
  return undefined;
}

/** Label probabilities of a box embedding's views (averaged). */
export function classifyViews(c: CropClassifier, views: Float32Array[]): number[] {
  return classify(c.classifier, mean(views));
}
