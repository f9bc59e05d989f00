/**
 * Convert-on-first-use for TF.js graph models: returns the path of the ONNX file for a
 * model.json, converting it and checking it against tfjs-wasm the first time, and caching both
 * the .onnx and the check's report in `cacheDir`, keyed by the sha256 of the source (model.json +
 * shards) and the converter version. Any failure throws an Error whose message is the reason to
 * show in /health; the caller then loads the model on tfjs-wasm instead.
 *
 * Safe with several workers: files are written to a temporary name and renamed into place.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertTfjsGraph, readTfjsGraphModel, type ConvertOptions, type TensorSpec } from './tfjs-to-onnx.js';
import { tfjsModelSha256 } from './tfjs-weights.js';
import type { Feeds } from '../tensor.js';

/** Bump when the converter's output changes, so cached conversions are redone. */
export const CONVERTER_VERSION = 2;

export interface CheckReport {
  ok: boolean;
  /** Per output: max |onnx - tfjs| / max(1, max |tfjs|). */
  errors: Record<string, number>;
  tolerance: number;
  reason?: string;
}

export interface CachedConversion {
  onnxPath: string;
  sha256: string;
  fromCache: boolean;
  /** Conversion + check time on a miss, 0 on a hit. */
  ms: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  check?: CheckReport;
}

export interface CacheOptions extends ConvertOptions {
  /** Run both runtimes on one deterministic input and refuse the conversion above `tolerance`. Default true. */
  check?: boolean;
  /** Default 1e-3 (the tolerance stated in test/convert.test.ts). */
  tolerance?: number;
}

interface Sidecar {
  converterVersion: number;
  sha256: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  check?: CheckReport;
  error?: string;
}

function atomicWrite(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** A deterministic input in [0, 1) (dynamic dims taken as 1). */
function probeFeeds(inputs: TensorSpec[]): Feeds {
  const feeds: Feeds = {};
  let seed = 2024;
  for (const i of inputs) {
    if (!i.dims) throw new Error(`input ${i.name} has an unknown rank`);
    const dims = i.dims.map((d) => (d < 0 ? 1 : d));
    const n = dims.reduce((a, b) => a * b, 1);
    if (i.dtype === 'float32') {
      const data = new Float32Array(n);
      for (let k = 0; k < n; k++) data[k] = (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
      feeds[i.name] = { type: 'float32', dims, data };
    } else {
      feeds[i.name] = { type: 'int32', dims, data: new Int32Array(n) };
    }
  }
  return feeds;
}

async function check(modelJson: string, onnx: Uint8Array, inputs: TensorSpec[], outputs: TensorSpec[], tolerance: number): Promise<CheckReport> {
  // Loaded lazily: only a cache miss pays for tfjs-wasm.
  const { loadTfjsWasm, OnnxRunner, compareTensors } = await import('./verify.js');
  const feeds = probeFeeds(inputs);
  const names = outputs.map((o) => o.name);
  const tfjs = await loadTfjsWasm(modelJson);
  const runner = await OnnxRunner.create(onnx, 1);
  try {
    const a = await tfjs.run(feeds, names);
    const b = await runner.run(feeds, names);
    const errors: Record<string, number> = {};
    let worst = '';
    for (const n of names) {
      errors[n] = compareTensors(n, a[n]!, b[n]!).rel;
      if (!worst || errors[n]! > errors[worst]!) worst = n;
    }
    const ok = names.every((n) => errors[n]! <= tolerance);
    return { ok, errors, tolerance, reason: ok ? undefined : `output ${worst} differs from tfjs-wasm by ${errors[worst]!.toExponential(2)} (tolerance ${tolerance})` };
  } finally {
    tfjs.dispose();
    runner.dispose();
  }
}

/**
 * The ONNX file for `modelJson`, from the cache or converted (and checked) now. Throws with the
 * reason when the model does not convert or its outputs do not match; that outcome is cached
 * too, so a worker restart does not redo a failing conversion.
 */
export async function onnxFor(modelJson: string, cacheDir: string, options: CacheOptions = {}): Promise<CachedConversion> {
  const sha256 = tfjsModelSha256(modelJson);
  const layout = options.layout ?? 'propagate';
  const outs = options.outputs?.length ? `.o${createHash('sha256').update(options.outputs.join('\n')).digest('hex').slice(0, 8)}` : '';
  const key = `${sha256.slice(0, 32)}.c${CONVERTER_VERSION}.${layout}${outs}`;
  const onnxPath = join(cacheDir, `${key}.onnx`);
  const sidecarPath = join(cacheDir, `${key}.json`);
  const wantCheck = options.check ?? true;
  if (existsSync(sidecarPath)) {
    const side = JSON.parse(readFileSync(sidecarPath, 'utf8')) as Sidecar;
    if (side.converterVersion === CONVERTER_VERSION && side.sha256 === sha256) {
      if (side.error) throw new Error(side.error);
      if (existsSync(onnxPath) && (!wantCheck || side.check?.ok)) {
        return { onnxPath, sha256, fromCache: true, ms: 0, inputs: side.inputs, outputs: side.outputs, check: side.check };
      }
    }
  }
  mkdirSync(cacheDir, { recursive: true });
  const t0 = performance.now();
  let side: Sidecar;
  let onnx: Uint8Array | undefined;
  try {
    const conv = convertTfjsGraph(readTfjsGraphModel(modelJson), { ...options, metadata: { source: modelJson, ...options.metadata } });
    onnx = conv.onnx;
    side = { converterVersion: CONVERTER_VERSION, sha256, inputs: conv.inputs, outputs: conv.outputs };
  } catch (err) {
    // Deterministic for a given source and converter version: cached.
    side = { converterVersion: CONVERTER_VERSION, sha256, inputs: [], outputs: [], error: `conversion to ONNX failed: ${(err as Error).message}` };
  }
  if (onnx && wantCheck) {
    try {
      side.check = await check(modelJson, onnx, side.inputs, side.outputs, options.tolerance ?? 1e-3);
    } catch (err) {
      // The check itself could not run (e.g. tfjs-wasm did not start): not cached, try again next time.
      throw new Error(`converted model could not be checked against tfjs-wasm: ${(err as Error).message}`);
    }
    if (!side.check.ok) side.error = `converted model does not match tfjs-wasm: ${side.check.reason}`;
  }
  if (onnx && !side.error) atomicWrite(onnxPath, onnx);
  atomicWrite(sidecarPath, JSON.stringify(side, null, 2));
  if (side.error) throw new Error(side.error);
  return { onnxPath, sha256, fromCache: false, ms: performance.now() - t0, inputs: side.inputs, outputs: side.outputs, check: side.check };
}
