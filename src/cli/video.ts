/**
 * `argus video analyze <file> [--labels] [--faces] [--people] [--segments] [--out result.json]`:
 * the same Start/Get operations as the API, in process. The file is put in the `argus-cli`
 * bucket of the data folder (and removed afterwards), one job per analysis runs with a progress
 * bar, and a readable summary is printed; `--out` (or `--json`) writes every Get answer.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Parsed } from './args.js';
import { flagString } from './args.js';
import { withServices, type Call } from './image-command.js';
import { progress } from './progress.js';
import { putObject } from '../services/bucket-objects.js';

const BUCKET = 'argus-cli';
const ANALYSES = {
  labels: { start: 'StartLabelDetection', get: 'GetLabelDetection', list: 'Labels' },
  faces: { start: 'StartFaceDetection', get: 'GetFaceDetection', list: 'Faces' },
  people: { start: 'StartPersonTracking', get: 'GetPersonTracking', list: 'Persons' },
  segments: { start: 'StartSegmentDetection', get: 'GetSegmentDetection', list: 'Segments', extra: { SegmentTypes: ['TECHNICAL_CUE', 'SHOT'] } },
} as const;
type Analysis = keyof typeof ANALYSES;

interface GetAnswer {
  JobStatus: string;
  StatusMessage?: string;
  Progress?: number;
  NextToken?: string;
  VideoMetadata?: unknown;
  [list: string]: unknown;
}

async function runJob(call: Call, what: Analysis, video: object): Promise<GetAnswer> {
  const a = ANALYSES[what];
  const { JobId } = await call<{ JobId: string }>(a.start, { Video: video, ...('extra' in a ? a.extra : {}) });
  const bar = progress(what.padEnd(8), 100);
  let shown = 0;
  let r: GetAnswer;
  for (;;) {
    r = await call<GetAnswer>(a.get, { JobId });
    for (; shown < (r.JobStatus === 'IN_PROGRESS' ? (r.Progress ?? 0) : 100); shown++) bar.tick();
    if (r.JobStatus !== 'IN_PROGRESS') break;
    await new Promise((res) => setTimeout(res, 250));
  }
  bar.done();
  if (r.JobStatus !== 'SUCCEEDED') throw new Error(`${a.start} failed: ${r.StatusMessage}`);
  // Every page, as one answer.
  const items = [...(r[a.list] as unknown[])];
  for (let token = r.NextToken; token; ) {
    const page = await call<GetAnswer>(a.get, { JobId, NextToken: token });
    items.push(...(page[a.list] as unknown[]));
    token = page.NextToken;
  }
  return { ...r, [a.list]: items, NextToken: undefined };
}

type Item = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function summarise(what: Analysis, r: GetAnswer): string {
  const items = r[ANALYSES[what].list] as Item[];
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  switch (what) {
    case 'labels': {
      const byName = new Map<string, { first: number; last: number; best: number }>();
      for (const l of items) {
        const s = byName.get(l.Label.Name) ?? { first: l.Timestamp, last: l.Timestamp, best: 0 };
        byName.set(l.Label.Name, { first: Math.min(s.first, l.Timestamp), last: Math.max(s.last, l.Timestamp), best: Math.max(s.best, l.Label.Confidence) });
      }
      return [...byName].sort((a, b) => b[1].best - a[1].best).slice(0, 20).map(([n, s]) => `  ${n.padEnd(20)} ${s.best.toFixed(1).padStart(5)}  ${secs(s.first)}–${secs(s.last)}`).join('\n');
    }
    case 'faces':
      return `  ${items.length} faces in ${new Set(items.map((f) => f.Timestamp)).size} sampled frames`;
    case 'people': {
      const people = new Map<number, number[]>();
      for (const p of items) people.set(p.Person.Index, [...(people.get(p.Person.Index) ?? []), p.Timestamp]);
      return [...people].map(([i, ts]) => `  person ${String(i).padEnd(4)} ${secs(Math.min(...ts))}–${secs(Math.max(...ts))}  (${ts.length} boxes)`).join('\n') || '  nobody';
    }
    case 'segments':
      return items.map((s) => `  ${s.StartTimecodeSMPTE}–${s.EndTimecodeSMPTE}  ${s.Type === 'SHOT' ? `shot ${s.ShotSegment.Index}` : s.TechnicalCueSegment.Type}`).join('\n');
  }
}

export async function videoCommand(p: Parsed): Promise<void> {
  const [sub, file] = p.positionals;
  if (sub !== 'analyze' || !file) throw new Error('usage: argus video analyze <file> [--labels] [--faces] [--people] [--segments] [--out result.json] [--json]');
  const chosen = (Object.keys(ANALYSES) as Analysis[]).filter((a) => p.flags.has(a));
  const analyses = chosen.length ? chosen : (['labels', 'segments'] as Analysis[]);
  await withServices(async (built, call) => {
    if (!built.metadata.buckets.getBucket(BUCKET)) built.metadata.buckets.createBucket(BUCKET);
    const key = `${randomUUID()}/${basename(file)}`;
    await putObject(built.metadata.buckets, built.blobs, BUCKET, key, createReadStream(file), 'video/mp4');
    const results: Partial<Record<Analysis, GetAnswer>> = {};
    try {
      for (const a of analyses) results[a] = await runJob(call, a, { S3Object: { Bucket: BUCKET, Name: key } });
    } finally {
      const o = built.metadata.buckets.deleteObject(BUCKET, key);
      if (o) await built.blobs.delete(o.blobId);
    }
    const out = flagString(p, 'out');
    if (out) writeFileSync(out, JSON.stringify(results, null, 2));
    if (p.flags.has('json')) {
      console.log(JSON.stringify(results, null, 2));
      return;
    }
    const meta = Object.values(results)[0]?.VideoMetadata as Item | Item[] | undefined;
    const m = Array.isArray(meta) ? meta[0] : meta;
    if (m) console.log(`${basename(file)}: ${m.FrameWidth}x${m.FrameHeight} ${m.Codec} ${(m.FrameRate as number).toFixed(2)} fps, ${(m.DurationMillis / 1000).toFixed(1)} s`);
    for (const a of analyses) console.log(`\n${a}:\n${summarise(a, results[a]!)}`);
    if (out) console.log(`\nwrote ${out}`);
  });
}
