/**
 * TensorFlow.js graph model (model.json + weight shards) -> ONNX (opset 13), in-process, no
 * dependencies beyond the protobuf writer next to this file.
 *
 * What it does:
 *  - prunes the graph to what the requested outputs need and topologically sorts it;
 *  - folds constant sub-graphs (shape arithmetic, SparseToDense, ...) in TypeScript;
 *  - maps each TF op onto ONNX ops, fusing `_FusedConv2D` / `FusedDepthwiseConv2dNative` /
 *    `_FusedMatMul` back into Conv/Gemm + bias + activation;
 *  - handles layout. TensorFlow is NHWC, ONNX Conv/Pool/Resize are NCHW. Every converted value
 *    carries a permutation `perm` (ONNX tensor = transpose(TF tensor, perm)). In 'propagate' mode
 *    (the default) convolution outputs stay NCHW and element-wise ops, reductions, concat and
 *    pads follow them, so transposes appear only where a layout-sensitive op (Reshape, TopK,
 *    Gather, a graph output...) needs TF order. In 'nhwc' mode every value is returned to TF
 *    order right after the op that changed it (Transpose around each Conv) and onnxruntime's
 *    transpose optimiser is left to cancel them; kept for comparison (bench/onnx-vs-tfjs.ts).
 *
 * Graph inputs and outputs keep TF names, shapes and layout, so feeds and decoders written for
 * tfjs work unchanged on the ONNX model.
 */
import { attr, encodeModel, type OnnxAttribute, type OnnxElemType, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-proto.js';
import { readTfjsGraphModel, type ConstTensor, type TfAttrValue, type TfDtype, type TfjsGraphModel, type TfNode } from './tfjs-weights.js';

export { decodeWeights, halfToFloat, readTfjsGraphModel, tfjsModelSha256, type ConstTensor, type TfjsGraphModel } from './tfjs-weights.js';

export type LayoutMode = 'propagate' | 'nhwc';

export interface ConvertOptions {
  /** TF outputs ('node' or 'node:1'); default: the signature's outputs, else the graph's sinks. */
  outputs?: readonly string[];
  /** Default 'propagate'. */
  layout?: LayoutMode;
  /** Override placeholder shapes (TF layout), e.g. { input_1: [1, 224, 224, 3] } to fix the batch. */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
  /** Free text stored in the model's metadata (e.g. the source file and its sha256). */
  metadata?: Readonly<Record<string, string>>;
}

export interface TensorSpec {
  name: string;
  dtype: TfDtype;
  /** TF layout; -1 for a dynamic dimension; null when the rank is unknown. */
  dims: number[] | null;
}

export interface ConvertResult {
  onnx: Uint8Array;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** TF ops of the converted (pruned) graph, Const and Placeholder included. */
  tfOps: Record<string, number>;
  /** ONNX ops emitted. */
  onnxOps: Record<string, number>;
  /** TF nodes folded into constants at conversion time. */
  folded: number;
}

export class UnsupportedOpsError extends Error {
  constructor(readonly ops: string[]) {
    super(`unsupported TensorFlow ops: ${ops.join(', ')}`);
    this.name = 'UnsupportedOpsError';
  }
}

/** TF ops this converter maps (Const/Placeholder/Identity-likes included). */
export const SUPPORTED_TF_OPS: readonly string[] = Object.freeze([
  'Const', 'Placeholder', 'PlaceholderWithDefault', 'Identity', 'IdentityN', 'StopGradient', 'Snapshot', 'NoOp',
  'Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative', 'MaxPool', 'AvgPool',
  'MatMul', '_FusedMatMul', 'BatchMatMul', 'BatchMatMulV2', 'BiasAdd', 'FusedBatchNorm', 'FusedBatchNormV3',
  'Add', 'AddV2', 'AddN', 'Sub', 'Mul', 'RealDiv', 'Div', 'DivNoNan', 'FloorDiv', 'FloorMod', 'Maximum', 'Minimum', 'Pow',
  'SquaredDifference', 'Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr',
  'LogicalNot', 'Select', 'SelectV2',
  'Relu', 'Relu6', 'Elu', 'Selu', 'LeakyRelu', 'Prelu', 'Sigmoid', 'Tanh', 'Softplus', 'Exp', 'Log', 'Sqrt', 'Rsqrt',
  'Reciprocal', 'Square', 'Neg', 'Abs', 'Floor', 'Ceil', 'Round', 'Sign', 'Sin', 'Cos', 'Erf', 'ClipByValue',
  'Softmax', 'LogSoftmax', 'Mean', 'Sum', 'Max', 'Min', 'Prod', 'ArgMax', 'ArgMin',
  'ConcatV2', 'Concat', 'Pack', 'Unpack', 'Reshape', 'Squeeze', 'ExpandDims', 'Transpose', 'Pad', 'PadV2', 'MirrorPad',
  'StridedSlice', 'Slice', 'Split', 'SplitV', 'GatherV2', 'Gather', 'Tile', 'Cast', 'Shape', 'Fill', 'ZerosLike', 'OnesLike',
  'Range', 'SparseToDense', 'TopKV2', 'ResizeBilinear', 'ResizeNearestNeighbor', 'DepthToSpace',
]);

const SUPPORTED = new Set(SUPPORTED_TF_OPS);

/** Op histogram of a model.json's graph (what count-ops prints). */
export function countOps(nodes: readonly TfNode[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of nodes) counts[n.op] = (counts[n.op] ?? 0) + 1;
  return counts;
}

export function unsupportedOps(nodes: readonly TfNode[]): string[] {
  return [...new Set(nodes.map((n) => n.op).filter((op) => !SUPPORTED.has(op)))].sort();
}

// ---------------------------------------------------------------------------------------------
// Small tensor utilities

type Perm = number[] | null;

const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;
const NCHW: number[] = [0, 3, 1, 2];

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);
const isIdentity = (p: Perm) => !p || p.every((v, i) => v === i);
const norm = (p: Perm): Perm => (isIdentity(p) ? null : p);
const permKey = (p: Perm) => (p ? p.join(',') : '');
const invert = (p: readonly number[]) => {
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => (inv[v] = i));
  return inv;
};
const idPerm = (r: number) => Array.from({ length: r }, (_, i) => i);

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

function newData(dtype: TfDtype, n: number): Float32Array | Int32Array | Uint8Array {
  return dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
}

/** out axis k = in axis perm[k] (ONNX Transpose semantics). */
export function transposeConst(t: ConstTensor, perm: readonly number[]): ConstTensor {
  const shape = perm.map((p) => t.shape[p]!);
  const inStrides = stridesOf(t.shape);
  const n = prod(shape);
  const out = newData(t.dtype, n);
  const r = shape.length;
  const idx = new Array<number>(r).fill(0);
  const step = perm.map((p) => inStrides[p]!);
  let src = 0;
  for (let i = 0; i < n; i++) {
    out[i] = t.data[src]!;
    for (let k = r - 1; k >= 0; k--) {
      idx[k]!++;
      src += step[k]!;
      if (idx[k]! < shape[k]!) break;
      src -= step[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
  return { dtype: t.dtype, shape, data: out };
}

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    out.push(x === 1 ? y : y === 1 ? x : x === -1 ? y : x);
  }
  return out;
}

/** Element-wise over broadcast constants, computed in float64 and stored as `dtype`. */
function broadcastConst(ins: readonly ConstTensor[], dtype: TfDtype, f: (...v: number[]) => number): ConstTensor {
  const shape = ins.map((t) => t.shape).reduce((a, b) => broadcastShape(a, b));
  const n = prod(shape);
  const out = newData(dtype, n);
  const r = shape.length;
  const maps = ins.map((t) => {
    const s = stridesOf(t.shape);
    const pad = r - t.shape.length;
    return shape.map((_, k) => (k < pad || t.shape[k - pad] === 1 ? 0 : s[k - pad]!));
  });
  const idx = new Array<number>(r).fill(0);
  const offs = ins.map(() => 0);
  const args = new Array<number>(ins.length);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < ins.length; j++) args[j] = ins[j]!.data[offs[j]!]!;
    const v = f(...args);
    out[i] = dtype === 'int32' ? Math.trunc(v) : v;
    for (let k = r - 1; k >= 0; k--) {
      idx[k]!++;
      for (let j = 0; j < ins.length; j++) offs[j]! += maps[j]![k]!;
      if (idx[k]! < shape[k]!) break;
      for (let j = 0; j < ins.length; j++) offs[j]! -= maps[j]![k]! * shape[k]!;
      idx[k] = 0;
    }
  }
  return { dtype, shape, data: out };
}

const ints = (t: ConstTensor) => Array.from(t.data, (v) => Number(v));

// ---------------------------------------------------------------------------------------------
// Strided slices (shared by the ONNX emitter and the constant folder)

interface SlicePlan {
  /** Per dense axis: ONNX Slice parameters, or null for a full, unit-step axis. */
  onnx: ({ start: bigint; end: bigint; step: number } | null)[];
  /** Per dense axis when the dim is known: canonical start, size and step. */
  ranges: ({ start: number; size: number; step: number } | null)[];
  shrink: number[];
  /** Output axes that are new (size-1) axes, in output order. */
  newAxes: number[];
  outShape: number[];
}

function planStridedSlice(shape: readonly number[], begin: number[], end: number[], strides: number[], a: Record<string, number>): SlicePlan {
  const rank = shape.length;
  const m = begin.length;
  const bit = (mask: number, i: number) => ((mask >> i) & 1) === 1;
  const { begin_mask: bm = 0, end_mask: em = 0, ellipsis_mask: elm = 0, new_axis_mask: nm = 0, shrink_axis_mask: sm = 0 } = a;
  // Dense spec: walk the sparse spec, expanding the ellipsis (implicit at the end when absent).
  type Dense = { b: number; e: number; s: number; bMask: boolean; eMask: boolean; shrink: boolean };
  const dense: Dense[] = [];
  const layout: ({ dense: number } | 'new')[] = [];
  let hasEllipsis = false;
  for (let i = 0; i < m; i++) {
    if (bit(elm, i)) {
      hasEllipsis = true;
      let newAfter = 0;
      for (let j = i + 1; j < m; j++) if (bit(nm, j)) newAfter++;
      const next = Math.min(rank - (m - i) + 1 + newAfter, rank);
      while (dense.length < next) {
        layout.push({ dense: dense.length });
        dense.push({ b: 0, e: 0, s: 1, bMask: true, eMask: true, shrink: false });
      }
    } else if (bit(nm, i)) {
      layout.push('new');
    } else {
      const d: Dense = { b: begin[i]!, e: end[i]!, s: strides[i]!, bMask: bit(bm, i), eMask: bit(em, i), shrink: bit(sm, i) };
      if (!d.shrink) layout.push({ dense: dense.length });
      dense.push(d);
    }
  }
  if (!hasEllipsis) {
    while (dense.length < rank) {
      layout.push({ dense: dense.length });
      dense.push({ b: 0, e: 0, s: 1, bMask: true, eMask: true, shrink: false });
    }
  }
  if (dense.length !== rank) throw new Error(`StridedSlice: spec covers ${dense.length} axes of a rank-${rank} tensor`);
  const onnx: SlicePlan['onnx'] = [];
  const ranges: SlicePlan['ranges'] = [];
  const shrink: number[] = [];
  dense.forEach((d, k) => {
    const dim = shape[k]!;
    if (d.s === 0) throw new Error('StridedSlice: stride 0');
    if (d.shrink) {
      shrink.push(k);
      const b = d.bMask ? 0 : d.b;
      onnx.push({ start: BigInt(b), end: b === -1 ? INT64_MAX : BigInt(b + 1), step: 1 });
      ranges.push(dim >= 0 ? { start: b < 0 ? b + dim : b, size: 1, step: 1 } : null);
      return;
    }
    const full = d.bMask && d.eMask && d.s === 1;
    if (full) onnx.push(null);
    else if (d.s > 0) onnx.push({ start: d.bMask ? 0n : BigInt(d.b), end: d.eMask ? INT64_MAX : BigInt(d.e), step: d.s });
    else onnx.push({ start: d.bMask ? INT64_MAX : BigInt(d.b), end: d.eMask ? INT64_MIN : BigInt(d.e), step: d.s });
    if (dim < 0) {
      ranges.push(full ? { start: 0, size: -1, step: 1 } : null);
      return;
    }
    const normi = (x: number) => (x < 0 ? x + dim : x);
    const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
    let b: number;
    let e: number;
    if (d.s > 0) {
      b = d.bMask ? 0 : clamp(normi(d.b), 0, dim);
      e = d.eMask ? dim : clamp(normi(d.e), 0, dim);
    } else {
      b = d.bMask ? dim - 1 : clamp(normi(d.b), -1, dim - 1);
      e = d.eMask ? -1 : clamp(normi(d.e), -1, dim - 1);
    }
    ranges.push({ start: b, size: Math.max(0, Math.ceil((e - b) / d.s)), step: d.s });
  });
  const outShape = layout.map((l) => (l === 'new' ? 1 : (ranges[l.dense]?.size ?? -1)));
  const newAxes = layout.flatMap((l, i) => (l === 'new' ? [i] : []));
  return { onnx, ranges, shrink, newAxes, outShape };
}

function sliceConst(t: ConstTensor, ranges: readonly { start: number; size: number; step: number }[], outShape: number[]): ConstTensor {
  const sizes = ranges.map((r, k) => (r.size < 0 ? t.shape[k]! : r.size));
  const n = prod(sizes);
  const out = newData(t.dtype, n);
  const st = stridesOf(t.shape);
  const idx = new Array<number>(sizes.length).fill(0);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let k = 0; k < sizes.length; k++) src += (ranges[k]!.start + idx[k]! * ranges[k]!.step) * st[k]!;
    out[i] = t.data[src]!;
    for (let k = sizes.length - 1; k >= 0; k--) {
      if (++idx[k]! < sizes[k]!) break;
      idx[k] = 0;
    }
  }
  return { dtype: t.dtype, shape: outShape, data: out };
}

// ---------------------------------------------------------------------------------------------
// Attribute access

const DTYPES: Readonly<Record<string, TfDtype>> = { DT_FLOAT: 'float32', DT_HALF: 'float32', DT_DOUBLE: 'float32', DT_INT32: 'int32', DT_INT64: 'int32', DT_INT16: 'int32', DT_INT8: 'int32', DT_UINT8: 'int32', DT_BOOL: 'bool' };
const ONNX_TYPE: Readonly<Record<TfDtype, OnnxElemType>> = { float32: 'float32', int32: 'int32', bool: 'bool' };

class Attrs {
  constructor(private readonly node: TfNode) {}
  private get(k: string): TfAttrValue | undefined {
    return this.node.attr?.[k];
  }
  has(k: string): boolean {
    return this.get(k) !== undefined;
  }
  str(k: string, def = ''): string {
    const v = this.get(k)?.s;
    return v === undefined ? def : Buffer.from(v, 'base64').toString('utf8');
  }
  strs(k: string): string[] {
    return (this.get(k)?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
  }
  int(k: string, def = 0): number {
    const v = this.get(k)?.i;
    return v === undefined ? def : Number(v);
  }
  ints(k: string): number[] {
    return (this.get(k)?.list?.i ?? []).map(Number);
  }
  float(k: string, def = 0): number {
    return this.get(k)?.f ?? def;
  }
  bool(k: string, def = false): boolean {
    return this.get(k)?.b ?? def;
  }
  dtype(k: string, def: TfDtype = 'float32'): TfDtype {
    const t = this.get(k)?.type;
    if (t === undefined) return def;
    const d = DTYPES[t];
    if (!d) throw new Error(`${this.node.name}: unsupported dtype ${t}`);
    return d;
  }
  shape(k: string): number[] | null {
    const s = this.get(k)?.shape;
    if (!s || s.unknownRank) return null;
    return (s.dim ?? []).map((d) => Number(d.size ?? -1));
  }
}

// ---------------------------------------------------------------------------------------------
// The converter

/** A TF tensor during conversion: a constant, or an ONNX value in layout `perm`. */
interface Val {
  dtype: TfDtype;
  /** TF logical shape; -1 for an unknown dim; null for an unknown rank. */
  shape: number[] | null;
  konst?: ConstTensor;
  perm: Perm;
  /** ONNX names of this value per layout (permKey -> name). */
  views: Map<string, string>;
  base: string;
}

const sanitize = (s: string) => s.replace(/[^A-Za-z0-9_./:-]/g, '_');

class Converter {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxTensor[] = [];
  private readonly used = new Set<string>();
  private readonly constCache = new Map<string, string>();
  folded = 0;

  constructor(private readonly propagate: boolean) {}

  reserve(name: string): void {
    this.used.add(name);
  }

  uniq(base: string): string {
    let name = sanitize(base);
    for (let i = 1; this.used.has(name); i++) name = `${sanitize(base)}__${i}`;
    this.used.add(name);
    return name;
  }

  emit(opType: string, inputs: readonly string[], base: string, attributes: OnnxAttribute[] = [], nOut = 1): string[] {
    const outputs = Array.from({ length: nOut }, (_, i) => this.uniq(nOut === 1 ? base : `${base}:${i}`));
    this.nodes.push({ opType, inputs, outputs, name: outputs[0], attributes });
    return outputs;
  }

  init(t: Omit<OnnxTensor, 'name'>, base: string): string {
    const name = this.uniq(base);
    this.inits.push({ ...t, name });
    return name;
  }

  /** Small constants shared by content (int64 shape vectors, scalars). */
  private shared(type: OnnxElemType, dims: number[], values: readonly (number | bigint)[], base: string): string {
    const key = `${type}|${dims.join(',')}|${values.join(',')}`;
    let name = this.constCache.get(key);
    if (!name) {
      const data =
        type === 'int64'
          ? BigInt64Array.from(values.map((v) => BigInt(v)))
          : type === 'float32'
            ? Float32Array.from(values.map(Number))
            : type === 'int32'
              ? Int32Array.from(values.map(Number))
              : Uint8Array.from(values.map(Number));
      name = this.init({ type, dims, data }, base);
      this.constCache.set(key, name);
    }
    return name;
  }

  i64(values: readonly (number | bigint)[], base = 'const_i64', scalar = false): string {
    return this.shared('int64', scalar ? [] : [values.length], values, base);
  }

  f32(value: number, base = 'const_f32'): string {
    return this.shared('float32', [], [value], base);
  }

  constVal(t: ConstTensor, base: string): Val {
    return { dtype: t.dtype, shape: t.shape.slice(), konst: t, perm: null, views: new Map(), base };
  }

  val(name: string, dtype: TfDtype, shape: number[] | null, perm: Perm, base: string): Val {
    const p = norm(perm);
    return { dtype, shape, perm: p, views: new Map([[permKey(p), name]]), base };
  }

  /** ONNX name of `v` in layout `perm` (null: TF order), adding a transpose or constant once. */
  name(v: Val, perm: Perm = null): string {
    const p = norm(perm);
    const key = permKey(p);
    const cached = v.views.get(key);
    if (cached) return cached;
    let name: string;
    if (v.konst) {
      const t = p ? transposeConst(v.konst, p) : v.konst;
      name = this.init({ type: ONNX_TYPE[t.dtype], dims: t.shape, data: t.data }, p ? `${v.base}__nchw` : v.base);
    } else {
      const src = v.views.get(permKey(v.perm));
      if (!src) throw new Error(`internal: ${v.base} has no value`);
      const r = v.shape?.length ?? p?.length ?? v.perm?.length;
      if (r === undefined) throw new Error(`${v.base}: cannot change the layout of a value of unknown rank`);
      const from = v.perm ?? idPerm(r);
      const to = p ?? idPerm(r);
      const inv = invert(from);
      const t = to.map((q) => inv[q]!);
      name = isIdentity(t) ? src : this.emit('Transpose', [src], `${v.base}__${p ? 'nchw' : 'tf'}`, [attr.ints('perm', t)])[0]!;
    }
    v.views.set(key, name);
    return name;
  }

  /** In 'nhwc' mode, returns every output to TF order immediately. */
  settle(v: Val): Val {
    if (this.propagate || !v.perm || v.konst) return v;
    return this.val(this.name(v, null), v.dtype, v.shape, null, v.base);
  }
}

function rankOf(v: Val, what: string): number {
  if (!v.shape) throw new Error(`${what}: the rank of ${v.base} is unknown`);
  return v.shape.length;
}

/** TF SAME padding for one spatial axis: [before, after]. */
function samePads(inSize: number, k: number, s: number, d: number): [number, number] {
  const eff = (k - 1) * d + 1;
  const out = Math.ceil(inSize / s);
  const total = Math.max(0, (out - 1) * s + eff - inSize);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function convOut(inSize: number, k: number, s: number, d: number, pad: 'SAME' | 'VALID' | [number, number]): number {
  if (inSize < 0) return -1;
  if (pad === 'SAME') return Math.ceil(inSize / s);
  const eff = (k - 1) * d + 1;
  const [pb, pa] = pad === 'VALID' ? [0, 0] : pad;
  return Math.floor((inSize + pb + pa - eff) / s) + 1;
}

function parseRef(ref: string): { node: string; index: number } | null {
  if (ref.startsWith('^')) return null;
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? { node: m[1]!, index: Number(m[2]) } : { node: ref, index: 0 };
}

/**
 * Converts a graph model already read with `readTfjsGraphModel`. Throws UnsupportedOpsError
 * naming every op it cannot map, or an Error naming the node that failed.
 */
export function convertTfjsGraph(model: TfjsGraphModel, options: ConvertOptions = {}): ConvertResult {
  const all = model.json.modelTopology.node;
  const byName = new Map(all.map((n) => [n.name, n]));
  const sig = model.json.signature;

  // Outputs: requested, or the signature's, or the sinks.
  let outputNames = options.outputs?.slice();
  if (!outputNames?.length) outputNames = sig?.outputs ? Object.values(sig.outputs).map((o) => o.name) : undefined;
  if (!outputNames?.length) {
    const consumed = new Set(all.flatMap((n) => (n.input ?? []).map((r) => parseRef(r)?.node).filter((x): x is string => !!x)));
    outputNames = all.filter((n) => !consumed.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => n.name);
  }
  const outRefs = outputNames.map((o) => {
    const direct = byName.get(o);
    const ref = direct ? { node: o, index: 0 } : parseRef(o);
    if (!ref || !byName.has(ref.node)) throw new Error(`output '${o}' is not a node of the graph`);
    return ref;
  });

  // Prune + topological order (iterative DFS).
  const order: TfNode[] = [];
  const state = new Map<string, 1 | 2>();
  for (const r of outRefs) {
    const stack: { n: TfNode; i: number }[] = [{ n: byName.get(r.node)!, i: 0 }];
    if (state.has(r.node)) continue;
    state.set(r.node, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const ins = top.n.input ?? [];
      if (top.i < ins.length) {
        const ref = parseRef(ins[top.i++]!);
        if (!ref) continue;
        const dep = byName.get(ref.node);
        if (!dep) throw new Error(`node '${top.n.name}' reads '${ref.node}', which is not in the graph`);
        const s = state.get(ref.node);
        if (s === 1) {
          const ops = unsupportedOps(all);
          if (ops.length) throw new UnsupportedOpsError(ops);
          throw new Error(`the graph has a cycle through '${ref.node}' (control flow is not supported)`);
        }
        if (s === undefined) {
          state.set(ref.node, 1);
          stack.push({ n: dep, i: 0 });
        }
      } else {
        state.set(top.n.name, 2);
        order.push(top.n);
        stack.pop();
      }
    }
  }
  const missing = unsupportedOps(order);
  if (missing.length) throw new UnsupportedOpsError(missing);

  const cv = new Converter((options.layout ?? 'propagate') === 'propagate');
  const vals = new Map<string, Val[]>();
  const inputs: TensorSpec[] = [];
  const inputInfos: OnnxValueInfo[] = [];
  const sigInputByNode = new Map<string, string>();
  for (const e of Object.values(sig?.inputs ?? {})) {
    const ref = parseRef(e.name);
    if (ref) sigInputByNode.set(ref.node, e.name);
  }
  for (const o of outputNames) cv.reserve(o);

  for (const node of order) {
    const ins: Val[] = [];
    for (const r of node.input ?? []) {
      const ref = parseRef(r);
      if (!ref) continue;
      const v = vals.get(ref.node)?.[ref.index];
      if (!v) throw new Error(`node '${node.name}' reads output ${ref.index} of '${ref.node}', which was not produced`);
      ins.push(v);
    }
    let outs: Val[];
    try {
      if (node.op === 'Placeholder' || node.op === 'PlaceholderWithDefault') {
        const a = new Attrs(node);
        const name = sigInputByNode.get(node.name) ?? node.name;
        cv.reserve(name);
        const shape = options.inputShapes?.[node.name]?.slice() ?? options.inputShapes?.[name]?.slice() ?? a.shape('shape');
        const dtype = a.dtype('dtype');
        inputs.push({ name, dtype, dims: shape });
        inputInfos.push({ name, type: ONNX_TYPE[dtype], dims: shape ?? undefined });
        outs = [cv.val(name, dtype, shape, null, node.name)];
      } else if (node.op === 'Const') {
        const w = model.weights.get(node.name);
        if (!w) throw new Error(`constant '${node.name}' has no entry in the weights manifest`);
        outs = [cv.constVal(w, node.name)];
      } else {
        const folded = ins.every((v) => v.konst) && ins.length > 0 ? fold(node, ins) : null;
        if (folded) {
          cv.folded++;
          outs = folded.map((t, i) => cv.constVal(t, i ? `${node.name}:${i}` : node.name));
        } else {
          outs = convertNode(cv, node, ins).map((v) => cv.settle(v));
        }
      }
    } catch (err) {
      if (err instanceof UnsupportedOpsError) throw err;
      throw new Error(`converting node '${node.name}' (${node.op}): ${(err as Error).message}`);
    }
    vals.set(node.name, outs);
  }

  const outputs: TensorSpec[] = [];
  const outputInfos: OnnxValueInfo[] = [];
  outputNames.forEach((o, i) => {
    const ref = outRefs[i]!;
    const v = vals.get(ref.node)?.[ref.index];
    if (!v) throw new Error(`output '${o}' was not produced`);
    const src = cv.name(v, null);
    cv.nodes.push({ opType: 'Identity', inputs: [src], outputs: [o], name: `${o}__output` });
    outputs.push({ name: o, dtype: v.dtype, dims: v.shape });
    outputInfos.push({ name: o, type: ONNX_TYPE[v.dtype], dims: v.shape ?? undefined });
  });

  const onnxOps: Record<string, number> = {};
  for (const n of cv.nodes) onnxOps[n.opType] = (onnxOps[n.opType] ?? 0) + 1;
  const onnx = encodeModel({
    irVersion: 8,
    opset: 13,
    producerName: 'argus-tfjs-to-onnx',
    producerVersion: '1',
    metadata: { source_sha256: model.sha256, layout: options.layout ?? 'propagate', ...options.metadata },
    graph: { name: 'tfjs', nodes: cv.nodes, initializers: cv.inits, inputs: inputInfos, outputs: outputInfos },
  });
  return { onnx, inputs, outputs, tfOps: countOps(order), onnxOps, folded: cv.folded };
}

/** Reads model.json + shards and converts them. */
export function convertTfjsModelFile(modelJsonPath: string, options: ConvertOptions = {}): ConvertResult & { sha256: string } {
  const model = readTfjsGraphModel(modelJsonPath);
  return { ...convertTfjsGraph(model, options), sha256: model.sha256 };
}

// ---------------------------------------------------------------------------------------------
// Constant folding (all inputs constant)

function fold(node: TfNode, ins: Val[]): ConstTensor[] | null {
  const k = ins.map((v) => v.konst!);
  const a = new Attrs(node);
  const dt = k[0]!.dtype;
  const bin = (f: (x: number, y: number) => number, out: TfDtype = dt) => [broadcastConst([k[0]!, k[1]!], out, f)];
  switch (node.op) {
    case 'Identity':
    case 'StopGradient':
    case 'Snapshot':
      return [k[0]!];
    case 'IdentityN':
      return k;
    case 'Cast': {
      const to = a.dtype('DstT');
      return [broadcastConst([k[0]!], to, (x) => (to === 'bool' ? (x ? 1 : 0) : x))];
    }
    case 'Add':
    case 'AddV2':
      return bin((x, y) => x + y);
    case 'Sub':
      return bin((x, y) => x - y);
    case 'Mul':
      return bin((x, y) => x * y);
    case 'RealDiv':
    case 'Div':
      return bin((x, y) => x / y);
    case 'FloorDiv':
      return bin((x, y) => Math.floor(x / y));
    case 'FloorMod':
      return bin((x, y) => x - Math.floor(x / y) * y);
    case 'Maximum':
      return bin(Math.max);
    case 'Minimum':
      return bin(Math.min);
    case 'Neg':
      return [broadcastConst([k[0]!], dt, (x) => -x)];
    case 'Reshape': {
      const target = ints(k[1]!);
      const n = prod(k[0]!.shape);
      const known = prod(target.filter((d) => d >= 0));
      return [{ ...k[0]!, shape: target.map((d) => (d < 0 ? n / known : d)) }];
    }
    case 'ExpandDims': {
      const s = k[0]!.shape.slice();
      let d = ints(k[1]!)[0]!;
      if (d < 0) d += s.length + 1;
      s.splice(d, 0, 1);
      return [{ ...k[0]!, shape: s }];
    }
    case 'Squeeze': {
      const r = k[0]!.shape.length;
      const axes = a.ints('squeeze_dims').map((x) => (x < 0 ? x + r : x));
      return [{ ...k[0]!, shape: k[0]!.shape.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1)) }];
    }
    case 'Pack': {
      const axis0 = a.int('axis');
      const shape = k[0]!.shape.slice();
      const axis = axis0 < 0 ? axis0 + shape.length + 1 : axis0;
      const expanded = k.map((t) => {
        const s = t.shape.slice();
        s.splice(axis, 0, 1);
        return { ...t, shape: s };
      });
      return [concatConst(expanded, axis)];
    }
    case 'ConcatV2': {
      const parts = k.slice(0, -1);
      let axis = ints(k[k.length - 1]!)[0]!;
      if (axis < 0) axis += parts[0]!.shape.length;
      return [concatConst(parts, axis)];
    }
    case 'StridedSlice': {
      const plan = planStridedSlice(k[0]!.shape, ints(k[1]!), ints(k[2]!), ints(k[3]!), {
        begin_mask: a.int('begin_mask'),
        end_mask: a.int('end_mask'),
        ellipsis_mask: a.int('ellipsis_mask'),
        new_axis_mask: a.int('new_axis_mask'),
        shrink_axis_mask: a.int('shrink_axis_mask'),
      });
      if (plan.ranges.some((r) => !r)) return null;
      return [sliceConst(k[0]!, plan.ranges as { start: number; size: number; step: number }[], plan.outShape)];
    }
    case 'Fill': {
      const shape = ints(k[0]!);
      const data = newData(k[1]!.dtype, prod(shape));
      data.fill(k[1]!.data[0]!);
      return [{ dtype: k[1]!.dtype, shape, data }];
    }
    case 'Range': {
      const [start, limit, delta] = [k[0]!.data[0]!, k[1]!.data[0]!, k[2]!.data[0]!];
      const n = Math.max(0, Math.ceil((limit - start) / delta));
      const data = newData(k[0]!.dtype, n);
      for (let i = 0; i < n; i++) data[i] = start + i * delta;
      return [{ dtype: k[0]!.dtype, shape: [n], data }];
    }
    case 'SparseToDense': {
      const [idx, outShape, values, def] = k as [ConstTensor, ConstTensor, ConstTensor, ConstTensor];
      const shape = ints(outShape);
      const data = newData(values.dtype, prod(shape));
      data.fill(def.data[0]!);
      const st = stridesOf(shape);
      const nnz = idx.shape.length === 0 ? 1 : idx.shape[0]!;
      const rank = idx.shape.length === 2 ? idx.shape[1]! : 1;
      for (let i = 0; i < nnz; i++) {
        let off = 0;
        for (let j = 0; j < rank; j++) off += idx.data[i * rank + j]! * st[j]!;
        data[off] = values.shape.length === 0 ? values.data[0]! : values.data[i]!;
      }
      return [{ dtype: values.dtype, shape, data }];
    }
    case 'Shape':
      return [{ dtype: 'int32', shape: [k[0]!.shape.length], data: Int32Array.from(k[0]!.shape) }];
    default:
      return null;
  }
}

function concatConst(parts: ConstTensor[], axis: number): ConstTensor {
  const shape = parts[0]!.shape.slice();
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis]!, 0);
  const out = newData(parts[0]!.dtype, prod(shape));
  const outer = prod(shape.slice(0, axis));
  let o = 0;
  for (let i = 0; i < outer; i++) {
    for (const p of parts) {
      const chunk = prod(p.shape.slice(axis));
      out.set(p.data.subarray(i * chunk, (i + 1) * chunk), o);
      o += chunk;
    }
  }
  return { dtype: parts[0]!.dtype, shape, data: out };
}

// ---------------------------------------------------------------------------------------------
// Op mapping

const UNARY: Readonly<Record<string, string>> = {
  Relu: 'Relu', Sigmoid: 'Sigmoid', Tanh: 'Tanh', Softplus: 'Softplus', Exp: 'Exp', Log: 'Log', Sqrt: 'Sqrt',
  Reciprocal: 'Reciprocal', Neg: 'Neg', Abs: 'Abs', Floor: 'Floor', Ceil: 'Ceil', Round: 'Round', Sign: 'Sign',
  Sin: 'Sin', Cos: 'Cos', Erf: 'Erf', Elu: 'Elu', Selu: 'Selu', LogicalNot: 'Not',
};

const BINARY: Readonly<Record<string, [string, 'same' | 'bool']>> = {
  Add: ['Add', 'same'], AddV2: ['Add', 'same'], BiasAdd: ['Add', 'same'], Sub: ['Sub', 'same'], Mul: ['Mul', 'same'],
  RealDiv: ['Div', 'same'], Div: ['Div', 'same'], Maximum: ['Max', 'same'], Minimum: ['Min', 'same'], Pow: ['Pow', 'same'],
  Equal: ['Equal', 'bool'], Greater: ['Greater', 'bool'], GreaterEqual: ['GreaterOrEqual', 'bool'], Less: ['Less', 'bool'],
  LessEqual: ['LessOrEqual', 'bool'], LogicalAnd: ['And', 'bool'], LogicalOr: ['Or', 'bool'], Prelu: ['PRelu', 'same'],
};

/**
 * Chooses a common layout for element-wise operands: the layout of the first full-rank
 * non-constant operand; falls back to TF order when a lower-rank non-constant operand would need
 * expanding. Returns the ONNX names in that layout.
 */
function alignOperands(cv: Converter, vs: Val[], what: string): { names: string[]; perm: Perm; shape: number[] | null } {
  const shapes = vs.map((v) => v.shape);
  const shape = shapes.every((s) => s) ? (shapes as number[][]).reduce((a, b) => broadcastShape(a, b)) : null;
  const rank = shape?.length;
  let perm: Perm = null;
  if (rank !== undefined) {
    for (const v of vs) if (!v.konst && v.perm && v.shape!.length === rank) { perm = v.perm; break; }
    if (perm && vs.some((v) => !v.konst && v.shape!.length !== rank && v.shape!.length !== 0)) perm = null;
  } else if (vs.some((v) => v.perm && !v.konst)) {
    throw new Error(`${what}: operands of unknown rank in a permuted layout`);
  }
  const names = vs.map((v) => {
    if (!perm || v.shape!.length === rank) return cv.name(v, perm);
    if (v.shape!.length === 0) return cv.name(v, null);
    // A lower-rank constant: give it the full rank (leading 1s) before permuting.
    const k = v.konst!;
    const expanded = cv.constVal({ ...k, shape: [...new Array<number>(rank! - k.shape.length).fill(1), ...k.shape] }, v.base);
    return cv.name(expanded, perm);
  });
  return { names, perm, shape };
}

function activation(cv: Converter, x: string, kind: string, base: string, a: Attrs, extra?: Val, perm?: Perm, outShape?: number[] | null): string {
  switch (kind) {
    case '':
    case 'Identity':
      return x;
    case 'Relu':
      return cv.emit('Relu', [x], base)[0]!;
    case 'Relu6':
      return cv.emit('Clip', [x, cv.f32(0, 'zero'), cv.f32(6, 'six')], base)[0]!;
    case 'Elu':
      return cv.emit('Elu', [x], base)[0]!;
    case 'Sigmoid':
      return cv.emit('Sigmoid', [x], base)[0]!;
    case 'Tanh':
      return cv.emit('Tanh', [x], base)[0]!;
    case 'LeakyRelu':
      return cv.emit('LeakyRelu', [x], base, [attr.float('alpha', a.float('leakyrelu_alpha', 0.2))])[0]!;
    case 'Prelu': {
      if (!extra?.konst) throw new Error('Prelu needs a constant alpha');
      const k = extra.konst;
      const rank = outShape?.length ?? 4;
      const full = { ...k, shape: [...new Array<number>(rank - k.shape.length).fill(1), ...k.shape] };
      const slope = perm ? transposeConst(full, perm) : full;
      return cv.emit('PRelu', [x, cv.init({ type: 'float32', dims: slope.shape, data: slope.data }, `${extra.base}__slope`)], base)[0]!;
    }
    default:
      throw new Error(`unsupported fused activation '${kind}'`);
  }
}

function convertNode(cv: Converter, node: TfNode, ins: Val[]): Val[] {
  const a = new Attrs(node);
  const op = node.op;
  const base = node.name;
  const x = ins[0]!;

  if (op === 'Identity' || op === 'StopGradient' || op === 'Snapshot' || op === 'PlaceholderWithDefault') return [x];
  if (op === 'IdentityN') return ins;

  const unary = UNARY[op];
  if (unary) {
    const attrs: OnnxAttribute[] = op === 'Elu' ? [attr.float('alpha', 1)] : [];
    return [cv.val(cv.emit(unary, [cv.name(x, x.perm)], base, attrs)[0]!, x.dtype, x.shape, x.perm, base)];
  }
  const binary = BINARY[op];
  if (binary) {
    const { names, perm, shape } = alignOperands(cv, ins.slice(0, 2), base);
    return [cv.val(cv.emit(binary[0], names, base)[0]!, binary[1] === 'bool' ? 'bool' : x.dtype, shape, perm, base)];
  }

  switch (op) {
    case 'Relu6':
    case 'LeakyRelu':
      return [cv.val(activation(cv, cv.name(x, x.perm), op, base, new Attrs({ ...node, attr: { leakyrelu_alpha: { f: a.float('alpha', 0.2) } } })), x.dtype, x.shape, x.perm, base)];
    case 'Rsqrt': {
      const s = cv.emit('Sqrt', [cv.name(x, x.perm)], `${base}__sqrt`)[0]!;
      return [cv.val(cv.emit('Reciprocal', [s], base)[0]!, x.dtype, x.shape, x.perm, base)];
    }
    case 'Square': {
      const n = cv.name(x, x.perm);
      return [cv.val(cv.emit('Mul', [n, n], base)[0]!, x.dtype, x.shape, x.perm, base)];
    }
    case 'SquaredDifference': {
      const { names, perm, shape } = alignOperands(cv, ins.slice(0, 2), base);
      const d = cv.emit('Sub', names, `${base}__diff`)[0]!;
      return [cv.val(cv.emit('Mul', [d, d], base)[0]!, x.dtype, shape, perm, base)];
    }
    case 'DivNoNan': {
      const { names, perm, shape } = alignOperands(cv, ins.slice(0, 2), base);
      const q = cv.emit('Div', names, `${base}__div`)[0]!;
      const zero = cv.emit('Equal', [names[1]!, cv.f32(0, 'zero')], `${base}__zero`)[0]!;
      return [cv.val(cv.emit('Where', [zero, cv.f32(0, 'zero'), q], base)[0]!, x.dtype, shape, perm, base)];
    }
    case 'NotEqual': {
      const { names, perm, shape } = alignOperands(cv, ins.slice(0, 2), base);
      const eq = cv.emit('Equal', names, `${base}__eq`)[0]!;
      return [cv.val(cv.emit('Not', [eq], base)[0]!, 'bool', shape, perm, base)];
    }
    case 'FloorDiv':
    case 'FloorMod': {
      const { names, perm, shape } = alignOperands(cv, ins.slice(0, 2), base);
      const [p, q] = names as [string, string];
      if (x.dtype === 'int32') {
        // ONNX Mod with fmod=0 is Python's (floor) modulo for integers; (a - a mod b) / b is exact.
        const m = cv.emit('Mod', [p, q], op === 'FloorMod' ? base : `${base}__mod`, [attr.int('fmod', 0)])[0]!;
        if (op === 'FloorMod') return [cv.val(m, 'int32', shape, perm, base)];
        const d = cv.emit('Sub', [p, m], `${base}__sub`)[0]!;
        return [cv.val(cv.emit('Div', [d, q], base)[0]!, 'int32', shape, perm, base)];
      }
      const fl = cv.emit('Floor', [cv.emit('Div', [p, q], `${base}__div`)[0]!], op === 'FloorDiv' ? base : `${base}__floor`)[0]!;
      if (op === 'FloorDiv') return [cv.val(fl, x.dtype, shape, perm, base)];
      const t = cv.emit('Mul', [fl, q], `${base}__mul`)[0]!;
      return [cv.val(cv.emit('Sub', [p, t], base)[0]!, x.dtype, shape, perm, base)];
    }
    case 'AddN': {
      const { names, perm, shape } = alignOperands(cv, ins, base);
      return [cv.val(cv.emit('Sum', names, base)[0]!, x.dtype, shape, perm, base)];
    }
    case 'Select':
    case 'SelectV2': {
      const { names, perm, shape } = alignOperands(cv, ins.slice(0, 3), base);
      return [cv.val(cv.emit('Where', names, base)[0]!, ins[1]!.dtype, shape, perm, base)];
    }
    case 'ClipByValue': {
      const [lo, hi] = [ins[1]!, ins[2]!];
      if (!lo.konst || !hi.konst || prod(lo.konst.shape) !== 1 || prod(hi.konst.shape) !== 1) {
        const mx = cv.val(cv.emit('Max', alignOperands(cv, [x, lo], base).names, `${base}__max`)[0]!, x.dtype, x.shape, x.perm, base);
        const r = alignOperands(cv, [mx, hi], base);
        return [cv.val(cv.emit('Min', r.names, base)[0]!, x.dtype, r.shape, r.perm, base)];
      }
      return [cv.val(cv.emit('Clip', [cv.name(x, x.perm), cv.f32(lo.konst.data[0]!), cv.f32(hi.konst.data[0]!)], base)[0]!, x.dtype, x.shape, x.perm, base)];
    }
    case 'Cast': {
      const to = a.dtype('DstT');
      if (to === x.dtype) return [x];
      return [cv.val(cv.emit('Cast', [cv.name(x, x.perm)], base, [attr.int('to', { float32: 1, int32: 6, bool: 9 }[to])])[0]!, to, x.shape, x.perm, base)];
    }

    case 'Conv2D':
    case '_FusedConv2D':
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2dNative':
      return [conv(cv, node, a, ins)];
    case 'MaxPool':
    case 'AvgPool':
      return [pool(cv, node, a, x)];

    case 'MatMul':
    case '_FusedMatMul':
    case 'BatchMatMul':
    case 'BatchMatMulV2':
      return [matmul(cv, node, a, ins)];

    case 'FusedBatchNorm':
    case 'FusedBatchNormV3': {
      const [scale, offset, mean, variance] = ins.slice(1, 5).map((v) => v.konst);
      if (!scale || !offset || !mean || !variance) throw new Error('FusedBatchNorm needs constant scale, offset, mean and variance');
      if (a.str('data_format', 'NHWC') !== 'NHWC') throw new Error('FusedBatchNorm: only NHWC');
      const eps = a.float('epsilon', 1e-3);
      const c = scale.data.length;
      const mul = new Float32Array(c);
      const add = new Float32Array(c);
      for (let i = 0; i < c; i++) {
        mul[i] = scale.data[i]! / Math.sqrt(variance.data[i]! + eps);
        add[i] = offset.data[i]! - mean.data[i]! * mul[i]!;
      }
      const m = alignOperands(cv, [x, cv.constVal({ dtype: 'float32', shape: [c], data: mul }, `${base}/scale`)], base);
      const mv = cv.val(cv.emit('Mul', m.names, `${base}__mul`)[0]!, 'float32', m.shape, m.perm, base);
      const s = alignOperands(cv, [mv, cv.constVal({ dtype: 'float32', shape: [c], data: add }, `${base}/shift`)], base);
      return [cv.val(cv.emit('Add', s.names, base)[0]!, 'float32', s.shape, s.perm, base)];
    }

    case 'Softmax':
    case 'LogSoftmax': {
      const r = rankOf(x, base);
      const axis = x.perm ? x.perm.indexOf(r - 1) : r - 1;
      return [cv.val(cv.emit(op, [cv.name(x, x.perm)], base, [attr.int('axis', axis)])[0]!, x.dtype, x.shape, x.perm, base)];
    }

    case 'Mean':
    case 'Sum':
    case 'Max':
    case 'Min':
    case 'Prod': {
      const r = rankOf(x, base);
      const axesK = ins[1]?.konst;
      if (!axesK) throw new Error('reduction axes must be constant');
      const axes = [...new Set(ints(axesK).map((v) => (v < 0 ? v + r : v)))].sort((p, q) => p - q);
      const keep = a.bool('keep_dims');
      const onnxAxes = axes.map((ax) => (x.perm ? x.perm.indexOf(ax) : ax)).sort((p, q) => p - q);
      const onnxOp = { Mean: 'ReduceMean', Sum: 'ReduceSum', Max: 'ReduceMax', Min: 'ReduceMin', Prod: 'ReduceProd' }[op]!;
      const inp = cv.name(x, x.perm);
      const out =
        op === 'Sum'
          ? cv.emit(onnxOp, [inp, cv.i64(onnxAxes)], base, [attr.int('keepdims', keep ? 1 : 0)])[0]!
          : cv.emit(onnxOp, [inp], base, [attr.ints('axes', onnxAxes), attr.int('keepdims', keep ? 1 : 0)])[0]!;
      const shape = x.shape!.flatMap((d, i) => (axes.includes(i) ? (keep ? [1] : []) : [d]));
      let perm: Perm = x.perm;
      if (perm && !keep) perm = perm.filter((p) => !axes.includes(p)).map((p) => p - axes.filter((ax) => ax < p).length);
      return [cv.val(out, x.dtype, shape, perm, base)];
    }
    case 'ArgMax':
    case 'ArgMin': {
      const r = rankOf(x, base);
      let axis = ints(ins[1]!.konst!)[0]!;
      if (axis < 0) axis += r;
      const am = cv.emit(op, [cv.name(x, null)], `${base}__i64`, [attr.int('axis', axis), attr.int('keepdims', 0)])[0]!;
      const out = cv.emit('Cast', [am], base, [attr.int('to', 6)])[0]!;
      return [cv.val(out, 'int32', x.shape!.filter((_, i) => i !== axis), null, base)];
    }

    case 'ConcatV2':
    case 'Concat': {
      const parts = op === 'ConcatV2' ? ins.slice(0, -1) : ins.slice(1);
      const axisK = (op === 'ConcatV2' ? ins[ins.length - 1] : ins[0])!.konst;
      if (!axisK) throw new Error('concat axis must be constant');
      const r = rankOf(parts[0]!, base);
      let axis = ints(axisK)[0]!;
      if (axis < 0) axis += r;
      let perm: Perm = null;
      for (const p of parts) if (!p.konst && p.perm) { perm = p.perm; break; }
      const names = parts.map((p) => cv.name(p, perm));
      const shape = parts[0]!.shape!.slice();
      shape[axis] = parts.some((p) => p.shape![axis]! < 0) ? -1 : parts.reduce((s, p) => s + p.shape![axis]!, 0);
      return [cv.val(cv.emit('Concat', names, base, [attr.int('axis', perm ? perm.indexOf(axis) : axis)])[0]!, x.dtype, shape, perm, base)];
    }
    case 'Pack': {
      const r = rankOf(x, base);
      let axis = a.int('axis');
      if (axis < 0) axis += r + 1;
      const names = ins.map((v, i) => cv.emit('Unsqueeze', [cv.name(v, null), cv.i64([axis])], `${base}__u${i}`)[0]!);
      const shape = x.shape!.slice();
      shape.splice(axis, 0, ins.length);
      return [cv.val(cv.emit('Concat', names, base, [attr.int('axis', axis)])[0]!, x.dtype, shape, null, base)];
    }
    case 'Unpack': {
      const r = rankOf(x, base);
      let axis = a.int('axis');
      if (axis < 0) axis += r;
      const n = a.int('num', x.shape![axis]!);
      const parts = cv.emit('Split', [cv.name(x, null), cv.i64(new Array<number>(n).fill(1))], `${base}__split`, [attr.int('axis', axis)], n);
      const shape = x.shape!.filter((_, i) => i !== axis);
      return parts.map((p, i) => cv.val(cv.emit('Squeeze', [p, cv.i64([axis])], i ? `${base}:${i}` : base)[0]!, x.dtype, shape, null, base));
    }
    case 'Reshape': {
      const target = ins[1]!;
      if (target.konst) {
        let dims = ints(target.konst);
        if (x.shape && x.shape.every((d) => d >= 0)) {
          const n = prod(x.shape);
          const known = prod(dims.filter((d) => d >= 0));
          dims = dims.map((d) => (d < 0 ? n / known : d));
        }
        if (dims.includes(0)) throw new Error('Reshape to a zero-sized dimension');
        const out = cv.emit('Reshape', [cv.name(x, null), cv.i64(dims, `${base}/shape`)], base)[0]!;
        return [cv.val(out, x.dtype, dims, null, base)];
      }
      const len = target.shape?.[0];
      const shapeI64 = cv.emit('Cast', [cv.name(target, null)], `${base}__shape`, [attr.int('to', 7)])[0]!;
      const out = cv.emit('Reshape', [cv.name(x, null), shapeI64], base)[0]!;
      return [cv.val(out, x.dtype, len !== undefined && len >= 0 ? new Array<number>(len).fill(-1) : null, null, base)];
    }
    case 'Squeeze': {
      const r = rankOf(x, base);
      let axes = a.ints('squeeze_dims').map((v) => (v < 0 ? v + r : v));
      if (!axes.length) axes = x.shape!.flatMap((d, i) => (d === 1 ? [i] : []));
      const out = cv.emit('Squeeze', [cv.name(x, null), cv.i64(axes)], base)[0]!;
      return [cv.val(out, x.dtype, x.shape!.filter((_, i) => !axes.includes(i)), null, base)];
    }
    case 'ExpandDims': {
      const r = rankOf(x, base);
      let d = ints(ins[1]!.konst!)[0]!;
      if (d < 0) d += r + 1;
      const shape = x.shape!.slice();
      shape.splice(d, 0, 1);
      return [cv.val(cv.emit('Unsqueeze', [cv.name(x, null), cv.i64([d])], base)[0]!, x.dtype, shape, null, base)];
    }
    case 'Transpose': {
      const q = ints(ins[1]!.konst!);
      const r = q.length;
      const p = x.perm ?? idPerm(r);
      const qi = invert(q);
      const perm = p.map((v) => qi[v]!);
      const shape = x.shape ? q.map((i) => x.shape![i]!) : null;
      const v: Val = { dtype: x.dtype, shape, perm: norm(perm), views: new Map([[permKey(norm(perm)), cv.name(x, x.perm)]]), base };
      return [v];
    }
    case 'Pad':
    case 'PadV2':
    case 'MirrorPad': {
      const r = rankOf(x, base);
      const pk = ins[1]!.konst;
      if (!pk) throw new Error('paddings must be constant');
      const pads = ints(pk);
      const order = x.perm ?? idPerm(r);
      const onnxPads = [...order.map((ax) => pads[2 * ax]!), ...order.map((ax) => pads[2 * ax + 1]!)];
      const inputs = [cv.name(x, x.perm), cv.i64(onnxPads, `${base}/pads`)];
      const attrs: OnnxAttribute[] = [];
      if (op === 'PadV2') inputs.push(cv.name(cv.constVal({ ...ins[2]!.konst!, shape: [] }, `${base}/value`)));
      if (op === 'MirrorPad') {
        const mode = a.str('mode');
        if (mode !== 'REFLECT') throw new Error(`MirrorPad mode ${mode} is not supported`);
        attrs.push(attr.string('mode', 'reflect'));
      }
      const shape = x.shape!.map((d, i) => (d < 0 ? -1 : d + pads[2 * i]! + pads[2 * i + 1]!));
      return [cv.val(cv.emit('Pad', inputs, base, attrs)[0]!, x.dtype, shape, x.perm, base)];
    }
    case 'StridedSlice': {
      rankOf(x, base);
      const [b, e, s] = ins.slice(1, 4).map((v) => v.konst);
      if (!b || !e || !s) throw new Error('StridedSlice needs constant begin, end and strides');
      const plan = planStridedSlice(x.shape!, ints(b), ints(e), ints(s), {
        begin_mask: a.int('begin_mask'),
        end_mask: a.int('end_mask'),
        ellipsis_mask: a.int('ellipsis_mask'),
        new_axis_mask: a.int('new_axis_mask'),
        shrink_axis_mask: a.int('shrink_axis_mask'),
      });
      let cur = cv.name(x, null);
      const axes = plan.onnx.flatMap((p, i) => (p ? [i] : []));
      if (axes.length) {
        const ps = axes.map((i) => plan.onnx[i]!);
        cur = cv.emit('Slice', [cur, cv.i64(ps.map((p) => p.start)), cv.i64(ps.map((p) => p.end)), cv.i64(axes), cv.i64(ps.map((p) => p.step))], plan.shrink.length || plan.newAxes.length ? `${base}__slice` : base)[0]!;
      }
      if (plan.shrink.length) cur = cv.emit('Squeeze', [cur, cv.i64(plan.shrink)], plan.newAxes.length ? `${base}__squeeze` : base)[0]!;
      if (plan.newAxes.length) cur = cv.emit('Unsqueeze', [cur, cv.i64(plan.newAxes)], base)[0]!;
      if (!axes.length && !plan.shrink.length && !plan.newAxes.length) return [x.perm ? cv.val(cur, x.dtype, x.shape, null, base) : x];
      return [cv.val(cur, x.dtype, plan.outShape, null, base)];
    }
    case 'Slice': {
      const r = rankOf(x, base);
      const [bk, sk] = [ins[1]!.konst, ins[2]!.konst];
      if (!bk || !sk) throw new Error('Slice needs constant begin and size');
      const begin = ints(bk);
      const sizes = ints(sk);
      const ends = begin.map((bv, i) => (sizes[i]! < 0 ? INT64_MAX : BigInt(bv + sizes[i]!)));
      const out = cv.emit('Slice', [cv.name(x, null), cv.i64(begin), cv.i64(ends), cv.i64(idPerm(r))], base)[0]!;
      const shape = x.shape!.map((d, i) => (sizes[i]! >= 0 ? sizes[i]! : d < 0 ? -1 : d - begin[i]!));
      return [cv.val(out, x.dtype, shape, null, base)];
    }
    case 'Split':
    case 'SplitV': {
      const data = op === 'Split' ? ins[1]! : x;
      const axisV = op === 'Split' ? ins[0]! : ins[2]!;
      const r = rankOf(data, base);
      let axis = ints(axisV.konst!)[0]!;
      if (axis < 0) axis += r;
      const dim = data.shape![axis]!;
      let sizes: number[];
      if (op === 'Split') {
        const n = a.int('num_split');
        sizes = new Array<number>(n).fill(dim / n);
      } else {
        sizes = ints(ins[1]!.konst!);
        const neg = sizes.indexOf(-1);
        if (neg >= 0) sizes[neg] = dim - sizes.reduce((s, v, i) => (i === neg ? s : s + v), 0);
      }
      const perm = data.perm;
      const outs = cv.emit('Split', [cv.name(data, perm), cv.i64(sizes)], base, [attr.int('axis', perm ? perm.indexOf(axis) : axis)], sizes.length);
      return outs.map((o, i) => {
        const shape = data.shape!.slice();
        shape[axis] = sizes[i]!;
        return cv.val(o, data.dtype, shape, perm, base);
      });
    }
    case 'GatherV2':
    case 'Gather': {
      const r = rankOf(x, base);
      const idx = ins[1]!;
      let axis = op === 'GatherV2' ? ints(ins[2]!.konst!)[0]! : 0;
      if (axis < 0) axis += r;
      if (a.int('batch_dims') !== 0) throw new Error('GatherV2 with batch_dims is not supported');
      const out = cv.emit('Gather', [cv.name(x, null), cv.name(idx, null)], base, [attr.int('axis', axis)])[0]!;
      const shape = idx.shape && x.shape ? [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)] : null;
      return [cv.val(out, x.dtype, shape, null, base)];
    }
    case 'Tile': {
      const mk = ins[1]!.konst;
      if (!mk) throw new Error('Tile multiples must be constant');
      const m = ints(mk);
      const shape = x.shape?.map((d, i) => (d < 0 ? -1 : d * m[i]!)) ?? null;
      return [cv.val(cv.emit('Tile', [cv.name(x, null), cv.i64(m)], base)[0]!, x.dtype, shape, null, base)];
    }
    case 'Shape': {
      if (x.shape && x.shape.every((d) => d >= 0)) return [cv.constVal({ dtype: 'int32', shape: [x.shape.length], data: Int32Array.from(x.shape) }, base)];
      const s = cv.emit('Shape', [cv.name(x, null)], `${base}__i64`)[0]!;
      return [cv.val(cv.emit('Cast', [s], base, [attr.int('to', 6)])[0]!, 'int32', x.shape ? [x.shape.length] : null, null, base)];
    }
    case 'ZerosLike':
    case 'OnesLike': {
      const n = cv.name(x, x.perm);
      const zero = cv.emit('Sub', [n, n], op === 'ZerosLike' ? base : `${base}__zero`)[0]!;
      if (op === 'ZerosLike') return [cv.val(zero, x.dtype, x.shape, x.perm, base)];
      const one = x.dtype === 'float32' ? cv.f32(1, 'one') : cv.init({ type: 'int32', dims: [], data: Int32Array.of(1) }, 'one_i32');
      return [cv.val(cv.emit('Add', [zero, one], base)[0]!, x.dtype, x.shape, x.perm, base)];
    }
    case 'TopKV2': {
      const kk = ins[1]!.konst;
      if (!kk) throw new Error('TopKV2 k must be constant');
      const k = ints(kk)[0]!;
      const [values, idx64] = cv.emit('TopK', [cv.name(x, null), cv.i64([k], `${base}/k`)], base, [attr.int('axis', -1), attr.int('largest', 1), attr.int('sorted', 1)], 2) as [string, string];
      const idx = cv.emit('Cast', [idx64], `${base}:1`, [attr.int('to', 6)])[0]!;
      const shape = x.shape ? [...x.shape.slice(0, -1), k] : null;
      return [cv.val(values, x.dtype, shape, null, base), cv.val(idx, 'int32', shape, null, `${base}:1`)];
    }
    case 'ResizeBilinear':
    case 'ResizeNearestNeighbor':
      return [resize(cv, node, a, ins)];
    case 'DepthToSpace':
      return [depthToSpace(cv, node, a, ins[0]!)];
    default:
      throw new UnsupportedOpsError([op]);
  }
}

function filterConst(v: Val | undefined, what: string): ConstTensor {
  if (!v?.konst) throw new Error(`${what} must be constant`);
  return v.konst;
}

function conv(cv: Converter, node: TfNode, a: Attrs, ins: Val[]): Val {
  const base = node.name;
  const x = ins[0]!;
  const depthwise = node.op.includes('Depthwise');
  const nhwc = a.str('data_format', 'NHWC') === 'NHWC';
  const want: Perm = nhwc ? NCHW : null;
  const f = filterConst(ins[1], 'the filter');
  const [kh, kw, ci, co] = f.shape as [number, number, number, number];
  // ONNX weights: [O, I/group, kh, kw]
  let w: ConstTensor;
  let group = 1;
  if (depthwise) {
    // TF [kh, kw, C, mult] -> [C*mult, 1, kh, kw], output channel c*mult+m as in TF.
    w = transposeConst(f, [2, 3, 0, 1]);
    w = { ...w, shape: [ci * co, 1, kh, kw] };
    group = ci;
  } else {
    w = transposeConst(f, [3, 2, 0, 1]);
    const inC = x.shape?.[nhwc ? 3 : 1] ?? -1;
    if (inC > 0 && inC !== ci) {
      if (inC % ci !== 0) throw new Error(`input has ${inC} channels, filter expects ${ci}`);
      group = inC / ci;
    }
  }
  const outC = depthwise ? ci * co : co;
  const st = a.ints('strides');
  const dl = a.ints('dilations');
  const [hAx, wAx] = nhwc ? [1, 2] : [2, 3];
  const strides = [st[hAx] ?? 1, st[wAx] ?? 1];
  const dil = dl.length ? [dl[hAx] ?? 1, dl[wAx] ?? 1] : [1, 1];
  const padding = a.str('padding', 'VALID');
  const inH = x.shape?.[hAx] ?? -1;
  const inW = x.shape?.[wAx] ?? -1;
  const attrs: OnnxAttribute[] = [attr.ints('kernel_shape', [kh, kw]), attr.ints('strides', strides), attr.ints('dilations', dil), attr.int('group', group)];
  let padH: 'SAME' | 'VALID' | [number, number] = 'VALID';
  let padW: 'SAME' | 'VALID' | [number, number] = 'VALID';
  if (padding === 'SAME') {
    if (inH > 0 && inW > 0) {
      padH = samePads(inH, kh, strides[0]!, dil[0]!);
      padW = samePads(inW, kw, strides[1]!, dil[1]!);
      attrs.push(attr.ints('pads', [padH[0], padW[0], padH[1], padW[1]]));
    } else {
      padH = padW = 'SAME';
      attrs.push(attr.string('auto_pad', 'SAME_UPPER'));
    }
  } else if (padding === 'EXPLICIT') {
    const e = a.ints('explicit_paddings');
    padH = [e[2 * hAx]!, e[2 * hAx + 1]!];
    padW = [e[2 * wAx]!, e[2 * wAx + 1]!];
    attrs.push(attr.ints('pads', [padH[0], padW[0], padH[1], padW[1]]));
  } else {
    attrs.push(attr.ints('pads', [0, 0, 0, 0]));
  }
  const inputs = [cv.name(x, want), cv.init({ type: 'float32', dims: w.shape, data: w.data }, `${ins[1]!.base}__oihw`)];
  const fused = node.op.startsWith('Fused') || node.op.startsWith('_Fused') ? a.strs('fused_ops') : [];
  let act = '';
  let extra: Val | undefined;
  for (const fop of fused) {
    if (fop === 'BiasAdd') {
      const bias = filterConst(ins[2], 'the fused bias');
      inputs.push(cv.init({ type: 'float32', dims: [bias.data.length], data: bias.data }, ins[2]!.base));
    } else if (!act) {
      act = fop;
      if (fop === 'Prelu') extra = ins[3];
    } else {
      throw new Error(`fused_ops [${fused.join(', ')}] not supported`);
    }
  }
  const hasAct = act !== '' && act !== 'Identity';
  const y = cv.emit('Conv', inputs, hasAct ? `${base}__conv` : base, attrs)[0]!;
  const shape = [x.shape?.[0] ?? -1, convOut(inH, kh, strides[0]!, dil[0]!, padH), convOut(inW, kw, strides[1]!, dil[1]!, padW), outC];
  const tfShape = nhwc ? shape : [shape[0]!, outC, shape[1]!, shape[2]!];
  // PRelu slope in the ONNX layout: [C] -> [1,1,1,C] -> NCHW [1,C,1,1].
  const out = activation(cv, y, act, base, a, extra, want, tfShape);
  return cv.val(out, 'float32', tfShape, want, base);
}

function pool(cv: Converter, node: TfNode, a: Attrs, x: Val): Val {
  const base = node.name;
  const nhwc = a.str('data_format', 'NHWC') === 'NHWC';
  const want: Perm = nhwc ? NCHW : null;
  const [hAx, wAx] = nhwc ? [1, 2] : [2, 3];
  const ks = a.ints('ksize');
  const st = a.ints('strides');
  const k = [ks[hAx]!, ks[wAx]!];
  const s = [st[hAx]!, st[wAx]!];
  const inH = x.shape?.[hAx] ?? -1;
  const inW = x.shape?.[wAx] ?? -1;
  const padding = a.str('padding', 'VALID');
  const attrs: OnnxAttribute[] = [attr.ints('kernel_shape', k), attr.ints('strides', s)];
  let ph: 'SAME' | 'VALID' | [number, number] = 'VALID';
  let pw: 'SAME' | 'VALID' | [number, number] = 'VALID';
  if (padding === 'SAME' && inH > 0 && inW > 0) {
    ph = samePads(inH, k[0]!, s[0]!, 1);
    pw = samePads(inW, k[1]!, s[1]!, 1);
    attrs.push(attr.ints('pads', [ph[0], pw[0], ph[1], pw[1]]));
  } else if (padding === 'SAME') {
    ph = pw = 'SAME';
    attrs.push(attr.string('auto_pad', 'SAME_UPPER'));
  } else if (padding !== 'VALID') {
    throw new Error(`pool padding ${padding} is not supported`);
  }
  // TF averages over the valid (unpadded) window only.
  if (node.op === 'AvgPool') attrs.push(attr.int('count_include_pad', 0));
  const out = cv.emit(node.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [cv.name(x, want)], base, attrs)[0]!;
  const c = x.shape?.[nhwc ? 3 : 1] ?? -1;
  const oh = convOut(inH, k[0]!, s[0]!, 1, ph);
  const ow = convOut(inW, k[1]!, s[1]!, 1, pw);
  const shape = nhwc ? [x.shape?.[0] ?? -1, oh, ow, c] : [x.shape?.[0] ?? -1, c, oh, ow];
  return cv.val(out, x.dtype, shape, want, base);
}

function matmul(cv: Converter, node: TfNode, a: Attrs, ins: Val[]): Val {
  const base = node.name;
  const [x, y] = [ins[0]!, ins[1]!];
  const batch = node.op.startsWith('Batch');
  const ta = batch ? a.bool('adj_x') : a.bool('transpose_a');
  const tb = batch ? a.bool('adj_y') : a.bool('transpose_b');
  const fused = node.op === '_FusedMatMul' ? a.strs('fused_ops') : [];
  let bias: ConstTensor | undefined;
  let act = '';
  let extra: Val | undefined;
  for (const f of fused) {
    if (f === 'BiasAdd') bias = filterConst(ins[2], 'the fused bias');
    else if (!act) {
      act = f;
      if (f === 'Prelu') extra = ins[3];
    } else throw new Error(`fused_ops [${fused.join(', ')}] not supported`);
  }
  const rx = rankOf(x, base);
  const ry = rankOf(y, base);
  const hasAct = act !== '' && act !== 'Identity';
  let out: string;
  let shape: number[];
  if (rx === 2 && ry === 2) {
    const inputs = [cv.name(x, null), cv.name(y, null)];
    if (bias) inputs.push(cv.init({ type: 'float32', dims: [bias.data.length], data: bias.data }, ins[2]!.base));
    out = cv.emit('Gemm', inputs, hasAct ? `${base}__gemm` : base, [attr.int('transA', ta ? 1 : 0), attr.int('transB', tb ? 1 : 0)])[0]!;
    shape = [ta ? x.shape![1]! : x.shape![0]!, tb ? y.shape![0]! : y.shape![1]!];
  } else {
    const swap = (v: Val, r: number, t: boolean) => {
      const n = cv.name(v, null);
      if (!t) return n;
      const p = idPerm(r);
      [p[r - 2], p[r - 1]] = [p[r - 1]!, p[r - 2]!];
      return cv.emit('Transpose', [n], `${v.base}__t`, [attr.ints('perm', p)])[0]!;
    };
    out = cv.emit('MatMul', [swap(x, rx, ta), swap(y, ry, tb)], bias || hasAct ? `${base}__matmul` : base)[0]!;
    if (bias) out = cv.emit('Add', [out, cv.init({ type: 'float32', dims: [bias.data.length], data: bias.data }, ins[2]!.base)], hasAct ? `${base}__bias` : base)[0]!;
    const xs = x.shape!;
    const ys = y.shape!;
    const m = ta ? xs[rx - 1]! : xs[rx - 2]!;
    const n = tb ? ys[ry - 2]! : ys[ry - 1]!;
    shape = [...broadcastShape(xs.slice(0, -2), ys.slice(0, -2)), m, n];
  }
  out = activation(cv, out, act, base, a, extra, null, shape);
  return cv.val(out, 'float32', shape, null, base);
}

/**
 * TF DepthToSpace (NHWC): out[n, h*b + i, w*b + j, c] = in[n, h, w, (i*b + j)*C + c]. ONNX's
 * DepthToSpace in DCR mode is the same rearrangement on NCHW, so the input goes NCHW.
 */
function depthToSpace(cv: Converter, node: TfNode, a: Attrs, x: Val): Val {
  const base = node.name;
  if (a.str('data_format', 'NHWC') !== 'NHWC') throw new Error(`DepthToSpace data_format ${a.str('data_format')} is not supported`);
  const b = a.int('block_size');
  if (!(b >= 1)) throw new Error(`DepthToSpace block_size ${b}`);
  const out = cv.emit('DepthToSpace', [cv.name(x, NCHW)], base, [attr.int('blocksize', b), attr.string('mode', 'DCR')])[0]!;
  const [n, h, w, c] = x.shape ?? [-1, -1, -1, -1];
  const scale = (d: number) => (d >= 0 ? d * b : -1);
  const shape = [n!, scale(h!), scale(w!), c! >= 0 ? c! / (b * b) : -1];
  return cv.val(out, x.dtype, shape, NCHW, base);
}

function resize(cv: Converter, node: TfNode, a: Attrs, ins: Val[]): Val {
  const base = node.name;
  const x = ins[0]!;
  const sk = ins[1]!.konst;
  if (!sk) throw new Error('resize size must be constant');
  const [h, w] = ints(sk) as [number, number];
  const bilinear = node.op === 'ResizeBilinear';
  const alignCorners = a.bool('align_corners');
  const halfPixel = a.bool('half_pixel_centers');
  const mode = alignCorners ? 'align_corners' : halfPixel ? (bilinear ? 'half_pixel' : 'tf_half_pixel_for_nn') : 'asymmetric';
  const attrs: OnnxAttribute[] = [attr.string('mode', bilinear ? 'linear' : 'nearest'), attr.string('coordinate_transformation_mode', mode)];
  if (!bilinear) attrs.push(attr.string('nearest_mode', alignCorners ? 'round_prefer_ceil' : 'floor'));
  const xin = cv.name(x, NCHW);
  const [n, c] = [x.shape?.[0] ?? -1, x.shape?.[3] ?? -1];
  let sizes: string;
  if (n >= 0 && c >= 0) sizes = cv.i64([n, c, h, w], `${base}/sizes`);
  else {
    const s = cv.emit('Shape', [xin], `${base}__shape`)[0]!;
    const nc = cv.emit('Slice', [s, cv.i64([0]), cv.i64([2]), cv.i64([0])], `${base}__nc`)[0]!;
    sizes = cv.emit('Concat', [nc, cv.i64([h, w])], `${base}__sizes`, [attr.int('axis', 0)])[0]!;
  }
  const out = cv.emit('Resize', [xin, '', '', sizes], base, attrs)[0]!;
  return cv.val(out, x.dtype, [n, h, w, c], NCHW, base);
}
