/**
 * AWS Signature Version 4 verification for the Rekognition JSON endpoint and the S3 endpoint.
 * Pure: takes the request's method, path, query, headers and payload hash, and a secret lookup.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { IncompleteSignature, InvalidSignature, MissingAuthenticationToken, ServiceError, UnrecognizedClient } from './errors.js';

export interface SignedRequest {
  method: string;
  /** Raw path as sent (still percent-encoded). */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** Hex sha256 of the body, or the literal value of x-amz-content-sha256 for S3. */
  payloadHash: string;
}

export interface VerifyOptions {
  service: string;
  region?: string;
  secretFor: (accessKeyId: string) => string | undefined;
  now?: Date;
  maxSkewMs?: number;
  /** Error factory for an unknown access key, so S3 can answer with its own code. */
  errors?: Partial<Record<'unknownKey' | 'badSignature' | 'incomplete' | 'missing' | 'skew', (msg: string) => ServiceError>>;
}

export interface Verified {
  accessKeyId: string;
  region: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

export const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it. */
export function uriEncode(s: string, encodeSlash = true): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (c === '/' && !encodeSlash)) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s); // RFC 3986: a literal '+' stays '+' (SigV4 does not form-decode)
  } catch {
    return s;
  }
}

export function canonicalQuery(query: string): string {
  if (!query) return '';
  const pairs = query
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const i = p.indexOf('=');
      const k = i < 0 ? p : p.slice(0, i);
      const v = i < 0 ? '' : p.slice(i + 1);
      return [uriEncode(safeDecode(k)), uriEncode(safeDecode(v))] as const;
    })
    .filter(([k]) => k !== 'X-Amz-Signature');
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** S3 does not double-encode the path; other services normalise and encode each segment again. */
export function canonicalPath(path: string, service: string): string {
  if (service === 's3') return uriEncode(safeDecode(path), false) || '/';
  const segments = path.split('/').map((seg) => uriEncode(uriEncode(safeDecode(seg))));
  return segments.join('/') || '/';
}

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac('AWS4' + secret, date), region), service), 'aws4_request');
}

export function stringToSign(req: SignedRequest, signedHeaders: string[], amzDate: string, scope: string, service: string): string {
  const canonicalHeaders = signedHeaders
    .map((h) => `${h}:${(header(req.headers, h) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    req.method,
    canonicalPath(req.path, service),
    canonicalQuery(req.query),
    canonicalHeaders,
    signedHeaders.join(';'),
    req.payloadHash,
  ].join('\n');
  return [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
}

/** Verifies the Authorization header of a request; throws the AWS error for each failure. */
export function verifySigV4(req: SignedRequest, opts: VerifyOptions): Verified {
  const e = opts.errors ?? {};
  const auth = header(req.headers, 'authorization');
  if (!auth) throw (e.missing ?? MissingAuthenticationToken)('Missing Authentication Token');
  const m = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/i.exec(auth);
  if (!m) throw (e.incomplete ?? IncompleteSignature)(`Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' with algorithm ${ALGORITHM}.`);
  const [, credential, signedHeadersRaw, signature] = m as unknown as [string, string, string, string];
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') throw (e.incomplete ?? IncompleteSignature)('Credential should be scoped to a valid region, service and aws4_request.');
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  if (service !== opts.service) throw (e.incomplete ?? IncompleteSignature)(`Credential should be scoped to correct service: '${opts.service}'.`);
  if (opts.region && region !== opts.region) throw (e.incomplete ?? IncompleteSignature)(`Credential should be scoped to a valid region, not '${region}'.`);
  const secret = opts.secretFor(accessKeyId);
  if (secret === undefined) throw (e.unknownKey ?? UnrecognizedClient)('The security token included in the request is invalid.');
  const signedHeaders = signedHeadersRaw.toLowerCase().split(';');
  if (!signedHeaders.includes('host')) throw (e.incomplete ?? IncompleteSignature)("'Host' must be a signed header.");
  const amzDate = header(req.headers, 'x-amz-date') ?? '';
  const dm = /^(\d{8})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!dm) throw (e.incomplete ?? IncompleteSignature)("Authorization requires an 'X-Amz-Date' header in ISO 8601 basic format.");
  if (dm[1] !== date) throw (e.badSignature ?? InvalidSignature)(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${dm[1]}'.`);
  const signedAt = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +dm[2]!, +dm[3]!, +dm[4]!);
  const now = (opts.now ?? new Date()).getTime();
  const skew = opts.maxSkewMs ?? 15 * 60 * 1000;
  if (Math.abs(now - signedAt) > skew) {
    throw (e.skew ?? InvalidSignature)(`Signature expired: ${amzDate} is now earlier than ${new Date(now - skew).toISOString().replace(/[-:]|\.\d+/g, '')} (${new Date(now).toISOString().replace(/[-:]|\.\d+/g, '')} - 15 min.)`);
  }
  const scope = `${date}/${region}/${service}/aws4_request`;
  const sts = stringToSign(req, signedHeaders, amzDate, scope, service);
  const expected = createHmac('sha256', signingKey(secret, date, region, service)).update(sts, 'utf8').digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw (e.badSignature ?? InvalidSignature)('The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
  return { accessKeyId, region };
}
