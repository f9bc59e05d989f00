/**
 * The metadata store: the source of truth for everything Argus records (buckets and objects of
 * the embedded S3 endpoint today; collections, projects and jobs as they land). Services see only
 * these repository interfaces; SQLite is the embedded implementation, PostgreSQL comes for scale-out.
 */
export interface BucketRecord {
  name: string;
  createdAt: Date;
}

export interface ObjectRecord {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  contentType: string;
  /** x-amz-meta-* headers, lower-cased names without the prefix. */
  userMetadata: Record<string, string>;
  lastModified: Date;
  /** Where the bytes live in the blob store. */
  blobId: string;
}

export interface ListObjectsQuery {
  bucket: string;
  prefix?: string;
  /** Return keys strictly after this one (continuation token or StartAfter). */
  after?: string;
  limit: number;
}

/** An in-progress multipart upload: the object's future metadata, fixed at CreateMultipartUpload. */
export interface MultipartUploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  contentType: string;
  userMetadata: Record<string, string>;
  initiatedAt: Date;
}

export interface MultipartPartRecord {
  uploadId: string;
  partNumber: number;
  size: number;
  /** Quoted md5 hex, as UploadPart answered it. */
  etag: string;
  blobId: string;
  lastModified: Date;
}

export interface BucketRepository {
  createBucket(name: string): BucketRecord;
  getBucket(name: string): BucketRecord | undefined;
  listBuckets(): BucketRecord[];
  deleteBucket(name: string): void;
  countObjects(bucket: string): number;
  putObject(o: ObjectRecord): ObjectRecord | undefined;
  getObject(bucket: string, key: string): ObjectRecord | undefined;
  /** Keys in ascending order; prefix filtering happens in the store. */
  listObjects(q: ListObjectsQuery): ObjectRecord[];
  deleteObject(bucket: string, key: string): ObjectRecord | undefined;

  createUpload(u: MultipartUploadRecord): void;
  getUpload(uploadId: string): MultipartUploadRecord | undefined;
  /** Uploads of a bucket, oldest first (deleting a bucket aborts them). */
  listUploads(bucket: string): MultipartUploadRecord[];
  /** Stores a part; returns the part it replaced (same number), if any, so its blob can be deleted. */
  putPart(p: MultipartPartRecord): MultipartPartRecord | undefined;
  /** Parts in ascending part number. */
  listParts(uploadId: string): MultipartPartRecord[];
  /** Forgets the upload; returns its parts so their blobs can be deleted. */
  deleteUpload(uploadId: string): MultipartPartRecord[];
  /**
   * In one transaction: stores the assembled object and forgets the upload. Returns the object it
   * replaced and the upload's parts, whose blobs the caller deletes.
   */
  completeUpload(uploadId: string, o: ObjectRecord): { replaced?: ObjectRecord; parts: MultipartPartRecord[] };
}

/** A face collection. `key` is internal and never reused, so that files named after it cannot outlive it. */
export interface CollectionRecord {
  key: number;
  collectionId: string;
  arn: string;
  createdAt: Date;
  /** The face model whose embeddings the collection holds; never mixed with another's. */
  faceModelVersion: string;
  dimensions: number;
}

export interface FaceBox {
  width: number;
  height: number;
  left: number;
  top: number;
}

/** A face stored by IndexFaces. */
export interface StoredFace {
  /** Monotonically increasing over the whole store, never reused: the vector index's id. */
  seq: number;
  faceId: string;
  imageId: string;
  externalImageId?: string;
  box: FaceBox;
  /** 0-100 */
  confidence: number;
  indexFacesModelVersion: string;
  userId?: string;
}

/** A face to store: the embedding is L2-normalised, of the collection's dimension. */
export interface NewFace extends Omit<StoredFace, 'seq' | 'userId'> {
  embedding: Float32Array;
}

export type FaceUserStatus = 'CREATED' | 'UPDATING' | 'ACTIVE';

export interface FaceUserRecord {
  userId: string;
  status: FaceUserStatus;
  createdAt: Date;
  /** Faces associated with the user. */
  faceCount: number;
}

export interface ListFacesQuery {
  /** Faces with a sequence number above this one (paging). */
  afterSeq?: number;
  limit: number;
  userId?: string;
  faceIds?: readonly string[];
}

/** Collections, their faces (with embeddings) and users. Every method that changes several rows is one transaction. */
export interface FaceRepository {
  /** Undefined when a collection with this id exists. */
  createCollection(c: Omit<CollectionRecord, 'key'>): CollectionRecord | undefined;
  getCollection(collectionId: string): CollectionRecord | undefined;
  /** In creation order, those created after the collection with key `afterKey`. */
  listCollections(afterKey: number, limit: number): CollectionRecord[];
  /** Deletes the collection with its faces and users; false when there was none. */
  deleteCollection(collectionId: string): boolean;
  countFaces(collectionKey: number): number;
  /** Highest sequence number of the collection's faces (0 when it has none). */
  maxFaceSeq(collectionKey: number): number;
  countUsers(collectionKey: number): number;

  /** Stores the faces of one IndexFaces call in one transaction; returns them with their sequence numbers. */
  insertFaces(collectionKey: number, faces: readonly NewFace[]): StoredFace[];
  /** The faces among `faceIds` that exist, in the order asked. */
  getFaces(collectionKey: number, faceIds: readonly string[]): StoredFace[];
  /** Faces by sequence number (search results), in the order asked; missing ones are skipped. */
  facesBySeq(collectionKey: number, seqs: readonly number[]): StoredFace[];
  /** In ascending sequence order. */
  listFaces(collectionKey: number, q: ListFacesQuery): StoredFace[];
  /** Deletes faces (disassociating them from their users) in one transaction; returns those deleted. */
  deleteFaces(collectionKey: number, faceIds: readonly string[]): StoredFace[];
  /** The stored embedding of one face. */
  embedding(collectionKey: number, seq: number): Float32Array | undefined;
  faceSeqs(collectionKey: number): Iterable<number>;
  embeddingsAfter(collectionKey: number, afterSeq: number): Iterable<{ seq: number; embedding: Float32Array }>;

  /** Undefined when the user exists. */
  createUser(collectionKey: number, userId: string): FaceUserRecord | undefined;
  getUser(collectionKey: number, userId: string): FaceUserRecord | undefined;
  /** In ascending id order, ids strictly after `after`. */
  listUsers(collectionKey: number, after: string | undefined, limit: number): FaceUserRecord[];
  /** Deletes the user, disassociating its faces; false when there was none. */
  deleteUser(collectionKey: number, userId: string): boolean;
  /** Faces associated with the user, in sequence order. */
  facesOfUser(collectionKey: number, userId: string): StoredFace[];
  /** User ids of the faces with these sequence numbers (faces without a user are left out). */
  usersOfFaces(collectionKey: number, seqs: readonly number[]): Map<number, string>;
  /** Associates faces with a user and sets its status from its face count, in one transaction. */
  associateFaces(collectionKey: number, userId: string, faceIds: readonly string[]): FaceUserRecord;
  /** Disassociates faces from a user and sets its status from its face count, in one transaction. */
  disassociateFaces(collectionKey: number, userId: string, faceIds: readonly string[]): FaceUserRecord;
}

/** A person of the celebrity gallery (RecognizeCelebrities), loaded by the operator. */
export interface CelebrityRecord {
  /** Short random id, as Rekognition's celebrity ids. */
  id: string;
  name: string;
  urls: string[];
  /** Rekognition's KnownGender type, when the operator gave one. */
  knownGender?: string;
  createdAt: Date;
  /** Reference faces stored for the person. */
  faceCount: number;
}

export interface CelebrityFace {
  celebrityId: string;
  embedding: Float32Array;
}

export interface CelebrityRepository {
  /** Stores the person and the embeddings of their reference faces in one transaction. */
  add(c: Omit<CelebrityRecord, 'createdAt' | 'faceCount'>, faces: readonly Float32Array[], faceModelVersion: string): CelebrityRecord;
  get(id: string): CelebrityRecord | undefined;
  /** By name. */
  list(): CelebrityRecord[];
  /** Removes the person and their faces; false when there was none. */
  remove(id: string): boolean;
  /** Every reference face embedded with this face model version. */
  faces(faceModelVersion: string): CelebrityFace[];
}

/** Rekognition's CustomizationFeature: a Custom Labels project or a Custom Moderation adapter project. */
export type ProjectFeature = 'CUSTOM_LABELS' | 'CONTENT_MODERATION';
export type ProjectStatus = 'CREATING' | 'CREATED' | 'DELETING';

/** A Custom Labels project. `key` is internal and never reused. */
export interface ProjectRecord {
  key: number;
  name: string;
  arn: string;
  feature: ProjectFeature;
  /** Only for CONTENT_MODERATION projects. */
  autoUpdate?: 'ENABLED' | 'DISABLED';
  status: ProjectStatus;
  createdAt: Date;
}

export type DatasetType = 'TRAIN' | 'TEST';
export type DatasetStatus = 'CREATE_IN_PROGRESS' | 'CREATE_COMPLETE' | 'CREATE_FAILED' | 'UPDATE_IN_PROGRESS' | 'UPDATE_COMPLETE' | 'UPDATE_FAILED' | 'DELETE_IN_PROGRESS';
export type DatasetStatusMessageCode = 'SUCCESS' | 'SERVICE_ERROR' | 'CLIENT_ERROR';

/** A project's TRAIN or TEST dataset (at most one of each per project). */
export interface DatasetRecord {
  key: number;
  projectKey: number;
  type: DatasetType;
  arn: string;
  status: DatasetStatus;
  statusMessage: string;
  statusMessageCode: DatasetStatusMessageCode;
  /** Manifest lines that were not JSON objects: counted as entries with errors, not stored. */
  unparsedLines: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One image of a dataset: its manifest JSON line, with its labels broken out. */
export interface NewDatasetEntry {
  /** Null only for a line without a usable source-ref (kept as an entry with errors). */
  sourceRef: string | null;
  line: string;
  /** Each label of the entry (image-level or box) with its number of boxes (0 for image-level only). */
  labels: { label: string; boxes: number }[];
  labeled: boolean;
  hasErrors: boolean;
}

export interface DatasetEntryRecord extends NewDatasetEntry {
  /** Increasing over the whole store, never reused: the paging position. */
  seq: number;
}

export interface DatasetEntriesQuery {
  afterSeq?: number;
  limit: number;
  /** Entries with at least one of these labels. */
  containsLabels?: readonly string[];
  labeled?: boolean;
  sourceRefContains?: string;
  hasErrors?: boolean;
}

export interface DatasetStatsRecord {
  totalEntries: number;
  labeledEntries: number;
  errorEntries: number;
  totalLabels: number;
}

export interface DatasetLabelStat {
  label: string;
  /** Entries with the label. */
  entryCount: number;
  /** Boxes with the label. */
  boxCount: number;
}

export interface ProjectPolicyRecord {
  projectKey: number;
  name: string;
  revisionId: string;
  document: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Custom Labels projects, datasets, entries and project policies. Each multi-row change is one transaction. */
export interface CustomLabelsRepository {
  /** Undefined when a project with this name exists. */
  createProject(p: Omit<ProjectRecord, 'key'>): ProjectRecord | undefined;
  getProject(name: string): ProjectRecord | undefined;
  getProjectByArn(arn: string): ProjectRecord | undefined;
  /** In creation order, those created after `afterKey`, optionally only these names and features. */
  listProjects(q: { afterKey: number; limit: number; names?: readonly string[]; features?: readonly ProjectFeature[] }): ProjectRecord[];
  /** Deletes the project with its datasets, entries and policies; false when there was none. */
  deleteProject(key: number): boolean;

  /** Stores the dataset and its first entries in one transaction; undefined when the project already has one of that type. */
  createDataset(d: Omit<DatasetRecord, 'key'>, entries: readonly NewDatasetEntry[]): DatasetRecord | undefined;
  getDatasetByArn(arn: string): DatasetRecord | undefined;
  /** TRAIN first. */
  datasetsOf(projectKey: number): DatasetRecord[];
  updateDataset(key: number, change: Partial<Pick<DatasetRecord, 'status' | 'statusMessage' | 'statusMessageCode' | 'updatedAt' | 'unparsedLines'>>): void;
  deleteDataset(key: number): boolean;

  /** Adds entries, replacing those with the same source-ref, in one transaction; returns how many were replaced. */
  upsertEntries(datasetKey: number, entries: readonly NewDatasetEntry[]): number;
  /** In ascending sequence order. */
  listEntries(datasetKey: number, q: DatasetEntriesQuery): DatasetEntryRecord[];
  /** Moves entries (by sequence number) to another dataset, in one transaction. */
  moveEntries(fromKey: number, toKey: number, seqs: readonly number[]): void;
  /** Entry counts include the unparsed lines (as entries with errors). */
  datasetStats(datasetKey: number): DatasetStatsRecord;
  /** Label statistics in ascending label order, labels strictly after `after`. */
  listLabels(datasetKey: number, after: string | undefined, limit: number): DatasetLabelStat[];

  /** Inserts or replaces the policy. */
  putPolicy(p: ProjectPolicyRecord): void;
  getPolicy(projectKey: number, name: string): ProjectPolicyRecord | undefined;
  /** By name, names strictly after `after`. */
  listPolicies(projectKey: number, after: string | undefined, limit: number): ProjectPolicyRecord[];
  countPolicies(projectKey: number): number;
  deletePolicy(projectKey: number, name: string): boolean;
}

export type ProjectVersionStatus =
  | 'TRAINING_IN_PROGRESS' | 'TRAINING_COMPLETED' | 'TRAINING_FAILED'
  | 'STARTING' | 'RUNNING' | 'FAILED' | 'STOPPING' | 'STOPPED' | 'DELETING'
  | 'COPYING_IN_PROGRESS' | 'COPYING_COMPLETED' | 'COPYING_FAILED';

/** A trained (or training) Custom Labels model of a project. */
export interface ProjectVersionRecord {
  key: number;
  projectKey: number;
  versionName: string;
  arn: string;
  status: ProjectVersionStatus;
  statusMessage: string;
  createdAt: Date;
  trainingEndAt?: Date;
  /** { S3Bucket, S3KeyPrefix } as given. */
  outputConfig: { bucket: string; keyPrefix: string };
  jobId?: string;
  /** Blob holding the trained model (JSON). */
  modelBlob?: string;
  /** What DescribeProjectVersions reports: F1, summary location, data results. */
  evaluation?: { f1: number; summary: { bucket: string; key: string }; trainingImages: number; testingImages: number; autoSplit: boolean; backbone: string; backboneNote?: string };
  minInferenceUnits?: number;
}

export interface ProjectVersionRepository {
  /** Undefined when the project already has a version of that name. */
  create(v: Omit<ProjectVersionRecord, 'key'>): ProjectVersionRecord | undefined;
  getByArn(arn: string): ProjectVersionRecord | undefined;
  /** Newest first; `names` filters. */
  list(projectKey: number, names?: readonly string[]): ProjectVersionRecord[];
  update(key: number, change: Partial<Omit<ProjectVersionRecord, 'key' | 'projectKey' | 'versionName' | 'arn' | 'createdAt'>>): void;
  delete(key: number): void;
  /** Versions in one of these states (restart recovery, in-use checks). */
  withStatus(statuses: readonly ProjectVersionStatus[]): ProjectVersionRecord[];
}

/** A job of services/jobs.ts (training, video analysis). */
export type JobStatus = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';

export interface JobRecord {
  id: string;
  kind: string;
  status: JobStatus;
  /** 0..1 */
  progress: number;
  message?: string;
  clientRequestToken?: string;
  input: unknown;
  result?: unknown;
  createdAt: Date;
  updatedAt: Date;
}

export interface JobRepository {
  insert(j: JobRecord): void;
  get(id: string): JobRecord | undefined;
  byToken(kind: string, token: string): JobRecord | undefined;
  update(id: string, change: Partial<Pick<JobRecord, 'status' | 'progress' | 'message' | 'result'>> & { updatedAt: Date }): void;
  /** Jobs still IN_PROGRESS (after a restart: the interrupted ones). */
  inProgress(): JobRecord[];
  /** Jobs of a kind, newest first, `offset` rows skipped. */
  list(kind: string, offset: number, limit: number): JobRecord[];
}

/** Tags of a resource, by its ARN. */
export interface TagRepository {
  get(arn: string): Record<string, string>;
  /** Adds or overwrites these tags. */
  put(arn: string, tags: Readonly<Record<string, string>>): void;
  remove(arn: string, keys: readonly string[]): void;
  /** Drops every tag of the ARN (a resource created again under an old ARN starts untagged). */
  clear(arn: string): void;
}

export interface MetadataStore {
  readonly buckets: BucketRepository;
  readonly faces: FaceRepository;
  readonly celebrities: CelebrityRepository;
  readonly jobs: JobRepository;
  readonly projectVersions: ProjectVersionRepository;
  readonly customLabels: CustomLabelsRepository;
  readonly tags: TagRepository;
  /** Schema version after migrations. */
  readonly schemaVersion: number;
  close(): void;
}
