import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CopyProjectVersionCommand,
  CreateDatasetCommand,
  CreateProjectCommand,
  CreateProjectVersionCommand,
  DeleteProjectVersionCommand,
  DescribeProjectsCommand,
  DescribeProjectVersionsCommand,
  DetectCustomLabelsCommand,
  StartProjectVersionCommand,
  RekognitionClient,
  StopProjectVersionCommand,
  type ProjectVersionDescription,
} from '@aws-sdk/client-rekognition';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shapeImage } from './helpers/shapes.js';
import { startTestServer, TEST_KEY, type TestServer } from './helpers/server.js';
import { errorOf } from './helpers/errors.js';
import { writeManifest } from '../src/vision/custom-labels/manifest.js';
import { buildServices, startArgus } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const BUCKET = 'shapes';


describe('Custom Labels from a manifest in an Argus bucket to DetectCustomLabels, through the official SDK', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ warmUp: false });
  });
  after(async () => {
    await t.close();
  });

  it('trains, evaluates, starts and detects; refuses to detect before the model runs', { timeout: 300_000 }, async () => {
    await t.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const entries = [];
    for (let i = 0; i < 14; i++) {
      for (const kind of ['disc', 'square'] as const) {
        const key = `images/${kind}${i}.jpg`;
        await t.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: await shapeImage(kind, i) }));
        entries.push({ sourceRef: `s3://${BUCKET}/${key}`, labels: [kind] });
      }
    }
    await t.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'train.manifest', Body: writeManifest(entries) }));
    const { ProjectArn } = await t.rekognition.send(new CreateProjectCommand({ ProjectName: 'shapes' }));
    await t.rekognition.send(new CreateDatasetCommand({ ProjectArn, DatasetType: 'TRAIN', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: BUCKET, Name: 'train.manifest' } } } }));
    const { ProjectVersionArn } = await t.rekognition.send(new CreateProjectVersionCommand({ ProjectArn, VersionName: 'v1', OutputConfig: { S3Bucket: BUCKET, S3KeyPrefix: 'output/' } }));
    assert.match(ProjectVersionArn!, /project\/shapes\/version\/v1\/\d+$/);

    const describe = async (): Promise<ProjectVersionDescription> => (await t.rekognition.send(new DescribeProjectVersionsCommand({ ProjectArn, VersionNames: ['v1'] }))).ProjectVersionDescriptions![0]!;
    assert.equal((await describe()).Status, 'TRAINING_IN_PROGRESS');
    const early = await errorOf(t.rekognition.send(new DetectCustomLabelsCommand({ ProjectVersionArn, Image: { Bytes: await shapeImage('disc', 99) } })));
    assert.equal(early.name, 'ResourceNotReadyException');
    let v = await describe();
    while (v.Status === 'TRAINING_IN_PROGRESS') {
      await new Promise((r) => setTimeout(r, 500));
      v = await describe();
    }
    assert.equal(v.Status, 'TRAINING_COMPLETED', v.StatusMessage);
    assert.ok(v.EvaluationResult!.F1Score! >= 0.8, `F1 ${v.EvaluationResult!.F1Score}`);
    assert.equal(v.TestingDataResult!.Output!.AutoCreate, true, 'no TEST dataset: 20 % of TRAIN was held out');
    const summary = JSON.parse(await (await t.s3.send(new GetObjectCommand({ Bucket: v.EvaluationResult!.Summary!.S3Object!.Bucket, Key: v.EvaluationResult!.Summary!.S3Object!.Name }))).Body!.transformToString());
    assert.deepEqual(summary.EvaluationDetails.Labels.sort(), ['disc', 'square']);
    assert.ok(summary.LabelEvaluationResults.every((l: { Metrics: { Threshold: number } }) => l.Metrics.Threshold > 0));
    // Per-image results name each test image by its source-ref (the console lists errors first by it).
    assert.ok(summary.ArgusMetrics.Images.length > 0 && summary.ArgusMetrics.Images.every((i: { SourceRef?: string }) => /^s3:\/\/shapes\/images\/(disc|square)\d+\.jpg$/.test(i.SourceRef ?? '')));

    assert.equal((await t.rekognition.send(new StartProjectVersionCommand({ ProjectVersionArn, MinInferenceUnits: 1 }))).Status, 'STARTING');
    while ((await describe()).Status === 'STARTING') await new Promise((r) => setTimeout(r, 100));
    assert.equal((await describe()).Status, 'RUNNING');
    const disc = await t.rekognition.send(new DetectCustomLabelsCommand({ ProjectVersionArn, Image: { Bytes: await shapeImage('disc', 101) } }));
    assert.equal(disc.CustomLabels![0]?.Name, 'disc', JSON.stringify(disc.CustomLabels));
    const square = await t.rekognition.send(new DetectCustomLabelsCommand({ ProjectVersionArn, Image: { Bytes: await shapeImage('square', 103) }, MinConfidence: 0 }));
    assert.equal(square.CustomLabels![0]!.Name, 'square');
    assert.equal(square.CustomLabels!.length, 2, 'MinConfidence 0 lists every label');
    // Loaded on first use (no warm-up): /health still names each model's backend.
    const health = (await (await fetch(`${t.argus.url}/health`)).json()) as { models: { id: string; runs: number; backend?: string; loadMs?: number }[] };
    const used = health.models.filter((m) => m.runs > 0);
    assert.ok(used.length >= 1 && used.every((m) => m.backend && m.loadMs !== undefined), JSON.stringify(used));

    const inUse = await errorOf(t.rekognition.send(new DeleteProjectVersionCommand({ ProjectVersionArn })));
    assert.equal(inUse.name, 'ResourceInUseException');
    await t.rekognition.send(new StopProjectVersionCommand({ ProjectVersionArn }));
    assert.equal((await describe()).Status, 'STOPPED');
    assert.equal((await t.rekognition.send(new DeleteProjectVersionCommand({ ProjectVersionArn }))).Status, 'DELETING');
  });

  it('StopProjectVersion cancels a training, which ends TRAINING_FAILED with the reason', { timeout: 120_000 }, async () => {
    const { ProjectDescriptions } = await t.rekognition.send(new DescribeProjectsCommand({ ProjectNames: ['shapes'] }));
    const ProjectArn = ProjectDescriptions![0]!.ProjectArn!;
    const { ProjectVersionArn } = await t.rekognition.send(new CreateProjectVersionCommand({ ProjectArn, VersionName: 'v2', OutputConfig: { S3Bucket: BUCKET, S3KeyPrefix: 'output/' } }));
    assert.equal((await t.rekognition.send(new StopProjectVersionCommand({ ProjectVersionArn }))).Status, 'STOPPING');
    let v = (await t.rekognition.send(new DescribeProjectVersionsCommand({ ProjectArn, VersionNames: ['v2'] }))).ProjectVersionDescriptions![0]!;
    while (v.Status === 'TRAINING_IN_PROGRESS') {
      await new Promise((r) => setTimeout(r, 200));
      v = (await t.rekognition.send(new DescribeProjectVersionsCommand({ ProjectArn, VersionNames: ['v2'] }))).ProjectVersionDescriptions![0]!;
    }
    assert.equal(v.Status, 'TRAINING_FAILED');
    assert.match(v.StatusMessage!, /stopped/);
  });

  it('trains from manifests named in TrainingData (no datasets), then CopyProjectVersion copies the model into another project', { timeout: 300_000 }, async () => {
    const { ProjectArn } = await t.rekognition.send(new CreateProjectCommand({ ProjectName: 'shapes-assets' }));
    const manifest = { GroundTruthManifest: { S3Object: { Bucket: BUCKET, Name: 'train.manifest' } } };
    const { ProjectVersionArn } = await t.rekognition.send(new CreateProjectVersionCommand({ ProjectArn, VersionName: 'v1', OutputConfig: { S3Bucket: BUCKET, S3KeyPrefix: 'assets/' }, TrainingData: { Assets: [manifest] }, TestingData: { AutoCreate: true } }));
    const describe = async (arn: string, name: string): Promise<ProjectVersionDescription> => (await t.rekognition.send(new DescribeProjectVersionsCommand({ ProjectArn: arn, VersionNames: [name] }))).ProjectVersionDescriptions![0]!;
    let v = await describe(ProjectArn!, 'v1');
    while (v.Status === 'TRAINING_IN_PROGRESS') {
      await new Promise((r) => setTimeout(r, 500));
      v = await describe(ProjectArn!, 'v1');
    }
    assert.equal(v.Status, 'TRAINING_COMPLETED', v.StatusMessage);
    assert.deepEqual(v.TrainingDataResult!.Input!.Assets, [manifest]);
    assert.equal(v.TestingDataResult!.Output!.AutoCreate, true);

    const { ProjectArn: otherArn } = await t.rekognition.send(new CreateProjectCommand({ ProjectName: 'shapes-copy' }));
    const missing = await errorOf(t.rekognition.send(new CopyProjectVersionCommand({ SourceProjectArn: otherArn, SourceProjectVersionArn: ProjectVersionArn, DestinationProjectArn: otherArn, VersionName: 'c1', OutputConfig: { S3Bucket: BUCKET } })));
    assert.equal(missing.name, 'InvalidParameterException', 'the version is not of that project');
    const copy = await t.rekognition.send(new CopyProjectVersionCommand({ SourceProjectArn: ProjectArn, SourceProjectVersionArn: ProjectVersionArn, DestinationProjectArn: otherArn, VersionName: 'c1', OutputConfig: { S3Bucket: BUCKET, S3KeyPrefix: 'copy/' } }));
    assert.match(copy.ProjectVersionArn!, /project\/shapes-copy\/version\/c1\/\d+$/);
    let c = await describe(otherArn!, 'c1');
    while (c.Status === 'COPYING_IN_PROGRESS') {
      await new Promise((r) => setTimeout(r, 100));
      c = await describe(otherArn!, 'c1');
    }
    assert.equal(c.Status, 'COPYING_COMPLETED', c.StatusMessage);
    assert.equal(c.EvaluationResult!.F1Score, v.EvaluationResult!.F1Score);
    assert.equal(c.EvaluationResult!.Summary!.S3Object!.Name, 'copy/EvaluationResultSummary-shapes-copy-c1.json');
    await t.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: c.EvaluationResult!.Summary!.S3Object!.Name }));

    for (const arn of [ProjectVersionArn!, copy.ProjectVersionArn!]) await t.rekognition.send(new StartProjectVersionCommand({ ProjectVersionArn: arn, MinInferenceUnits: 1 }));
    while ((await describe(otherArn!, 'c1')).Status === 'STARTING' || (await describe(ProjectArn!, 'v1')).Status === 'STARTING') await new Promise((r) => setTimeout(r, 100));
    const image = { Bytes: await shapeImage('square', 107) };
    const [a, b] = await Promise.all([ProjectVersionArn!, copy.ProjectVersionArn!].map((arn) => t.rekognition.send(new DetectCustomLabelsCommand({ ProjectVersionArn: arn, Image: image, MinConfidence: 0 }))));
    assert.deepEqual(b!.CustomLabels, a!.CustomLabels, 'the copy answers as the original');
  });
});

describe('Custom Labels after a restart: a RUNNING version whose model this Argus cannot serve', () => {
  it('ends FAILED at its first DetectCustomLabels, with ResourceNotReadyException saying why', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'argus-test-'));
    const config = loadConfig({}, { dataDir, port: 0, credentials: [TEST_KEY], workers: 1, intraOpThreads: 1 });
    try {
      // What an Argus before box descriptor version 3 stored for a version that was RUNNING when it stopped.
      const before = buildServices(config);
      const project = before.metadata.customLabels.createProject({ name: 'older', arn: 'arn:aws:rekognition:us-east-1:000000000000:project/older/1', feature: 'CUSTOM_LABELS', status: 'CREATED', createdAt: new Date() })!;
      const older = { format: 'argus-custom-labels/1', kind: 'detection', labels: ['a', 'b'], thresholds: {}, backbone: 'centernet-features+mobilenet-v2-tf2', detector: { crop: { backbone: 'mobilenet-v2-tf2', descriptor: 2 } } };
      const { blobId } = await before.blobs.put(Buffer.from(JSON.stringify(older)));
      const v = before.metadata.projectVersions.create({
        projectKey: project.key, versionName: 'old', arn: 'arn:aws:rekognition:us-east-1:000000000000:project/older/version/old/1',
        status: 'TRAINING_IN_PROGRESS', statusMessage: 'Training.', createdAt: new Date(), outputConfig: { bucket: BUCKET, keyPrefix: '' },
      })!;
      before.metadata.projectVersions.update(v.key, { status: 'RUNNING', statusMessage: 'The model is running.', modelBlob: blobId });
      await before.close();

      const argus = await startArgus(config);
      const rekognition = new RekognitionClient({ endpoint: argus.url, region: 'us-east-1', credentials: TEST_KEY, maxAttempts: 1 });
      try {
        const err = await errorOf(rekognition.send(new DetectCustomLabelsCommand({ ProjectVersionArn: v.arn, Image: { Bytes: await shapeImage('disc', 5) } })));
        assert.equal(err.name, 'ResourceNotReadyException');
        assert.match(err.message, /could not be loaded: the model names boxes from version 2 box descriptors and this Argus computes version \d+; train a new version/);
        const [d] = (await rekognition.send(new DescribeProjectVersionsCommand({ ProjectArn: project.arn, VersionNames: ['old'] }))).ProjectVersionDescriptions!;
        assert.equal(d!.Status, 'FAILED');
        assert.match(d!.StatusMessage!, /version 2 box descriptors/);
      } finally {
        rekognition.destroy();
        await argus.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
