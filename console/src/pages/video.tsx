/**
 * Video: start an analysis of a video in a bucket (the Start* operations), follow its progress
 * (Get*, polled), then play the video with what was found drawn over the frame (people with their
 * paths so far) and a timeline per label, face, person or segment that seeks the player.
 * Rekognition has no call that lists video jobs, so the console remembers the jobs it started
 * (in localStorage) and reads each one with its Get* operation.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  GetContentModerationCommand,
  GetFaceDetectionCommand,
  GetLabelDetectionCommand,
  GetPersonTrackingCommand,
  GetSegmentDetectionCommand,
  GetTextDetectionCommand,
  StartContentModerationCommand,
  StartFaceDetectionCommand,
  StartLabelDetectionCommand,
  StartPersonTrackingCommand,
  StartSegmentDetectionCommand,
  StartTextDetectionCommand,
  type Video,
  type VideoMetadata,
} from '@aws-sdk/client-rekognition';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { objectUrl, rekognition, s3 } from '../api';
import { ErrorBox } from '../components/error';
import { colourFor, Drawn, type Box, type Shape } from '../components/overlay';
import { Table } from '../components/table';
import { useAction } from '../components/use-action';
import { useBuckets } from './custom-labels';

/** One thing found at a time (ms), or over a span (segments). */
export interface VideoEvent {
  t: number;
  end?: number;
  name: string;
  confidence?: number;
  box?: Box;
  /** A person's index, to draw their path. */
  track?: number;
}

interface JobPage {
  status: string;
  message?: string;
  meta?: VideoMetadata;
  events: VideoEvent[];
  next?: string;
}

/** What a Get* call is asked: a job and a page of its results. */
interface GetInput {
  JobId: string;
  NextToken?: string;
  MaxResults: number;
}

/**
 * A kind's `get` (one page of a job's results, as a JobPage) from its Get* call, what it found
 * (`events`) and where the video's metadata is (`meta`: VideoMetadata unless said otherwise).
 */
function reader<R extends { JobStatus?: string; StatusMessage?: string; NextToken?: string; VideoMetadata?: unknown }>(
  send: (input: GetInput) => Promise<R>,
  events: (r: R) => VideoEvent[],
  meta: (r: R) => VideoMetadata | undefined = (r) => r.VideoMetadata as VideoMetadata | undefined,
) {
  return async (JobId: string, NextToken?: string, MaxResults = 1000): Promise<JobPage> => {
    const r = await send({ JobId, NextToken, MaxResults });
    return { status: r.JobStatus ?? '?', message: r.StatusMessage, meta: meta(r), events: events(r), next: r.NextToken };
  };
}

const KINDS = {
  labels: {
    title: 'Labels',
    start: (v: Video) => rekognition().send(new StartLabelDetectionCommand({ Video: v, MinConfidence: 50 })),
    get: reader(
      (input) => rekognition().send(new GetLabelDetectionCommand(input)),
      (r) =>
        (r.Labels ?? []).flatMap((l): VideoEvent[] => {
          const base = { t: l.Timestamp ?? 0, name: l.Label?.Name ?? '?', confidence: l.Label?.Confidence };
          return l.Label?.Instances?.length ? l.Label.Instances.map((i) => ({ ...base, confidence: i.Confidence, box: i.BoundingBox })) : [base];
        }),
    ),
  },
  faces: {
    title: 'Faces',
    start: (v: Video) => rekognition().send(new StartFaceDetectionCommand({ Video: v })),
    get: reader(
      (input) => rekognition().send(new GetFaceDetectionCommand(input)),
      (r) => (r.Faces ?? []).map((f) => ({ t: f.Timestamp ?? 0, name: 'Face', confidence: f.Face?.Confidence, box: f.Face?.BoundingBox })),
    ),
  },
  people: {
    title: 'People (paths)',
    start: (v: Video) => rekognition().send(new StartPersonTrackingCommand({ Video: v })),
    get: reader(
      (input) => rekognition().send(new GetPersonTrackingCommand(input)),
      (r) => (r.Persons ?? []).map((p) => ({ t: p.Timestamp ?? 0, name: `Person ${p.Person?.Index ?? '?'}`, box: p.Person?.BoundingBox, track: p.Person?.Index })),
    ),
  },
  text: {
    title: 'Text',
    start: (v: Video) => rekognition().send(new StartTextDetectionCommand({ Video: v })),
    get: reader(
      (input) => rekognition().send(new GetTextDetectionCommand(input)),
      (r) =>
        (r.TextDetections ?? [])
          .filter((d) => d.TextDetection?.Type === 'LINE')
          .map((d) => ({ t: d.Timestamp ?? 0, name: d.TextDetection?.DetectedText ?? '', confidence: d.TextDetection?.Confidence, box: d.TextDetection?.Geometry?.BoundingBox })),
    ),
  },
  moderation: {
    title: 'Moderation',
    start: (v: Video) => rekognition().send(new StartContentModerationCommand({ Video: v })),
    get: reader(
      (input) => rekognition().send(new GetContentModerationCommand(input)),
      (r) => (r.ModerationLabels ?? []).map((m) => ({ t: m.Timestamp ?? 0, name: m.ModerationLabel?.Name ?? '?', confidence: m.ModerationLabel?.Confidence })),
    ),
  },
  segments: {
    title: 'Segments (shots, technical cues)',
    start: (v: Video) => rekognition().send(new StartSegmentDetectionCommand({ Video: v, SegmentTypes: ['SHOT', 'TECHNICAL_CUE'] })),
    get: reader(
      (input) => rekognition().send(new GetSegmentDetectionCommand(input)),
      (r) =>
        (r.Segments ?? []).map((s) => ({
          t: s.StartTimestampMillis ?? 0,
          end: s.EndTimestampMillis,
          name: s.Type === 'SHOT' ? 'Shot' : (s.TechnicalCueSegment?.Type ?? 'Technical cue'),
          confidence: s.ShotSegment?.Confidence ?? s.TechnicalCueSegment?.Confidence,
        })),
      (r) => r.VideoMetadata?.[0],
    ),
  },
} as const;

type Kind = keyof typeof KINDS;

interface Job {
  jobId: string;
  kind: Kind;
  bucket: string;
  key: string;
  startedAt: string;
}

const STORE = 'argus.videoJobs';
const loadJobs = (): Job[] => JSON.parse(localStorage.getItem(STORE) ?? '[]') as Job[];
const saveJobs = (jobs: Job[]) => localStorage.setItem(STORE, JSON.stringify(jobs));
const VIDEO_KEY = /\.(mp4|mov|m4v|mkv|webm|avi|mpe?g)$/i;
/** The most pages read for one job's results (1,000 items each). */
const MAX_PAGES = 20;

export function VideoPage(_props: { path: string }) {
  const [jobs, setJobs] = useState<Job[]>(loadJobs());
  const [open, setOpen] = useState<Job>();
  const update = (next: Job[]) => {
    saveJobs(next);
    setJobs(next);
  };
  return (
    <section>
      <h2>Video</h2>
      <StartJob onStarted={(job) => update([job, ...jobs])} />
      <Table class="jobs" head={['Analysis', 'Video', 'Started', 'Status', '']}>
        {jobs.map((j) => (
          <JobRow key={j.jobId} job={j} selected={open?.jobId === j.jobId} onOpen={() => setOpen(j)} onForget={() => (update(jobs.filter((x) => x.jobId !== j.jobId)), open?.jobId === j.jobId && setOpen(undefined))} />
        ))}
      </Table>
      {jobs.length === 0 && <p class="note">No jobs started from this browser yet.</p>}
      {open && <Results key={open.jobId} job={open} />}
    </section>
  );
}

function StartJob(props: { onStarted: (job: Job) => void }) {
  const buckets = useBuckets();
  const [bucket, setBucket] = useState('');
  const [key, setKey] = useState('');
  const [keys, setKeys] = useState<string[]>([]);
  const [kind, setKind] = useState<Kind>('labels');
  const action = useAction();
  useEffect(() => setBucket((b) => b || buckets[0] || ''), [buckets]);
  useEffect(() => {
    if (!bucket) return;
    s3()
      .send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }))
      .then((out) => setKeys((out.Contents ?? []).map((o) => o.Key!).filter((k) => VIDEO_KEY.test(k))))
      .catch(() => setKeys([]));
  }, [bucket]);
  return (
    <form
      class="panel row"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => {
          const { JobId } = await KINDS[kind].start({ S3Object: { Bucket: bucket, Name: key } });
          props.onStarted({ jobId: JobId!, kind, bucket, key, startedAt: new Date().toISOString() });
        });
      }}
    >
      <strong>Analyse a video</strong>
      <select aria-label="video bucket" value={bucket} onChange={(e) => setBucket(e.currentTarget.value)}>
        {buckets.length === 0 && <option value="">no buckets</option>}
        {buckets.map((b) => (
          <option value={b}>{b}</option>
        ))}
      </select>
      <input aria-label="video key" placeholder="key, e.g. clips/door.mp4" list="video-keys" value={key} onInput={(e) => setKey(e.currentTarget.value)} required />
      <datalist id="video-keys">
        {keys.map((k) => (
          <option value={k} />
        ))}
      </datalist>
      <select aria-label="analysis" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
        {(Object.keys(KINDS) as Kind[]).map((k) => (
          <option value={k}>{KINDS[k].title}</option>
        ))}
      </select>
      <button type="submit" disabled={!bucket || action.busy}>
        Start
      </button>
      <ErrorBox error={action.error} />
    </form>
  );
}

/** A job's row: its status, polled while it runs. */
function JobRow(props: { job: Job; selected: boolean; onOpen: () => void; onForget: () => void }) {
  const [page, setPage] = useState<JobPage>();
  const [tick, setTick] = useState(0);
  const action = useAction();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    action.run(() => KINDS[props.job.kind].get(props.job.jobId, undefined, 1)).then((p) => {
      if (p) setPage(p);
      if (p?.status === 'IN_PROGRESS') timer = setTimeout(() => setTick((t) => t + 1), 1000);
    });
    return () => clearTimeout(timer);
  }, [tick]);
  const progress = /(\d+) % analysed/.exec(page?.message ?? '');
  return (
    <tr class={props.selected ? 'selected' : undefined} data-job={props.job.jobId}>
      <td>{KINDS[props.job.kind].title}</td>
      <td>
        s3://{props.job.bucket}/{props.job.key}
      </td>
      <td>{new Date(props.job.startedAt).toLocaleString()}</td>
      <td class="status">
        {page?.status}
        {progress && <progress max={100} value={Number(progress[1])} />}
        {page?.status === 'FAILED' && <div class="note">{page.message}</div>}
        <ErrorBox error={action.error} />
      </td>
      <td class="row">
        <button class="primary" disabled={page?.status !== 'SUCCEEDED'} onClick={props.onOpen}>
          View
        </button>
        <button onClick={props.onForget}>Forget</button>
      </td>
    </tr>
  );
}

/** The results: the player with the detections of the moment drawn over it, and the timeline. */
function Results(props: { job: Job }) {
  const [events, setEvents] = useState<VideoEvent[]>([]);
  const [meta, setMeta] = useState<VideoMetadata>();
  const [truncated, setTruncated] = useState(false);
  const [url, setUrl] = useState<string>();
  const [now, setNow] = useState(0);
  const video = useRef<HTMLVideoElement>(null);
  const action = useAction();
  useEffect(() => {
    let made: string | undefined;
    void action.run(async () => {
      const all: VideoEvent[] = [];
      let next: string | undefined;
      let pages = 0;
      do {
        const p = await KINDS[props.job.kind].get(props.job.jobId, next);
        all.push(...p.events);
        if (p.meta) setMeta(p.meta);
        next = p.next;
      } while (next && ++pages < MAX_PAGES);
      setTruncated(next !== undefined);
      setEvents(all.sort((a, b) => a.t - b.t));
      made = await objectUrl(props.job.bucket, props.job.key);
      setUrl(made);
    });
    return () => made && URL.revokeObjectURL(made);
  }, []);

  const duration = meta?.DurationMillis ?? Math.max(1, ...events.map((e) => e.end ?? e.t));
  const times = [...new Set(events.filter((e) => e.end === undefined).map((e) => e.t))];
  // The sample shown is the last one at or before the player's time.
  const shownAt = times.filter((t) => t <= now).pop();
  const shapes: Shape[] = events.filter((e) => e.t === shownAt && e.box).map((e) => ({ label: e.name, confidence: e.confidence, box: e.box }));
  // People: the path of each track so far (the bottom centre of its box).
  const paths = new Map<number, { X: number; Y: number }[]>();
  for (const e of events) if (e.track !== undefined && e.box && e.t <= now) (paths.get(e.track) ?? paths.set(e.track, []).get(e.track)!).push({ X: (e.box.Left ?? 0) + (e.box.Width ?? 0) / 2, Y: (e.box.Top ?? 0) + (e.box.Height ?? 0) });
  for (const [track, path] of paths) shapes.push({ label: `Person ${track}`, path });
  const spans = events.filter((e) => e.t <= now && e.end !== undefined && e.end > now).map((e) => e.name);

  const rows = new Map<string, VideoEvent[]>();
  for (const e of events) (rows.get(e.name) ?? rows.set(e.name, []).get(e.name)!).push(e);
  const ordered = [...rows.entries()].sort((a, b) => b[1].length - a[1].length).slice(0, 40);
  const seek = (ms: number) => {
    if (video.current) video.current.currentTime = ms / 1000;
    setNow(ms);
  };
  const pct = (ms: number) => `${((100 * ms) / duration).toFixed(3)}%`;

  return (
    <div class="panel video-results">
      <h3>
        {KINDS[props.job.kind].title}: s3://{props.job.bucket}/{props.job.key}
      </h3>
      <ErrorBox error={action.error} />
      {meta && (
        <p class="note">
          {meta.FrameWidth}×{meta.FrameHeight}, {meta.FrameRate?.toFixed(2)} fps, {((meta.DurationMillis ?? 0) / 1000).toFixed(1)} s, {meta.Codec} · {events.length} detections{truncated && ` (the first ${MAX_PAGES} pages)`}
        </p>
      )}
      <div class="result">
        {url && (
          <Drawn shapes={shapes}>
            <video ref={video} src={url} controls onTimeUpdate={(e) => setNow(e.currentTarget.currentTime * 1000)} onSeeked={(e) => setNow(e.currentTarget.currentTime * 1000)} />
          </Drawn>
        )}
        <div class="findings">
          <p>
            At {(now / 1000).toFixed(2)} s: {[...new Set([...events.filter((e) => e.t === shownAt).map((e) => e.name), ...spans])].join(', ') || 'nothing'}
          </p>
        </div>
      </div>
      <div class="timeline">
        {ordered.map(([name, list]) => (
          <div class="timeline-row">
            <span class="timeline-name" title={name}>
              {name} ({list.length})
            </span>
            <div class="timeline-track">
              {list.map((e) =>
                e.end !== undefined ? (
                  <span class="timeline-span" style={{ left: pct(e.t), width: pct(e.end - e.t), background: colourFor(name) }} title={`${(e.t / 1000).toFixed(2)}–${(e.end / 1000).toFixed(2)} s`} onClick={() => seek(e.t)} />
                ) : (
                  <span class="timeline-mark" style={{ left: pct(e.t), background: colourFor(name) }} title={`${(e.t / 1000).toFixed(2)} s${e.confidence !== undefined ? `, ${e.confidence.toFixed(1)}%` : ''}`} onClick={() => seek(e.t)} />
                ),
              )}
              <span class="timeline-now" style={{ left: pct(now) }} />
            </div>
          </div>
        ))}
        {events.length === 0 && !action.busy && <p class="note">Nothing was found.</p>}
      </div>
    </div>
  );
}
