/**
 * Custom Labels training from frozen pretrained networks (DESIGN §4): features once per image,
 * flip and (detection) zoomed-out copy (both inference workers busy), a small head trained in
 * TypeScript, per-label thresholds at the best F1 on the validation split. The result is plain JSON.
 *
 * Detection: a heatmap head on CenterNet features finds the boxes. With several labels and an
 * ImageNet backbone, that heatmap is class-agnostic and each box is named by a crop classifier
 * (crop-classifier.ts) in a cascade with the box refiner (CASCADE); without an ImageNet backbone,
 * one heatmap per label names the boxes and the model's backboneNote says so.
 * Classification: a logistic head on pooled ImageNet (else CenterNet) embeddings.
 */
import { readFile } from 'node:fs/promises';
import type { DecodedImage } from '../../media/image.js';
import type { ModelRuntime } from '../../runtime/worker-pool.js';
import { clip, iou, type Box } from '../boxes.js';
import { offsets, refineBox, toView, trainBoxRefiner, type Offsets, type ViewFrame } from './box-refiner.js';
import { classify, logLoss, trainClassifier, type ClassificationHead, type ClsSample } from './classification-head.js';
import { BACKGROUND, backgroundBox, boxEmbedding, classifyViews, classifierCells, CROP_DESCRIPTOR, cropCells, jitterBox, namingViews, refinerPart, testViews, TURNS, UPRIGHT_VIEWS, type CropClassifier } from './crop-classifier.js';
import { refitClassifierInWorker, trainCropClassifierInWorker } from './crop-classifier-worker.js';
import { decodeDetections, trainDetectionHead, type DetectionHead, type RawDetection } from './detection-head.js';
import { bestF1Thresholds, evaluateClassification, evaluateDetection, sharedBestF1Threshold } from './evaluate.js';
import {
  centernetBackbone, decodeForTraining, embeddingCache, flipRgb, INPUT, detectionFeatures, embedding, letterbox, mobilenetBackbone, runCenternet, sha256, type Backbone, type DescriptorCells, type DetectionView,
} from './features.js';
import { rng, seedOf, shuffle } from './math.js';

export interface TrainingImage {
  bytes?: Buffer;
  path?: string;
  /** Where the image came from (the manifest's source-ref), for the per-image evaluation. */
  sourceRef?: string;
  /** Image-level labels (classification). */
  labels?: string[];
  /** Boxes as ratios of the image (detection). */
  boxes?: { label: string; box: Box }[];
}

export interface TrainingDataset {
  images: TrainingImage[];
  kind: 'classification' | 'detection';
}

export interface TrainOptions {
  seed?: number;
  /** Share of the images held out for early stopping and thresholds (default 0.2). */
  validationFraction?: number;
  onProgress?(fraction: number, message: string): void;
  signal?: AbortSignal;
  /** Detection: most epochs (default 40). */
  maxEpochs?: number;
  /**
   * ImageNet backbone for classification and for naming boxes in detection with several labels:
   * 'auto' (default: the ImageNet MobileNet when the catalogue has one), or a catalogue id.
   */
  backbone?: string;
  /** Detection head: Adam learning rate and L2 (defaults in detection-head.ts). */
  headLr?: number;
  headL2?: number;
  /** Detection head: epochs without validation improvement before stopping (default 6). */
  patience?: number;
}

export interface TrainedModel {
  format: 'argus-custom-labels/1';
  kind: 'classification' | 'detection';
  labels: string[];
  /**
   * Assumed threshold per label: its best-F1 score on the test data when the model was evaluated
   * (Rekognition's rule; CustomLabelsTrainingService), else chosen on the validation split (for a
   * detection model with several labels, one threshold shared by all: sharedBestF1Threshold).
   */
  thresholds: Record<string, number>;
  /** Catalogue id of the frozen network(s) the heads read ('centernet-features+<id>' when boxes are named by crop). */
  backbone: string;
  /** Why the preferred backbone was not used, when it was not. */
  backboneNote?: string;
  classifier?: ClassificationHead;
  detector?: DetectionHead;
  training: {
    seed: number; trainingImages: number; validationImages: number; epochs?: number; wallMs: number; validationF1: number;
    /** Detection: the box regression also learned from zoomed-in windows (validation preferred it; features.ts BOX_WINDOW). */
    boxWindows?: boolean;
  };
}

export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

export const MIN_IMAGES = 4;

function check(signal?: AbortSignal) {
  if (signal?.aborted) throw new TrainingError('training was cancelled');
}

async function loadAll(images: TrainingImage[], signal?: AbortSignal): Promise<{ img: DecodedImage; hash: string }[]> {
  const bad: string[] = [];
  const out = await Promise.all(
    images.map(async (im, i) => {
      check(signal);
      const name = im.path ?? `image ${i}`;
      try {
        const bytes = im.bytes ?? (im.path ? await readFile(im.path) : undefined);
        if (!bytes) throw new Error('no bytes and no path');
        return { img: await decodeForTraining(bytes), hash: sha256(bytes) };
      } catch (e) {
        bad.push(`${name}: ${(e as Error).message}`);
        return undefined;
      }
    }),
  );
  if (bad.length) throw new TrainingError(`${bad.length} unreadable image(s): ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? '; ...' : ''}`);
  return out as { img: DecodedImage; hash: string }[];
}

/** Runs `fn` over items with at most `limit` in flight (keeps both workers busy, memory bounded). */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

function validateDataset(ds: TrainingDataset): string[] {
  if (ds.images.length < MIN_IMAGES) throw new TrainingError(`too few images: ${ds.images.length}; at least ${MIN_IMAGES} are needed`);
  const labels = new Set<string>();
  for (const im of ds.images) {
    if (ds.kind === 'classification') for (const l of im.labels ?? []) labels.add(l);
    else for (const b of im.boxes ?? []) labels.add(b.label);
  }
  const list = [...labels].sort();
  if (list.length === 0) throw new TrainingError(`no labels: the ${ds.kind} dataset has no ${ds.kind === 'classification' ? 'image labels' : 'bounding boxes'}`);
  if (ds.kind === 'classification' && list.length < 2) throw new TrainingError(`one label only ('${list[0]}'): a classification model needs at least 2 labels`);
  if (ds.kind === 'detection') {
    const withBoxes = ds.images.filter((im) => im.boxes?.length).length;
    if (withBoxes < MIN_IMAGES) throw new TrainingError(`too few images with bounding boxes: ${withBoxes}; at least ${MIN_IMAGES} are needed`);
  }
  return list;
}

/** Splits indices into train / validation, stratified by first label, seeded. */
function split(ds: TrainingDataset, fraction: number, seed: number): { train: number[]; val: number[] } {
  const rand = rng(seed);
  const groups = new Map<string, number[]>();
  ds.images.forEach((im, i) => {
    const key = ds.kind === 'classification' ? (im.labels ?? [])[0] ?? '' : (im.boxes ?? [])[0]?.label ?? '';
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const train: number[] = [];
  const val: number[] = [];
  for (const key of [...groups.keys()].sort()) {
    const idx = shuffle(groups.get(key)!, rand);
    const nVal = idx.length >= 2 ? Math.max(1, Math.round(idx.length * fraction)) : 0;
    val.push(...idx.slice(0, nVal));
    train.push(...idx.slice(nVal));
  }
  return { train: train.sort((a, b) => a - b), val: val.sort((a, b) => a - b) };
}

export async function trainModel(runtime: ModelRuntime, dataset: TrainingDataset, options: TrainOptions = {}): Promise<TrainedModel> {
  const t0 = Date.now();
  const seed = options.seed ?? 1;
  const progress = options.onProgress ?? (() => {});
  const labels = validateDataset(dataset);
  progress(0, `reading ${dataset.images.length} images`);
  const loaded = await loadAll(dataset.images, options.signal);
  const { train, val } = split(dataset, options.validationFraction ?? 0.2, seed);
  if (val.length === 0) throw new TrainingError('too few images to hold out a validation split');
  const model =
    dataset.kind === 'detection'
      ? await trainDetection(runtime, dataset, loaded, labels, train, val, seed, options)
      : await trainClassification(runtime, dataset, loaded, labels, train, val, seed, options);
  model.training.wallMs = Date.now() - t0;
  progress(1, 'training complete');
  return model;
}

async function trainDetection(
  runtime: ModelRuntime, ds: TrainingDataset, loaded: { img: DecodedImage; hash: string }[], labels: string[],
  train: number[], val: number[], seed: number, options: TrainOptions,
): Promise<TrainedModel> {
  const progress = options.onProgress ?? (() => {});
  // Several labels: a class-agnostic heatmap finds objects and an ImageNet crop classifier names them
  // (crop-classifier.ts); without an ImageNet backbone, one heatmap per label does both.
  // One label: the heatmap alone (re-scoring its boxes by crop did not raise raccoon mAP), its box
  // regression maybe also taught by zoomed-in windows of each image (BOX_WINDOW in features.ts).
  const namer = labels.length > 1 ? await chooseBackbone(runtime, options, loaded[0]!.img) : undefined;
  const byCrop = namer !== undefined && namer.backbone.id !== centernetBackbone.id;
  const note = namer?.note && `${namer.note}; boxes are named by one heatmap per label`;
  if (note) progress(0, note);
  let done = 0;
  const views = await mapLimit(loaded, 4, async ({ img, hash }, i) => {
    check(options.signal);
    const boxes = (ds.images[i]!.boxes ?? []).map((b) => ({ cls: labels.indexOf(b.label), box: b.box }));
    const f = await detectionFeatures(runtime, img, hash, boxes, !byCrop);
    progress(((byCrop ? 0.5 : 0.7) * ++done) / loaded.length, `features ${done}/${loaded.length}`);
    return f.views;
  });
  const agnostic = (v: DetectionView): DetectionView => (byCrop ? { ...v, objects: v.objects.map((o) => ({ ...o, cls: 0 })) } : v);
  const trainViews: DetectionView[] = train.flatMap((i) => views[i]!).map(agnostic);
  const valViews: DetectionView[] = val.map((i) => views[i]![0]!).map(agnostic);
  const { head, epochs, boxWindows } = await trainDetectionHead(byCrop ? ['object'] : labels, trainViews, valViews, {
    seed, maxEpochs: options.maxEpochs, signal: options.signal, lr: options.headLr, l2: options.headL2, patience: options.patience,
    onEpoch: (e, tl, vl) => progress((byCrop ? 0.5 : 0.7) + (0.1 * e) / (options.maxEpochs ?? 40), `epoch ${e}: train loss ${tl.toFixed(3)}, validation loss ${vl.toFixed(3)}`),
  });
  let refit: (() => Promise<ClassificationHead>) | undefined;
  if (byCrop) {
    ({ crop: head.crop, refit } = await fitCropClassifier(runtime, head, namer.backbone, ds, loaded, labels, train, val, options));
  }
  progress(0.9, 'choosing thresholds on the validation split');
  const preds = await mapLimit(val, 2, async (i) => detectWith(runtime, head, loaded[i]!.img));
  const valData = val.map((i, j) => ({ truth: ds.images[i]!.boxes ?? [], predictions: preds[j]! }));
  const ev = evaluateDetection(valData, labels);
  // Several labels: one shared validation threshold (sharedBestF1Threshold); one label: its best-F1 point.
  const shared = labels.length > 1 ? sharedBestF1Threshold(valData, labels) : undefined;
  if (head.crop && refit) {
    // What names boxes learns from the validation images too, with the settings validation chose:
    // with a hundred images, a quarter more counts (playing cards, 3 splits, mAP@0.5 0.734 -> 0.754
    // when introduced; refitting the heatmap too changed neither cards nor raccoon beyond noise).
    progress(0.95, 'refitting the crop classifier on training and validation images');
    head.crop.classifier = await refit();
  }
  return {
    format: 'argus-custom-labels/1', kind: 'detection', labels,
    thresholds: shared !== undefined ? Object.fromEntries(labels.map((l) => [l, shared])) : bestF1Thresholds(ev, {}, 0.3),
    backbone: byCrop ? `${centernetBackbone.id}+${namer.backbone.id}` : centernetBackbone.id, ...(note ? { backboneNote: note } : {}), detector: head,
    training: { seed, trainingImages: train.length, validationImages: val.length, epochs, wallMs: 0, validationF1: ev.aggregate.f1, boxWindows },
  };
}

/** Crop classifier samples per image: jittered copies of each box (besides the box itself), and background boxes. */
export const CROP_JITTERS = 3;
export const BACKGROUND_BOXES = 2;
/**
 * Hard negatives per training image (R-CNN's hard-negative mining): boxes the trained heatmap
 * finds there, among those it would name, that overlap no object by IoU 0.3, as BACKGROUND
 * samples. Playing cards (3 splits): mAP@0.5 0.754 -> 0.764, label-blind 0.844 -> 0.872,
 * mAP@0.5:0.95 0.539 -> 0.549 (4: 0.767, 0.877, 0.551, and 4 s more training).
 */
export const HARD_NEGATIVES = 2;
/**
 * Ridge strength (times the sample count, on standardised dims) of the box refiner. Playing cards
 * split 1: 0.1 gives mAP@0.5 0.802 and mAP@0.5:0.95 0.529 (0.787 / 0.437 unrefined), 1 0.790 / 0.488,
 * 0.01 0.779 / 0.542.
 */
export const REFINER_RIDGE = 0.1;

/**
 * Trains the crop classifier over the labels and BACKGROUND on the training images' boxes (as they
 * are, mirrored, jittered, and jittered and turned), background boxes and the heatmap's own boxes
 * off every object (hard negatives), and the box refiner on
 * the jittered boxes. Validation boxes fit the classifier's temperature and choose whether the
 * turned samples (and turned test views) are kept; `refit` then fits the chosen classifier again on
 * the validation boxes' views (and background boxes) as well.
 */
async function fitCropClassifier(
  runtime: ModelRuntime, head: DetectionHead, backbone: Backbone, ds: TrainingDataset, loaded: { img: DecodedImage; hash: string }[], labels: string[],
  train: number[], val: number[], options: TrainOptions,
): Promise<{ crop: CropClassifier; refit: () => Promise<ClassificationHead> }> {
  const progress = options.onProgress ?? (() => {});
  /** One view of a box turned by `turn`, mirrored or not at random. */
  const side = (rand: () => number, turn = 0): ViewFrame[] => [{ turn, mirrored: rand() >= 0.5 }];
  const background = (i: number) => {
    const rand = rng(seedOf(loaded[i]!.hash, 0xb6));
    return Array.from({ length: BACKGROUND_BOXES }, () => backgroundBox((ds.images[i]!.boxes ?? []).map((b) => b.box), rand)).flatMap((box) =>
      box ? [{ i, y: [labels.length], gt: undefined, box, views: side(rand) }] : []);
  };
  progress(0.6, 'finding hard negatives');
  const found = await mapLimit(train, 2, async (i) => boxesToName(await findBoxes(runtime, head, loaded[i]!.img)));
  const hard = (k: number) => {
    const i = train[k]!;
    const truth = (ds.images[i]!.boxes ?? []).map((b) => b.box);
    const rand = rng(seedOf(loaded[i]!.hash, 0x4e));
    return found[k]!.filter((d) => truth.every((t) => iou(t, d.box) < 0.3)).slice(0, HARD_NEGATIVES)
      .map((d) => ({ i, y: [labels.length], gt: undefined, box: d.box, views: side(rand) }));
  };
  const trainItems = train.flatMap((i, k) => {
    const boxes = ds.images[i]!.boxes ?? [];
    const objects = boxes.flatMap((b, j) => {
      const rand = rng(seedOf(loaded[i]!.hash, j));
      const y = [labels.indexOf(b.label)];
      const jittered = Array.from({ length: CROP_JITTERS }, () => ({ i, y, gt: b.box, box: jitterBox(b.box, rand), views: side(rand) }));
      const turned = TURNS.map((turn) => ({ i, y, gt: b.box, box: jitterBox(b.box, rand), views: side(rand, turn) }));
      return [{ i, y, gt: b.box, box: b.box, views: UPRIGHT_VIEWS }, ...jittered, ...turned];
    });
    return [...objects, ...background(i), ...hard(k)];
  });
  const valItems = val.flatMap((i) => [...(ds.images[i]!.boxes ?? []).map((b) => ({ i, y: [labels.indexOf(b.label)], box: b.box })), ...background(i)]);
  let n = 0;
  const total = trainItems.length + valItems.length;
  const cells = cropCells(backbone);
  const embedded = await mapLimit(trainItems, 2, async (t) => {
    check(options.signal);
    const e = await cachedBoxEmbedding(runtime, backbone, loaded[t.i]!.img, loaded[t.i]!.hash, t.box, t.views, cells);
    progress(0.6 + (0.25 * ++n) / total, `box crops ${n}/${total} (${backbone.id})`);
    return e;
  });
  // The validation boxes' views for either candidate: both sets of naming views.
  const valFrames = [...UPRIGHT_VIEWS, ...namingViews(true).slice(1)];
  const valViews = await mapLimit(valItems, 2, async (t) => {
    check(options.signal);
    const v = await boxEmbedding(runtime, backbone, loaded[t.i]!.img, t.box, valFrames, cells);
    progress(0.6 + (0.25 * ++n) / total, `box crops ${n}/${total} (${backbone.id})`);
    return v;
  });
  progress(0.85, 'training the crop classifier');
  const samples = (turned: boolean): ClsSample[] => trainItems.flatMap((t, k) => (turned || t.views[0]!.turn === 0 ? embedded[k]!.map((x) => ({ x, y: t.y })) : []));
  /** A validation box's naming views (namingViews) for a classifier trained turned or not. */
  const valViewsOf = (k: number, turned: boolean) => namingViews(turned).map((f) => valViews[k]![valFrames.findIndex((g) => g.turn === f.turn && g.mirrored === f.mirrored)]!);
  const valSamples = (turned: boolean): ClsSample[] => valItems.map((t, k) => ({ x: average(valViewsOf(k, turned)), y: t.y }));
  const labelsBg = [...labels, BACKGROUND];
  // The two candidates train at once, each in a worker thread (both cores; the inference workers are idle).
  const candidate = (t: boolean) => trainCropClassifierInWorker({ backbone: backbone.id, labels: labelsBg, train: samples(t), val: valSamples(t), cells }, options.signal);
  const [upright, turned] = await Promise.all([candidate(false), candidate(true)]);
  const chosen = logLoss(turned.classifier, valSamples(true)) < logLoss(upright.classifier, valSamples(false)) ? { ...turned, turned: true } : upright;
  progress(0.88, 'training the box refiner');
  const regression: { x: Float32Array; t: Offsets }[] = trainItems.flatMap((t, k) => {
    if (!t.gt) return [];
    const off = offsets(t.box, t.gt);
    return embedded[k]!.map((x, v) => ({ x: refinerPart(x, cells), t: toView(off, t.views[v]!) }));
  });
  chosen.refiner = await trainBoxRefiner(regression, REFINER_RIDGE);
  const turnedChosen = chosen.turned ?? false;
  const all = () => [...samples(turnedChosen), ...valItems.flatMap((t, k) => valViewsOf(k, turnedChosen).map((x) => ({ x, y: t.y })))];
  return { crop: chosen, refit: () => refitClassifierInWorker(chosen.classifier, all(), options.signal) };
}

/** Test-time flip augmentation in detection (both views through CenterNet, at once on the two workers). */
export const FLIP_TTA = true;

/**
 * Found boxes are named in a cascade, as Cascade R-CNN does: the box refiner first moves each box
 * from its view as it is, then the box's views (namingViews) are taken again where it moved to, to
 * name it and move it once more. Playing cards (3 splits, the same trained models), with a first
 * step from two views (as it is and mirrored) and five naming views: mAP@0.5 0.839 -> 0.854,
 * mAP@0.5:0.95 0.646 -> 0.667; without fusing the pixel classifier that decoding used to read at
 * each box's peak, 0.870 and 0.674 (161 instead of 154 of the 177 found cards named right; fused,
 * the pixel classifier's answer, read at the first box's centre, flipped more right names to
 * wrong than back). A first step from one view and four naming views (as many backbone runs per
 * box as before the cascade, 5): 0.861 (0.889, 0.841, 0.852) and 0.657, trained so; DetectCustomLabels
 * 1.16x DetectLabels, against 1.45x with the two-view first step and five naming views.
 */
export const CASCADE = true;

/**
 * Boxes named by their crop: at most this many per image (best objectness first), above this
 * objectness. A box's score per label is its objectness times the label's probability (the
 * background share lowers every label's score).
 * Playing cards, 3 splits (mAP@0.5, crops named per image): objectness >= 0.02 0.733, 7.96;
 * >= 0.05 0.734, 6.17; >= 0.1 0.727, 3.8; at most 5 boxes 0.726.
 */
export const MAX_CROPS = 8;
const MIN_CROP_OBJECTNESS = 0.05;

/** The heatmap's boxes of an image (unnamed, unrefined). */
async function findBoxes(runtime: ModelRuntime, head: DetectionHead, img: DecodedImage) {
  const lb = await letterbox(img);
  if (!FLIP_TTA) return decodeDetections(head, await runCenternet(runtime, lb.rgb), lb);
  const [maps, flipped] = await Promise.all([runCenternet(runtime, lb.rgb), runCenternet(runtime, flipRgb(lb.rgb, INPUT, INPUT))]);
  return decodeDetections(head, maps, lb, { flipped });
}

/** The boxes the crop classifier names: best objectness first, at least MIN_CROP_OBJECTNESS, at most MAX_CROPS. */
const boxesToName = (found: RawDetection[]) => found.filter((d) => d.score >= MIN_CROP_OBJECTNESS).slice(0, MAX_CROPS);

async function detectWith(runtime: ModelRuntime, head: DetectionHead, img: DecodedImage) {
  const found = await findBoxes(runtime, head, img);
  const crop = head.crop;
  if (!crop) return found;
  const backbone = backboneById(crop.backbone);
  const cells = classifierCells(crop);
  const boxes = boxesToName(found);
  const refine = (d: RawDetection, views: { x: Float32Array; frame: ViewFrame }[]) => {
    if (crop.refiner) d.box = clip(refineBox(crop.refiner, d.box, views.map((v) => ({ ...v, x: refinerPart(v.x, cells) })))) ?? d.box;
  };
  const probs = await Promise.all(boxes.map(async (d) => {
    // A cascade (CASCADE): moved once from its view as it is, the box is named from its views
    // taken again there, and moved again from those.
    if (crop.refiner && CASCADE) refine(d, await testViews(runtime, backbone, img, d.box, cells, [UPRIGHT_VIEWS[0]!]));
    const views = await testViews(runtime, backbone, img, d.box, cells, namingViews(crop.turned ?? false));
    refine(d, views);
    return classifyViews(crop, views.map((v) => v.x));
  }));
  return boxes.flatMap((d, j) => probs[j]!.flatMap((p, k) => (crop.labels[k] === BACKGROUND ? [] : [{ label: crop.labels[k]!, classIndex: k, score: d.score * p, box: d.box }])));
}

function backboneById(id: string): Backbone {
  const b = id === centernetBackbone.id ? centernetBackbone : mobilenetBackbone(id);
  if (!b) throw new Error(`the model's backbone '${id}' is not in the model catalogue`);
  return b;
}

/** boxEmbedding, cached by image sha256 + backbone + box. */
async function cachedBoxEmbedding(runtime: ModelRuntime, backbone: Backbone, img: DecodedImage, hash: string, box: Box, views: ViewFrame[], cells: DescriptorCells): Promise<Float32Array[]> {
  const key = `box:${backbone.id}:g${cells.grid}m${cells.mid}s${cells.secondOrder ?? 0}:${views.map((v) => `${v.turn}${v.mirrored ? 'm' : ''}`).join(',')}:${hash}:${[box.left, box.top, box.width, box.height].map((v) => v.toFixed(4)).join(',')}`;
  const hit = embeddingCache.get(key);
  if (hit) return hit.views;
  const xs = await boxEmbedding(runtime, backbone, img, box, views, cells);
  embeddingCache.set(key, { views: xs, bytes: xs.length * xs[0]!.byteLength });
  return xs;
}

/**
 * ImageNet backbones that 'auto' tries, best first: the TF2 MobileNetV2 names playing-card ranks
 * better from box crops (ground-truth crop accuracy 0.74 vs 0.65 for the TF1 one; mAP@0.5 0.61 vs
 * 0.56) and is at least as good on image classification (custom-labels-notes.md; face-mask test
 * accuracy 0.98 vs 0.92 in bench/custom-labels-eval).
 */
export const AUTO_BACKBONES = ['mobilenet-v2-tf2', 'mobilenet-v2'];

/** The ImageNet backbone to use, or CenterNet features with a note saying why. */
async function chooseBackbone(runtime: ModelRuntime, options: TrainOptions, probe: DecodedImage): Promise<{ backbone: Backbone; note?: string }> {
  const want = options.backbone ?? 'auto';
  if (want === 'centernet-features') return { backbone: centernetBackbone };
  const why: string[] = [];
  for (const id of want === 'auto' ? AUTO_BACKBONES : [want]) {
    const mb = mobilenetBackbone(id);
    if (!mb) {
      why.push(`no ImageNet backbone '${id}' in the model catalogue`);
      continue;
    }
    try {
      await mb.embed(runtime, probe);
      return { backbone: mb };
    } catch (e) {
      why.push(`${id} could not run (${(e as Error).message})`);
    }
  }
  return { backbone: centernetBackbone, note: `${why.join('; ')}; using CenterNet backbone features (weaker for generic categories)` };
}

async function trainClassification(
  runtime: ModelRuntime, ds: TrainingDataset, loaded: { img: DecodedImage; hash: string }[], labels: string[],
  train: number[], val: number[], seed: number, options: TrainOptions,
): Promise<TrainedModel> {
  const progress = options.onProgress ?? (() => {});
  const { backbone, note } = await chooseBackbone(runtime, options, loaded[0]!.img);
  if (note) progress(0, note);
  let done = 0;
  const embs = await mapLimit(loaded, 4, async ({ img, hash }) => {
    check(options.signal);
    const e = await embedding(runtime, backbone, img, hash);
    progress((0.8 * ++done) / loaded.length, `features ${done}/${loaded.length} (${backbone.id})`);
    return e.views;
  });
  const mode = ds.images.some((im) => (im.labels ?? []).length > 1) ? 'one-vs-rest' : 'softmax';
  const ys = ds.images.map((im) => (im.labels ?? []).map((l) => labels.indexOf(l)));
  const trainSamples: ClsSample[] = train.flatMap((i) => embs[i]!.map((x) => ({ x, y: ys[i]! })));
  const valSamples: ClsSample[] = val.map((i) => ({ x: average(embs[i]!), y: ys[i]! }));
  progress(0.85, 'training the classifier');
  let best: ClassificationHead | undefined;
  let bestLoss = Infinity;
  for (const l2 of [1e-3, 1e-2, 1e-1]) {
    check(options.signal);
    const head = await trainClassifier(labels, trainSamples, mode, l2);
    const loss = logLoss(head, valSamples);
    if (loss < bestLoss - 1e-9) [best, bestLoss] = [head, loss];
  }
  const head = best!;
  void seed;
  const ev = evaluateClassification(
    val.map((i) => ({ truth: ds.images[i]!.labels ?? [], scores: Object.fromEntries(classify(head, average(embs[i]!)).map((p, k) => [labels[k]!, p])) })),
    labels,
  );
  return {
    format: 'argus-custom-labels/1', kind: 'classification', labels,
    thresholds: bestF1Thresholds(ev),
    backbone: backbone.id, ...(note ? { backboneNote: note } : {}), classifier: head,
    training: { seed, trainingImages: train.length, validationImages: val.length, wallMs: 0, validationF1: ev.aggregate.f1 },
  };
}

function average(views: Float32Array[]): Float32Array {
  const out = new Float32Array(views[0]!.length);
  for (const v of views) for (let i = 0; i < v.length; i++) out[i]! += v[i]! / views.length;
  return out;
}

export interface CustomLabelPrediction {
  label: string;
  /** 0..1. */
  score: number;
  box?: Box;
}

/**
 * A stored model as TrainedModel, or an Error saying why this Argus cannot serve it (another
 * format, a head missing, a crop classifier trained on another box descriptor: train again).
 */
export function checkModel(doc: unknown): TrainedModel {
  const m = doc as Partial<TrainedModel> | null;
  if (!m || m.format !== 'argus-custom-labels/1') throw new Error(`unknown model format '${String(m?.format)}'`);
  if (m.kind === 'detection' ? !m.detector : !m.classifier) throw new Error(`the ${m.kind} model has no ${m.kind === 'detection' ? 'detector' : 'classifier'} head`);
  const crop = m.detector?.crop;
  if (crop && (crop.descriptor ?? 1) !== CROP_DESCRIPTOR) {
    throw new Error(`the model names boxes from version ${crop.descriptor ?? 1} box descriptors and this Argus computes version ${CROP_DESCRIPTOR}; train a new version of the model`);
  }
  return m as TrainedModel;
}

/** Runs a trained model on one image: every label/box with its score (apply `model.thresholds` or a MinConfidence after). */
export async function predict(runtime: ModelRuntime, model: TrainedModel, image: Buffer | DecodedImage): Promise<CustomLabelPrediction[]> {
  const img = Buffer.isBuffer(image) ? await decodeForTraining(image) : image;
  if (model.kind === 'detection') {
    if (!model.detector) throw new Error('detection model without a detector head');
    return (await detectWith(runtime, model.detector, img)).map((d) => ({ label: d.label, score: d.score, box: d.box }));
  }
  if (!model.classifier) throw new Error('classification model without a classifier head');
  const backbone = model.backbone === centernetBackbone.id ? centernetBackbone : mobilenetBackbone(model.backbone);
  if (!backbone) throw new Error(`the model's backbone '${model.backbone}' is not in the model catalogue`);
  const views = await backbone.embed(runtime, img);
  return classify(model.classifier, average(views))
    .map((score, k) => ({ label: model.labels[k]!, score }))
    .sort((a, b) => b.score - a.score);
}
