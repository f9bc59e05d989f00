/**
 * Frozen-backbone features for Custom Labels training, computed once per image and view
 * (original, horizontal flip and, for detection, zoomed-out copies) and cached by image sha256 in
 * a byte-bounded cache.
 *
 * Detection reads CenterNet (`centernet-features`, letterboxed 512, RGB 0..255):
 * `CenternetHead/mul` [128x128x128] at stride 4 and its class-agnostic `wh` (left/top/right/
 * bottom in input pixels). Only sampled pixels are kept: every pixel near an object (capped)
 * plus random negatives, each with a weight standing for the pixels it represents.
 * Classification (and the naming of detected boxes by crop) reads a pooled embedding from a
 * `Backbone`: an ImageNet MobileNet when the catalogue has one, else CenterNet's `extern1`
 * averaged over positions. A MobileNet whose catalogue entry lists a pre-pooling map (outputs[2])
 * also gives that map averaged over grid cells (`embedSpatial`, for box descriptors), and with a
 * stride-16 map (outputs[3]) that map's cells as well.
 */
import { createHash } from 'node:crypto';
import { cropImage, decodeImage, LETTERBOX_GREY, resizeForModel, rotateQuarters, S3_LIMITS, type DecodedImage } from '../../media/image.js';
import { CATALOGUE } from '../../runtime/catalogue.js';
import { parseGramOutput, secondOrderValues } from '../../runtime/second-order.js';
import type { ModelRuntime } from '../../runtime/worker-pool.js';
import type { Box } from '../boxes.js';
import type { ViewFrame } from './box-refiner.js';
import { rng, seedOf } from './math.js';

export const FEATURES_MODEL = 'centernet-features';
export const INPUT = 512;
export const STRIDE = 4;
export const GRID = INPUT / STRIDE;
export const CHANNELS = 128;
const HEAD = 'tower_0/CenternetHead/mul';
const WH = 'tower_0/wh';
const EXTERN = 'tower_0/extern1/hard_swish/mul_1';

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export async function decodeForTraining(bytes: Buffer): Promise<DecodedImage> {
  return decodeImage(bytes, S3_LIMITS);
}

/** Mirrors an interleaved RGB buffer left-right. */
export function flipRgb(rgb: Uint8Array, w: number, h: number): Buffer {
  const out = Buffer.allocUnsafe(rgb.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = (y * w + (w - 1 - x)) * 3;
      out[d] = rgb[s]!;
      out[d + 1] = rgb[s + 1]!;
      out[d + 2] = rgb[s + 2]!;
    }
  }
  return out;
}

export interface Letterbox {
  rgb: Buffer;
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
  width: number;
  height: number;
}

/** The image letterboxed into the INPUT square; with `scale` < 1, into a centred square that much smaller (zoomed out, padded). */
export async function letterbox(img: DecodedImage, scale = 1): Promise<Letterbox> {
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`letterbox: scale ${scale} is not in (0, 1]`);
  const inner = Math.round(INPUT * scale);
  const m = await resizeForModel(img, inner, inner, 'letterbox');
  const lb = { rgb: m.data, scaleX: m.scaleX, scaleY: m.scaleY, padX: m.padX, padY: m.padY, width: img.width, height: img.height };
  if (inner === INPUT) return lb;
  const off = Math.floor((INPUT - inner) / 2);
  const rgb = Buffer.alloc(INPUT * INPUT * 3, LETTERBOX_GREY);
  for (let y = 0; y < inner; y++) m.data.copy(rgb, ((y + off) * INPUT + off) * 3, y * inner * 3, (y + 1) * inner * 3);
  return { ...lb, rgb, padX: lb.padX + off, padY: lb.padY + off };
}

export interface CenternetMaps {
  /** [GRID*GRID*CHANNELS] NHWC. */
  head: Float32Array;
  /** [GRID*GRID*4] l,t,r,b in input pixels. */
  wh: Float32Array;
}

export async function runCenternet(runtime: ModelRuntime, rgb: Uint8Array): Promise<CenternetMaps> {
  const out = await runtime.run(FEATURES_MODEL, { 'tower_0/images': { type: 'float32', dims: [1, INPUT, INPUT, 3], data: new Float32Array(rgb) } }, [HEAD, WH]);
  const head = out[HEAD];
  const wh = out[WH];
  if (!head || head.data.length !== GRID * GRID * CHANNELS) throw new Error(`${FEATURES_MODEL}: unexpected ${HEAD} shape ${head?.dims.join('x')}`);
  if (!wh || wh.data.length !== GRID * GRID * 4) throw new Error(`${FEATURES_MODEL}: unexpected ${WH} shape ${wh?.dims.join('x')}`);
  return { head: head.data as Float32Array, wh: wh.data as Float32Array };
}

/** An object in grid units (x1..x2, y1..y2 in cells of STRIDE input pixels) of one view. */
export interface GridObject {
  cls: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Maps a box (ratios of the image) into grid units of the letterboxed (and maybe flipped) view. */
export function toGrid(b: Box, lb: Letterbox, flipped: boolean, cls: number): GridObject {
  let x1 = (b.left * lb.width * lb.scaleX + lb.padX) / STRIDE;
  let x2 = ((b.left + b.width) * lb.width * lb.scaleX + lb.padX) / STRIDE;
  const y1 = (b.top * lb.height * lb.scaleY + lb.padY) / STRIDE;
  const y2 = ((b.top + b.height) * lb.height * lb.scaleY + lb.padY) / STRIDE;
  if (flipped) [x1, x2] = [GRID - x2, GRID - x1];
  return { cls, x1, y1, x2, y2 };
}

/** Gaussian spread of an object's heatmap target (TTFNet-style elliptical, alpha 0.54). */
export const GAUSS_ALPHA = 0.54;
export function objectGaussian(o: GridObject) {
  const cx = Math.min(GRID - 1, Math.max(0, Math.floor((o.x1 + o.x2) / 2)));
  const cy = Math.min(GRID - 1, Math.max(0, Math.floor((o.y1 + o.y2) / 2)));
  const sx = Math.max(0.8, (GAUSS_ALPHA * (o.x2 - o.x1)) / 6);
  const sy = Math.max(0.8, (GAUSS_ALPHA * (o.y2 - o.y1)) / 6);
  return { cx, cy, sx, sy, value: (x: number, y: number) => Math.exp(-((x - cx) ** 2) / (2 * sx * sx) - ((y - cy) ** 2) / (2 * sy * sy)) };
}

/** The kept pixels of one view. */
export interface DetectionView {
  objects: GridObject[];
  /** Pixel index y*GRID+x of each sample. */
  index: Int32Array;
  /** Pixels each sample stands for (near-object samples and random negatives are subsampled). */
  weight: Float32Array;
  /** n x CHANNELS features. */
  feats: Float32Array;
  /** n x 4 CenterNet l,t,r,b (input pixels). */
  wh: Float32Array;
  /** Trains the box regression only (not the heatmap). */
  boxOnly?: boolean;
}

export const SAMPLE_NEAR = 512;
export const SAMPLE_FAR = 512;

/** Picks and copies the sampled pixels of one view: near-object pixels (capped) + random negatives. */
export function sampleView(maps: CenternetMaps, objects: GridObject[], seed: number): DetectionView {
  const rand = rng(seed);
  const near: number[] = [];
  const must = new Set<number>();
  const isNear = new Uint8Array(GRID * GRID);
  for (const o of objects) {
    const g = objectGaussian(o);
    must.add(g.cy * GRID + g.cx);
    const rx = Math.ceil(3 * g.sx);
    const ry = Math.ceil(3 * g.sy);
    for (let y = Math.max(0, g.cy - ry); y <= Math.min(GRID - 1, g.cy + ry); y++) {
      for (let x = Math.max(0, g.cx - rx); x <= Math.min(GRID - 1, g.cx + rx); x++) {
        if (g.value(x, y) < 0.01 || isNear[y * GRID + x]) continue;
        isNear[y * GRID + x] = 1;
        near.push(y * GRID + x);
      }
    }
  }
  const pickNear: number[] = [...must];
  const rest = near.filter((i) => !must.has(i));
  const nearCap = Math.max(0, SAMPLE_NEAR - pickNear.length);
  for (let i = 0; i < rest.length && i < nearCap; i++) {
    const j = i + Math.floor(rand() * (rest.length - i));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  const nearTaken = rest.slice(0, nearCap);
  const nearWeight = rest.length > 0 ? rest.length / Math.max(1, nearTaken.length) : 1;
  const farCount = GRID * GRID - near.length;
  const far: number[] = [];
  const seen = new Set<number>();
  for (let tries = 0; far.length < Math.min(SAMPLE_FAR, farCount) && tries < SAMPLE_FAR * 20; tries++) {
    const i = Math.floor(rand() * GRID * GRID);
    if (isNear[i] || seen.has(i)) continue;
    seen.add(i);
    far.push(i);
  }
  const farWeight = far.length ? farCount / far.length : 1;
  const all = [...pickNear, ...nearTaken, ...far];
  const n = all.length;
  const view: DetectionView = {
    objects, index: Int32Array.from(all), weight: new Float32Array(n), feats: new Float32Array(n * CHANNELS), wh: new Float32Array(n * 4),
  };
  all.forEach((p, k) => {
    view.weight[k] = k < pickNear.length ? 1 : k < pickNear.length + nearTaken.length ? nearWeight : farWeight;
    view.feats.set(maps.head.subarray(p * CHANNELS, (p + 1) * CHANNELS), k * CHANNELS);
    view.wh.set(maps.wh.subarray(p * 4, p * 4 + 4), k * 4);
  });
  return view;
}

/** A byte-bounded LRU of computed features, keyed by image sha256 plus what was computed. */
export class FeatureCache<T extends { bytes: number }> {
  private readonly map = new Map<string, T>();
  private used = 0;
  constructor(readonly budgetBytes: number) {}
  get(key: string): T | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: T): void {
    const old = this.map.get(key);
    if (old) (this.used -= old.bytes, this.map.delete(key));
    this.map.set(key, v);
    this.used += v.bytes;
    for (const [k, x] of this.map) {
      if (this.used <= this.budgetBytes || k === key) break;
      this.map.delete(k);
      this.used -= x.bytes;
    }
  }
  get bytes() {
    return this.used;
  }
}

export interface CachedDetection {
  /** The image as it is, mirrored, then zoomed out (TRAINING_SCALES), then maybe zoomed-in windows (boxWindow, boxOnly). */
  views: DetectionView[];
  bytes: number;
}
export interface CachedEmbedding {
  /** The image's (or box's) embedding views: as it is, then mirrored (or one of them). */
  views: Float32Array[];
  bytes: number;
}

/** Process-wide caches (about 600 MB for detection samples, 64 MB for embeddings at most). */
export const detectionCache = new FeatureCache<CachedDetection>(600 * 1024 * 1024);
export const embeddingCache = new FeatureCache<CachedEmbedding>(64 * 1024 * 1024);

/**
 * Zoomed-out copies (scale augmentation, each mirrored or not at random) that each training image
 * adds to the detection head's views, besides the image as it is and mirrored. 3 splits, against
 * none: playing cards mAP@0.5 0.773 -> 0.801, label-blind 0.873 -> 0.907, mAP@0.5:0.95 0.557 ->
 * 0.569 (training 56 -> 62 s); raccoon mAP@0.5:0.95 0.590 -> 0.593, mAP@0.5 0.928 -> 0.923.
 * Two copies (0.6 and 0.8): cards 0.790, label-blind 0.910, raccoon mAP@0.5:0.95 0.591, and
 * a quarter more training time; a random scale in 0.6-0.9 per image: cards 0.790, raccoon 0.591;
 * 0.9 alone: raccoon 0.579.
 */
export const TRAINING_SCALES = [0.75];

/**
 * Side of the zoomed-in windows (a share of each of the image's sides) that add views for the box
 * regression alone (DetectionView.boxOnly; trainDetectionHead keeps them when they lower the
 * validation boxes' 1 - IoU), BOX_WINDOWS per image. Objects at least BOX_WINDOW_KEEP inside stay,
 * cut to the window. Only for models whose heatmap boxes are final (one label): with several
 * labels the crop refiner places the boxes, and the heatmap's boxes are the crops it names.
 * 3 splits: validation kept the windows for raccoon in 3 of 3, mAP@0.5:0.95 0.593 -> 0.604 with 2
 * windows (1: 0.600, 3: 0.605 for 30 % more training time and 0.1 GB more memory), mAP@0.5 0.923
 * -> 0.924 (the heatmap does not change). One window for playing cards: validation kept it in 2 of
 * 3 splits, which lowered mAP@0.5 0.799 -> 0.779 (0.790 in a run with other random windows) and
 * mAP@0.5:0.95 0.611 -> 0.608 (0.620); kept always: cards 0.784. Objects kept only when wholly
 * inside: raccoon 0.596, cards 0.783. (A window in the heatmap's training too: raccoon 0.614,
 * cards 0.777.)
 */
export const BOX_WINDOW = 0.7;
export const BOX_WINDOWS = 2;
export const BOX_WINDOW_KEEP = 0.5;

/**
 * A window of BOX_WINDOW of each side at a random place (ratios of the image), mirrored or not at
 * random, and the objects at least BOX_WINDOW_KEEP inside it, cut to it, in its own ratios;
 * undefined when none is.
 */
export function boxWindow<T extends { box: Box }>(boxes: T[], rand: () => number): { rect: Box; flipped: boolean; boxes: T[] } | undefined {
  const rect = { left: rand() * (1 - BOX_WINDOW), top: rand() * (1 - BOX_WINDOW), width: BOX_WINDOW, height: BOX_WINDOW };
  const flipped = rand() >= 0.5;
  const inside = boxes.flatMap((b) => {
    const l = Math.max(0, (b.box.left - rect.left) / rect.width);
    const t = Math.max(0, (b.box.top - rect.top) / rect.height);
    const r = Math.min(1, (b.box.left + b.box.width - rect.left) / rect.width);
    const bt = Math.min(1, (b.box.top + b.box.height - rect.top) / rect.height);
    if (r <= l || bt <= t) return [];
    const kept = ((r - l) * rect.width * (bt - t) * rect.height) / (b.box.width * b.box.height);
    return kept >= BOX_WINDOW_KEEP ? [{ ...b, box: { left: l, top: t, width: r - l, height: bt - t } }] : [];
  });
  return inside.length ? { rect, flipped, boxes: inside } : undefined;
}

/** Sampled detection features of an image, its flip, its zoomed-out copies and (`withWindow`) zoomed-in windows (cached by sha256 + boxes). */
export async function detectionFeatures(
  runtime: ModelRuntime,
  img: DecodedImage,
  hash: string,
  boxes: { cls: number; box: Box }[],
  withWindow: boolean,
): Promise<CachedDetection> {
  const key = `det4${withWindow ? 'w' : ''}:${hash}:${JSON.stringify(boxes)}`;
  const hit = detectionCache.get(key);
  if (hit) return hit;
  const rand = rng(seedOf(hash, 0x5c));
  const frames = [{ scale: 1, flipped: false }, { scale: 1, flipped: true }, ...TRAINING_SCALES.map((scale) => ({ scale, flipped: rand() >= 0.5 }))];
  const views: DetectionView[] = [];
  for (const [k, f] of frames.entries()) {
    const lb = await letterbox(img, f.scale);
    const maps = await runCenternet(runtime, f.flipped ? flipRgb(lb.rgb, INPUT, INPUT) : lb.rgb);
    const objects = boxes.map((b) => toGrid(b.box, lb, f.flipped, b.cls));
    views.push(sampleView(maps, objects, seedOf(hash, k)));
  }
  for (let k = 0; k < (withWindow ? BOX_WINDOWS : 0); k++) {
    const window = boxWindow(boxes, rand);
    if (!window) continue;
    const crop = cropImage(img, { left: window.rect.left * img.width, top: window.rect.top * img.height, width: window.rect.width * img.width, height: window.rect.height * img.height });
    const lb = await letterbox(crop);
    const maps = await runCenternet(runtime, window.flipped ? flipRgb(lb.rgb, INPUT, INPUT) : lb.rgb);
    const objects = window.boxes.map((b) => toGrid(b.box, lb, window.flipped, b.cls));
    views.push({ ...sampleView(maps, objects, seedOf(hash, frames.length + k)), boxOnly: true });
  }
  const bytes = views.reduce((n, v) => n + v.feats.byteLength + v.wh.byteLength + v.index.byteLength + v.weight.byteLength, 0);
  const entry: CachedDetection = { views, bytes };
  detectionCache.set(key, entry);
  return entry;
}

// ---- classification backbones ----

export interface Backbone {
  /** Catalogue model id, reported with the trained model. */
  id: string;
  dims: number;
  /** Pooled embeddings of the image and of its horizontal flip. */
  embed(runtime: ModelRuntime, img: DecodedImage): Promise<[Float32Array, Float32Array]>;
  /** Pooled embedding of the image alone. */
  embedOne(runtime: ModelRuntime, img: DecodedImage): Promise<Float32Array>;
  /**
   * Where the backbone exposes its pre-pooling map: per view (the image turned clockwise by `turn`
   * quarter turns, then maybe mirrored), the map averaged over a grid x grid of overlapping cells
   * (cell-major, channels inner), so a classifier also sees where features sit. The image is
   * resized once for all its views and the square is turned (the same picture as resizing the
   * turned image, up to resampling). The full map is not kept.
   */
  embedSpatial?(runtime: ModelRuntime, img: DecodedImage, views: ViewFrame[], cells: DescriptorCells): Promise<Float32Array[]>;
  /** embedSpatial also gives the cells of a mid-level (stride 16) map (`cells.mid`). */
  midLevel?: boolean;
  /** Projected dimensions of the mid-level map's second-order pooling that embedSpatial can append (`cells.secondOrder`). */
  secondOrder?: number;
}

/**
 * The parts of a box descriptor: the pre-pooling map averaged over grid x grid cells, then (mid > 0)
 * the mid-level map over mid x mid cells, then (secondOrder > 0) the mid-level map's second-order
 * pooling at that many projected dimensions (runtime/second-order.ts); grid 0: the pooled embedding alone.
 */
export interface DescriptorCells {
  grid: number;
  mid: number;
  secondOrder?: number;
}

const centernetEmbed = async (runtime: ModelRuntime, rgb: Uint8Array) => {
  const out = await runtime.run(FEATURES_MODEL, { 'tower_0/images': { type: 'float32', dims: [1, INPUT, INPUT, 3], data: new Float32Array(rgb) } }, [EXTERN]);
  return meanPool(out[EXTERN]!.data as Float32Array, 480);
};

export const centernetBackbone: Backbone = {
  id: FEATURES_MODEL,
  dims: 480,
  async embed(runtime, img) {
    const lb = await letterbox(img);
    const views: Float32Array[] = [];
    for (const rgb of [lb.rgb, flipRgb(lb.rgb, INPUT, INPUT)]) views.push(await centernetEmbed(runtime, rgb));
    return views as [Float32Array, Float32Array];
  },
  async embedOne(runtime, img) {
    return centernetEmbed(runtime, (await letterbox(img)).rgb);
  },
};

/** Averages an NHWC map over positions. */
export function meanPool(map: Float32Array, channels: number): Float32Array {
  const n = map.length / channels;
  const out = new Float32Array(channels);
  for (let p = 0; p < n; p++) for (let c = 0; c < channels; c++) out[c]! += map[p * channels + c]!;
  for (let c = 0; c < channels; c++) out[c]! /= n;
  return out;
}

/**
 * Averages an NHWC map [h x w x channels] over grid x grid cells: cell i covers rows (or columns)
 * floor(i*n/grid) .. ceil((i+1)*n/grid)-1, so with an odd side neighbouring cells share the middle.
 */
export function gridPool(map: Float32Array, h: number, w: number, channels: number, grid: number): Float32Array {
  const out = new Float32Array(grid * grid * channels);
  const span = (i: number, n: number) => [Math.floor((i * n) / grid), Math.max(Math.floor((i * n) / grid) + 1, Math.ceil(((i + 1) * n) / grid))] as const;
  for (let gy = 0; gy < grid; gy++) {
    const [y0, y1] = span(gy, h);
    for (let gx = 0; gx < grid; gx++) {
      const [x0, x1] = span(gx, w);
      const o = (gy * grid + gx) * channels;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        const p = (y * w + x) * channels;
        for (let c = 0; c < channels; c++) out[o + c]! += map[p + c]!;
      }
      const n = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < channels; c++) out[o + c]! /= n;
    }
  }
  return out;
}

/**
 * An ImageNet MobileNet from the catalogue (a TFLite entry with `input.pixels`, whose converted
 * graph takes uint8 pixels and scales them as the entry states): 224 NHWC, pooled embedding output
 * (outputs[0]); outputs[2], when the catalogue lists one, is the pre-pooling NHWC map (embedSpatial),
 * and outputs[3] a mid-level (stride 16) NHWC map whose cells embedSpatial appends.
 */
export function mobilenetBackbone(id = 'mobilenet-v2'): Backbone | undefined {
  const m = CATALOGUE.find((x) => x.id === id);
  if (m?.format !== 'tflite' || !m.input.pixels) return undefined;
  const size = m.input.dims[1] ?? 224;
  const output = m.outputs[0]!;
  const spatial = m.outputs[2];
  const mid = m.outputs[3];
  const gram = mid === undefined ? undefined : m.outputs.find((o) => parseGramOutput(o)?.tensor === mid);
  const gramDims = gram === undefined ? undefined : parseGramOutput(gram)!.dims;
  /** An NHWC output averaged over grid x grid cells. */
  const cellsOf = (map: { dims: number[]; data: ArrayLike<number> }, grid: number) => {
    const [h, w, c] = map.dims.slice(1) as [number, number, number];
    return gridPool(map.data as Float32Array, h, w, c, grid);
  };
  /** The model's outputs for one view (resized RGB, mirrored or not); a copy is sent, since feeds are transferred. */
  const run = (runtime: ModelRuntime, rgb: Uint8Array, mirrored: boolean, outputs: string[]) => {
    const data = mirrored ? flipRgb(rgb, size, size) : new Uint8Array(rgb);
    return runtime.run(id, { [m.input.name]: { type: 'uint8', dims: [1, size, size, 3], data } }, outputs);
  };
  const pooled = async (runtime: ModelRuntime, rgb: Uint8Array, mirrored: boolean) => Float32Array.from((await run(runtime, rgb, mirrored, [output]))[output]!.data);
  return {
    id,
    dims: 0,
    async embed(runtime, img) {
      const r = await resizeForModel(img, size, size, 'fill');
      return Promise.all([pooled(runtime, r.data, false), pooled(runtime, r.data, true)]);
    },
    async embedOne(runtime, img) {
      return pooled(runtime, (await resizeForModel(img, size, size, 'fill')).data, false);
    },
    ...(spatial
      ? {
          midLevel: mid !== undefined,
          ...(gramDims ? { secondOrder: gramDims } : {}),
          async embedSpatial(runtime: ModelRuntime, img: DecodedImage, views: ViewFrame[], cells: DescriptorCells) {
            if (cells.mid > 0 && !mid) throw new Error(`backbone '${id}' exposes no mid-level map for the box descriptor`);
            const second = cells.secondOrder ?? 0;
            if (second > 0 && second !== gramDims) throw new Error(`backbone '${id}' gives the mid-level map's second-order pooling at ${gramDims ?? 0} dimensions, not ${second}`);
            const square = { ...img, data: (await resizeForModel(img, size, size, 'fill')).data, width: size, height: size };
            return Promise.all(views.map(async (v) => {
              const out = await run(runtime, rotateQuarters(square, v.turn).data, v.mirrored, cells.mid === 0 ? [spatial] : second > 0 ? [spatial, mid!, gram!] : [spatial, mid!]);
              const last = cellsOf(out[spatial]!, cells.grid);
              if (cells.mid === 0) return last;
              const midMap = out[mid!]!;
              const parts = [last, cellsOf(midMap, cells.mid)];
              if (second > 0) parts.push(secondOrderValues(out[gram!]!.data, second, midMap.dims[1]! * midMap.dims[2]!));
              const x = new Float32Array(parts.reduce((a, q) => a + q.length, 0));
              let at = 0;
              for (const q of parts) (x.set(q, at), (at += q.length));
              return x;
            }));
          },
        }
      : {}),
  };
}

export async function embedding(runtime: ModelRuntime, backbone: Backbone, img: DecodedImage, hash: string): Promise<CachedEmbedding> {
  const key = `${backbone.id}:${hash}`;
  const hit = embeddingCache.get(key);
  if (hit) return hit;
  const views = await backbone.embed(runtime, img);
  const entry = { views, bytes: views[0].byteLength * 2 };
  embeddingCache.set(key, entry);
  return entry;
}
