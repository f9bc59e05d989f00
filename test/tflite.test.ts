/**
 * The TFLite reader, the TFLite → ONNX converter and the TFLite backbones of the catalogue
 * (files from ../shared/models; those tests skip when it is absent — nothing here downloads).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTflite, countTfliteOps } from '../src/runtime/convert/tflite-reader.js';
import { dequantize, convertTflite, convertTfliteBytes, findTensor } from '../src/runtime/convert/tflite-to-onnx.js';
import { onnxForTflite, resolveRemoteModel } from '../src/runtime/convert/tflite-source.js';
import { ModelHost } from '../src/runtime/model-host.js';
import { manifest, type ModelManifest } from '../src/runtime/catalogue.js';
import { parseGramOutput, secondOrderProjection } from '../src/runtime/second-order.js';
import { imageRgb } from '../src/runtime/convert/verify.js';
import * as ort from 'onnxruntime-node';
import { EVAL_DATA, hasEvalData, NO_EVAL_DATA, SHARED_MODELS, hasSharedModels, NO_SHARED_MODELS } from './helpers/eval-data.js';
import { startTestServer } from './helpers/server.js';

const FILES = {
  v2: 'mobilenet_v2_1.0_224_quant',
  v1: 'mobilenet_v1_1.0_224_quant_embedding_extractor',
  tf2: 'tf2_mobilenet_v2_1.0_224_ptq',
} as const;
const tflitePath = (f: string) => join(SHARED_MODELS, f, `${f}.tflite`);
const CLASSICS = join(EVAL_DATA, 'labels-classics-unannotated');

/** ImageNet labels (index 0 = background); dog breeds are indices 152..269. */
const labels = () => readFileSync(join(SHARED_MODELS, FILES.v2, 'imagenet_labels.txt'), 'utf8').split(/\r?\n/);
const top = (p: Float32Array | Int32Array, k: number) => [...p.keys()].sort((a, b) => p[b]! - p[a]!).slice(0, k);

/** A photo as the backbones take it: 224x224 uint8 RGB (the converted graph scales it). */
async function input(file: string) {
  return { input: { type: 'uint8' as const, dims: [1, 224, 224, 3], data: new Uint8Array(await imageRgb(readFileSync(join(CLASSICS, file)), 224)) } };
}

describe('TFLite dequantization', () => {
  it('dequantizes uint8 per tensor, int8 per channel (first and last axis) and int32 biases', () => {
    const u8 = dequantize(
      { name: 'u8', shape: [4], type: 'uint8', quantization: { scale: Float32Array.of(0.5), zeroPoint: BigInt64Array.of(128n), quantizedDimension: 0 } },
      Uint8Array.of(0, 128, 130, 255),
    );
    assert.deepEqual([...u8], [-64, 0, 1, 63.5]);
    // [2, 3] per channel along axis 0: rows scaled 1 and 0.25.
    const i8a = dequantize(
      { name: 'i8a', shape: [2, 3], type: 'int8', quantization: { scale: Float32Array.of(1, 0.25), zeroPoint: BigInt64Array.of(0n, 0n), quantizedDimension: 0 } },
      new Uint8Array(Int8Array.of(-128, 0, 127, -4, 8, 12).buffer),
    );
    assert.deepEqual([...i8a], [-128, 0, 127, -1, 2, 3]);
    // [1, 2, 2] per channel along the last axis (depthwise weights): columns scaled 2 and 0.5, zero point 1 on the second.
    const i8b = dequantize(
      { name: 'i8b', shape: [1, 2, 2], type: 'int8', quantization: { scale: Float32Array.of(2, 0.5), zeroPoint: BigInt64Array.of(0n, 1n), quantizedDimension: 2 } },
      new Uint8Array(Int8Array.of(1, 1, -1, 5).buffer),
    );
    assert.deepEqual([...i8b], [2, 0, -2, 2]);
    const bias = new Uint8Array(8);
    new DataView(bias.buffer).setInt32(0, -1000, true);
    new DataView(bias.buffer).setInt32(4, 4000, true);
    const b = dequantize({ name: 'b', shape: [2], type: 'int32', quantization: { scale: Float32Array.of(0.001), zeroPoint: BigInt64Array.of(0n), quantizedDimension: 0 } }, bias);
    assert.ok(Math.abs(b[0]! + 1) < 1e-6 && Math.abs(b[1]! - 4) < 1e-6, `${[...b]}`);
    assert.throws(() => dequantize({ name: 'short', shape: [4], type: 'float32' }, new Uint8Array(8)), /needs 16/);
  });
});

describe('the TFLite reader', { skip: hasSharedModels ? undefined : NO_SHARED_MODELS }, () => {
  it('lists the ops, inputs, outputs and quantization of the three backbones', () => {
    const v2 = readTflite(readFileSync(tflitePath(FILES.v2)));
    assert.deepEqual(countTfliteOps(v2), { CONV_2D: 36, DEPTHWISE_CONV_2D: 17, ADD: 10, AVERAGE_POOL_2D: 1, RESHAPE: 1, SOFTMAX: 1 });
    const inV2 = v2.tensors[v2.inputs[0]!]!;
    assert.deepEqual([inV2.name, inV2.type, inV2.shape, inV2.quantization!.scale[0], Number(inV2.quantization!.zeroPoint[0])], ['input', 'uint8', [1, 224, 224, 3], 1 / 128, 128]);
    assert.deepEqual(v2.outputs.map((i) => [v2.tensors[i]!.name, v2.tensors[i]!.shape]), [['MobilenetV2/Predictions/Softmax', [1, 1001]]]);
    assert.deepEqual(findTensor(v2, 'MobilenetV2/Logits/AvgPool').shape, [1, 1, 1, 1280]);
    const first = v2.operators[0]!;
    assert.equal(first.op, 'CONV_2D');
    assert.deepEqual(first.options, { kind: 'conv', padding: 'SAME', strideW: 2, strideH: 2, activation: 'RELU6', dilationW: 1, dilationH: 1 });
    assert.deepEqual(v2.tensors[first.inputs[1]!]!.shape, [32, 3, 3, 3]);

    const v1 = readTflite(readFileSync(tflitePath(FILES.v1)));
    assert.deepEqual(countTfliteOps(v1), { CONV_2D: 14, DEPTHWISE_CONV_2D: 13, AVERAGE_POOL_2D: 1 });
    assert.deepEqual(v1.outputs.map((i) => [v1.tensors[i]!.name, v1.tensors[i]!.shape]), [['MobilenetV1/Logits/AvgPool_1a/AvgPool', [1, 1, 1, 1024]]]);

    const tf2 = readTflite(readFileSync(tflitePath(FILES.tf2)));
    assert.deepEqual(countTfliteOps(tf2), { QUANTIZE: 2, CONV_2D: 36, DEPTHWISE_CONV_2D: 17, ADD: 10, MEAN: 1, RESHAPE: 1, SOFTMAX: 1 });
    const conv = tf2.operators.find((o) => o.op === 'CONV_2D')!;
    const dw = tf2.operators.find((o) => o.op === 'DEPTHWISE_CONV_2D')!;
    const [cw, dww] = [tf2.tensors[conv.inputs[1]!]!, tf2.tensors[dw.inputs[1]!]!];
    assert.deepEqual([cw.type, cw.quantization!.scale.length, cw.quantization!.quantizedDimension], ['int8', 32, 0]);
    assert.deepEqual([dww.type, dww.shape, dww.quantization!.scale.length, dww.quantization!.quantizedDimension], ['int8', [1, 3, 3, 32], 32, 3]);
    assert.deepEqual(findTensor(tf2, 'MobileNetV2/top/GlobalPool/Mean').shape, [1, 1, 1, 1280]);
    assert.throws(() => findTensor(tf2, 'no/such/tensor'), /no tensor named/);
  });

  it('refuses a file that is not TFLite', () => {
    assert.throws(() => readTflite(new TextEncoder().encode('{"format":"graph-model"}')), /not a TFLite model/);
  });
});

describe('the TFLite backbones in the runtime', { skip: hasSharedModels ? undefined : NO_SHARED_MODELS }, () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'argus-tflite-'));
  const host = new ModelHost({ intraOpThreads: 1, modelCacheDir: cacheDir, modelsDir: SHARED_MODELS, modelDownloads: false });
  after(async () => {
    await host.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('classifies real photos with the converted mobilenet_v2_1.0_224_quant and returns its 1280-d embedding', { skip: hasEvalData ? undefined : NO_EVAL_DATA }, async () => {
    const m = manifest('mobilenet-v2');
    const loaded = await host.load(m.id);
    assert.equal(loaded.backend.name, 'onnx');
    assert.ok(readdirSync(join(cacheDir, 'onnx')).some((f) => f.endsWith('.onnx')), 'the conversion is cached');
    const names = labels();
    const [embedding, softmax] = m.outputs as [string, string];
    assert.deepEqual(m.input.pixels, { scale: 1 / 128, zeroPoint: 128 });
    const bus = await host.run(m.id, await input('bus.jpg'), [softmax, embedding]);
    assert.deepEqual(bus[softmax]!.dims, [1, 1001]);
    assert.deepEqual(bus[embedding]!.dims, [1, 1, 1, 1280]);
    const busTop = top(bus[softmax]!.data, 5).map((i) => names[i]!);
    assert.ok(busTop.some((l) => /\bminibus|school bus|trolleybus/.test(l)), `bus.jpg top-5: ${busTop.join(' | ')}`);
    const sum = Array.from(bus[softmax]!.data).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-3, `softmax sums to ${sum}`);
    const emb = bus[embedding]!.data;
    assert.ok(emb.every((x) => x >= 0 && x <= 6) && emb.some((x) => x > 0.1), 'the embedding is an average of RELU6 activations');

    const dog = await host.run(m.id, await input('dog.jpg'), [softmax]);
    const dogTop = top(dog[softmax]!.data, 1)[0]!;
    assert.ok(dogTop >= 152 && dogTop <= 269, `dog.jpg top-1 is a dog breed: ${names[dogTop]}`);
  });

  it('converts the TF2 int8 per-channel model and the v1 embedding extractor', { skip: hasEvalData ? undefined : NO_EVAL_DATA }, async () => {
    const names = labels();
    const tf2 = manifest('mobilenet-v2-tf2');
    const out = await host.run(tf2.id, await input('dog.jpg'), [...tf2.outputs]);
    const dogTop = top(out['Identity']!.data, 1)[0]!;
    assert.ok(dogTop >= 152 && dogTop <= 269, `tf2 dog.jpg top-1 is a dog breed: ${names[dogTop]}`);
    assert.deepEqual(out['MobileNetV2/top/GlobalPool/Mean']!.dims, [1, 1, 1, 1280]);
    const v1 = manifest('mobilenet-v1-embedding');
    const e = await host.run(v1.id, await input('bus.jpg'), [...v1.outputs]);
    assert.deepEqual(e[v1.outputs[0]!]!.dims, [1, 1, 1, 1024]);
  });

  it('a converted backbone takes uint8 pixels and computes its float input as the catalogue entry says', { skip: hasEvalData ? undefined : NO_EVAL_DATA }, async () => {
    const tf2 = manifest('mobilenet-v2-tf2');
    const { pixels, ...plain } = tf2.input;
    assert.deepEqual(pixels, { scale: 1 / 127.5, zeroPoint: 127 });
    const h = new ModelHost({ intraOpThreads: 1, modelCacheDir: cacheDir, modelsDir: SHARED_MODELS, modelDownloads: false }, [tf2, { ...tf2, id: 'tf2-float-input', input: plain }]);
    try {
      const feed = (await input('dog.jpg')).input;
      const out = tf2.outputs[0]!;
      const a = (await h.run(tf2.id, { input: feed }, [out]))[out]!.data;
      const b = (await h.run('tf2-float-input', { input: { type: 'float32', dims: feed.dims, data: Float32Array.from(feed.data, (p) => (p - 127) / 127.5) } }, [out]))[out]!.data;
      assert.equal(a.length, 1280);
      assert.ok(a.every((v, i) => Math.abs(v - b[i]!) < 1e-4), 'the same embedding as the float input scaled outside');
      await assert.rejects(h.run(tf2.id, { input: { type: 'float32', dims: feed.dims, data: new Float32Array(feed.data) } }, [out]), /type|uint8|tensor\(float\)/i);
    } finally {
      await h.dispose();
    }
  });

  it('runs the int8 TF2 model in 8 bits, close to its float graph, with the second-order pooling in the graph; keeps the uint8-weight TF1 model float', { skip: hasEvalData ? undefined : NO_EVAL_DATA }, async () => {
    const tf2 = manifest('mobilenet-v2-tf2');
    const [pooled, logits, map] = tf2.outputs as [string, string, string];
    const run = async (int8: boolean) => {
      const conv = convertTfliteBytes(readFileSync(tflitePath(FILES.tf2)), { outputs: tf2.outputs, pixelInput: tf2.input.pixels, int8 });
      const session = await ort.InferenceSession.create(conv.onnx, { intraOpNumThreads: 1 });
      const out = await session.run({ input: new ort.Tensor('uint8', (await input('dog.jpg')).input.data, [1, 224, 224, 3]) });
      await session.release();
      return { ops: conv.onnxOps, out: (k: string) => out[k]!.data as Float32Array };
    };
    const [float, int8] = [await run(false), await run(true)];
    assert.equal(float.ops.QuantizeLinear, undefined);
    assert.ok(int8.ops.QuantizeLinear! > 50 && int8.ops.DequantizeLinear! > 100, JSON.stringify(int8.ops));
    const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0) / Math.hypot(...a) / Math.hypot(...b);
    for (const k of [pooled, map]) assert.ok(cosine(float.out(k), int8.out(k)) > 0.99, `${k}: cosine ${cosine(float.out(k), int8.out(k))}`);
    assert.equal(top(int8.out(logits), 1)[0], top(float.out(logits), 1)[0]);
    // The second-order output is the Gram sum of the mid-level map's projected positions, computed in the graph.
    const gram = tf2.outputs.find((o) => parseGramOutput(o))!;
    const { tensor, dims } = parseGramOutput(gram)!;
    assert.equal(tensor, tf2.outputs[3]);
    const mid = int8.out(tensor);
    const [channels, proj] = [96, secondOrderProjection(96, dims)];
    const want = new Float64Array(dims * dims);
    for (let p = 0; p < mid.length / channels; p++) {
      const y = Array.from({ length: dims }, (_, a) => proj.subarray(a * channels, (a + 1) * channels).reduce((u, w, c) => u + w * mid[p * channels + c]!, 0));
      for (let a = 0; a < dims; a++) for (let b = 0; b < dims; b++) want[a * dims + b]! += y[a]! * y[b]!;
    }
    const got = int8.out(gram);
    assert.equal(got.length, dims * dims);
    const scale = Math.max(...want.map(Math.abs));
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-4 * scale, `Gram ${i}: ${v} against ${want[i]}`));
    const v2 = manifest('mobilenet-v2');
    const tf1 = convertTfliteBytes(readFileSync(tflitePath(FILES.v2)), { outputs: v2.outputs, int8: true });
    assert.equal(tf1.onnxOps.QuantizeLinear, undefined, 'uint8 weights stay float');
  });

  it('caches conversions by source sha256, converter version and outputs, failures included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'argus-conv-'));
    try {
      const first = onnxForTflite(tflitePath(FILES.v1), dir);
      assert.equal(first.fromCache, false);
      assert.equal(first.sha256, manifest('mobilenet-v1-embedding').sha256);
      const again = onnxForTflite(tflitePath(FILES.v1), dir);
      assert.deepEqual([again.fromCache, again.onnxPath], [true, first.onnxPath]);
      assert.throws(() => onnxForTflite(tflitePath(FILES.v1), dir, ['no/such/tensor']), /TFLite to ONNX failed: no tensor named/);
      assert.throws(() => onnxForTflite(tflitePath(FILES.v1), dir, ['no/such/tensor']), /no tensor named/, 'the failure is read from the cache');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file whose sha256 differs from the manifest', async () => {
    const wrong: ModelManifest = { ...manifest('mobilenet-v1-embedding'), id: 'wrong-sha', sha256: '0'.repeat(64) };
    const h = new ModelHost({ intraOpThreads: 1, modelCacheDir: cacheDir, modelsDir: SHARED_MODELS, modelDownloads: false }, [wrong]);
    await assert.rejects(h.load('wrong-sha'), /sha256 f409ef4f.*expected 0{64}.*refused/);
  });

  it('a download (injected fetch) is checked and cached; a bad one is refused', async () => {
    const m = manifest('mobilenet-v1-embedding');
    const dir = mkdtempSync(join(tmpdir(), 'argus-dl-'));
    try {
      const bytes = readFileSync(tflitePath(FILES.v1));
      const bad = { modelsDir: join(dir, 'none'), cacheDir: dir, downloads: true, fetch: async () => ({ ok: true, status: 200, arrayBuffer: async () => new ArrayBuffer(10) }) };
      await assert.rejects(resolveRemoteModel(m, bad), /refused/);
      assert.ok(!existsSync(join(dir, 'downloads', m.source.file)));
      let calls = 0;
      const good = { ...bad, fetch: async (url: string) => (calls++, assert.equal(url, m.remote!.url), { ok: true, status: 200, arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer }) };
      assert.equal(await resolveRemoteModel(m, good), join(dir, 'downloads', m.source.file));
      assert.equal(await resolveRemoteModel(m, good), join(dir, 'downloads', m.source.file));
      assert.equal(calls, 1, 'the second resolution reads the download cache');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a TFLite backbone without its file', () => {
  it('fails to load with a message that says how to provide the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'argus-nofile-'));
    try {
      const h = new ModelHost({ intraOpThreads: 1, modelCacheDir: dir, modelsDir: join(dir, 'empty'), modelDownloads: false });
      await assert.rejects(h.load('mobilenet-v2'), (err: Error) => {
        assert.match(err.message, /mobilenet_v2_1\.0_224_quant\.tflite/);
        assert.match(err.message, /ARGUS_MODELS_DIR/);
        assert.match(err.message, /ARGUS_MODEL_DOWNLOADS=1/);
        assert.match(err.message, /raw\.githubusercontent\.com\/google-coral\/test_data\/104342d2d3480b3e66203073dac24f4e2dbb4c41\//);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports an unsupported op by name', { skip: hasSharedModels ? undefined : NO_SHARED_MODELS }, () => {
    const m = readTflite(readFileSync(tflitePath(FILES.v1)));
    m.operators[0] = { ...m.operators[0]!, op: 'BUILTIN_999' };
    assert.throws(() => convertTflite(m), /unsupported TFLite ops: BUILTIN_999/);
    assert.throws(() => convertTfliteBytes(new Uint8Array(0)), /not a TFLite model/);
  });
});

describe('the models folder from the configuration', { skip: hasSharedModels ? undefined : NO_SHARED_MODELS }, () => {
  it('reaches the inference workers (argus.json modelsDir, not only ARGUS_MODELS_DIR)', async () => {
    const saved = process.env.ARGUS_MODELS_DIR;
    delete process.env.ARGUS_MODELS_DIR;
    const t = await startTestServer({ warmUp: false, modelsDir: SHARED_MODELS });
    try {
      await t.argus.services.runtime.warmUp(['mobilenet-v2']);
      assert.equal(t.argus.services.runtime.health().find((h) => h.id === 'mobilenet-v2')!.state, 'ready');
    } finally {
      await t.close();
      if (saved !== undefined) process.env.ARGUS_MODELS_DIR = saved;
    }
  });
});
