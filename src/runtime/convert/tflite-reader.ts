/**
 * A minimal reader for TFLite flatbuffers (read-only, no dependencies): the model's operator
 * codes, buffers and first subgraph, i.e. tensors (shape, type, buffer, quantization incl.
 * per-channel) and operators with the builtin options of the ops the converter handles.
 *
 * Flatbuffer layout: a table starts with an int32 offset back to its vtable (u16 vtable size,
 * u16 table size, then one u16 offset per field, 0 = absent/default); offset-typed fields
 * (tables, vectors, strings) hold a uint32 relative to the field's own position; a vector is a
 * uint32 length followed by its elements (tables in a vector are uint32 offsets again).
 *
 * Field indices follow tensorflow/lite/schema/schema.fbs:
 *   Model:        version 0, operator_codes 1, subgraphs 2, description 3, buffers 4
 *   OperatorCode: deprecated_builtin_code 0 (byte), custom_code 1, version 2, builtin_code 3 (int)
 *   SubGraph:     tensors 0, inputs 1, outputs 2, operators 3, name 4
 *   Tensor:       shape 0, type 1, buffer 2, name 3, quantization 4
 *   QuantizationParameters: min 0, max 1, scale 2, zero_point 3 (long), quantized_dimension 6
 *   Operator:     opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4
 *   Buffer:       data 0 (ubyte vector), offset 1, size 2 (data outside the flatbuffer, > 2 GB files)
 */

/** BuiltinOperator values the reader names (others are reported as BUILTIN_<n>). */
export const TFLITE_BUILTIN_OPS: Readonly<Record<number, string>> = Object.freeze({
  0: 'ADD',
  1: 'AVERAGE_POOL_2D',
  2: 'CONCATENATION',
  3: 'CONV_2D',
  4: 'DEPTHWISE_CONV_2D',
  6: 'DEQUANTIZE',
  9: 'FULLY_CONNECTED',
  14: 'LOGISTIC',
  17: 'MAX_POOL_2D',
  18: 'MUL',
  19: 'RELU',
  21: 'RELU6',
  22: 'RESHAPE',
  23: 'RESIZE_BILINEAR',
  25: 'SOFTMAX',
  28: 'TANH',
  32: 'CUSTOM',
  34: 'PAD',
  39: 'TRANSPOSE',
  40: 'MEAN',
  41: 'SUB',
  43: 'SQUEEZE',
  56: 'ARG_MAX',
  114: 'QUANTIZE',
});

/** TensorType values. */
export const TFLITE_TENSOR_TYPES = Object.freeze(['float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool', 'int16', 'complex64', 'int8', 'float64'] as const);
export type TfliteTensorType = (typeof TFLITE_TENSOR_TYPES)[number] | `type${number}`;

export type FusedActivation = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6' | 'TANH' | 'SIGN_BIT';
const ACTIVATIONS: readonly FusedActivation[] = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];

export interface TfliteQuantization {
  /** One per tensor, or one per channel along `quantizedDimension`. */
  scale: Float32Array;
  zeroPoint: BigInt64Array;
  quantizedDimension: number;
  min?: Float32Array;
  max?: Float32Array;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: TfliteTensorType;
  /** Index into TfliteModel.buffers; buffer 0 is the empty sentinel. */
  buffer: number;
  quantization?: TfliteQuantization;
}

export type Padding = 'SAME' | 'VALID';

export type TfliteOptions =
  | { kind: 'conv'; padding: Padding; strideW: number; strideH: number; dilationW: number; dilationH: number; activation: FusedActivation; depthMultiplier?: number }
  | { kind: 'pool'; padding: Padding; strideW: number; strideH: number; filterW: number; filterH: number; activation: FusedActivation }
  | { kind: 'activation'; activation: FusedActivation }
  | { kind: 'reshape'; newShape?: number[] }
  | { kind: 'softmax'; beta: number }
  | { kind: 'reducer'; keepDims: boolean }
  | { kind: 'fully-connected'; activation: FusedActivation; keepNumDims: boolean }
  | { kind: 'concat'; axis: number; activation: FusedActivation }
  | { kind: 'none' };

export interface TfliteOperator {
  index: number;
  /** Builtin op name, e.g. 'CONV_2D'; custom ops as 'CUSTOM:<code>'. */
  op: string;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  options: TfliteOptions;
}

export interface TfliteModel {
  version: number;
  description: string;
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
  /** Raw bytes of each buffer (views into the file), empty when absent. */
  buffers: Uint8Array[];
}

/** A flatbuffer table cursor. */
class Table {
  private readonly vt: number;
  private readonly vtSize: number;

  constructor(
    private readonly v: DataView,
    readonly pos: number,
  ) {
    this.vt = pos - v.getInt32(pos, true);
    this.vtSize = v.getUint16(this.vt, true);
  }

  /** Absolute position of field `i`, or 0 when absent. */
  private field(i: number): number {
    const o = 4 + 2 * i;
    if (o >= this.vtSize) return 0;
    const rel = this.v.getUint16(this.vt + o, true);
    return rel ? this.pos + rel : 0;
  }

  private deref(i: number): number {
    const f = this.field(i);
    return f ? f + this.v.getUint32(f, true) : 0;
  }

  u8(i: number, d = 0): number {
    const f = this.field(i);
    return f ? this.v.getUint8(f) : d;
  }

  i8(i: number, d = 0): number {
    const f = this.field(i);
    return f ? this.v.getInt8(f) : d;
  }

  i32(i: number, d = 0): number {
    const f = this.field(i);
    return f ? this.v.getInt32(f, true) : d;
  }

  u32(i: number, d = 0): number {
    const f = this.field(i);
    return f ? this.v.getUint32(f, true) : d;
  }

  u64(i: number, d = 0n): bigint {
    const f = this.field(i);
    return f ? this.v.getBigUint64(f, true) : d;
  }

  f32(i: number, d = 0): number {
    const f = this.field(i);
    return f ? this.v.getFloat32(f, true) : d;
  }

  bool(i: number, d = false): boolean {
    const f = this.field(i);
    return f ? this.v.getUint8(f) !== 0 : d;
  }

  has(i: number): boolean {
    return this.field(i) !== 0;
  }

  str(i: number): string {
    const p = this.deref(i);
    if (!p) return '';
    const n = this.v.getUint32(p, true);
    return new TextDecoder().decode(new Uint8Array(this.v.buffer, this.v.byteOffset + p + 4, n));
  }

  table(i: number): Table | undefined {
    const p = this.deref(i);
    return p ? new Table(this.v, p) : undefined;
  }

  /** [position of first element, length] of a vector field. */
  private vec(i: number): [number, number] {
    const p = this.deref(i);
    return p ? [p + 4, this.v.getUint32(p, true)] : [0, 0];
  }

  tables(i: number): Table[] {
    const [p, n] = this.vec(i);
    const out: Table[] = [];
    for (let k = 0; k < n; k++) {
      const e = p + 4 * k;
      out.push(new Table(this.v, e + this.v.getUint32(e, true)));
    }
    return out;
  }

  i32s(i: number): number[] {
    const [p, n] = this.vec(i);
    const out: number[] = [];
    for (let k = 0; k < n; k++) out.push(this.v.getInt32(p + 4 * k, true));
    return out;
  }

  f32s(i: number): Float32Array {
    const [p, n] = this.vec(i);
    const out = new Float32Array(n);
    for (let k = 0; k < n; k++) out[k] = this.v.getFloat32(p + 4 * k, true);
    return out;
  }

  i64s(i: number): BigInt64Array {
    const [p, n] = this.vec(i);
    const out = new BigInt64Array(n);
    for (let k = 0; k < n; k++) out[k] = this.v.getBigInt64(p + 8 * k, true);
    return out;
  }

  bytes(i: number): Uint8Array {
    const [p, n] = this.vec(i);
    return new Uint8Array(this.v.buffer, this.v.byteOffset + p, n);
  }
}

const padding = (t: Table, i: number): Padding => (t.i8(i) === 1 ? 'VALID' : 'SAME');
const activation = (t: Table, i: number): FusedActivation => ACTIVATIONS[t.i8(i)] ?? 'NONE';

function readOptions(op: string, t: Table | undefined): TfliteOptions {
  if (!t) {
    if (op === 'SOFTMAX') return { kind: 'softmax', beta: 1 };
    if (op === 'MEAN') return { kind: 'reducer', keepDims: false };
    return { kind: 'none' };
  }
  switch (op) {
    case 'CONV_2D':
      return { kind: 'conv', padding: padding(t, 0), strideW: t.i32(1, 1), strideH: t.i32(2, 1), activation: activation(t, 3), dilationW: t.i32(4, 1), dilationH: t.i32(5, 1) };
    case 'DEPTHWISE_CONV_2D':
      return {
        kind: 'conv',
        padding: padding(t, 0),
        strideW: t.i32(1, 1),
        strideH: t.i32(2, 1),
        depthMultiplier: t.i32(3, 1),
        activation: activation(t, 4),
        dilationW: t.i32(5, 1),
        dilationH: t.i32(6, 1),
      };
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D':
      return { kind: 'pool', padding: padding(t, 0), strideW: t.i32(1, 1), strideH: t.i32(2, 1), filterW: t.i32(3, 1), filterH: t.i32(4, 1), activation: activation(t, 5) };
    case 'ADD':
    case 'SUB':
    case 'MUL':
      return { kind: 'activation', activation: activation(t, 0) };
    case 'RESHAPE':
      return { kind: 'reshape', newShape: t.has(0) ? t.i32s(0) : undefined };
    case 'SOFTMAX':
      return { kind: 'softmax', beta: t.f32(0, 1) };
    case 'MEAN':
      return { kind: 'reducer', keepDims: t.bool(0) };
    case 'FULLY_CONNECTED':
      return { kind: 'fully-connected', activation: activation(t, 0), keepNumDims: t.bool(2) };
    case 'CONCATENATION':
      return { kind: 'concat', axis: t.i32(0), activation: activation(t, 1) };
    default:
      return { kind: 'none' };
  }
}

/** Parses a .tflite file's bytes (first subgraph only). */
export function readTflite(bytes: Uint8Array): TfliteModel {
  if (bytes.length < 8) throw new Error('not a TFLite model: file too short');
  const ident = new TextDecoder().decode(bytes.subarray(4, 8));
  if (ident !== 'TFL3') throw new Error(`not a TFLite model: file identifier '${ident}', expected 'TFL3'`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const model = new Table(v, v.getUint32(0, true));
  const opNames = model.tables(1).map((c) => {
    const code = Math.max(c.i8(0), c.i32(3));
    if (code === 32) return `CUSTOM:${c.str(1)}`;
    return TFLITE_BUILTIN_OPS[code] ?? `BUILTIN_${code}`;
  });
  const buffers = model.tables(4).map((b) => {
    if (b.has(0)) return b.bytes(0);
    const off = Number(b.u64(1));
    const size = Number(b.u64(2));
    return off > 1 && size > 0 ? bytes.subarray(off, off + size) : new Uint8Array(0);
  });
  const subgraphs = model.tables(2);
  if (!subgraphs.length) throw new Error('TFLite model has no subgraph');
  const sg = subgraphs[0]!;
  const tensors: TfliteTensor[] = sg.tables(0).map((t, index) => {
    const typeCode = t.i8(1);
    const q = t.table(4);
    let quantization: TfliteQuantization | undefined;
    if (q && q.has(2)) {
      quantization = { scale: q.f32s(2), zeroPoint: q.i64s(3), quantizedDimension: q.i32(6) };
      if (q.has(0)) quantization.min = q.f32s(0);
      if (q.has(1)) quantization.max = q.f32s(1);
      if (quantization.zeroPoint.length === 0) quantization.zeroPoint = new BigInt64Array(quantization.scale.length);
    }
    return {
      index,
      name: t.str(3),
      shape: t.i32s(0),
      type: TFLITE_TENSOR_TYPES[typeCode] ?? (`type${typeCode}` as TfliteTensorType),
      buffer: t.u32(2),
      quantization,
    };
  });
  const operators: TfliteOperator[] = sg.tables(3).map((o, index) => {
    const op = opNames[o.u32(0)] ?? `OPCODE_${o.u32(0)}`;
    return { index, op, inputs: o.i32s(1), outputs: o.i32s(2), options: readOptions(op, o.table(4)) };
  });
  return { version: model.u32(0), description: model.str(3), tensors, operators, inputs: sg.i32s(1), outputs: sg.i32s(2), buffers };
}

/** How many times each op occurs, e.g. { CONV_2D: 35, ... }. */
export function countTfliteOps(m: TfliteModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of m.operators) out[o.op] = (out[o.op] ?? 0) + 1;
  return out;
}
