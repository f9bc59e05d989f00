/**
 * DetectCustomLabels against DetectLabels through the API (official SDK over HTTP, 2 workers):
 * a detection model trained on det-raccoon (1 label: the heatmap alone) and one on
 * det-playing-cards (6 labels: each found box also named and refined from its crop), each
 * started, then both operations on the same 30 photos, alternating, one request at a time
 * (the training is not timed here; see custom-labels-eval). The target is
 * DetectCustomLabels as fast as DetectLabels. The cards model needs the ImageNet backbone
 * (ARGUS_MODELS_DIR=../shared/models).
 *
 *   npx tsc -p . && ARGUS_MODELS_DIR=../shared/models node dist/bench/detect-custom-labels.js [--json bench/results/detect-custom-labels.json]
 *   (ONLY=raccoon or ONLY=cards measures one model.)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { dirname, join, resolve } from 'node:path';
import * as rk from '@aws-sdk/client-rekognition';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { importAnnotations } from '../src/vision/custom-labels/importers/index.js';
import { writeManifest } from '../src/vision/custom-labels/manifest.js';
import { EVAL_DATA, median, withBenchServer } from './util.js';

const SETS = [
  { name: 'raccoon', annotations: join(EVAL_DATA, 'det-raccoon', 'annotations'), images: join(EVAL_DATA, 'det-raccoon', 'images') },
  { name: 'cards', annotations: join(EVAL_DATA, 'det-playing-cards', 'train'), images: join(EVAL_DATA, 'det-playing-cards', 'train') },
];
const PHOTOS = 30;
const ONLY = process.env.ONLY?.split(',');

async function main(argv: string[]): Promise<void> {
  const jsonPath = argv.includes('--json') ? argv[argv.indexOf('--json') + 1]! : 'bench/results/detect-custom-labels.json';
  if (!SETS.every((set) => existsSync(set.annotations))) {
    console.log(`eval-data not found at ${EVAL_DATA}; nothing to measure`);
    return;
  }
  const results: Record<string, unknown>[] = [];
  await withBenchServer(process.env.ARGUS_MODELS_DIR ? { modelsDir: resolve(process.env.ARGUS_MODELS_DIR) } : {}, async ({ rekognition: client, s3 }) => {
    for (const set of SETS.filter((s) => !ONLY || ONLY.includes(s.name))) {
      const prefix = `s3://${set.name}/images/`;
      const { entries } = await importAnnotations(set.annotations, { sourceRefPrefix: prefix, format: 'voc' });
      await s3.send(new CreateBucketCommand({ Bucket: set.name }));
      for (const e of entries) {
        const name = e.sourceRef.slice(prefix.length);
        await s3.send(new PutObjectCommand({ Bucket: set.name, Key: `images/${name}`, Body: readFileSync(join(set.images, name)) }));
      }
      await s3.send(new PutObjectCommand({ Bucket: set.name, Key: 'train.manifest', Body: writeManifest(entries) }));
      const { ProjectArn } = await client.send(new rk.CreateProjectCommand({ ProjectName: set.name }));
      await client.send(new rk.CreateDatasetCommand({ ProjectArn, DatasetType: 'TRAIN', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: set.name, Name: 'train.manifest' } } } }));
      const { ProjectVersionArn } = await client.send(new rk.CreateProjectVersionCommand({ ProjectArn, VersionName: 'v1', OutputConfig: { S3Bucket: set.name, S3KeyPrefix: 'out/' } }));
      const status = async () => (await client.send(new rk.DescribeProjectVersionsCommand({ ProjectArn, VersionNames: ['v1'] }))).ProjectVersionDescriptions![0]!;
      // How long the API waits at worst while a model trains in the same process.
      const lag = monitorEventLoopDelay({ resolution: 20 });
      lag.enable();
      while ((await status()).Status === 'TRAINING_IN_PROGRESS') await new Promise((r) => setTimeout(r, 1000));
      lag.disable();
      await client.send(new rk.StartProjectVersionCommand({ ProjectVersionArn, MinInferenceUnits: 1 }));
      while ((await status()).Status === 'STARTING') await new Promise((r) => setTimeout(r, 200));
      if ((await status()).Status !== 'RUNNING') throw new Error(`the model did not start: ${(await status()).StatusMessage}`);

      const photos = entries.slice(0, PHOTOS).map((e) => readFileSync(join(set.images, e.sourceRef.slice(prefix.length))));
      const time = async (send: () => Promise<unknown>) => {
        const t0 = performance.now();
        await send();
        return performance.now() - t0;
      };
      const custom: number[] = [];
      const labels: number[] = [];
      // One call of each outside the timing (model loading and warm-up).
      await client.send(new rk.DetectCustomLabelsCommand({ ProjectVersionArn, Image: { Bytes: photos[0]! } }));
      await client.send(new rk.DetectLabelsCommand({ Image: { Bytes: photos[0]! } }));
      for (const bytes of photos) {
        custom.push(await time(() => client.send(new rk.DetectCustomLabelsCommand({ ProjectVersionArn, Image: { Bytes: bytes } }))));
        labels.push(await time(() => client.send(new rk.DetectLabelsCommand({ Image: { Bytes: bytes } }))));
      }
      const result = { set: set.name, photos: photos.length, detectCustomLabelsMedianMs: median(custom), detectLabelsMedianMs: median(labels), ratio: median(custom) / median(labels), backbone: (await status()).BaseModelVersion, trainingMaxEventLoopDelayMs: Math.round(lag.max / 1e6) };
      console.log(`${set.name}: DetectCustomLabels median ${result.detectCustomLabelsMedianMs.toFixed(0)} ms, DetectLabels median ${result.detectLabelsMedianMs.toFixed(0)} ms: ${result.ratio.toFixed(2)}x (${photos.length} photos, backbone ${result.backbone}); while training, the event loop waited at most ${result.trainingMaxEventLoopDelayMs} ms`);
      results.push(result);
      await client.send(new rk.StopProjectVersionCommand({ ProjectVersionArn }));
    }
  });
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify({ command: 'ARGUS_MODELS_DIR=../shared/models node dist/bench/detect-custom-labels.js', results }, null, 2));
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
