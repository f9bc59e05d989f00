/**
 * DetectLabels benchmark: latency through the API (official SDK over HTTP) versus the bare model
 * call on the same photos in the same run, and throughput with 1 and 2 inference workers.
 * Writes bench/results/detect-labels.json and prints a table.
 * Usage: npm run bench   (photos from ../shared/eval-data; a generated image when it is absent)
 */
import { mkdirSync, readFileSync, readdirSync, existsSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, cpus } from 'node:os';
import sharp from 'sharp';
import { DetectLabelsCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { loadConfig } from '../src/config.js';
import { startArgus } from '../src/app.js';
import { decodeImage, resizeForModel, BYTES_LIMITS } from '../src/media/image.js';
import { DETECTORS } from '../src/vision/detect-objects.js';
import { renderTable } from '../src/cli/table.js';
import { EVAL_DATA, median, percentile } from './util.js';

const KEY = { accessKeyId: 'AKIABENCH00000000001', secretAccessKey: 'bench-secret-0123456789abcdefghijklmnopq' };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function photos(): Promise<{ name: string; bytes: Buffer }[]> {
  const dirs = [join(EVAL_DATA, 'coco8-yolo', 'images', 'val'), join(EVAL_DATA, 'coco8-yolo', 'images', 'train'), join(EVAL_DATA, 'labels-classics-unannotated')];
  const found = dirs.filter(existsSync).flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.jpg')).map((f) => ({ name: f, bytes: readFileSync(join(d, f)) })));
  if (found.length) return found;
  console.log(`eval data not found at ${EVAL_DATA}: benchmarking a generated 640x480 image`);
  const bytes = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#6688aa' } }).jpeg().toBuffer();
  return [{ name: 'generated.jpg', bytes }];
}

async function withServer<T>(workers: number, fn: (client: RekognitionClient, argus: Awaited<ReturnType<typeof startArgus>>) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'argus-bench-'));
  const config = loadConfig({}, { dataDir, port: 0, credentials: [KEY], workers, intraOpThreads: 1, warmUp: false });
  const argus = await startArgus(config);
  await argus.services.runtime.warmUp([DETECTORS[config.objectModel]!.model]);
  const client = new RekognitionClient({ endpoint: argus.url, region: 'us-east-1', credentials: KEY, maxAttempts: 1 });
  try {
    return await fn(client, argus);
  } finally {
    client.destroy();
    await argus.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
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

async function main() {
  const set = await photos();
  const spec = DETECTORS.centernet!;
  const latency = await withServer(1, async (client, argus) => {
    const api: number[] = [];
    const bare: number[] = [];
    for (const p of set) await client.send(new DetectLabelsCommand({ Image: { Bytes: p.bytes } })); // warm caches
    for (let r = 0; r < ROUNDS; r++) {
      for (const p of set) {
        let t0 = performance.now();
        await client.send(new DetectLabelsCommand({ Image: { Bytes: p.bytes } }));
        api.push(performance.now() - t0);
        // The bare model call: the detector on an already decoded and resized image.
        const img = await decodeImage(p.bytes, BYTES_LIMITS);
        const { data } = await resizeForModel(img, spec.inputSize, spec.inputSize, 'fill');
        const feeds = spec.feeds(data);
        t0 = performance.now();
        await argus.services.runtime.run(spec.model, feeds, [...spec.outputs]);
        bare.push(performance.now() - t0);
      }
    }
    return { api, bare };
  });
  const images = set.map((p) => p.bytes);
  const total = Math.max(16, set.length * 2);
  const tp1 = await withServer(1, (client) => throughput(client, images, 4, total));
  const tp2 = await withServer(2, (client) => throughput(client, images, 4, total));

  const result = {
    date: new Date().toISOString(),
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
    model: spec.model,
    photos: set.length,
    rounds: ROUNDS,
    api: { medianMs: median(latency.api), p95Ms: percentile(latency.api, 95) },
    bareModel: { medianMs: median(latency.bare), p95Ms: percentile(latency.bare, 95) },
    apiOverBare: median(latency.api) / median(latency.bare),
    throughput: { oneWorkerPerSec: tp1, twoWorkersPerSec: tp2, ratio: tp2 / tp1 },
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/detect-labels.json', JSON.stringify(result, null, 2) + '\n');
  console.log(
    renderTable(
      ['measure', 'value'],
      [
        ['DetectLabels via API, median / p95 (ms)', `${result.api.medianMs.toFixed(0)} / ${result.api.p95Ms.toFixed(0)}`],
        ['bare model call, median / p95 (ms)', `${result.bareModel.medianMs.toFixed(0)} / ${result.bareModel.p95Ms.toFixed(0)}`],
        ['API median / bare median', result.apiOverBare.toFixed(2) + 'x'],
        ['throughput, 1 worker (images/s)', tp1.toFixed(2)],
        ['throughput, 2 workers (images/s)', tp2.toFixed(2)],
        ['2 workers / 1 worker', result.throughput.ratio.toFixed(2) + 'x'],
      ],
    ),
  );
  console.log(`\n${set.length} photos x ${ROUNDS} rounds; JSON in bench/results/detect-labels.json`);
}

await main();
