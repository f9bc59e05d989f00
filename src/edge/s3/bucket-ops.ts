/** Service- and bucket-level operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, location, versioning. */
import { BucketAlreadyOwnedByYou, BucketNotEmpty, InvalidBucketName, MalformedXML } from './errors.js';
import { requireBucket, type S3Context } from './context.js';
import { readPayload } from './payload.js';
import { sendEmpty, sendXml } from './respond.js';
import { leaf, node, parseXml, xmlDocument } from './xml.js';

/** The single owner every bucket of this endpoint belongs to. */
export const OWNER = node('Owner', [leaf('ID', 'argus'), leaf('DisplayName', 'argus')]);

/** Largest CreateBucketConfiguration body read. */
const MAX_CONFIGURATION_BYTES = 64 * 1024;

/**
 * S3's rules for new bucket names: 3-63 characters of lower-case letters, digits, dots and
 * hyphens, starting and ending with a letter or digit, no '..', not shaped like an IP address.
 * (Rekognition's S3Object also admits '_' and capitals, for legacy buckets that cannot be created here.)
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'Bucket names must be between 3 and 63 characters long.';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return 'Bucket names may contain only lower-case letters, digits, dots and hyphens, and must begin and end with a letter or digit.';
  if (name.includes('..')) return 'Bucket names must not contain two adjacent periods.';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'Bucket names must not be formatted as an IP address.';
  if (name.startsWith('xn--') || name.endsWith('-s3alias') || name.endsWith('--ol-s3')) return 'Bucket names must not use a reserved prefix or suffix.';
  return undefined;
}

export function listBuckets(ctx: S3Context): void {
  const prefix = ctx.route.query.get('prefix') ?? '';
  const buckets = ctx.settings.buckets.listBuckets().filter((b) => b.name.startsWith(prefix));
  const entries = buckets.map((b) => node('Bucket', [leaf('Name', b.name), leaf('CreationDate', b.createdAt), leaf('BucketRegion', ctx.settings.region)]));
  sendXml(ctx.res, 200, xmlDocument('ListAllMyBucketsResult', [OWNER, node('Buckets', entries), prefix ? leaf('Prefix', prefix) : '']));
}

export async function createBucket(ctx: S3Context): Promise<void> {
  const name = ctx.route.bucket;
  const problem = bucketNameProblem(name);
  if (problem) throw InvalidBucketName(problem, { BucketName: name });
  // The optional body names a LocationConstraint; one endpoint serves one region, so it is only checked for form.
  const body = (await readPayload(ctx.req, ctx.auth, MAX_CONFIGURATION_BYTES)).toString('utf8');
  if (body.trim()) {
    try {
      if (parseXml(body).name !== 'CreateBucketConfiguration') throw MalformedXML();
    } catch {
      throw MalformedXML();
    }
  }
  if (ctx.settings.buckets.getBucket(name)) throw BucketAlreadyOwnedByYou(undefined, { BucketName: name });
  ctx.settings.buckets.createBucket(name);
  sendEmpty(ctx.res, 200, { Location: `/${name}` });
}

export function headBucket(ctx: S3Context): void {
  requireBucket(ctx);
  sendEmpty(ctx.res, 200, { 'x-amz-bucket-region': ctx.settings.region });
}

export async function deleteBucket(ctx: S3Context): Promise<void> {
  const { buckets } = ctx.settings;
  const name = requireBucket(ctx).name;
  if (buckets.countObjects(name) > 0) throw BucketNotEmpty(undefined, { BucketName: name });
  // Unfinished multipart uploads do not keep a bucket alive: they are aborted with it.
  const orphans = buckets.listUploads(name).flatMap((u) => buckets.deleteUpload(u.uploadId));
  buckets.deleteBucket(name);
  await Promise.all(orphans.map((p) => ctx.settings.discardBlob(p.blobId)));
  sendEmpty(ctx.res, 204);
}

export function getBucketLocation(ctx: S3Context): void {
  requireBucket(ctx);
  // S3 reports us-east-1 as an empty LocationConstraint.
  const region = ctx.settings.region === 'us-east-1' ? '' : ctx.settings.region;
  sendXml(ctx.res, 200, xmlDocument('LocationConstraint', [region.replace(/[^a-z0-9-]/g, '')]));
}

export function getBucketVersioning(ctx: S3Context): void {
  requireBucket(ctx);
  // Versioning was never enabled: S3 answers with an empty configuration.
  sendXml(ctx.res, 200, xmlDocument('VersioningConfiguration', []));
}
