/** Bulk image analysis on the wire: StartMediaAnalysisJob, GetMediaAnalysisJob, ListMediaAnalysisJobs. */
import type { MediaAnalysisJobDescription, StartMediaAnalysisJobRequest } from '@aws-sdk/client-rekognition';
import type { Handler } from './operation.js';
import type { JobRecord } from '../stores/metadata.js';
import type { MediaAnalysisInput, MediaAnalysisResult } from '../services/media-analysis.js';
import { InvalidParameter, ResourceNotFound } from '../edge/errors.js';
import { decodePageToken, encodePageToken } from '../services/page-token.js';

const DEFAULT_PAGE = 20;

const s3Object = (o: { bucket: string; name: string }) => ({ S3Object: { Bucket: o.bucket, Name: o.name } });

function describe(j: JobRecord & { input: MediaAnalysisInput; result?: MediaAnalysisResult }): MediaAnalysisJobDescription {
  const i = j.input;
  return {
    JobId: j.id,
    ...(i.jobName ? { JobName: i.jobName } : {}),
    OperationsConfig: { DetectModerationLabels: { ...(i.minConfidence === undefined ? {} : { MinConfidence: i.minConfidence }) } },
    Status: j.status,
    ...(j.status === 'FAILED' ? { FailureDetails: { Code: 'INTERNAL_ERROR', Message: j.message ?? 'The job failed.' } } : {}),
    CreationTimestamp: j.createdAt,
    ...(j.status !== 'IN_PROGRESS' ? { CompletionTimestamp: j.updatedAt } : {}),
    Input: s3Object(i.manifest),
    OutputConfig: { S3Bucket: i.output.bucket, ...(i.output.keyPrefix ? { S3KeyPrefix: i.output.keyPrefix } : {}) },
    ...(j.result ? { Results: { ...s3Object(j.result.results), ModelVersions: { Moderation: j.result.modelVersion } }, ManifestSummary: s3Object(j.result.summary) } : {}),
  };
}

const startMediaAnalysisJob: Handler = async (input: StartMediaAnalysisJobRequest, services) => {
  if (input.OperationsConfig?.DetectModerationLabels === undefined) throw InvalidParameter('OperationsConfig.DetectModerationLabels is required: it is the one analysis bulk jobs run.');
  if (input.OperationsConfig.DetectModerationLabels.ProjectVersion !== undefined) throw ResourceNotFound('Argus has no custom moderation adapters; leave ProjectVersion out.');
  const { Bucket, Name } = input.Input!.S3Object!;
  if (!Bucket || !Name) throw InvalidParameter('Input.S3Object needs Bucket and Name.');
  const JobId = services.mediaAnalysis.start(
    {
      ...(input.JobName ? { jobName: input.JobName } : {}),
      ...(input.OperationsConfig.DetectModerationLabels.MinConfidence === undefined ? {} : { minConfidence: input.OperationsConfig.DetectModerationLabels.MinConfidence }),
      manifest: { bucket: Bucket, name: Name },
      output: { bucket: input.OutputConfig!.S3Bucket!, ...(input.OutputConfig!.S3KeyPrefix ? { keyPrefix: input.OutputConfig!.S3KeyPrefix } : {}) },
    },
    input.ClientRequestToken,
  );
  return { JobId };
};

const getMediaAnalysisJob: Handler = async (input: { JobId: string }, services) => describe(services.mediaAnalysis.get(input.JobId));

const listMediaAnalysisJobs: Handler = async (input: { NextToken?: string; MaxResults?: number }, services) => {
  const offset = input.NextToken ? decodePageToken<number>(input.NextToken, 'ListMediaAnalysisJobs', '', 'number') : 0;
  const size = input.MaxResults ?? DEFAULT_PAGE;
  const jobs = services.mediaAnalysis.list(offset, size + 1);
  return { MediaAnalysisJobs: jobs.slice(0, size).map(describe), ...(jobs.length > size ? { NextToken: encodePageToken('ListMediaAnalysisJobs', '', offset + size) } : {}) };
};

export const mediaAnalysisHandlers = Object.freeze({ StartMediaAnalysisJob: startMediaAnalysisJob, GetMediaAnalysisJob: getMediaAnalysisJob, ListMediaAnalysisJobs: listMediaAnalysisJobs });
