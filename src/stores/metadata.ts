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

export interface MetadataStore {
  readonly buckets: BucketRepository;
  readonly faces: FaceRepository;
  readonly celebrities: CelebrityRepository;
  /** Schema version after migrations. */
  readonly schemaVersion: number;
  close(): void;
}
