import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './helpers/server.js';
import { rawCall } from './helpers/raw-call.js';


describe('the AWS JSON 1.1 protocol on the wire', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ maxBodyBytes: 64 * 1024 });
  });
  after(async () => {
    await t.close();
  });

  const send = (target: string, body: string, method = 'POST') => rawCall(t.argus.url, target, body, method);

  it('answers errors with __type, Message, x-amzn-ErrorType and x-amzn-RequestId', async () => {
    const r = await send('RekognitionService.DetectLabels', '{"Image":');
    assert.equal(r.status, 400);
    assert.equal(r.body.__type, 'SerializationException');
    assert.equal(r.headers.get('x-amzn-errortype'), 'SerializationException');
    assert.match(r.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(typeof r.body.Message, 'string');
  });

  it('answers an operation the service does not have with UnknownOperationException', async () => {
    const r = await send('RekognitionService.DetectUnicorns', '{}');
    assert.equal(r.body.__type, 'UnknownOperationException');
  });

  it('answers a request without a signature with MissingAuthenticationTokenException', async () => {
    const res = await fetch(`${t.argus.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.DetectLabels' }, body: '{}' });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
  });

  it('refuses a body over the size limit with 413 and stays up', async () => {
    const big = JSON.stringify({ Image: { Bytes: 'A'.repeat(100 * 1024) } });
    const r = await send('RekognitionService.DetectLabels', big);
    assert.equal(r.status, 413);
    assert.equal(r.body.__type, 'RequestEntityTooLargeException');
    const ok = await fetch(`${t.argus.url}/health`);
    assert.equal(ok.status, 200);
  });

  it('answers a JSON array body with SerializationException', async () => {
    assert.equal((await send('RekognitionService.DetectLabels', '[1,2]')).body.__type, 'SerializationException');
  });

  it('treats an empty body as an empty input and reports the missing Image', async () => {
    const r = await send('RekognitionService.DetectLabels', '');
    assert.equal(r.body.__type, 'ValidationException');
  });
});
