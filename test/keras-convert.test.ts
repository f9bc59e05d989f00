import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { TfjsWasmBackend } from '../src/runtime/backends/tfjs-wasm.js';
import { kerasToGraph, UnsupportedLayersError } from '../src/runtime/convert/keras-to-graph.js';
import { unpackNsfwjsModel, type KerasModelJson } from '../src/runtime/convert/nsfwjs-bundle.js';
import { unpackedModel } from '../src/runtime/convert/packed-model.js';
import { manifest, resolveModelFile, resolvePackedShards } from '../src/runtime/catalogue.js';

const ab = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** Deterministic pseudo-random values in [lo, hi). */
function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + ((hi - lo) * (seed = (seed * 1103515245 + 12345) >>> 0)) / 2 ** 32;
  return out;
}

async function saved(model: tfl.LayersModel): Promise<{ json: KerasModelJson; weights: Buffer }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts!;
  const json = { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] } as unknown as KerasModelJson;
  return { json, weights: Buffer.from(a.weightData as ArrayBuffer) };
}

async function graphOf(json: KerasModelJson, weights: Buffer) {
  const g = kerasToGraph(json, weights);
  const model = await loadGraphModel(tf.io.fromMemory({ modelTopology: g.json.modelTopology, weightSpecs: g.json.weightsManifest[0]!.weights, weightData: ab(g.weightData) } as tf.io.ModelArtifacts));
  return { g, model };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('Keras layers models converted to TF.js graph models', () => {
  before(async () => {
    // Two at once, as two conversion checks during a warm-up do: both must start (tfjs alone
    // would answer false to the first).
    await Promise.all([new TfjsWasmBackend().init(), new TfjsWasmBackend().init()]);
  });

  it('computes what tfjs-layers computes, for every supported layer type', async () => {
    const input = tfl.input({ shape: [9, 9, 3], name: 'input_1' });
    const pad = tfl.layers.zeroPadding2d({ padding: [[1, 0], [0, 1]], name: 'pad' }).apply(input) as tfl.SymbolicTensor;
    const c1 = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', name: 'c1' }).apply(pad) as tfl.SymbolicTensor;
    const bn = tfl.layers.batchNormalization({ scale: false, epsilon: 1e-3, name: 'bn' }).apply(c1) as tfl.SymbolicTensor;
    const dw = tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'dw' }).apply(bn) as tfl.SymbolicTensor;
    const r6 = tfl.layers.reLU({ maxValue: 6, name: 'r6' }).apply(dw) as tfl.SymbolicTensor;
    const c2 = tfl.layers.conv2d({ filters: 8, kernelSize: [1, 3], padding: 'same', useBias: false, name: 'c2' }).apply(bn) as tfl.SymbolicTensor;
    const bn2 = tfl.layers.batchNormalization({ name: 'bn2' }).apply(c2) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: 'sum' }).apply([r6, bn2]) as tfl.SymbolicTensor;
    const mp = tfl.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same', name: 'mp' }).apply(sum) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate({ axis: -1, name: 'cat' }).apply([mp, sum]) as tfl.SymbolicTensor;
    const ap = tfl.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: 'ap' }).apply(cat) as tfl.SymbolicTensor;
    const act = tfl.layers.activation({ activation: 'tanh', name: 'act' }).apply(ap) as tfl.SymbolicTensor;
    const flat = tfl.layers.flatten({ name: 'flat' }).apply(act) as tfl.SymbolicTensor;
    const d1 = tfl.layers.dense({ units: 6, activation: 'relu', name: 'd1' }).apply(flat) as tfl.SymbolicTensor;
    const drop = tfl.layers.dropout({ rate: 0.5, name: 'drop' }).apply(d1) as tfl.SymbolicTensor;
    const probs = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(drop) as tfl.SymbolicTensor;
    const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(cat) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [probs, gap] });
    // Random weights, with positive variances, so every op matters.
    model.setWeights(model.weights.map((w, i) => tf.tensor(values(w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 11 + i, w.name.includes('variance') ? 0.5 : -1, w.name.includes('variance') ? 2 : 1), w.shape as number[])));

    const { json, weights } = await saved(model);
    const { g, model: graph } = await graphOf(json, weights);
    assert.deepEqual(g.inputs, [{ name: 'input_1', shape: [-1, 9, 9, 3] }]);
    assert.deepEqual(g.outputs, [{ name: 'probs', shape: [-1, 3] }, { name: 'gap', shape: [-1, 16] }]);
    const x = tf.tensor(values(2 * 9 * 9 * 3, 5, 0, 1), [2, 9, 9, 3]);
    const want = model.predict(x) as tf.Tensor[];
    const got = graph.execute({ input_1: x }, ['probs', 'gap']) as tf.Tensor[];
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(got[i]!.shape, want[i]!.shape);
      assert.ok(maxDiff(await got[i]!.data(), await want[i]!.data()) < 1e-5, `output ${i}`);
    }
  });

  it('refuses a layer it does not know, naming it', () => {
    const json = {
      modelTopology: { model_config: { class_name: 'Model', config: { layers: [{ name: 'lstm', class_name: 'LSTM', config: {}, inbound_nodes: [] }], input_layers: [], output_layers: [] } } },
      weightsManifest: [],
    } as unknown as KerasModelJson;
    assert.throws(() => kerasToGraph(json, Buffer.alloc(0)), (e: Error) => e instanceof UnsupportedLayersError && /LSTM/.test(e.message));
  });

  it("unpacks nsfwjs's MobileNetV2 from its JS modules and converts it with the same outputs as tfjs-layers", async () => {
    const m = manifest('nsfw-mobilenet-v2');
    const layers = unpackNsfwjsModel(resolveModelFile(m), resolvePackedShards(m));
    assert.equal(layers.json.modelTopology.model_config.config.layers.length, 162);
    const reference = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: layers.json.modelTopology, weightSpecs: layers.json.weightsManifest[0]!.weights, weightData: ab(layers.weightData) } as tf.io.ModelArtifacts),
    );
    const { model: graph } = await graphOf(layers.json, layers.weightData);
    const x = tf.tensor(values(224 * 224 * 3, 7, 0, 1), [1, 224, 224, 3]);
    const want = await (reference.predict(x) as tf.Tensor).data();
    const got = await (graph.execute({ input_1: x }, 'dense_3') as tf.Tensor).data();
    assert.equal(got.length, 5);
    assert.ok(maxDiff(got, want) < 1e-5, `max difference ${maxDiff(got, want)}`);
  });

  it('unpacks once into the model cache, atomically, and reuses the folder afterwards', () => {
    const m = manifest('nsfw-mobilenet-v2');
    const dir = mkdtempSync(join(tmpdir(), 'argus-unpack-'));
    try {
      const src = { kind: m.packaging!.kind, modelFile: resolveModelFile(m), shardFiles: resolvePackedShards(m) };
      const first = unpackedModel(m.id, src, dir);
      assert.equal(first.fromCache, false);
      assert.ok(first.modelJson.startsWith(join(dir, m.id)));
      const written = statSync(first.modelJson).mtimeMs;
      const second = unpackedModel(m.id, src, dir);
      assert.equal(second.fromCache, true);
      assert.equal(second.modelJson, first.modelJson);
      assert.equal(statSync(second.modelJson).mtimeMs, written);
      // One folder, named by the sources' sha256, and no temporary folder left behind.
      assert.deepEqual(readdirSync(join(dir, m.id)), [`${first.sha256.slice(0, 32)}.u1`]);
      assert.deepEqual(readdirSync(join(dir, m.id, readdirSync(join(dir, m.id))[0]!)).sort(), ['model.json', 'weights.bin']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
