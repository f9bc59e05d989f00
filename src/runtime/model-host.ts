/**
 * Loads models by catalogue id onto the first backend of their manifest that starts, and runs
 * them. One ModelHost lives in each inference worker. A TF.js graph model listed for the onnx
 * backend is converted to ONNX on first use (checked against tfjs-wasm, cached in the data
 * folder); when that fails it runs on the next backend and the reason is kept for /health. When
 * no backend starts, the error names every backend tried and why. A TFLite model (not on npm) is
 * found locally or downloaded (convert/tflite-source.ts) and always converted to ONNX.
 */
import { join } from 'node:path';
import { CATALOGUE, resolveModelFile, resolvePackedShards, type ModelManifest } from './catalogue.js';
import type { Backend, LoadedModel } from './backends/backend.js';
import { TfjsWasmBackend } from './backends/tfjs-wasm.js';
import { OnnxBackend } from './backends/onnx.js';
import { onnxFor } from './convert/onnx-cache.js';
import { unpackedModel } from './convert/packed-model.js';
import { onnxForTflite, resolveRemoteModel } from './convert/tflite-source.js';
import type { Feeds, TensorData } from './tensor.js';

export interface HostOptions {
  intraOpThreads: number;
  /**
   * Folder for converted and unpacked models (the data folder's models/); without it nothing is
   * converted, and models a package ships packed (see ModelManifest.packaging) cannot load.
   */
  modelCacheDir?: string;
  /** Convert TF.js graph models to ONNX (ARGUS_CONVERT_TO_ONNX); default true when there is a cache folder. */
  convertToOnnx?: boolean;
  /** Folder of model files no npm package ships (ARGUS_MODELS_DIR); default from the environment. */
  modelsDir?: string;
  /** Download such files when they are nowhere local (ARGUS_MODEL_DOWNLOADS=1); default from the environment. */
  modelDownloads?: boolean;
}

type BackendFactory = (o: HostOptions) => Backend;
const BACKENDS: Readonly<Record<string, BackendFactory>> = Object.freeze({
  'tfjs-wasm': () => new TfjsWasmBackend(),
  onnx: (o) => new OnnxBackend(o.intraOpThreads),
});

interface Loaded {
  backend: Backend;
  model: LoadedModel;
  loadMs: number;
  /** Why the preferred backends were passed over, when they were. */
  fallback?: string;
}

export class ModelHost {
  private readonly backends = new Map<string, Promise<Backend>>();
  private readonly models = new Map<string, Promise<Loaded>>();

  constructor(
    private readonly options: HostOptions,
    private readonly catalogue: readonly ModelManifest[] = CATALOGUE,
  ) {}

  private backend(name: string): Promise<Backend> {
    let b = this.backends.get(name);
    if (!b) {
      const factory = BACKENDS[name];
      if (!factory) return Promise.reject(new Error(`unknown backend '${name}'`));
      const backend = factory(this.options);
      b = backend.init().then(() => backend);
      this.backends.set(name, b);
    }
    return b;
  }

  load(id: string): Promise<Loaded> {
    let p = this.models.get(id);
    if (!p) {
      const m = this.catalogue.find((x) => x.id === id);
      if (!m) return Promise.reject(new Error(`no model '${id}' in the catalogue; known: ${this.catalogue.map((x) => x.id).join(', ')}`));
      p = this.loadFresh(m);
      this.models.set(id, p);
      p.catch(() => this.models.delete(id));
    }
    return p;
  }

  private async loadFresh(m: ModelManifest): Promise<Loaded> {
    const file = m.remote
      ? await resolveRemoteModel(m, { modelsDir: this.options.modelsDir, cacheDir: this.options.modelCacheDir, downloads: this.options.modelDownloads })
      : this.unpacked(m, resolveModelFile(m));
    const failures: string[] = [];
    for (const name of m.backends) {
      try {
        const backend = await this.backend(name);
        const t0 = performance.now();
        const model = await backend.load(m, await this.fileFor(m, file, name));
        return { backend, model, loadMs: performance.now() - t0, fallback: failures.length ? failures.join('; ') : undefined };
      } catch (err) {
        failures.push(`${name}: ${(err as Error).message}`);
      }
    }
    throw new Error(`model '${m.id}' could not be loaded on any backend (${failures.join('; ')})`);
  }

  /** A packed model's unpacked model.json (cached in the model folder), or `file` itself. */
  private unpacked(m: ModelManifest, file: string): string {
    if (!m.packaging) return file;
    if (!this.options.modelCacheDir) throw new Error(`model '${m.id}' ships packed in ${m.source.package} and needs a model cache folder to unpack into`);
    try {
      return unpackedModel(m.id, { kind: m.packaging.kind, modelFile: file, shardFiles: resolvePackedShards(m) }, this.options.modelCacheDir).modelJson;
    } catch (err) {
      throw new Error(`model '${m.id}' could not be unpacked from ${m.source.package}: ${(err as Error).message}`);
    }
  }

  /** The file a backend loads: the model itself, or its ONNX conversion for a TF.js graph on onnx. */
  private async fileFor(m: ModelManifest, file: string, backend: string): Promise<string> {
    if (m.format === 'tflite') {
      // No backend reads TFLite: always converted (ARGUS_CONVERT_TO_ONNX concerns TF.js models only).
      if (backend !== 'onnx') throw new Error('a TFLite model runs only on onnx, after conversion');
      if (!this.options.modelCacheDir) throw new Error('a TFLite model is converted to ONNX on first use and needs a model cache folder');
      return onnxForTflite(file, join(this.options.modelCacheDir, 'onnx'), m.outputs, m.input.pixels).onnxPath;
    }
    if (backend !== 'onnx' || m.format !== 'tfjs-graph') return file;
    if (!this.options.modelCacheDir || this.options.convertToOnnx === false) throw new Error('conversion to ONNX is turned off (ARGUS_CONVERT_TO_ONNX=0) or has no cache folder');
    return (await onnxFor(file, join(this.options.modelCacheDir, 'onnx'), { outputs: m.outputs })).onnxPath;
  }

  async run(id: string, feeds: Feeds, outputs: string[]): Promise<Record<string, TensorData>> {
    const { model } = await this.load(id);
    return model.run(feeds, outputs);
  }

  async dispose(): Promise<void> {
    for (const p of this.models.values()) (await p.catch(() => undefined))?.model.dispose();
    this.models.clear();
  }
}
