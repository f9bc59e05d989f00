/**
 * Stored-video jobs: every Start* operation lands here. `start` checks the video object, records
 * a job (services/jobs.ts) and returns its id at once; the job copies nothing when the blob store
 * keeps files (ffmpeg reads the blob in place), probes the video, streams sampled frames
 * (media/video.ts) through the operation's analyser and stores its result with the video's
 * metadata. Frames are analysed a few at a time (one per inference worker) but collected in
 * order, so trackers and segmenters see the video as it plays. Progress is the share of the
 * video's duration done. On completion the NotificationChannel's topic is looked up in the
 * configured webhooks and sent Rekognition's completion message in an SNS envelope.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InvalidParameter, InvalidS3Object, ResourceNotFound, ServiceError, VideoTooLarge } from '../edge/errors.js';
import { probeVideo, readFrames, VIDEO_LIMITS, VideoError, type VideoFrame, type VideoMetadata } from '../media/video.js';
import type { BlobStore } from '../stores/blobs.js';
import type { BucketRepository } from '../stores/metadata.js';
import type { JobRecord, JobRunner, RunningJob } from './jobs.js';
import { notifyCompletion, type CompletionMessage } from './video-notifications.js';

/** What one Start operation computes from the frames. */
export interface VideoAnalyser<R = unknown> {
  /** Frame size and sampling interval (every frame when `everyMs` is absent). */
  sampling: { maxSide: number; everyMs?: number };
  /** Work on one frame; several frames may be in flight at once. */
  analyse(frame: VideoFrame): Promise<R>;
  /** Called in frame order with each frame's result. */
  collect(frame: VideoFrame, result: R): void;
  /** The job's result, once every frame has been collected. */
  finish(meta: VideoMetadata): unknown;
}

export interface VideoRef {
  bucket: string;
  name: string;
}

export interface StartVideoJob {
  video: VideoRef;
  clientRequestToken?: string;
  jobTag?: string;
  snsTopicArn?: string;
}

export interface VideoJobInput extends StartVideoJob {
  api: string;
}

export interface VideoJobResult {
  metadata: VideoMetadata;
  result: unknown;
}

interface Deps {
  buckets: BucketRepository;
  blobs: BlobStore;
  jobs: JobRunner;
  /** SNS topic ARN → webhook URL. */
  webhooks: Readonly<Record<string, string>>;
  /** Frames analysed at once (one per inference worker keeps every worker busy). */
  inFlight: number;
}

export class VideoJobsService {
  constructor(private readonly d: Deps) {
    // Jobs a restart killed still owe their topic a completion notice.
    for (const j of d.jobs.interrupted) {
      if (j.kind.startsWith('video:')) this.notify(j.id, j.input as VideoJobInput, 'FAILED');
    }
  }

  /** Records the job and returns its id; the same ClientRequestToken for the same API gives the same job. */
  start(api: string, req: StartVideoJob, analyser: (meta: VideoMetadata) => VideoAnalyser): string {
    if (req.snsTopicArn !== undefined && !this.d.webhooks[req.snsTopicArn]) {
      throw InvalidParameter(`No webhook is configured for the SNS topic ${req.snsTopicArn}; add it to "snsWebhooks" in argus.json (or ARGUS_SNS_WEBHOOKS) or leave NotificationChannel out.`);
    }
    const object = this.d.buckets.getObject(req.video.bucket, req.video.name);
    if (!object) throw InvalidS3Object(`Unable to get object metadata from S3. Check object key, region and/or access permissions for s3://${req.video.bucket}/${req.video.name}.`);
    if (object.size > VIDEO_LIMITS.maxBytes) throw VideoTooLarge(`s3://${req.video.bucket}/${req.video.name} is ${object.size} bytes; videos may be at most 10 GB.`);
    const input: VideoJobInput = { api, ...req };
    return this.d.jobs.submit(`video:${api}`, input, (job) => this.run(job, input, analyser), req.clientRequestToken);
  }

  /** The job of this API, or ResourceNotFoundException. */
  get(api: string, jobId: string): JobRecord & { input: VideoJobInput; result?: VideoJobResult } {
    const j = this.d.jobs.get(jobId);
    if (!j || j.kind !== `video:${api}`) throw ResourceNotFound(`There is no ${api} job with the id ${jobId}.`);
    return j as JobRecord & { input: VideoJobInput; result?: VideoJobResult };
  }

  private async run(job: RunningJob, input: VideoJobInput, makeAnalyser: (meta: VideoMetadata) => VideoAnalyser): Promise<VideoJobResult> {
    let outcome: CompletionMessage['Status'] = 'FAILED';
    try {
      const result = await this.withVideoFile(input.video, job.signal, async (path) => {
        const metadata = await probeVideo(path);
        const analyser = makeAnalyser(metadata);
        job.progress(0, 'Analysing the video.');
        await this.analyse(path, metadata, analyser, job);
        return { metadata, result: analyser.finish(metadata) };
      });
      outcome = 'SUCCEEDED';
      return result;
    } catch (err) {
      if (err instanceof VideoError || err instanceof ServiceError) throw err;
      // Anything else is ours, and its text may name files: log it, tell the client less.
      console.error(`argus: video job ${job.id} failed:`, err);
      throw new Error(job.signal.aborted ? 'Cancelled.' : 'Argus could not analyse the video (an internal error; the server log has the details).');
    } finally {
      this.notify(job.id, input, outcome);
    }
  }

  private notify(jobId: string, input: VideoJobInput, status: CompletionMessage['Status']): void {
    const url = input.snsTopicArn && this.d.webhooks[input.snsTopicArn];
    if (url) void notifyCompletion(url, input.snsTopicArn!, { JobId: jobId, Status: status, API: input.api, ...(input.jobTag ? { JobTag: input.jobTag } : {}), Timestamp: Date.now(), Video: { S3ObjectName: input.video.name, S3Bucket: input.video.bucket } });
  }

  private async analyse(path: string, meta: VideoMetadata, a: VideoAnalyser, job: RunningJob): Promise<void> {
    const pending: { frame: VideoFrame; result: Promise<unknown> }[] = [];
    const drain = async (keep: number) => {
      while (pending.length > keep) {
        const p = pending.shift()!;
        a.collect(p.frame, await p.result);
        job.progress(meta.durationMs ? p.frame.timestampMs / meta.durationMs : 0);
      }
    };
    for await (const frame of readFrames(path, meta, { ...a.sampling, signal: job.signal })) {
      const result = a.analyse(frame);
      result.catch(() => undefined); // awaited in drain; keeps an early failure from being "unhandled"
      pending.push({ frame, result });
      await drain(this.d.inFlight - 1);
    }
    await drain(0);
  }

  /** Runs `use` with a local file holding the video: the blob itself, or a temporary copy. */
  private async withVideoFile<T>(v: VideoRef, signal: AbortSignal, use: (path: string) => Promise<T>): Promise<T> {
    const object = this.d.buckets.getObject(v.bucket, v.name);
    if (!object) throw new Error(`The video s3://${v.bucket}/${v.name} was deleted before the job started.`);
    const local = this.d.blobs.localPath?.(object.blobId);
    if (local) return use(local);
    const dir = await mkdtemp(join(tmpdir(), 'argus-video-'));
    const path = join(dir, 'video');
    const out = createWriteStream(path);
    try {
      await pipeline(await this.d.blobs.get(object.blobId), out, { signal });
      return await use(path);
    } finally {
      // A failed copy can end before the file is opened; wait for that, or the folder's removal races it.
      if (!out.closed) await once(out, 'close').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }
}
