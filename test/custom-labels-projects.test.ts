/**
 * Custom Labels projects, datasets and project policies through the official SDK: a manifest
 * made from Pascal VOC annotations of generated images, in an Argus bucket, becomes a TRAIN
 * dataset; its entries, labels and statistics are listed, updated and distributed to TEST.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateDatasetCommand,
  CreateProjectCommand,
  DeleteDatasetCommand,
  DeleteProjectCommand,
  DeleteProjectPolicyCommand,
  DescribeDatasetCommand,
  DescribeProjectsCommand,
  DistributeDatasetEntriesCommand,
  ListDatasetEntriesCommand,
  ListDatasetLabelsCommand,
  ListProjectPoliciesCommand,
  PutProjectPolicyCommand,
  UpdateDatasetEntriesCommand,
  type DatasetStats,
} from '@aws-sdk/client-rekognition';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { shapeImage } from './helpers/shapes.js';
import { startTestServer, TEST_KEY, EVAL_DATA, hasEvalData, NO_EVAL_DATA, type TestServer } from './helpers/server.js';
import { errorOf } from './helpers/errors.js';
import { parseVocXml, vocEntry, importVocFolder } from '../src/vision/custom-labels/importers/voc.js';
import { writeManifest, writeManifestLine } from '../src/vision/custom-labels/manifest.js';

const BUCKET = 'cl-data';
const PROJECT_ARN = /^arn:aws:rekognition:us-east-1:\d{12}:project\/parts\/\d+$/;
const TRAIN_ARN = /^arn:aws:rekognition:us-east-1:\d{12}:project\/parts\/dataset\/train\/\d+$/;

/** Ten 160x120 images, each with a VOC annotation: even ones a "bolt", every third also a "nut". */
function vocXml(i: number): string {
  const objects = [`<object><name>bolt</name><bndbox><xmin>${10 + i}</xmin><ymin>10</ymin><xmax>${60 + i}</xmax><ymax>70</ymax></bndbox></object>`];
  if (i % 3 === 0) objects.push(`<object><name>nut</name><bndbox><xmin>90</xmin><ymin>40</ymin><xmax>130</xmax><ymax>80</ymax></bndbox></object>`);
  if (i % 2 === 1) objects.length = 0;
  return `<annotation><filename>img${i}.jpg</filename><size><width>160</width><height>120</height><depth>3</depth></size>${objects.join('')}</annotation>`;
}

describe('Custom Labels projects and datasets through the official SDK', () => {
  let t: TestServer;
  let projectArn: string;
  let trainArn: string;
  const send = <T>(command: unknown) => t.rekognition.send(command as never) as Promise<T>;
  const stats = async (arn: string): Promise<DatasetStats> => (await t.rekognition.send(new DescribeDatasetCommand({ DatasetArn: arn }))).DatasetDescription!.DatasetStats!;
  const entries = async (input: Record<string, unknown>) => (await t.rekognition.send(new ListDatasetEntriesCommand({ DatasetArn: trainArn, ...input }))).DatasetEntries!;
  const ref = (i: number) => `s3://${BUCKET}/images/img${i}.jpg`;

  before(async () => {
    t = await startTestServer({ warmUp: false });
    await t.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (let i = 0; i < 10; i++) {
      const body = await sharp({ create: { width: 160, height: 120, channels: 3, background: { r: 20 * i, g: 100, b: 200 } } }).jpeg().toBuffer();
      await t.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `images/img${i}.jpg`, Body: body, ContentType: 'image/jpeg' }));
    }
    const good = Array.from({ length: 10 }, (_, i) => {
      const a = parseVocXml(vocXml(i));
      return vocEntry(a, ref(i), a.size!).entry;
    });
    // Odd images have no boxes: entries labelled "nothing here" (a detection attribute without boxes).
    const manifest =
      writeManifest(good) +
      ['{broken json', '{"no-source-ref":1}', writeManifestLine({ sourceRef: `s3://${BUCKET}/images/missing.jpg`, labels: ['bolt'] }), '{"source-ref":"s3://cl-data/images/unlabelled.png"}'].join('\n') +
      '\n';
    await t.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'train.manifest', Body: manifest }));
  });
  after(() => t?.close());

  it('creates a project and describes it', async () => {
    projectArn = (await t.rekognition.send(new CreateProjectCommand({ ProjectName: 'parts' }))).ProjectArn!;
    assert.match(projectArn, PROJECT_ARN);
    const e = await errorOf(t.rekognition.send(new CreateProjectCommand({ ProjectName: 'parts' })));
    assert.equal(e.name, 'ResourceInUseException');
    await t.rekognition.send(new CreateProjectCommand({ ProjectName: 'other' }));
    await t.rekognition.send(new CreateProjectCommand({ ProjectName: 'adapter', Feature: 'CONTENT_MODERATION' }));

    const all = await t.rekognition.send(new DescribeProjectsCommand({}));
    assert.deepEqual(all.ProjectDescriptions!.map((p) => p.ProjectArn!.split('/')[1]), ['parts', 'other'], 'CUSTOM_LABELS projects by default');
    const p = all.ProjectDescriptions![0]!;
    assert.equal(p.Status, 'CREATED');
    assert.equal(p.Feature, 'CUSTOM_LABELS');
    assert.ok(p.CreationTimestamp instanceof Date && Math.abs(p.CreationTimestamp.getTime() - Date.now()) < 60_000);
    assert.deepEqual(p.Datasets, []);

    const named = await t.rekognition.send(new DescribeProjectsCommand({ ProjectNames: ['other', 'nope'] }));
    assert.deepEqual(named.ProjectDescriptions!.map((x) => x.ProjectArn!.split('/')[1]), ['other']);
    const moderation = await t.rekognition.send(new DescribeProjectsCommand({ Features: ['CONTENT_MODERATION'] }));
    assert.equal(moderation.ProjectDescriptions![0]!.AutoUpdate, 'DISABLED');

    const first = await t.rekognition.send(new DescribeProjectsCommand({ MaxResults: 1 }));
    assert.equal(first.ProjectDescriptions!.length, 1);
    const second = await t.rekognition.send(new DescribeProjectsCommand({ MaxResults: 1, NextToken: first.NextToken }));
    assert.deepEqual(second.ProjectDescriptions!.map((x) => x.ProjectArn!.split('/')[1]), ['other']);
    assert.equal(second.NextToken, undefined);
    assert.equal((await errorOf(t.rekognition.send(new DescribeProjectsCommand({ NextToken: 'garbage' })))).name, 'InvalidPaginationTokenException');
  });

  it('creates a TRAIN dataset from a manifest in an Argus bucket, counting bad lines as errors', async () => {
    trainArn = (await t.rekognition.send(new CreateDatasetCommand({ ProjectArn: projectArn, DatasetType: 'TRAIN', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: BUCKET, Name: 'train.manifest' } } } }))).DatasetArn!;
    assert.match(trainArn, TRAIN_ARN);
    const d = (await t.rekognition.send(new DescribeDatasetCommand({ DatasetArn: trainArn }))).DatasetDescription!;
    assert.equal(d.Status, 'CREATE_COMPLETE');
    assert.equal(d.StatusMessageCode, 'SUCCESS');
    assert.match(d.StatusMessage!, /line 11: ERROR_INVALID_JSON_LINE/);
    assert.match(d.StatusMessage!, /line 12: ERROR_MISSING_SOURCE_REF/);
    assert.match(d.StatusMessage!, /line 13: ERROR_INVALID_IMAGE/);
    // 10 good + 1 unlabelled (but its image is missing too) + 3 bad lines.
    assert.deepEqual(d.DatasetStats, { TotalEntries: 14, LabeledEntries: 11, ErrorEntries: 4, TotalLabels: 2 });

    const p = (await t.rekognition.send(new DescribeProjectsCommand({ ProjectNames: ['parts'] }))).ProjectDescriptions![0]!;
    assert.deepEqual(p.Datasets!.map((x) => [x.DatasetType, x.DatasetArn, x.Status]), [['TRAIN', trainArn, 'CREATE_COMPLETE']]);

    const again = await errorOf(t.rekognition.send(new CreateDatasetCommand({ ProjectArn: projectArn, DatasetType: 'TRAIN' })));
    assert.equal(again.name, 'ResourceAlreadyExistsException');
  });

  it('lists entries with each filter, and pages', async () => {
    const all = await entries({});
    assert.equal(all.length, 13, 'every JSON line is an entry; the unparseable one only counts');
    assert.deepEqual(JSON.parse(all[0]!)['source-ref'], ref(0));
    assert.equal((await entries({ HasErrors: true })).length, 3);
    assert.equal((await entries({ HasErrors: false })).length, 10);
    assert.equal((await entries({ ContainsLabels: ['nut'] })).length, 2, 'images 0 and 6 (3 and 9 are odd: no boxes)');
    assert.equal((await entries({ ContainsLabels: ['nut', 'bolt'] })).length, 6);
    assert.equal((await entries({ Labeled: false })).length, 2);
    assert.deepEqual((await entries({ SourceRefContains: 'img7' })).map((l) => JSON.parse(l)['source-ref']), [ref(7)]);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await t.rekognition.send(new ListDatasetEntriesCommand({ DatasetArn: trainArn, MaxResults: 4, HasErrors: false, ...(token ? { NextToken: token } : {}) }));
      assert.ok(page.DatasetEntries!.length <= 4);
      seen.push(...page.DatasetEntries!);
      token = page.NextToken;
    } while (token);
    assert.equal(seen.length, 10);
    assert.equal(new Set(seen).size, 10);
  });

  it('lists labels with entry and box counts', async () => {
    const r = await t.rekognition.send(new ListDatasetLabelsCommand({ DatasetArn: trainArn }));
    // bolt: 5 even images with a box + the missing.jpg classification line; nut: images 0 and 6.
    assert.deepEqual(r.DatasetLabelDescriptions, [
      { LabelName: 'bolt', LabelStats: { EntryCount: 6, BoundingBoxCount: 5 } },
      { LabelName: 'nut', LabelStats: { EntryCount: 2, BoundingBoxCount: 2 } },
    ]);
    const page = await t.rekognition.send(new ListDatasetLabelsCommand({ DatasetArn: trainArn, MaxResults: 1 }));
    assert.equal(page.DatasetLabelDescriptions!.length, 1);
    const rest = await t.rekognition.send(new ListDatasetLabelsCommand({ DatasetArn: trainArn, MaxResults: 1, NextToken: page.NextToken }));
    assert.equal(rest.DatasetLabelDescriptions![0]!.LabelName, 'nut');
  });

  it('updates entries, replacing those with the same source-ref', async () => {
    const a = parseVocXml(vocXml(1).replace('</size>', '</size><object><name>washer</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>30</xmax><ymax>30</ymax></bndbox></object>'));
    const changes = [writeManifestLine(vocEntry(a, ref(1), a.size!).entry), writeManifestLine({ sourceRef: `s3://${BUCKET}/images/img2.jpg`, labels: ['spare'] }).replace('img2', 'img9')].join('\n');
    await t.rekognition.send(new UpdateDatasetEntriesCommand({ DatasetArn: trainArn, Changes: { GroundTruth: Buffer.from(changes) } }));
    const d = (await t.rekognition.send(new DescribeDatasetCommand({ DatasetArn: trainArn }))).DatasetDescription!;
    assert.equal(d.Status, 'UPDATE_COMPLETE');
    assert.deepEqual(d.DatasetStats, { TotalEntries: 14, LabeledEntries: 11, ErrorEntries: 4, TotalLabels: 4 });
    const img1 = await entries({ SourceRefContains: 'img1.jpg' });
    assert.equal(img1.length, 1);
    assert.match(img1[0]!, /washer/);
    assert.deepEqual((await entries({ ContainsLabels: ['spare'] })).map((l) => JSON.parse(l)['source-ref']), [ref(9)]);

    const bad = await errorOf(t.rekognition.send(new UpdateDatasetEntriesCommand({ DatasetArn: trainArn.replace(/\d+$/, '1'), Changes: { GroundTruth: Buffer.from(changes) } })));
    assert.equal(bad.name, 'ResourceNotFoundException');
  });

  it('distributes 20 % of TRAIN to an empty TEST dataset', async () => {
    const testArn = (await t.rekognition.send(new CreateDatasetCommand({ ProjectArn: projectArn, DatasetType: 'TEST' }))).DatasetArn!;
    assert.deepEqual(await stats(testArn), { TotalEntries: 0, LabeledEntries: 0, ErrorEntries: 0, TotalLabels: 0 });
    await t.rekognition.send(new DistributeDatasetEntriesCommand({ Datasets: [{ Arn: trainArn }, { Arn: testArn }] }));
    const test = await stats(testArn);
    assert.equal(test.TotalEntries, 2, '20 % of the 10 valid entries');
    assert.equal(test.ErrorEntries, 0);
    assert.equal((await stats(trainArn)).TotalEntries, 12);
    const again = await errorOf(t.rekognition.send(new DistributeDatasetEntriesCommand({ Datasets: [{ Arn: trainArn }, { Arn: testArn }] })));
    assert.equal(again.name, 'InvalidParameterException', 'TEST is no longer empty');

    // A dataset copied from another: the same entries.
    const other = (await t.rekognition.send(new DescribeProjectsCommand({ ProjectNames: ['other'] }))).ProjectDescriptions![0]!.ProjectArn!;
    const copy = (await t.rekognition.send(new CreateDatasetCommand({ ProjectArn: other, DatasetType: 'TRAIN', DatasetSource: { DatasetArn: testArn } }))).DatasetArn!;
    assert.deepEqual(await stats(copy), test);
  });

  it('answers with Rekognition’s errors', async () => {
    const unknown = projectArn.replace('/parts/', '/nope/');
    assert.equal((await errorOf(t.rekognition.send(new CreateDatasetCommand({ ProjectArn: unknown, DatasetType: 'TRAIN' })))).name, 'ResourceNotFoundException');
    assert.equal((await errorOf(t.rekognition.send(new DeleteProjectCommand({ ProjectArn: unknown })))).name, 'ResourceNotFoundException');
    assert.equal((await errorOf(t.rekognition.send(new DescribeDatasetCommand({ DatasetArn: trainArn.replace(/\d+$/, '5') })))).name, 'ResourceNotFoundException');
    const other = (await t.rekognition.send(new DescribeProjectsCommand({ ProjectNames: ['other'] }))).ProjectDescriptions![0]!.ProjectArn!;
    const noManifest = await errorOf(t.rekognition.send(new CreateDatasetCommand({ ProjectArn: other, DatasetType: 'TEST', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: BUCKET, Name: 'nope.manifest' } } } })));
    assert.equal(noManifest.name, 'InvalidS3ObjectException');
    assert.equal((await errorOf(t.rekognition.send(new ListDatasetEntriesCommand({ DatasetArn: trainArn, NextToken: 'x' })))).name, 'InvalidPaginationTokenException');
    assert.equal((await errorOf(t.rekognition.send(new CreateProjectCommand({ ProjectName: 'bad name!' })))).name, 'ValidationException');

    // A manifest without one valid line fails the dataset (CREATE_FAILED), as Rekognition's terminal errors do.
    await t.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad.manifest', Body: 'nothing\n{"x":1}\n' }));
    const failed = (await t.rekognition.send(new CreateDatasetCommand({ ProjectArn: other, DatasetType: 'TEST', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: BUCKET, Name: 'bad.manifest' } } } }))).DatasetArn!;
    const d = (await t.rekognition.send(new DescribeDatasetCommand({ DatasetArn: failed }))).DatasetDescription!;
    assert.equal(d.Status, 'CREATE_FAILED');
    assert.equal(d.StatusMessageCode, 'CLIENT_ERROR');
    assert.match(d.StatusMessage!, /line 1: ERROR_INVALID_JSON_LINE/);
  });

  it('stores project policies with revision ids', async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'rekognition:CopyProjectVersion', Resource: '*' }] });
    const rev1 = (await t.rekognition.send(new PutProjectPolicyCommand({ ProjectArn: projectArn, PolicyName: 'copy', PolicyDocument: doc }))).PolicyRevisionId!;
    assert.match(rev1, /^[0-9a-f]{32}$/);
    assert.equal((await errorOf(t.rekognition.send(new PutProjectPolicyCommand({ ProjectArn: projectArn, PolicyName: 'copy', PolicyDocument: doc })))).name, 'ResourceAlreadyExistsException');
    assert.equal((await errorOf(t.rekognition.send(new PutProjectPolicyCommand({ ProjectArn: projectArn, PolicyName: 'copy', PolicyDocument: doc, PolicyRevisionId: 'abc' })))).name, 'InvalidPolicyRevisionIdException');
    assert.equal((await errorOf(t.rekognition.send(new PutProjectPolicyCommand({ ProjectArn: projectArn, PolicyName: 'x', PolicyDocument: 'not json' })))).name, 'MalformedPolicyDocumentException');
    const rev2 = (await t.rekognition.send(new PutProjectPolicyCommand({ ProjectArn: projectArn, PolicyName: 'copy', PolicyDocument: doc, PolicyRevisionId: rev1 }))).PolicyRevisionId!;
    assert.notEqual(rev2, rev1);
    await t.rekognition.send(new PutProjectPolicyCommand({ ProjectArn: projectArn, PolicyName: 'another', PolicyDocument: doc }));

    const list = await t.rekognition.send(new ListProjectPoliciesCommand({ ProjectArn: projectArn }));
    assert.deepEqual(list.ProjectPolicies!.map((p) => [p.PolicyName, p.ProjectArn, p.PolicyDocument]), [['another', projectArn, doc], ['copy', projectArn, doc]]);
    assert.equal(list.ProjectPolicies![1]!.PolicyRevisionId, rev2);
    assert.ok(list.ProjectPolicies![1]!.LastUpdatedTimestamp instanceof Date);
    const page = await t.rekognition.send(new ListProjectPoliciesCommand({ ProjectArn: projectArn, MaxResults: 1 }));
    assert.equal(page.ProjectPolicies!.length, 1);
    assert.ok(page.NextToken);

    assert.equal((await errorOf(t.rekognition.send(new DeleteProjectPolicyCommand({ ProjectArn: projectArn, PolicyName: 'copy', PolicyRevisionId: rev1 })))).name, 'InvalidPolicyRevisionIdException');
    await t.rekognition.send(new DeleteProjectPolicyCommand({ ProjectArn: projectArn, PolicyName: 'copy', PolicyRevisionId: rev2 }));
    assert.equal((await errorOf(t.rekognition.send(new DeleteProjectPolicyCommand({ ProjectArn: projectArn, PolicyName: 'copy' })))).name, 'ResourceNotFoundException');
  });

  it('deletes datasets and projects', async () => {
    await send(new DeleteDatasetCommand({ DatasetArn: trainArn }));
    assert.equal((await errorOf(t.rekognition.send(new DescribeDatasetCommand({ DatasetArn: trainArn })))).name, 'ResourceNotFoundException');
    const p = (await t.rekognition.send(new DescribeProjectsCommand({ ProjectNames: ['parts'] }))).ProjectDescriptions![0]!;
    assert.deepEqual(p.Datasets!.map((d) => d.DatasetType), ['TEST']);
    // The project goes with its remaining dataset and policies.
    assert.equal((await t.rekognition.send(new DeleteProjectCommand({ ProjectArn: projectArn }))).Status, 'DELETING');
    assert.deepEqual((await t.rekognition.send(new DescribeProjectsCommand({ ProjectNames: ['parts'] }))).ProjectDescriptions, []);
    assert.equal((await errorOf(t.rekognition.send(new ListProjectPoliciesCommand({ ProjectArn: projectArn })))).name, 'ResourceNotFoundException');
    // The name is free again, with a new ARN.
    const again = (await t.rekognition.send(new CreateProjectCommand({ ProjectName: 'parts' }))).ProjectArn!;
    assert.notEqual(again, projectArn);
  });
});

describe('a dataset from det-raccoon (Pascal VOC) through the official SDK', { skip: !hasEvalData && NO_EVAL_DATA }, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ warmUp: false });
  });
  after(() => t?.close());

  it('imports 160 images with one label and every box', async () => {
    const root = join(EVAL_DATA, 'det-raccoon');
    const { entries } = await importVocFolder(root, { sourceRefPrefix: 's3://raccoon/' });
    await t.s3.send(new CreateBucketCommand({ Bucket: 'raccoon' }));
    for (const e of entries) {
      const key = e.sourceRef.slice('s3://raccoon/'.length);
      await t.s3.send(new PutObjectCommand({ Bucket: 'raccoon', Key: key, Body: readFileSync(join(root, key)) }));
    }
    await t.s3.send(new PutObjectCommand({ Bucket: 'raccoon', Key: 'train.manifest', Body: writeManifest(entries) }));
    const projectArn = (await t.rekognition.send(new CreateProjectCommand({ ProjectName: 'raccoon' }))).ProjectArn!;
    const datasetArn = (await t.rekognition.send(new CreateDatasetCommand({ ProjectArn: projectArn, DatasetType: 'TRAIN', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'raccoon', Name: 'train.manifest' } } } }))).DatasetArn!;
    const d = (await t.rekognition.send(new DescribeDatasetCommand({ DatasetArn: datasetArn }))).DatasetDescription!;
    assert.equal(d.Status, 'CREATE_COMPLETE', d.StatusMessage);
    assert.deepEqual(d.DatasetStats, { TotalEntries: 160, LabeledEntries: 160, ErrorEntries: 0, TotalLabels: 1 });
    const boxes = entries.reduce((n, e) => n + e.detection!.boxes.length, 0);
    const labels = await t.rekognition.send(new ListDatasetLabelsCommand({ DatasetArn: datasetArn }));
    assert.deepEqual(labels.DatasetLabelDescriptions, [{ LabelName: 'raccoon', LabelStats: { EntryCount: 160, BoundingBoxCount: boxes } }]);
    assert.ok(boxes > 160);
  });
});

const awsCli = await promisify(execFile)('aws', ['--version'], { timeout: 30_000 }).then(
  () => true,
  () => false,
);

describe('Custom Labels datasets through the aws CLI', { skip: !awsCli && 'no aws CLI on this machine' }, () => {
  let t: TestServer;
  let dir: string;
  before(async () => {
    t = await startTestServer({ warmUp: false });
    dir = mkdtempSync(join(tmpdir(), 'argus-cl-cli-'));
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const aws = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)('aws', [...args, '--endpoint-url', t.argus.url, '--output', 'json'], {
      timeout: 120_000,
      env: { PATH: process.env.PATH, HOME: dir, AWS_ACCESS_KEY_ID: TEST_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_KEY.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') },
    });
    return stdout.trim().startsWith('{') ? (JSON.parse(stdout) as Record<string, unknown>) : {};
  };

  it('aws s3 cp a manifest, create-project, create-dataset, describe-dataset, list-dataset-labels', async () => {
    const manifest = join(dir, 'train.manifest');
    writeFileSync(manifest, writeManifest([{ sourceRef: 's3://cli/a.jpg', labels: ['cat'] }, { sourceRef: 's3://cli/b.jpg', labels: ['dog'] }]));
    await aws('s3', 'mb', 's3://cli');
    for (const name of ['a.jpg', 'b.jpg']) {
      writeFileSync(join(dir, name), await sharp({ create: { width: 100, height: 100, channels: 3, background: '#888' } }).jpeg().toBuffer());
      await aws('s3', 'cp', join(dir, name), `s3://cli/${name}`);
    }
    await aws('s3', 'cp', manifest, 's3://cli/train.manifest');
    const { ProjectArn } = (await aws('rekognition', 'create-project', '--project-name', 'pets')) as { ProjectArn: string };
    const { DatasetArn } = (await aws('rekognition', 'create-dataset', '--project-arn', ProjectArn, '--dataset-type', 'TRAIN', '--dataset-source', 'GroundTruthManifest={S3Object={Bucket=cli,Name=train.manifest}}')) as { DatasetArn: string };
    const d = (await aws('rekognition', 'describe-dataset', '--dataset-arn', DatasetArn)) as { DatasetDescription: { Status: string; DatasetStats: object } };
    assert.equal(d.DatasetDescription.Status, 'CREATE_COMPLETE');
    assert.deepEqual(d.DatasetDescription.DatasetStats, { LabeledEntries: 2, TotalEntries: 2, TotalLabels: 2, ErrorEntries: 0 });
    const labels = (await aws('rekognition', 'list-dataset-labels', '--dataset-arn', DatasetArn)) as { DatasetLabelDescriptions: { LabelName: string }[] };
    assert.deepEqual(labels.DatasetLabelDescriptions.map((l) => l.LabelName), ['cat', 'dog']);
  });

  it('trains with create-project-version, starts it and detect-custom-labels', { timeout: 300_000 }, async () => {
    await aws('s3', 'mb', 's3://shapes');
    const entries = [];
    for (let i = 0; i < 10; i++) {
      for (const kind of ['disc', 'square'] as const) {
        writeFileSync(join(dir, `${kind}${i}.jpg`), await shapeImage(kind, i));
        await aws('s3', 'cp', join(dir, `${kind}${i}.jpg`), `s3://shapes/${kind}${i}.jpg`);
        entries.push({ sourceRef: `s3://shapes/${kind}${i}.jpg`, labels: [kind] });
      }
    }
    writeFileSync(join(dir, 'shapes.manifest'), writeManifest(entries));
    await aws('s3', 'cp', join(dir, 'shapes.manifest'), 's3://shapes/train.manifest');
    const { ProjectArn } = (await aws('rekognition', 'create-project', '--project-name', 'shapes')) as { ProjectArn: string };
    await aws('rekognition', 'create-dataset', '--project-arn', ProjectArn, '--dataset-type', 'TRAIN', '--dataset-source', 'GroundTruthManifest={S3Object={Bucket=shapes,Name=train.manifest}}');
    const { ProjectVersionArn } = (await aws('rekognition', 'create-project-version', '--project-arn', ProjectArn, '--version-name', 'v1', '--output-config', 'S3Bucket=shapes,S3KeyPrefix=out/')) as { ProjectVersionArn: string };
    type Described = { ProjectVersionDescriptions: { Status: string; StatusMessage: string; EvaluationResult?: { F1Score: number } }[] };
    let v = ((await aws('rekognition', 'describe-project-versions', '--project-arn', ProjectArn)) as Described).ProjectVersionDescriptions[0]!;
    while (v.Status === 'TRAINING_IN_PROGRESS') {
      await new Promise((r) => setTimeout(r, 1000));
      v = ((await aws('rekognition', 'describe-project-versions', '--project-arn', ProjectArn)) as Described).ProjectVersionDescriptions[0]!;
    }
    assert.equal(v.Status, 'TRAINING_COMPLETED', v.StatusMessage);
    assert.ok(v.EvaluationResult!.F1Score > 0.5);
    await aws('rekognition', 'start-project-version', '--project-version-arn', ProjectVersionArn, '--min-inference-units', '1');
    writeFileSync(join(dir, 'probe.jpg'), await shapeImage('square', 55));
    await aws('s3', 'cp', join(dir, 'probe.jpg'), 's3://shapes/probe.jpg');
    while (((await aws('rekognition', 'describe-project-versions', '--project-arn', ProjectArn)) as Described).ProjectVersionDescriptions[0]!.Status === 'STARTING') await new Promise((r) => setTimeout(r, 200));
    const found = (await aws('rekognition', 'detect-custom-labels', '--project-version-arn', ProjectVersionArn, '--image', 'S3Object={Bucket=shapes,Name=probe.jpg}', '--min-confidence', '0')) as { CustomLabels: { Name: string }[] };
    assert.equal(found.CustomLabels![0]!.Name, 'square');
  });
});
