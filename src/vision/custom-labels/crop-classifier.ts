/**
 * Naming detected boxes from their pixels: with several labels, the detection heatmap is
 * class-agnostic ("where is an object") and each found box is classified from an ImageNet
 * backbone's embedding of its crop ("which label is it"). ImageNet features tell look-alike
 * labels apart (playing-card ranks, part variants) far better than the detector's own features.
 *
 * The box descriptor is the backbone's pre-pooling map of the box (10% context each side)
 * averaged over 2x2 cells, which keeps where details sit, its mid-level (stride 16) map over
 * 3x3 cells, and that map's second-order pooling, which keeps which features occur together (a
 * backbone without such maps gives its pooled embedding). Training samples are the
 * ground-truth boxes (as they are and mirrored), jittered copies (shifted and rescaled as a
 * detector's boxes are, each mirrored or not at random) and jittered copies turned by one, two
 * and three quarter turns, so the classifier meets at test time the kind of box it was trained on. A BACKGROUND class, trained on boxes placed off
 * the objects and on the heatmap's own boxes there, lets the classifier also lower the score of a
 * box on no object.
 * The turned samples (and turned test views) are kept only when they lower the validation loss:
 * for objects whose label does not depend on how they are turned (cards, parts, leaves, logos on
 * packs seen from above) they teach that; for the others they are dropped.
 * Measured on playing cards (6 ranks, benchmark split 1, mAP@0.5): per-label heatmaps 0.50;
 * whole-box crops (TF1 MobileNetV2) 0.48; + corner sub-boxes and a jittered copy 0.56; TF2
 * MobileNetV2 0.61; + pixel-classifier fusion, 3 jittered copies, flip-averaged test crops 0.66;
 * + the background class 0.68; + 2x2 cells 0.675 (3 splits 0.612 -> 0.640); + box voting in the
 * heatmap decode 0.748; + turned samples and views 0.787; + box refinement (box-refiner.ts) 0.802;
 * without the corner sub-boxes (5x fewer backbone runs) 0.819; + the classifiers refit on the
 * training and validation boxes (train.ts) 0.830 (3 splits 0.734 -> 0.754); + hard negatives
 * (the heatmap's boxes off every object on the training images, as BACKGROUND) 0.850 (3 splits
 * 0.764); MobileNet's input scaled as its catalogue entry states 0.848 (3 splits 0.778); the
 * cells alone, without the pooled embedding, and 100/50 classifier iterations 0.859 (3 splits
 * 0.775, training 80 -> 57 s); one resize for all of a box's views 0.847 (3 splits 0.773);
 * the mid-level cells (CROP_MID_GRID) 0.861 (3 splits 0.793 -> 0.799, mAP@0.5:0.95 0.571 -> 0.611);
 * the mid-level map's second-order pooling (cropCells) 0.873 (3 splits 0.813, mAP@0.5:0.95 0.627);
 * the L2 sweep from 0.03 instead of 0.1 0.850 (3 splits 0.824, mAP@0.5:0.95 0.636); shrinkage LDA
 * instead of logistic regression (trainCropClassifier) 0.900 (3 splits 0.839, 0.646); boxes named
 * in a cascade with the refiner, without the pixel classifier (CASCADE in train.ts) 0.889 (3
 * splits 0.861, 0.657).
 */
import { cropImage, rotateQuarters, type DecodedImage } from '../../media/image.js';
import type { ModelRuntime } from '../../runtime/worker-pool.js';
import { iou, type Box } from '../boxes.js';
import { classify, type ClassificationHead, type ClsSample } from './classification-head.js';
import { fitTemperature, trainLda, withTemperature } from './lda.js';
import type { BoxRefiner, ViewFrame } from './box-refiner.js';
import { flipRgb, type Backbone, type DescriptorCells } from './features.js';

/** Context added around a box on each side, as a share of its size. */
export const CROP_CONTEXT = 0.1;
/**
 * Spatial cells of the box's pre-pooling map in the descriptor (per side). With the TF2
 * MobileNetV2's 7x7x320 last-block map, 2x2 cells (+1280 dims) raised playing cards split-1 mAP@0.5
 * 0.643 -> 0.675; 3x3 cells 0.668, 2x2 of the 7x7x1280 map 0.667 (and a 5x slower classifier),
 * 3x3 of the 14x14x96 expanded_conv_13 0.678.
 */
export const CROP_GRID = 2;
/**
 * Cells per side of the mid-level map (MobileNetV2's 14x14x96 expanded_conv_13) appended to the
 * descriptor: finer detail at 16 pixels a cell. Playing cards, 3 splits: mAP@0.5 0.793 -> 0.799,
 * mAP@0.5:0.95 0.571 -> 0.611 (the refined boxes' mean IoU with their cards 0.840 -> 0.857), 147
 * instead of 142 of the found cards named right; training 60 -> 78 s cold. 2x2 cells: 0.797 and
 * 0.595; 4x4: 0.773 and 0.598, 93 s.
 */
export const CROP_MID_GRID = 3;
/** Quarter turns of the test views (besides the box and its mirror image) when a classifier was trained with turned samples. */
export const TURNS = [1, 2, 3];

/**
 * Version of the box descriptor (boxEmbedding). A classifier trained on another version's
 * descriptors would not fit or would name boxes worse, so a model that stores another one is
 * refused at load (checkModel in train.ts). 3: the 2x2 cells alone (version 2 put the pooled
 * embedding before them; version 1, unmarked, also averaged the box's four corner sub-boxes into
 * the pooled embedding).
 */
export const CROP_DESCRIPTOR = 3;

/** What a detection model stores to name its boxes. */
export interface CropClassifier {
  /** Catalogue id of the backbone that embeds crops. */
  backbone: string;
  /** The box descriptor version it was trained on (CROP_DESCRIPTOR; absent: 1). */
  descriptor?: number;
  /** The custom labels, then BACKGROUND. */
  labels: string[];
  classifier: ClassificationHead;
  /** Spatial cells per side in the box descriptor (DescriptorCells.grid); absent: 0, pooled embeddings only. */
  grid?: number;
  /** Cells per side of the mid-level map in the descriptor (DescriptorCells.mid); absent: 0, none. */
  midGrid?: number;
  /** Projected dimensions of the mid-level map's second-order pooling (DescriptorCells.secondOrder); absent: 0, none. */
  secondOrder?: number;
  /** Trained with turned boxes: the test views add the box turned by each of TURNS. */
  turned?: boolean;
  /** Moves each found box onto its object from the same descriptors (box-refiner.ts). */
  refiner?: BoxRefiner;
}

/**
 * Descriptors of a box (ratios of the image), one per view: the backbone's embedding of the
 * context-padded box turned clockwise by the view's quarter turns, then maybe mirrored; with
 * `cells.grid` > 0 its maps averaged over cells (Backbone.embedSpatial), which keep where in the
 * box features sit, else its pooled embedding.
 */
export async function boxEmbedding(runtime: ModelRuntime, backbone: Backbone, img: DecodedImage, box: Box, views: ViewFrame[], cells: DescriptorCells = { grid: 0, mid: 0 }): Promise<Float32Array[]> {
  if (cells.grid > 0 && !backbone.embedSpatial) throw new Error(`backbone '${backbone.id}' exposes no pre-pooling map for a spatial crop descriptor`);
  const [w, h] = [box.width * img.width, box.height * img.height];
  const crop = cropImage(img, {
    left: box.left * img.width - CROP_CONTEXT * w, top: box.top * img.height - CROP_CONTEXT * h,
    width: Math.max(2, (1 + 2 * CROP_CONTEXT) * w), height: Math.max(2, (1 + 2 * CROP_CONTEXT) * h),
  });
  if (cells.grid > 0) return backbone.embedSpatial!(runtime, crop, views, cells);
  return Promise.all(views.map((v) => {
    const turned = rotateQuarters(crop, v.turn);
    return backbone.embedOne(runtime, v.mirrored ? { ...turned, data: flipRgb(turned.data, turned.width, turned.height) } : turned);
  }));
}

/** The box and its mirror image. */
export const UPRIGHT_VIEWS: ViewFrame[] = [{ turn: 0, mirrored: false }, { turn: 0, mirrored: true }];

/**
 * The views a found box is named from: as it is and mirrored; for a classifier trained turned, as
 * it is and turned by each of TURNS, alternately mirrored. (With the mirrored upright view as well,
 * five views, playing cards scored the same: mAP@0.5 0.870 against 0.870.)
 */
export function namingViews(turned: boolean): ViewFrame[] {
  return turned ? [UPRIGHT_VIEWS[0]!, ...TURNS.map((turn) => ({ turn, mirrored: turn % 2 === 0 }))] : UPRIGHT_VIEWS;
}

/** The descriptors of a box's views, each with its frame. */
export async function testViews(runtime: ModelRuntime, backbone: Backbone, img: DecodedImage, box: Box, cells: DescriptorCells, frames: ViewFrame[]): Promise<{ x: Float32Array; frame: ViewFrame }[]> {
  const xs = await boxEmbedding(runtime, backbone, img, box, frames, cells);
  return xs.map((x, k) => ({ x, frame: frames[k]! }));
}

/**
 * The cells a backbone gives box descriptors: CROP_GRID where it exposes its pre-pooling map,
 * CROP_MID_GRID where also a mid-level one, and that map's second-order pooling where the backbone
 * gives it (else 0, none). The second-order values name boxes; the box refiner does not read them
 * (refinerPart): they keep no place, and its ridge regression costs the cube of its inputs.
 * Playing cards, 3 splits, with 48 dimensions (the TF2 MobileNetV2's catalogue entry): mAP@0.5
 * 0.799 -> 0.813 (0.861, 0.758, 0.777 -> 0.873, 0.793, 0.773), mAP@0.5:0.95 0.611 -> 0.627,
 * training 65-69 -> 75-78 s after the first split (before the faster training loops); 64
 * dimensions: 0.819 and 0.636, but 89 s.
 * Naming the test cards' true boxes offline: 155 of 185 right with the cells alone, 161 with the
 * second-order values (32 dimensions: 160; 64: 163; of the 7x7x320 map instead: worse; of the
 * stride-8 28x28x32 map as well: 156).
 */
export function cropCells(backbone: Backbone): DescriptorCells {
  const mid = backbone.embedSpatial && backbone.midLevel;
  return { grid: backbone.embedSpatial ? CROP_GRID : 0, mid: mid ? CROP_MID_GRID : 0, secondOrder: mid ? backbone.secondOrder ?? 0 : 0 };
}

/** The cells of the descriptors a classifier was trained on (older models: no mid-level cells, no second-order part). */
export function classifierCells(c: CropClassifier): DescriptorCells {
  return { grid: c.grid ?? 0, mid: c.midGrid ?? 0, secondOrder: c.secondOrder ?? 0 };
}

/** The part of a descriptor the box refiner reads: the spatial cells, without the second-order values at its end. */
export function refinerPart(x: Float32Array, cells: DescriptorCells): Float32Array {
  const p = cells.secondOrder ?? 0;
  return p > 0 ? x.subarray(0, x.length - (p * (p + 1)) / 2) : x;
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
 * Trains the softmax over labels on box descriptors: linear discriminant analysis with Ledoit–Wolf
 * shrinkage (lda.ts), its temperature fitted on the validation boxes of the labels it was trained
 * on (without such boxes, on the training ones).
 * Replacing logistic regression (L2 swept 0.03, 0.01, 0.003 by validation log loss; full-batch
 * Adam, 100 then 50 warm-started iterations), naming the test playing cards' true boxes offline
 * (3 splits, 185 cards, the training's samples): 166 -> 174 right, log loss 0.31 -> 0.24.
 */
export async function trainCropClassifier(backbone: string, labels: string[], train: ClsSample[], val: ClsSample[], cells: DescriptorCells): Promise<CropClassifier> {
  const fit = await trainLda(labels, train);
  // Validation boxes of a label no training box has (all its images fell in validation) would
  // drive the temperature to nothing: they are left out.
  const known = new Set(train.map((s) => s.y[0]));
  const calibrate = val.filter((s) => known.has(s.y[0]));
  const classifier = withTemperature(fit, fitTemperature(fit, calibrate.length ? calibrate : train));
  return { backbone, descriptor: CROP_DESCRIPTOR, labels, classifier, ...(cells.grid > 0 ? { grid: cells.grid } : {}), ...(cells.mid > 0 ? { midGrid: cells.mid } : {}), ...(cells.secondOrder ? { secondOrder: cells.secondOrder } : {}) };
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
