/**
 * The @vladmandic/face-api library itself on tfjs-wasm (in this thread), as the reference the face
 * benchmarks compare Argus with. Loaded lazily: it needs the devDependency @tensorflow/tfjs.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export interface FaceApiBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FaceApi {
  tf: { setBackend(b: string): Promise<boolean>; ready(): Promise<void>; getBackend(): string; tensor3d(d: Uint8Array, s: number[], t: string): { dispose(): void } };
  nets: Record<'ssdMobilenetv1' | 'faceLandmark68Net' | 'faceRecognitionNet' | 'ageGenderNet' | 'faceExpressionNet', { loadFromDisk(dir: string): Promise<void> }>;
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults: number }) => unknown;
  // The chain's builder methods, loosely typed.
  detectAllFaces(t: unknown, o: unknown): FaceApiChain;
}

interface FaceApiChain extends PromiseLike<{ score: number; box: FaceApiBox }[]> {
  withFaceLandmarks(): FaceApiChain;
  withFaceExpressions(): FaceApiChain;
  withAgeAndGender(): FaceApiChain;
  withFaceDescriptors(): FaceApiChain;
}

/** face-api on the wasm backend with the given nets loaded from its package's model folder. */
export async function loadFaceApi(nets: readonly (keyof FaceApi['nets'])[]): Promise<FaceApi> {
  const api = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(p: string): void };
  wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  await api.tf.setBackend('wasm');
  await api.tf.ready();
  if (api.tf.getBackend() !== 'wasm') throw new Error(`face-api runs on ${api.tf.getBackend()}, not wasm`);
  const dir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  for (const n of nets) await api.nets[n].loadFromDisk(dir);
  return api;
}

/** An RGB image as the int32 tensor face-api takes (the caller disposes it). */
export function faceApiTensor(api: FaceApi, img: { data: Uint8Array; width: number; height: number }) {
  return api.tf.tensor3d(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.length), [img.height, img.width, 3], 'int32');
}
