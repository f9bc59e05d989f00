/**
 * Bulk image analysis (StartMediaAnalysisJob): a JSON Lines manifest in a bucket names images
 * (`{"source-ref": "s3://bucket/key"}`); a job runs DetectModerationLabels on each and writes
 * Rekognition's output manifest (the input line plus a `detect-moderation-labels` answer) and
 * its manifest summary (line statistics and per-line errors) into the output bucket. A bad line
 * or an unreadable image is an error entry in the summary, never the end of the job.
 */
import { InvalidParameter, InvalidS3Object, ResourceNotFound } from '../edge/errors.js';
import type { BlobStore } from '../stores/blobs.js';
import type { BucketRepository, JobRecord } from '../stores/metadata.js';
import type { ImageSource } from './image-source.js';
import type { JobRunner, RunningJob } from './jobs.js';
import type { ModerationService } from './moderation.js';
import { putObject } from './bucket-objects.js';

const KIND = 'media-analysis';
/** Rekognition's limits: a manifest of at most 10,000 lines and 50 MB... of which we read this much. */
const MAX_MANIFEST_BYTES = 50 * 1024 * 1024;
const MAX_LINES = 10_000;
const DEFAULT_MIN_CONFIDENCE = 50;

export interface MediaAnalysisInput {
  jobName?: string;
  minConfidence?: number;
  manifest: { bucket: string; name: string };
  output: { bucket: string; keyPrefix?: string };
}

export interface MediaAnalysisResult {
  results: { bucket: string; name: string };
  summary: { bucket: string; name: string };
  modelVersion: string;
  completedAt: string;
}

interface LineError {
  'line-number': number;
  'source-ref'?: string;
  code: string;
  message: string;
}

interface Deps {
  buckets: BucketRepository;
  blobs: BlobStore;
  images: ImageSource;
  moderation: ModerationService;
  jobs: JobRunner;
}

export class MediaAnalysisService {
  constructor(private readonly d: Deps) {}

  start(input: MediaAnalysisInput, clientRequestToken?: string): string {
    if (!this.d.buckets.getObject(input.manifest.bucket, input.manifest.name)) throw InvalidS3Object(`The manifest s3://${input.manifest.bucket}/${input.manifest.name} does not exist.`);
    if (!this.d.buckets.getBucket(input.output.bucket)) throw InvalidParameter(`The output bucket ${input.output.bucket} does not exist.`);
    return this.d.jobs.submit(KIND, input, (job) => this.run(job, input), clientRequestToken);
  }

  get(jobId: string): JobRecord & { input: MediaAnalysisInput; result?: MediaAnalysisResult } {
    const j = this.d.jobs.get(jobId);
    if (!j || j.kind !== KIND) throw ResourceNotFound(`There is no media analysis job with the id ${jobId}.`);
    return j as JobRecord & { input: MediaAnalysisInput; result?: MediaAnalysisResult };
  }

  list(offset: number, limit: number): (JobRecord & { input: MediaAnalysisInput; result?: MediaAnalysisResult })[] {
    return this.d.jobs.list(KIND, offset, limit) as (JobRecord & { input: MediaAnalysisInput; result?: MediaAnalysisResult })[];
  }

  private async run(job: RunningJob, input: MediaAnalysisInput): Promise<MediaAnalysisResult> {
    const object = this.d.buckets.getObject(input.manifest.bucket, input.manifest.name);
    if (!object) throw new Error('The manifest was deleted before the job started.');
    const lines = (await this.d.blobs.readBuffer(object.blobId, MAX_MANIFEST_BYTES)).toString('utf8').split('\n').filter((l) => l.trim());
    if (lines.length > MAX_LINES) throw new Error(`The manifest has ${lines.length} lines; at most ${MAX_LINES} are allowed.`);
    const out: string[] = [];
    const errors: LineError[] = [];
    for (const [i, line] of lines.entries()) {
      job.progress(i / lines.length, `${i} of ${lines.length} images`);
      let ref: string | undefined;
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        ref = typeof entry['source-ref'] === 'string' ? entry['source-ref'] : undefined;
        const m = ref && /^s3:\/\/([^/]+)\/(.+)$/.exec(ref);
        if (!m) {
          errors.push({ 'line-number': i + 1, ...(ref ? { 'source-ref': ref } : {}), code: 'INVALID_MANIFEST', message: 'The line needs a "source-ref" of the form s3://bucket/key.' });
          continue;
        }
        const img = await this.d.images.decode({ S3Object: { Bucket: m[1]!, Name: m[2]! } });
        const r = await this.d.moderation.detectModerationLabels(img, { minConfidence: input.minConfidence ?? DEFAULT_MIN_CONFIDENCE });
        const answer = {
          ModerationLabels: r.labels.map((l) => ({ Confidence: l.confidence, Name: l.name, ParentName: l.parentName, TaxonomyLevel: l.taxonomyLevel })),
          ModerationModelVersion: r.modelVersion,
          ContentTypes: r.contentTypes.map((c) => ({ Confidence: c.confidence, Name: c.name })),
        };
        out.push(JSON.stringify({ ...entry, 'detect-moderation-labels': answer }));
      } catch (err) {
        const e = err as { name?: string; message?: string };
        const code = err instanceof SyntaxError ? 'INVALID_MANIFEST' : (e.name ?? 'INTERNAL_ERROR');
        errors.push({ 'line-number': i + 1, ...(ref ? { 'source-ref': ref } : {}), code, message: err instanceof SyntaxError ? 'The line is not JSON.' : (e.message ?? 'The image could not be analysed.') });
      }
    }
    const prefix = `${input.output.keyPrefix ?? ''}${job.id}/`;
    const results = { bucket: input.output.bucket, name: `${prefix}results.jsonl` };
    const summary = { bucket: input.output.bucket, name: `${prefix}manifest-summary.json` };
    const stats = { 'total-json-lines': lines.length, 'valid-json-lines': out.length, 'invalid-json-lines': lines.length - out.length };
    await putObject(this.d.buckets, this.d.blobs, results.bucket, results.name, Buffer.from(out.join('\n') + (out.length ? '\n' : '')), 'application/jsonl');
    await putObject(this.d.buckets, this.d.blobs, summary.bucket, summary.name, Buffer.from(JSON.stringify({ version: '1.0', statistics: stats, errors }, null, 2)));
    return { results, summary, modelVersion: this.d.moderation.spec.version, completedAt: new Date().toISOString() };
  }
}
