import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { CompareFacesCommand, DetectFacesCommand, type FaceDetail } from '@aws-sdk/client-rekognition';
import { startTestServer, EVAL_DATA, hasEvalData, NO_EVAL_DATA, type TestServer } from './helpers/server.js';
import { errorOf } from './helpers/errors.js';

const group = (n: number) => readFileSync(join(EVAL_DATA, 'faces-bbt-identities', 'group', `bbt${n}.jpg`));
const identity = (who: string, n: number) => readFileSync(join(EVAL_DATA, 'faces-bbt-identities', 'identities', who, `${who}${n}.png`));

/** A landscape with no face in it. */
async function noFace(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="640" height="300" fill="#8ec5ff"/>
    <rect y="300" width="640" height="180" fill="#3c8d2f"/><circle cx="520" cy="90" r="50" fill="#ffd93b"/>
    <path d="M0 300 L160 140 L320 300 Z" fill="#6b6b6b"/><path d="M240 300 L420 110 L600 300 Z" fill="#7d7d7d"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg().toBuffer();
}

const REKOGNITION_LANDMARKS = [
  'eyeLeft', 'eyeRight', 'nose', 'mouthLeft', 'mouthRight', 'leftEyeBrowLeft', 'leftEyeBrowRight', 'leftEyeBrowUp',
  'rightEyeBrowLeft', 'rightEyeBrowRight', 'rightEyeBrowUp', 'leftEyeLeft', 'leftEyeRight', 'leftEyeUp', 'leftEyeDown',
  'rightEyeLeft', 'rightEyeRight', 'rightEyeUp', 'rightEyeDown', 'noseLeft', 'noseRight', 'mouthUp', 'mouthDown',
  'leftPupil', 'rightPupil', 'upperJawlineLeft', 'midJawlineLeft', 'chinBottom', 'midJawlineRight', 'upperJawlineRight',
].sort();

function inside(p: { X?: number; Y?: number }, f: FaceDetail, margin: number): boolean {
  const b = f.BoundingBox!;
  return p.X! >= b.Left! - margin && p.X! <= b.Left! + b.Width! + margin && p.Y! >= b.Top! - margin && p.Y! <= b.Top! + b.Height! + margin;
}

describe('DetectFaces and CompareFaces through the official SDK', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ warmUp: false });
  });
  after(async () => {
    await t.close();
  });

  it('finds no face in a landscape', async () => {
    const r = await t.rekognition.send(new DetectFacesCommand({ Image: { Bytes: await noFace() } }));
    assert.deepEqual(r.FaceDetails, []);
  });

  it('finds the six faces of a group photo with the default FaceDetail', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    const r = await t.rekognition.send(new DetectFacesCommand({ Image: { Bytes: group(4) } }));
    assert.equal(r.FaceDetails!.length, 6);
    for (const f of r.FaceDetails!) {
      assert.ok(f.Confidence! > 50);
      assert.deepEqual(f.Landmarks!.map((l) => l.Type).sort(), REKOGNITION_LANDMARKS);
      for (const l of f.Landmarks!) assert.ok(inside(l, f, 0.05), `${l.Type} lies outside its face`);
      const eyeL = f.Landmarks!.find((l) => l.Type === 'eyeLeft')!;
      const eyeR = f.Landmarks!.find((l) => l.Type === 'eyeRight')!;
      const chin = f.Landmarks!.find((l) => l.Type === 'chinBottom')!;
      assert.ok(eyeL.X! < eyeR.X!, 'eyeLeft is the eye on the left of the image');
      assert.ok(chin.Y! > eyeL.Y!, 'the chin is below the eyes');
      for (const k of ['Roll', 'Yaw', 'Pitch'] as const) assert.ok(Math.abs(f.Pose![k]!) < 45, `${k} ${f.Pose![k]} for a face turned to the camera`);
      assert.ok(f.Quality!.Brightness! > 20 && f.Quality!.Sharpness! > 30, JSON.stringify(f.Quality));
      assert.equal(f.AgeRange, undefined);
      assert.equal(f.Emotions, undefined);
    }
  });

  it('with ALL, tells the three women from the three men and sees the smiles', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    const r = await t.rekognition.send(new DetectFacesCommand({ Image: { Bytes: group(4) }, Attributes: ['ALL'] }));
    const faces = r.FaceDetails!;
    assert.equal(faces.filter((f) => f.Gender!.Value === 'Female').length, 3);
    assert.equal(faces.filter((f) => f.Gender!.Value === 'Male').length, 3);
    assert.ok(faces.filter((f) => f.Smile!.Value).length >= 5, 'five of the six smile broadly');
    for (const f of faces) {
      assert.ok(f.AgeRange!.Low! >= 10 && f.AgeRange!.High! <= 65 && f.AgeRange!.Low! < f.AgeRange!.High!, JSON.stringify(f.AgeRange));
      assert.equal(f.Emotions!.length, 7);
      assert.ok(!f.Emotions!.some((e) => e.Type === 'CONFUSED'), 'no model predicts CONFUSED');
      assert.equal(f.EyesOpen!.Value, true);
      assert.ok(f.EyeDirection && Math.abs(f.EyeDirection.Yaw!) < 30);
      for (const absent of ['Beard', 'Mustache', 'Eyeglasses', 'Sunglasses', 'FaceOccluded'] as const) assert.equal(f[absent], undefined, `${absent} has no model`);
    }
    const happiest = faces.map((f) => f.Emotions![0]!.Type);
    assert.ok(happiest.filter((e) => e === 'HAPPY').length >= 5, happiest.join(','));
  });

  it('computes only the attributes asked for', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    const r = await t.rekognition.send(new DetectFacesCommand({ Image: { Bytes: identity('penny', 1) }, Attributes: ['GENDER', 'DEFAULT'] }));
    assert.equal(r.FaceDetails!.length, 1);
    const f = r.FaceDetails![0]!;
    assert.equal(f.Gender!.Value, 'Female');
    assert.equal(f.AgeRange, undefined);
    assert.equal(f.Smile, undefined);
    assert.ok(f.Landmarks!.length === 30 && f.Pose && f.Quality);
  });

  it('CompareFaces finds Amy among six people and no one else', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    const r = await t.rekognition.send(new CompareFacesCommand({ SourceImage: { Bytes: identity('amy', 2) }, TargetImage: { Bytes: group(4) } }));
    assert.ok(r.SourceImageFace!.Confidence! > 50);
    assert.equal(r.FaceMatches!.length, 1, JSON.stringify(r.FaceMatches!.map((m) => m.Similarity)));
    const amy = r.FaceMatches![0]!;
    assert.ok(amy.Similarity! >= 80);
    // Amy is top left in bbt4.
    assert.ok(amy.Face!.BoundingBox!.Left! < 0.3 && amy.Face!.BoundingBox!.Top! < 0.3, JSON.stringify(amy.Face!.BoundingBox));
    assert.equal(r.UnmatchedFaces!.length, 5);
    for (const u of r.UnmatchedFaces!) assert.ok(u.Landmarks!.length === 30 && u.Pose && u.Quality);
  });

  it('CompareFaces with SimilarityThreshold 0 lists every target face as a match, best first', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    const r = await t.rekognition.send(new CompareFacesCommand({ SourceImage: { Bytes: identity('sheldon', 1) }, TargetImage: { Bytes: group(4) }, SimilarityThreshold: 0 }));
    const s = r.FaceMatches!.map((m) => m.Similarity!);
    assert.equal(s.length, 6);
    assert.deepEqual(s, [...s].sort((a, b) => b - a));
    assert.ok(s[0]! >= 80 && s[1]! < 80, s.join(', '));
  });

  it('CompareFaces without a face in the source answers InvalidParameterException', async () => {
    const e = await errorOf(t.rekognition.send(new CompareFacesCommand({ SourceImage: { Bytes: await noFace() }, TargetImage: { Bytes: await noFace() } })));
    assert.equal(e.name, 'InvalidParameterException');
    assert.match(e.message, /no faces in the source image/);
  });
});
