import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from './helpers/sha256.js';
import { verifySigV4, sha256Hex } from '../src/edge/sigv4.js';
import { ServiceError } from '../src/edge/errors.js';


const KEY = { accessKeyId: 'AKIATESTKEY000000001', secretAccessKey: 'test-secret-key-0123456789abcdefghijklmn' };
const secretFor = (id: string) => (id === KEY.accessKeyId ? KEY.secretAccessKey : undefined);

async function sign(body: string, opts: { secret?: string; date?: Date; service?: string; path?: string; query?: Record<string, string> } = {}) {
  const signer = new SignatureV4({
    service: opts.service ?? 'rekognition',
    region: 'us-east-1',
    credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: opts.secret ?? KEY.secretAccessKey },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4600,
      path: opts.path ?? '/',
      query: opts.query ?? {},
      headers: { host: '127.0.0.1:4600', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.DetectLabels' },
      body,
    },
    { signingDate: opts.date ?? new Date() },
  );
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const query = Object.entries(opts.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return { method: 'POST', path: opts.path ?? '/', query, headers, payloadHash: sha256Hex(body) };
}

const typeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as ServiceError).type;
  }
  return 'no error';
};

describe('SigV4 verification', () => {
  it('accepts a request signed by the AWS SDK signer', async () => {
    const req = await sign('{"Image":{}}');
    assert.equal(verifySigV4(req, { service: 'rekognition', secretFor }).accessKeyId, KEY.accessKeyId);
  });

  it('accepts a signed query string with characters that need encoding', async () => {
    const req = await sign('', { query: { prefix: 'a b/c', 'list-type': '2' }, service: 's3', path: '/bucket/some key.jpg' });
    req.path = '/bucket/some%20key.jpg';
    assert.equal(verifySigV4(req, { service: 's3', secretFor }).accessKeyId, KEY.accessKeyId);
  });

  it('refuses a wrong secret key with InvalidSignatureException', async () => {
    const req = await sign('{}', { secret: 'wrong-secret' });
    assert.equal(typeOf(() => verifySigV4(req, { service: 'rekognition', secretFor })), 'InvalidSignatureException');
  });

  it('refuses an unknown access key with UnrecognizedClientException', async () => {
    const req = await sign('{}');
    assert.equal(typeOf(() => verifySigV4(req, { service: 'rekognition', secretFor: () => undefined })), 'UnrecognizedClientException');
  });

  it('refuses a body that differs from the signed payload', async () => {
    const req = await sign('{"a":1}');
    req.payloadHash = sha256Hex('{"a":2}');
    assert.equal(typeOf(() => verifySigV4(req, { service: 'rekognition', secretFor })), 'InvalidSignatureException');
  });

  it('refuses a request signed more than 15 minutes ago', async () => {
    const req = await sign('{}', { date: new Date(Date.now() - 20 * 60 * 1000) });
    assert.equal(typeOf(() => verifySigV4(req, { service: 'rekognition', secretFor })), 'InvalidSignatureException');
  });

  it('refuses a signature scoped to another service', async () => {
    const req = await sign('{}', { service: 'ec2' });
    assert.equal(typeOf(() => verifySigV4(req, { service: 'rekognition', secretFor })), 'IncompleteSignatureException');
  });

  it('refuses a request with no Authorization header', () => {
    assert.equal(typeOf(() => verifySigV4({ method: 'POST', path: '/', query: '', headers: {}, payloadHash: sha256Hex('') }, { service: 'rekognition', secretFor })), 'MissingAuthenticationTokenException');
  });
});
