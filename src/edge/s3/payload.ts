/**
 * Reading a request body the way S3 does: decoded from aws-chunked when the payload is streamed,
 * counted against a size limit, and checked against everything the client vouched for (the signed
 * sha256, Content-MD5, x-amz-checksum-* headers or trailers, x-amz-decoded-content-length).
 *
 * The body is an async iterable so callers can stream it straight into the blob store; the checks
 * that need the whole body throw from the iterable's last step, which makes the blob store discard
 * what it wrote. The request stream itself is never destroyed, so an error can still be answered.
 */
import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AuthContext } from './auth.js';
import { AwsChunkedParser } from './chunked.js';
import { checksumAlgorithmOf, checksumHeader, createChecksummer, type ChecksumAlgorithm, type Checksummer } from './checksums.js';
import { BadDigest, EntityTooLarge, IncompleteBody, InvalidArgument, InvalidDigest, InvalidRequest, XAmzContentSHA256Mismatch } from './errors.js';

const STREAMING_MODES = new Set(['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER']);

export interface Payload {
  /** Decoded, verified bytes; throws an S3Error when a check fails. Iterate it once. */
  body: AsyncIterable<Buffer>;
  /** After `body` has ended: the checksums the client sent (verified where Argus can), to echo back. */
  checksums(): Partial<Record<ChecksumAlgorithm, string>>;
}

const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Size the client says the payload has, before any byte is read; undefined when not declared. */
function declaredSize(req: IncomingMessage, streaming: boolean): number | undefined {
  const raw = streaming ? single(req.headers['x-amz-decoded-content-length']) : req.headers['content-length'];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw InvalidArgument(`Invalid ${streaming ? 'x-amz-decoded-content-length' : 'Content-Length'}: '${raw}'.`);
  return n;
}

export function openPayload(req: IncomingMessage, auth: AuthContext, maxBytes: number): Payload {
  const mode = auth.contentSha256;
  const streaming = STREAMING_MODES.has(mode);
  const expectedSha256 = /^[0-9a-fA-F]{64}$/.test(mode) ? mode.toLowerCase() : undefined;
  if (!streaming && !expectedSha256 && mode !== 'UNSIGNED-PAYLOAD') {
    throw InvalidArgument(`x-amz-content-sha256 must be a hex SHA-256, UNSIGNED-PAYLOAD or a supported STREAMING- mode; got '${mode}'.`);
  }
  const declared = declaredSize(req, streaming);
  if (declared !== undefined && declared > maxBytes) throw EntityTooLarge(undefined, { ProposedSize: declared, MaxSizeAllowed: maxBytes });

  const contentMd5 = single(req.headers['content-md5']);
  if (contentMd5 !== undefined && Buffer.from(contentMd5, 'base64').length !== 16) throw InvalidDigest(undefined, { 'Content-MD5': contentMd5 });

  // Checksums to compute: those sent as headers, and the one a trailer or the SDK header announces.
  const claimed = new Map<ChecksumAlgorithm, string>();
  for (const [name, value] of Object.entries(req.headers)) {
    const alg = checksumAlgorithmOf(name);
    if (alg && typeof value === 'string') claimed.set(alg, value);
  }
  const announcedTrailer = single(req.headers['x-amz-trailer'])?.trim().toLowerCase();
  const sdkAlgorithm = single(req.headers['x-amz-sdk-checksum-algorithm'])?.toLowerCase();
  const wanted = new Set(claimed.keys());
  for (const name of [announcedTrailer, sdkAlgorithm && checksumHeader(sdkAlgorithm as ChecksumAlgorithm)]) {
    const alg = name ? checksumAlgorithmOf(name) : undefined;
    if (alg) wanted.add(alg);
  }
  const summers = new Map<ChecksumAlgorithm, Checksummer>();
  for (const alg of wanted) {
    const summer = createChecksummer(alg);
    if (summer) summers.set(alg, summer);
  }

  const sha256: Hash | undefined = expectedSha256 ? createHash('sha256') : undefined;
  const md5: Hash | undefined = contentMd5 ? createHash('md5') : undefined;
  const parser = streaming ? new AwsChunkedParser(auth.chunkSigning ? { signing: auth.chunkSigning } : {}) : undefined;
  let size = 0;

  const account = (piece: Buffer) => {
    size += piece.length;
    if (size > maxBytes) throw EntityTooLarge(undefined, { MaxSizeAllowed: maxBytes });
    sha256?.update(piece);
    md5?.update(piece);
    for (const s of summers.values()) s.update(piece);
  };

  const verifyEnd = () => {
    if (parser) {
      parser.finish();
      if (declared !== undefined && parser.decodedBytes !== declared) {
        throw IncompleteBody(`The decoded body has ${parser.decodedBytes} bytes; x-amz-decoded-content-length said ${declared}.`);
      }
      for (const [name, value] of Object.entries(parser.trailers)) {
        const alg = checksumAlgorithmOf(name);
        if (alg) claimed.set(alg, value);
      }
      if (announcedTrailer && parser.trailers[announcedTrailer] === undefined) {
        throw InvalidRequest(`The x-amz-trailer header announced '${announcedTrailer}' but the body carried no such trailer.`);
      }
    }
    if (sha256 && expectedSha256) {
      const computed = sha256.digest('hex');
      if (computed !== expectedSha256) {
        throw XAmzContentSHA256Mismatch(undefined, { ClientComputedContentSHA256: expectedSha256, S3ComputedContentSHA256: computed });
      }
    }
    if (md5 && contentMd5 && md5.digest('base64') !== contentMd5) throw BadDigest('The Content-MD5 you specified did not match what we received.');
    for (const [alg, value] of claimed) {
      const computed = summers.get(alg)?.digest();
      if (computed !== undefined && computed !== value) throw BadDigest(`The ${alg.toUpperCase()} you specified did not match the calculated checksum.`);
    }
  };

  async function* body(): AsyncGenerator<Buffer> {
    // destroyOnReturn: false keeps the socket usable for the error response if a consumer stops early.
    for await (const raw of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      if (!parser) {
        account(raw);
        yield raw;
        continue;
      }
      const pieces: Buffer[] = [];
      parser.push(raw, (p) => pieces.push(p));
      for (const p of pieces) account(p);
      for (const p of pieces) yield p;
    }
    verifyEnd();
  }

  return {
    body: body(),
    checksums: () => Object.fromEntries(claimed),
  };
}

/** Reads a whole (small) payload into memory, with every check applied. */
export async function readPayload(req: IncomingMessage, auth: AuthContext, maxBytes: number): Promise<Buffer> {
  const { body } = openPayload(req, auth, maxBytes);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
