/**
 * Unpack-on-first-use for models a package ships in a form no backend reads: nsfwjs's Keras
 * models, wrapped as base64 JavaScript modules (parsing those is what made nsfwjs's own first load
 * take 6.7 s), and face-api's bare weight manifests whose network lives in library code
 * (face-api-resnet.ts). The first use reads the sources, builds the Keras layers model, converts
 * it to a TF.js graph model (keras-to-graph.ts) and writes `model.json` +
 * `weights.bin` into `<cacheDir>/<model id>/<key>/`; later starts only hash the sources and find
 * the folder. The graph model then goes wherever graph models go (tfjs-wasm, or the ONNX cache).
 *
 * The key is the sha256 of the source files (model module and shards, in order) plus the
 * unpacker's version, so an upgraded package or converter unpacks again. The folder is written
 * under a temporary name and renamed into place, so concurrent workers never read half a model;
 * a worker that loses the race discards its copy. Folders of other keys are removed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unpackNsfwjsModel, type KerasModelJson } from './nsfwjs-bundle.js';
import { faceApiResnetAsKeras } from './face-api-resnet.js';
import { kerasToGraph } from './keras-to-graph.js';

/** Bump when the unpacked output changes, so cached folders are rebuilt. */
export const UNPACKER_VERSION = 1;

export type PackagingKind = 'nsfwjs-keras-js' | 'face-api-resnet';

export interface PackedSource {
  kind: PackagingKind;
  /** The module holding model.json ('nsfwjs-keras-js'), or the weights manifest ('face-api-resnet'). */
  modelFile: string;
  /** The weight shards (modules for 'nsfwjs-keras-js'), in manifest order. */
  shardFiles: readonly string[];
}

export interface UnpackedModel {
  /** The graph model's model.json (weights.bin beside it). */
  modelJson: string;
  /** sha256 over the source files. */
  sha256: string;
  fromCache: boolean;
  /** Hashing the sources, plus unpacking and writing on a miss. */
  ms: number;
}

const WEIGHTS = 'weights.bin';

export function sourcesSha256(src: PackedSource): string {
  const hash = createHash('sha256');
  for (const f of [src.modelFile, ...src.shardFiles]) hash.update(readFileSync(f));
  return hash.digest('hex');
}

function readLayersModel(src: PackedSource): { json: KerasModelJson; weightData: Buffer } {
  switch (src.kind) {
    case 'nsfwjs-keras-js':
      return unpackNsfwjsModel(src.modelFile, src.shardFiles);
    case 'face-api-resnet':
      return faceApiResnetAsKeras(JSON.parse(readFileSync(src.modelFile, 'utf8')), Buffer.concat(src.shardFiles.map((f) => readFileSync(f))));
    default:
      throw new Error(`unknown packaging '${String(src.kind)}'`);
  }
}

/** The unpacked graph model for `src`, from `<cacheDir>/<id>/` or unpacked now. */
export function unpackedModel(id: string, src: PackedSource, cacheDir: string): UnpackedModel {
  const t0 = performance.now();
  const sha256 = sourcesSha256(src);
  const key = `${sha256.slice(0, 32)}.u${UNPACKER_VERSION}`;
  const root = join(cacheDir, id);
  const dir = join(root, key);
  const modelJson = join(dir, 'model.json');
  if (existsSync(modelJson) && existsSync(join(dir, WEIGHTS))) return { modelJson, sha256, fromCache: true, ms: performance.now() - t0 };

  const layers = readLayersModel(src);
  const graph = kerasToGraph(layers.json, layers.weightData, WEIGHTS);
  graph.json.userDefinedMetadata = { unpackedFrom: [src.modelFile, ...src.shardFiles], sourceSha256: sha256, unpackerVersion: UNPACKER_VERSION };

  mkdirSync(root, { recursive: true });
  const tmp = join(root, `${key}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  mkdirSync(tmp);
  try {
    writeFileSync(join(tmp, WEIGHTS), graph.weightData);
    writeFileSync(join(tmp, 'model.json'), JSON.stringify(graph.json));
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another worker renamed its copy first: use that one.
      if (!existsSync(modelJson)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const other of readdirSync(root)) {
    if (other !== key && !other.includes('.tmp-')) rmSync(join(root, other), { recursive: true, force: true });
  }
  return { modelJson, sha256, fromCache: false, ms: performance.now() - t0 };
}
