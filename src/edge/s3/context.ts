/** What every S3 operation receives, and the checks several of them share. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlobStore } from '../../stores/blobs.js';
import type { BucketRecord, BucketRepository, MultipartUploadRecord } from '../../stores/metadata.js';
import type { AuthContext } from './auth.js';
import { KeyTooLongError, MetadataTooLarge, NoSuchBucket, NoSuchUpload } from './errors.js';
import type { S3Route } from './router.js';

export interface S3Settings {
  buckets: BucketRepository;
  blobs: BlobStore;
  maxObjectBytes: number;
  /** The region buckets report (GetBucketLocation, x-amz-bucket-region). */
  region: string;
  now: () => Date;
  /** Deletes a blob no record points at any more; failures are logged, never surfaced. */
  discardBlob: (blobId: string) => Promise<void>;
}

export interface S3Context {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  route: S3Route;
  auth: AuthContext;
  settings: S3Settings;
}

/** S3's limits on keys and user metadata. */
const MAX_KEY_BYTES = 1024;
const MAX_METADATA_BYTES = 2048;

export function requireBucket(ctx: S3Context, name = ctx.route.bucket): BucketRecord {
  const bucket = ctx.settings.buckets.getBucket(name);
  if (!bucket) throw NoSuchBucket(undefined, { BucketName: name });
  return bucket;
}

export function checkKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw KeyTooLongError(undefined, { MaxSizeAllowed: MAX_KEY_BYTES, Size: Buffer.byteLength(key, 'utf8') });
}

/** The upload named by ?uploadId, which must belong to the bucket and key of the request. */
export function requireUpload(ctx: S3Context): MultipartUploadRecord {
  const uploadId = ctx.route.query.get('uploadId') ?? '';
  const upload = ctx.settings.buckets.getUpload(uploadId);
  if (!upload || upload.bucket !== ctx.route.bucket || upload.key !== ctx.route.key) throw NoSuchUpload(undefined, { UploadId: uploadId });
  return upload;
}

/** x-amz-meta-* headers as S3 keeps them: lower-case names without the prefix. */
export function userMetadataOf(req: IncomingMessage): Record<string, string> {
  const meta: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const short = name.slice('x-amz-meta-'.length);
    const v = Array.isArray(value) ? value.join(',') : value;
    size += Buffer.byteLength(short) + Buffer.byteLength(v);
    meta[short] = v;
  }
  if (size > MAX_METADATA_BYTES) throw MetadataTooLarge(undefined, { MaxSizeAllowed: MAX_METADATA_BYTES, Size: size });
  return meta;
}

export function metadataHeaders(meta: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(meta).map(([k, v]) => [`x-amz-meta-${k}`, v]));
}

/** S3's default Content-Type for objects stored without one. */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

export function contentTypeOf(req: IncomingMessage): string {
  return req.headers['content-type'] || DEFAULT_CONTENT_TYPE;
}
