/**
 * Custom Labels training from frozen pretrained networks (DESIGN §4): features once per image
 * and flip (both inference workers busy), a small head trained in TypeScript, per-label
 * thresholds at the best F1 on the validation split. The result is plain JSON.
 */
import { readFile } from 'node:fs/promises';
import { cropImage, type DecodedImage } from '../../media/image.js';
import type { ModelRuntime } from '../../runtime/worker-pool.js';
import type { Box } from '../boxes.js';
import { classify, logLoss, trainClassifier, type ClassificationHead, type ClsSample } from './classification-head.js';
import { decodeDetections, trainDetectionHead, trainPixelClassifier, type DetectionHead } from './detection-head.js';
import { evaluateClassification, evaluateDetection } from './evaluate.js';
import {
  centernetBackbone, decodeForTraining, embeddingCache, flipRgb, INPUT, detectionFeatures, embedding, letterbox, mobilenetBackbone, runCenternet, sha256, type Backbone, type DetectionView,
} from './features.js';
import { rng, shuffle } from './math.js';

export interface TrainingImage {
  bytes?: Buffer;
  path?: string;
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
  /** Classification backbone: 'auto' (default: the ImageNet MobileNet when the catalogue has one), or a catalogue id. */
  backbone?: string;
  /** Detection head: Adam learning rate and L2 (defaults in detection-head.ts). */
  headLr?: number;
  headL2?: number;
  /** Detection with several labels: add the region classifier (see DetectionHead.roi; experimental). */
  regionClassifier?: boolean;
  /**
   * Detection with several labels: class-agnostic heatmap + a classifier of box-crop embeddings
   * (default false: with CenterNet crop embeddings it lost on playing cards, 0.45 vs 0.50 mAP@0.5).
   */
  cropClassifier?: boolean;
  /** Detection with several labels: class-agnostic heatmap + a softmax over labels at the peak pixel (DetectionHead.pixel). */
  pixelClassifier?: boolean;
  /** Detection head: epochs without validation improvement before stopping (default 6). */
  patience?: number;
}

export interface TrainedModel {
  format: 'argus-custom-labels/1';
  kind: 'classification' | 'detection';
  labels: string[];
  /** Assumed threshold per label: its best-F1 score on the validation split. */
  thresholds: Record<string, number>;
  /** Catalogue id of the frozen network the head reads. */
  backbone: string;
  /** Why the preferred backbone was not used, when it was not. */
  backboneNote?: string;
  classifier?: ClassificationHead;
  detector?: DetectionHead;
  training: { seed: number; trainingImages: number; validationImages: number; epochs?: number; wallMs: number; validationF1: number };
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
  let done = 0;
  const views = await mapLimit(loaded, 4, async ({ img, hash }, i) => {
    check(options.signal);
    const boxes = (ds.images[i]!.boxes ?? []).map((b) => ({ cls: labels.indexOf(b.label), box: b.box }));
    const f = await detectionFeatures(runtime, img, hash, boxes);
    progress((0.7 * ++done) / loaded.length, `features ${done}/${loaded.length}`);
    return f.views;
  });
  const byPixel = labels.length > 1 && options.pixelClassifier === true && options.cropClassifier !== true;
  const byCrop = labels.length > 1 && options.cropClassifier === true;
  const agnostic = (v: DetectionView): DetectionView => (byCrop || byPixel ? { ...v, objects: v.objects.map((o) => ({ ...o, cls: 0 })) } : v);
  const trainViews: DetectionView[] = train.flatMap((i) => views[i]!).map(agnostic);
  const valViews: DetectionView[] = val.map((i) => views[i]![0]).map(agnostic);
  const { head, epochs } = trainDetectionHead(byCrop || byPixel ? ['object'] : labels, trainViews, valViews, {
    seed, maxEpochs: options.maxEpochs, signal: options.signal, lr: options.headLr, l2: options.headL2, patience: options.patience, regionClassifier: options.regionClassifier,
    onEpoch: (e, tl, vl) => progress(0.7 + (0.2 * e) / (options.maxEpochs ?? 40), `epoch ${e}: train loss ${tl.toFixed(3)}, validation loss ${vl.toFixed(3)}`),
  });
  if (byPixel) head.pixel = trainPixelClassifier(labels, train.flatMap((i) => views[i]!), seed);
  if (byCrop) {
    const { backbone, note } = await chooseBackbone(runtime, options, loaded[0]!.img);
    if (note) progress(0.8, note);
    const items = train.flatMap((i) => (ds.images[i]!.boxes ?? []).map((b) => ({ i, b })));
    let n = 0;
    const samples = (
      await mapLimit(items, 2, async ({ i, b }) => {
        check(options.signal);
        const e = await cropEmbedding(runtime, backbone, loaded[i]!.img, loaded[i]!.hash, b.box, true);
        progress(0.8 + (0.1 * ++n) / items.length, `box crops ${n}/${items.length}`);
        return e.map((x) => ({ x, y: [labels.indexOf(b.label)] }));
      })
    ).flat();
    head.crop = { backbone: backbone.id, labels, classifier: trainClassifier(labels, samples, 'softmax', 1e-2) };
  }
  progress(0.9, 'choosing thresholds on the validation split');
  const preds = await mapLimit(val, 2, async (i) => detectWith(runtime, head, loaded[i]!.img, loaded[i]!.hash));
  const ev = evaluateDetection(val.map((i, j) => ({ truth: ds.images[i]!.boxes ?? [], predictions: preds[j]! })), labels);
  return {
    format: 'argus-custom-labels/1', kind: 'detection', labels,
    thresholds: Object.fromEntries(ev.labels.map((l) => [l.label, l.support > 0 && l.bestF1.f1 > 0 ? l.bestF1.threshold : 0.3])),
    backbone: 'centernet-features', detector: head,
    training: { seed, trainingImages: train.length, validationImages: val.length, epochs, wallMs: 0, validationF1: ev.aggregate.f1 },
  };
}

/** Test-time flip augmentation in detection (both views through CenterNet, at once on the two workers). */
export const FLIP_TTA = true;

/** Boxes classified by their crop: at most this many per image (best objectness first). */
export const MAX_CROPS = 8;
const MIN_CROP_OBJECTNESS = 0.02;

async function detectWith(runtime: ModelRuntime, head: DetectionHead, img: DecodedImage, hash = '') {
  const lb = await letterbox(img);
  let found;
  if (!FLIP_TTA) found = decodeDetections(head, await runCenternet(runtime, lb.rgb), lb);
  else {
    const [maps, flipped] = await Promise.all([runCenternet(runtime, lb.rgb), runCenternet(runtime, flipRgb(lb.rgb, INPUT, INPUT))]);
    found = decodeDetections(head, maps, lb, { flipped });
  }
  const crop = head.crop;
  if (!crop) return found;
  const backbone = backboneById(crop.backbone);
  const boxes = found.filter((d) => d.score >= MIN_CROP_OBJECTNESS).slice(0, MAX_CROPS);
  const probs = await Promise.all(boxes.map(async (d) => classify(crop.classifier, (await cropEmbedding(runtime, backbone, img, hash, d.box, false))[0]!)));
  return boxes.flatMap((d, j) => probs[j]!.map((p, k) => ({ label: crop.labels[k]!, classIndex: k, score: d.score * p, box: d.box })));
}

function backboneById(id: string): Backbone {
  const b = id === centernetBackbone.id ? centernetBackbone : mobilenetBackbone(id);
  if (!b) throw new Error(`the model's backbone '${id}' is not in the model catalogue`);
  return b;
}

/** Embedding of a box's crop (10% context each side); with `both`, also of its mirror image. Cached when `hash` is given. */
async function cropEmbedding(runtime: ModelRuntime, backbone: Backbone, img: DecodedImage, hash: string, box: Box, both: boolean): Promise<Float32Array[]> {
  const key = `crop:${backbone.id}:${hash}:${both}:${[box.left, box.top, box.width, box.height].map((v) => v.toFixed(4)).join(',')}`;
  const hit = hash ? embeddingCache.get(key) : undefined;
  if (hit) return hit.views;
  const [w, h] = [box.width * img.width, box.height * img.height];
  const c = cropImage(img, { left: box.left * img.width - 0.1 * w, top: box.top * img.height - 0.1 * h, width: 1.2 * w, height: 1.2 * h });
  const views = both ? await backbone.embed(runtime, c) : [await backbone.embedOne(runtime, c)];
  if (hash) embeddingCache.set(key, { views: views as [Float32Array, Float32Array], bytes: views.length * views[0]!.byteLength });
  return views;
}

async function chooseBackbone(runtime: ModelRuntime, options: TrainOptions, probe: DecodedImage): Promise<{ backbone: Backbone; note?: string }> {
  const want = options.backbone ?? 'auto';
  if (want === 'centernet-features') return { backbone: centernetBackbone };
  const mb = mobilenetBackbone(want === 'auto' ? 'mobilenet-v2' : want);
  if (!mb) return { backbone: centernetBackbone, note: `no '${want === 'auto' ? 'mobilenet-v2' : want}' in the model catalogue; using CenterNet backbone features (weaker for generic categories)` };
  try {
    await mb.embed(runtime, probe);
    return { backbone: mb };
  } catch (e) {
    return { backbone: centernetBackbone, note: `${mb.id} could not run (${(e as Error).message}); using CenterNet backbone features` };
  }
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
    const head = trainClassifier(labels, trainSamples, mode, l2);
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
    thresholds: Object.fromEntries(ev.labels.map((l) => [l.label, l.support > 0 && l.bestF1.f1 > 0 ? l.bestF1.threshold : 0.5])),
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
