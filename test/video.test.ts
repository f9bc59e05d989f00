/**
 * Stored video through the official SDK against a real server: Start* returns a job at once,
 * Get* reports it and pages its results. The video is made in the test: a second of black, then
 * two photos of people for two seconds each.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateCollectionCommand,
  GetCelebrityRecognitionCommand,
  GetContentModerationCommand,
  GetFaceDetectionCommand,
  GetTextDetectionCommand,
  StartCelebrityRecognitionCommand,
  StartContentModerationCommand,
  StartTextDetectionCommand,
  GetFaceSearchCommand,
  GetLabelDetectionCommand,
  GetMediaAnalysisJobCommand,
  ListMediaAnalysisJobsCommand,
  StartMediaAnalysisJobCommand,
  GetPersonTrackingCommand,
  GetSegmentDetectionCommand,
  IndexFacesCommand,
  StartFaceDetectionCommand,
  StartFaceSearchCommand,
  StartLabelDetectionCommand,
  StartPersonTrackingCommand,
  StartSegmentDetectionCommand,
  type RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './helpers/server.js';
import { DEMO_PHOTOS, makeVideo } from './helpers/video.js';
import { errorOf } from './helpers/errors.js';
import { decodeImage, BYTES_LIMITS } from '../src/media/image.js';
import { rawCall } from './helpers/raw-call.js';

const VIDEO = { S3Object: { Bucket: 'videos', Name: 'people.mp4' } };

/** Polls a Get operation until the job is no longer IN_PROGRESS; returns the final answer and the progress values seen. */
async function settle<T extends { JobStatus?: string; Progress?: number }>(get: () => Promise<T>): Promise<T & { seen: number[] }> {
  const seen: number[] = [];
  for (;;) {
    const r = await get();
    if (r.JobStatus !== 'IN_PROGRESS') return { ...r, seen };
    if (typeof r.Progress === 'number') seen.push(r.Progress);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Every item of a paged Get, following NextToken. */
async function allPages<T>(fetch: (token?: string) => Promise<{ NextToken?: string; items: T[] }>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const r = await fetch(token);
    items.push(...r.items);
    token = r.NextToken;
    pages++;
  } while (token);
  return { items, pages };
}

describe('stored video jobs', () => {
  let t: TestServer;
  let rk: RekognitionClient;
  let dir: string;
  const hook: { messages: { headers: IncomingMessage['headers']; body: Record<string, unknown> }[]; url: string; close: () => void } = { messages: [], url: '', close: () => undefined };

  before(async () => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hook.messages.push({ headers: req.headers, body: JSON.parse(body) as Record<string, unknown> });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sns`;
    hook.close = () => server.close();
    t = await startTestServer({ snsWebhooks: { 'arn:aws:sns:us-east-1:123456789012:video-done': hook.url } });
    rk = t.rekognition;
    dir = mkdtempSync(join(tmpdir(), 'argus-video-test-'));
    const clip = makeVideo(join(dir, 'people.mp4'));
    await t.s3.send(new CreateBucketCommand({ Bucket: 'videos' }));
    await t.s3.send(new PutObjectCommand({ Bucket: 'videos', Key: 'people.mp4', Body: readFileSync(clip) }));
    await t.s3.send(new PutObjectCommand({ Bucket: 'videos', Key: 'not-a-video.mp4', Body: readFileSync(DEMO_PHOTOS[0]!) }));
  });
  after(async () => {
    await t.close();
    hook.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('label detection: a job at once, progress, then labels with timestamps, paged, by segment and by name', async () => {
    const start = await rk.send(new StartLabelDetectionCommand({ Video: VIDEO, JobTag: 'people-run', ClientRequestToken: 'labels-1', NotificationChannel: { SNSTopicArn: 'arn:aws:sns:us-east-1:123456789012:video-done', RoleArn: 'arn:aws:iam::123456789012:role/r' } }));
    assert.match(start.JobId!, /^[0-9a-f-]{36}$/);
    const again = await rk.send(new StartLabelDetectionCommand({ Video: VIDEO, ClientRequestToken: 'labels-1' }));
    assert.equal(again.JobId, start.JobId, 'the same ClientRequestToken gives the same job');

    const r = await settle(() => rk.send(new GetLabelDetectionCommand({ JobId: start.JobId! })));
    assert.equal(r.JobStatus, 'SUCCEEDED', r.StatusMessage);
    assert.equal(r.JobTag, 'people-run');
    assert.deepEqual(r.Video, VIDEO);
    assert.deepEqual({ ...r.VideoMetadata, FrameRate: Math.round(r.VideoMetadata!.FrameRate!) }, { Codec: 'h264', DurationMillis: 5000, Format: 'QuickTime / MOV', FrameRate: 25, FrameHeight: 426, FrameWidth: 640, ColorRange: 'LIMITED' });
    assert.ok(r.LabelModelVersion);
    const labels = r.Labels!;
    const people = labels.filter((l) => l.Label!.Name === 'Person');
    assert.ok(people.length >= 6, `Person in most frames of the photos (${people.length})`);
    assert.ok(people.every((l) => l.Timestamp! >= 1000 && l.Timestamp! < 5000), 'nobody in the black second');
    assert.ok(people[0]!.Label!.Instances!.length >= 1 && people[0]!.Label!.Instances![0]!.BoundingBox!.Width! > 0);
    assert.ok(labels.every((l, i) => i === 0 || labels[i - 1]!.Timestamp! <= l.Timestamp!), 'sorted by timestamp');

    const paged = await allPages(async (NextToken) => {
      const p = await rk.send(new GetLabelDetectionCommand({ JobId: start.JobId!, MaxResults: 5, NextToken }));
      return { NextToken: p.NextToken, items: p.Labels! };
    });
    assert.deepEqual(paged.items, labels);
    assert.equal(paged.pages, Math.ceil(labels.length / 5));

    const byName = (await rk.send(new GetLabelDetectionCommand({ JobId: start.JobId!, SortBy: 'NAME' }))).Labels!;
    assert.deepEqual(byName.map((l) => l.Label!.Name), [...byName.map((l) => l.Label!.Name!)].sort());

    const segs = (await rk.send(new GetLabelDetectionCommand({ JobId: start.JobId!, AggregateBy: 'SEGMENTS' }))).Labels!;
    const person = segs.filter((s) => s.Label!.Name === 'Person');
    assert.equal(person.length, 1, 'one Person segment across both photos');
    assert.ok(person[0]!.StartTimestampMillis! >= 1000 && person[0]!.StartTimestampMillis! <= 1600);
    assert.equal(person[0]!.EndTimestampMillis, 5000);
    assert.equal(person[0]!.DurationMillis, person[0]!.EndTimestampMillis! - person[0]!.StartTimestampMillis!);

    // The completion notice reached the topic's webhook, as SNS would deliver it.
    for (let i = 0; i < 50 && !hook.messages.length; i++) await new Promise((res) => setTimeout(res, 100));
    assert.equal(hook.messages.length, 1);
    const m = hook.messages[0]!;
    assert.equal(m.headers['x-amz-sns-message-type'], 'Notification');
    assert.equal(m.body.TopicArn, 'arn:aws:sns:us-east-1:123456789012:video-done');
    const message = JSON.parse(m.body.Message as string) as Record<string, unknown>;
    assert.deepEqual({ ...message, Timestamp: typeof message.Timestamp }, { JobId: start.JobId, Status: 'SUCCEEDED', API: 'StartLabelDetection', JobTag: 'people-run', Timestamp: 'number', Video: { S3ObjectName: 'people.mp4', S3Bucket: 'videos' } });
  });

  it('face detection: faces only where the photos are, with all attributes when asked', async () => {
    const { JobId } = await rk.send(new StartFaceDetectionCommand({ Video: VIDEO, FaceAttributes: 'ALL' }));
    const r = await settle(() => rk.send(new GetFaceDetectionCommand({ JobId })));
    assert.equal(r.JobStatus, 'SUCCEEDED', r.StatusMessage);
    assert.ok(r.Faces!.length >= 8, `${r.Faces!.length} faces`);
    assert.ok(r.Faces!.every((f) => f.Timestamp! >= 1000));
    assert.ok(r.Faces!.every((f) => f.Face!.AgeRange && f.Face!.Landmarks!.length === 30));
  });

  it('face search: faces indexed from the first photo are found while it is on screen, one Index per person', async () => {
    await rk.send(new CreateCollectionCommand({ CollectionId: 'video-people' }));
    const indexed = await rk.send(new IndexFacesCommand({ CollectionId: 'video-people', Image: { Bytes: readFileSync(DEMO_PHOTOS[0]!) }, ExternalImageId: 'sample1' }));
    assert.ok(indexed.FaceRecords!.length >= 1);
    // 90, not the default 80: strangers in the second photo reach 83 (dlib's descriptor; see the README).
    const { JobId } = await rk.send(new StartFaceSearchCommand({ Video: VIDEO, CollectionId: 'video-people', FaceMatchThreshold: 90 }));
    const r = await settle(() => rk.send(new GetFaceSearchCommand({ JobId })));
    assert.equal(r.JobStatus, 'SUCCEEDED', r.StatusMessage);
    const persons = r.Persons!;
    assert.ok(persons.length >= indexed.FaceRecords!.length, `${persons.length} matches`);
    assert.ok(persons.every((p) => p.Timestamp! >= 1000 && p.Timestamp! < 3000), 'matches only while the first photo shows');
    assert.ok(persons.every((p) => p.FaceMatches!.length >= 1 && p.FaceMatches![0]!.Similarity! >= 95 && p.FaceMatches![0]!.Face!.ExternalImageId === 'sample1'));
    // The same person keeps the same Index from frame to frame.
    const indexOf = new Map<string, Set<number>>();
    for (const p of persons) {
      const id = p.FaceMatches![0]!.Face!.FaceId!;
      indexOf.set(id, (indexOf.get(id) ?? new Set()).add(p.Person!.Index!));
    }
    for (const [id, indices] of indexOf) assert.equal(indices.size, 1, `face ${id} has indices ${[...indices]}`);
    // Person.BoundingBox is the body the face belongs to, Person.Face.BoundingBox the face.
    for (const p of persons) {
      const [body, face] = [p.Person!.BoundingBox!, p.Person!.Face!.BoundingBox!];
      assert.ok(body.Height! > 2 * face.Height! && body.Left! <= face.Left! && body.Top! <= face.Top!, JSON.stringify({ body, face }));
    }
    const e = await errorOf(rk.send(new StartFaceSearchCommand({ Video: VIDEO, CollectionId: 'no-such-collection' })));
    assert.equal(e.name, 'ResourceNotFoundException');
  });

  it('person tracking: each person of each photo gets one Index and a path; a cut brings new people', async () => {
    const { JobId } = await rk.send(new StartPersonTrackingCommand({ Video: VIDEO }));
    const r = await settle(() => rk.send(new GetPersonTrackingCommand({ JobId, SortBy: 'INDEX' })));
    assert.equal(r.JobStatus, 'SUCCEEDED', r.StatusMessage);
    const spans = new Map<number, number[]>();
    for (const p of r.Persons!) spans.set(p.Person!.Index!, [...(spans.get(p.Person!.Index!) ?? []), p.Timestamp!]);
    const first = [...spans.values()].filter((ts) => ts.every((t) => t >= 1000 && t < 3000));
    const second = [...spans.values()].filter((ts) => ts.every((t) => t >= 3000 && t < 5000));
    assert.equal(first.length + second.length, spans.size, 'nobody is followed across the cut, nobody in the black second');
    assert.ok(first.length >= 3 && second.length >= 3, `three people in each photo (${first.length}, ${second.length})`);
    assert.ok([...first, ...second].every((ts) => ts.length >= 8), 'each followed through its photo, five times a second');
    assert.deepEqual(r.Persons!.map((p) => p.Person!.Index), [...r.Persons!.map((p) => p.Person!.Index!)].sort((a, b) => a - b), 'SortBy INDEX');
    const raw = await rawCall(t.argus.url, 'RekognitionService.GetPersonTracking', JSON.stringify({ JobId }));
    const motion = raw.body.PersonMotion as { Index: number; Actions: { Action: string }[] }[];
    assert.equal(motion.length, spans.size);
    assert.ok(motion.every((m) => m.Actions.length >= 1 && m.Actions[0]!.Action === 'standing'), 'people in a still photo stand');
  });

  it('segment detection: the black second as a BlackFrames cue, the cut between the photos as a new shot', async () => {
    const { JobId } = await rk.send(new StartSegmentDetectionCommand({ Video: VIDEO, SegmentTypes: ['TECHNICAL_CUE', 'SHOT'], Filters: { TechnicalCueFilter: { BlackFrame: { MaxPixelThreshold: 0.2, MinCoveragePercentage: 99 } } } }));
    const r = await settle(() => rk.send(new GetSegmentDetectionCommand({ JobId })));
    assert.equal(r.JobStatus, 'SUCCEEDED', r.StatusMessage);
    assert.equal(r.VideoMetadata!.length, 1);
    assert.deepEqual(r.SelectedSegmentTypes!.map((x) => x.Type), ['TECHNICAL_CUE', 'SHOT']);
    const cues = r.Segments!.filter((x) => x.Type === 'TECHNICAL_CUE');
    const black = cues.find((x) => x.TechnicalCueSegment!.Type === 'BlackFrames')!;
    assert.deepEqual([black.StartFrameNumber, black.EndFrameNumber, black.StartTimestampMillis, black.EndTimestampMillis, black.StartTimecodeSMPTE, black.EndTimecodeSMPTE], [0, 24, 0, 960, '00:00:00:00', '00:00:00:24']);
    assert.ok(cues.some((x) => x.TechnicalCueSegment!.Type === 'Content' && x.StartFrameNumber === 25 && x.EndFrameNumber === 124));
    const shots = r.Segments!.filter((x) => x.Type === 'SHOT');
    assert.ok(shots.some((x) => x.StartFrameNumber === 75), `a shot starts at the cut (frame 75): ${JSON.stringify(shots.map((x) => x.StartFrameNumber))}`);
    assert.deepEqual(shots.map((x) => x.ShotSegment!.Index), shots.map((_, i) => i));
    assert.equal(shots.at(-1)!.EndFrameNumber, 124);
    // Camera motion per shot: an Argus extension on the wire, which the SDK drops.
    const raw = await rawCall(t.argus.url, 'RekognitionService.GetSegmentDetection', JSON.stringify({ JobId }));
    const rawShots = (raw.body.Segments as { Type: string; CameraMotion?: { Type: string; Confidence: number } }[]).filter((x) => x.Type === 'SHOT');
    assert.ok(rawShots.length === shots.length && rawShots.every((x) => typeof x.CameraMotion?.Type === 'string'));
    assert.equal(rawShots.at(-1)!.CameraMotion!.Type, 'static', 'a still photo: the camera does not move');
  });

  it('content moderation, text and celebrity recognition: each Start/Get pair answers with timestamps', async () => {
    const moderation = await rk.send(new StartContentModerationCommand({ Video: VIDEO, MinConfidence: 0 }));
    const text = await rk.send(new StartTextDetectionCommand({ Video: VIDEO }));
    // The gallery knows one person of the first photo (its largest face, added from the photo itself).
    await t.argus.services.celebrities.add({ name: 'Sample One', urls: ['example.com/sample-one'], images: [{ name: 'sample1.jpg', img: await decodeImage(readFileSync(DEMO_PHOTOS[0]!), BYTES_LIMITS) }] });
    const celebrities = await rk.send(new StartCelebrityRecognitionCommand({ Video: VIDEO }));

    const m = await settle(() => rk.send(new GetContentModerationCommand({ JobId: moderation.JobId })));
    assert.equal(m.JobStatus, 'SUCCEEDED', m.StatusMessage);
    assert.ok(m.ModerationModelVersion);
    assert.ok(m.ModerationLabels!.length > 0 && m.ModerationLabels!.every((x) => x.Timestamp! >= 0 && x.ModerationLabel!.Name && x.ModerationLabel!.Confidence! >= 0), 'MinConfidence 0 lists labels');
    const segs = (await rk.send(new GetContentModerationCommand({ JobId: moderation.JobId, AggregateBy: 'SEGMENTS' }))).ModerationLabels!;
    assert.ok(segs.every((x) => x.EndTimestampMillis! > x.StartTimestampMillis! && x.EndTimestampMillis! <= 5000));

    const x = await settle(() => rk.send(new GetTextDetectionCommand({ JobId: text.JobId })));
    assert.equal(x.JobStatus, 'SUCCEEDED', x.StatusMessage);
    assert.ok(x.TextModelVersion);
    assert.ok(x.TextDetections!.every((d) => d.Timestamp! % 1000 === 0 || d.Timestamp! > 0), 'sampled once a second');

    const c = await settle(() => rk.send(new GetCelebrityRecognitionCommand({ JobId: celebrities.JobId })));
    assert.equal(c.JobStatus, 'SUCCEEDED', c.StatusMessage);
    const found = c.Celebrities!.filter((r) => r.Celebrity!.Name === 'Sample One');
    assert.ok(found.length >= 2, `found while the first photo shows (${found.length})`);
    assert.ok(found.every((r) => r.Timestamp! >= 1000 && r.Timestamp! < 3000 && r.Celebrity!.Urls![0] === 'example.com/sample-one' && r.Celebrity!.BoundingBox!.Width! > 0));
  });

  it('refuses what Rekognition refuses, and fails a job on a file that is not a video', async () => {
    let e = await errorOf(rk.send(new StartLabelDetectionCommand({ Video: { S3Object: { Bucket: 'videos', Name: 'missing.mp4' } } })));
    assert.equal(e.name, 'InvalidS3ObjectException');
    e = await errorOf(rk.send(new GetLabelDetectionCommand({ JobId: '00000000-0000-0000-0000-000000000000' })));
    assert.equal(e.name, 'ResourceNotFoundException');
    e = await errorOf(rk.send(new StartLabelDetectionCommand({ Video: VIDEO, NotificationChannel: { SNSTopicArn: 'arn:aws:sns:us-east-1:123456789012:unknown', RoleArn: 'arn:aws:iam::123456789012:role/r' } })));
    assert.equal(e.name, 'InvalidParameterException');
    assert.match(e.message, /No webhook is configured/);

    const { JobId } = await rk.send(new StartFaceDetectionCommand({ Video: { S3Object: { Bucket: 'videos', Name: 'not-a-video.mp4' } } }));
    e = await errorOf(rk.send(new GetLabelDetectionCommand({ JobId })));
    assert.equal(e.name, 'ResourceNotFoundException', "a face detection job is not a label detection job");
    const r = await settle(() => rk.send(new GetFaceDetectionCommand({ JobId })));
    assert.equal(r.JobStatus, 'FAILED');
    assert.match(r.StatusMessage!, /video/i);
    assert.doesNotMatch(r.StatusMessage!, /\/(tmp|work|blobs)\//, 'no server paths');
    assert.deepEqual(r.Faces, []);
  });

  it('bulk image analysis: moderation for each manifest line, bad lines reported in the summary', async () => {
    await t.s3.send(new PutObjectCommand({ Bucket: 'videos', Key: 'photos/a.jpg', Body: readFileSync(DEMO_PHOTOS[0]!) }));
    await t.s3.send(new PutObjectCommand({ Bucket: 'videos', Key: 'photos/b.jpg', Body: readFileSync(DEMO_PHOTOS[1]!) }));
    const manifest = ['{"source-ref":"s3://videos/photos/a.jpg"}', 'not json', '{"source-ref":"s3://videos/photos/missing.jpg"}', '{"source-ref":"s3://videos/photos/b.jpg","id":7}'].join('\n');
    await t.s3.send(new PutObjectCommand({ Bucket: 'videos', Key: 'bulk/manifest.jsonl', Body: manifest }));
    const { JobId } = await rk.send(new StartMediaAnalysisJobCommand({ JobName: 'bulk-1', OperationsConfig: { DetectModerationLabels: { MinConfidence: 40 } }, Input: { S3Object: { Bucket: 'videos', Name: 'bulk/manifest.jsonl' } }, OutputConfig: { S3Bucket: 'videos', S3KeyPrefix: 'out/' } }));
    let r = await rk.send(new GetMediaAnalysisJobCommand({ JobId }));
    for (let i = 0; i < 300 && r.Status !== 'SUCCEEDED' && r.Status !== 'FAILED'; i++) {
      await new Promise((res) => setTimeout(res, 200));
      r = await rk.send(new GetMediaAnalysisJobCommand({ JobId }));
    }
    assert.equal(r.Status, 'SUCCEEDED', r.FailureDetails?.Message);
    assert.equal(r.JobName, 'bulk-1');
    assert.ok(r.CreationTimestamp instanceof Date && r.CompletionTimestamp instanceof Date);
    const text = async (o: { Bucket?: string; Name?: string }) => (await t.s3.send(new GetObjectCommand({ Bucket: o.Bucket, Key: o.Name }))).Body!.transformToString();
    const lines = (await text(r.Results!.S3Object!)).trim().split('\n').map((l) => JSON.parse(l) as Record<string, { ModerationLabels: unknown[]; ModerationModelVersion: string }>);
    assert.deepEqual(lines.map((l) => l['source-ref']), ['s3://videos/photos/a.jpg', 's3://videos/photos/b.jpg']);
    assert.equal((lines[1] as unknown as { id: number }).id, 7, 'the input line is kept');
    assert.ok(lines.every((l) => Array.isArray(l['detect-moderation-labels']!.ModerationLabels) && l['detect-moderation-labels']!.ModerationModelVersion));
    const summary = JSON.parse(await text(r.ManifestSummary!.S3Object!)) as { statistics: Record<string, number>; errors: { 'line-number': number; code: string }[] };
    assert.deepEqual(summary.statistics, { 'total-json-lines': 4, 'valid-json-lines': 2, 'invalid-json-lines': 2 });
    assert.deepEqual(summary.errors.map((e) => [e['line-number'], e.code]), [[2, 'INVALID_MANIFEST'], [3, 'InvalidS3ObjectException']]);
    const list = await rk.send(new ListMediaAnalysisJobsCommand({}));
    assert.equal(list.MediaAnalysisJobs![0]!.JobId, JobId);
  });
});
