import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DetectLabelsCommand, DetectFacesCommand, DescribeStreamProcessorCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestServer, TEST_KEY, EVAL_DATA, hasEvalData, NO_EVAL_DATA, type TestServer } from './helpers/server.js';
import { errorOf } from './helpers/errors.js';


/** A project-owned photo-like fixture: gradients and shapes, 640x480 JPEG. */
async function fixtureJpeg(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">
    <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#4a90d9"/><stop offset="1" stop-color="#e8f1fa"/></linearGradient></defs>
    <rect width="640" height="480" fill="url(#g)"/><rect y="330" width="640" height="150" fill="#3c7a3c"/>
    <circle cx="520" cy="90" r="50" fill="#ffd23f"/><rect x="120" y="220" width="200" height="140" fill="#b03a2e"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

describe('the Rekognition API through the official SDK', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  it('answers DetectLabels on image bytes with the model version and image properties', async () => {
    const r = await t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: await fixtureJpeg() }, Features: ['GENERAL_LABELS', 'IMAGE_PROPERTIES'] }));
    assert.ok(Array.isArray(r.Labels));
    assert.match(r.LabelModelVersion ?? '', /centernet/);
    const props = r.ImageProperties!;
    assert.ok(props.Quality!.Brightness! > 30 && props.Quality!.Brightness! <= 100);
    const top = props.DominantColors!.map((c) => c.SimplifiedColor);
    assert.ok(top.includes('blue'), `dominant colours ${top.join(',')} should include blue sky`);
    assert.ok(props.DominantColors!.every((c) => /^#[0-9A-Fa-f]{6}$/.test(c.HexCode!)));
    assert.ok(props.Foreground && props.Background);
  });

  it('refuses a wrong secret key with InvalidSignatureException', async () => {
    const bad = new RekognitionClient({ endpoint: t.argus.url, region: 'us-east-1', credentials: { ...TEST_KEY, secretAccessKey: 'not-the-secret' }, maxAttempts: 1 });
    const e = await errorOf(bad.send(new DetectLabelsCommand({ Image: { Bytes: await fixtureJpeg() } })));
    assert.equal(e.name, 'InvalidSignatureException');
    assert.equal(e.$metadata.httpStatusCode, 403);
    bad.destroy();
  });

  it('refuses an unknown access key with UnrecognizedClientException', async () => {
    const bad = new RekognitionClient({ endpoint: t.argus.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIANOTKNOWN00000000', secretAccessKey: 'x' }, maxAttempts: 1 });
    const e = await errorOf(bad.send(new DetectLabelsCommand({ Image: { Bytes: await fixtureJpeg() } })));
    assert.equal(e.name, 'UnrecognizedClientException');
    bad.destroy();
  });

  it('answers a non-image with InvalidImageFormatException and a request id, without a stack trace', async () => {
    const e = await errorOf(t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: Buffer.from('GIF89a not really an image at all') } })));
    assert.equal(e.name, 'InvalidImageFormatException');
    assert.ok(e.$metadata.requestId);
    assert.doesNotMatch(e.message, /at \w+ \(|node_modules|\/src\//);
  });

  it('answers constraint violations with ValidationException', async () => {
    const e = await errorOf(t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: await fixtureJpeg() }, MinConfidence: 150 })));
    assert.equal(e.name, 'ValidationException');
    assert.match(e.message, /minConfidence/);
  });

  it('answers an S3Object that does not exist with InvalidS3ObjectException', async () => {
    const e = await errorOf(t.rekognition.send(new DetectLabelsCommand({ Image: { S3Object: { Bucket: 'nope', Name: 'missing.jpg' } } })));
    assert.equal(e.name, 'InvalidS3ObjectException');
  });

  it('names an operation that is not built yet in a clear not-implemented error', async () => {
    const e = await errorOf(t.rekognition.send(new DescribeStreamProcessorCommand({ Name: 'front-door' })));
    assert.equal(e.name, 'NotImplementedException');
    assert.match(e.message, /DescribeStreamProcessor is not implemented/);
    assert.equal(e.$metadata.httpStatusCode, 501);
  });

  it('still validates the input of an operation that is not built yet', async () => {
    const e = await errorOf(t.rekognition.send(new DetectFacesCommand({ Image: {}, Attributes: ['NOPE' as never] })));
    assert.equal(e.name, 'ValidationException');
  });

  it('reports each model, its backend and readiness at /health', async () => {
    await t.argus.services.runtime.warmUp(['centernet']);
    const h = (await (await fetch(`${t.argus.url}/health`)).json()) as { models: { id: string; state: string; backend?: string; fallback?: string }[]; operations: { total: number } };
    const centernet = h.models.find((m) => m.id === 'centernet')!;
    assert.equal(centernet.state, 'ready');
    assert.equal(centernet.backend, 'onnx', `fell back: ${centernet.fallback}`);
    assert.equal(centernet.fallback, undefined);
    assert.equal(h.operations.total, 75);
  });

  it('finds the bus and the people in bus.jpg, from bytes and from an S3 object', { skip: !hasEvalData && NO_EVAL_DATA }, async () => {
    const bytes = readFileSync(join(EVAL_DATA, 'labels-classics-unannotated', 'bus.jpg'));
    await t.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    await t.s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'street/bus.jpg', Body: bytes, ContentType: 'image/jpeg' }));
    for (const Image of [{ Bytes: bytes }, { S3Object: { Bucket: 'photos', Name: 'street/bus.jpg' } }]) {
      const r = await t.rekognition.send(new DetectLabelsCommand({ Image }));
      const byName = new Map(r.Labels!.map((l) => [l.Name, l]));
      const bus = byName.get('Bus');
      assert.ok(bus, `labels were ${[...byName.keys()].join(', ')}`);
      assert.deepEqual(bus.Parents!.map((p) => p.Name).sort(), ['Transportation', 'Vehicle']);
      assert.ok(bus.Categories!.length > 0);
      assert.ok(byName.get('Vehicle') && byName.get('Transportation'), 'parents are labels too');
      const people = byName.get('Person')!;
      assert.ok(people.Instances!.length >= 3, `found ${people.Instances!.length} people`);
      for (const i of people.Instances!) {
        const b = i.BoundingBox!;
        assert.ok(b.Left! >= 0 && b.Top! >= 0 && b.Left! + b.Width! <= 1.0001 && b.Top! + b.Height! <= 1.0001);
      }
    }
  });

  it('honours MaxLabels and label inclusion filters', { skip: !hasEvalData && NO_EVAL_DATA }, async () => {
    const bytes = readFileSync(join(EVAL_DATA, 'labels-classics-unannotated', 'bus.jpg'));
    const one = await t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: bytes }, MaxLabels: 1 }));
    assert.equal(one.Labels!.length, 1);
    const only = await t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: bytes }, Settings: { GeneralLabels: { LabelInclusionFilters: ['Person'] } } }));
    assert.deepEqual(only.Labels!.map((l) => l.Name), ['Person']);
  });
});
