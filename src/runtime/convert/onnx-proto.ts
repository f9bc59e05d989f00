/**
 * A minimal protobuf writer for ONNX `ModelProto` (write-only, no dependencies).
 *
 * Covers what the converters need: ir_version, opset imports, metadata, one graph with nodes,
 * initializers (raw_data), inputs/outputs/value_info with (possibly dynamic) shapes, and node
 * attributes of type int, float, ints, floats, string and tensor.
 *
 * Field numbers are those of onnx/onnx.proto (proto2):
 *   ModelProto:        ir_version 1, producer_name 2, producer_version 3, domain 4, model_version 5,
 *                      doc_string 6, graph 7, opset_import 8, metadata_props 14
 *   OperatorSetIdProto: domain 1, version 2
 *   StringStringEntry: key 1, value 2
 *   GraphProto:        node 1, name 2, initializer 5, doc_string 10, input 11, output 12, value_info 13
 *   NodeProto:         input 1, output 2, name 3, op_type 4, attribute 5, doc_string 6, domain 7
 *   AttributeProto:    name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, strings 9, type 20
 *                      (AttributeType FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7, STRINGS 8)
 *   TensorProto:       dims 1, data_type 2, name 8, raw_data 9
 *   ValueInfoProto:    name 1, type 2
 *   TypeProto:         tensor_type 1;  TypeProto.Tensor: elem_type 1, shape 2
 *   TensorShapeProto:  dim 1;  Dimension: dim_value 1, dim_param 2
 * Repeated scalars are written unpacked (the proto2 default; parsers accept both forms).
 */

/** TensorProto.DataType values. */
export const ONNX_DTYPE = Object.freeze({
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
} as const);

export type OnnxElemType = keyof typeof ONNX_DTYPE;

export type TensorValues = Float32Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Float64Array;

/** A constant tensor (initializer or tensor attribute). Data is written as little-endian raw_data. */
export interface OnnxTensor {
  name?: string;
  type: OnnxElemType;
  dims: readonly number[];
  data: TensorValues;
}

export type OnnxAttribute =
  | { name: string; type: 'int'; value: number | bigint }
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'ints'; value: readonly (number | bigint)[] }
  | { name: string; type: 'floats'; value: readonly number[] }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'strings'; value: readonly string[] }
  | { name: string; type: 'tensor'; value: OnnxTensor };

/** Attribute constructors: `attr.int('axis', 1)`, `attr.ints('perm', [0, 3, 1, 2])`, ... */
export const attr = Object.freeze({
  int: (name: string, value: number | bigint): OnnxAttribute => ({ name, type: 'int', value }),
  float: (name: string, value: number): OnnxAttribute => ({ name, type: 'float', value }),
  ints: (name: string, value: readonly (number | bigint)[]): OnnxAttribute => ({ name, type: 'ints', value }),
  floats: (name: string, value: readonly number[]): OnnxAttribute => ({ name, type: 'floats', value }),
  string: (name: string, value: string): OnnxAttribute => ({ name, type: 'string', value }),
  strings: (name: string, value: readonly string[]): OnnxAttribute => ({ name, type: 'strings', value }),
  tensor: (name: string, value: OnnxTensor): OnnxAttribute => ({ name, type: 'tensor', value }),
});

export interface OnnxNode {
  opType: string;
  /** Input value names; '' marks an omitted optional input. */
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  attributes?: readonly OnnxAttribute[];
}

/**
 * A graph input/output or value_info entry. `dims`: a number >= 0 is a fixed size, a string is a
 * symbolic dimension (e.g. 'batch'), -1 or null is an unknown dimension; omit `dims` for an
 * unknown shape.
 */
export interface OnnxValueInfo {
  name: string;
  type: OnnxElemType;
  dims?: readonly (number | string | null)[];
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  valueInfo?: readonly OnnxValueInfo[];
  docString?: string;
}

export interface OnnxModel {
  /** Default 8 (ONNX 1.10+; read by every onnxruntime since 1.10). */
  irVersion?: number;
  /** Opset of the default domain; default 13. */
  opset?: number;
  /** Extra opset imports, e.g. { domain: 'com.microsoft', version: 1 }. */
  extraOpsets?: readonly { domain: string; version: number }[];
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
  graph: OnnxGraph;
}

// ---------------------------------------------------------------------------------------------
// Wire format

const enum Wire {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  Fixed32 = 5,
}

const TEXT = new TextEncoder();

/** An append-only byte buffer with the protobuf primitives. */
export class ProtoWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Unsigned or negative (two's complement, 10 bytes) 64-bit varint. */
  varint(v: number | bigint): this {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0x7fffffff) {
      this.reserve(5);
      let x = v;
      while (x > 0x7f) {
        this.buf[this.len++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      this.buf[this.len++] = x;
      return this;
    }
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`varint: ${v} is not a safe integer (pass a bigint)`);
    let x = BigInt.asUintN(64, BigInt(v));
    this.reserve(10);
    while (x > 0x7fn) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
    return this;
  }

  tag(field: number, wire: Wire): this {
    return this.varint((field << 3) | wire);
  }

  bytes(data: Uint8Array): this {
    this.varint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  fixed32Float(v: number): this {
    this.reserve(4);
    this.view.setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  // Field helpers -----------------------------------------------------------------------------

  int(field: number, v: number | bigint): this {
    return this.tag(field, Wire.Varint).varint(v);
  }

  float(field: number, v: number): this {
    return this.tag(field, Wire.Fixed32).fixed32Float(v);
  }

  string(field: number, s: string): this {
    return this.tag(field, Wire.Bytes).bytes(TEXT.encode(s));
  }

  raw(field: number, data: Uint8Array): this {
    return this.tag(field, Wire.Bytes).bytes(data);
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const sub = new ProtoWriter();
    build(sub);
    return this.raw(field, sub.finish());
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const;

const BYTES_PER: Record<OnnxElemType, number> = { float32: 4, uint8: 1, int8: 1, uint16: 2, int16: 2, int32: 4, int64: 8, bool: 1, float16: 2, float64: 8 };

function tensorBytes(t: OnnxTensor): Uint8Array {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) throw new Error(`tensor ${t.name ?? '(unnamed)'}: ${t.data.length} values for dims [${t.dims.join(',')}]`);
  if (t.data.BYTES_PER_ELEMENT !== BYTES_PER[t.type]) {
    throw new Error(`tensor ${t.name ?? '(unnamed)'}: ${t.data.constructor.name} does not hold ${t.type}`);
  }
  // Typed arrays are little-endian on every platform Node runs on (x64, arm64).
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, ONNX_DTYPE[t.type]);
  if (t.name !== undefined) w.string(8, t.name);
  w.raw(9, tensorBytes(t));
}

function writeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  switch (a.type) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, a.value));
      break;
    case 'floats':
      for (const f of a.value) w.float(7, f);
      break;
    case 'ints':
      for (const i of a.value) w.int(8, i);
      break;
    case 'strings':
      for (const s of a.value) w.string(9, s);
      break;
  }
  w.int(20, ATTR_TYPE[a.type]);
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, (m) => writeAttribute(m, a));
  if (n.domain) w.string(7, n.domain);
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, ONNX_DTYPE[v.type]);
      if (v.dims) {
        tensor.message(2, (shape) => {
          for (const d of v.dims!) {
            shape.message(1, (dim) => {
              if (typeof d === 'string') dim.string(2, d);
              else if (typeof d === 'number' && d >= 0) dim.int(1, d);
              // unknown dimension: an empty Dimension message
            });
          }
        });
      }
    }),
  );
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) {
    if (!t.name) throw new Error('an initializer needs a name');
    w.message(5, (m) => writeTensor(m, t));
  }
  if (g.docString) w.string(10, g.docString);
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
  for (const v of g.valueInfo ?? []) w.message(13, (m) => writeValueInfo(m, v));
}

/** Serialises a model to the bytes of an .onnx file. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter(1 << 16);
  w.int(1, model.irVersion ?? 8);
  if (model.producerName) w.string(2, model.producerName);
  if (model.producerVersion) w.string(3, model.producerVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => writeGraph(g, model.graph));
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, model.opset ?? 13);
  });
  for (const x of model.extraOpsets ?? []) {
    w.message(8, (o) => {
      o.string(1, x.domain);
      o.int(2, x.version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.message(14, (e) => {
      e.string(1, key);
      e.string(2, value);
    });
  }
  return w.finish();
}
