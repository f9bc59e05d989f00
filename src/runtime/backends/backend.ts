/** A model backend: loads a model file and runs it on plain tensors. */
import type { ModelManifest } from '../catalogue.js';
import type { Feeds, TensorData } from '../tensor.js';

export interface LoadedModel {
  run(feeds: Feeds, outputs: string[]): Promise<Record<string, TensorData>>;
  dispose(): void;
}

export interface Backend {
  readonly name: string;
  /** Starts the backend; throws an error that names it when it cannot start. */
  init(): Promise<void>;
  load(manifest: ModelManifest, file: string): Promise<LoadedModel>;
  /** What actually runs, e.g. 'wasm (simd, 1 thread)' or 'cpu, 2 intra-op threads'. */
  describe(): string;
}
