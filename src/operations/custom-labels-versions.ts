/** Custom Labels model versions on the wire: train, copy, describe, start, stop, delete, detect. */
import type {
  Asset,
  CopyProjectVersionRequest,
  CopyProjectVersionResponse,
  CreateProjectVersionRequest,
  CreateProjectVersionResponse,
  DeleteProjectVersionRequest,
  DeleteProjectVersionResponse,
  DescribeProjectVersionsRequest,
  DescribeProjectVersionsResponse,
  DetectCustomLabelsRequest,
  DetectCustomLabelsResponse,
  ProjectVersionDescription,
  StartProjectVersionRequest,
  StartProjectVersionResponse,
  StopProjectVersionRequest,
  StopProjectVersionResponse,
} from '@aws-sdk/client-rekognition';
import type { Handler } from './operation.js';
import type { ProjectVersionRecord } from '../stores/metadata.js';
import type { ProjectVersionsService, S3Ref } from '../services/custom-labels-versions.js';
import { InvalidParameter } from '../edge/errors.js';
import { boundingBox } from './wire.js';

const assets = (refs: readonly S3Ref[] | undefined): Asset[] => (refs ?? []).map((r) => ({ GroundTruthManifest: { S3Object: { Bucket: r.bucket, Name: r.name } } }));

function manifests(list: Asset[] | undefined, field: string): S3Ref[] | undefined {
  if (!list?.length) return undefined;
  return list.map((a, i) => {
    const o = a.GroundTruthManifest?.S3Object;
    if (!o?.Bucket || !o.Name) throw InvalidParameter(`${field}.Assets[${i}] needs GroundTruthManifest.S3Object with Bucket and Name.`);
    return { bucket: o.Bucket, name: o.Name };
  });
}

function description(v: ProjectVersionRecord, service: ProjectVersionsService): ProjectVersionDescription {
  const progress = v.status === 'TRAINING_IN_PROGRESS' ? service.trainingProgress(v) : undefined;
  const e = v.evaluation;
  const input = service.trainingInput(v);
  return {
    ProjectVersionArn: v.arn,
    VersionDescription: v.versionName,
    CreationTimestamp: v.createdAt,
    Status: v.status,
    StatusMessage: progress === undefined ? v.statusMessage : `${v.statusMessage} ${Math.round(100 * progress)} % done.`,
    OutputConfig: { S3Bucket: v.outputConfig.bucket, S3KeyPrefix: v.outputConfig.keyPrefix },
    ...(v.trainingEndAt ? { TrainingEndTimestamp: v.trainingEndAt, BillableTrainingTimeInSeconds: Math.round((v.trainingEndAt.getTime() - v.createdAt.getTime()) / 1000) } : {}),
    ...(v.minInferenceUnits ? { MinInferenceUnits: v.minInferenceUnits } : {}),
    ...(e
      ? {
          EvaluationResult: { F1Score: e.f1, Summary: { S3Object: { Bucket: e.summary.bucket, Name: e.summary.key } } },
          TrainingDataResult: { Input: { Assets: assets(input?.trainingManifests) }, Output: { Assets: assets(input?.trainingManifests) }, Validation: { Assets: [] } },
          TestingDataResult: { Input: { Assets: assets(input?.testingManifests), AutoCreate: e.autoSplit }, Output: { Assets: assets(input?.testingManifests), AutoCreate: e.autoSplit }, Validation: { Assets: [] } },
          BaseModelVersion: e.backbone,
        }
      : {}),
  };
}

const createProjectVersion: Handler = async (input: CreateProjectVersionRequest, services): Promise<CreateProjectVersionResponse> => {
  services.tags.check(input.Tags);
  const v = services.customLabelsVersions.create({
    projectArn: input.ProjectArn!,
    versionName: input.VersionName!,
    outputConfig: { bucket: input.OutputConfig!.S3Bucket!, keyPrefix: input.OutputConfig!.S3KeyPrefix ?? '' },
    ...optional('trainingManifests', manifests(input.TrainingData?.Assets, 'TrainingData')),
    ...optional('testingManifests', manifests(input.TestingData?.Assets, 'TestingData')),
  });
  services.tags.created(v.arn, input.Tags);
  return { ProjectVersionArn: v.arn };
};

const optional = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));

const copyProjectVersion: Handler = async (input: CopyProjectVersionRequest, services): Promise<CopyProjectVersionResponse> => {
  services.tags.check(input.Tags);
  const v = services.customLabelsVersions.copy({
    sourceProjectArn: input.SourceProjectArn!,
    sourceVersionArn: input.SourceProjectVersionArn!,
    destinationProjectArn: input.DestinationProjectArn!,
    versionName: input.VersionName!,
    outputConfig: { bucket: input.OutputConfig!.S3Bucket!, keyPrefix: input.OutputConfig!.S3KeyPrefix ?? '' },
  });
  services.tags.created(v.arn, input.Tags);
  return { ProjectVersionArn: v.arn };
};

const describeProjectVersions: Handler = async (input: DescribeProjectVersionsRequest, services): Promise<DescribeProjectVersionsResponse> => {
  const all = services.customLabelsVersions.describe(input.ProjectArn!, input.VersionNames);
  const start = input.NextToken ? Number(Buffer.from(input.NextToken, 'base64url').toString()) || 0 : 0;
  const max = input.MaxResults ?? 100;
  const page = all.slice(start, start + max);
  return {
    ProjectVersionDescriptions: page.map((v) => description(v, services.customLabelsVersions)),
    ...(start + max < all.length ? { NextToken: Buffer.from(String(start + max)).toString('base64url') } : {}),
  };
};

const startProjectVersion: Handler = async (input: StartProjectVersionRequest, services): Promise<StartProjectVersionResponse> => ({
  Status: services.customLabelsVersions.start(input.ProjectVersionArn!, input.MinInferenceUnits ?? 1).status,
});

const stopProjectVersion: Handler = async (input: StopProjectVersionRequest, services): Promise<StopProjectVersionResponse> => ({
  Status: services.customLabelsVersions.stop(input.ProjectVersionArn!).status,
});

const deleteProjectVersion: Handler = async (input: DeleteProjectVersionRequest, services): Promise<DeleteProjectVersionResponse> => ({
  Status: services.customLabelsVersions.delete(input.ProjectVersionArn!) as DeleteProjectVersionResponse['Status'],
});

const detectCustomLabels: Handler = async (input: DetectCustomLabelsRequest, services): Promise<DetectCustomLabelsResponse> => {
  services.customLabelsVersions.version(input.ProjectVersionArn!);
  const img = await services.images.decode(input.Image as never);
  const found = await services.customLabelsVersions.detect(input.ProjectVersionArn!, img, {
    ...(input.MinConfidence === undefined ? {} : { minConfidence: input.MinConfidence }),
    ...(input.MaxResults === undefined ? {} : { maxResults: input.MaxResults }),
  });
  return { CustomLabels: found.map((l) => ({ Name: l.name, Confidence: l.confidence, ...(l.box ? { Geometry: { BoundingBox: boundingBox(l.box) } } : {}) })) };
};

export const customLabelsVersionsHandlers = Object.freeze({
  CreateProjectVersion: createProjectVersion,
  CopyProjectVersion: copyProjectVersion,
  DescribeProjectVersions: describeProjectVersions,
  StartProjectVersion: startProjectVersion,
  StopProjectVersion: stopProjectVersion,
  DeleteProjectVersion: deleteProjectVersion,
  DetectCustomLabels: detectCustomLabels,
});
