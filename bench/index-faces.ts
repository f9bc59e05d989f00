/**
 * IndexFaces throughput through the API (official SDK over HTTP, 4 requests in flight) with 1
 * and 2 inference workers, on eval-data's face photos (the 40 bbt crops, the 55 dlib chips and
 * the 5 bbt group photos), then SearchFacesByImage latency on the resulting collection.
 *
 *   npx tsc -p . && node dist/bench/index-faces.js [--json bench/results/index-faces.json]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CreateCollectionCommand, IndexFacesCommand, SearchFacesByImageCommand } from '@aws-sdk/client-rekognition';
import { EVAL_DATA, median, withBenchServer } from './util.js';

const IN_FLIGHT = 4;

function photos(): Buffer[] {
  const dirs = [
    ...['faces-bbt-identities/identities', 'faces-dlib-johns'].flatMap((d) => {
      const root = join(EVAL_DATA, d);
      return existsSync(root) ? readdirSync(root).map((who) => join(root, who)) : [];
    }),
    join(EVAL_DATA, 'faces-bbt-identities', 'group'),
  ];
  return dirs.filter(existsSync).flatMap((d) => readdirSync(d).filter((f) => /\.(png|jpe?g)$/i.test(f)).map((f) => readFileSync(join(d, f))));
}

async function run(workers: number, images: Buffer[]) {
  return withBenchServer({ workers }, async ({ rekognition: client }) => {
    await client.send(new CreateCollectionCommand({ CollectionId: 'bench' }));
    // Warm the models with one call outside the timing.
    await client.send(new IndexFacesCommand({ CollectionId: 'bench', Image: { Bytes: images[0]! }, ExternalImageId: 'warm' }));
    let next = 0;
    let faces = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < images.length) {
          const i = next++;
          const r = await client.send(new IndexFacesCommand({ CollectionId: "bench", Image: { Bytes: images[i]! }, ExternalImageId: `img${i}` }));
          faces += r.FaceRecords!.length;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const searchMs: number[] = [];
    for (const img of images.slice(0, 20)) {
      const s = performance.now();
      await client.send(new SearchFacesByImageCommand({ CollectionId: 'bench', Image: { Bytes: img } }));
      searchMs.push(performance.now() - s);
    }
    return { workers, images: images.length, faces, seconds, imagesPerSecond: images.length / seconds, searchFacesByImageMedianMs: median(searchMs) };
  });
}

async function main(argv: string[]): Promise<void> {
  const jsonPath = argv.includes('--json') ? argv[argv.indexOf('--json') + 1]! : 'bench/results/index-faces.json';
  const images = photos();
  if (!images.length) {
    console.log(`eval-data not found at ${EVAL_DATA}; nothing to measure`);
    return;
  }
  const rows = [await run(1, images), await run(2, images)];
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify({ command: 'node dist/bench/index-faces.js', inFlight: IN_FLIGHT, rows, scaling: rows[1]!.imagesPerSecond / rows[0]!.imagesPerSecond }, null, 2));
  console.log('workers  images  faces  IndexFaces images/s  SearchFacesByImage median');
  for (const r of rows) console.log(`${String(r.workers).padStart(7)}  ${String(r.images).padStart(6)}  ${String(r.faces).padStart(5)}  ${r.imagesPerSecond.toFixed(2).padStart(19)}  ${r.searchFacesByImageMedianMs.toFixed(0).padStart(22)} ms`);
  console.log(`2 workers / 1 worker: ${(rows[1]!.imagesPerSecond / rows[0]!.imagesPerSecond).toFixed(2)}x`);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
