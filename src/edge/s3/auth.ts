/**
 * Who is calling: every S3 request is SigV4-signed, either in the Authorization header or in the
 * query string (presigned URL; SigV2 presigned URLs too, as `aws s3 presign` of CLI v1 makes them). The result also says how the payload was signed, which decides
 * how the body is read and verified (see payload.ts).
 */
import { signingKey, verifySigV4 } from '../sigv4.js';
import type { ChunkSigning } from './chunked.js';
import {
  AccessDenied,
  AuthorizationHeaderMalformed,
  InvalidAccessKeyId,
  InvalidRequest,
  RequestTimeTooSkewed,
  SignatureDoesNotMatch,
} from './errors.js';
import { isPresigned, isPresignedV2, verifyPresigned, verifyPresignedV2 } from './presigned.js';

export interface AuthContext {
  accessKeyId: string;
  /** The payload hash as signed: hex sha256, UNSIGNED-PAYLOAD or a STREAMING-* mode. */
  contentSha256: string;
  /** Present for signed aws-chunked payloads: what chunk signatures chain from. */
  chunkSigning?: ChunkSigning;
}

export interface AuthOptions {
  secretFor: (accessKeyId: string) => string | undefined;
  now: Date;
  region?: string;
}

export interface RawRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
}

const SIGNED_STREAMING = /^STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER)?$/;

const firstHeader = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export function authenticate(req: RawRequest, opts: AuthOptions): AuthContext {
  const authorization = firstHeader(req.headers['authorization']);
  const query = new URLSearchParams(req.query);
  if (!authorization) {
    if (isPresigned(query)) {
      const { accessKeyId, payloadHash } = verifyPresigned(req, opts);
      return { accessKeyId, contentSha256: payloadHash };
    }
    if (isPresignedV2(query)) return { ...verifyPresignedV2(req, opts), contentSha256: 'UNSIGNED-PAYLOAD' };
    throw AccessDenied('Access Denied: the request is not signed.');
  }
  if (/^AWS /.test(authorization)) throw InvalidRequest('Signature Version 2 Authorization headers are not supported; sign requests with AWS Signature Version 4.');

  const contentSha256 = firstHeader(req.headers['x-amz-content-sha256']);
  if (!contentSha256) throw InvalidRequest('Missing required header for this request: x-amz-content-sha256');
  const { accessKeyId, region } = verifySigV4(
    { ...req, payloadHash: contentSha256 },
    {
      service: 's3',
      region: opts.region,
      secretFor: opts.secretFor,
      now: opts.now,
      errors: {
        missing: (msg) => AccessDenied(msg),
        incomplete: (msg) => AuthorizationHeaderMalformed(msg),
        unknownKey: () => InvalidAccessKeyId(undefined, { AWSAccessKeyId: credentialKey(authorization) }),
        badSignature: (msg) => SignatureDoesNotMatch(msg),
        skew: (msg) => RequestTimeTooSkewed(msg),
      },
    },
  );

  const auth: AuthContext = { accessKeyId, contentSha256 };
  if (SIGNED_STREAMING.test(contentSha256)) {
    // verifySigV4 accepted the header, so its parts are well-formed; re-read the pieces the chunk chain needs.
    const m = /Credential=([^,\s]+).*Signature=([0-9a-fA-F]{64})/.exec(authorization)!;
    const [, date, , service] = m[1]!.split('/') as [string, string, string, string];
    const secret = opts.secretFor(accessKeyId)!;
    auth.chunkSigning = {
      signingKey: signingKey(secret, date, region, service),
      amzDate: firstHeader(req.headers['x-amz-date'])!,
      scope: `${date}/${region}/${service}/aws4_request`,
      seedSignature: m[2]!.toLowerCase(),
    };
  }
  return auth;
}

function credentialKey(authorization: string): string {
  return /Credential=([^/,\s]+)/.exec(authorization)?.[1] ?? '';
}
