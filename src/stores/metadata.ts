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

export interface MetadataStore {
  readonly buckets: BucketRepository;
  /** Schema version after migrations. */
  readonly schemaVersion: number;
  close(): void;
}
