import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DetectLabelsCommand, DetectModerationLabelsCommand } from '@aws-sdk/client-rekognition';
import { startTestServer, EVAL_DATA, hasEvalData, NO_EVAL_DATA, type TestServer } from './helpers/server.js';
import { errorOf } from './helpers/errors.js';


/** A cartoon face drawn by the test (flat colours, outlines, a speech bubble, screentone dots). */
async function cartoon(): Promise<Buffer> {
  let dots = '';
  for (let y = 424; y < 640; y += 8) for (let x = (y / 8) % 2 ? 8 : 0; x < 480; x += 16) dots += `<circle cx="${x}" cy="${y}" r="2" fill="#888"/>`;
  const eyes = [195, 285]
    .map((cx) => `<ellipse cx="${cx}" cy="300" rx="28" ry="38" fill="#fff" stroke="#000" stroke-width="4"/><ellipse cx="${cx}" cy="308" rx="18" ry="28" fill="#3a86ff"/><circle cx="${cx}" cy="310" r="10" fill="#000"/>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="640"><rect width="480" height="640" fill="#fdfdfd"/>${dots}
    <path d="M110 250 L90 120 L150 180 L170 70 L220 160 L260 60 L290 160 L340 80 L340 190 L390 130 L370 260 Z" fill="#222" stroke="#000" stroke-width="4"/>
    <path d="M140 230 Q140 400 240 440 Q340 400 340 230 Z" fill="#ffe8d6" stroke="#000" stroke-width="4"/>${eyes}
    <path d="M228 395 Q240 402 252 395" stroke="#000" stroke-width="3" fill="none"/>
    <path d="M170 440 L120 640 L360 640 L310 440 Q240 470 170 440 Z" fill="#fff" stroke="#000" stroke-width="4"/>
    <ellipse cx="390" cy="70" rx="80" ry="50" fill="#fff" stroke="#000" stroke-width="3"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

describe('DetectModerationLabels through the official SDK (InceptionV3, the default)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ warmUp: false });
  });
  after(async () => {
    await t.close();
  });

  it('finds nothing unsafe in an ordinary photo, and says which model answered', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    const r = await t.rekognition.send(new DetectModerationLabelsCommand({ Image: { Bytes: readFileSync(join(EVAL_DATA, 'labels-classics-unannotated', 'bus.jpg')) } }));
    assert.deepEqual(r.ModerationLabels, []);
    assert.deepEqual(r.ContentTypes, []);
    assert.equal(r.ModerationModelVersion, 'argus/nsfw-inception-v3');
    assert.equal(r.HumanLoopActivationOutput, undefined);
    await t.argus.services.runtime.warmUp(['nsfw-inception-v3']);
    const health = t.argus.services.runtime.health().find((h) => h.id === 'nsfw-inception-v3')!;
    assert.equal(health.state, 'ready');
    assert.equal(health.backend, 'onnx');
  });

  it('calls a painting Illustrated, with no moderation label', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    const r = await t.rekognition.send(new DetectModerationLabelsCommand({ Image: { Bytes: readFileSync(join(EVAL_DATA, 'labels-classics-unannotated', 'scream.jpg')) } }));
    assert.deepEqual(r.ModerationLabels, []);
    assert.equal(r.ContentTypes!.length, 1);
    assert.equal(r.ContentTypes![0]!.Name, 'Illustrated');
    assert.ok(r.ContentTypes![0]!.Confidence! > 80, `confidence ${r.ContentTypes![0]!.Confidence}`);
  });

  it('gives no explicit label to a generated cartoon', async () => {
    const r = await t.rekognition.send(new DetectModerationLabelsCommand({ Image: { Bytes: await cartoon() } }));
    assert.deepEqual(r.ModerationLabels, []);
    // The model is unsure this flat drawing is a drawing (InceptionV3: Drawing about 0.25): no ContentTypes either.
    for (const c of r.ContentTypes ?? []) assert.notEqual(c.Name, 'Animated');
  });

  it('returns every label it can at MinConfidence 0, each with its ParentName and TaxonomyLevel, parents first', async () => {
    const r = await t.rekognition.send(new DetectModerationLabelsCommand({ Image: { Bytes: await cartoon() }, MinConfidence: 0 }));
    const got = r.ModerationLabels!.map((l) => [l.Name, l.ParentName, l.TaxonomyLevel]);
    assert.deepEqual([...got].sort((a, b) => String(a[0]).localeCompare(String(b[0]))), [
      ['Explicit', '', 1],
      ['Explicit Nudity', 'Explicit', 2],
      ['Swimwear or Underwear', '', 1],
    ]);
    assert.deepEqual(got[2], ['Explicit Nudity', 'Explicit', 2]);
    for (const l of r.ModerationLabels!) assert.ok(l.Confidence! >= 0 && l.Confidence! < 50, `${l.Name} ${l.Confidence}`);
    assert.deepEqual(r.ContentTypes!.map((c) => c.Name).sort(), ['Animated', 'Illustrated']);
  });

  it('accepts HumanLoopConfig and answers without HumanLoopActivationOutput (there is no human review workflow)', async () => {
    const r = await t.rekognition.send(
      new DetectModerationLabelsCommand({
        Image: { Bytes: await cartoon() },
        HumanLoopConfig: { HumanLoopName: 'review-1', FlowDefinitionArn: 'arn:aws:sagemaker:us-east-1:123456789012:flow-definition/moderation' },
      }),
    );
    assert.deepEqual(r.ModerationLabels, []);
    assert.equal(r.HumanLoopActivationOutput, undefined);
  });

  it('refuses a custom moderation adapter (ProjectVersion) instead of silently using the base model', async () => {
    const e = await errorOf(
      t.rekognition.send(new DetectModerationLabelsCommand({ Image: { Bytes: await cartoon() }, ProjectVersion: 'arn:aws:rekognition:us-east-1:123456789012:project/adapters/version/v1/1' })),
    );
    assert.equal(e.name, 'ResourceNotFoundException');
    assert.match(e.message, /no custom moderation adapters/);
  });

  it('answers a bad image with the same error as DetectLabels', async () => {
    for (const bytes of [Buffer.from('GIF89a not really an image at all'), await sharp({ create: { width: 60, height: 60, channels: 3, background: '#888' } }).png().toBuffer()]) {
      const moderation = await errorOf(t.rekognition.send(new DetectModerationLabelsCommand({ Image: { Bytes: bytes } })));
      const labels = await errorOf(t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: bytes } })));
      assert.equal(moderation.name, labels.name);
      assert.equal(moderation.message, labels.message);
    }
    const missing = await errorOf(t.rekognition.send(new DetectModerationLabelsCommand({ Image: { S3Object: { Bucket: 'no-such-bucket', Name: 'x.jpg' } } })));
    const missingLabels = await errorOf(t.rekognition.send(new DetectLabelsCommand({ Image: { S3Object: { Bucket: 'no-such-bucket', Name: 'x.jpg' } } })));
    assert.equal(missing.name, missingLabels.name);
  });

  it('adds Drawing and Illustration (under Art) to DetectLabels for a painting, unless filtered out, and not for a photo', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    const scream = readFileSync(join(EVAL_DATA, 'labels-classics-unannotated', 'scream.jpg'));
    const r = await t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: scream } }));
    const byName = new Map(r.Labels!.map((l) => [l.Name, l]));
    assert.ok(byName.has('Drawing') && byName.has('Illustration') && byName.has('Art'), `labels were ${[...byName.keys()].join(', ')}`);
    assert.deepEqual(byName.get('Drawing')!.Parents, [{ Name: 'Art' }]);
    assert.deepEqual(byName.get('Drawing')!.Instances, []);
    const filtered = await t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: scream }, Settings: { GeneralLabels: { LabelExclusionFilters: ['Drawing', 'Illustration'] } } }));
    assert.ok(!filtered.Labels!.some((l) => l.Name === 'Drawing' || l.Name === 'Illustration'));
    const bus = await t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: readFileSync(join(EVAL_DATA, 'labels-classics-unannotated', 'bus.jpg')) } }));
    assert.ok(!bus.Labels!.some((l) => l.Name === 'Drawing' || l.Name === 'Art'), `labels were ${bus.Labels!.map((l) => l.Name).join(', ')}`);
  });
});

describe('the unpacked classifier in the data folder', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'argus-moderation-cache-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const unpackedFiles = () => {
    const root = join(dataDir, 'models', 'nsfw-mobilenet-v2');
    if (!existsSync(root)) return [];
    return readdirSync(root).map((key) => join(root, key, 'model.json'));
  };

  it('is unpacked from nsfwjs once, on first use, and reused by the next start', async () => {
    const image = await cartoon();
    const first = await startTestServer({ dataDir, warmUp: false, moderationModel: 'mobilenet-v2' });
    try {
      assert.deepEqual(unpackedFiles(), []);
      const r = await first.rekognition.send(new DetectModerationLabelsCommand({ Image: { Bytes: image } }));
      assert.equal(r.ModerationModelVersion, 'argus/nsfw-mobilenet-v2');
    } finally {
      await first.close();
    }
    const files = unpackedFiles();
    assert.equal(files.length, 1);
    const written = statSync(files[0]!).mtimeMs;
    const onnx = readdirSync(join(dataDir, 'models', 'onnx')).filter((f) => f.endsWith('.onnx'));
    assert.equal(onnx.length, 1);

    const second = await startTestServer({ dataDir, warmUp: false, moderationModel: 'mobilenet-v2' });
    try {
      await second.argus.services.runtime.warmUp(['nsfw-mobilenet-v2']);
      const r = await second.rekognition.send(new DetectModerationLabelsCommand({ Image: { Bytes: image } }));
      assert.deepEqual(r.ModerationLabels, []);
      assert.equal(second.argus.services.runtime.health().find((h) => h.id === 'nsfw-mobilenet-v2')!.backend, 'onnx');
    } finally {
      await second.close();
    }
    // The same files, untouched: nothing was unpacked or converted again.
    assert.deepEqual(unpackedFiles(), files);
    assert.equal(statSync(files[0]!).mtimeMs, written);
    assert.deepEqual(readdirSync(join(dataDir, 'models', 'onnx')).filter((f) => f.endsWith('.onnx')), onnx);
  });
});
