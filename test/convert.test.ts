/**
 * TF.js -> ONNX conversion: the protobuf writer, weight dequantisation, op semantics on a small
 * hand-built graph, and the default pack's models against tfjs-wasm on a generated image (always)
 * and on real photos from eval-data (skipped when absent).
 *
 * Stated tolerance (PACK[].tolerance, 1e-3): max |onnx - tfjs| <= 1e-3 * max(1, max |tfjs|) per
 * output. Measured worst cases are around 1e-5 of the range (see the report of issue 8).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { EVAL_DATA, hasEvalData, NO_EVAL_DATA } from './helpers/eval-data.js';
import { attr, encodeModel } from '../src/runtime/convert/onnx-proto.js';
import { decodeWeights, halfToFloat, type WeightSpec } from '../src/runtime/convert/tfjs-weights.js';
import { UnsupportedOpsError, convertTfjsModelFile } from '../src/runtime/convert/tfjs-to-onnx.js';
import { onnxFor } from '../src/runtime/convert/onnx-cache.js';
import { OnnxRunner, compareDetections, compareTensors, humanModelsFile, imageRgb, imagesIn, loadTfjsWasm, packModel, syntheticImage, verifyModel } from '../src/runtime/convert/verify.js';
import { CENTERNET } from '../src/vision/detect-objects.js';
import type { Feeds, TensorData } from '../src/runtime/tensor.js';

const PHOTOS = join(EVAL_DATA, 'labels-classics-unannotated');

describe('ONNX protobuf writer', () => {
  it('writes a model with a dynamic input, initializers and every attribute kind that onnxruntime runs', async () => {
    const bytes = encodeModel({
      opset: 13,
      producerName: 'argus-test',
      metadata: { purpose: 'unit test' },
      graph: {
        name: 'tiny',
        inputs: [{ name: 'x', type: 'float32', dims: ['N', 3] }],
        outputs: [
          { name: 'sum', type: 'float32', dims: ['N', 3] },
          { name: 'soft', type: 'float32', dims: [3, null] },
          { name: 'flat', type: 'int32', dims: [null] },
          { name: 'padded', type: 'float32' },
        ],
        initializers: [
          { name: 'bias', type: 'float32', dims: [3], data: Float32Array.of(1, 2, 3) },
          { name: 'shape', type: 'int64', dims: [1], data: BigInt64Array.of(-1n) },
          { name: 'pads', type: 'int64', dims: [4], data: BigInt64Array.of(0n, 1n, 0n, 0n) },
        ],
        nodes: [
          { opType: 'Add', inputs: ['x', 'bias'], outputs: ['sum'] },
          { opType: 'Constant', inputs: [], outputs: ['k'], attributes: [attr.tensor('value', { type: 'float32', dims: [3], data: Float32Array.of(10, 20, 30) })] },
          { opType: 'Constant', inputs: [], outputs: ['half'], attributes: [attr.floats('value_floats', [0.5])] },
          { opType: 'Mul', inputs: ['sum', 'k'], outputs: ['scaled'] },
          { opType: 'Transpose', inputs: ['scaled'], outputs: ['t'], attributes: [attr.ints('perm', [1, 0])] },
          { opType: 'LeakyRelu', inputs: ['t'], outputs: ['lr'], attributes: [attr.float('alpha', 0.25)] },
          { opType: 'Mul', inputs: ['lr', 'half'], outputs: ['lh'] },
          { opType: 'Softmax', inputs: ['lh'], outputs: ['soft'], attributes: [attr.int('axis', -1)] },
          { opType: 'Reshape', inputs: ['lh', 'shape'], outputs: ['r'] },
          { opType: 'Cast', inputs: ['r'], outputs: ['flat'], attributes: [attr.int('to', 6)] },
          { opType: 'Pad', inputs: ['sum', 'pads'], outputs: ['padded'], attributes: [attr.string('mode', 'constant')] },
        ],
      },
    });
    const session = await ort.InferenceSession.create(bytes);
    assert.deepEqual([...session.inputNames], ['x']);
    const x = new ort.Tensor('float32', Float32Array.of(0, 1, 2, -1, -2, -4), [2, 3]);
    const out = await session.run({ x });
    assert.deepEqual(Array.from(out.sum!.data as Float32Array), [1, 3, 5, 0, 0, -1]);
    // scaled = sum*[10,20,30] = [[10,60,150],[0,0,-30]]; transposed [[10,0],[60,0],[150,-30]]; leaky; *0.5
    assert.deepEqual(Array.from(out.flat!.data as Int32Array), [5, 0, 30, 0, 75, -3]);
    assert.deepEqual(out.soft!.dims, [3, 2]);
    const soft = Array.from(out.soft!.data as Float32Array);
    assert.ok(Math.abs(soft[0]! - 1 / (1 + Math.exp(-5))) < 1e-6);
    assert.deepEqual(out.padded!.dims, [2, 4]);
    assert.deepEqual(Array.from(out.padded!.data as Float32Array), [0, 1, 3, 5, 0, 0, 0, -1]);
    await session.release();
  });

  it('refuses data that does not match the declared dims', () => {
    assert.throws(
      () => encodeModel({ graph: { name: 'g', nodes: [], inputs: [], outputs: [], initializers: [{ name: 'w', type: 'float32', dims: [2, 2], data: new Float32Array(3) }] } }),
      /3 values for dims \[2,2\]/,
    );
  });
});

describe('tfjs weight dequantisation', () => {
  it('decodes IEEE half floats', () => {
    assert.equal(halfToFloat(0x3c00), 1);
    assert.equal(halfToFloat(0xc000), -2);
    assert.equal(halfToFloat(0x7bff), 65504);
    assert.equal(halfToFloat(0x0001), 2 ** -24);
    assert.equal(halfToFloat(0x3555), 0.333251953125);
    assert.equal(halfToFloat(0x7c00), Infinity);
    assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  });

  it('decodes uint8, uint16 and float16 quantised weights and plain ones, in manifest order', () => {
    const specs: WeightSpec[] = [
      { name: 'u8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
      { name: 'u16', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.001, min: 10 } },
      { name: 'f16', shape: [2, 1], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'i8', shape: [2], dtype: 'int32', quantization: { dtype: 'uint8', scale: 1.5, min: -3 } },
      { name: 'f32', shape: [1], dtype: 'float32' },
      { name: 'i32', shape: [2], dtype: 'int32' },
      { name: 'flag', shape: [2], dtype: 'bool' },
    ];
    const buf = Buffer.alloc(3 + 4 + 4 + 2 + 4 + 8 + 2);
    let o = 0;
    for (const v of [0, 2, 255]) buf.writeUInt8(v, o++);
    for (const v of [0, 1000]) (buf.writeUInt16LE(v, o), (o += 2));
    for (const v of [0x3c00, 0xb800]) (buf.writeUInt16LE(v, o), (o += 2));
    for (const v of [1, 3]) buf.writeUInt8(v, o++);
    buf.writeFloatLE(3.25, o);
    o += 4;
    for (const v of [-7, 42]) (buf.writeInt32LE(v, o), (o += 4));
    for (const v of [1, 0]) buf.writeUInt8(v, o++);
    const w = decodeWeights(specs, new Uint8Array(buf));
    assert.deepEqual(Array.from(w.get('u8')!.data), [-1, 0, 126.5]);
    const u16 = Array.from(w.get('u16')!.data);
    assert.ok(Math.abs(u16[0]! - 10) < 1e-6 && Math.abs(u16[1]! - 11) < 1e-5);
    assert.deepEqual(w.get('f16')!.shape, [2, 1]);
    assert.deepEqual(Array.from(w.get('f16')!.data), [1, -0.5]);
    assert.equal(w.get('i8')!.dtype, 'int32');
    // Math.round like tfjs-core: 1*1.5-3 = -1.5 -> -1 and 3*1.5-3 = 1.5 -> 2 (halves round up)
    assert.deepEqual(Array.from(w.get('i8')!.data), [-1, 2]);
    assert.deepEqual(Array.from(w.get('f32')!.data), [3.25]);
    assert.deepEqual(Array.from(w.get('i32')!.data), [-7, 42]);
    assert.deepEqual(Array.from(w.get('flag')!.data), [1, 0]);
  });

  it('refuses a manifest that does not match the data', () => {
    assert.throws(() => decodeWeights([{ name: 'a', shape: [4], dtype: 'float32' }], new Uint8Array(8)), /runs past the end/);
    assert.throws(() => decodeWeights([{ name: 'a', shape: [1], dtype: 'float32' }], new Uint8Array(8)), /manifest describes 4/);
    assert.throws(() => decodeWeights([{ name: 'a', shape: [1], dtype: 'float32', quantization: { dtype: 'int4' } }], new Uint8Array(1)), /unsupported quantization dtype 'int4'/);
  });
});

// ---------------------------------------------------------------------------------------------
// A small hand-built graph model exercising the awkward ops against tfjs-wasm.

type Attr = Record<string, unknown>;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const T = (t: string) => ({ type: t });
const I = (v: number) => ({ i: String(v) });
const L = (v: number[]) => ({ list: { i: v.map(String) } });
const S = (v: string) => ({ s: b64(v) });
const B = (v: boolean) => ({ b: v });

class GraphBuilder {
  nodes: { name: string; op: string; input?: string[]; attr?: Attr }[] = [];
  weights: WeightSpec[] = [];
  chunks: Buffer[] = [];
  private n = 0;

  input(name: string, shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: T('DT_FLOAT'), shape: { shape: { dim: shape.map((s) => ({ size: String(s) })) } } } });
    return name;
  }

  const(values: number[], shape: number[], dtype: 'float32' | 'int32' = 'float32', half = false): string {
    const name = `c${this.n++}`;
    this.nodes.push({ name, op: 'Const', attr: { dtype: T(dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32'), value: { tensor: {} } } });
    if (half) {
      // float16-quantised, like the human-models weights
      const buf = Buffer.alloc(values.length * 2);
      values.forEach((v, i) => buf.writeUInt16LE(toHalf(v), i * 2));
      this.chunks.push(buf);
      this.weights.push({ name, shape, dtype, quantization: { dtype: 'float16' } });
    } else {
      const buf = Buffer.alloc(values.length * 4);
      values.forEach((v, i) => (dtype === 'float32' ? buf.writeFloatLE(v, i * 4) : buf.writeInt32LE(v, i * 4)));
      this.chunks.push(buf);
      this.weights.push({ name, shape, dtype });
    }
    return name;
  }

  op(op: string, input: string[], a: Attr = {}, name = `n${this.n++}_${op}`): string {
    this.nodes.push({ name, op, input, attr: a });
    return name;
  }

  write(dir: string): string {
    writeFileSync(join(dir, 'w.bin'), Buffer.concat(this.chunks));
    const json = { format: 'graph-model', modelTopology: { node: this.nodes, library: {}, versions: {} }, weightsManifest: [{ paths: ['w.bin'], weights: this.weights }] };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    return join(dir, 'model.json');
  }
}

function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >> 16) & 0x8000;
  const exp = ((u >> 23) & 0xff) - 127 + 15;
  const mant = (u >> 13) & 0x3ff;
  if (exp <= 0) return sign;
  return sign | (exp << 10) | mant;
}

/** A temporary folder for the tests of the enclosing describe, removed after them. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let seed = 7;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const rand = (n: number, scale = 1) => Array.from({ length: n }, () => +(rnd() * scale).toFixed(3));

describe('TF op semantics against tfjs-wasm (hand-built graph)', () => {
  const dir = tempDir('argus-convert-');

  it('matches tfjs on depthwise/fused convs, pools, resizes, slices, floor ops, top-k, gather, pack, split and depth-to-space', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 7, 9, 4]);
    const conv = { strides: L([1, 2, 2, 1]), padding: S('SAME'), data_format: S('NHWC'), dilations: L([1, 1, 1, 1]), T: T('DT_FLOAT') };
    const dw = g.op('DepthwiseConv2dNative', [x, g.const(rand(3 * 3 * 4 * 2), [3, 3, 4, 2], 'float32', true)], conv);
    const fc = g.op('_FusedConv2D', [dw, g.const(rand(3 * 3 * 8 * 6), [3, 3, 8, 6]), g.const(rand(6), [6])], {
      ...conv,
      strides: L([1, 1, 1, 1]),
      fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu6')] } },
      num_args: I(1),
      epsilon: { f: 0 },
    });
    const fcl = g.op('_FusedConv2D', [x, g.const(rand(1 * 1 * 4 * 3), [1, 1, 4, 3]), g.const(rand(3), [3])], {
      ...conv,
      strides: L([1, 1, 1, 1]),
      padding: S('VALID'),
      fused_ops: { list: { s: [b64('BiasAdd'), b64('LeakyRelu')] } },
      num_args: I(1),
      leakyrelu_alpha: { f: 0.1 },
    });
    const mp = g.op('MaxPool', [fc], { ksize: L([1, 3, 3, 1]), strides: L([1, 2, 2, 1]), padding: S('SAME'), data_format: S('NHWC'), T: T('DT_FLOAT') });
    const rsHalf = g.op('ResizeBilinear', [fc, g.const([8, 11], [2], 'int32')], { align_corners: B(false), half_pixel_centers: B(true) });
    const rsAlign = g.op('ResizeBilinear', [fc, g.const([7, 9], [2], 'int32')], { align_corners: B(true), half_pixel_centers: B(false) });
    const rsAsym = g.op('ResizeBilinear', [fc, g.const([8, 10], [2], 'int32')], { align_corners: B(false), half_pixel_centers: B(false) });
    const mean = g.op('Mean', [rsHalf, g.const([1, 2], [2], 'int32')], { keep_dims: B(false) });
    const se = g.op('Mean', [fc, g.const([1, 2], [2], 'int32')], { keep_dims: B(true) });
    const scaled = g.op('Mul', [fc, g.op('Sigmoid', [se])]);
    const tr = g.op('Transpose', [scaled, g.const([0, 3, 1, 2], [4], 'int32')]);
    const trAdd = g.op('AddV2', [tr, g.const(rand(5), [5])]);
    // x[..., 1:-1:2, ::-1] with a new axis at the front and the last axis reversed
    const ss1 = g.op('StridedSlice', [rsAsym, g.const([0, 0, 1, 0], [4], 'int32'), g.const([0, 0, -1, 0], [4], 'int32'), g.const([1, 1, 2, -1], [4], 'int32')], {
      begin_mask: I(0b1001),
      end_mask: I(0b1001),
      ellipsis_mask: I(0b0010),
      new_axis_mask: I(0b0001),
      shrink_axis_mask: I(0),
    });
    // x[0, 2, :, -1] (shrink three axes)
    const ss2 = g.op('StridedSlice', [rsAsym, g.const([0, 2, 0, -1], [4], 'int32'), g.const([1, 3, 0, 0], [4], 'int32'), g.const([1, 1, 1, 1], [4], 'int32')], {
      begin_mask: I(0b0100),
      end_mask: I(0b0100),
      ellipsis_mask: I(0),
      new_axis_mask: I(0),
      shrink_axis_mask: I(0b1011),
    });
    const ints = g.op('Cast', [g.op('Mul', [fc, g.const([-13], [])])], { SrcT: T('DT_FLOAT'), DstT: T('DT_INT32') });
    const fdiv = g.op('FloorDiv', [ints, g.const([3], [], 'int32')]);
    const fmod = g.op('FloorMod', [ints, g.const([3], [], 'int32')]);
    const ffmod = g.op('FloorMod', [g.op('Mul', [fc, g.const([-7.5], [])]), g.const([2], [])]);
    const flat = g.op('Reshape', [mp, g.const([1, -1], [2], 'int32')]);
    const topk = g.op('TopKV2', [flat, g.const([5], [], 'int32')], { sorted: B(true) });
    const gathered = g.op('GatherV2', [g.op('Reshape', [mp, g.const([-1, 6], [2], 'int32')]), g.op('FloorDiv', [`${topk}:1`, g.const([6], [], 'int32')]), g.const([0], [], 'int32')], { batch_dims: I(0) });
    const pack = g.op('Pack', [mean, mean], { axis: I(1), N: I(2) });
    const split = g.op('SplitV', [trAdd, g.const([2, -1], [2], 'int32'), g.const([1], [], 'int32')], { num_split: I(2) });
    const padded = g.op('Pad', [g.op('Relu6', [scaled]), g.const([0, 0, 1, 2, 0, 1, 0, 0], [4, 2], 'int32')]);
    // From a TF-order input and from a convolution output (NCHW while propagating).
    const d2sIn = g.op('DepthToSpace', [x], { block_size: I(2), data_format: S('NHWC'), T: T('DT_FLOAT') });
    const d2sConv = g.op('DepthToSpace', [dw], { block_size: I(2), data_format: S('NHWC'), T: T('DT_FLOAT') });
    const outputs = [dw, fcl, mp, rsHalf, rsAlign, mean, trAdd, ss1, ss2, fdiv, fmod, ffmod, topk, `${topk}:1`, gathered, pack, `${split}:1`, padded, d2sIn, d2sConv];
    const file = g.write(dir);

    const feeds: Feeds = { x: { type: 'float32', dims: [1, 7, 9, 4], data: Float32Array.from(rand(7 * 9 * 4, 2)) } };
    for (const layout of ['propagate', 'nhwc'] as const) {
      const conv2 = convertTfjsModelFile(file, { outputs, layout });
      const tfjs = await loadTfjsWasm(file);
      const onnx = await OnnxRunner.create(conv2.onnx, 1);
      const a = await tfjs.run(feeds, outputs);
      const b = await onnx.run(feeds, outputs);
      tfjs.dispose();
      onnx.dispose();
      for (const o of outputs) {
        assert.equal(b[o]!.type, a[o]!.type, `${o} dtype (${layout})`);
        const e = compareTensors(o, a[o]!, b[o]!);
        assert.ok(e.maxAbs <= 1e-4 * Math.max(1, e.refMax), `${o} (${layout}): max abs error ${e.maxAbs} over range ${e.refMax}`);
      }
    }
  });

  it('names every unsupported op instead of converting part of a graph', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 4, 4, 4]);
    g.op('SpaceToDepth', [g.op('Atan2', [x, x])], { block_size: I(2) });
    const file = g.write(dir);
    assert.throws(() => convertTfjsModelFile(file), (err: unknown) => err instanceof UnsupportedOpsError && err.ops.join() === 'Atan2,SpaceToDepth');
  });
});

// ---------------------------------------------------------------------------------------------
// The default pack

async function packFeeds(id: string, withPhotos: boolean): Promise<Feeds[]> {
  const m = packModel(id);
  const images = [await syntheticImage()];
  if (withPhotos) for (const f of imagesIn(PHOTOS)) images.push(readFileSync(f));
  return Promise.all(images.map(async (b) => m.feeds(await imageRgb(b, m.size))));
}

async function checkPack(id: string, withPhotos: boolean, onSample?: (a: Record<string, TensorData>, b: Record<string, TensorData>) => void): Promise<void> {
  const m = packModel(id);
  const report = await verifyModel(humanModelsFile(m.file), await packFeeds(id, withPhotos), { onSample });
  assert.ok(report.outputs.length > 0);
  for (const o of report.outputs) {
    assert.ok(o.rel <= m.tolerance, `${id} ${o.name}: max abs error ${o.maxAbs} is above ${m.tolerance} x max(1, ${o.refMax})`);
  }
}

describe('default pack: converted models agree with tfjs-wasm', () => {
  it('CenterNet: heatmap, sizes and the [1,100,6] detections on a generated image (layouts propagate and nhwc)', async () => {
    const m = packModel('centernet');
    const feeds = await packFeeds('centernet', false);
    for (const layout of ['propagate', 'nhwc'] as const) {
      const r = await verifyModel(humanModelsFile(m.file), feeds, { layout });
      assert.deepEqual(r.outputs.map((o) => o.name), ['tower_0/wh', 'tower_0/keypoints', 'tower_0/detections']);
      for (const o of r.outputs) assert.ok(o.rel <= m.tolerance, `${layout} ${o.name}: ${o.maxAbs}`);
    }
  });

  it('CenterNet on the real photos: every detection above 0.05 found again (same class, score within 1e-3, box within 1 px)', { skip: !hasEvalData && NO_EVAL_DATA }, async () => {
    let reference = 0;
    await checkPack('centernet', true, (a, b) => {
      const agree = compareDetections(a['tower_0/detections']!, b['tower_0/detections']!, 0.05);
      reference += agree.reference;
      assert.equal(agree.unmatched, 0, `unmatched detections: ${JSON.stringify(agree)}`);
      const da = CENTERNET.decode(a, 0.2).map((d) => d.classIndex).sort();
      const db = CENTERNET.decode(b, 0.2).map((d) => d.classIndex).sort();
      assert.deepEqual(db, da);
    });
    assert.ok(reference > 10, `only ${reference} reference detections on the photos`);
  });

  for (const id of ['nanodet', 'blazeface', 'faceres', 'emotion', 'blazeface-front', 'facemesh-detection-full']) {
    it(`${id}: generated image${hasEvalData ? ' and the real photos' : ''}`, async () => {
      await checkPack(id, hasEvalData);
    });
  }
});

describe('conversion cache (convert on first use)', () => {
  const dir = tempDir('argus-onnx-cache-');

  it('converts and checks once, then serves the cached file keyed by the source sha256', async () => {
    const file = humanModelsFile(packModel('emotion').file);
    const first = await onnxFor(file, dir);
    assert.equal(first.fromCache, false);
    assert.equal(first.check?.ok, true);
    assert.match(first.onnxPath, new RegExp(`${first.sha256.slice(0, 32)}\\.c\\d+\\.propagate\\.onnx$`));
    const again = await onnxFor(file, dir);
    assert.equal(again.fromCache, true);
    assert.equal(again.onnxPath, first.onnxPath);
    const runner = await OnnxRunner.create(again.onnxPath, 1);
    const out = await runner.run(packModel('emotion').feeds(new Uint8Array(64 * 64 * 3).fill(128)), again.outputs.map((o) => o.name));
    runner.dispose();
    assert.equal(Object.values(out)[0]!.data.length, 7);
  });

  it('gives the reason when a model does not convert, and remembers it', async () => {
    const g = new GraphBuilder();
    g.op('SpaceToDepth', [g.input('x', [1, 4, 4, 4])], { block_size: I(2) });
    const sub = mkdtempSync(join(dir, 'bad-'));
    const file = g.write(sub);
    await assert.rejects(onnxFor(file, dir), /conversion to ONNX failed: unsupported TensorFlow ops: SpaceToDepth/);
    await assert.rejects(onnxFor(file, dir), /unsupported TensorFlow ops: SpaceToDepth/);
  });
});
