/**
 * Files of models no npm package ships (manifests with `remote`, the TFLite backbones), and their
 * conversion to ONNX on first use.
 *
 * Resolution order, each candidate checked against the manifest's sha256 (a mismatch is refused,
 * never skipped over silently):
 *   1. ARGUS_MODELS_DIR: `<dir>/<folder>/<file>` (the layout of ../shared/models) or `<dir>/<file>`;
 *   2. the data folder's download cache, `<modelCacheDir>/downloads/<file>`;
 *   3. only with ARGUS_MODEL_DOWNLOADS=1: a download from the manifest's URL (node's fetch),
 *      checked, then written atomically into the download cache.
 * Without the file, the error says how to provide it.
 *
 * Conversion: cached in `<modelCacheDir>/onnx/` keyed by the source sha256, the converter version
 * and the requested outputs, with a JSON sidecar; a failed conversion is cached too (it is
 * deterministic) and its message is the load error /health shows — TFLite has no other backend.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelManifest } from '../catalogue.js';
import { convertTfliteBytes, TFLITE_CONVERTER_VERSION, type TfliteConvertOptions, type TfliteTensorSpec } from './tflite-to-onnx.js';

export interface RemoteModelOptions {
  /** ARGUS_MODELS_DIR; default process.env.ARGUS_MODELS_DIR. */
  modelsDir?: string;
  /** The data folder's models/ (downloads go to its downloads/ folder). */
  cacheDir?: string;
  /** ARGUS_MODEL_DOWNLOADS=1; default from process.env. */
  downloads?: boolean;
  /** Injected in tests; default globalThis.fetch. */
  fetch?: (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
}

const sha256Of = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function atomicWrite(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function checked(m: ModelManifest, path: string, bytes: Uint8Array): string {
  const got = sha256Of(bytes);
  if (got !== m.sha256) throw new Error(`model '${m.id}': ${path} has sha256 ${got}, expected ${m.sha256} (a different or damaged file; refused)`);
  return path;
}

/** How to provide a remote model's file, for the error when it is nowhere. */
export function howToProvide(m: ModelManifest, cacheDir?: string): string {
  const { file } = m.source;
  const folder = m.remote?.folder ?? file.replace(/\.[^.]+$/, '');
  return (
    `model '${m.id}' needs ${file} (sha256 ${m.sha256}), which no npm package ships. Provide it in one of these ways: ` +
    `set ARGUS_MODELS_DIR to a folder holding ${folder}/${file} or ${file} (e.g. a copy of shared/models); ` +
    (cacheDir ? `place it at ${join(cacheDir, 'downloads', file)}; ` : '') +
    `or set ARGUS_MODEL_DOWNLOADS=1 to download it once from ${m.remote?.url ?? '(no URL)'}`
  );
}

/** The local path of a remote model's file, downloading it when allowed. */
export async function resolveRemoteModel(m: ModelManifest, o: RemoteModelOptions = {}): Promise<string> {
  if (!m.remote) throw new Error(`model '${m.id}' has no remote source`);
  if (!m.sha256) throw new Error(`model '${m.id}' has a remote source but no sha256`);
  const { file } = m.source;
  const modelsDir = o.modelsDir ?? (process.env.ARGUS_MODELS_DIR || undefined);
  if (modelsDir) {
    for (const p of [join(modelsDir, m.remote.folder, file), join(modelsDir, file)]) {
      if (existsSync(p)) return checked(m, p, readFileSync(p));
    }
  }
  const cached = o.cacheDir ? join(o.cacheDir, 'downloads', file) : undefined;
  if (cached && existsSync(cached)) return checked(m, cached, readFileSync(cached));
  const downloads = o.downloads ?? process.env.ARGUS_MODEL_DOWNLOADS === '1';
  if (!downloads || !cached) {
    const why = !downloads ? '' : ' (downloads are on, but there is no model cache folder to keep the file in)';
    throw new Error(howToProvide(m, o.cacheDir) + why);
  }
  const get = o.fetch ?? ((url: string) => fetch(url));
  let bytes: Uint8Array;
  try {
    const res = await get(m.remote.url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new Error(`model '${m.id}': downloading ${m.remote.url} failed: ${(err as Error).message}. ${howToProvide(m, o.cacheDir)}`);
  }
  checked(m, m.remote.url, bytes);
  mkdirSync(join(o.cacheDir!, 'downloads'), { recursive: true });
  atomicWrite(cached, bytes);
  return cached;
}

export interface TfliteConversion {
  onnxPath: string;
  sha256: string;
  fromCache: boolean;
  ms: number;
  inputs: TfliteTensorSpec[];
  outputs: TfliteTensorSpec[];
}

interface Sidecar {
  converterVersion: number;
  sha256: string;
  inputs: TfliteTensorSpec[];
  outputs: TfliteTensorSpec[];
  onnxOps?: Record<string, number>;
  error?: string;
}

/**
 * The ONNX file for a .tflite, from the cache or converted now; throws the (cached) reason on
 * failure. With `pixelInput` the graph takes uint8 pixels and scales them itself; a model with int8
 * weights runs as int8 (TfliteConvertOptions).
 */
export function onnxForTflite(tflitePath: string, cacheDir: string, outputs?: readonly string[], pixelInput?: TfliteConvertOptions['pixelInput']): TfliteConversion {
  const bytes = readFileSync(tflitePath);
  const sha256 = sha256Of(bytes);
  const outs = outputs?.length ? `.o${createHash('sha256').update(outputs.join('\n')).digest('hex').slice(0, 8)}` : '';
  const px = pixelInput ? `.u8_${pixelInput.zeroPoint}_${pixelInput.scale.toPrecision(8)}` : '';
  const key = `${sha256.slice(0, 32)}.tflite${TFLITE_CONVERTER_VERSION}${outs}${px}`;
  const onnxPath = join(cacheDir, `${key}.onnx`);
  const sidecarPath = join(cacheDir, `${key}.json`);
  if (existsSync(sidecarPath)) {
    const side = JSON.parse(readFileSync(sidecarPath, 'utf8')) as Sidecar;
    if (side.converterVersion === TFLITE_CONVERTER_VERSION && side.sha256 === sha256) {
      if (side.error) throw new Error(side.error);
      if (existsSync(onnxPath)) return { onnxPath, sha256, fromCache: true, ms: 0, inputs: side.inputs, outputs: side.outputs };
    }
  }
  mkdirSync(cacheDir, { recursive: true });
  const t0 = performance.now();
  let side: Sidecar;
  try {
    const conv = convertTfliteBytes(bytes, { outputs, pixelInput, int8: true, metadata: { source: tflitePath, source_sha256: sha256 } });
    atomicWrite(onnxPath, conv.onnx);
    side = { converterVersion: TFLITE_CONVERTER_VERSION, sha256, inputs: conv.inputs, outputs: conv.outputs, onnxOps: conv.onnxOps };
  } catch (err) {
    side = { converterVersion: TFLITE_CONVERTER_VERSION, sha256, inputs: [], outputs: [], error: `conversion of ${tflitePath} from TFLite to ONNX failed: ${(err as Error).message}` };
  }
  atomicWrite(sidecarPath, JSON.stringify(side, null, 2));
  if (side.error) throw new Error(side.error);
  return { onnxPath, sha256, fromCache: false, ms: performance.now() - t0, inputs: side.inputs, outputs: side.outputs };
}
