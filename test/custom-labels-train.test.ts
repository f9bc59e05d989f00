import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { EVAL_DATA, hasEvalData, NO_EVAL_DATA } from './helpers/eval-data.js';
import { WorkerPool } from '../src/runtime/worker-pool.js';
import { CHANNELS, GRID, STRIDE, type CenternetMaps, type Letterbox } from '../src/vision/custom-labels/features.js';
import { decodeDetections, focalLoss, peaks, type DetectionHead } from '../src/vision/custom-labels/detection-head.js';
import { evaluateDetection } from '../src/vision/custom-labels/evaluate.js';
import { predict, trainModel, TrainingError, type TrainingImage } from '../src/vision/custom-labels/train.js';
import { CustomLabelsTrainingService } from '../src/services/custom-labels-training.js';

describe('Custom Labels detection head (synthetic)', () => {
  it('focal loss gradient matches finite differences', () => {
    for (const target of [1, 0.7, 0.2, 0]) {
      for (const z of [-4, -1, 0, 1.5]) {
        const h = 1e-5;
        const num = (focalLoss(z + h, target).loss - focalLoss(z - h, target).loss) / (2 * h);
        assert.ok(Math.abs(num - focalLoss(z, target).grad) < 1e-5, `target ${target} z ${z}: ${num} vs ${focalLoss(z, target).grad}`);
      }
    }
    assert.ok(focalLoss(3, 1).loss < focalLoss(-3, 1).loss);
    assert.ok(focalLoss(-3, 0.9).loss < focalLoss(-3, 0).loss, 'near-centre negatives are down-weighted by (1-y)^beta');
  });

  it('decodes 3x3 peaks into boxes, drops duplicates by NMS, maps back through the letterbox', () => {
    const head = new Float32Array(GRID * GRID * CHANNELS);
    const wh = new Float32Array(GRID * GRID * 4);
    // two blobs of feature 0 (one object at cell 40,60 plus a weaker twin two cells away, one at 100,20)
    const put = (x: number, y: number, v: number, side: number) => {
      head[(y * GRID + x) * CHANNELS] = v;
      wh.set([side, side, side, side], (y * GRID + x) * 4);
    };
    put(40, 60, 4, 40);
    put(42, 60, 3.5, 40);
    put(100, 20, 3, 16);
    const det: DetectionHead = {
      labels: ['thing'],
      mean: new Array(CHANNELS).fill(0),
      std: new Array(CHANNELS).fill(1),
      weights: [2, ...new Array(CHANNELS - 1).fill(0)],
      bias: [-4],
      // box: log distance (cells) = log(wh / STRIDE), i.e. the CenterNet wh inputs passed through
      box: [0, 1, 2, 3].flatMap((t) => {
        const row = new Array(CHANNELS + 5).fill(0);
        row[CHANNELS + t] = 1;
        return row;
      }),
    };
    const maps: CenternetMaps = { head, wh };
    const lb: Letterbox = { rgb: Buffer.alloc(0), scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 0, width: 1024, height: 1024 };
    const pk = peaks(new Float32Array(GRID * GRID).map((_, i) => (i === 60 * GRID + 40 ? 0.9 : i === 60 * GRID + 41 ? 0.5 : 0)), 1);
    assert.deepEqual(pk.map((p) => [p.x, p.y]), [[40, 60]]);
    const found = decodeDetections(det, maps, lb, { minScore: 0.1 });
    assert.equal(found.length, 2, JSON.stringify(found));
    const [a, b] = found;
    assert.ok(a!.score > b!.score);
    assert.ok(Math.abs(a!.box.left - (40 * STRIDE - 40) / 512) < 1e-6 && Math.abs(a!.box.width - 80 / 512) < 1e-6, JSON.stringify(a));
    assert.ok(Math.abs(b!.box.top - (20 * STRIDE - 16) / 512) < 1e-6);
  });
});

function raccoons(n: number): TrainingImage[] {
  const root = join(EVAL_DATA, 'det-raccoon');
  return readdirSync(join(root, 'annotations')).sort().slice(0, n).map((f) => {
    const xml = readFileSync(join(root, 'annotations', f), 'utf8');
    const num = (s: string, t: string) => Number(new RegExp(`<${t}>\\s*([-\\d.]+)`).exec(s)![1]);
    const [w, h] = [num(xml, 'width'), num(xml, 'height')];
    const boxes = [...xml.matchAll(/<bndbox>([\s\S]*?)<\/bndbox>/g)].map((m) => {
      const [x1, y1, x2, y2] = ['xmin', 'ymin', 'xmax', 'ymax'].map((t) => num(m[1]!, t)) as [number, number, number, number];
      return { label: 'raccoon', box: { left: x1 / w, top: y1 / h, width: (x2 - x1) / w, height: (y2 - y1) / h } };
    });
    return { path: join(root, 'images', f.replace(/\.xml$/, '.jpg')), boxes };
  });
}

describe('Custom Labels training on real images', { skip: !hasEvalData && NO_EVAL_DATA }, () => {
  let pool: WorkerPool;
  before(() => {
    pool = new WorkerPool({ workers: 2, intraOpThreads: 1, modelCacheDir: join(tmpdir(), 'argus-test-models') });
  });
  after(async () => {
    await pool.close();
  });

  it('learns raccoons from 30 images (held-out AP well above chance) and repeats exactly with the same seed', { timeout: 300_000 }, async () => {
    const all = raccoons(45);
    const train = all.slice(0, 30);
    const test = all.slice(30);
    const progress: number[] = [];
    const opts = { seed: 7, validationFraction: 0.2, maxEpochs: 8, onProgress: (f: number) => progress.push(f) };
    const model = await trainModel(pool, { images: train, kind: 'detection' }, opts);
    assert.deepEqual(model.labels, ['raccoon']);
    assert.equal(model.backbone, 'centernet-features');
    assert.ok(progress.at(-1) === 1 && progress.every((p, i) => i === 0 || p >= progress[i - 1]! - 1e-9));
    assert.ok(model.thresholds.raccoon! > 0 && model.thresholds.raccoon! < 1);
    const json = JSON.parse(JSON.stringify(model));
    const data = [];
    for (const im of test) {
      const preds = await predict(pool, json, readFileSync(im.path!));
      data.push({ truth: im.boxes!, predictions: preds.map((p) => ({ label: p.label, score: p.score, box: p.box! })) });
    }
    const ev = evaluateDetection(data, ['raccoon'], model.thresholds);
    assert.ok(ev.map50 > 0.5, `held-out AP@0.5 ${ev.map50}`);
    const again = await trainModel(pool, { images: train, kind: 'detection' }, opts);
    assert.deepEqual(again.detector, model.detector);
    assert.deepEqual(again.thresholds, model.thresholds);
  });

  it('service: trains, evaluates on an automatic test split, writes the summary, detects at the assumed thresholds', { timeout: 300_000 }, async () => {
    const svc = new CustomLabelsTrainingService(pool);
    const r = await svc.trainAndEvaluate({ images: raccoons(30), kind: 'detection' }, undefined, { seed: 3, maxEpochs: 4 });
    assert.equal(r.testing, 'automatic-split');
    assert.equal(r.trainingImages + r.testingImages, 30);
    const s = r.summary as any;
    assert.equal(s.Version, 1);
    assert.deepEqual(s.EvaluationDetails.Labels, ['raccoon']);
    assert.equal(s.LabelEvaluationResults[0].Metrics.Threshold, Math.round(r.model.thresholds.raccoon! * 1e6) / 1e6);
    assert.ok(r.f1Score >= 0 && r.f1Score <= 1 && r.evaluation.map50to95! <= r.evaluation.map50);
    const found = await svc.detect(r.model, readFileSync(raccoons(31)[30]!.path!));
    assert.ok(found.every((f) => f.score >= r.model.thresholds.raccoon! && f.box));
    assert.equal((await svc.detect(r.model, readFileSync(raccoons(31)[30]!.path!), 0, 1)).length, 1);
  });

  it('fails clearly: too few images, one label only, unreadable images', async () => {
    const r = raccoons(6);
    await assert.rejects(trainModel(pool, { images: r.slice(0, 2), kind: 'detection' }), (e: Error) => e instanceof TrainingError && /too few images/.test(e.message));
    await assert.rejects(
      trainModel(pool, { images: r.map((im) => ({ path: im.path, labels: ['raccoon'] })), kind: 'classification' }),
      (e: Error) => e instanceof TrainingError && /one label only/.test(e.message),
    );
    const broken = [...r.slice(0, 5), { bytes: Buffer.from('not an image'), boxes: r[5]!.boxes }];
    await assert.rejects(trainModel(pool, { images: broken, kind: 'detection' }), (e: Error) => e instanceof TrainingError && /unreadable image/.test(e.message));
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(trainModel(pool, { images: r, kind: 'detection' }, { signal: ac.signal }), /cancelled/);
  });
});
