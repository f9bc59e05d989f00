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
}

export interface MetadataStore {
  readonly buckets: BucketRepository;
  /** Schema version after migrations. */
  readonly schemaVersion: number;
  close(): void;
}
