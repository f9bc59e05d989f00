/**
 * SigV4 query-string authentication ("presigned URLs"): the signature and its scope travel in
 * X-Amz-* query parameters instead of the Authorization header, and the URL is valid for
 * X-Amz-Expires seconds from X-Amz-Date. The canonical request is the header-signed one's, with
 * the query (minus X-Amz-Signature) canonicalised and UNSIGNED-PAYLOAD as the payload hash.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { signingKey, stringToSign, type SignedRequest } from '../sigv4.js';
import { AccessDenied, AuthorizationQueryParametersError, InvalidAccessKeyId, SignatureDoesNotMatch } from './errors.js';

/** S3's ceiling for X-Amz-Expires: seven days. */
const MAX_EXPIRES_SECONDS = 7 * 24 * 60 * 60;

export interface PresignedRequest {
  method: string;
  /** Raw path as sent (still percent-encoded). */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  headers: SignedRequest['headers'];
}

export interface PresignedOptions {
  secretFor: (accessKeyId: string) => string | undefined;
  now: Date;
  /** Region the credential must be scoped to; undefined accepts any. */
  region?: string;
  /** Tolerated clock difference for URLs dated in the future. */
  maxSkewMs?: number;
}

export interface PresignedIdentity {
  accessKeyId: string;
  region: string;
  /** The payload hash the URL was signed with (almost always UNSIGNED-PAYLOAD). */
  payloadHash: string;
}

/** True when the query string carries SigV4 query authentication. */
export function isPresigned(query: URLSearchParams): boolean {
  return query.has('X-Amz-Algorithm') || query.has('X-Amz-Signature');
}

/** Verifies a presigned request; throws S3's error for each failure. */
export function verifyPresigned(req: PresignedRequest, opts: PresignedOptions): PresignedIdentity {
  const q = new URLSearchParams(req.query);
  const param = (name: string) => {
    const v = q.get(name);
    if (!v) throw AuthorizationQueryParametersError(`Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters; ${name} is missing.`);
    return v;
  };
  if (param('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw AuthorizationQueryParametersError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".');
  const credential = param('X-Amz-Credential').split('/');
  if (credential.length !== 5 || credential[3] !== 's3' || credential[4] !== 'aws4_request') {
    throw AuthorizationQueryParametersError('X-Amz-Credential must have the form <key>/<YYYYMMDD>/<region>/s3/aws4_request.');
  }
  const [accessKeyId, date, region] = credential as [string, string, string, string, string];
  if (opts.region && region !== opts.region) throw AuthorizationQueryParametersError(`The credential is scoped to region '${region}'; this endpoint expects '${opts.region}'.`);
  const amzDate = param('X-Amz-Date');
  const dm = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!dm || amzDate.slice(0, 8) !== date) throw AuthorizationQueryParametersError('X-Amz-Date must be in ISO 8601 basic format and on the credential\'s date.');
  const expires = Number(param('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES_SECONDS) {
    throw AuthorizationQueryParametersError(`X-Amz-Expires must be between 1 and ${MAX_EXPIRES_SECONDS} seconds.`);
  }
  const signature = param('X-Amz-Signature');
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) throw AuthorizationQueryParametersError('X-Amz-Signature must be 64 hexadecimal digits.');
  const signedHeaders = param('X-Amz-SignedHeaders').toLowerCase().split(';');
  if (!signedHeaders.includes('host')) throw AuthorizationQueryParametersError("'host' must be a signed header.");

  const secret = opts.secretFor(accessKeyId);
  if (secret === undefined) throw InvalidAccessKeyId(undefined, { AWSAccessKeyId: accessKeyId });

  const signedAt = Date.UTC(+dm[1]!, +dm[2]! - 1, +dm[3]!, +dm[4]!, +dm[5]!, +dm[6]!);
  const now = opts.now.getTime();
  if (signedAt - now > (opts.maxSkewMs ?? 15 * 60 * 1000)) throw AccessDenied('Request is not valid yet');
  if (now > signedAt + expires * 1000) throw AccessDenied('Request has expired', { Expires: new Date(signedAt + expires * 1000).toISOString(), ServerTime: opts.now.toISOString() });

  const payloadHash = q.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
  const scope = `${date}/${region}/s3/aws4_request`;
  const sts = stringToSign({ ...req, payloadHash }, signedHeaders, amzDate, scope, 's3');
  const expected = createHmac('sha256', signingKey(secret, date, region, 's3')).update(sts, 'utf8').digest();
  const given = Buffer.from(signature, 'hex');
  if (!timingSafeEqual(given, expected)) throw SignatureDoesNotMatch(undefined, { AWSAccessKeyId: accessKeyId });
  return { accessKeyId, region, payloadHash };
}

/**
 * Subresources that belong to a SigV2 canonical resource (the list botocore signs with); any
 * other query parameter is left out of the signature.
 */
const V2_SUBRESOURCES = new Set([
  'accelerate', 'acl', 'analytics', 'cors', 'defaultObjectAcl', 'delete', 'inventory', 'lifecycle', 'location', 'logging',
  'metrics', 'notification', 'object-lock', 'partNumber', 'policy', 'replication', 'requestPayment', 'restore',
  'response-cache-control', 'response-content-disposition', 'response-content-encoding', 'response-content-language',
  'response-content-type', 'response-expires', 'select', 'select-type', 'storageClass', 'tagging', 'torrent', 'uploadId',
  'uploads', 'versionId', 'versioning', 'versions', 'website',
]);

/** True when the query carries a Signature Version 2 presigned URL (AWSAccessKeyId, Signature, Expires). */
export function isPresignedV2(query: URLSearchParams): boolean {
  return query.has('AWSAccessKeyId') && query.has('Signature') && query.has('Expires');
}

/**
 * Verifies a Signature Version 2 presigned URL. The aws CLI v1 still produces these from
 * `aws s3 presign` unless configured for s3v4, so GETs through such links work too. Only the
 * query form is accepted; SigV2 Authorization headers are not.
 */
export function verifyPresignedV2(req: PresignedRequest, opts: PresignedOptions): { accessKeyId: string } {
  const q = new URLSearchParams(req.query);
  const accessKeyId = q.get('AWSAccessKeyId') ?? '';
  const signature = q.get('Signature') ?? '';
  const expiresRaw = q.get('Expires') ?? '';
  if (!/^\d{1,12}$/.test(expiresRaw)) throw AuthorizationQueryParametersError('Expires must be a number of seconds since the epoch.');
  const secret = opts.secretFor(accessKeyId);
  if (secret === undefined) throw InvalidAccessKeyId(undefined, { AWSAccessKeyId: accessKeyId });
  if (opts.now.getTime() > Number(expiresRaw) * 1000) {
    throw AccessDenied('Request has expired', { Expires: new Date(Number(expiresRaw) * 1000).toISOString(), ServerTime: opts.now.toISOString() });
  }
  const header = (name: string) => {
    const v = req.headers[name];
    return (Array.isArray(v) ? v.join(',') : v) ?? '';
  };
  const amzHeaders = Object.keys(req.headers)
    .filter((h) => h.startsWith('x-amz-'))
    .sort()
    .map((h) => `${h}:${header(h).trim()}\n`)
    .join('');
  const subresources = req.query
    .split('&')
    .map((pair) => {
      const i = pair.indexOf('=');
      return i < 0 ? ([pair, undefined] as const) : ([pair.slice(0, i), decodeURIComponentSafe(pair.slice(i + 1))] as const);
    })
    .filter(([name]) => V2_SUBRESOURCES.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === undefined ? name : `${name}=${value}`));
  const resource = req.path + (subresources.length ? `?${subresources.join('&')}` : '');
  const sts = `${req.method}\n${header('content-md5')}\n${header('content-type')}\n${expiresRaw}\n${amzHeaders}${resource}`;
  const expected = createHmac('sha1', secret).update(sts, 'utf8').digest();
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw SignatureDoesNotMatch(undefined, { AWSAccessKeyId: accessKeyId });
  return { accessKeyId };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
