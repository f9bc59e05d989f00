/** ListObjectsV2 and ListObjects (v1, which `aws s3 ls` and older tools still use). */
import type { ObjectRecord } from '../../stores/metadata.js';
import { uriEncode } from '../sigv4.js';
import { requireBucket, type S3Context } from './context.js';
import { InvalidArgument } from './errors.js';
import { decodeContinuationToken, encodeContinuationToken, listPage, parseMaxKeys, type ListPage } from './listing.js';
import { sendXml } from './respond.js';
import { leaf, node, xmlDocument } from './xml.js';

interface CommonParams {
  bucket: string;
  prefix: string;
  delimiter: string;
  maxKeys: number;
  /** With encoding-type=url, keys and prefixes go out URL-encoded (so XML-hostile keys survive). */
  encode: (s: string) => string;
  encodingType?: 'url';
}

function commonParams(ctx: S3Context): CommonParams {
  const q = ctx.route.query;
  const encodingType = q.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') {
    throw InvalidArgument('Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: encodingType });
  }
  return {
    bucket: requireBucket(ctx).name,
    prefix: q.get('prefix') ?? '',
    delimiter: q.get('delimiter') ?? '',
    maxKeys: parseMaxKeys(q.get('max-keys')),
    encode: encodingType ? (s) => uriEncode(s, false) : (s) => s,
    ...(encodingType ? { encodingType: 'url' as const } : {}),
  };
}

function contentsXml(o: ObjectRecord, p: CommonParams, withOwner: boolean): string {
  return node('Contents', [
    leaf('Key', p.encode(o.key)),
    leaf('LastModified', o.lastModified),
    leaf('ETag', o.etag),
    leaf('Size', o.size),
    leaf('StorageClass', 'STANDARD'),
    withOwner ? node('Owner', [leaf('ID', 'argus'), leaf('DisplayName', 'argus')]) : '',
  ]);
}

function entriesXml(page: ListPage, p: CommonParams, withOwner: boolean): string[] {
  return [
    ...page.contents.map((o) => contentsXml(o, p, withOwner)),
    ...page.commonPrefixes.map((cp) => node('CommonPrefixes', [leaf('Prefix', p.encode(cp))])),
  ];
}

const optional = (name: string, value: string, encode: (s: string) => string = (s) => s) => (value ? leaf(name, encode(value)) : '');

export function listObjectsV2(ctx: S3Context): void {
  const p = commonParams(ctx);
  const q = ctx.route.query;
  const token = q.get('continuation-token');
  const startAfter = q.get('start-after') ?? '';
  const after = token !== null ? decodeContinuationToken(token) : startAfter;
  const page = listPage(ctx.settings.buckets, { ...p, after });
  const withOwner = q.get('fetch-owner') === 'true';
  sendXml(
    ctx.res,
    200,
    xmlDocument('ListBucketResult', [
      leaf('Name', p.bucket),
      leaf('Prefix', p.encode(p.prefix)),
      optional('Delimiter', p.delimiter, p.encode),
      leaf('MaxKeys', p.maxKeys),
      leaf('EncodingType', p.encodingType),
      leaf('KeyCount', page.contents.length + page.commonPrefixes.length),
      leaf('IsTruncated', page.isTruncated),
      token !== null ? leaf('ContinuationToken', token) : '',
      page.isTruncated && page.nextAfter !== undefined ? leaf('NextContinuationToken', encodeContinuationToken(page.nextAfter)) : '',
      optional('StartAfter', startAfter, p.encode),
      ...entriesXml(page, p, withOwner),
    ]),
  );
}

export function listObjectsV1(ctx: S3Context): void {
  const p = commonParams(ctx);
  const marker = ctx.route.query.get('marker') ?? '';
  const page = listPage(ctx.settings.buckets, { ...p, after: marker });
  sendXml(
    ctx.res,
    200,
    xmlDocument('ListBucketResult', [
      leaf('Name', p.bucket),
      leaf('Prefix', p.encode(p.prefix)),
      leaf('Marker', p.encode(marker)),
      // S3 sends NextMarker only with a delimiter; sending it whenever truncated spares clients the fallback.
      page.isTruncated && page.lastEntry !== undefined ? leaf('NextMarker', p.encode(page.lastEntry)) : '',
      leaf('MaxKeys', p.maxKeys),
      optional('Delimiter', p.delimiter, p.encode),
      leaf('EncodingType', p.encodingType),
      leaf('IsTruncated', page.isTruncated),
      ...entriesXml(page, p, true),
    ]),
  );
}
