/**
 * DetectFaces latency: through the API (official SDK over HTTP, Attributes ALL, 2 inference
 * workers) with the models converted to ONNX (the default) and on tfjs-wasm (before native
 * inference), against face-api's own full chain (SSD MobileNetV1 + 68 landmarks + expressions +
 * age/gender + descriptors, the library on tfjs-wasm in this thread) on the same images in the
 * same run. Images: a 1-face photo and a 5-face group photo from eval-data.
 *
 *   npx tsc -p . && node dist/bench/detect-faces.js [--runs 7] [--json bench/results/detect-faces.json]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DetectFacesCommand } from '@aws-sdk/client-rekognition';
import { decodeImage, BYTES_LIMITS } from '../src/media/image.js';
import { EVAL_DATA, median, withBenchServer } from './util.js';
import { faceApiTensor, loadFaceApi } from './face-api.js';


interface Row {
  image: string;
  faces: number;
  onnxMs: number;
  tfjsWasmMs: number;
  faceApiMs: number;
  faceApiFaces: number;
}

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

async function apiMedian(images: { bytes: Buffer }[], convertToOnnx: boolean, runs: number): Promise<{ ms: number[]; faces: number[] }> {
  return withBenchServer({ convertToOnnx }, async ({ rekognition: client }) => {
    const out = { ms: [] as number[], faces: [] as number[] };
    for (const im of images) {
      const call = () => client.send(new DetectFacesCommand({ Image: { Bytes: im.bytes }, Attributes: ['ALL'] }));
      out.faces.push((await call()).FaceDetails!.length);
      out.ms.push(await timeIt(runs, call));
    }
    return out;
  });
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, d: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : d);
  const runs = Number(arg('--runs', '7'));
  const jsonPath = arg('--json', 'bench/results/detect-faces.json');
  const files = [join(EVAL_DATA, 'faces-face-recognition', 'examples', 'obama.jpg'), join(EVAL_DATA, 'faces-bbt-identities', 'group', 'bbt3.jpg')];
  if (!files.every(existsSync)) {
    console.log(`eval-data not found at ${EVAL_DATA}; nothing to measure`);
    return;
  }
  const images = files.map((f) => ({ name: f.split('/').pop()!, bytes: readFileSync(f) }));
  const onnx = await apiMedian(images, true, runs);
  const wasm = await apiMedian(images, false, runs);

  const api = await loadFaceApi(['ssdMobilenetv1', 'faceLandmark68Net', 'faceRecognitionNet', 'ageGenderNet', 'faceExpressionNet']);
  const options = new api.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 });
  const rows: Row[] = [];
  for (const [i, im] of images.entries()) {
    const img = await decodeImage(im.bytes, BYTES_LIMITS);
    let found = 0;
    // The library's chain includes its own decoding-free tensor input; Argus's API time includes decoding and HTTP.
    const faceApiMs = await timeIt(runs, async () => {
      const t = faceApiTensor(api, img);
      try {
        found = (await api.detectAllFaces(t, options).withFaceLandmarks().withFaceExpressions().withAgeAndGender().withFaceDescriptors()).length;
      } finally {
        t.dispose();
      }
    });
    rows.push({ image: im.name, faces: onnx.faces[i]!, onnxMs: onnx.ms[i]!, tfjsWasmMs: wasm.ms[i]!, faceApiMs, faceApiFaces: found });
  }
  const result = { command: 'node dist/bench/detect-faces.js', runs, workers: 2, rows: rows.map((r) => ({ ...r, ratioOnnxVsFaceApi: r.onnxMs / r.faceApiMs, ratioOnnxVsTfjsWasm: r.onnxMs / r.tfjsWasmMs })) };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(result, null, 2));
  console.log('image         faces  Argus ONNX  Argus tfjs-wasm  face-api chain (faces)  ONNX / face-api');
  for (const r of result.rows) {
    console.log(`${r.image.padEnd(13)} ${String(r.faces).padStart(5)}  ${r.onnxMs.toFixed(0).padStart(7)} ms  ${r.tfjsWasmMs.toFixed(0).padStart(12)} ms  ${r.faceApiMs.toFixed(0).padStart(11)} ms (${r.faceApiFaces})  ${r.ratioOnnxVsFaceApi.toFixed(2).padStart(12)}x`);
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
