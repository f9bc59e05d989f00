/**
 * Compares the object detectors of the model pack on real labelled photos: AP@0.5, precision
 * and recall at the serving threshold, and median latency, on ../shared/eval-data/coco8-yolo
 * (YOLO ground truth) plus a by-eye check on labels-classics-unannotated.
 * Usage: npm run build && node dist/bench/detector-eval.js [--json out.json]
 */
import { readFileSync, readdirSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, basename, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { WorkerPool } from '../src/runtime/worker-pool.js';
import { DETECTORS, type Detection } from '../src/vision/detect-objects.js';
import { iou, type Box } from '../src/vision/boxes.js';
import { decodeImage, S3_LIMITS } from '../src/media/image.js';
import { LabelsService } from '../src/services/labels.js';
import { COCO_CLASSES } from '../src/vision/taxonomy.js';
import { EVAL_DATA, median } from './util.js';

interface Truth { classIndex: number; box: Box }

function yoloTruth(file: string): Truth[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => {
    const [c, cx, cy, w, h] = line.split(/\s+/).map(Number) as [number, number, number, number, number];
    return { classIndex: c, box: { left: cx - w / 2, top: cy - h / 2, width: w, height: h } };
  });
}

/** AP@0.5 over all classes pooled (VOC-style all-point interpolation), plus P/R at a threshold. */
function evaluate(images: { truth: Truth[]; dets: Detection[] }[], threshold: number) {
  const all: { score: number; tp: boolean }[] = [];
  let nTruth = 0;
  let tpAt = 0;
  let fpAt = 0;
  for (const { truth, dets } of images) {
    nTruth += truth.length;
    const used = new Set<number>();
    for (const d of [...dets].sort((a, b) => b.score - a.score)) {
      let best = -1;
      let bestIou = 0.5;
      truth.forEach((t, i) => {
        if (used.has(i) || t.classIndex !== d.classIndex) return;
        const v = iou(t.box, d.box);
        if (v >= bestIou) [best, bestIou] = [i, v];
      });
      if (best >= 0) used.add(best);
      all.push({ score: d.score, tp: best >= 0 });
      if (d.score >= threshold) best >= 0 ? tpAt++ : fpAt++;
    }
  }
  all.sort((a, b) => b.score - a.score);
  let tp = 0;
  const points: { p: number; r: number }[] = [];
  all.forEach((d, i) => {
    if (d.tp) tp++;
    points.push({ p: tp / (i + 1), r: tp / Math.max(1, nTruth) });
  });
  let ap = 0;
  let prevR = 0;
  for (let i = 0; i < points.length; i++) {
    const pInterp = Math.max(...points.slice(i).map((x) => x.p));
    ap += (points[i]!.r - prevR) * pInterp;
    prevR = points[i]!.r;
  }
  return { ap50: ap, precision: tpAt / Math.max(1, tpAt + fpAt), recall: tpAt / Math.max(1, nTruth), truths: nTruth };
}

async function main() {
  const coco = join(EVAL_DATA, 'coco8-yolo');
  const classics = join(EVAL_DATA, 'labels-classics-unannotated');
  if (!existsSync(coco)) {
    console.log(`eval data not found at ${coco}; nothing to measure`);
    return;
  }
  const files = ['train', 'val'].flatMap((s) => readdirSync(join(coco, 'images', s)).map((f) => join(coco, 'images', s, f)));
  const classicFiles = existsSync(classics) ? readdirSync(classics).filter((f) => f.endsWith('.jpg')).map((f) => join(classics, f)) : [];
  const pool = new WorkerPool({ workers: 1, intraOpThreads: 2, modelCacheDir: join(tmpdir(), 'argus-bench-models') });
  const report: Record<string, unknown> = {};
  for (const spec of Object.values(DETECTORS)) {
    await pool.warmUp([spec.model]);
    const images: { truth: Truth[]; dets: Detection[] }[] = [];
    const times: number[] = [];
    const service = new LabelsService(pool, spec, spec.model);
    const run = async (file: string) => {
      const img = await decodeImage(readFileSync(file), S3_LIMITS);
      const t0 = performance.now();
      const dets = await service.detectObjects(img);
      times.push(performance.now() - t0);
      return dets;
    };
    for (const f of files) images.push({ truth: yoloTruth(join(dirname(dirname(dirname(f))), 'labels', basename(dirname(f)), basename(f).replace(/\.jpg$/, '.txt'))), dets: await run(f) });
    const seen: Record<string, string[]> = {};
    for (const f of classicFiles) {
      const dets = await run(f);
      seen[basename(f)] = dets.filter((d) => d.score >= 0.3).map((d) => `${COCO_CLASSES[d.classIndex]} ${d.score.toFixed(2)}`);
    }
    report[spec.model] = { ...Object.fromEntries([0.2, 0.3].map((t) => [`at${t}`, evaluate(images, t)])), ap50: evaluate(images, 0.3).ap50, medianMs: median(times), classics: seen };
  }
  await pool.close();
  console.log(JSON.stringify(report, null, 2));
  const i = process.argv.indexOf('--json');
  if (i > 0) {
    mkdirSync(dirname(process.argv[i + 1]!), { recursive: true });
    writeFileSync(process.argv[i + 1]!, JSON.stringify(report, null, 2));
  }
}

await main();
