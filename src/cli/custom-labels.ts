/**
 * `argus custom-labels`: train a model from a folder (Pascal VOC XML, YOLO, COCO JSON, or a
 * folder per label), watch its progress, read its evaluation, and detect with it. In process,
 * through the same operation table as the API: the images are uploaded into an Argus bucket, a
 * manifest is written beside them, and CreateProject / CreateDataset / CreateProjectVersion /
 * DescribeProjectVersions / StartProjectVersion / DetectCustomLabels do the rest.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type {
  CreateProjectResponse,
  CreateProjectVersionResponse,
  DescribeProjectsResponse,
  DescribeProjectVersionsResponse,
  DetectCustomLabelsResponse,
  ProjectVersionDescription,
} from '@aws-sdk/client-rekognition';
import { importAnnotations, type AnnotationFormat } from '../vision/custom-labels/importers/index.js';
import { writeManifest } from '../vision/custom-labels/manifest.js';
import { flagNumber, flagString, type Parsed } from './args.js';
import { renderTable } from './table.js';
import { imageArgument, withServices, type Built, type Call } from './image-command.js';
import { progress } from './progress.js';
import { putObject as putBucketObject } from '../services/bucket-objects.js';

/** The bucket the CLI uploads training images and manifests into. */
export const CLI_BUCKET = 'argus-custom-labels';


async function projectArn(call: Call, name: string): Promise<string | undefined> {
  const r = await call<DescribeProjectsResponse>('DescribeProjects', { ProjectNames: [name] });
  return r.ProjectDescriptions?.[0]?.ProjectArn;
}

async function readObject(b: Built, bucket: string, key: string): Promise<Buffer> {
  const o = b.metadata.buckets.getObject(bucket, key);
  if (!o) throw new Error(`s3://${bucket}/${key} is missing`);
  return b.blobs.readBuffer(o.blobId, 64 * 1024 * 1024);
}

async function train(p: Parsed): Promise<void> {
  const [project, folder] = p.positionals.slice(1);
  if (!project || !folder) throw new Error('usage: argus custom-labels train <project> <folder> [--version v1] [--format voc|yolo|coco|folders] [--json]');
  const version = flagString(p, 'version') ?? 'v1';
  await withServices(async (b, call) => {
    const prefix = `${project}/${version}/`;
    const imported = await importAnnotations(resolve(folder), { sourceRefPrefix: `s3://${CLI_BUCKET}/${prefix}images/`, ...(flagString(p, 'format') ? { format: flagString(p, 'format') as AnnotationFormat } : {}) });
    if (!imported.entries.length) throw new Error(`no labelled images found in ${folder} (read as ${imported.format})`);
    for (const problem of imported.problems) console.error(`skipped ${problem.file || folder}: ${problem.message}`);
    if (!b.metadata.buckets.getBucket(CLI_BUCKET)) b.metadata.buckets.createBucket(CLI_BUCKET);
    const upload = progress('uploading', imported.entries.length);
    const root = resolve(folder);
    for (const e of imported.entries) {
      const key = e.sourceRef.slice(`s3://${CLI_BUCKET}/`.length);
      await putObject(b, key, readFileSync(join(root, key.slice(`${prefix}images/`.length))));
      upload.tick();
    }
    upload.done();
    await putObject(b, `${prefix}train.manifest`, Buffer.from(writeManifest(imported.entries)));
    const arn = (await projectArn(call, project)) ?? (await call<CreateProjectResponse>('CreateProject', { ProjectName: project })).ProjectArn!;
    const datasets = b.metadata.customLabels.datasetsOf(b.services.customLabelsProjects.project(arn).key);
    if (!datasets.some((d) => d.type === 'TRAIN')) {
      await call('CreateDataset', { ProjectArn: arn, DatasetType: 'TRAIN', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: CLI_BUCKET, Name: `${prefix}train.manifest` } } } });
    } else {
      const train = datasets.find((d) => d.type === 'TRAIN')!;
      await call('UpdateDatasetEntries', { DatasetArn: train.arn, Changes: { GroundTruth: Buffer.from(writeManifest(imported.entries)).toString('base64') } });
    }
    const { ProjectVersionArn } = await call<CreateProjectVersionResponse>('CreateProjectVersion', { ProjectArn: arn, VersionName: version, OutputConfig: { S3Bucket: CLI_BUCKET, S3KeyPrefix: `${prefix}output/` } });
    const bar = progress(`training ${project} ${version} (${imported.entries.length} images, ${imported.format})`, 100);
    let shown = 0;
    let v: ProjectVersionDescription;
    for (;;) {
      v = (await call<DescribeProjectVersionsResponse>('DescribeProjectVersions', { ProjectArn: arn, VersionNames: [version] })).ProjectVersionDescriptions![0]!;
      const pct = Math.floor(100 * (v.ProjectVersionArn ? (b.services.customLabelsVersions.trainingProgress(b.services.customLabelsVersions.version(v.ProjectVersionArn)) ?? 0) : 0));
      while (shown < Math.min(pct, 99)) (bar.tick(), shown++);
      if (v.Status !== 'TRAINING_IN_PROGRESS') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    while (shown < 100) (bar.tick(), shown++);
    bar.done();
    if (v.Status !== 'TRAINING_COMPLETED') throw new Error(`training ${v.Status}: ${v.StatusMessage}`);
    const s3 = v.EvaluationResult!.Summary!.S3Object!;
    const summary = JSON.parse((await readObject(b, s3.Bucket!, s3.Name!)).toString('utf8')) as { LabelEvaluationResults: { Label: string; Metrics: { F1Score: number; Precision: number; Recall: number; Threshold: number } }[] };
    if (p.flags.has('json')) return console.log(JSON.stringify({ ProjectVersionArn, ProjectVersionDescription: v, Summary: summary }, null, 2));
    console.log(renderTable(['Label', 'F1', 'Precision', 'Recall', 'Threshold'], summary.LabelEvaluationResults.map((l) => [l.Label, l.Metrics.F1Score.toFixed(3), l.Metrics.Precision.toFixed(3), l.Metrics.Recall.toFixed(3), l.Metrics.Threshold.toFixed(3)])));
    console.log(`\nF1 ${v.EvaluationResult!.F1Score!.toFixed(3)}; ${v.StatusMessage}\n${ProjectVersionArn}`);
  });
}

/** An object in the CLI's bucket (the shared writer, with a content type from the name). */
function putObject(b: Built, key: string, bytes: Buffer): Promise<void> {
  const contentType = key.endsWith('.png') ? 'image/png' : key.endsWith('.manifest') ? 'application/json' : 'image/jpeg';
  return putBucketObject(b.metadata.buckets, b.blobs, CLI_BUCKET, key, bytes, contentType);
}

async function detect(p: Parsed): Promise<void> {
  const [arn, image] = p.positionals.slice(1);
  if (!arn || !image) throw new Error('usage: argus custom-labels detect <projectVersionArn> <file|s3://bucket/key> [--min-confidence N] [--json]');
  await withServices(async (b, call) => {
    const v = b.services.customLabelsVersions.version(arn);
    if (v.status !== 'RUNNING') {
      await call('StartProjectVersion', { ProjectVersionArn: arn, MinInferenceUnits: 1 });
      while (b.services.customLabelsVersions.version(arn).status === 'STARTING') await new Promise((r) => setTimeout(r, 100));
    }
    const min = flagNumber(p, 'min-confidence');
    const r = await call<DetectCustomLabelsResponse>('DetectCustomLabels', { ProjectVersionArn: arn, Image: imageArgument(image), ...(min === undefined ? {} : { MinConfidence: min }) });
    if (p.flags.has('json')) return console.log(JSON.stringify(r, null, 2));
    console.log(renderTable(['Label', 'Confidence', 'Box (left,top wxh)'], r.CustomLabels!.map((l) => {
      const g = l.Geometry?.BoundingBox;
      return [l.Name!, l.Confidence!.toFixed(1), g ? `${g.Left!.toFixed(3)},${g.Top!.toFixed(3)} ${g.Width!.toFixed(3)}x${g.Height!.toFixed(3)}` : ''];
    })));
  });
}

export async function customLabelsCommand(p: Parsed): Promise<void> {
  const action = p.positionals[0];
  if (action === 'train') return train(p);
  if (action === 'detect') return detect(p);
  throw new Error('usage: argus custom-labels [train <project> <folder> [--version v1] | detect <projectVersionArn> <image>] [--json]');
}
