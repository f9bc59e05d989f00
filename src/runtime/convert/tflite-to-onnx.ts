/**
 * TFLite (quantized or float) → ONNX, for the ImageNet backbones of ../shared/models.
 *
 * - By default weights and biases are dequantized to float32: uint8/int8/int16/int32 per tensor or
 *   per channel (`quantized_dimension`), float16 widened. Activations are computed in float:
 *   QUANTIZE and DEQUANTIZE of activations become identities, so a quantized model's arithmetic
 *   is that of the float graph it was trained as (outputs differ from the TFLite interpreter by
 *   the activations' rounding, not more).
 * - With `int8` (models whose convolution weights are int8), the graph computes as the TFLite
 *   interpreter does: QDQ pairs at every quantized tensor, integer weights and biases, fused by
 *   onnxruntime into QLinearConv / QLinearAdd.
 * - The ONNX input is float32 NHWC with the TFLite input's shape; its value is what the input's
 *   quantization gives, (q − zero_point) × scale: for a uint8 input with scale 1/128 and zero
 *   point 128, pixel/128 − 1. `inputs[].quantization` of the result states it. With `pixelInput`
 *   the input is uint8 pixels instead, and the graph computes that value. The graph works in
 *   NCHW internally (one Transpose after the input); 4-D outputs are transposed back, so every
 *   output has its TFLite shape.
 * - Outputs are selected by TFLite tensor name: the full name, or one of its ';'-separated parts
 *   (TFLite joins the names of fused ops with ';'). Only the ops needed for them are converted.
 *   The ONNX output is named as requested.
 * - Fused activations: RELU6 → Clip(0, 6), RELU → Relu, RELU_N1_TO_1 → Clip(−1, 1), TANH → Tanh;
 *   by default intersected with the output's quantized range (see `clampToQuantizedRange`).
 */
import { parseGramOutput, secondOrderProjection } from '../second-order.js';
import { encodeModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-proto.js';
import { halfToFloat } from './tfjs-weights.js';
import { countTfliteOps, readTflite, type FusedActivation, type Padding, type TfliteModel, type TfliteOperator, type TfliteTensor } from './tflite-reader.js';

/** Bump when the output of this converter changes (part of the cache key). 3: int8 models run as int8 (onnxForTflite). */
export const TFLITE_CONVERTER_VERSION = 3;

export const SUPPORTED_TFLITE_OPS: readonly string[] = Object.freeze([
  'ADD',
  'SUB',
  'MUL',
  'AVERAGE_POOL_2D',
  'MAX_POOL_2D',
  'CONV_2D',
  'DEPTHWISE_CONV_2D',
  'FULLY_CONNECTED',
  'MEAN',
  'RESHAPE',
  'SQUEEZE',
  'SOFTMAX',
  'LOGISTIC',
  'RELU',
  'RELU6',
  'TANH',
  'QUANTIZE',
  'DEQUANTIZE',
]);

export interface TfliteTensorSpec {
  /** ONNX name (for outputs: the name asked for). */
  name: string;
  /** The TFLite tensor's full name. */
  tensor: string;
  /** 'uint8' for an input converted with `pixelInput`. */
  dtype: 'float32' | 'uint8';
  dims: number[];
  /** The TFLite tensor's quantization (per tensor), i.e. float = (q − zeroPoint) × scale. */
  quantization?: { scale: number; zeroPoint: number };
}

export interface TfliteConvertOptions {
  /**
   * TFLite tensor names (full or one ';'-separated part), or `<tensor>@gram<d>` for the tensor's
   * second-order pooling sum (second-order.ts); default: the model's outputs.
   */
  outputs?: readonly string[];
  metadata?: Readonly<Record<string, string>>;
  /**
   * Clip each CONV/DEPTHWISE/POOL/ADD/SUB/MUL/FULLY_CONNECTED output to the float range of its
   * quantized tensor (default true): a quantized model saturates there, and a quantization-aware
   * trained one learnt with that saturation (FakeQuant). Merged with the fused activation's Clip.
   */
  clampToQuantizedRange?: boolean;
  /**
   * The graph's image input takes uint8 pixels and computes the float input, (pixel − zeroPoint) ×
   * scale, itself: callers send a quarter of the bytes and do no per-pixel work.
   */
  pixelInput?: { scale: number; zeroPoint: number };
  /**
   * Runs a quantized model's convolutions and additions in 8 bits, as the TFLite model itself does:
   * each quantized tensor is written QuantizeLinear → DequantizeLinear with its own scale and zero
   * point (int8 shifted to uint8), weights and biases stay integers behind a DequantizeLinear, and
   * onnxruntime fuses them into QLinearConv / QLinearAdd (MobileNetV2 TF2: 2.9 against 5.3 ms, outputs
   * within cosine 0.995 of the float graph's). Only for models whose convolution weights are int8;
   * otherwise, and by default, every tensor is float.
   */
  int8?: boolean;
}

export interface TfliteConvertResult {
  onnx: Uint8Array;
  inputs: TfliteTensorSpec[];
  outputs: TfliteTensorSpec[];
  /** TFLite ops converted (after pruning to the requested outputs). */
  tfliteOps: Record<string, number>;
  onnxOps: Record<string, number>;
}

export class UnsupportedTfliteOpsError extends Error {
  constructor(readonly ops: string[]) {
    super(`unsupported TFLite ops: ${ops.join(', ')} (supported: ${SUPPORTED_TFLITE_OPS.join(', ')})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Dequantization

function rawView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A constant tensor's values as float32: quantized integers become (q − zero_point) × scale,
 * with one scale/zero point per tensor or per index along `quantization.quantizedDimension`.
 * Unquantized integer tensors keep their values.
 */
export function dequantize(t: Pick<TfliteTensor, 'shape' | 'type' | 'quantization' | 'name'>, bytes: Uint8Array): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const v = rawView(bytes);
  const size: Record<string, number> = { float32: 4, float16: 2, int32: 4, uint8: 1, int8: 1, int16: 2, int64: 8 };
  const w = size[t.type];
  if (!w) throw new Error(`tensor '${t.name}': cannot read constant of type ${t.type}`);
  if (bytes.length < n * w) throw new Error(`tensor '${t.name}': buffer has ${bytes.length} bytes, shape [${t.shape}] of ${t.type} needs ${n * w}`);
  const read: (i: number) => number = {
    float32: (i: number) => v.getFloat32(4 * i, true),
    float16: (i: number) => halfToFloat(v.getUint16(2 * i, true)),
    int32: (i: number) => v.getInt32(4 * i, true),
    uint8: (i: number) => v.getUint8(i),
    int8: (i: number) => v.getInt8(i),
    int16: (i: number) => v.getInt16(2 * i, true),
    int64: (i: number) => Number(v.getBigInt64(8 * i, true)),
  }[t.type as 'float32']!;
  const out = new Float32Array(n);
  const q = t.quantization;
  if (!q || t.type === 'float32' || t.type === 'float16' || q.scale.length === 0) {
    for (let i = 0; i < n; i++) out[i] = read(i);
    return out;
  }
  if (q.scale.length === 1) {
    const s = q.scale[0]!;
    const z = Number(q.zeroPoint[0] ?? 0n);
    for (let i = 0; i < n; i++) out[i] = (read(i) - z) * s;
    return out;
  }
  const axis = q.quantizedDimension;
  const dim = t.shape[axis];
  if (dim !== q.scale.length) throw new Error(`tensor '${t.name}': ${q.scale.length} scales for dimension ${axis} of size ${dim}`);
  const inner = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / inner) % dim;
    out[i] = (read(i) - Number(q.zeroPoint[c] ?? q.zeroPoint[0] ?? 0n)) * q.scale[c]!;
  }
  return out;
}

/** Float32 data of shape `dims` permuted by `perm`. */
function transposeData(data: Float32Array, dims: readonly number[], perm: readonly number[]): Float32Array {
  const r = dims.length;
  const outDims = perm.map((p) => dims[p]!);
  const inStrides = new Array<number>(r).fill(1);
  for (let i = r - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * dims[i + 1]!;
  const srcStride = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let s = 0;
    for (let k = 0; k < r; k++) s += idx[k]! * srcStride[k]!;
    out[o] = data[s]!;
    for (let k = r - 1; k >= 0; k--) {
      if (++idx[k]! < outDims[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conversion

type Layout = 'nchw' | 'native';
interface Val {
  name: string;
  layout: Layout;
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/** Explicit pads [begin, end] of one spatial axis, as TF computes SAME padding. */
function samePads(size: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const eff = (k - 1) * dilation + 1;
  const total = Math.max((out - 1) * stride + eff - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function pads(padding: Padding, h: number, w: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number): number[] {
  if (padding === 'VALID') return [0, 0, 0, 0];
  const [t, b] = samePads(h, kh, sh, dh);
  const [l, r] = samePads(w, kw, sw, dw);
  return [t, l, b, r];
}

/** The tensor a selector names: an exact full name, else a tensor with a ';'-part equal to it. */
export function findTensor(m: TfliteModel, selector: string): TfliteTensor {
  const exact = m.tensors.filter((t) => t.name === selector);
  if (exact.length === 1) return exact[0]!;
  const produced = new Set(m.operators.flatMap((o) => o.outputs));
  const parts = m.tensors.filter((t) => t.name.split(';').includes(selector));
  const candidates = parts.length > 1 ? parts.filter((t) => produced.has(t.index)) : parts;
  if (candidates.length === 1) return candidates[0]!;
  if (!candidates.length) throw new Error(`no tensor named '${selector}' in the TFLite model`);
  throw new Error(`'${selector}' names ${candidates.length} tensors of the TFLite model: ${candidates.map((t) => t.index).join(', ')}`);
}

class Converter {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxTensor[] = [];
  private readonly vals = new Map<number, Val>();
  /** Cached layout conversions: `${name}>${layout}`. */
  private readonly converted = new Map<string, string>();
  private n = 0;

  constructor(
    private readonly m: TfliteModel,
    private readonly clamp: boolean,
    private readonly qdq = false,
  ) {}

  /** A constant tensor's stored integers (no scaling). */
  private rawData(i: number): Float32Array {
    const t = this.m.tensors[i]!;
    return dequantize({ ...t, quantization: undefined }, this.m.buffers[t.buffer]!);
  }

  /** Per-tensor 8-bit quantization of a tensor as uint8 (int8 values shifted by 128), or undefined. */
  private uint8Quant(i: number): { scale: number; zeroPoint: number } | undefined {
    const t = this.m.tensors[i]!;
    const q = t.quantization;
    if (!this.qdq || !q || q.scale.length !== 1 || (t.type !== 'int8' && t.type !== 'uint8')) return undefined;
    return { scale: q.scale[0]!, zeroPoint: Number(q.zeroPoint[0] ?? 0n) + (t.type === 'int8' ? 128 : 0) };
  }

  /** Sets an op's output; with int8, a quantized output passes QuantizeLinear → DequantizeLinear at its own scale. */
  produce(out: number, v: Val): void {
    const q = this.uint8Quant(out);
    if (!q) return this.set(out, v);
    const scale = this.scalar(q.scale);
    const zero = this.typed('zero_point', 'uint8', [], Uint8Array.of(q.zeroPoint));
    const quantized = this.node('QuantizeLinear', [v.name, scale, zero]);
    this.set(out, { name: this.node('DequantizeLinear', [quantized, scale, zero]), layout: v.layout });
  }

  typed(hint: string, type: 'uint8' | 'int8' | 'int32', dims: readonly number[], data: Uint8Array | Int8Array | Int32Array): string {
    const name = this.fresh(hint);
    this.inits.push({ name, type, dims, data });
    return name;
  }

  /**
   * With int8: a constant integer tensor (weights, biases) as DequantizeLinear of its integers, with
   * `perm` applied to its layout and per-channel scales along the permuted quantized axis.
   * Undefined when not int8 or the tensor is not stored quantized.
   */
  quantizedConst(i: number, perm?: readonly number[]): string | undefined {
    const t = this.m.tensors[i]!;
    const q = t.quantization;
    const type = ({ int8: 'int8', uint8: 'uint8', int32: 'int32' } as const)[t.type as 'int8'];
    if (!this.qdq || !q || q.scale.length === 0 || !type) return undefined;
    const dims = perm ? perm.map((p) => t.shape[p]!) : t.shape;
    const raw = perm ? transposeData(this.rawData(i), t.shape, perm) : this.rawData(i);
    const data = type === 'int8' ? Int8Array.from(raw) : type === 'uint8' ? Uint8Array.from(raw) : Int32Array.from(raw);
    const perChannel = q.scale.length > 1;
    const zeros = Array.from(q.scale, (_, k) => Number(q.zeroPoint[perChannel ? k : 0] ?? 0n));
    const zeroData = type === 'int8' ? Int8Array.from(zeros) : type === 'uint8' ? Uint8Array.from(zeros) : Int32Array.from(zeros);
    const axis = perm ? perm.indexOf(q.quantizedDimension) : q.quantizedDimension;
    const shape = perChannel ? [q.scale.length] : [];
    const ints = this.typed(`q${i}`, type, dims, data);
    return this.node('DequantizeLinear', [ints, this.init(`s${i}`, shape, Float32Array.from(q.scale)), this.typed(`z${i}`, type, shape, zeroData)],
      perChannel ? [{ name: 'axis', type: 'int', value: axis }] : []);
  }

  fresh(hint: string): string {
    return `${hint}_${this.n++}`;
  }

  isConst(i: number): boolean {
    const t = this.m.tensors[i]!;
    return (this.m.buffers[t.buffer]?.length ?? 0) > 0;
  }

  constData(i: number): Float32Array {
    const t = this.m.tensors[i]!;
    return dequantize(t, this.m.buffers[t.buffer]!);
  }

  init(hint: string, dims: readonly number[], data: Float32Array | BigInt64Array): string {
    const name = this.fresh(hint);
    this.inits.push({ name, type: data instanceof Float32Array ? 'float32' : 'int64', dims, data });
    return name;
  }

  node(opType: string, inputs: string[], attributes: OnnxNode['attributes'] = [], out?: string): string {
    const o = out ?? this.fresh(opType.toLowerCase());
    this.nodes.push({ opType, inputs, outputs: [o], name: `${o}__${opType}`, attributes });
    return o;
  }

  set(i: number, v: Val): void {
    this.vals.set(i, v);
  }

  shape(i: number): number[] {
    return this.m.tensors[i]!.shape;
  }

  /** The value of tensor `i` in `layout` (4-D tensors only differ between the two). */
  get(i: number, layout: Layout): string {
    let v = this.vals.get(i);
    if (!v) {
      if (!this.isConst(i)) throw new Error(`tensor ${i} ('${this.m.tensors[i]!.name}') is read before it is produced`);
      v = { name: this.init(`const${i}`, this.shape(i), this.constData(i)), layout: 'native' };
      this.vals.set(i, v);
    }
    if (v.layout === layout || this.shape(i).length !== 4) return v.name;
    const key = `${v.name}>${layout}`;
    let name = this.converted.get(key);
    if (!name) {
      name = this.node('Transpose', [v.name], [{ name: 'perm', type: 'ints', value: layout === 'nchw' ? NHWC_TO_NCHW : NCHW_TO_NHWC }]);
      this.converted.set(key, name);
    }
    return name;
  }

  /** The float range a quantized (per-tensor, integer) tensor can hold, or undefined. */
  quantRange(i: number): [number, number] | undefined {
    const t = this.m.tensors[i]!;
    const q = t.quantization;
    const bounds: Record<string, [number, number]> = { uint8: [0, 255], int8: [-128, 127], int16: [-32768, 32767] };
    const b = bounds[t.type];
    if (!this.clamp || !q || q.scale.length !== 1 || !b) return undefined;
    const z = Number(q.zeroPoint[0] ?? 0n);
    return [(b[0] - z) * q.scale[0]!, (b[1] - z) * q.scale[0]!];
  }

  /**
   * Applies a fused activation and, with `clamp`, the saturation of the output tensor's quantized
   * range (what the quantized kernels and the fake-quant training graph do), merged into one Clip.
   */
  activation(x: string, a: FusedActivation, out?: number): string {
    const range = out === undefined ? undefined : this.quantRange(out);
    const clip = (lo: number, hi: number) => {
      const [l, h] = range ? [Math.max(lo, range[0]), Math.min(hi, range[1])] : [lo, hi];
      // With int8 the output's QuantizeLinear saturates at its range: a Clip no tighter is left out (so onnxruntime can fuse).
      if (range && out !== undefined && this.uint8Quant(out) && l <= range[0] && h >= range[1]) return x;
      return this.node('Clip', [x, this.scalar(l), this.scalar(h)]);
    };
    switch (a) {
      case 'NONE':
        return range ? clip(-Infinity, Infinity) : x;
      case 'RELU':
        return range ? clip(0, Infinity) : this.node('Relu', [x]);
      case 'RELU6':
        return clip(0, 6);
      case 'RELU_N1_TO_1':
        return clip(-1, 1);
      case 'TANH': {
        const t = this.node('Tanh', [x]);
        return range ? this.activation(t, 'NONE', out) : t;
      }
      default:
        throw new Error(`fused activation ${a} is not supported`);
    }
  }

  private scalars = new Map<number, string>();
  scalar(x: number): string {
    let s = this.scalars.get(x);
    if (!s) {
      s = this.init('scalar', [], Float32Array.of(x));
      this.scalars.set(x, s);
    }
    return s;
  }

  convert(op: TfliteOperator): void {
    const [x, w, b] = op.inputs;
    const out = op.outputs[0]!;
    const o = op.options;
    switch (op.op) {
      case 'QUANTIZE':
      case 'DEQUANTIZE': {
        // Activations are float (with int8, a QDQ pair at QUANTIZE); a constant input is dequantized by get().
        const v = this.isConst(x!) ? { name: this.get(x!, 'native'), layout: 'native' as Layout } : this.vals.get(x!);
        if (!v) throw new Error(`tensor ${x} is read before it is produced`);
        if (op.op === 'QUANTIZE') this.produce(out, v);
        else this.set(out, v);
        return;
      }
      case 'CONV_2D':
      case 'DEPTHWISE_CONV_2D': {
        if (o.kind !== 'conv') throw new Error('missing conv options');
        if (!this.isConst(w!)) throw new Error('weights that are not constant are not supported');
        const [, h, wd, cin] = this.shape(x!) as [number, number, number, number];
        const ws = this.shape(w!) as [number, number, number, number];
        const depthwise = op.op === 'DEPTHWISE_CONV_2D';
        // TFLite: conv [O, kh, kw, I], depthwise [1, kh, kw, O]; ONNX: [O, I/group, kh, kw].
        const perm = depthwise ? [3, 0, 1, 2] : [0, 3, 1, 2];
        const wName = this.quantizedConst(w!, perm) ?? this.init(`w${w}`, perm.map((p) => ws[p]!), transposeData(this.constData(w!), ws, perm));
        const inputs = [this.get(x!, 'nchw'), wName];
        if (b !== undefined && b >= 0) inputs.push(this.quantizedConst(b) ?? this.init(`b${b}`, [ws[depthwise ? 3 : 0]!], this.constData(b)));
        const [kh, kw] = [ws[1]!, ws[2]!];
        const conv = this.node('Conv', inputs, [
          { name: 'kernel_shape', type: 'ints', value: [kh, kw] },
          { name: 'strides', type: 'ints', value: [o.strideH, o.strideW] },
          { name: 'dilations', type: 'ints', value: [o.dilationH, o.dilationW] },
          { name: 'pads', type: 'ints', value: pads(o.padding, h, wd, kh, kw, o.strideH, o.strideW, o.dilationH, o.dilationW) },
          { name: 'group', type: 'int', value: depthwise ? cin : 1 },
        ]);
        this.produce(out, { name: this.activation(conv, o.activation, out), layout: 'nchw' });
        return;
      }
      case 'AVERAGE_POOL_2D':
      case 'MAX_POOL_2D': {
        if (o.kind !== 'pool') throw new Error('missing pool options');
        const [, h, wd] = this.shape(x!) as [number, number, number, number];
        const pool = this.node(op.op === 'MAX_POOL_2D' ? 'MaxPool' : 'AveragePool', [this.get(x!, 'nchw')], [
          { name: 'kernel_shape', type: 'ints', value: [o.filterH, o.filterW] },
          { name: 'strides', type: 'ints', value: [o.strideH, o.strideW] },
          { name: 'pads', type: 'ints', value: pads(o.padding, h, wd, o.filterH, o.filterW, o.strideH, o.strideW, 1, 1) },
        ]);
        this.produce(out, { name: this.activation(pool, o.activation, out), layout: 'nchw' });
        return;
      }
      case 'ADD':
      case 'SUB':
      case 'MUL': {
        const act = o.kind === 'activation' ? o.activation : 'NONE';
        const ra = this.shape(x!).length;
        const rb = this.shape(w!).length;
        // Both 4-D: work in NCHW; otherwise in the TFLite layout (broadcasting as TFLite does).
        const layout: Layout = ra === 4 && rb === 4 ? 'nchw' : 'native';
        const opType = { ADD: 'Add', SUB: 'Sub', MUL: 'Mul' }[op.op]!;
        const r = this.node(opType, [this.get(x!, layout), this.get(w!, layout)]);
        this.produce(out, { name: this.activation(r, act, out), layout: this.shape(out).length === 4 ? layout : 'native' });
        return;
      }
      case 'RELU':
      case 'RELU6':
      case 'TANH':
      case 'LOGISTIC': {
        const v = this.vals.get(x!);
        const layout = v?.layout ?? 'native';
        const src = this.get(x!, layout);
        const r = op.op === 'LOGISTIC' ? this.node('Sigmoid', [src]) : this.activation(src, op.op as FusedActivation);
        this.set(out, { name: r, layout });
        return;
      }
      case 'MEAN': {
        if (!this.isConst(w!)) throw new Error('MEAN axes must be constant');
        const axes = Array.from(this.constData(w!), (a) => (a < 0 ? a + this.shape(x!).length : a));
        const keep = o.kind === 'reducer' && o.keepDims;
        const inNchw = this.shape(x!).length === 4 && keep;
        const onnxAxes = inNchw ? axes.map((a) => NHWC_TO_NCHW.indexOf(a)) : axes;
        const r = this.node('ReduceMean', [this.get(x!, inNchw ? 'nchw' : 'native')], [
          { name: 'axes', type: 'ints', value: onnxAxes },
          { name: 'keepdims', type: 'int', value: keep ? 1 : 0 },
        ]);
        this.produce(out, { name: r, layout: inNchw ? 'nchw' : 'native' });
        return;
      }
      case 'RESHAPE':
      case 'SQUEEZE': {
        const shape = this.shape(out);
        const r = this.node('Reshape', [this.get(x!, 'native'), this.init('shape', [shape.length], BigInt64Array.from(shape, (d) => BigInt(d)))]);
        this.set(out, { name: r, layout: 'native' });
        return;
      }
      case 'SOFTMAX': {
        let src = this.get(x!, 'native');
        const beta = o.kind === 'softmax' ? o.beta : 1;
        if (beta !== 1) src = this.node('Mul', [src, this.scalar(beta)]);
        this.set(out, { name: this.node('Softmax', [src], [{ name: 'axis', type: 'int', value: -1 }]), layout: 'native' });
        return;
      }
      case 'FULLY_CONNECTED': {
        if (!this.isConst(w!)) throw new Error('weights that are not constant are not supported');
        const ws = this.shape(w!) as [number, number];
        let src = this.get(x!, 'native');
        if (this.shape(x!).length !== 2) src = this.node('Reshape', [src, this.init('shape', [2], BigInt64Array.of(-1n, BigInt(ws[1])))]);
        const inputs = [src, this.init(`w${w}`, ws, this.constData(w!))];
        if (b !== undefined && b >= 0) inputs.push(this.init(`b${b}`, [ws[0]], this.constData(b)));
        let r = this.node('Gemm', inputs, [{ name: 'transB', type: 'int', value: 1 }]);
        r = this.activation(r, o.kind === 'fully-connected' ? o.activation : 'NONE', out);
        const shape = this.shape(out);
        if (shape.length !== 2) r = this.node('Reshape', [r, this.init('shape', [shape.length], BigInt64Array.from(shape, (d) => BigInt(d)))]);
        this.set(out, { name: r, layout: 'native' });
        return;
      }
      default:
        throw new UnsupportedTfliteOpsError([op.op]);
    }
  }
}

/** Converts a parsed TFLite model. */
export function convertTflite(m: TfliteModel, options: TfliteConvertOptions = {}): TfliteConvertResult {
  const selectors = options.outputs?.length ? [...options.outputs] : m.outputs.map((i) => m.tensors[i]!.name);
  const grams = selectors.map(parseGramOutput);
  const outTensors = selectors.map((s, k) => findTensor(m, grams[k]?.tensor ?? s));
  if (new Set(selectors).size !== selectors.length) throw new Error('an output is named twice');

  // Prune: operators (topologically ordered in TFLite) that the outputs depend on.
  const producer = new Map<number, TfliteOperator>();
  for (const op of m.operators) for (const o of op.outputs) producer.set(o, op);
  const needed = new Set<number>();
  const stack = outTensors.map((t) => t.index);
  const seen = new Set<number>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const op = producer.get(t);
    if (!op || needed.has(op.index)) continue;
    needed.add(op.index);
    for (const i of op.inputs) if (i >= 0) stack.push(i);
  }
  const ops = m.operators.filter((o) => needed.has(o.index));
  const unsupported = [...new Set(ops.map((o) => o.op).filter((op) => !SUPPORTED_TFLITE_OPS.includes(op)))];
  if (unsupported.length) throw new UnsupportedTfliteOpsError(unsupported);

  // int8 needs int8 weights (per-channel, the TF2 post-training scheme): onnxruntime's kernels for
  // uint8 weights (the TF1 files) ran MobileNetV2 slower than float here (6.8 against 5.3 ms).
  const int8 = (options.int8 ?? false) && ops.filter((o) => o.op === 'CONV_2D' || o.op === 'DEPTHWISE_CONV_2D').every((o) => m.tensors[o.inputs[1]!]!.type === 'int8');
  const cv = new Converter(m, options.clampToQuantizedRange ?? true, int8);
  const inputs: TfliteTensorSpec[] = [];
  const inputInfos: OnnxValueInfo[] = [];
  for (const i of m.inputs) {
    if (!seen.has(i)) continue;
    const t = m.tensors[i]!;
    const q = t.quantization;
    const px = options.pixelInput;
    const dtype = px ? 'uint8' : 'float32';
    inputs.push({
      name: t.name,
      tensor: t.name,
      dtype,
      dims: t.shape,
      quantization: q && q.scale.length === 1 ? { scale: q.scale[0]!, zeroPoint: Number(q.zeroPoint[0] ?? 0n) } : undefined,
    });
    inputInfos.push({ name: t.name, type: dtype, dims: t.shape });
    if (!px) {
      cv.set(i, { name: t.name, layout: 'native' });
      continue;
    }
    const pixels = cv.node('Cast', [t.name], [{ name: 'to', type: 'int', value: 1 }]);
    const centred = cv.node('Sub', [pixels, cv.init('zero_point', [], Float32Array.of(px.zeroPoint))]);
    cv.set(i, { name: cv.node('Mul', [centred, cv.init('scale', [], Float32Array.of(px.scale))]), layout: 'native' });
  }
  for (const op of ops) {
    try {
      cv.convert(op);
    } catch (err) {
      if (err instanceof UnsupportedTfliteOpsError) throw err;
      throw new Error(`converting operator ${op.index} (${op.op}): ${(err as Error).message}`);
    }
  }
  const outputs: TfliteTensorSpec[] = [];
  const outputInfos: OnnxValueInfo[] = [];
  outTensors.forEach((t, k) => {
    const name = selectors[k]!;
    const gram = grams[k];
    if (gram) {
      // Second-order pooling (second-order.ts): positions x channels, projected, then Yᵀ Y.
      const [c, d] = [t.shape.at(-1)!, gram.dims];
      const proj = secondOrderProjection(c, d);
      const projT = Float32Array.from({ length: c * d }, (_, i) => proj[(i % d) * c + Math.floor(i / d)]!);
      const flat = cv.node('Reshape', [cv.get(t.index, 'native'), cv.init('gram_shape', [2], BigInt64Array.of(-1n, BigInt(c)))]);
      const y = cv.node('MatMul', [flat, cv.init('gram_projection', [c, d], projT)]);
      cv.node('MatMul', [cv.node('Transpose', [y], [{ name: 'perm', type: 'ints', value: [1, 0] }]), y], [], name);
      outputs.push({ name, tensor: t.name, dtype: 'float32', dims: [d, d] });
      outputInfos.push({ name, type: 'float32', dims: [d, d] });
      return;
    }
    cv.node('Identity', [cv.get(t.index, 'native')], [], name);
    const q = t.quantization;
    outputs.push({ name, tensor: t.name, dtype: 'float32', dims: t.shape, quantization: q && q.scale.length === 1 ? { scale: q.scale[0]!, zeroPoint: Number(q.zeroPoint[0] ?? 0n) } : undefined });
    outputInfos.push({ name, type: 'float32', dims: t.shape });
  });

  const onnxOps: Record<string, number> = {};
  for (const n of cv.nodes) onnxOps[n.opType] = (onnxOps[n.opType] ?? 0) + 1;
  const onnx = encodeModel({
    irVersion: 8,
    opset: 13,
    producerName: 'argus-tflite-to-onnx',
    producerVersion: String(TFLITE_CONVERTER_VERSION),
    metadata: { layout: 'input NHWC float, internal NCHW', ...options.metadata },
    graph: { name: 'tflite', nodes: cv.nodes, initializers: cv.inits, inputs: inputInfos, outputs: outputInfos },
  });
  return { onnx, inputs, outputs, tfliteOps: countTfliteOps({ ...m, operators: ops }), onnxOps };
}

/** Reads and converts a .tflite file's bytes. */
export function convertTfliteBytes(bytes: Uint8Array, options: TfliteConvertOptions = {}): TfliteConvertResult {
  return convertTflite(readTflite(bytes), options);
}
