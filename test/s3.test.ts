/**
 * The embedded S3 endpoint, driven by real clients: the AWS SDK v3 S3 client, raw signed HTTP
 * requests for the paths the SDK does not take, and the `aws` CLI when it is installed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createS3Handler, type S3HandlerDeps } from '../src/edge/s3/handler.js';
import { AwsChunkedDecoder } from '../src/edge/s3/chunked.js';
import { verifyPresigned, verifyPresignedV2 } from '../src/edge/s3/presigned.js';
import { BlobTooLargeError, type BlobStore } from '../src/stores/blobs.js';
import { sha256Hex, signingKey, stringToSign } from '../src/edge/sigv4.js';
import { FsBlobStore } from '../src/stores/fs-blobs.js';
import { SqliteMetadataStore } from '../src/stores/sqlite.js';

const execFileAsync = promisify(execFile);

const KEY_ID = 'AKIAARGUSTESTKEY0001';
const SECRET = 'argus-test-secret-key-0123456789abcdefgh';

interface Running {
  url: string;
  server: Server;
}

let dataDir: string;
let metadata: SqliteMetadataStore;
let blobs: FsBlobStore;
let main: Running;

async function serve(overrides: Partial<S3HandlerDeps> = {}): Promise<Running> {
  const handler = createS3Handler({
    buckets: metadata.buckets,
    blobs,
    secretFor: (id) => (id === KEY_ID ? SECRET : undefined),
    ...overrides,
  });
  let n = 0;
  const server = createServer((req, res) => {
    void handler(req, res, `TESTREQ${(++n).toString().padStart(8, '0')}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

const stop = (r: Running) => new Promise<void>((resolve) => r.server.close(() => resolve()));

function client(credentials = { accessKeyId: KEY_ID, secretAccessKey: SECRET }): S3Client {
  return new S3Client({ endpoint: main.url, forcePathStyle: true, region: 'us-east-1', credentials, maxAttempts: 1 });
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'argus-s3-'));
  metadata = new SqliteMetadataStore(':memory:');
  blobs = new FsBlobStore(join(dataDir, 'blobs'));
  main = await serve();
});

after(async () => {
  await stop(main);
  metadata.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `fn` and returns the error it threw, failing the test if it did not throw. */
async function failure(fn: () => Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected the call to fail');
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw HTTP request, for what the SDK will not send (tampered bodies, custom signing). */
function send(url: string, method: string, path: string, headers: Record<string, string | number>, body?: Buffer | string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs a request the SigV4 way with the test's key (payloadHash as given, so it can lie). */
function signHeaders(method: string, path: string, host: string, payloadHash: string, extra: Record<string, string> = {}, date = new Date()): Record<string, string> {
  const amzDate = date.toISOString().replace(/[-:]|\.\d+/g, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { host, 'x-amz-date': amzDate, 'x-amz-content-sha256': payloadHash, ...extra };
  const signed = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const [rawPath, rawQuery = ''] = path.split('?', 2) as [string, string?];
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const sts = stringToSign({ method, path: rawPath, query: rawQuery, headers, payloadHash }, signed, amzDate, scope, 's3');
  const signature = createHmac('sha256', signingKey(SECRET, day, 'us-east-1', 's3')).update(sts).digest('hex');
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${KEY_ID}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}` };
}

const hostOf = (url: string) => new URL(url).host;

test('a bucket can be created, found and listed, and creating it again answers BucketAlreadyOwnedByYou', async () => {
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
  await s3.send(new HeadBucketCommand({ Bucket: 'photos' }));
  const listed = await s3.send(new ListBucketsCommand({}));
  assert.ok(listed.Buckets?.some((b) => b.Name === 'photos'));
  const location = await s3.send(new GetBucketLocationCommand({ Bucket: 'photos' }));
  assert.equal(location.LocationConstraint ?? '', '');
  const again = await failure(() => s3.send(new CreateBucketCommand({ Bucket: 'photos' })));
  assert.equal(again.name, 'BucketAlreadyOwnedByYou');
  assert.equal(again.$metadata?.httpStatusCode, 409);
});

test('a bucket created with a CreateBucketConfiguration body is accepted', async () => {
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'configured', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  await s3.send(new DeleteBucketCommand({ Bucket: 'configured' }));
});

test('bucket names outside S3 rules are refused with InvalidBucketName', async () => {
  for (const name of ['ab', 'Upper-Case', 'under_score', 'a..b', '192.168.1.1']) {
    const signed = signHeaders('PUT', `/${name}`, hostOf(main.url), sha256Hex(''));
    const res = await send(main.url, 'PUT', `/${name}`, signed);
    assert.equal(res.status, 400, name);
    assert.match(res.body.toString(), /<Code>InvalidBucketName<\/Code>/, name);
  }
});

test('an object keeps its bytes, content type and user metadata, and PutObject echoes the CRC32', async () => {
  const s3 = client();
  const body = Buffer.from('a street scene, as bytes');
  const put = await s3.send(
    new PutObjectCommand({ Bucket: 'photos', Key: 'street.jpg', Body: body, ContentType: 'image/jpeg', Metadata: { camera: 'x100', 'taken-by': 'ana' } }),
  );
  assert.equal(put.ETag, `"${md5(body)}"`);
  assert.ok(put.ChecksumCRC32, 'the CRC32 the SDK sent is echoed');
  const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'street.jpg' }));
  assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body);
  assert.equal(got.ContentType, 'image/jpeg');
  assert.equal(got.ContentLength, body.length);
  assert.deepEqual(got.Metadata, { camera: 'x100', 'taken-by': 'ana' });
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'street.jpg' }));
  assert.equal(head.ETag, put.ETag);
  assert.equal(head.ContentLength, body.length);
  assert.ok(head.LastModified instanceof Date);
});

test('keys with spaces, pluses, unicode and slashes round-trip', async () => {
  const s3 = client();
  for (const key of ['with space.txt', 'a+b=c&d.txt', 'päth/ünïcode/日本.txt', 'dir//double/./dot/../x', "quote'\"<>.txt"]) {
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: key, Body: key }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: key }));
    assert.equal(await got.Body!.transformToString(), key, key);
    await s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: key }));
  }
});

test('a streamed body is sent aws-chunked with a CRC32 trailer, decoded and verified', async () => {
  const s3 = client();
  const bytes = randomBytes(300_000);
  const pieces = [bytes.subarray(0, 100_000), bytes.subarray(100_000, 250_000), bytes.subarray(250_000)];
  const put = await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'streamed.bin', Body: Readable.from(pieces), ContentLength: bytes.length }));
  assert.equal(put.ETag, `"${md5(bytes)}"`);
  const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'streamed.bin' }));
  assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), bytes);
});

test('an aws-chunked body with a wrong CRC32 trailer is refused with BadDigest and nothing is stored', async () => {
  const data = Buffer.from('hello chunks');
  const encoded = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n')]);
  const path = '/photos/bad-trailer.txt';
  const headers = signHeaders('PUT', path, hostOf(main.url), 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', {
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(data.length),
    'x-amz-trailer': 'x-amz-checksum-crc32',
  });
  const res = await send(main.url, 'PUT', path, { ...headers, 'content-length': encoded.length }, encoded);
  assert.equal(res.status, 400);
  assert.match(res.body.toString(), /<Code>BadDigest<\/Code>/);
  const missing = await failure(() => client().send(new HeadObjectCommand({ Bucket: 'photos', Key: 'bad-trailer.txt' })));
  assert.equal(missing.$metadata?.httpStatusCode, 404);
});

test('a body that does not match its signed sha256 is refused with XAmzContentSHA256Mismatch', async () => {
  const path = '/photos/tampered.txt';
  const headers = signHeaders('PUT', path, hostOf(main.url), sha256Hex('what was signed'));
  const res = await send(main.url, 'PUT', path, headers, 'what was sent');
  assert.equal(res.status, 400);
  assert.match(res.body.toString(), /<Code>XAmzContentSHA256Mismatch<\/Code>/);
  assert.ok(res.headers['x-amz-request-id']);
  assert.ok(res.headers['x-amz-id-2']);
});

test('a signed aws-chunked upload (the AWS documentation example) is verified chunk by chunk', async () => {
  // The example from "Signature Calculations ... Transferring Payload in Multiple Chunks":
  // 66560 bytes of 'a' in chunks of 64 KiB and 1 KiB, signed on 2013-05-24 with the doc's example key.
  const docSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const documented = await serve({
    secretFor: (id) => (id === 'AKIAIOSFODNN7EXAMPLE' ? docSecret : undefined),
    now: () => new Date('2013-05-24T00:00:00Z'),
  });
  try {
    if (!metadata.buckets.getBucket('examplebucket')) metadata.buckets.createBucket('examplebucket');
    const chunk = (size: number, sig: string) => Buffer.concat([Buffer.from(`${size.toString(16)};chunk-signature=${sig}\r\n`), Buffer.alloc(size, 'a'), Buffer.from('\r\n')]);
    const body = Buffer.concat([
      chunk(65536, 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648'),
      chunk(1024, '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497'),
      chunk(0, 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9'),
    ]);
    assert.equal(body.length, 66824);
    const headers = {
      host: 's3.amazonaws.com',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '66560',
      'content-length': '66824',
    };
    const ok = await send(documented.url, 'PUT', '/examplebucket/chunkObject.txt', headers, body);
    assert.equal(ok.status, 200, ok.body.toString());
    assert.equal(ok.headers.etag, `"${md5(Buffer.alloc(66560, 'a'))}"`);

    // The same body with one byte changed breaks its chunk's signature.
    const tampered = Buffer.from(body);
    tampered[200] = 'b'.charCodeAt(0);
    const refused = await send(documented.url, 'PUT', '/examplebucket/chunkObject2.txt', headers, tampered);
    assert.equal(refused.status, 403);
    assert.match(refused.body.toString(), /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.equal(metadata.buckets.getObject('examplebucket', 'chunkObject2.txt'), undefined);
  } finally {
    await stop(documented);
  }
});

test('the aws-chunked decoder reassembles chunks split at any byte boundary', async () => {
  const data = randomBytes(5000);
  const encoded = Buffer.concat([
    Buffer.from('7d0\r\n'), data.subarray(0, 2000), Buffer.from('\r\n'),
    Buffer.from('bb8\r\n'), data.subarray(2000), Buffer.from('\r\n'),
    Buffer.from('0\r\nx-amz-checksum-crc32:abcd\r\n\r\n'),
  ]);
  for (const step of [1, 3, 7, 4096]) {
    const decoder = new AwsChunkedDecoder();
    const out: Buffer[] = [];
    decoder.on('data', (c: Buffer) => out.push(c));
    for (let i = 0; i < encoded.length; i += step) decoder.write(encoded.subarray(i, i + step));
    decoder.end();
    await new Promise((resolve) => decoder.on('end', resolve));
    assert.deepEqual(Buffer.concat(out), data, `step ${step}`);
    assert.equal(decoder.trailers['x-amz-checksum-crc32'], 'abcd');
  }
});

test('listing with prefix and delimiter rolls keys up into common prefixes, page by page', async () => {
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
  const keys = ['a.txt', 'b/1.txt', 'b/2.txt', 'b/sub/3.txt', 'c/1.txt', 'd.txt', 'e/1.txt', 'e/2.txt'];
  for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key: key, Body: key }));

  const all = await s3.send(new ListObjectsV2Command({ Bucket: 'listing' }));
  assert.deepEqual(all.Contents?.map((o) => o.Key), keys);
  assert.equal(all.KeyCount, keys.length);
  assert.equal(all.IsTruncated, false);

  const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
  assert.deepEqual(top.Contents?.map((o) => o.Key), ['a.txt', 'd.txt']);
  assert.deepEqual(top.CommonPrefixes?.map((p) => p.Prefix), ['b/', 'c/', 'e/']);

  const underB = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'b/', Delimiter: '/' }));
  assert.deepEqual(underB.Contents?.map((o) => o.Key), ['b/1.txt', 'b/2.txt']);
  assert.deepEqual(underB.CommonPrefixes?.map((p) => p.Prefix), ['b/sub/']);

  // Two entries a page: keys and common prefixes both count.
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
    pages++;
    assert.ok((page.KeyCount ?? 0) <= 2);
    seen.push(...(page.Contents ?? []).map((o) => o.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  assert.equal(pages, 3);
  assert.deepEqual(seen.sort(), ['a.txt', 'b/', 'c/', 'd.txt', 'e/']);

  const afterB = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'b/2.txt' }));
  assert.deepEqual(afterB.Contents?.map((o) => o.Key), ['b/sub/3.txt', 'c/1.txt', 'd.txt', 'e/1.txt', 'e/2.txt']);

  // ListObjects v1: marker and NextMarker.
  const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'listing', MaxKeys: 3 }));
  assert.equal(v1.IsTruncated, true);
  assert.equal(v1.NextMarker, 'b/2.txt');
  const v1next = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Marker: v1.NextMarker }));
  assert.deepEqual(v1next.Contents?.map((o) => o.Key), keys.slice(3));

  const bad = await failure(() => s3.send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: 'not a token!' })));
  assert.equal(bad.name, 'InvalidArgument');
});

test('ranged gets answer 206 with Content-Range, and unsatisfiable ranges answer 416 InvalidRange', async () => {
  const s3 = client();
  const body = Buffer.from('0123456789abcdefghij');
  await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'range.txt', Body: body }));
  const cases: [string, string, string][] = [
    ['bytes=2-5', '2345', 'bytes 2-5/20'],
    ['bytes=15-', 'fghij', 'bytes 15-19/20'],
    ['bytes=-3', 'hij', 'bytes 17-19/20'],
    ['bytes=18-100', 'ij', 'bytes 18-19/20'],
  ];
  for (const [range, expected, contentRange] of cases) {
    const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'range.txt', Range: range }));
    assert.equal(await got.Body!.transformToString(), expected, range);
    assert.equal(got.ContentRange, contentRange, range);
    assert.equal(got.$metadata.httpStatusCode, 206);
  }
  const err = await failure(() => s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'range.txt', Range: 'bytes=20-' })));
  assert.equal(err.name, 'InvalidRange');
  assert.equal(err.$metadata?.httpStatusCode, 416);
});

test('objects are deleted one at a time and in batches, and deleting twice succeeds', async () => {
  const s3 = client();
  for (const key of ['del/1', 'del/2', 'del/3']) await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: key, Body: key }));
  await s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'del/1' }));
  await s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'del/1' }));
  const batch = await s3.send(new DeleteObjectsCommand({ Bucket: 'photos', Delete: { Objects: [{ Key: 'del/2' }, { Key: 'del/3' }, { Key: 'del/never' }] } }));
  assert.deepEqual(batch.Deleted?.map((d) => d.Key).sort(), ['del/2', 'del/3', 'del/never']);
  const left = await s3.send(new ListObjectsV2Command({ Bucket: 'photos', Prefix: 'del/' }));
  assert.equal(left.KeyCount, 0);
});

test('a 12 MB multipart upload assembles its parts in order under a multipart ETag', async () => {
  const s3 = client();
  const parts = [randomBytes(5 * 1024 * 1024), randomBytes(5 * 1024 * 1024), randomBytes(2 * 1024 * 1024)];
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'photos', Key: 'big.bin', ContentType: 'application/x-test' }));
  assert.ok(UploadId);
  // Upload out of order: the part numbers, not the arrival order, decide the layout.
  const etags: string[] = [];
  for (const i of [2, 0, 1]) {
    const r = await s3.send(new UploadPartCommand({ Bucket: 'photos', Key: 'big.bin', UploadId, PartNumber: i + 1, Body: parts[i] }));
    etags[i] = r.ETag!;
  }
  const listed = await s3.send(new ListPartsCommand({ Bucket: 'photos', Key: 'big.bin', UploadId }));
  assert.deepEqual(listed.Parts?.map((p) => p.PartNumber), [1, 2, 3]);
  const done = await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: 'photos',
      Key: 'big.bin',
      UploadId,
      MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
    }),
  );
  const expectedEtag = createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex') + '-3';
  assert.equal(done.ETag, `"${expectedEtag}"`);
  const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'big.bin' }));
  assert.equal(got.ContentType, 'application/x-test');
  const bytes = Buffer.from(await got.Body!.transformToByteArray());
  assert.equal(md5(bytes), md5(Buffer.concat(parts)));
  const gone = await failure(() => s3.send(new ListPartsCommand({ Bucket: 'photos', Key: 'big.bin', UploadId })));
  assert.equal(gone.name, 'NoSuchUpload');
});

test('a multipart upload with a too-small middle part, a wrong ETag or after abort is refused', async () => {
  const s3 = client();
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'photos', Key: 'small-parts.bin' }));
  const a = await s3.send(new UploadPartCommand({ Bucket: 'photos', Key: 'small-parts.bin', UploadId, PartNumber: 1, Body: Buffer.alloc(10) }));
  const b = await s3.send(new UploadPartCommand({ Bucket: 'photos', Key: 'small-parts.bin', UploadId, PartNumber: 2, Body: Buffer.alloc(10) }));
  const complete = (Parts: { ETag: string; PartNumber: number }[]) =>
    s3.send(new CompleteMultipartUploadCommand({ Bucket: 'photos', Key: 'small-parts.bin', UploadId, MultipartUpload: { Parts } }));
  assert.equal((await failure(() => complete([{ ETag: a.ETag!, PartNumber: 1 }, { ETag: b.ETag!, PartNumber: 2 }]))).name, 'EntityTooSmall');
  assert.equal((await failure(() => complete([{ ETag: '"0000"', PartNumber: 1 }]))).name, 'InvalidPart');
  assert.equal((await failure(() => complete([{ ETag: b.ETag!, PartNumber: 2 }, { ETag: a.ETag!, PartNumber: 1 }]))).name, 'InvalidPartOrder');
  await s3.send(new AbortMultipartUploadCommand({ Bucket: 'photos', Key: 'small-parts.bin', UploadId }));
  assert.equal((await failure(() => complete([{ ETag: a.ETag!, PartNumber: 1 }]))).name, 'NoSuchUpload');
});

test('CopyObject duplicates an object, keeping or replacing its metadata', async () => {
  const s3 = client();
  await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'original.txt', Body: 'copy me', ContentType: 'text/plain', Metadata: { origin: 'test' } }));
  const copied = await s3.send(new CopyObjectCommand({ Bucket: 'photos', Key: 'copies/one.txt', CopySource: 'photos/original.txt' }));
  assert.equal(copied.CopyObjectResult?.ETag, `"${md5(Buffer.from('copy me'))}"`);
  const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'copies/one.txt' }));
  assert.equal(await got.Body!.transformToString(), 'copy me');
  assert.equal(got.ContentType, 'text/plain');
  assert.deepEqual(got.Metadata, { origin: 'test' });

  await s3.send(
    new CopyObjectCommand({ Bucket: 'photos', Key: 'original.txt', CopySource: '/photos/original.txt', MetadataDirective: 'REPLACE', ContentType: 'text/x-new', Metadata: { v: '2' } }),
  );
  const replaced = await s3.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'original.txt' }));
  assert.equal(replaced.ContentType, 'text/x-new');
  assert.deepEqual(replaced.Metadata, { v: '2' });
  const self = await failure(() => s3.send(new CopyObjectCommand({ Bucket: 'photos', Key: 'original.txt', CopySource: 'photos/original.txt' })));
  assert.equal(self.name, 'InvalidRequest');
});

test('a wrong secret key is refused with SignatureDoesNotMatch', async () => {
  const err = await failure(() => client({ accessKeyId: KEY_ID, secretAccessKey: 'not-the-secret' }).send(new ListBucketsCommand({})));
  assert.equal(err.name, 'SignatureDoesNotMatch');
  assert.equal(err.$metadata?.httpStatusCode, 403);
});

test('an unknown access key is refused with InvalidAccessKeyId', async () => {
  const err = await failure(() => client({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: SECRET }).send(new ListBucketsCommand({})));
  assert.equal(err.name, 'InvalidAccessKeyId');
  assert.equal(err.$metadata?.httpStatusCode, 403);
});

test('an unsigned request is refused with AccessDenied, as XML with request ids and no internals', async () => {
  const res = await send(main.url, 'GET', '/photos/street.jpg', {});
  assert.equal(res.status, 403);
  const xml = res.body.toString();
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?><Error><Code>AccessDenied<\/Code>/);
  assert.match(xml, /<Resource>\/photos\/street.jpg<\/Resource><RequestId>TESTREQ\d+<\/RequestId>/);
  assert.doesNotMatch(xml, /at |\/src\/|\.ts/);
});

test('missing keys and buckets answer NoSuchKey and NoSuchBucket', async () => {
  const s3 = client();
  const noKey = await failure(() => s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'nope.jpg' })));
  assert.equal(noKey.name, 'NoSuchKey');
  assert.equal(noKey.$metadata?.httpStatusCode, 404);
  const noBucket = await failure(() => s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'x' })));
  assert.equal(noBucket.name, 'NoSuchBucket');
  const noBucketPut = await failure(() => s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'x', Body: 'x' })));
  assert.equal(noBucketPut.name, 'NoSuchBucket');
  const headMissing = await failure(() => s3.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'nope.jpg' })));
  assert.equal(headMissing.$metadata?.httpStatusCode, 404);
});

test('unsupported subresources answer NotImplemented', async () => {
  const path = '/photos?acl';
  const res = await send(main.url, 'GET', path, signHeaders('GET', path, hostOf(main.url), sha256Hex('')));
  assert.equal(res.status, 501);
  assert.match(res.body.toString(), /<Code>NotImplemented<\/Code>/);
});

test('a bucket with objects cannot be deleted; an empty one can', async () => {
  const s3 = client();
  await s3.send(new CreateBucketCommand({ Bucket: 'short-lived' }));
  await s3.send(new PutObjectCommand({ Bucket: 'short-lived', Key: 'k', Body: 'v' }));
  const err = await failure(() => s3.send(new DeleteBucketCommand({ Bucket: 'short-lived' })));
  assert.equal(err.name, 'BucketNotEmpty');
  assert.equal(err.$metadata?.httpStatusCode, 409);
  await s3.send(new DeleteObjectCommand({ Bucket: 'short-lived', Key: 'k' }));
  await s3.send(new DeleteBucketCommand({ Bucket: 'short-lived' }));
  const gone = await failure(() => s3.send(new HeadBucketCommand({ Bucket: 'short-lived' })));
  assert.equal(gone.$metadata?.httpStatusCode, 404);
});

test('objects larger than the configured limit are refused with EntityTooLarge', async () => {
  const limited = await serve({ maxObjectBytes: 1000 });
  try {
    const s3 = new S3Client({ endpoint: limited.url, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET }, maxAttempts: 1 });
    const err = await failure(() => s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'too-big', Body: Buffer.alloc(1001) })));
    assert.equal(err.name, 'EntityTooLarge');
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'just-fits', Body: Buffer.alloc(1000) }));
  } finally {
    await stop(limited);
  }
});

test('presigned URLs verify against the AWS documentation examples (SigV4 and SigV2)', () => {
  const docSecret = (id: string) => (id === 'AKIAIOSFODNN7EXAMPLE' ? 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' : undefined);
  // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)".
  const v4 = {
    method: 'GET',
    path: '/test.txt',
    query:
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    headers: { host: 'examplebucket.s3.amazonaws.com' },
  };
  assert.equal(verifyPresigned(v4, { secretFor: docSecret, now: new Date('2013-05-24T12:00:00Z') }).accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
  assert.throws(() => verifyPresigned(v4, { secretFor: docSecret, now: new Date('2013-05-26T00:00:00Z') }), { code: 'AccessDenied', message: 'Request has expired' });
  assert.throws(() => verifyPresigned({ ...v4, path: '/other.txt' }, { secretFor: docSecret, now: new Date('2013-05-24T12:00:00Z') }), { code: 'SignatureDoesNotMatch' });
  // "Query String Request Authentication Alternative" (Signature Version 2), path-style.
  const v2 = {
    method: 'GET',
    path: '/johnsmith/photos/puppy.jpg',
    query: 'AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620',
    headers: { host: 's3.amazonaws.com' },
  };
  assert.equal(verifyPresignedV2(v2, { secretFor: docSecret, now: new Date('2007-03-29T00:00:00Z') }).accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
  assert.throws(() => verifyPresignedV2(v2, { secretFor: docSecret, now: new Date('2008-01-01T00:00:00Z') }), { code: 'AccessDenied' });
});

test('an unexpected failure answers a generic InternalError and is logged with the request id', async (t) => {
  const broken: BlobStore = {
    ...blobs,
    put: () => Promise.reject(new Error('disk on fire at /var/lib/argus/blobs/secret')),
    get: (id, range) => blobs.get(id, range),
    read: (id) => blobs.read(id),
    readBuffer: (id, max) => blobs.readBuffer(id, max),
    stat: (id) => blobs.stat(id),
    delete: (id) => blobs.delete(id),
  };
  const logged = t.mock.method(console, 'error', () => {});
  const failing = await serve({ blobs: broken });
  try {
    const path = '/photos/will-fail.txt';
    const res = await send(failing.url, 'PUT', path, signHeaders('PUT', path, hostOf(failing.url), sha256Hex('x')), 'x');
    assert.equal(res.status, 500);
    const xml = res.body.toString();
    assert.match(xml, /<Code>InternalError<\/Code>/);
    assert.doesNotMatch(xml, /fire|\/var\/lib|at /);
    assert.equal(logged.mock.callCount(), 1);
    assert.match(String(logged.mock.calls[0]!.arguments[0]), /TESTREQ\d+/);
  } finally {
    await stop(failing);
  }
});

test('a streamed body that grows past the limit is refused with EntityTooLarge and the server keeps serving', async () => {
  const limited = await serve({ maxObjectBytes: 100_000 });
  try {
    const path = '/photos/endless.bin';
    const headers = signHeaders('PUT', path, hostOf(limited.url), 'UNSIGNED-PAYLOAD', { 'transfer-encoding': 'chunked' });
    const res = await send(limited.url, 'PUT', path, headers, randomBytes(300_000));
    assert.equal(res.status, 400);
    assert.match(res.body.toString(), /<Code>EntityTooLarge<\/Code>/);
    assert.equal(metadata.buckets.getObject('photos', 'endless.bin'), undefined);
    const after = await send(limited.url, 'GET', '/', signHeaders('GET', '/', hostOf(limited.url), sha256Hex('')));
    assert.equal(after.status, 200);
  } finally {
    await stop(limited);
  }
});

test('a write refused part-way leaves no temp file, even when it fails before the file is opened', async () => {
  // The refusal can come before the temp file's open completes; the store must wait for it to close.
  const dir = mkdtempSync(join(tmpdir(), 'argus-blobs-'));
  try {
    const store = new FsBlobStore(dir);
    let leftAfter = 0;
    for (let i = 0; i < 150; i++) {
      await assert.rejects(store.put(Readable.from([randomBytes(20_000)]), { maxBytes: 10_000 }), BlobTooLargeError);
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (readdirSync(join(dir, 'tmp')).length > 0) leftAfter = i + 1;
    }
    assert.equal(leftAfter, 0, 'a temp file appeared after a refused write');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The aws CLI with only the test's credentials, whatever the machine's own configuration says. */
function awsCli(args: string[], home: string, configFile = join(home, 'no-config')) {
  return execFileAsync('aws', [...args, '--endpoint-url', main.url], {
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      AWS_ACCESS_KEY_ID: KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: configFile,
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
}

async function awsCliAvailable(): Promise<boolean> {
  try {
    await execFileAsync('aws', ['--version'], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

test('the aws CLI makes a bucket, copies files up (one multipart) and down, lists, presigns and removes them', async (t) => {
  if (!(await awsCliAvailable())) {
    t.skip('the aws CLI is not on PATH; install it (pip install awscli) to run this test');
    return;
  }
  const home = mkdtempSync(join(tmpdir(), 'argus-awscli-'));
  try {
    const small = join(home, 'street.jpg');
    const large = join(home, 'large.bin');
    writeFileSync(small, randomBytes(2048));
    writeFileSync(large, randomBytes(10 * 1024 * 1024));

    await awsCli(['s3', 'mb', 's3://cli-bucket'], home);
    await awsCli(['s3', 'cp', small, 's3://cli-bucket/'], home);
    await awsCli(['s3', 'cp', large, 's3://cli-bucket/nested/large.bin'], home);
    const etag = metadata.buckets.getObject('cli-bucket', 'nested/large.bin')?.etag ?? '';
    assert.match(etag, /-2"$/, 'a 10 MB upload goes multipart (8 MB + 2 MB)');

    const top = (await awsCli(['s3', 'ls', 's3://cli-bucket/'], home)).stdout;
    assert.match(top, /PRE nested\//);
    assert.match(top, /2048 street\.jpg/);
    const recursive = (await awsCli(['s3', 'ls', '--recursive', 's3://cli-bucket/'], home)).stdout;
    assert.match(recursive, /10485760 nested\/large\.bin/);
    const buckets = (await awsCli(['s3', 'ls'], home)).stdout;
    assert.match(buckets, /cli-bucket/);

    await awsCli(['s3', 'cp', 's3://cli-bucket/street.jpg', join(home, 'street.back.jpg')], home);
    await awsCli(['s3', 'cp', 's3://cli-bucket/nested/large.bin', join(home, 'large.back.bin')], home);
    assert.deepEqual(readFileSync(join(home, 'street.back.jpg')), readFileSync(small));
    assert.ok(readFileSync(join(home, 'large.back.bin')).equals(readFileSync(large)), 'the 10 MB file comes back byte for byte');

    // CLI v1 presigns with SigV2 by default, and with SigV4 when configured for s3v4.
    const v4config = join(home, 'v4-config');
    writeFileSync(v4config, '[default]\ns3 =\n    signature_version = s3v4\n');
    const urls = [
      (await awsCli(['s3', 'presign', 's3://cli-bucket/street.jpg', '--expires-in', '300'], home)).stdout.trim(),
      (await awsCli(['s3', 'presign', 's3://cli-bucket/street.jpg', '--expires-in', '300'], home, v4config)).stdout.trim(),
    ];
    assert.match(urls[1]!, /X-Amz-Signature=/);
    for (const url of urls) {
      const fetched = await fetch(url);
      assert.equal(fetched.status, 200, url);
      assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), readFileSync(small));
      const forged = await fetch(url.replace(/Signature=[^&]{4}/, 'Signature=AAAA'));
      assert.equal(forged.status, 403, url);
    }

    await awsCli(['s3', 'rm', 's3://cli-bucket/street.jpg'], home);
    await awsCli(['s3', 'rm', '--recursive', 's3://cli-bucket/nested/'], home);
    const after = (await awsCli(['s3', 'ls', '--recursive', 's3://cli-bucket/'], home)).stdout;
    assert.equal(after.trim(), '');
    await awsCli(['s3', 'rb', 's3://cli-bucket'], home);
    assert.equal(metadata.buckets.getBucket('cli-bucket'), undefined);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('after everything above, every stored blob belongs to an object and no temp file is left', async () => {
  const { readdirSync } = await import('node:fs');
  const root = join(dataDir, 'blobs');
  const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  const temps = files.filter((e) => e.parentPath === join(root, 'tmp') || e.path === join(root, 'tmp'));
  assert.deepEqual(temps.map((e) => e.name), []);
  const referenced = new Set<string>();
  for (const b of metadata.buckets.listBuckets()) {
    for (const o of metadata.buckets.listObjects({ bucket: b.name, limit: 1_000_000 })) referenced.add(o.blobId);
    for (const u of metadata.buckets.listUploads(b.name)) for (const p of metadata.buckets.listParts(u.uploadId)) referenced.add(p.blobId);
  }
  assert.deepEqual(new Set(files.filter((e) => !temps.includes(e)).map((e) => e.name)), referenced);
});
