/**
 * Decoder for `Content-Encoding: aws-chunked` request bodies (SigV4 streaming uploads):
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *   [<trailer name>:<value>\r\n ...][x-amz-trailer-signature:<sig>\r\n]\r\n
 *
 * When the payload is signed, every chunk signature chains from the previous one (the first from
 * the Authorization header's signature) and is verified as the chunk ends; the trailer signature
 * chains from the final chunk's. Decoded bytes are emitted as they arrive: a caller stores them
 * only provisionally and discards them if the stream ends in an error.
 */
import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { IncompleteBody, InvalidRequest, SignatureDoesNotMatch } from './errors.js';

export interface ChunkSigning {
  signingKey: Buffer;
  /** X-Amz-Date of the request. */
  amzDate: string;
  /** Credential scope: date/region/service/aws4_request. */
  scope: string;
  /** The signature of the request's Authorization header. */
  seedSignature: string;
}

export interface AwsChunkedOptions {
  /** Present for STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: chunk signatures are then required and verified. */
  signing?: ChunkSigning;
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');
/** A size line or trailer line longer than this is not aws-chunked; stop buffering it. */
const MAX_LINE = 4096;
const CRLF = Buffer.from('\r\n');

type State = 'size-line' | 'data' | 'data-crlf' | 'trailer' | 'done';

/** Incremental parser: push raw bytes, get decoded bytes through `emit`; `finish()` at end of input. */
export class AwsChunkedParser {
  /** Trailing headers (lower-case names), e.g. x-amz-checksum-crc32. */
  readonly trailers: Record<string, string> = {};
  decodedBytes = 0;
  private state: State = 'size-line';
  private line: Buffer[] = [];
  private lineLength = 0;
  private remaining = 0;
  private crlfSeen = 0;
  private chunkSignature: string | undefined;
  private chunkHash: Hash | undefined;
  private previousSignature: string | undefined;
  private trailerSignatureSeen = false;

  constructor(private readonly opts: AwsChunkedOptions = {}) {
    this.previousSignature = opts.signing?.seedSignature;
  }

  push(input: Buffer, emit: (decoded: Buffer) => void): void {
    let i = 0;
    while (i < input.length) {
      switch (this.state) {
        case 'data': {
          const n = Math.min(this.remaining, input.length - i);
          const piece = input.subarray(i, i + n);
          this.chunkHash?.update(piece);
          this.decodedBytes += n;
          this.remaining -= n;
          i += n;
          emit(piece);
          if (this.remaining === 0) this.state = 'data-crlf';
          break;
        }
        case 'data-crlf': {
          if (input[i] !== CRLF[this.crlfSeen]) throw InvalidRequest('Malformed aws-chunked body: a chunk is longer than its declared size.');
          i++;
          if (++this.crlfSeen === 2) {
            this.crlfSeen = 0;
            this.verifyChunk();
            this.state = 'size-line';
          }
          break;
        }
        case 'done':
          if (input.subarray(i).some((b) => b !== 0x0d && b !== 0x0a)) throw InvalidRequest('Malformed aws-chunked body: data after the final chunk.');
          return;
        default: {
          const nl = input.indexOf(0x0a, i);
          const end = nl < 0 ? input.length : nl;
          this.lineLength += end - i;
          if (this.lineLength > MAX_LINE) throw InvalidRequest('Malformed aws-chunked body: line too long.');
          this.line.push(input.subarray(i, end));
          i = end;
          if (nl >= 0) {
            i++;
            const text = Buffer.concat(this.line).toString('latin1').replace(/\r$/, '');
            this.line = [];
            this.lineLength = 0;
            if (this.state === 'size-line') this.onSizeLine(text);
            else this.onTrailerLine(text);
          }
        }
      }
    }
  }

  /** End of input: throws unless the body was complete. */
  finish(): void {
    // Clients that send no trailers may end right after "0\r\n", without the closing empty line.
    if (this.state === 'trailer' && this.lineLength === 0) this.endTrailers();
    if (this.state !== 'done') throw IncompleteBody('The aws-chunked body ended before its final chunk.');
  }

  private onSizeLine(text: string) {
    const m = /^([0-9a-fA-F]{1,15})(?:;chunk-signature=([0-9a-f]{64}))?\s*$/.exec(text);
    if (!m) throw InvalidRequest('Malformed aws-chunked body: invalid chunk header.');
    const size = parseInt(m[1]!, 16);
    if (this.opts.signing) {
      if (!m[2]) throw SignatureDoesNotMatch('A chunk of a signed aws-chunked body has no chunk-signature.');
      this.chunkSignature = m[2];
      this.chunkHash = createHash('sha256');
    }
    if (size === 0) {
      this.verifyChunk();
      this.state = 'trailer';
    } else {
      this.remaining = size;
      this.state = 'data';
    }
  }

  private onTrailerLine(text: string) {
    if (text === '') return this.endTrailers();
    const colon = text.indexOf(':');
    if (colon <= 0) throw InvalidRequest('Malformed aws-chunked body: invalid trailing header.');
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') this.verifyTrailers(value);
    else this.trailers[name] = value;
  }

  private endTrailers() {
    if (this.opts.signing && Object.keys(this.trailers).length > 0 && !this.trailerSignatureSeen) {
      throw SignatureDoesNotMatch('The trailing headers of a signed aws-chunked body have no x-amz-trailer-signature.');
    }
    this.state = 'done';
  }

  private verifyChunk() {
    const signing = this.opts.signing;
    if (!signing || !this.chunkHash || !this.chunkSignature) return;
    const stringToSign = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      signing.amzDate,
      signing.scope,
      this.previousSignature,
      EMPTY_SHA256,
      this.chunkHash.digest('hex'),
    ].join('\n');
    this.check(stringToSign, this.chunkSignature, 'chunk');
    this.chunkHash = undefined;
  }

  private verifyTrailers(signature: string) {
    const signing = this.opts.signing;
    this.trailerSignatureSeen = true;
    if (!signing) return; // unsigned streaming payloads carry no meaningful trailer signature
    const canonical = Object.entries(this.trailers)
      .map(([name, value]) => `${name}:${value}\n`)
      .join('');
    const stringToSign = [
      'AWS4-HMAC-SHA256-TRAILER',
      signing.amzDate,
      signing.scope,
      this.previousSignature,
      createHash('sha256').update(canonical).digest('hex'),
    ].join('\n');
    this.check(stringToSign, signature, 'trailer');
  }

  private check(stringToSign: string, given: string, what: 'chunk' | 'trailer') {
    const expected = createHmac('sha256', this.opts.signing!.signingKey).update(stringToSign, 'utf8').digest();
    const actual = Buffer.from(given, 'hex');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw SignatureDoesNotMatch(`The ${what} signature we calculated does not match the signature you provided.`);
    }
    this.previousSignature = given.toLowerCase();
  }
}

/** The parser as a Transform stream: aws-chunked in, payload bytes out; `trailers` once it has ended. */
export class AwsChunkedDecoder extends Transform {
  private readonly parser: AwsChunkedParser;

  constructor(opts: AwsChunkedOptions = {}) {
    super();
    this.parser = new AwsChunkedParser(opts);
  }

  get trailers(): Readonly<Record<string, string>> {
    return this.parser.trailers;
  }

  get decodedBytes(): number {
    return this.parser.decodedBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.parser.push(chunk, (piece) => this.push(piece));
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.parser.finish();
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}
