import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { EVAL_DATA, hasEvalData, NO_EVAL_DATA, hasSharedModels, NO_SHARED_MODELS, SHARED_MODELS } from './helpers/eval-data.js';
import { WorkerPool } from '../src/runtime/worker-pool.js';
import { gramOutput, parseGramOutput, secondOrderProjection, secondOrderValues } from '../src/runtime/second-order.js';
import { BOX_WINDOW, BOX_WINDOW_KEEP, CHANNELS, GRID, INPUT, STRIDE, boxWindow, gridPool, letterbox, mobilenetBackbone, toGrid, type CenternetMaps, type DetectionView, type Letterbox } from '../src/vision/custom-labels/features.js';
import { decodeDetections, focalLoss, peaks, trainDetectionHead, type DetectionHead } from '../src/vision/custom-labels/detection-head.js';
import { BACKGROUND, CROP_DESCRIPTOR, CROP_GRID, CROP_MID_GRID, backgroundBox, classifierCells, cropCells, classifyViews, jitterBox, refinerPart, trainCropClassifier } from '../src/vision/custom-labels/crop-classifier.js';
import { classify, logLoss } from '../src/vision/custom-labels/classification-head.js';
import { trainLda, withTemperature } from '../src/vision/custom-labels/lda.js';
import { applyOffsets, fromView, offsets, refineBox, toView, trainBoxRefiner } from '../src/vision/custom-labels/box-refiner.js';
import { rotateQuarters } from '../src/media/image.js';
import { iou } from '../src/vision/boxes.js';
import { choleskyBack, choleskyFactor, eventLoopTurns, NormalEquations, rng, shuffle } from '../src/vision/custom-labels/math.js';
import { evaluateDetection } from '../src/vision/custom-labels/evaluate.js';
import { checkModel, predict, trainModel, TrainingError, type TrainedModel, type TrainingImage } from '../src/vision/custom-labels/train.js';
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
    // box voting: the twin two cells right is at least half as hot, so its box (8 px right) joins, heat-weighted
    const [w1, w2] = [1 / (1 + Math.exp(-4)), 1 / (1 + Math.exp(-3))];
    const left = (w1 * (40 * STRIDE - 40) + w2 * (42 * STRIDE - 40)) / (w1 + w2);
    assert.ok(Math.abs(a!.box.left - left / 512) < 1e-6 && Math.abs(a!.box.width - 80 / 512) < 1e-6, JSON.stringify(a));
    assert.ok(Math.abs(b!.box.top - (20 * STRIDE - 16) / 512) < 1e-6);
  });
});

describe('Custom Labels scale augmentation (synthetic)', () => {
  it('a zoomed-out letterbox puts an object\'s pixels where its grid box says, padded with grey', async () => {
    const [w, h] = [300, 200];
    const data = Buffer.alloc(w * h * 3, 0);
    const box = { left: 0.5, top: 0.25, width: 0.3, height: 0.5 };
    for (let y = 50; y < 150; y++) for (let x = 150; x < 240; x++) data[(y * w + x) * 3] = 255;
    const img = { data, width: w, height: h, channels: 3 as const, format: 'png' as const, bytes: 0, orientation: 1, source: { space: 'srgb', depth: '8-bit', pages: 1, hasAlpha: false } };
    const red = (lb: Letterbox, gx: number, gy: number) => lb.rgb[(Math.round(gy * STRIDE) * INPUT + Math.round(gx * STRIDE)) * 3]!;
    const full = await letterbox(img);
    for (const scale of [0.75, 0.5]) {
      const lb = await letterbox(img, scale);
      const g = toGrid(box, lb, false, 0);
      const f = toGrid(box, full, false, 0);
      const c = GRID / 2;
      assert.ok(Math.abs((g.x2 - g.x1) - scale * (f.x2 - f.x1)) < 0.5, 'the box shrinks by the scale');
      assert.ok(Math.abs((g.x1 + g.x2) / 2 - c - scale * ((f.x1 + f.x2) / 2 - c)) < 0.5, 'about the centre');
      assert.ok(red(lb, (g.x1 + g.x2) / 2, (g.y1 + g.y2) / 2) > 200, 'the object is where its grid box is');
      assert.ok(red(lb, g.x1 - 2, (g.y1 + g.y2) / 2) < 50 && red(lb, g.x2 + 2, (g.y1 + g.y2) / 2) < 50, 'and not outside it');
      assert.equal(lb.rgb[0], 114, 'the margin is letterbox grey');
      assert.equal(lb.rgb.length, INPUT * INPUT * 3);
    }
  });

  it('a zoomed-in window keeps the objects mostly inside it, cut to it, in its own ratios', () => {
    const boxes = [
      { cls: 0, box: { left: 0.1, top: 0.1, width: 0.2, height: 0.2 } },
      { cls: 1, box: { left: 0.5, top: 0.5, width: 0.4, height: 0.4 } },
      { cls: 2, box: { left: 0.0, top: 0.9, width: 0.05, height: 0.1 } },
    ];
    const rand = rng(4);
    for (let k = 0; k < 50; k++) {
      const w = boxWindow(boxes, rand);
      if (!w) continue;
      assert.equal(w.rect.width, BOX_WINDOW);
      assert.ok(w.rect.left >= 0 && w.rect.left + w.rect.width <= 1 + 1e-12 && w.rect.top >= 0 && w.rect.top + w.rect.height <= 1 + 1e-12);
      for (const b of boxes) {
        // The share of the object inside the window, in image ratios.
        const ix = Math.max(0, Math.min(b.box.left + b.box.width, w.rect.left + w.rect.width) - Math.max(b.box.left, w.rect.left));
        const iy = Math.max(0, Math.min(b.box.top + b.box.height, w.rect.top + w.rect.height) - Math.max(b.box.top, w.rect.top));
        const share = (ix * iy) / (b.box.width * b.box.height);
        const kept: (typeof boxes)[number] | undefined = w.boxes.find((x) => x.cls === b.cls);
        assert.equal(kept !== undefined, share >= BOX_WINDOW_KEEP, `object ${b.cls}, ${share.toFixed(2)} inside`);
        if (!kept) continue;
        assert.ok(Math.abs(kept.box.width * w.rect.width - ix) < 1e-9 && Math.abs(kept.box.height * w.rect.height - iy) < 1e-9, 'cut to the window');
        assert.ok(Math.abs(kept.box.left * w.rect.width + w.rect.left - Math.max(b.box.left, w.rect.left)) < 1e-9, 'placed in the window\'s ratios');
      }
    }
    assert.equal(boxWindow([{ cls: 0, box: { left: 0, top: 0, width: 1, height: 1 } }], rng(1)), undefined, 'no window holds half of an image-filling object');
  });

  it('the box regression keeps the zoomed-in windows only when they fit the validation boxes better; they never train the heatmap', async () => {
    const rand = rng(12);
    /**
     * One object of `w` x `h` cells at the grid's centre, its pixels and 40 far ones sampled with
     * random features; CenterNet's distances at each pixel (the regression's other input) are the
     * object's true ones, or noise.
     */
    const view = (w: number, h: number, wh: 'truth' | 'noise', boxOnly = false): DetectionView => {
      const o = { cls: 0, x1: 64 - w / 2, y1: 64 - h / 2, x2: 64 + w / 2, y2: 64 + h / 2 };
      const pixels: number[] = [];
      for (let y = Math.ceil(o.y1); y < o.y2; y++) for (let x = Math.ceil(o.x1); x < o.x2; x++) pixels.push(y * GRID + x);
      for (let k = 0; k < 40; k++) pixels.push(Math.floor(rand() * 20) * GRID + Math.floor(rand() * GRID));
      const n = pixels.length;
      const dist = (p: number) => {
        const [px, py] = [p % GRID, Math.floor(p / GRID)];
        return wh === 'truth' ? [px - o.x1, py - o.y1, o.x2 - px, o.y2 - py].map((d) => Math.max(d, 0.25) * STRIDE) : [0, 0, 0, 0].map(() => (1 + rand() * 20) * STRIDE);
      };
      return {
        objects: [o], index: Int32Array.from(pixels), weight: new Float32Array(n).fill(1),
        feats: Float32Array.from({ length: n * CHANNELS }, () => rand() - 0.5), wh: Float32Array.from(pixels.flatMap(dist)), ...(boxOnly ? { boxOnly } : {}),
      };
    };
    const size = () => 4 + Math.floor(rand() * 16);
    const varied = (wh: 'truth' | 'noise', boxOnly = false) => Array.from({ length: 12 }, () => view(size(), size(), wh, boxOnly));
    const train = (views: DetectionView[], val: DetectionView[]) => trainDetectionHead(['object'], views, val, { seed: 1, maxEpochs: 2, patience: 1 });

    // Plain views of one size whose CenterNet distances are noise teach nothing about size; windows whose distances are true do.
    const plain = Array.from({ length: 12 }, () => view(10, 10, 'noise'));
    const helpful = await train([...plain, ...varied('truth', true)], varied('truth'));
    assert.equal(helpful.boxWindows, true, 'windows that carry the sizes are kept');
    const without = await train(plain, varied('truth'));
    assert.deepEqual(helpful.head.weights, without.head.weights, 'box-only views leave the heatmap as it is');
    assert.equal(without.boxWindows, false, 'no windows, none kept');
    // Windows whose distances are noise only blur a regression the plain views already teach.
    const misleading = await train([...varied('truth'), ...varied('noise', true)], varied('truth'));
    assert.equal(misleading.boxWindows, false, 'windows that mislead are dropped');
  });
});

describe('Custom Labels crop classifier (synthetic)', () => {
  it('pools a map over overlapping grid cells (an odd side shares its middle row and column)', () => {
    // 3x3 map, 2 channels: channel 0 = y*3+x, channel 1 = 1.
    const map = new Float32Array(18);
    for (let p = 0; p < 9; p++) (map[p * 2] = p, map[p * 2 + 1] = 1);
    const cells = gridPool(map, 3, 3, 2, 2);
    assert.deepEqual([...cells], [2, 1, 3, 1, 5, 1, 6, 1]);
    assert.deepEqual([...gridPool(map, 3, 3, 2, 1)], [4, 1]);
  });

  it('the catalogue decides a backbone\'s descriptor: cells and second-order values only where it lists those maps', () => {
    const tf2 = mobilenetBackbone('mobilenet-v2-tf2')!;
    assert.ok(tf2.embedSpatial && tf2.midLevel);
    assert.deepEqual(cropCells(tf2), { grid: CROP_GRID, mid: CROP_MID_GRID, secondOrder: 48 });
    // the TF1 MobileNetV2 lists only its pooled embedding and softmax: no map, no second-order output
    const tf1 = mobilenetBackbone('mobilenet-v2')!;
    assert.equal(tf1.embedSpatial, undefined);
    assert.equal(tf1.secondOrder, undefined);
    assert.deepEqual(cropCells(tf1), { grid: 0, mid: 0, secondOrder: 0 });
    assert.equal(mobilenetBackbone('centernet-features'), undefined);
  });

  it('second-order values: the Gram sum averaged over positions, upper triangle, signed square roots, unit length', () => {
    const [positions, dims] = [30, 5];
    const rand = rng(21);
    const y = Array.from({ length: positions }, () => Array.from({ length: dims }, () => rand() * 2 - 0.7));
    const gram = Array.from({ length: dims * dims }, (_, i) => y.reduce((a, p) => a + p[Math.floor(i / dims)]! * p[i % dims]!, 0));
    const got = secondOrderValues(gram, dims, positions);
    assert.equal(got.length, (dims * (dims + 1)) / 2);
    const upper = Array.from({ length: dims }, (_, a) => Array.from({ length: dims - a }, (_, k) => gram[a * dims + a + k]! / positions)).flat()
      .map((v) => Math.sign(v) * Math.sqrt(Math.abs(v)));
    const norm = Math.hypot(...upper);
    upper.forEach((v, i) => assert.ok(Math.abs(v / norm - got[i]!) < 1e-6, `value ${i}: ${got[i]} against ${v / norm}`));
    assert.ok(upper.some((v) => v < 0), 'negative products keep their sign');
    // Converted graphs and stored models read this exact projection: it must not change with the generator.
    const stored = secondOrderProjection(96, 48);
    assert.deepEqual([stored[0], stored[1], stored[96 * 48 - 1]].map((v) => +v!.toFixed(6)), [0.271163, 0.246433, -0.05329]);
    assert.deepEqual(parseGramOutput(gramOutput('a/b;c', 48)), { tensor: 'a/b;c', dims: 48 });
    assert.equal(parseGramOutput('a/b'), undefined);
  });

  it('the box refiner reads the spatial cells alone: a descriptor without its second-order values', () => {
    const x = Float32Array.from({ length: 20 + 10 }, (_, i) => i);
    assert.deepEqual([...refinerPart(x, { grid: 2, mid: 3, secondOrder: 4 })], [...x.subarray(0, 20)], '4 dims: 10 second-order values');
    assert.equal(refinerPart(x, { grid: 2, mid: 3 }), x, 'older models: the whole descriptor');
  });

  it('jittered boxes stay in the image and near the box; background boxes avoid every object', () => {
    const rand = rng(5);
    const box = { left: 0.3, top: 0.2, width: 0.3, height: 0.4 };
    for (let i = 0; i < 200; i++) {
      const j = jitterBox(box, rand);
      assert.ok(j.left >= 0 && j.top >= 0 && j.left + j.width <= 1 + 1e-9 && j.top + j.height <= 1 + 1e-9, JSON.stringify(j));
      assert.ok(iou(j, box) > 0.5, `jitter too far: IoU ${iou(j, box)}`);
    }
    const objects = [box, { left: 0.7, top: 0.7, width: 0.2, height: 0.2 }];
    let found = 0;
    for (let i = 0; i < 100; i++) {
      const b = backgroundBox(objects, rand);
      if (!b) continue;
      found++;
      assert.ok(objects.every((o) => iou(o, b) < 0.3));
      assert.ok(objects.some((o) => Math.abs(o.width - b.width) < 1e-12 && Math.abs(o.height - b.height) < 1e-12), 'sized like an object');
    }
    assert.ok(found > 90, `background found ${found}/100`);
    assert.equal(backgroundBox([{ left: 0, top: 0, width: 1, height: 1 }], rand), undefined, 'no room besides an image-filling object');
  });

  it('learns labels plus background from embeddings, its temperature fitted on the validation samples', async () => {
    const rand = rng(9);
    const labels = ['a', 'b', BACKGROUND];
    const centres = [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]];
    const sample = (k: number) => ({ x: Float32Array.from(centres[k]!.map((c) => c + (rand() - 0.5))), y: [k] });
    const train = Array.from({ length: 60 }, (_, i) => sample(i % 3));
    const val = Array.from({ length: 30 }, (_, i) => sample(i % 3));
    const c = await trainCropClassifier('test-backbone', labels, train, val, { grid: 0, mid: 0 });
    assert.deepEqual(c.labels, labels);
    assert.equal(c.backbone, 'test-backbone');
    assert.deepEqual(classifierCells(c), { grid: 0, mid: 0, secondOrder: 0 }, 'pooled embeddings: no cells stored, none computed (also what models from before the mid-level cells read)');
    for (const s of val) {
      const p = classifyViews(c, [s.x, s.x]);
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
      assert.equal(p.indexOf(Math.max(...p)), s.y[0]);
    }
    // Where labels overlap, the fitted temperature is the validation log loss's minimum.
    const noisy = (k: number) => ({ x: Float32Array.from(centres[k]!.map((c) => c + 4 * (rand() - 0.5))), y: [k] });
    const noisyVal = Array.from({ length: 60 }, (_, i) => noisy(i % 3));
    const noisyTrain = Array.from({ length: 60 }, (_, i) => noisy(i % 3));
    const overlap = await trainCropClassifier('test-backbone', labels, noisyTrain, noisyVal, { grid: 0, mid: 0 });
    const t = overlap.classifier.temperature!;
    assert.ok(t > 0 && t !== 1, `temperature ${t}`);
    const loss = (f: number) => logLoss(withTemperature(overlap.classifier, f), noisyVal);
    assert.ok(loss(1) <= loss(1.2) && loss(1) <= loss(1 / 1.2), `validation log loss ${loss(1)} at the fitted temperature, ${loss(1.2)} and ${loss(1 / 1.2)} beside it`);
    // A validation box of a label no training box has leaves the temperature as it is.
    const unseen = await trainCropClassifier('test-backbone', [...labels, 'unseen'], noisyTrain, [...noisyVal, { x: noisyVal[0]!.x, y: [3] }], { grid: 0, mid: 0 });
    assert.ok(Math.abs(unseen.classifier.temperature! / t - 1) < 1e-6, `temperature ${unseen.classifier.temperature} against ${t}`);
    // A stored model is served only when its crop classifier was trained on this Argus's box descriptor.
    assert.equal(c.descriptor, CROP_DESCRIPTOR);
    const detector: DetectionHead = { labels: ['object'], mean: [], std: [], weights: [], bias: [], box: [], crop: c };
    const model: TrainedModel = { format: 'argus-custom-labels/1', kind: 'detection', labels: ['a', 'b'], thresholds: {}, backbone: 'x', detector, training: { seed: 1, trainingImages: 1, validationImages: 1, wallMs: 0, validationF1: 0 } };
    assert.equal(checkModel(JSON.parse(JSON.stringify(model))).detector?.crop?.descriptor, CROP_DESCRIPTOR);
    const { descriptor: _, ...older } = c;
    assert.throws(() => checkModel({ ...model, detector: { ...detector, crop: older } }), /version 1 box descriptors .* train a new version/);
    assert.throws(() => checkModel({ ...model, format: 'other/9' }), /unknown model format 'other\/9'/);
    assert.throws(() => checkModel({ ...model, detector: undefined }), /detection model has no detector head/);
  });
});

describe('Custom Labels shrinkage LDA (synthetic)', () => {
  for (const [D, N] of [[5, 24], [30, 12]] as const) it(`${D} dimensions, ${N} samples: equals the covariance fit, with the Ledoit–Wolf shrinkage computed sample by sample`, async () => {
    const rand = rng(4);
    const labels = ['a', 'b', 'c'];
    const samples = Array.from({ length: N }, (_, i) => ({ x: Float32Array.from({ length: D }, (_, d) => (d === i % 3 ? 1.5 : 0) + rand() + (d === 4 ? 3 * rand() : 0)), y: [i % 3] }));
    const head = await trainLda(labels, samples);
    // Direct: standardise, centre per label, S = CᵀC/N, Ledoit–Wolf from the explicit outer products.
    const Z = samples.map((s) => Array.from(s.x, (v, d) => (v - head.mean[d]!) / head.std[d]!));
    const mu = labels.map((_, k) => Array.from({ length: D }, (_, d) => Z.filter((_, i) => samples[i]!.y[0] === k).reduce((a, z) => a + z[d]!, 0) / (N / 3)));
    const C = Z.map((z, i) => z.map((v, d) => v - mu[samples[i]!.y[0]!]![d]!));
    const S = Array.from({ length: D }, (_, a) => Array.from({ length: D }, (_, b) => C.reduce((acc, c) => acc + c[a]! * c[b]!, 0) / N));
    const m = S.reduce((acc, row, d) => acc + row[d]!, 0) / D;
    const frob = (f: (a: number, b: number) => number) => S.reduce((acc, row, a) => acc + row.reduce((x, _, b) => x + f(a, b) ** 2, 0), 0);
    const d2 = frob((a, b) => S[a]![b]! - (a === b ? m : 0));
    const b2 = Math.min(d2, C.reduce((acc, c) => acc + frob((a, b) => c[a]! * c[b]! - S[a]![b]!), 0) / (N * N));
    const alpha = b2 / d2;
    // (The Gram matrix is computed in single precision.)
    assert.ok(Math.abs(head.shrinkage! - alpha) < 1e-6, `shrinkage ${head.shrinkage} against ${alpha}`);
    const A = new Float64Array(D * D);
    S.forEach((row, a) => row.forEach((v, b) => (A[a * D + b] = (1 - alpha) * v + (a === b ? alpha * m : 0))));
    await choleskyFactor(A, D);
    labels.forEach((_, k) => {
      const w = choleskyBack(A, Float64Array.from(mu[k]!), D);
      w.forEach((v, d) => assert.ok(Math.abs(v - head.weights[k * D + d]!) < 1e-4 * (1 + Math.abs(v)), `label ${k} dim ${d}: ${head.weights[k * D + d]} against ${v}`));
      const b = Math.log(1 / 3) - 0.5 * w.reduce((acc, v, d) => acc + v * mu[k]![d]!, 0);
      assert.ok(Math.abs(b - head.bias[k]!) < 1e-4 * (1 + Math.abs(b)), `label ${k} bias ${head.bias[k]} against ${b}`);
    });
    // A temperature multiplies every logit; a label without samples is never named.
    const warm = await trainLda(labels, samples, 0.5);
    warm.weights.forEach((v, i) => assert.ok(Math.abs(v - 0.5 * head.weights[i]!) < 1e-9));
    const absent = await trainLda([...labels, 'none'], samples);
    for (const s of samples) assert.ok(classify(absent, s.x)[3]! < 1e-12);
  });
});

describe('Custom Labels box refiner and turned views (synthetic)', () => {
  it('offsets carry one box onto another and survive every view frame both ways', () => {
    const from = { left: 0.2, top: 0.3, width: 0.4, height: 0.2 };
    const to = { left: 0.25, top: 0.28, width: 0.3, height: 0.3 };
    const t = offsets(from, to);
    const back = applyOffsets(from, t);
    for (const k of ['left', 'top', 'width', 'height'] as const) assert.ok(Math.abs(back[k] - to[k]) < 1e-12, k);
    for (const turn of [0, 1, 2, 3]) {
      for (const mirrored of [false, true]) {
        const v = toView(t, { turn, mirrored });
        fromView(v, { turn, mirrored }).forEach((x, j) => assert.ok(Math.abs(x - t[j]!) < 1e-12, `turn ${turn} mirrored ${mirrored}`));
      }
    }
    // A clockwise quarter turn carries a shift to the right into a shift down, and swaps the sizes.
    assert.deepEqual(toView([0.1, 0, 0.2, 0], { turn: 1, mirrored: false }), [-0, 0.1, 0, 0.2]);
  });

  it('a quarter turn of an image moves each pixel where the box geometry says', () => {
    const w = 3;
    const h = 2;
    const data = Buffer.alloc(w * h * 3);
    for (let p = 0; p < w * h; p++) data[p * 3] = p;
    const img = { data, width: w, height: h, channels: 3 as const, format: 'png' as const, bytes: 0, orientation: 1, source: { space: 'srgb', depth: '8-bit', pages: 1, hasAlpha: false } };
    const r1 = rotateQuarters(img, 1);
    assert.deepEqual([r1.width, r1.height], [2, 3]);
    // clockwise: the bottom-left pixel (0,1) = 3 goes to the top-left
    assert.deepEqual([...Array(6).keys()].map((p) => r1.data[p * 3]), [3, 0, 4, 1, 5, 2]);
    assert.deepEqual([...Array(6).keys()].map((p) => rotateQuarters(img, 2).data[p * 3]), [5, 4, 3, 2, 1, 0]);
    assert.deepEqual([...Array(6).keys()].map((p) => rotateQuarters(img, 3).data[p * 3]), [2, 5, 1, 4, 0, 3]);
    assert.deepEqual(rotateQuarters(rotateQuarters(img, 1), 3).data, img.data);
  });

  it('the normal equations solve weighted least squares: exact fits, weights as repeats, the ridge shrinking', async () => {
    const rand = rng(9);
    // two targets, linear in 6 inputs (the last one constant: an intercept)
    const w = [[0.5, -1, 2, 0, 0.25, 1.5], [-2, 0, 0.5, 1, -0.75, -0.5]];
    const xs = Array.from({ length: 50 }, () => [...Array.from({ length: 5 }, () => rand() - 0.5), 1]);
    const ts = xs.map((x) => w.map((row) => row.reduce((a, v, i) => a + v * x[i]!, 0)));
    const exact = new NormalEquations(6, 2);
    xs.forEach((x, k) => exact.add(x, ts[k]!));
    const fit = await exact.solve(() => 1e-9);
    fit.forEach((row, t) => row.forEach((v, i) => assert.ok(Math.abs(v - w[t]![i]!) < 1e-6, `target ${t} weight ${i}: ${v}`)));
    // noisy targets: weight 3 on a sample is that sample added three times
    const noisy = ts.map((t) => t.map((v) => v + rand() - 0.5));
    const weighted = new NormalEquations(6, 2);
    const repeated = new NormalEquations(6, 2);
    xs.forEach((x, k) => {
      weighted.add(x, noisy[k]!, k % 2 ? 3 : 1);
      for (let r = 0; r < (k % 2 ? 3 : 1); r++) repeated.add(x, noisy[k]!);
    });
    const [a, b] = [await weighted.solve(() => 0.1), await repeated.solve(() => 0.1)];
    a.forEach((row, t) => row.forEach((v, i) => assert.ok(Math.abs(v - b[t]![i]!) < 1e-9)));
    // a strong ridge on the inputs (not the intercept) shrinks their weights towards 0
    const ridged = new NormalEquations(6, 2);
    xs.forEach((x, k) => ridged.add(x, ts[k]!));
    const shrunk = await ridged.solve((i) => (i < 5 ? 1e4 : 0));
    for (const row of shrunk) for (let i = 0; i < 5; i++) assert.ok(Math.abs(row[i]!) < 0.05, `weight ${i}: ${row[i]}`);
  });

  it('the ridge regression learns offsets that depend on the descriptor, in every view frame', async () => {
    const rand = rng(4);
    // descriptor: 3 dims of noise, then 4 dims that carry the view-frame offsets plus noise
    const samples = Array.from({ length: 400 }, () => {
      const t = [0, 1, 2, 3].map(() => (rand() - 0.5) * 0.4) as [number, number, number, number];
      const x = Float32Array.from([rand(), rand(), rand(), ...t.map((v) => 2 * v + 0.3 + (rand() - 0.5) * 0.01)]);
      return { x, t };
    });
    const r = await trainBoxRefiner(samples, 1e-4);
    const box = { left: 0.3, top: 0.3, width: 0.2, height: 0.2 };
    const truth: [number, number, number, number] = [0.1, -0.05, 0.1, 0];
    const views = [0, 1, 2, 3].map((turn) => {
      const frame = { turn, mirrored: turn % 2 === 1 };
      return { frame, x: Float32Array.from([0.5, 0.5, 0.5, ...toView(truth, frame).map((v) => 2 * v + 0.3)]) };
    });
    const refined = refineBox(r, box, views);
    const want = applyOffsets(box, truth);
    for (const k of ['left', 'top', 'width', 'height'] as const) assert.ok(Math.abs(refined[k] - want[k]) < 0.005, `${k}: ${refined[k]} vs ${want[k]}`);
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

/** Playing cards (VOC XML, 6 labels), the first `n` by file name. */
function cards(n: number): TrainingImage[] {
  const dir = join(EVAL_DATA, 'det-playing-cards', 'train');
  return readdirSync(dir).filter((f) => f.endsWith('.xml')).sort().slice(0, n).map((f) => {
    const xml = readFileSync(join(dir, f), 'utf8');
    const num = (s: string, t: string) => Number(new RegExp(`<${t}>\\s*([-\\d.]+)`).exec(s)![1]);
    const [w, h] = [num(xml, 'width'), num(xml, 'height')];
    const boxes = [...xml.matchAll(/<object>([\s\S]*?)<\/object>/g)].map((m) => {
      const [x1, y1, x2, y2] = ['xmin', 'ymin', 'xmax', 'ymax'].map((t) => num(m[1]!, t)) as [number, number, number, number];
      return { label: /<name>\s*([^<]*?)\s*<\/name>/.exec(m[1]!)![1]!, box: { left: x1 / w, top: y1 / h, width: (x2 - x1) / w, height: (y2 - y1) / h } };
    });
    const stem = f.replace(/\.xml$/, '');
    const file = readdirSync(dir).find((g) => g !== f && g.startsWith(`${stem}.`))!;
    return { path: join(dir, file), boxes };
  });
}

describe('Custom Labels training in the server', () => {
  it('training loops share one clock for event loop turns: a loop that starts after another has run long yields at once', async () => {
    await eventLoopTurns(0)();
    assert.equal(eventLoopTurns(20)(), undefined, 'no turn right after one');
    const until = Date.now() + 30;
    while (Date.now() < until); // a loop's synchronous work, 30 ms without a turn
    const next = eventLoopTurns(20);
    const turn = next();
    assert.ok(turn instanceof Promise, 'the next loop gives the event loop a turn: 30 ms have passed since the last');
    await turn;
    assert.equal(next(), undefined, 'and then not again before 20 ms');
  });
});

describe('Custom Labels detection with several labels (playing cards)', { skip: !hasEvalData ? NO_EVAL_DATA : !hasSharedModels ? NO_SHARED_MODELS : undefined }, () => {
  it('finds boxes class-agnostically and names them by an ImageNet crop classifier (held-out mAP well above chance)', { timeout: 180_000 }, async () => {
    const pool = new WorkerPool({ workers: 2, intraOpThreads: 1, modelCacheDir: join(tmpdir(), 'argus-test-models'), modelsDir: SHARED_MODELS });
    try {
      const all = cards(60);
      const [train, test] = [all.slice(0, 45), all.slice(45)];
      const model = await trainModel(pool, { images: train, kind: 'detection' }, { seed: 2, maxEpochs: 6 });
      const labels = [...new Set(train.flatMap((im) => im.boxes!.map((b) => b.label)))].sort();
      assert.deepEqual(model.labels, labels);
      assert.equal(model.backbone, 'centernet-features+mobilenet-v2-tf2');
      assert.equal(model.backboneNote, undefined);
      assert.deepEqual(model.detector!.labels, ['object'], 'class-agnostic heatmap');
      assert.deepEqual(model.detector!.crop!.labels, [...labels, BACKGROUND]);
      assert.equal(model.detector!.crop!.grid, CROP_GRID, 'box descriptors carry the spatial cells of the pre-pooling map');
      assert.equal(model.detector!.crop!.midGrid, CROP_MID_GRID, 'and those of the mid-level map');
      assert.equal(model.detector!.crop!.secondOrder, 48, 'and its second-order pooling, at the catalogue\'s 48 dimensions');
      const cellDims = CROP_GRID * CROP_GRID * 320 + CROP_MID_GRID * CROP_MID_GRID * 96;
      assert.equal(model.detector!.crop!.classifier.mean.length, cellDims + (48 * 49) / 2);
      assert.ok(model.detector!.crop!.classifier.shrinkage! > 0 && model.detector!.crop!.classifier.temperature! > 0, 'a shrinkage discriminant with a fitted temperature');
      const refiner = model.detector!.crop!.refiner!;
      assert.equal(refiner.weights.length, 4 * (cellDims + 1), 'the refiner reads the cells alone');
      assert.equal(typeof (model.detector!.crop!.turned ?? false), 'boolean');
      const json = JSON.parse(JSON.stringify(model));
      const data = [];
      for (const im of test) {
        const preds = await predict(pool, json, readFileSync(im.path!));
        assert.ok(preds.every((p) => labels.includes(p.label) && p.score >= 0 && p.score <= 1 && p.box));
        data.push({ truth: im.boxes!, predictions: preds.map((p) => ({ label: p.label, score: p.score, box: p.box! })) });
      }
      const ev = evaluateDetection(data, labels, model.thresholds);
      // chance: 1 label in 6 right at random, so about 1/6 of the label-blind AP
      assert.ok(ev.map50 > 0.35, `held-out mAP@0.5 ${ev.map50}`);
    } finally {
      await pool.close();
    }
  });

  it('without an ImageNet backbone: one heatmap per label, and the model says why', { timeout: 120_000 }, async () => {
    const pool = new WorkerPool({ workers: 2, intraOpThreads: 1, modelCacheDir: join(tmpdir(), 'argus-test-models'), modelsDir: mkdtempSync(join(tmpdir(), 'argus-empty-models-')) });
    try {
      const model = await trainModel(pool, { images: cards(16), kind: 'detection' }, { seed: 1, maxEpochs: 2 });
      assert.equal(model.backbone, 'centernet-features');
      assert.match(model.backboneNote ?? '', /mobilenet-v2-tf2.*one heatmap per label/s);
      assert.deepEqual(model.detector!.labels, model.labels);
      assert.equal(model.detector!.crop, undefined);
    } finally {
      await pool.close();
    }
  });
});

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
    // Rekognition's assumed threshold: the label's best-F1 point on the test set, where the summary's metrics are taken.
    const raccoon = r.evaluation.labels[0]!;
    if (raccoon.bestF1.f1 > 0) assert.deepEqual([r.model.thresholds.raccoon, raccoon.threshold], [raccoon.bestF1.threshold, raccoon.bestF1.threshold]);
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
