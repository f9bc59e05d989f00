/** ONNX models on onnxruntime-node's CPU execution provider, with the intra-op thread count set. */
import * as ort from 'onnxruntime-node';
import type { Backend, LoadedModel } from './backend.js';
import type { ModelManifest } from '../catalogue.js';
import type { Feeds, TensorData } from '../tensor.js';

export class OnnxBackend implements Backend {
  readonly name = 'onnx';

  constructor(private readonly intraOpThreads: number) {}

  async init(): Promise<void> {
    if (typeof ort.InferenceSession?.create !== 'function') throw new Error('backend onnx failed to start: onnxruntime-node has no InferenceSession');
  }

  describe(): string {
    return `onnxruntime-node ${ort.env.versions?.common ?? ''} cpu, ${this.intraOpThreads} intra-op thread${this.intraOpThreads > 1 ? 's' : ''}`.replace(/\s+/g, ' ');
  }

  async load(_m: ModelManifest, file: string): Promise<LoadedModel> {
    const session = await ort.InferenceSession.create(file, {
      executionProviders: ['cpu'],
      intraOpNumThreads: this.intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // Spinning threads steal the core another worker needs on a busy 2-core box (measured: ~55 ms lost per CenterNet call).
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    return new OnnxModel(session);
  }
}

/**
 * Runs a session on plain tensors and returns copies of the requested outputs (a native memcpy:
 * the buffers are transferred to the pool, and the session may reuse its own).
 */
export async function runOnnxSession(session: ort.InferenceSession, feeds: Feeds, outputs: string[]): Promise<Record<string, TensorData>> {
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor(t.type, t.data, t.dims);
  const result = await session.run(inputs, outputs);
  const out: Record<string, TensorData> = {};
  for (const name of outputs) {
    const t = result[name]!;
    const type = t.type === 'int32' ? 'int32' : 'float32';
    const data = type === 'int32' ? new Int32Array(t.data as Int32Array) : new Float32Array(t.data as Float32Array);
    out[name] = { type, dims: [...t.dims], data };
    t.dispose?.();
  }
  return out;
}

class OnnxModel implements LoadedModel {
  constructor(private readonly session: ort.InferenceSession) {}

  run(feeds: Feeds, outputs: string[]): Promise<Record<string, TensorData>> {
    return runOnnxSession(this.session, feeds, outputs);
  }

  dispose(): void {
    void this.session.release();
  }
}
