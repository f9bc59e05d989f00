import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { startTestServer, TEST_KEY, EVAL_DATA, hasEvalData, type TestServer } from './helpers/server.js';
import { DEMO_PHOTOS, makeVideo } from './helpers/video.js';

const run = promisify(execFile);

/** The real AWS CLIs this machine has: Debian's awscli v2 (installed by .ci/run) and a v1 on PATH. */
async function clis(): Promise<{ name: string; bin: string }[]> {
  const found: { name: string; bin: string }[] = [];
  for (const bin of ['/usr/bin/aws', 'aws']) {
    try {
      const { stdout, stderr } = await run(bin, ['--version'], { timeout: 30_000 });
      const version = (stdout + stderr).trim().split(' ')[0]!;
      if (!found.some((f) => f.name === version)) found.push({ name: version, bin });
    } catch {
      /* not installed */
    }
  }
  return found;
}

const list = await clis();

describe('conformance with the aws CLI', { skip: list.length === 0 && 'no aws CLI on this machine (.ci/run installs Debian awscli)' }, () => {
  let t: TestServer;
  let dir: string;
  let photo: string;
  before(async () => {
    t = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'argus-cli-'));
    photo = join(dir, 'street.jpg');
    const bus = join(EVAL_DATA, 'labels-classics-unannotated', 'bus.jpg');
    if (hasEvalData && existsSync(bus)) copyFileSync(bus, photo);
    else writeFileSync(photo, await sharp({ create: { width: 320, height: 240, channels: 3, background: '#336699' } }).jpeg().toBuffer());
  });
  after(async () => {
    await t.close();
  });

  const env = (secret = TEST_KEY.secretAccessKey) => ({
    PATH: process.env.PATH,
    HOME: dir,
    AWS_ACCESS_KEY_ID: TEST_KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
  });
  const aws = (bin: string, args: string[], secret?: string) => run(bin, [...args, '--endpoint-url', t.argus.url, '--output', 'json'], { env: env(secret), timeout: 120_000 });

  for (const cli of list) {
    it(`${cli.name}: detect-labels on --image-bytes answers labels`, async () => {
      const { stdout } = await aws(cli.bin, ['rekognition', 'detect-labels', '--image-bytes', `fileb://${photo}`]);
      const r = JSON.parse(stdout);
      assert.ok(Array.isArray(r.Labels));
      if (hasEvalData) assert.ok(r.Labels.some((l: { Name: string }) => l.Name === 'Bus'));
    });

    it(`${cli.name}: detect-text on --image-bytes answers lines and words, with --filters`, async (ctx) => {
      const sign = join(dir, 'sign.png');
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="240"><rect width="480" height="240" fill="white"/><text x="40" y="140" font-family="DejaVu Sans, sans-serif" font-size="64" font-weight="bold">STOP 42</text></svg>`;
      await sharp(Buffer.from(svg)).png().toFile(sign);
      if ((await sharp(sign).stats()).channels.every((c) => c.min === c.max)) return ctx.skip('the SVG renderer drew no text on this machine (no fonts?)');
      const { stdout } = await aws(cli.bin, ['rekognition', 'detect-text', '--image-bytes', `fileb://${sign}`, '--filters', JSON.stringify({ WordFilter: { MinConfidence: 50 } })]);
      const r = JSON.parse(stdout) as { TextDetections: { DetectedText: string; Type: string }[]; TextModelVersion: string };
      assert.ok(r.TextModelVersion);
      assert.deepEqual(r.TextDetections.map((d) => `${d.Type}:${d.DetectedText}`), ['LINE:STOP 42', 'WORD:STOP', 'WORD:42']);
    });

    it(`${cli.name}: detect-moderation-labels on --image-bytes answers the taxonomy's shape, with --min-confidence`, async () => {
      const { stdout } = await aws(cli.bin, ['rekognition', 'detect-moderation-labels', '--image-bytes', `fileb://${photo}`, '--min-confidence', '0']);
      const r = JSON.parse(stdout) as { ModerationLabels: { Name: string; ParentName: string; TaxonomyLevel?: number; Confidence: number }[]; ModerationModelVersion: string };
      assert.match(r.ModerationModelVersion, /^argus\/nsfw-/);
      // Older CLIs (awscli 2.9) predate TaxonomyLevel and ContentTypes in their service model and drop them.
      assert.ok(r.ModerationLabels.some((l) => l.Name === 'Explicit Nudity' && l.ParentName === 'Explicit' && (l.TaxonomyLevel ?? 2) === 2));
      const clean = JSON.parse((await aws(cli.bin, ['rekognition', 'detect-moderation-labels', '--image-bytes', `fileb://${photo}`])).stdout);
      if (hasEvalData) assert.deepEqual(clean.ModerationLabels, []);
    });

    it(`${cli.name}: s3 mb, s3 cp, then detect-labels on the S3Object with IMAGE_PROPERTIES`, async () => {
      const bucket = `photos-${cli.name.replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
      await aws(cli.bin, ['s3', 'mb', `s3://${bucket}`]);
      await aws(cli.bin, ['s3', 'cp', photo, `s3://${bucket}/`]);
      const { stdout: ls } = await run(cli.bin, ['s3', 'ls', `s3://${bucket}/`, '--endpoint-url', t.argus.url], { env: env(), timeout: 60_000 });
      assert.match(ls, /street\.jpg/);
      const { stdout } = await aws(cli.bin, ['rekognition', 'detect-labels', '--image', JSON.stringify({ S3Object: { Bucket: bucket, Name: 'street.jpg' } }), '--features', 'GENERAL_LABELS', 'IMAGE_PROPERTIES']);
      const r = JSON.parse(stdout);
      assert.ok(r.ImageProperties.DominantColors.length > 0);
      assert.ok(r.ImageProperties.Quality.Sharpness >= 0);
    });

    it(`${cli.name}: s3 cp a video, start-label-detection / start-segment-detection / start-person-tracking, then the Get operations`, async () => {
      const bucket = `videos-${cli.name.replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
      const clip = makeVideo(join(dir, 'clip.mp4'));
      await aws(cli.bin, ['s3', 'mb', `s3://${bucket}`]);
      await aws(cli.bin, ['s3', 'cp', clip, `s3://${bucket}/`]);
      const video = JSON.stringify({ S3Object: { Bucket: bucket, Name: 'clip.mp4' } });
      const poll = async (get: string, jobId: string, extra: string[] = []) => {
        for (;;) {
          const r = JSON.parse((await aws(cli.bin, ['rekognition', get, '--job-id', jobId, ...extra])).stdout);
          if (r.JobStatus !== 'IN_PROGRESS') return r;
          await new Promise((res) => setTimeout(res, 300));
        }
      };
      const labels = JSON.parse((await aws(cli.bin, ['rekognition', 'start-label-detection', '--video', video, '--min-confidence', '60', '--job-tag', 'cli'])).stdout);
      const segments = JSON.parse((await aws(cli.bin, ['rekognition', 'start-segment-detection', '--video', video, '--segment-types', 'TECHNICAL_CUE', 'SHOT'])).stdout);
      const people = JSON.parse((await aws(cli.bin, ['rekognition', 'start-person-tracking', '--video', video])).stdout);
      const l = await poll('get-label-detection', labels.JobId, ['--aggregate-by', 'SEGMENTS']);
      assert.equal(l.JobStatus, 'SUCCEEDED', l.StatusMessage);
      // Older CLIs (awscli 2.9) predate JobTag in the Get responses of their service model and drop it.
      assert.equal(l.JobTag ?? 'cli', 'cli');
      assert.equal(l.VideoMetadata.DurationMillis, 5000);
      assert.ok(l.Labels.some((x: { Label: { Name: string }; StartTimestampMillis: number }) => x.Label.Name === 'Person' && x.StartTimestampMillis >= 1000));
      const s = await poll('get-segment-detection', segments.JobId);
      assert.equal(s.JobStatus, 'SUCCEEDED', s.StatusMessage);
      assert.ok(s.Segments.some((x: { TechnicalCueSegment?: { Type: string }; EndFrameNumber: number }) => x.TechnicalCueSegment?.Type === 'BlackFrames' && x.EndFrameNumber === 24));
      const p = await poll('get-person-tracking', people.JobId, ['--max-results', '10']);
      assert.equal(p.JobStatus, 'SUCCEEDED', p.StatusMessage);
      assert.equal(p.Persons.length, 10, 'a page of 10');
      assert.ok(p.NextToken);
    });

    it(`${cli.name}: the other video pairs: face detection, face search, content moderation, text, celebrities`, async () => {
      const bucket = `videos-${cli.name.replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
      const video = JSON.stringify({ S3Object: { Bucket: bucket, Name: 'clip.mp4' } });
      const collection = `video-${cli.name.replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
      await aws(cli.bin, ['rekognition', 'create-collection', '--collection-id', collection]);
      await aws(cli.bin, ['rekognition', 'index-faces', '--collection-id', collection, '--image-bytes', `fileb://${DEMO_PHOTOS[0]}`, '--external-image-id', 'sample1']);
      const start = async (op: string, extra: string[] = []) => JSON.parse((await aws(cli.bin, ['rekognition', op, '--video', video, ...extra])).stdout).JobId as string;
      const jobs = {
        'get-face-detection': await start('start-face-detection', ['--face-attributes', 'ALL']),
        'get-face-search': await start('start-face-search', ['--collection-id', collection, '--face-match-threshold', '90']),
        'get-content-moderation': await start('start-content-moderation', ['--min-confidence', '0']),
        'get-text-detection': await start('start-text-detection'),
        'get-celebrity-recognition': await start('start-celebrity-recognition'),
      };
      const lists: Record<string, string> = { 'get-face-detection': 'Faces', 'get-face-search': 'Persons', 'get-content-moderation': 'ModerationLabels', 'get-text-detection': 'TextDetections', 'get-celebrity-recognition': 'Celebrities' };
      for (const [get, jobId] of Object.entries(jobs)) {
        let r;
        do {
          r = JSON.parse((await aws(cli.bin, ['rekognition', get, '--job-id', jobId])).stdout);
          if (r.JobStatus === 'IN_PROGRESS') await new Promise((res) => setTimeout(res, 300));
        } while (r.JobStatus === 'IN_PROGRESS');
        assert.equal(r.JobStatus, 'SUCCEEDED', `${get}: ${r.StatusMessage}`);
        assert.ok(Array.isArray(r[lists[get]!]), `${get} lists ${lists[get]}`);
        assert.equal(r.VideoMetadata.DurationMillis, 5000);
      }
      const faces = JSON.parse((await aws(cli.bin, ['rekognition', 'get-face-detection', '--job-id', jobs['get-face-detection']])).stdout);
      assert.ok(faces.Faces.length >= 8 && faces.Faces.every((f: { Timestamp: number }) => f.Timestamp >= 1000));
      const search = JSON.parse((await aws(cli.bin, ['rekognition', 'get-face-search', '--job-id', jobs['get-face-search']])).stdout);
      assert.ok(search.Persons.length >= 1 && search.Persons.every((p: { FaceMatches: { Face: { ExternalImageId: string } }[] }) => p.FaceMatches[0]!.Face.ExternalImageId === 'sample1'));
    });

    it(`${cli.name}: detect-faces --attributes ALL and compare-faces`, async (ctx) => {
      if (!hasEvalData) return ctx.skip('eval-data not found');
      const group = join(EVAL_DATA, 'faces-bbt-identities', 'group', 'bbt4.jpg');
      const amy = join(EVAL_DATA, 'faces-bbt-identities', 'identities', 'amy', 'amy1.png');
      const { stdout } = await aws(cli.bin, ['rekognition', 'detect-faces', '--image-bytes', `fileb://${group}`, '--attributes', 'ALL']);
      const faces = JSON.parse(stdout).FaceDetails;
      assert.equal(faces.length, 6);
      assert.ok(faces.every((f: { Gender?: unknown; Emotions?: unknown[] }) => f.Gender && f.Emotions?.length));
      const { stdout: cmp } = await aws(cli.bin, ['rekognition', 'compare-faces', '--source-image-bytes', `fileb://${amy}`, '--target-image-bytes', `fileb://${group}`, '--similarity-threshold', '90']);
      const r = JSON.parse(cmp);
      assert.equal(r.FaceMatches.length, 1);
      assert.equal(r.UnmatchedFaces.length, 5);
    });

    it(`${cli.name}: create-collection, index-faces, search-faces-by-image (and the user operations where this CLI has them)`, async (ctx) => {
      if (!hasEvalData) return ctx.skip('eval-data not found');
      const id = `cast-${cli.name.replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
      const ids = join(EVAL_DATA, 'faces-bbt-identities', 'identities');
      const created = JSON.parse((await aws(cli.bin, ['rekognition', 'create-collection', '--collection-id', id])).stdout);
      assert.equal(created.StatusCode, 200);
      assert.equal(created.FaceModelVersion, 'argus-face-1.0');
      const faceIds: string[] = [];
      for (const n of [1, 2]) {
        const r = JSON.parse((await aws(cli.bin, ['rekognition', 'index-faces', '--collection-id', id, '--image-bytes', `fileb://${join(ids, 'penny', `penny${n}.png`)}`, '--external-image-id', `penny${n}`])).stdout);
        assert.equal(r.FaceRecords.length, 1);
        faceIds.push(r.FaceRecords[0].Face.FaceId);
      }
      const group = join(EVAL_DATA, 'faces-bbt-identities', 'group', 'bbt4.jpg');
      const none = JSON.parse((await aws(cli.bin, ['rekognition', 'search-faces-by-image', '--collection-id', id, '--image-bytes', `fileb://${group}`])).stdout);
      assert.ok(none.SearchedFaceBoundingBox, 'the largest face of the group photo was searched');
      const found = JSON.parse((await aws(cli.bin, ['rekognition', 'search-faces-by-image', '--collection-id', id, '--image-bytes', `fileb://${join(ids, 'penny', 'penny3.png')}`])).stdout);
      assert.deepEqual(found.FaceMatches.map((m: { Face: { ExternalImageId: string } }) => m.Face.ExternalImageId).sort(), ['penny1', 'penny2']);
      await assert.rejects(aws(cli.bin, ['rekognition', 'describe-collection', '--collection-id', 'no-such-collection']), (e: Error & { stderr?: string }) => /ResourceNotFoundException/.test(e.stderr ?? ''));
      // Debian's aws-cli 2.9 predates CreateUser and the other user operations (2023).
      const hasUsers = await aws(cli.bin, ['rekognition', 'create-user', '--collection-id', id, '--user-id', 'penny']).then(
        () => true,
        (e: Error & { stderr?: string }) => {
          if (/Invalid choice/.test(e.stderr ?? '')) return false;
          throw e;
        },
      );
      if (!hasUsers) return ctx.diagnostic(`${cli.name} has no create-user; user operations not checked with it`);
      const assoc = JSON.parse((await aws(cli.bin, ['rekognition', 'associate-faces', '--collection-id', id, '--user-id', 'penny', '--face-ids', ...faceIds])).stdout);
      assert.equal(assoc.AssociatedFaces.length, 2);
      const users = JSON.parse((await aws(cli.bin, ['rekognition', 'search-users-by-image', '--collection-id', id, '--image-bytes', `fileb://${join(ids, 'penny', 'penny4.png')}`])).stdout);
      assert.equal(users.UserMatches[0].User.UserId, 'penny');
    });

    it(`${cli.name}: a wrong secret key is refused`, async () => {
      await assert.rejects(aws(cli.bin, ['rekognition', 'detect-labels', '--image-bytes', `fileb://${photo}`], 'wrong-secret'), (e: Error & { stderr?: string }) => {
        assert.match(e.stderr ?? '', /InvalidSignatureException/);
        return true;
      });
    });
  }
});
