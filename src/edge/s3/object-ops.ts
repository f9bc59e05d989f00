/** Object operations: PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects, CopyObject. */
import { pipeline } from 'node:stream/promises';
import type { ObjectRecord } from '../../stores/metadata.js';
import { checksumHeader, type ChecksumAlgorithm } from './checksums.js';
import { checkKey, contentTypeOf, metadataHeaders, requireBucket, userMetadataOf, type S3Context } from './context.js';
import { InvalidArgument, InvalidRequest, MalformedXML, NoSuchBucket, NoSuchKey } from './errors.js';
import { evaluatePreconditions } from './preconditions.js';
import { openPayload, readPayload } from './payload.js';
import { parseRange } from './range.js';
import { httpDate, sendEmpty, sendXml } from './respond.js';
import { childNamed, childrenNamed, leaf, node, parseRequestXml, xmlDocument } from './xml.js';

/** S3 caps DeleteObjects at 1000 keys; each key is at most 1 KiB, so the body stays small. */
const MAX_DELETE_KEYS = 1000;
const MAX_DELETE_BODY_BYTES = 2 * 1024 * 1024;

const quoted = (md5Hex: string) => `"${md5Hex}"`;

export function checksumResponseHeaders(checksums: Partial<Record<ChecksumAlgorithm, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(checksums).map(([alg, value]) => [checksumHeader(alg as ChecksumAlgorithm), value]));
}

/** Replaces the record under (bucket, key) and discards the blob of the one it replaced. */
async function commitObject(ctx: S3Context, o: ObjectRecord): Promise<void> {
  const { buckets, discardBlob } = ctx.settings;
  // The bucket may have been deleted while the bytes streamed in; check and write in one tick.
  if (!buckets.getBucket(o.bucket)) {
    await discardBlob(o.blobId);
    throw NoSuchBucket(undefined, { BucketName: o.bucket });
  }
  const replaced = buckets.putObject(o);
  if (replaced && replaced.blobId !== o.blobId) await discardBlob(replaced.blobId);
}

export async function putObject(ctx: S3Context): Promise<void> {
  const { bucket, key } = ctx.route;
  requireBucket(ctx);
  checkKey(key);
  const userMetadata = userMetadataOf(ctx.req);
  const payload = openPayload(ctx.req, ctx.auth, ctx.settings.maxObjectBytes);
  const stored = await ctx.settings.blobs.put(payload.body);
  const etag = quoted(stored.md5Hex);
  await commitObject(ctx, {
    bucket,
    key,
    size: stored.size,
    etag,
    contentType: contentTypeOf(ctx.req),
    userMetadata,
    lastModified: ctx.settings.now(),
    blobId: stored.blobId,
  });
  sendEmpty(ctx.res, 200, { ETag: etag, ...checksumResponseHeaders(payload.checksums()) });
}

function requireObject(ctx: S3Context, bucket = ctx.route.bucket, key = ctx.route.key): ObjectRecord {
  requireBucket(ctx, bucket);
  const o = ctx.settings.buckets.getObject(bucket, key);
  if (!o) throw NoSuchKey(undefined, { Key: key });
  return o;
}

/** response-* query parameters override the stored headers of a GetObject answer. */
const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

export async function getObject(ctx: S3Context, headOnly = false): Promise<void> {
  const versionId = ctx.route.query.get('versionId');
  if (versionId !== null && versionId !== 'null') throw InvalidArgument('Invalid version id specified', { ArgumentName: 'versionId', ArgumentValue: versionId });
  const o = requireObject(ctx);
  const headers: Record<string, string | number> = {
    ETag: o.etag,
    'Last-Modified': httpDate(o.lastModified),
  };
  if (evaluatePreconditions(ctx.req.headers, o) === 'not-modified') {
    ctx.res.writeHead(304, headers);
    ctx.res.end();
    return;
  }
  const range = parseRange(ctx.req.headers.range, o.size);
  Object.assign(headers, {
    'Accept-Ranges': 'bytes',
    'Content-Type': o.contentType,
    'Content-Length': range ? range.end - range.start + 1 : o.size,
    ...metadataHeaders(o.userMetadata),
  });
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${o.size}`;
  for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = ctx.route.query.get(param);
    if (value !== null) headers[header] = value;
  }
  const status = range ? 206 : 200;
  if (headOnly) {
    ctx.res.writeHead(status, headers);
    ctx.res.end();
    return;
  }
  // Open before answering, so a missing blob still becomes an error response rather than a cut-off body.
  const stream = await ctx.settings.blobs.get(o.blobId, range);
  ctx.res.writeHead(status, headers);
  await pipeline(stream, ctx.res);
}

export async function headObject(ctx: S3Context): Promise<void> {
  await getObject(ctx, true);
}

export async function deleteObject(ctx: S3Context): Promise<void> {
  requireBucket(ctx);
  // Deleting a key that does not exist succeeds: DeleteObject is idempotent.
  const removed = ctx.settings.buckets.deleteObject(ctx.route.bucket, ctx.route.key);
  if (removed) await ctx.settings.discardBlob(removed.blobId);
  sendEmpty(ctx.res, 204);
}

interface DeleteRequest {
  keys: string[];
  quiet: boolean;
}

function parseDeleteRequest(body: string): DeleteRequest {
  const root = parseRequestXml(body, 'Delete');
  if (!root) throw MalformedXML();
  const objects = childrenNamed(root, 'Object');
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) throw MalformedXML();
  const keys = objects.map((o) => {
    const key = childNamed(o, 'Key');
    if (!key) throw MalformedXML();
    return key.text;
  });
  return { keys, quiet: childNamed(root, 'Quiet')?.text.trim() === 'true' };
}

export async function deleteObjects(ctx: S3Context): Promise<void> {
  const bucket = requireBucket(ctx).name;
  const body = await readPayload(ctx.req, ctx.auth, MAX_DELETE_BODY_BYTES);
  const request = parseDeleteRequest(body.toString('utf8'));
  const results: string[] = [];
  for (const key of request.keys) {
    if (Buffer.byteLength(key) > 1024 || key === '') {
      results.push(node('Error', [leaf('Key', key), leaf('Code', 'InvalidArgument'), leaf('Message', 'Invalid key.')]));
      continue;
    }
    const removed = ctx.settings.buckets.deleteObject(bucket, key);
    if (removed) await ctx.settings.discardBlob(removed.blobId);
    if (!request.quiet) results.push(node('Deleted', [leaf('Key', key)]));
  }
  sendXml(ctx.res, 200, xmlDocument('DeleteResult', results));
}

/** x-amz-copy-source: "[/]bucket/key[?versionId=…]", URL-encoded. */
function parseCopySource(raw: string): { bucket: string; key: string } {
  const [path = '', query = ''] = raw.split('?', 2);
  const versionId = new URLSearchParams(query).get('versionId');
  if (versionId !== null && versionId !== 'null') throw InvalidArgument('Invalid version id specified', { ArgumentName: 'x-amz-copy-source' });
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.replace(/^\//, ''));
  } catch {
    decoded = '';
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw InvalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source', ArgumentValue: raw });
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

export async function copyObject(ctx: S3Context): Promise<void> {
  const { bucket, key } = ctx.route;
  requireBucket(ctx);
  checkKey(key);
  const source = parseCopySource(String(ctx.req.headers['x-amz-copy-source']));
  const directive = (ctx.req.headers['x-amz-metadata-directive'] as string | undefined) ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw InvalidArgument('Unknown metadata directive.', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive });
  }
  const src = requireObject(ctx, source.bucket, source.key);
  if (source.bucket === bucket && source.key === key && directive === 'COPY') {
    throw InvalidRequest(
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  evaluatePreconditions(ctx.req.headers, src, 'x-amz-copy-source-');
  const replace = directive === 'REPLACE';
  const userMetadata = replace ? userMetadataOf(ctx.req) : src.userMetadata;
  const contentType = replace ? contentTypeOf(ctx.req) : src.contentType;
  // Blobs are never shared between records (a replaced record's blob is deleted), so copy the bytes.
  const stored = await ctx.settings.blobs.put(await ctx.settings.blobs.get(src.blobId));
  const lastModified = ctx.settings.now();
  const etag = quoted(stored.md5Hex);
  await commitObject(ctx, { bucket, key, size: stored.size, etag, contentType, userMetadata, lastModified, blobId: stored.blobId });
  sendXml(ctx.res, 200, xmlDocument('CopyObjectResult', [leaf('LastModified', lastModified), leaf('ETag', etag)]));
}
