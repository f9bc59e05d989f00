/**
 * DetectLabels benchmark, run once with the TF.js models on tfjs-wasm (ARGUS_CONVERT_TO_ONNX=0,
 * before native inference) and once converted to ONNX (the default): latency through the API (official SDK over
 * HTTP) versus the bare model calls DetectLabels makes (object detector + text-region detector,
 * on an already decoded image) on the same photos in the same run, and throughput with 1 and 2
 * inference workers. Writes bench/results/detect-labels.json and prints a table.
 * Usage: npm run bench   (photos from ../shared/eval-data; a generated image when it is absent)
 */
import { mkdirSync, readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import sharp from 'sharp';
import { DetectLabelsCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import type { Argus } from '../src/app.js';
import { decodeImage, BYTES_LIMITS } from '../src/media/image.js';
import { TEXT_EVIDENCE_MAX_SIDE } from '../src/vision/text/evidence.js';
import { renderTable } from '../src/cli/table.js';
import { EVAL_DATA, median, percentile, withBenchServer } from './util.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function photos(): Promise<{ name: string; bytes: Buffer }[]> {
  const dirs = [join(EVAL_DATA, 'coco8-yolo', 'images', 'val'), join(EVAL_DATA, 'coco8-yolo', 'images', 'train'), join(EVAL_DATA, 'labels-classics-unannotated')];
  const found = dirs.filter(existsSync).flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.jpg')).map((f) => ({ name: f, bytes: readFileSync(join(d, f)) })));
  if (found.length) return found;
  console.log(`eval data not found at ${EVAL_DATA}: benchmarking a generated 640x480 image`);
  const bytes = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#6688aa' } }).jpeg().toBuffer();
  return [{ name: 'generated.jpg', bytes }];
}


async function withServer<T>(workers: number, convertToOnnx: boolean, fn: (client: RekognitionClient, argus: Argus) => Promise<T>): Promise<T> {
  return withBenchServer({ workers, convertToOnnx }, async ({ argus, rekognition }) => {
    await argus.services.runtime.warmUp([...argus.services.labels.models, ...argus.services.text.models]);
    return fn(rekognition, argus);
  });
}

async function throughput(client: RekognitionClient, images: Buffer[], concurrency: number, total: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        await client.send(new DetectLabelsCommand({ Image: { Bytes: images[i % images.length]! } }));
      }
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

async function measure(set: { name: string; bytes: Buffer }[], convertToOnnx: boolean) {
  const latency = await withServer(1, convertToOnnx, async (client, argus) => {
    const api: number[] = [];
    const bare: number[] = [];
    for (const p of set) await client.send(new DetectLabelsCommand({ Image: { Bytes: p.bytes } })); // warm caches
    for (let r = 0; r < ROUNDS; r++) {
      for (const p of set) {
        let t0 = performance.now();
        await client.send(new DetectLabelsCommand({ Image: { Bytes: p.bytes } }));
        api.push(performance.now() - t0);
        // The bare model calls: the same two detectors on an already decoded image, no HTTP, no JSON.
        const img = await decodeImage(p.bytes, BYTES_LIMITS);
        t0 = performance.now();
        await Promise.all([argus.services.labels.detectObjects(img), argus.services.text.detectRegions(img, TEXT_EVIDENCE_MAX_SIDE)]);
        bare.push(performance.now() - t0);
      }
    }
    const backend = argus.services.runtime.health().find((m) => m.id === 'centernet')?.backend;
    return { api, bare, backend };
  });
  const images = set.map((p) => p.bytes);
  const total = Math.max(16, set.length * 2);
  const tp1 = await withServer(1, convertToOnnx, (client) => throughput(client, images, 4, total));
  const tp2 = await withServer(2, convertToOnnx, (client) => throughput(client, images, 4, total));
  return {
    detectorBackend: latency.backend,
    api: { medianMs: median(latency.api), p95Ms: percentile(latency.api, 95) },
    bareModel: { medianMs: median(latency.bare), p95Ms: percentile(latency.bare, 95) },
    apiOverBare: median(latency.api) / median(latency.bare),
    throughput: { oneWorkerPerSec: tp1, twoWorkersPerSec: tp2, ratio: tp2 / tp1 },
  };
}

async function main() {
  const set = await photos();
  const before = await measure(set, false);
  const after = await measure(set, true);
  const result = {
    date: new Date().toISOString(),
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
    photos: set.length,
    rounds: ROUNDS,
    tfjsWasm: before,
    onnx: after,
    apiSpeedup: before.api.medianMs / after.api.medianMs,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/detect-labels.json', JSON.stringify(result, null, 2) + '\n');
  const row = (label: string, f: (m: typeof before) => string) => [label, f(before), f(after)];
  console.log(
    renderTable(
      ['DetectLabels', `TF.js models on ${before.detectorBackend}`, `converted, on ${after.detectorBackend}`],
      [
        row('via API, median / p95 (ms)', (m) => `${m.api.medianMs.toFixed(0)} / ${m.api.p95Ms.toFixed(0)}`),
        row('bare model calls, median / p95 (ms)', (m) => `${m.bareModel.medianMs.toFixed(0)} / ${m.bareModel.p95Ms.toFixed(0)}`),
        row('API median / bare median', (m) => m.apiOverBare.toFixed(2) + 'x'),
        row('throughput, 1 worker (images/s)', (m) => m.throughput.oneWorkerPerSec.toFixed(2)),
        row('throughput, 2 workers (images/s)', (m) => m.throughput.twoWorkersPerSec.toFixed(2)),
        row('2 workers / 1 worker', (m) => m.throughput.ratio.toFixed(2) + 'x'),
      ],
    ),
  );
  console.log(`\nAPI median, converted / not converted: ${(1 / result.apiSpeedup).toFixed(2)}x. ${set.length} photos x ${ROUNDS} rounds; JSON in bench/results/detect-labels.json`);
}

await main();
