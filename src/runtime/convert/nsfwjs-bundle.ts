/**
 * Reads the models nsfwjs ships: a Keras layers model (`model.min.js`) and its weight shards
 * (`group1-shardNofM.min.js`), each wrapped by browserify as a UMD module whose export is the
 * model.json object or the shard's bytes as one base64 string.
 *
 * Each module is evaluated in an empty `vm` context (no require, process or globals of ours), with
 * a time limit, only to obtain its export; nothing of nsfwjs's runtime is loaded. This is what the
 * model cache does once per source (see packed-model.ts); afterwards the unpacked files are read.
 */
import vm from 'node:vm';
import { readFileSync } from 'node:fs';

/** A Keras layers model.json as tfjs-layers writes it (only what the converter reads is typed). */
export interface KerasModelJson {
  format?: string;
  modelTopology: {
    keras_version?: string;
    backend?: string;
    model_config: { class_name: string; config: KerasModelConfig };
    training_config?: unknown;
  };
  weightsManifest: { paths: string[]; weights: import('./tfjs-weights.js').WeightSpec[] }[];
}

export interface KerasModelConfig {
  name?: string;
  layers: KerasLayer[];
  input_layers: [string, number, number][];
  output_layers: [string, number, number][];
}

export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  /** One entry per call of the layer; each lists [layer, nodeIndex, tensorIndex, kwargs] inputs. */
  inbound_nodes: [string, number, number, unknown?][][];
}

const EVAL_TIMEOUT_MS = 30_000;

/**
 * The export of one browserify UMD module file, evaluated in an empty context. Objects are
 * copied out through JSON: arrays made in another context fail `instanceof Array` in ours.
 */
export function readBundleExport(path: string): unknown {
  const module: { exports: unknown } = { exports: {} };
  vm.runInNewContext(readFileSync(path, 'utf8'), { module, exports: module.exports }, { filename: path, timeout: EVAL_TIMEOUT_MS });
  const out = module.exports;
  return out !== null && typeof out === 'object' ? JSON.parse(JSON.stringify(out)) : out;
}

export interface UnpackedLayersModel {
  json: KerasModelJson;
  /** The shards' bytes, concatenated in manifest order. */
  weightData: Buffer;
}

/**
 * The layers model and its weights from nsfwjs's JS modules. `shardFiles` must follow the
 * manifest's path order (group1-shard1ofN, 2ofN, ...); each path is matched by name.
 */
export function unpackNsfwjsModel(modelFile: string, shardFiles: readonly string[]): UnpackedLayersModel {
  const json = readBundleExport(modelFile) as KerasModelJson;
  if (!json || typeof json !== 'object' || !json.modelTopology?.model_config?.config?.layers) {
    throw new Error(`${modelFile} does not export a Keras layers model (no modelTopology.model_config.config.layers)`);
  }
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  if (paths.length !== shardFiles.length) throw new Error(`${modelFile} names ${paths.length} weight shards, ${shardFiles.length} were given`);
  const shards = paths.map((p, i) => {
    const file = shardFiles[i]!;
    if (!file.includes(p)) throw new Error(`weight shard ${i + 1} should be ${p}, got ${file}`);
    const b64 = readBundleExport(file);
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64.slice(0, 64)) || b64.length % 4 !== 0) {
      throw new Error(`${file} does not export a base64 string`);
    }
    return Buffer.from(b64, 'base64');
  });
  return { json, weightData: Buffer.concat(shards) };
}
