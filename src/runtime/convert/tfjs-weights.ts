/**
 * Reading TensorFlow.js graph models from disk: `model.json`, the weights manifest and its shards,
 * with the manifest's quantisation undone exactly as tfjs-core's `io.decodeWeights` does it:
 *  - `quantization: { dtype: 'uint8' | 'uint16', scale, min }`: value = q * scale + min
 *    (rounded for int32 weights);
 *  - `quantization: { dtype: 'float16' }`: IEEE half -> float32 (float32 weights only).
 * String and complex weights are refused (no graph model of the pack has them).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type TfDtype = 'float32' | 'int32' | 'bool';

/** A constant, in TensorFlow's logical layout (row-major over `shape`). */
export interface ConstTensor {
  dtype: TfDtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export interface WeightsGroup {
  paths: string[];
  weights: WeightSpec[];
}

export interface TfAttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
  list?: { s?: string[]; i?: (string | number)[]; f?: number[]; b?: boolean[]; type?: string[] };
  tensor?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttrValue>;
}

export interface TfSignatureEntry {
  name: string;
  dtype?: string;
  tensorShape?: { dim?: { size?: string | number }[] };
}

export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: { node: TfNode[]; library?: { function?: unknown[] }; versions?: unknown };
  weightsManifest: WeightsGroup[];
  signature?: { inputs?: Record<string, TfSignatureEntry>; outputs?: Record<string, TfSignatureEntry> };
  userDefinedMetadata?: Record<string, unknown>;
}

export interface TfjsGraphModel {
  json: TfjsModelJson;
  weights: Map<string, ConstTensor>;
  /** sha256 over model.json and every shard, in manifest order: the conversion cache key. */
  sha256: string;
}

let HALF_TABLE: Float32Array | undefined;

/** IEEE 754 binary16 -> number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function halfTable(): Float32Array {
  if (!HALF_TABLE) {
    HALF_TABLE = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) HALF_TABLE[h] = halfToFloat(h);
  }
  return HALF_TABLE;
}

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Decodes the weights of a manifest from the concatenation of its shards (`data`, in manifest
 * order). Returns one float32 / int32 / bool tensor per weight name.
 */
export function decodeWeights(specs: readonly WeightSpec[], data: Uint8Array): Map<string, ConstTensor> {
  const out = new Map<string, ConstTensor>();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  for (const spec of specs) {
    const n = size(spec.shape);
    const q = spec.quantization;
    const stored = q ? q.dtype : spec.dtype;
    const per = BYTES[stored];
    if (per === undefined) throw new Error(`weight '${spec.name}': unsupported ${q ? 'quantization ' : ''}dtype '${stored}'`);
    const bytes = n * per;
    if (offset + bytes > data.byteLength) throw new Error(`weight '${spec.name}' runs past the end of the weight data (${offset + bytes} > ${data.byteLength} bytes)`);
    const shape = spec.shape.slice();
    if (spec.dtype !== 'float32' && spec.dtype !== 'int32' && spec.dtype !== 'bool') throw new Error(`weight '${spec.name}': unsupported dtype '${spec.dtype}'`);
    if (q) {
      if (q.dtype === 'float16') {
        if (spec.dtype !== 'float32') throw new Error(`weight '${spec.name}': float16 quantisation of a ${spec.dtype} weight`);
        const table = halfTable();
        const values = new Float32Array(n);
        for (let i = 0; i < n; i++) values[i] = table[view.getUint16(offset + 2 * i, true)]!;
        out.set(spec.name, { dtype: 'float32', shape, data: values });
      } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
        if (q.scale === undefined || q.min === undefined) throw new Error(`weight '${spec.name}' with ${q.dtype} quantisation has no scale and min`);
        const read = q.dtype === 'uint8' ? (i: number) => view.getUint8(offset + i) : (i: number) => view.getUint16(offset + 2 * i, true);
        if (spec.dtype === 'float32') {
          const values = new Float32Array(n);
          for (let i = 0; i < n; i++) values[i] = read(i) * q.scale + q.min;
          out.set(spec.name, { dtype: 'float32', shape, data: values });
        } else if (spec.dtype === 'int32') {
          const values = new Int32Array(n);
          for (let i = 0; i < n; i++) values[i] = Math.round(read(i) * q.scale + q.min);
          out.set(spec.name, { dtype: 'int32', shape, data: values });
        } else {
          throw new Error(`weight '${spec.name}': ${q.dtype} quantisation of a ${spec.dtype} weight`);
        }
      } else {
        throw new Error(`weight '${spec.name}': unknown quantization dtype '${q.dtype}'`);
      }
    } else {
      // Copy: the shard buffer need not be 4-byte aligned at this offset.
      const slice = data.slice(offset, offset + bytes);
      const values = spec.dtype === 'float32' ? new Float32Array(slice.buffer) : spec.dtype === 'int32' ? new Int32Array(slice.buffer) : new Uint8Array(slice.buffer);
      out.set(spec.name, { dtype: spec.dtype, shape, data: values });
    }
    offset += bytes;
  }
  if (offset !== data.byteLength) throw new Error(`weight data has ${data.byteLength} bytes, the manifest describes ${offset}`);
  return out;
}

/** Reads `model.json` and its shards, checks the format and decodes every weight. */
export function readTfjsGraphModel(modelJsonPath: string): TfjsGraphModel {
  const raw = readFileSync(modelJsonPath);
  const json = JSON.parse(raw.toString('utf8')) as TfjsModelJson;
  if (!json.modelTopology || !Array.isArray(json.modelTopology.node)) {
    throw new Error(`${modelJsonPath} is not a TensorFlow.js graph model (no modelTopology.node; layers models are not supported)`);
  }
  if ((json.modelTopology.library?.function?.length ?? 0) > 0) throw new Error(`${modelJsonPath} uses control-flow functions, which the converter does not support`);
  const hash = createHash('sha256').update(raw);
  const specs: WeightSpec[] = [];
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const shard = readFileSync(join(dirname(modelJsonPath), p));
      hash.update(shard);
      shards.push(shard);
    }
  }
  const all = Buffer.concat(shards);
  return { json, weights: decodeWeights(specs, new Uint8Array(all.buffer, all.byteOffset, all.byteLength)), sha256: hash.digest('hex') };
}

/** sha256 of a graph model's model.json and shards, without decoding anything. */
export function tfjsModelSha256(modelJsonPath: string): string {
  const raw = readFileSync(modelJsonPath);
  const json = JSON.parse(raw.toString('utf8')) as TfjsModelJson;
  const hash = createHash('sha256').update(raw);
  for (const group of json.weightsManifest ?? []) for (const p of group.paths) hash.update(readFileSync(join(dirname(modelJsonPath), p)));
  return hash.digest('hex');
}
