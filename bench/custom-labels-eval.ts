/**
 * Custom Labels training and evaluation on ../shared/eval-data: det-raccoon (VOC XML, 1 label),
 * det-playing-cards/train (VOC XML, 6 labels), cls-face-mask (a folder per label). Each set over
 * 3 seeded random splits with a held-back test split (25%) that training never sees; training
 * holds out its own validation split (20% of the rest) for early stopping and thresholds.
 * Reports mAP@0.5, mAP@0.5:0.95, F1 at the validation split's best-F1 thresholds (chosen without the
 * test images) and at the test split's own (Rekognition's assumed thresholds, what the service
 * serves and reports after evaluating on a test set), accuracy,
 * training wall time and peak RSS (the whole process, inference worker threads included); with
 * several labels also the label-blind mAP@0.5 (are the boxes found at all, named right or not).
 * Usage: npx tsc -p . && node dist/bench/custom-labels-eval.js [--only raccoon,cards,mask] [--splits 3] [--json bench/results/custom-labels-eval.json]
 *        node dist/bench/custom-labels-eval.js --whole [--only cards] (timeWhole: one training on every image, by phase)
 * Experiment knobs (environment): HEAD_LR, HEAD_L2, PATIENCE, EPOCHS (detection head), BACKBONE (ImageNet backbone id,
 * or centernet-features to measure the fallback), VERBOSE=1 (progress lines), DIAG=1 (where detection errs: boxes not found, found but misnamed, confusions; DIAG=misnamed also lists each misnamed box),
 * MODELS=<folder> (save each split's trained model there, or load it when present: decode-only experiments).
 */
import { readFileSync, readdirSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { WorkerPool } from '../src/runtime/worker-pool.js';
import { iou, type Box } from '../src/vision/boxes.js';
import { trainModel, predict, type TrainedModel, type TrainingImage } from '../src/vision/custom-labels/train.js';
import { bestF1Thresholds, evaluateClassification, evaluateDetection } from '../src/vision/custom-labels/evaluate.js';
import { rng, shuffle } from '../src/vision/custom-labels/math.js';
import { EVAL_DATA } from './util.js';

/** Minimal Pascal VOC XML reader (bench only): size and object name/bndbox. */
function readVoc(xml: string): { width: number; height: number; boxes: { label: string; box: Box }[] } {
  const num = (s: string, tag: string) => Number(new RegExp(`<${tag}>\\s*([-\\d.]+)\\s*</${tag}>`).exec(s)?.[1]);
  const size = /<size>([\s\S]*?)<\/size>/.exec(xml)?.[1] ?? '';
  const width = num(size, 'width');
  const height = num(size, 'height');
  const boxes = [...xml.matchAll(/<object>([\s\S]*?)<\/object>/g)].map((m) => {
    const o = m[1]!;
    const label = /<name>\s*([^<]*?)\s*<\/name>/.exec(o)?.[1] ?? '';
    const [x1, y1, x2, y2] = ['xmin', 'ymin', 'xmax', 'ymax'].map((t) => num(o, t)) as [number, number, number, number];
    return { label, box: { left: x1 / width, top: y1 / height, width: (x2 - x1) / width, height: (y2 - y1) / height } };
  });
  return { width, height, boxes };
}

function vocFolder(imagesDir: string, xmlDir: string): TrainingImage[] {
  return readdirSync(xmlDir).filter((f) => f.endsWith('.xml')).sort().flatMap((f) => {
    const xml = readFileSync(join(xmlDir, f), 'utf8');
    const file = /<filename>\s*([^<]*?)\s*<\/filename>/.exec(xml)?.[1] ?? '';
    const stem = basename(f, '.xml');
    const candidates = [file, `${stem}.jpg`, `${stem}.JPG`, `${stem}.png`].map((n) => join(imagesDir, n));
    const path = candidates.find((p) => existsSync(p));
    return path ? [{ path, boxes: readVoc(xml).boxes }] : [];
  });
}

function folderPerLabel(dir: string): TrainingImage[] {
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).sort((a, b) => a.name.localeCompare(b.name)).flatMap((d) =>
    readdirSync(join(dir, d.name)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => ({ path: join(dir, d.name, f), labels: [d.name] })),
  );
}

const SETS: Record<string, { kind: 'detection' | 'classification'; load(): TrainingImage[] }> = {
  raccoon: { kind: 'detection', load: () => vocFolder(join(EVAL_DATA, 'det-raccoon', 'images'), join(EVAL_DATA, 'det-raccoon', 'annotations')) },
  cards: { kind: 'detection', load: () => vocFolder(join(EVAL_DATA, 'det-playing-cards', 'train'), join(EVAL_DATA, 'det-playing-cards', 'train')) },
  mask: { kind: 'classification', load: () => folderPerLabel(join(EVAL_DATA, 'cls-face-mask')) },
};

/** Label-blind data: every truth is an 'object', each predicted box once at its best label's score (how well boxes are found). */
function agnosticData(test: TrainingImage[], preds: { label: string; score: number; box?: Box }[][]) {
  return test.map((im, j) => {
    const best = new Map<string, { label: string; score: number; box: Box }>();
    for (const p of preds[j]!) {
      const key = JSON.stringify(p.box);
      if (p.box && (best.get(key)?.score ?? -1) < p.score) best.set(key, { label: 'object', score: p.score, box: p.box });
    }
    return { truth: (im.boxes ?? []).map((b) => ({ ...b, label: 'object' })), predictions: [...best.values()] };
  });
}

/**
 * Where detection errs (DIAG=1): per true box, whether any predicted box overlaps it at IoU >= 0.5,
 * and whether the best-scored such box names it right; and which label it was mistaken for.
 */
function diagnose(test: TrainingImage[], preds: { label: string; score: number; box?: Box }[][]) {
  let found = 0;
  let named = 0;
  let total = 0;
  const confusions = new Map<string, number>();
  const ious: number[] = [];
  const edges: number[][] = [];
  test.forEach((im, j) => {
    for (const t of im.boxes ?? []) {
      total++;
      const over = preds[j]!.filter((p) => p.box && iou(p.box, t.box) >= 0.5).sort((a, b) => b.score - a.score);
      const top = over[0];
      if (!top) {
        ious.push(Math.max(0, ...preds[j]!.map((p) => (p.box ? iou(p.box, t.box) : 0))));
        continue;
      }
      found++;
      const b = top.box!;
      edges.push([(b.left - t.box.left) / t.box.width, (b.top - t.box.top) / t.box.height, (b.left + b.width - t.box.left - t.box.width) / t.box.width, (b.top + b.height - t.box.top - t.box.height) / t.box.height, iou(b, t.box)]);
      if (top.label === t.label) {
        named++;
        continue;
      }
      const key = `${t.label}->${top.label}`;
      confusions.set(key, (confusions.get(key) ?? 0) + 1);
      if (process.env.DIAG === 'misnamed') console.log('MISNAMED', JSON.stringify({ path: im.path, truth: t.label, box: b, said: top.label, score: top.score }));
    }
  });
  return { total, found, named, confusions: Object.fromEntries([...confusions].sort((a, b) => b[1] - a[1])), missedBestIou: ious.map((v) => +v.toFixed(2)),
    /** Found boxes: mean signed error of left, top, right, bottom (share of the true box's size), mean absolute error, mean IoU. */
    edgeBias: [0, 1, 2, 3].map((k) => +(edges.reduce((a, e) => a + e[k]!, 0) / Math.max(1, edges.length)).toFixed(3)),
    edgeAbs: [0, 1, 2, 3].map((k) => +(edges.reduce((a, e) => a + Math.abs(e[k]!), 0) / Math.max(1, edges.length)).toFixed(3)),
    meanIou: +(edges.reduce((a, e) => a + e[4]!, 0) / Math.max(1, edges.length)).toFixed(3) };
}

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/**
 * `--whole`: one training per set on every image (no test split), in a process that has run no
 * training yet, each phase's start time printed: how long a training of the issue's size (about
 * 160 images) takes when no feature is cached, which the splits' figures cannot say (later
 * splits reuse the first one's features).
 */
async function timeWhole(only: string[], jsonOut: string) {
  const rows: Record<string, unknown>[] = [];
  await overSets(only, async (runtime, name, set, images) => {
    const phases: [number, string][] = [];
    const t0 = Date.now();
    const model = await trainModel(runtime, { images, kind: set.kind }, { seed: 1, validationFraction: 0.2, onProgress: (_, m) => {
      const phase = m.replace(/[\s:]*\d.*$/, ''); // 'epoch 3: …', 'box crops 5/900 …': one phase each
      if (phase !== phases.at(-1)?.[1]) phases.push([(Date.now() - t0) / 1000, phase]);
    } });
    const row = { set: name, images: images.length, backbone: model.backbone, trainWallS: (Date.now() - t0) / 1000, peakRssMB: process.resourceUsage().maxRSS / 1024, phases: phases.map(([t, p]) => `${t.toFixed(1)} s ${p}`) };
    rows.push(row);
    console.log(JSON.stringify(row, null, 2));
  });
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
}

/** Runs `each` on every chosen set (loaded) with one inference pool of 2 workers. */
async function overSets(only: string[], each: (runtime: WorkerPool, name: string, set: (typeof SETS)[string], images: TrainingImage[]) => Promise<void>) {
  const runtime = new WorkerPool({ workers: 2, intraOpThreads: 1, modelCacheDir: join('data', 'models'), convertToOnnx: true });
  try {
    for (const name of only) {
      const set = SETS[name];
      if (!set) throw new Error(`unknown set ${name}`);
      await each(runtime, name, set, set.load());
    }
  } finally {
    await runtime.close();
  }
}

async function main() {
  const only = (arg('--only') ?? 'raccoon,cards,mask').split(',');
  if (process.argv.includes('--whole')) return timeWhole(only, arg('--json') ?? 'bench/results/custom-labels-train-time.json');
  const splits = Number(arg('--splits') ?? 3);
  const jsonOut = arg('--json') ?? 'bench/results/custom-labels-eval.json';
  const rows: Record<string, unknown>[] = [];
  await overSets(only, async (runtime, name, set, all) => {
    for (let s = 1; s <= splits; s++) {
      const order = shuffle(all.map((_, i) => i), rng(1000 + s));
      const nTest = Math.round(all.length * 0.25);
      const test = order.slice(0, nTest).map((i) => all[i]!);
      const train = order.slice(nTest).map((i) => all[i]!);
      const t0 = Date.now();
      const saved = process.env.MODELS ? join(process.env.MODELS, `${name}-${s}.json`) : undefined;
      const model: TrainedModel = saved && existsSync(saved) ? JSON.parse(readFileSync(saved, 'utf8')) : await trainModel(runtime, { images: train, kind: set.kind }, { seed: s, validationFraction: 0.2, headLr: process.env.HEAD_LR ? Number(process.env.HEAD_LR) : undefined, headL2: process.env.HEAD_L2 ? Number(process.env.HEAD_L2) : undefined, patience: process.env.PATIENCE ? Number(process.env.PATIENCE) : undefined, maxEpochs: process.env.EPOCHS ? Number(process.env.EPOCHS) : undefined, backbone: process.env.BACKBONE || undefined, onProgress: process.env.VERBOSE ? (f, m) => console.log(((Date.now() - t0) / 1000).toFixed(1), f.toFixed(2), m) : undefined });
      const trainS = (Date.now() - t0) / 1000;
      if (saved && !existsSync(saved)) (mkdirSync(dirname(saved), { recursive: true }), writeFileSync(saved, JSON.stringify(model)));
      const preds: Awaited<ReturnType<typeof predict>>[] = [];
      for (const im of test) preds.push(await predict(runtime, model, readFileSync(im.path!)));
      let row: Record<string, unknown>;
      if (set.kind === 'detection') {
        const data = test.map((im, j) => ({ truth: im.boxes ?? [], predictions: preds[j]!.map((p) => ({ label: p.label, score: p.score, box: p.box! })) }));
        const ev = evaluateDetection(data, model.labels, model.thresholds);
        const f1TestBest = evaluateDetection(data, model.labels, bestF1Thresholds(evaluateDetection(data, model.labels), model.thresholds)).aggregate.f1;
        const agnostic = model.labels.length > 1 ? evaluateDetection(agnosticData(test, preds), ['object']).map50 : undefined;
        if (process.env.DIAG) console.log(JSON.stringify(diagnose(test, preds)));
        row = { set: name, split: s, train: train.length, test: test.length, map50: ev.map50, map50to95: ev.map50to95, ...(agnostic !== undefined ? { map50Agnostic: agnostic } : {}), f1: ev.aggregate.f1, f1TestBest, precision: ev.aggregate.precision, recall: ev.aggregate.recall };
      } else {
        const data = test.map((im, j) => ({ truth: im.labels ?? [], scores: Object.fromEntries(preds[j]!.map((p) => [p.label, p.score])) }));
        const ev = evaluateClassification(data, model.labels, model.thresholds);
        const f1TestBest = evaluateClassification(data, model.labels, bestF1Thresholds(evaluateClassification(data, model.labels), model.thresholds)).aggregate.f1;
        row = { set: name, split: s, train: train.length, test: test.length, accuracy: ev.accuracy, map50: ev.map50, f1: ev.aggregate.f1, f1TestBest, precision: ev.aggregate.precision, recall: ev.aggregate.recall };
      }
      Object.assign(row, { backbone: model.backbone, epochs: model.training.epochs, boxWindows: model.training.boxWindows, trainWallS: trainS, peakRssMB: process.resourceUsage().maxRSS / 1024 });
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  });
  const f = (x: unknown) => (typeof x === 'number' ? x.toFixed(3) : String(x ?? '-'));
  console.log('\n| set | split | train/test | mAP@.5 | mAP@.5:.95 | label-blind mAP@.5 | F1 (validation thr.) | F1 (test best-F1 thr.) | accuracy | backbone | train s | peak RSS MB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.set} | ${r.split} | ${r.train}/${r.test} | ${f(r.map50)} | ${f(r.map50to95)} | ${f(r.map50Agnostic)} | ${f(r.f1)} | ${f(r.f1TestBest)} | ${f(r.accuracy)} | ${r.backbone} | ${(r.trainWallS as number).toFixed(1)} | ${(r.peakRssMB as number).toFixed(0)} |`);
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), note: 'first split of each set includes feature extraction; later splits reuse cached features', rows }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
