/**
 * Stored video through the API (official SDK over HTTP, 2 inference workers): each Start/Get
 * pair on eval-data's clips, timed from Start to SUCCEEDED, as a ratio of the video's duration
 * to the analysis time ("4x" = four times faster than real time). Also:
 *  - shots: cuts against the reference cut frames (within 2 frames; see test/video-segments-eval.ts
 *    for where each reference comes from), BlackFrames cues on the fades clip;
 *  - face search: the Hamilton clip against a collection holding one photo of Lin-Manuel Miranda,
 *    the share of sampled frames with a face in which he was found, and any other identity found;
 *  - person tracking on the MOT20 crowd clip: people followed, and how many of them are short
 *    fragments (under 1 s), the part of identity switches that can be counted without ground truth.
 *
 *   npx tsc -p . && node dist/bench/video-eval.js [--json bench/results/video-eval.json]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as rk from '@aws-sdk/client-rekognition';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { EVAL_DATA, median, withBenchServer } from './util.js';

const V = join(EVAL_DATA, 'video');
const CLIPS = {
  hamilton: join(V, 'face-recognition-hamilton', 'short_hamilton_clip.mp4'),
  crowd: join(V, 'dlib-mot', 'MOT20-05-raw_even_shorter.mp4'),
  rotate: join(V, 'pyscenedetect', 'issue-134-rotate.mp4'),
  fades: join(V, 'pyscenedetect', 'fades.mp4'),
  counter: join(V, 'pyscenedetect', 'counter.mp4'),
};
/** Reference cuts (first frame of each new shot). */
const CUTS: Record<string, number[]> = { counter: [10, 20], fades: [], rotate: [90, 210], hamilton: [20, 82, 211], crowd: [] };
const TOLERANCE = 2;

type Clip = keyof typeof CLIPS;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const OPERATIONS: Record<string, { start: Any; get: Any; list: string; clips: Clip[]; extra?: object }> = {
  LabelDetection: { start: rk.StartLabelDetectionCommand, get: rk.GetLabelDetectionCommand, list: 'Labels', clips: ['hamilton', 'crowd', 'rotate'] },
  SegmentDetection: { start: rk.StartSegmentDetectionCommand, get: rk.GetSegmentDetectionCommand, list: 'Segments', clips: ['hamilton', 'crowd', 'rotate', 'fades', 'counter'], extra: { SegmentTypes: ['TECHNICAL_CUE', 'SHOT'] } },
  PersonTracking: { start: rk.StartPersonTrackingCommand, get: rk.GetPersonTrackingCommand, list: 'Persons', clips: ['hamilton', 'crowd', 'rotate'] },
  FaceDetection: { start: rk.StartFaceDetectionCommand, get: rk.GetFaceDetectionCommand, list: 'Faces', clips: ['hamilton', 'crowd'] },
  FaceSearch: { start: rk.StartFaceSearchCommand, get: rk.GetFaceSearchCommand, list: 'Persons', clips: ['hamilton'], extra: { CollectionId: 'lin' } },
  ContentModeration: { start: rk.StartContentModerationCommand, get: rk.GetContentModerationCommand, list: 'ModerationLabels', clips: ['hamilton', 'crowd'] },
  TextDetection: { start: rk.StartTextDetectionCommand, get: rk.GetTextDetectionCommand, list: 'TextDetections', clips: ['hamilton', 'counter'] },
};

async function runJob(client: rk.RekognitionClient, op: string, clip: Clip): Promise<{ seconds: number; result: Any }> {
  const o = OPERATIONS[op]!;
  const t0 = performance.now();
  const send = (command: Any): Promise<Any> => client.send(command);
  const { JobId } = await send(new o.start({ Video: { S3Object: { Bucket: 'videos', Name: basename(CLIPS[clip]) } }, ...o.extra }));
  for (;;) {
    const r = await send(new o.get({ JobId }));
    if (r.JobStatus !== 'IN_PROGRESS') {
      const seconds = (performance.now() - t0) / 1000;
      if (r.JobStatus !== 'SUCCEEDED') throw new Error(`${op} on ${clip}: ${r.StatusMessage}`);
      const items = [...r[o.list]];
      for (let token = r.NextToken; token; ) {
        const page = await send(new o.get({ JobId, NextToken: token }));
        items.push(...page[o.list]);
        token = page.NextToken;
      }
      return { seconds, result: { ...r, [o.list]: items } };
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}

function shotScore(clip: Clip, segments: Any[]) {
  const found = segments.filter((s) => s.Type === 'SHOT' && s.StartFrameNumber > 0).map((s) => s.StartFrameNumber as number);
  const reference = CUTS[clip]!;
  const hits = reference.filter((c) => found.some((f) => Math.abs(f - c) <= TOLERANCE)).length;
  const extra = found.filter((f) => !reference.some((c) => Math.abs(f - c) <= TOLERANCE)).length;
  return { reference, found, hits, extra };
}

async function main(argv: string[]): Promise<void> {
  const jsonPath = argv.includes('--json') ? argv[argv.indexOf('--json') + 1]! : 'bench/results/video-eval.json';
  if (!existsSync(V)) {
    console.log(`eval-data not found at ${EVAL_DATA}; nothing to measure`);
    return;
  }
  await withBenchServer({}, async ({ rekognition: client, s3 }) => {
    await s3.send(new CreateBucketCommand({ Bucket: 'videos' }));
    for (const path of Object.values(CLIPS)) await s3.send(new PutObjectCommand({ Bucket: 'videos', Key: basename(path), Body: readFileSync(path) }));
    await client.send(new rk.CreateCollectionCommand({ CollectionId: 'lin' }));
    await client.send(new rk.IndexFacesCommand({ CollectionId: 'lin', Image: { Bytes: readFileSync(join(EVAL_DATA, 'faces-face-recognition', 'examples', 'lin-manuel-miranda.png')) }, ExternalImageId: 'lin-manuel-miranda' }));
    // Load every model once outside the timing.
    for (const op of Object.keys(OPERATIONS)) await runJob(client, op, 'counter');

    const rows: Any[] = [];
    const results: Record<string, Record<string, Any>> = {};
    for (const [op, o] of Object.entries(OPERATIONS)) {
      for (const clip of o.clips) {
        const { seconds, result } = await runJob(client, op, clip);
        const meta = Array.isArray(result.VideoMetadata) ? result.VideoMetadata[0] : result.VideoMetadata;
        const speed = meta.DurationMillis / 1000 / seconds;
        rows.push({ operation: op, clip, durationS: meta.DurationMillis / 1000, seconds, speed, items: result[o.list].length });
        (results[op] ??= {})[clip] = result;
        console.log(`${op.padEnd(18)} ${clip.padEnd(9)} ${(meta.DurationMillis / 1000).toFixed(1).padStart(5)} s of video in ${seconds.toFixed(1).padStart(5)} s = ${speed.toFixed(2)}x real time, ${result[o.list].length} items`);
      }
    }

    const shots = Object.fromEntries(OPERATIONS.SegmentDetection!.clips.map((c) => [c, shotScore(c, results.SegmentDetection![c].Segments)]));
    const black = results.SegmentDetection!.fades.Segments.filter((s: Any) => s.TechnicalCueSegment?.Type === 'BlackFrames').map((s: Any) => [s.StartFrameNumber, s.EndFrameNumber]);
    const faceFrames = new Set(results.FaceDetection!.hamilton.Faces.map((f: Any) => f.Timestamp));
    const search = results.FaceSearch!.hamilton.Persons;
    const linFrames = new Set(search.filter((p: Any) => p.FaceMatches.some((m: Any) => m.Face.ExternalImageId === 'lin-manuel-miranda')).map((p: Any) => p.Timestamp));
    const tracks = new Map<number, number[]>();
    for (const p of results.PersonTracking!.crowd.Persons) tracks.set(p.Person.Index, [...(tracks.get(p.Person.Index) ?? []), p.Timestamp]);
    const spans = [...tracks.values()].map((ts) => Math.max(...ts) - Math.min(...ts));
    const crowd = { people: tracks.size, under1s: spans.filter((s) => s < 1000).length, medianSpanMs: median(spans) };
    const speedByOperation = Object.fromEntries(Object.keys(OPERATIONS).map((op) => [op, median(rows.filter((r) => r.operation === op).map((r) => r.speed))]));

    console.log('\nmedian speed (video duration / analysis time), 2 workers:');
    for (const [op, s] of Object.entries(speedByOperation)) console.log(`  ${op.padEnd(18)} ${s.toFixed(2)}x`);
    console.log('\nshot cuts (within 2 frames):');
    for (const [c, s] of Object.entries(shots)) console.log(`  ${c.padEnd(9)} reference ${JSON.stringify(s.reference).padEnd(12)} found ${JSON.stringify(s.found).padEnd(14)} ${s.hits}/${s.reference.length} hit, ${s.extra} extra`);
    console.log(`fades.mp4 BlackFrames (frames): ${JSON.stringify(black)}`);
    console.log(`face search, hamilton: Lin-Manuel Miranda found in ${linFrames.size} of ${faceFrames.size} sampled frames with a face; other identities: ${search.length - [...search].filter((p: Any) => p.FaceMatches.every((m: Any) => m.Face.ExternalImageId === 'lin-manuel-miranda')).length}`);
    console.log(`person tracking, crowd (MOT20-05, 5 s): ${crowd.people} people followed, ${crowd.under1s} of them under 1 s, median span ${crowd.medianSpanMs} ms`);

    mkdirSync(dirname(jsonPath), { recursive: true });
    writeFileSync(
      jsonPath,
      JSON.stringify({ command: 'node dist/bench/video-eval.js', workers: 2, rows, speedByOperation, shots, fadesBlackFrames: black, faceSearch: { framesWithFace: faceFrames.size, framesWithLin: linFrames.size }, crowd }, null, 2),
    );
  });
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
