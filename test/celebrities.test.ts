import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCelebrityInfoCommand, RecognizeCelebritiesCommand } from '@aws-sdk/client-rekognition';
import { startTestServer, EVAL_DATA, hasEvalData, NO_EVAL_DATA, type TestServer } from './helpers/server.js';
import { errorOf } from './helpers/errors.js';
import { decodeImage, BYTES_LIMITS } from '../src/media/image.js';

const fr = (f: string) => readFileSync(join(EVAL_DATA, 'faces-face-recognition', f));

describe('RecognizeCelebrities and GetCelebrityInfo against the operator gallery', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ warmUp: false });
  });
  after(async () => {
    await t.close();
  });

  it('with an empty gallery, recognizes no one and lists every face as unrecognized', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    const r = await t.rekognition.send(new RecognizeCelebritiesCommand({ Image: { Bytes: fr('examples/two_people.jpg') } }));
    assert.deepEqual(r.CelebrityFaces, []);
    assert.equal(r.UnrecognizedFaces!.length, 2);
    for (const f of r.UnrecognizedFaces!) assert.ok(f.BoundingBox && f.Landmarks!.length === 30 && f.Pose && f.Quality);
  });

  it('names a person the operator added, in another photo, and not the person beside him', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    const gallery = t.argus.services.celebrities;
    const obama = await gallery.add({
      name: 'Barack Obama',
      urls: ['www.example.org/obama'],
      knownGender: 'Male',
      images: [{ name: 'obama.jpg', img: await decodeImage(fr('examples/obama.jpg'), BYTES_LIMITS) }],
    });
    const r = await t.rekognition.send(new RecognizeCelebritiesCommand({ Image: { Bytes: fr('examples/two_people.jpg') } }));
    assert.equal(r.CelebrityFaces!.length, 1);
    const c = r.CelebrityFaces![0]!;
    assert.equal(c.Name, 'Barack Obama');
    assert.equal(c.Id, obama.id);
    assert.deepEqual(c.Urls, ['www.example.org/obama']);
    assert.equal(c.KnownGender!.Type, 'Male');
    assert.ok(c.MatchConfidence! >= 90);
    assert.equal(r.UnrecognizedFaces!.length, 1, 'Biden is not in the gallery');
    const info = await t.rekognition.send(new GetCelebrityInfoCommand({ Id: obama.id }));
    assert.equal(info.Name, 'Barack Obama');
    assert.deepEqual(info.Urls, ['www.example.org/obama']);
    assert.equal(info.KnownGender!.Type, 'Male');
  });

  it('GetCelebrityInfo of an unknown id is ResourceNotFoundException', async () => {
    const e = await errorOf(t.rekognition.send(new GetCelebrityInfoCommand({ Id: 'nobody123' })));
    assert.equal(e.name, 'ResourceNotFoundException');
  });

  it('refuses a reference photo without a face', async () => {
    const sharp = (await import('sharp')).default;
    const blank = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#777' } }).png().toBuffer();
    await assert.rejects(t.argus.services.celebrities.add({ name: 'Nobody', urls: [], images: [{ name: 'blank.png', img: await decodeImage(blank, BYTES_LIMITS) }] }), /There is no face in blank\.png/);
    assert.ok(!t.argus.services.celebrities.list().some((c) => c.name === 'Nobody'));
  });
});
