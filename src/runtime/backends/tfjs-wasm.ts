/**
 * TensorFlow.js graph models on the wasm backend (SIMD, single-threaded in Node). Never falls
 * back to the 25x slower cpu backend: if wasm does not start, init throws.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Backend, LoadedModel } from './backend.js';
import type { ModelManifest } from '../catalogue.js';
import type { Feeds, TensorData } from '../tensor.js';

const require = createRequire(import.meta.url);

/**
 * tfjs has one engine per thread, so one wasm start-up serves every TfjsWasmBackend of it. Shared
 * because two overlapping `tf.setBackend('wasm')` calls make the first one answer false (tfjs drops
 * an "outdated" initialisation), e.g. when two ONNX conversions are checked at once during warm-up.
 */
let starting: Promise<boolean> | undefined;

interface WeightsManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

export class TfjsWasmBackend implements Backend {
  readonly name = 'tfjs-wasm';

  async init(): Promise<void> {
    const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    setWasmPaths(join(dir, 'dist') + '/');
    tf.env().set('IS_NODE', true);
    starting ??= tf.setBackend('wasm');
    const ok = await starting.catch((err: unknown) => {
      starting = undefined;
      throw err;
    });
    if (!ok) starting = undefined;
    if (!ok || tf.getBackend() !== 'wasm') throw new Error(`backend tfjs-wasm failed to start (tf.getBackend() is '${tf.getBackend()}')`);
  }

  describe(): string {
    return `tfjs ${tf.version_core} wasm${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ' simd' : ''}, 1 thread`;
  }

  async load(m: ModelManifest, file: string): Promise<LoadedModel> {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { modelTopology: object; weightsManifest: WeightsManifestGroup[]; signature?: object; userDefinedMetadata?: object };
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: Buffer[] = [];
    for (const group of json.weightsManifest) {
      specs.push(...group.weights);
      for (const p of group.paths) buffers.push(readFileSync(join(dirname(file), p)));
    }
    const all = Buffer.concat(buffers);
    const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
    const model = await loadGraphModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData, signature: json.signature, userDefinedMetadata: json.userDefinedMetadata } as tf.io.ModelArtifacts),
    );
    return new TfjsModel(model);
  }
}

class TfjsModel implements LoadedModel {
  /** Set once a model turns out to need executeAsync (control flow or dynamic shapes). */
  private dynamic = false;

  constructor(private readonly model: GraphModel) {}

  private executeSync(inputs: tf.NamedTensorMap, outputs: string[]): tf.Tensor | tf.Tensor[] | Promise<tf.Tensor | tf.Tensor[]> {
    try {
      return this.model.execute(inputs, outputs);
    } catch (err) {
      if (!/executeAsync/.test((err as Error).message)) throw err;
      this.dynamic = true;
      return this.model.executeAsync(inputs, outputs);
    }
  }

  async run(feeds: Feeds, outputs: string[]): Promise<Record<string, TensorData>> {
    const inputs: tf.NamedTensorMap = {};
    for (const [name, t] of Object.entries(feeds)) {
      if (t.type === 'uint8') {
        tf.dispose(Object.values(inputs));
        throw new Error(`input '${name}': uint8 pixels are fed only to converted TFLite graphs (onnx backend); TF.js graphs take float32`);
      }
      inputs[name] = tf.tensor(t.data, t.dims, t.type);
    }
    try {
      const result = this.dynamic ? await this.model.executeAsync(inputs, outputs) : await this.executeSync(inputs, outputs);
      const list = Array.isArray(result) ? result : [result];
      const out: Record<string, TensorData> = {};
      for (let i = 0; i < list.length; i++) {
        const t = list[i]!;
        const type = t.dtype === 'int32' ? 'int32' : 'float32';
        const data = type === 'int32' ? new Int32Array(await t.data()) : new Float32Array(await t.data());
        out[outputs[i]!] = { type, dims: t.shape.slice(), data };
        t.dispose();
      }
      return out;
    } finally {
      for (const t of Object.values(inputs)) t.dispose();
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
