/**
 * Face detection: anchors, decoding, weighted NMS and tiling without a model; then the default
 * detector (MediaPipe full-range + tiles) on real photos. The bounds sit a little below what
 * bench/face-detect-eval.ts measured (bench/results/face-detect-eval.json): dlib faces 98 % at
 * IoU >= 0.5 with 0 false positives, the bbt group counts exact, 93-95 % of the dlib faces when
 * pasted small into 1080p frames, every close-up face.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { EVAL_DATA, hasEvalData, NO_EVAL_DATA } from './helpers/eval-data.js';
import { ssdAnchors, decodeBlazeFace, weightedNms, fitBox, FACE_DETECTORS, type FaceCandidate } from '../src/vision/faces/detect-faces.js';
import { FaceDetector, planTiles, DEFAULT_FACE_DETECTOR, type FoundFace } from '../src/services/face-detector.js';
import { cropImage, decodeImage, S3_LIMITS, type DecodedImage } from '../src/media/image.js';
import { iou, type Box } from '../src/vision/boxes.js';
import { WorkerPool } from '../src/runtime/worker-pool.js';
import { syntheticImage } from '../src/runtime/convert/verify.js';

describe('face detection pre- and post-processing', () => {
  it('generates MediaPipe anchors: 2304 for full range, 896 for BlazeFace, centred in their cells', () => {
    const full = ssdAnchors(192, [{ stride: 4, perCell: 1 }]);
    assert.equal(full.length, 2304);
    assert.deepEqual(full[0], { x: 0.5 / 48, y: 0.5 / 48 });
    assert.deepEqual(full[48], { x: 0.5 / 48, y: 1.5 / 48 });
    const blaze = ssdAnchors(256, [{ stride: 16, perCell: 2 }, { stride: 32, perCell: 6 }]);
    assert.equal(blaze.length, 896);
    assert.deepEqual(blaze[1], blaze[0], 'two anchors share each fine cell');
    assert.deepEqual(blaze[512], { x: 0.5 / 8, y: 0.5 / 8 });
  });

  it('decodes a logit, box offsets and 6 keypoints relative to the anchor, in input pixels', () => {
    const anchors = [{ x: 0.25, y: 0.5 }, { x: 0.75, y: 0.5 }];
    // Per anchor: logit, then dx, dy, w, h and 6 keypoints (dx, dy), in 100-px input pixels.
    const row = (logit: number, dx: number) => [logit, dx, -10, 20, 30, -5, -5, 5, -5, 0, 0, 0, 8, -9, 0, 9, 0];
    const t = Float32Array.from([...row(2, 5), ...row(-3, 0)]);
    const faces = decodeBlazeFace(t, 17, t, 17, 1, anchors, 100, 0.5);
    assert.equal(faces.length, 1, 'the second anchor scores sigmoid(-3) < 0.5');
    const f = faces[0]!;
    assert.ok(Math.abs(f.score - 1 / (1 + Math.exp(-2))) < 1e-6);
    const b = [f.box.left, f.box.top, f.box.width, f.box.height].map((v) => +v.toFixed(6));
    assert.deepEqual(b, [0.2, 0.25, 0.2, 0.3]);
    assert.equal(f.keypoints.length, 6);
    assert.deepEqual(f.keypoints.map((p) => [+p.x.toFixed(6), +p.y.toFixed(6)]), [[0.2, 0.45], [0.3, 0.45], [0.25, 0.5], [0.25, 0.58], [0.16, 0.5], [0.34, 0.5]]);
  });

  it('blends overlapping faces into one, weighted by score, and keeps separate faces apart', () => {
    const face = (left: number, score: number): FaceCandidate => ({ box: { left, top: 0.1, width: 0.2, height: 0.2 }, score, keypoints: [{ x: left + 0.1, y: 0.2 }] });
    const out = weightedNms([face(0.1, 0.9), face(0.12, 0.3), face(0.6, 0.8)], 0.3);
    assert.equal(out.length, 2);
    assert.equal(out[0]!.score, 0.9, 'the cluster keeps its best score');
    assert.ok(Math.abs(out[0]!.box.left - (0.1 * 0.9 + 0.12 * 0.3) / 1.2) < 1e-9);
    assert.ok(Math.abs(out[0]!.keypoints[0]!.x - ((0.2 * 0.9 + 0.22 * 0.3) / 1.2)) < 1e-9);
    assert.equal(out[1]!.box.left, 0.6);
  });

  it('fits a box by scale about its centre and a vertical shift', () => {
    const b = fitBox({ left: 0.4, top: 0.4, width: 0.2, height: 0.2 }, { scaleX: 1.5, scaleY: 1.5, shiftY: 0.1 });
    assert.deepEqual([b.left, b.top, b.width, b.height].map((v) => +v.toFixed(9)), [0.35, 0.37, 0.3, 0.3]);
  });

  it('tiles a 1080p frame at 3x and 6x with overlapping input-sized tiles that cover it, and skips zooms that would upscale', () => {
    const plan = { zooms: [3, 6], overlap: 0.25, minTileSide: 224, minScore: 0.7 };
    const levels = planTiles(1920, 1080, 192, plan);
    assert.deepEqual(levels.map((l) => [l.zoom, l.width, l.height]), [[3, 576, 324], [6, 1152, 648]]);
    for (const l of levels) {
      for (const t of l.tiles) assert.ok(t.width <= 192 && t.height <= 192 && t.left + t.width <= l.width && t.top + t.height <= l.height);
      const xs = [...new Set(l.tiles.map((t) => t.left))].sort((a, b) => a - b);
      assert.equal(xs[0], 0);
      assert.equal(xs.at(-1)! + 192, l.width, 'the last column reaches the right edge');
      for (let i = 1; i < xs.length; i++) assert.ok(xs[i]! - xs[i - 1]! <= 192 * 0.75 + 1, 'neighbours overlap by a quarter');
    }
    assert.deepEqual(planTiles(500, 375, 192, plan), [], 'a 500 px photo gets the whole-image pass only');
  });

  it('crops a region, or places it on a black canvas (top left, or where asked)', () => {
    const img = { data: Buffer.from(Array.from({ length: 4 * 3 * 3 }, (_, i) => i)), width: 4, height: 3 } as DecodedImage;
    const c = cropImage(img, { left: 1, top: 1, width: 2, height: 2 });
    assert.deepEqual([c.width, c.height, ...c.data], [2, 2, 15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32]);
    const p = cropImage(img, { left: 2, top: 2, width: 5, height: 5 }, { width: 3, height: 2 });
    assert.deepEqual([p.width, p.height, ...p.data], [3, 2, 30, 31, 32, 33, 34, 35, 0, 0, 0, ...new Array(9).fill(0)]);
    const q = cropImage(img, { left: 0, top: 0, width: 1, height: 1 }, { width: 2, height: 2, left: 1, top: 1 });
    assert.deepEqual([...q.data], [...new Array(9).fill(0), 0, 1, 2]);
  });
});

// ---------------------------------------------------------------------------------------------
// The real detector

interface Photo {
  file: string;
  truth: Box[];
  /** dlib's 68 landmarks per face, pixels. */
  landmarks: { x: number; y: number }[][];
}

function dlibPhotos(dir: string): Photo[] {
  const photos: Photo[] = [];
  for (const xml of ['training_with_face_landmarks.xml', 'testing_with_face_landmarks.xml']) {
    for (const m of readFileSync(join(dir, xml), 'latin1').matchAll(/<image file='([^']+)' width='(\d+)' height='(\d+)'>([\s\S]*?)<\/image>/g)) {
      const [w, h] = [Number(m[2]), Number(m[3])];
      const photo: Photo = { file: join(dir, m[1]!), truth: [], landmarks: [] };
      for (const b of m[4]!.matchAll(/<box top='(-?\d+)' left='(-?\d+)' width='(\d+)' height='(\d+)'>([\s\S]*?)<\/box>/g)) {
        photo.truth.push({ left: Number(b[2]) / w, top: Number(b[1]) / h, width: Number(b[3]) / w, height: Number(b[4]) / h });
        photo.landmarks.push([...b[5]!.matchAll(/x='(-?\d+)' y='(-?\d+)'/g)].map((p) => ({ x: Number(p[1]), y: Number(p[2]) })));
      }
      photos.push(photo);
    }
  }
  return photos;
}

const load = async (file: string) => decodeImage(readFileSync(file), S3_LIMITS);

describe('FaceDetector with the default model', () => {
  let pool: WorkerPool;
  let cacheDir: string;
  let detector: FaceDetector;
  before(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'argus-face-models-'));
    pool = new WorkerPool({ workers: 1, intraOpThreads: 1, modelCacheDir: cacheDir });
    detector = new FaceDetector(pool);
  });
  after(async () => {
    await pool.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('runs the full-range MediaPipe detector, converted to ONNX', async () => {
    assert.deepEqual(detector.models, ['facemesh-detection-full']);
    assert.equal(DEFAULT_FACE_DETECTOR.detector, FACE_DETECTORS['facemesh-detection-full']);
    await pool.warmUp(detector.models);
    const h = pool.health().find((x) => x.id === 'facemesh-detection-full')!;
    assert.equal(h.backend, 'onnx', `fell back: ${h.fallback}`);
  });

  it('finds no face in images without one (a generated scene, noise, a flat grey 1080p frame)', async () => {
    const noise = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
    const grey = await sharp({ create: { width: 1920, height: 1080, channels: 3, background: '#7f7f7f' } }).jpeg().toBuffer();
    for (const bytes of [await syntheticImage(), noise, grey]) {
      const faces = await detector.detect(await decodeImage(bytes, S3_LIMITS));
      assert.deepEqual(faces, []);
    }
  });

  it('finds the dlib faces at IoU >= 0.5, with few false positives and the eye keypoints in order where dlib puts the eyes', { skip: !hasEvalData && NO_EVAL_DATA }, async () => {
    const photos = dlibPhotos(join(EVAL_DATA, 'faces-dlib-boxes'));
    let [truths, matched, falsePositives, eyesInOrder] = [0, 0, 0, 0];
    const eyeErrors: number[] = [];
    for (const p of photos) {
      const img = await load(p.file);
      const faces = await detector.detect(img);
      assertShape(faces);
      truths += p.truth.length;
      const used = new Set<number>();
      for (const f of faces) {
        const i = p.truth.findIndex((t, k) => !used.has(k) && iou(t, f.box) >= 0.5);
        if (i < 0) {
          falsePositives++;
          continue;
        }
        used.add(i);
        matched++;
        // dlib points 36-41: the subject's right eye (image left); 42-47: the left eye.
        const centre = (from: number) => p.landmarks[i]!.slice(from, from + 6).reduce((a, q) => ({ x: a.x + q.x / 6 / img.width, y: a.y + q.y / 6 / img.height }), { x: 0, y: 0 });
        const dist = (k: number, c: { x: number; y: number }) => Math.hypot((f.keypoints[k]!.x - c.x) * img.width, (f.keypoints[k]!.y - c.y) * img.height) / (f.box.width * img.width);
        const [right, left] = [centre(36), centre(42)];
        eyeErrors.push(dist(0, right), dist(1, left));
        if (dist(0, right) < dist(0, left) && dist(1, left) < dist(1, right)) eyesInOrder++;
      }
    }
    const eyeError = eyeErrors.sort((a, b) => a - b)[eyeErrors.length >> 1]!;
    console.log(`dlib faces: ${matched}/${truths} at IoU >= 0.5, ${falsePositives} false positives, eyes in order on ${eyesInOrder}/${matched}, median eye error ${eyeError.toFixed(3)} of the box width`);
    assert.equal(truths, 43);
    assert.ok(matched / truths >= 0.93, `recall ${matched}/${truths}`);
    assert.ok(falsePositives <= 1, `${falsePositives} false positives`);
    // Measured 0.07 (about 3 px on these 30-50 px faces, where dlib's own points are rough too).
    // Keypoint 0 is the subject's right eye (image left), keypoint 1 the left eye (41 of 42 measured:
    // on one 38 px face both points sit nearer the same dlib eye).
    assert.ok(eyesInOrder / matched >= 0.95, `eyes in order on ${eyesInOrder}/${matched}`);
    assert.ok(eyeError <= 0.12, `median eye error ${eyeError}`);
  });

  it('counts the faces in the bbt group photos', { skip: !hasEvalData && NO_EVAL_DATA }, async () => {
    const dir = join(EVAL_DATA, 'faces-bbt-identities');
    const rows = readFileSync(join(dir, 'group_face_counts.csv'), 'utf8').trim().split('\n').slice(1);
    assert.equal(rows.length, 5);
    for (const row of rows) {
      const [file, count, ...note] = row.split(',');
      const faces = await detector.detect(await load(join(dir, file!)));
      assertShape(faces);
      // bbt2's partial profile is not counted; finding it is not wrong either.
      const allowed = [Number(count), ...(/partial/.test(note.join(',')) ? [Number(count) + 1] : [])];
      assert.ok(allowed.includes(faces.length), `${file}: ${faces.length} faces, expected ${allowed.join(' or ')}`);
    }
  });

  it('finds the one face of each tight 150 px identity crop (faces filling the frame)', { skip: !hasEvalData && NO_EVAL_DATA }, async () => {
    const dir = join(EVAL_DATA, 'faces-bbt-identities', 'identities');
    const counts: Record<string, number> = {};
    for (const person of readdirSync(dir).sort()) {
      for (const f of readdirSync(join(dir, person)).sort()) {
        const faces = await detector.detect(await load(join(dir, person, f)));
        assertShape(faces);
        counts[f] = faces.length;
        if (faces[0]) assert.ok(faces[0].box.width > 0.5, `${f}: the face fills the crop, box ${JSON.stringify(faces[0].box)}`);
      }
    }
    const one = Object.values(counts).filter((n) => n === 1).length;
    console.log(`identity crops with exactly one face: ${one}/${Object.keys(counts).length}`);
    // Measured 39/40: every face found, and a second, false one on one crop.
    assert.ok(one >= 38, JSON.stringify(counts));
  });

  it('finds small faces: the dlib photos pasted at their own size into 1080p frames (faces 2-6 % of the width)', { skip: !hasEvalData && NO_EVAL_DATA }, async () => {
    const photos = dlibPhotos(join(EVAL_DATA, 'faces-dlib-boxes'));
    const grey = await sharp({ create: { width: 1920, height: 1080, channels: 3, background: '#6a6f78' } }).png().toBuffer();
    let [truths, matched, falsePositives] = [0, 0, 0];
    for (const [i, p] of photos.entries()) {
      const meta = await sharp(p.file).metadata();
      const [left, top] = [(i * 613) % (1920 - meta.width), (i * 257) % (1080 - meta.height)];
      const frame = await sharp(grey).composite([{ input: p.file, left, top }]).jpeg({ quality: 92 }).toBuffer();
      const faces = await detector.detect(await decodeImage(frame, S3_LIMITS));
      const truth = p.truth.map((b) => ({ left: (left + b.left * meta.width) / 1920, top: (top + b.top * meta.height) / 1080, width: (b.width * meta.width) / 1920, height: (b.height * meta.height) / 1080 }));
      truths += truth.length;
      const used = new Set<number>();
      for (const f of faces) {
        const k = truth.findIndex((t, j) => !used.has(j) && iou(t, f.box) >= 0.5);
        if (k < 0) falsePositives++;
        else used.add(k);
      }
      matched += used.size;
    }
    console.log(`dlib faces in 1080p frames: ${matched}/${truths} at IoU >= 0.5, ${falsePositives} false positives`);
    // Measured 41/43 and 1 (a 90 px box over a 45 px face of 2008_002470: a miss and a false positive).
    assert.ok(matched / truths >= 0.85, `recall ${matched}/${truths}`);
    assert.ok(falsePositives <= 2, `${falsePositives} false positives`);
  });
});

/** Boxes and keypoints in image ratios, scores in 0..1, largest box first. */
function assertShape(faces: FoundFace[]): void {
  for (const [i, f] of faces.entries()) {
    const { left, top, width, height } = f.box;
    assert.ok(left >= 0 && top >= 0 && width > 0 && height > 0 && left + width <= 1 + 1e-9 && top + height <= 1 + 1e-9, `box ${JSON.stringify(f.box)}`);
    assert.ok(f.score > 0 && f.score <= 1);
    assert.equal(f.keypoints.length, 6);
    if (i > 0) assert.ok(width * height <= faces[i - 1]!.box.width * faces[i - 1]!.box.height);
  }
}
