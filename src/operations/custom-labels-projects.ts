/**
 * Custom Labels projects and datasets on the wire: Create/Describe/DeleteProject, Create/Describe/
 * DeleteDataset, ListDatasetEntries, ListDatasetLabels, UpdateDatasetEntries,
 * DistributeDatasetEntries, Put/List/DeleteProjectPolicy.
 */
import type {
  CreateDatasetRequest,
  CreateDatasetResponse,
  CreateProjectRequest,
  CreateProjectResponse,
  DatasetMetadata,
  DeleteDatasetRequest,
  DeleteDatasetResponse,
  DeleteProjectPolicyRequest,
  DeleteProjectPolicyResponse,
  DeleteProjectRequest,
  DeleteProjectResponse,
  DescribeDatasetRequest,
  DescribeDatasetResponse,
  DescribeProjectsRequest,
  DescribeProjectsResponse,
  DistributeDatasetEntriesRequest,
  DistributeDatasetEntriesResponse,
  ListDatasetEntriesRequest,
  ListDatasetEntriesResponse,
  ListDatasetLabelsRequest,
  ListDatasetLabelsResponse,
  ListProjectPoliciesRequest,
  ListProjectPoliciesResponse,
  ProjectDescription,
  PutProjectPolicyRequest,
  PutProjectPolicyResponse,
  UpdateDatasetEntriesRequest,
  UpdateDatasetEntriesResponse,
} from '@aws-sdk/client-rekognition';
import type { DatasetRecord, ProjectFeature, ProjectRecord } from '../stores/metadata.js';
import type { CustomLabelsProjectsService } from '../services/custom-labels-projects.js';
import type { Services } from '../services/services.js';
import { InvalidParameter, NotImplemented } from '../edge/errors.js';
import type { Handler } from './operation.js';

function service(services: Services): CustomLabelsProjectsService {
  const s = services.customLabelsProjects;
  if (!s) throw NotImplemented('Custom Labels projects are not enabled on this server.');
  return s;
}

const datasetMetadata = (d: DatasetRecord): DatasetMetadata => ({
  CreationTimestamp: d.createdAt,
  DatasetType: d.type,
  DatasetArn: d.arn,
  Status: d.status,
  StatusMessage: d.statusMessage,
  StatusMessageCode: d.statusMessageCode,
});

const projectDescription = (p: ProjectRecord, datasets: DatasetRecord[]): ProjectDescription => ({
  ProjectArn: p.arn,
  CreationTimestamp: p.createdAt,
  Status: p.status,
  Datasets: datasets.map(datasetMetadata),
  Feature: p.feature,
  ...(p.autoUpdate === undefined ? {} : { AutoUpdate: p.autoUpdate }),
});

const createProject: Handler = async (input: CreateProjectRequest, services): Promise<CreateProjectResponse> => {
  services.tags.check(input.Tags);
  const p = service(services).createProject(input.ProjectName!, (input.Feature ?? 'CUSTOM_LABELS') as ProjectFeature, input.AutoUpdate);
  services.tags.created(p.arn, input.Tags);
  return { ProjectArn: p.arn };
};

const describeProjects: Handler = async (input: DescribeProjectsRequest, services): Promise<DescribeProjectsResponse> => {
  const page = service(services).describeProjects({
    ...(input.ProjectNames === undefined ? {} : { names: input.ProjectNames }),
    ...(input.Features === undefined ? {} : { features: input.Features as ProjectFeature[] }),
    ...(input.NextToken === undefined ? {} : { nextToken: input.NextToken }),
    ...(input.MaxResults === undefined ? {} : { maxResults: input.MaxResults }),
  });
  return { ProjectDescriptions: page.items.map((x) => projectDescription(x.project, x.datasets)), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
};

const deleteProject: Handler = async (input: DeleteProjectRequest, services): Promise<DeleteProjectResponse> => {
  return { Status: service(services).deleteProject(input.ProjectArn!) };
};

const createDataset: Handler = async (input: CreateDatasetRequest, services): Promise<CreateDatasetResponse> => {
  const src = input.DatasetSource;
  const s3 = src?.GroundTruthManifest?.S3Object;
  if (src?.GroundTruthManifest && !s3) {
    throw InvalidParameter('GroundTruthManifest needs an S3Object.');
  }
  const d = await service(services).createDataset(input.ProjectArn!, input.DatasetType!, {
    ...(s3 ? { manifest: { ...(s3.Bucket === undefined ? {} : { bucket: s3.Bucket }), ...(s3.Name === undefined ? {} : { key: s3.Name }) } } : {}),
    ...(src?.DatasetArn === undefined ? {} : { datasetArn: src.DatasetArn }),
  });
  return { DatasetArn: d.arn };
};

const describeDataset: Handler = async (input: DescribeDatasetRequest, services): Promise<DescribeDatasetResponse> => {
  const { dataset: d, stats } = service(services).describeDataset(input.DatasetArn!);
  return {
    DatasetDescription: {
      CreationTimestamp: d.createdAt,
      LastUpdatedTimestamp: d.updatedAt,
      Status: d.status,
      StatusMessage: d.statusMessage,
      StatusMessageCode: d.statusMessageCode,
      DatasetStats: { LabeledEntries: stats.labeledEntries, TotalEntries: stats.totalEntries, TotalLabels: stats.totalLabels, ErrorEntries: stats.errorEntries },
    },
  };
};

const deleteDataset: Handler = async (input: DeleteDatasetRequest, services): Promise<DeleteDatasetResponse> => {
  service(services).deleteDataset(input.DatasetArn!);
  return {};
};

const listDatasetEntries: Handler = async (input: ListDatasetEntriesRequest, services): Promise<ListDatasetEntriesResponse> => {
  const page = service(services).listDatasetEntries(input.DatasetArn!, {
    ...(input.ContainsLabels === undefined ? {} : { containsLabels: input.ContainsLabels }),
    ...(input.Labeled === undefined ? {} : { labeled: input.Labeled }),
    ...(input.SourceRefContains === undefined ? {} : { sourceRefContains: input.SourceRefContains }),
    ...(input.HasErrors === undefined ? {} : { hasErrors: input.HasErrors }),
    ...(input.NextToken === undefined ? {} : { nextToken: input.NextToken }),
    ...(input.MaxResults === undefined ? {} : { maxResults: input.MaxResults }),
  });
  return { DatasetEntries: page.items.map((e) => e.line), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
};

const listDatasetLabels: Handler = async (input: ListDatasetLabelsRequest, services): Promise<ListDatasetLabelsResponse> => {
  const page = service(services).listDatasetLabels(input.DatasetArn!, {
    ...(input.NextToken === undefined ? {} : { nextToken: input.NextToken }),
    ...(input.MaxResults === undefined ? {} : { maxResults: input.MaxResults }),
  });
  return {
    DatasetLabelDescriptions: page.items.map((l) => ({ LabelName: l.label, LabelStats: { EntryCount: l.entryCount, BoundingBoxCount: l.boxCount } })),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

const updateDatasetEntries: Handler = async (input: UpdateDatasetEntriesRequest, services): Promise<UpdateDatasetEntriesResponse> => {
  service(services).updateDatasetEntries(input.DatasetArn!, Buffer.from(input.Changes!.GroundTruth!));
  return {};
};

const distributeDatasetEntries: Handler = async (input: DistributeDatasetEntriesRequest, services): Promise<DistributeDatasetEntriesResponse> => {
  service(services).distributeDatasetEntries(input.Datasets!.map((d) => d.Arn!));
  return {};
};

const putProjectPolicy: Handler = async (input: PutProjectPolicyRequest, services): Promise<PutProjectPolicyResponse> => {
  return { PolicyRevisionId: service(services).putProjectPolicy(input.ProjectArn!, input.PolicyName!, input.PolicyDocument!, input.PolicyRevisionId) };
};

const listProjectPolicies: Handler = async (input: ListProjectPoliciesRequest, services): Promise<ListProjectPoliciesResponse> => {
  const page = service(services).listProjectPolicies(input.ProjectArn!, {
    ...(input.NextToken === undefined ? {} : { nextToken: input.NextToken }),
    ...(input.MaxResults === undefined ? {} : { maxResults: input.MaxResults }),
  });
  return {
    ProjectPolicies: page.items.map((p) => ({
      ProjectArn: page.project.arn,
      PolicyName: p.name,
      PolicyRevisionId: p.revisionId,
      PolicyDocument: p.document,
      CreationTimestamp: p.createdAt,
      LastUpdatedTimestamp: p.updatedAt,
    })),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

const deleteProjectPolicy: Handler = async (input: DeleteProjectPolicyRequest, services): Promise<DeleteProjectPolicyResponse> => {
  service(services).deleteProjectPolicy(input.ProjectArn!, input.PolicyName!, input.PolicyRevisionId);
  return {};
};

export const customLabelsProjectsHandlers = Object.freeze({
  CreateProject: createProject,
  DescribeProjects: describeProjects,
  DeleteProject: deleteProject,
  CreateDataset: createDataset,
  DescribeDataset: describeDataset,
  DeleteDataset: deleteDataset,
  ListDatasetEntries: listDatasetEntries,
  ListDatasetLabels: listDatasetLabels,
  UpdateDatasetEntries: updateDatasetEntries,
  DistributeDatasetEntries: distributeDatasetEntries,
  PutProjectPolicy: putProjectPolicy,
  ListProjectPolicies: listProjectPolicies,
  DeleteProjectPolicy: deleteProjectPolicy,
});
