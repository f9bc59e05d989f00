/**
 * Multipart upload: each part is stored as its own blob; completing the upload streams the chosen
 * parts, in order, into one new blob (so a finished object is an ordinary single blob that ranges
 * and copies treat like any other) and discards every part blob of the upload.
 */
import { createHash, randomBytes } from 'node:crypto';
import { BlobNotFoundError } from '../../stores/blobs.js';
import type { MultipartPartRecord } from '../../stores/metadata.js';
import { checkKey, contentTypeOf, requireBucket, requireUpload, userMetadataOf, type S3Context } from './context.js';
import {
  EntityTooLarge,
  EntityTooSmall,
  InvalidArgument,
  InvalidPart,
  InvalidPartOrder,
  InvalidRequest,
  MalformedXML,
  NoSuchBucket,
  NoSuchUpload,
} from './errors.js';
import { checksumResponseHeaders } from './object-ops.js';
import { openPayload, readPayload } from './payload.js';
import { sendEmpty, sendXml } from './respond.js';
import { childNamed, childrenNamed, leaf, node, parseRequestXml, xmlDocument } from './xml.js';

const MAX_PART_NUMBER = 10000;
/** Every part but the last must be at least 5 MiB, as on S3 (clients size their parts for it). */
const MIN_PART_BYTES = 5 * 1024 * 1024;
/** 10,000 parts with ETags and checksums stay well under this. */
const MAX_COMPLETE_BODY_BYTES = 8 * 1024 * 1024;

const unquote = (etag: string) => etag.trim().replace(/^"(.*)"$/, '$1');

export function createMultipartUpload(ctx: S3Context): void {
  const { bucket, key } = ctx.route;
  requireBucket(ctx);
  checkKey(key);
  const uploadId = randomBytes(24).toString('base64url');
  ctx.settings.buckets.createUpload({
    uploadId,
    bucket,
    key,
    contentType: contentTypeOf(ctx.req),
    userMetadata: userMetadataOf(ctx.req),
    initiatedAt: ctx.settings.now(),
  });
  const algorithm = ctx.req.headers['x-amz-checksum-algorithm'];
  sendXml(
    ctx.res,
    200,
    xmlDocument('InitiateMultipartUploadResult', [leaf('Bucket', bucket), leaf('Key', key), leaf('UploadId', uploadId)]),
    typeof algorithm === 'string' ? { 'x-amz-checksum-algorithm': algorithm } : {},
  );
}

function partNumberOf(raw: string | null): number {
  const n = Number(raw);
  if (!raw || !/^\d+$/.test(raw) || n < 1 || n > MAX_PART_NUMBER) {
    throw InvalidArgument(`Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, { ArgumentName: 'partNumber', ArgumentValue: raw ?? '' });
  }
  return n;
}

export async function uploadPart(ctx: S3Context): Promise<void> {
  const partNumber = partNumberOf(ctx.route.query.get('partNumber'));
  requireBucket(ctx);
  const upload = requireUpload(ctx);
  const payload = openPayload(ctx.req, ctx.auth, ctx.settings.maxObjectBytes);
  const stored = await ctx.settings.blobs.put(payload.body);
  const { buckets, discardBlob } = ctx.settings;
  // Aborted or completed while the part streamed in: keep nothing.
  if (!buckets.getUpload(upload.uploadId)) {
    await discardBlob(stored.blobId);
    throw NoSuchUpload(undefined, { UploadId: upload.uploadId });
  }
  const etag = `"${stored.md5Hex}"`;
  const replaced = buckets.putPart({ uploadId: upload.uploadId, partNumber, size: stored.size, etag, blobId: stored.blobId, lastModified: ctx.settings.now() });
  if (replaced) await discardBlob(replaced.blobId);
  sendEmpty(ctx.res, 200, { ETag: etag, ...checksumResponseHeaders(payload.checksums()) });
}

/** The parts CompleteMultipartUpload names, in the order given. */
function parseCompleteRequest(body: string): { partNumber: number; etag: string }[] {
  const root = parseRequestXml(body, 'CompleteMultipartUpload');
  if (!root) throw MalformedXML();
  return childrenNamed(root, 'Part').map((p) => {
    const number = childNamed(p, 'PartNumber')?.text.trim() ?? '';
    const etag = childNamed(p, 'ETag')?.text;
    if (!/^\d+$/.test(number) || etag === undefined) throw MalformedXML();
    return { partNumber: Number(number), etag };
  });
}

/** The chosen parts' bytes, one after another, for the blob store to write as one blob. */
async function* concatenate(ctx: S3Context, parts: MultipartPartRecord[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield* (await ctx.settings.blobs.get(part.blobId)) as AsyncIterable<Buffer>;
}

export async function completeMultipartUpload(ctx: S3Context): Promise<void> {
  const { bucket, key } = ctx.route;
  requireBucket(ctx);
  const upload = requireUpload(ctx);
  const requested = parseCompleteRequest((await readPayload(ctx.req, ctx.auth, MAX_COMPLETE_BODY_BYTES)).toString('utf8'));
  if (requested.length === 0) throw InvalidRequest('You must specify at least one part');

  const { buckets, blobs, discardBlob } = ctx.settings;
  const stored = new Map(buckets.listParts(upload.uploadId).map((p) => [p.partNumber, p]));
  const chosen: MultipartPartRecord[] = [];
  let total = 0;
  for (const [i, r] of requested.entries()) {
    if (i > 0 && r.partNumber <= requested[i - 1]!.partNumber) throw InvalidPartOrder(undefined, { UploadId: upload.uploadId });
    const part = stored.get(r.partNumber);
    if (!part || unquote(part.etag) !== unquote(r.etag)) throw InvalidPart(undefined, { UploadId: upload.uploadId, PartNumber: r.partNumber, ETag: r.etag });
    chosen.push(part);
    total += part.size;
  }
  for (const part of chosen.slice(0, -1)) {
    if (part.size < MIN_PART_BYTES) {
      throw EntityTooSmall(undefined, { ProposedSize: part.size, MinSizeAllowed: MIN_PART_BYTES, PartNumber: part.partNumber, ETag: part.etag });
    }
  }
  if (total > ctx.settings.maxObjectBytes) throw EntityTooLarge(undefined, { ProposedSize: total, MaxSizeAllowed: ctx.settings.maxObjectBytes });

  let assembled;
  try {
    assembled = await blobs.put(concatenate(ctx, chosen));
  } catch (err) {
    // A concurrent abort (or a part re-uploaded meanwhile) deleted a part's blob under us.
    if (err instanceof BlobNotFoundError) {
      if (!buckets.getUpload(upload.uploadId)) throw NoSuchUpload(undefined, { UploadId: upload.uploadId });
      throw InvalidPart('A part was replaced while the upload was being completed; list the parts and complete again.', { UploadId: upload.uploadId });
    }
    throw err;
  }

  // S3's multipart ETag: md5 of the concatenated binary part md5s, then "-<part count>".
  const md5s = Buffer.concat(chosen.map((p) => Buffer.from(unquote(p.etag), 'hex')));
  const etag = `"${createHash('md5').update(md5s).digest('hex')}-${chosen.length}"`;

  // Everything below runs in one tick: nothing can interleave between these checks and the commit.
  if (!buckets.getUpload(upload.uploadId)) {
    await discardBlob(assembled.blobId);
    throw NoSuchUpload(undefined, { UploadId: upload.uploadId });
  }
  if (!buckets.getBucket(bucket)) {
    await discardBlob(assembled.blobId);
    throw NoSuchBucket(undefined, { BucketName: bucket });
  }
  const { replaced, parts } = buckets.completeUpload(upload.uploadId, {
    bucket,
    key,
    size: assembled.size,
    etag,
    contentType: upload.contentType,
    userMetadata: upload.userMetadata,
    lastModified: ctx.settings.now(),
    blobId: assembled.blobId,
  });
  await Promise.all([...parts.map((p) => discardBlob(p.blobId)), ...(replaced ? [discardBlob(replaced.blobId)] : [])]);

  const host = ctx.req.headers.host ?? 'localhost';
  const location = `http://${host}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  sendXml(
    ctx.res,
    200,
    xmlDocument('CompleteMultipartUploadResult', [leaf('Location', location), leaf('Bucket', bucket), leaf('Key', key), leaf('ETag', etag)]),
  );
}

export async function abortMultipartUpload(ctx: S3Context): Promise<void> {
  requireBucket(ctx);
  const upload = requireUpload(ctx);
  const parts = ctx.settings.buckets.deleteUpload(upload.uploadId);
  await Promise.all(parts.map((p) => ctx.settings.discardBlob(p.blobId)));
  sendEmpty(ctx.res, 204);
}

export function listParts(ctx: S3Context): void {
  requireBucket(ctx);
  const upload = requireUpload(ctx);
  const q = ctx.route.query;
  const marker = Number(q.get('part-number-marker') ?? '0') || 0;
  const maxRaw = q.get('max-parts');
  const maxParts = maxRaw === null ? 1000 : Math.min(1000, Number(maxRaw));
  if (!Number.isInteger(maxParts) || maxParts < 0) throw InvalidArgument('max-parts must be a non-negative integer', { ArgumentName: 'max-parts' });
  const after = ctx.settings.buckets.listParts(upload.uploadId).filter((p) => p.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  sendXml(
    ctx.res,
    200,
    xmlDocument('ListPartsResult', [
      leaf('Bucket', upload.bucket),
      leaf('Key', upload.key),
      leaf('UploadId', upload.uploadId),
      leaf('PartNumberMarker', marker),
      leaf('NextPartNumberMarker', page.at(-1)?.partNumber ?? marker),
      leaf('MaxParts', maxParts),
      leaf('IsTruncated', truncated),
      leaf('StorageClass', 'STANDARD'),
      ...page.map((p) => node('Part', [leaf('PartNumber', p.partNumber), leaf('LastModified', p.lastModified), leaf('ETag', p.etag), leaf('Size', p.size)])),
    ]),
  );
}

export function listMultipartUploads(ctx: S3Context): void {
  const bucket = requireBucket(ctx).name;
  const q = ctx.route.query;
  const prefix = q.get('prefix') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const uploadIdMarker = q.get('upload-id-marker') ?? '';
  const maxRaw = q.get('max-uploads');
  const maxUploads = maxRaw === null ? 1000 : Math.min(1000, Number(maxRaw));
  if (!Number.isInteger(maxUploads) || maxUploads < 0) throw InvalidArgument('max-uploads must be a non-negative integer', { ArgumentName: 'max-uploads' });
  const byKey = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  // Ordered by key, then upload id; the markers resume after (key-marker, upload-id-marker).
  const uploads = ctx.settings.buckets
    .listUploads(bucket)
    .filter((u) => u.key.startsWith(prefix))
    .filter((u) => {
      const c = byKey(u.key, keyMarker);
      return c > 0 || (c === 0 && uploadIdMarker !== '' && u.uploadId > uploadIdMarker);
    })
    .sort((a, b) => byKey(a.key, b.key) || (a.uploadId < b.uploadId ? -1 : a.uploadId > b.uploadId ? 1 : 0));
  const page = uploads.slice(0, maxUploads);
  const truncated = uploads.length > page.length;
  const last = page.at(-1);
  sendXml(
    ctx.res,
    200,
    xmlDocument('ListMultipartUploadsResult', [
      leaf('Bucket', bucket),
      leaf('KeyMarker', keyMarker),
      leaf('UploadIdMarker', uploadIdMarker),
      truncated && last ? leaf('NextKeyMarker', last.key) : '',
      truncated && last ? leaf('NextUploadIdMarker', last.uploadId) : '',
      leaf('Prefix', prefix),
      leaf('MaxUploads', maxUploads),
      leaf('IsTruncated', truncated),
      ...page.map((u) =>
        node('Upload', [leaf('Key', u.key), leaf('UploadId', u.uploadId), leaf('Initiated', u.initiatedAt), leaf('StorageClass', 'STANDARD')]),
      ),
    ]),
  );
}
