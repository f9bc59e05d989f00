/**
 * DetectModerationLabels on real, safe photos: every .jpg/.png of ../shared/eval-data (all sets but
 * bad-input and video; none of them is unsafe), for both classifiers of the pack.
 *  - false positives: photos with any moderation label at the default MinConfidence (50), and the
 *    ContentTypes and DetectLabels Drawing/Illustration each model would add to them;
 *  - latency: median and p90 of the classifier call (resize to its input + model) per image, on one
 *    worker with one thread (the server's default per worker);
 *  - cold start: the first-ever load (unpacking nsfwjs's JS modules, converting to ONNX and checking
 *    it against tfjs-wasm) against a load from the model cache, each in a fresh worker pool;
 *  - stability: a sample of photos resized (0.5x, 0.75x) or re-encoded (JPEG q60, PNG): how often
 *    the top class or the moderation decision changes, and the largest change of a class probability;
 *  - what the classifier costs DetectLabels (its Drawing/Illustration evidence): DetectLabels on the
 *    coco8 and classics photos with and without it (excluded by a label filter), as the server runs
 *    it (2 inference workers, 1 thread each): median latency one call at a time, and throughput with
 *    4 calls in flight.
 * Usage: npx tsc -p . && node dist/bench/moderation-eval.js [--models mobilenet-v2,inception-v3] [--verbose]
 * Writes bench/results/moderation-eval.json and prints tables.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { WorkerPool } from '../src/runtime/worker-pool.js';
import { loadConfig } from '../src/config.js';
import { buildServices } from '../src/app.js';
import type { DetectLabelsOptions } from '../src/services/labels.js';
import { ModerationService } from '../src/services/moderation.js';
import { decodeImage, S3_LIMITS, type DecodedImage } from '../src/media/image.js';
import { ART_MIN_PROBABILITY, MODERATION_MODELS, NSFW_CLASSES, contentTypes, moderationLabels, topClass, type ModerationModelName, type NsfwScores } from '../src/vision/moderation.js';
import { renderTable } from '../src/cli/table.js';
import { EVAL_DATA, median, percentile } from './util.js';

const VERBOSE = process.argv.includes('--verbose');
const MIN_CONFIDENCE = 50;
const STABILITY_SAMPLE = Number(process.env.BENCH_STABILITY_SAMPLE ?? 80);
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results', 'moderation-eval.json');
const SKIP_SETS = new Set(['bad-input', 'video']);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function listImages(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listImages(p));
    else if (/\.(jpe?g|png)$/i.test(e.name)) out.push(p);
  }
  return out.sort();
}

interface Photo {
  file: string;
  set: string;
  img: DecodedImage;
  bytes: Buffer;
}

const maxModeration = (s: NsfwScores) => Math.max(0, ...moderationLabels(s, 0).map((l) => l.confidence));
const flagged = (s: NsfwScores) => moderationLabels(s, MIN_CONFIDENCE).length > 0;
const fmt = (s: NsfwScores) => NSFW_CLASSES.map((c) => `${c} ${(100 * s[c]).toFixed(1)}`).join(', ');

async function coldStart(name: ModerationModelName) {
  const spec = MODERATION_MODELS[name];
  const cacheDir = mkdtempSync(join(tmpdir(), 'argus-moderation-cold-'));
  const load = async () => {
    const pool = new WorkerPool({ workers: 1, intraOpThreads: 1, modelCacheDir: cacheDir });
    const t0 = performance.now();
    await pool.warmUp([spec.model]);
    const ms = performance.now() - t0;
    const h = pool.health().find((x) => x.id === spec.model)!;
    await pool.close();
    return { ms, backend: h.backend, fallback: h.fallback };
  };
  try {
    const first = await load();
    const cached = await load();
    const wasm = await (async () => {
      const pool = new WorkerPool({ workers: 1, intraOpThreads: 1, modelCacheDir: cacheDir, convertToOnnx: false });
      const t0 = performance.now();
      await pool.warmUp([spec.model]);
      const ms = performance.now() - t0;
      await pool.close();
      return ms;
    })();
    return { firstEverMs: first.ms, cachedMs: cached.ms, backend: cached.backend, fallback: cached.fallback, cachedTfjsWasmMs: wasm };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

async function detectLabelsCost(name: ModerationModelName, photos: Photo[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'argus-moderation-labels-'));
  const built = buildServices(loadConfig({}, { dataDir, workers: 2, intraOpThreads: 1, warmUp: false, credentials: [], moderationModel: name }));
  const { labels, runtime } = built.services;
  const base: DetectLabelsOptions = { minConfidence: 55, generalLabels: true, imageProperties: false, maxDominantColors: 10, filters: {} };
  const without: DetectLabelsOptions = { ...base, filters: { labelExclusion: ['Drawing', 'Illustration'] } };
  try {
    await runtime.warmUp([...new Set(['centernet', 'ppocr-det', MODERATION_MODELS[name].model])]);
    for (const p of photos.slice(0, 2)) await labels.detectLabels(p.img, base);
    // The machine is shared: with and without alternate, photo by photo and pass by pass, so that
    // a busy neighbour slows both alike.
    const times = { with: [] as number[], without: [] as number[] };
    const seconds = { with: 0, without: 0 };
    const modes = [['with', base], ['without', without]] as const;
    for (let round = 0; round < 3; round++) {
      for (const p of photos) {
        for (const [k, o] of round % 2 ? [...modes].reverse() : modes) {
          const t0 = performance.now();
          await labels.detectLabels(p.img, o);
          times[k].push(performance.now() - t0);
        }
      }
      // Throughput: 4 calls in flight over one pass of the photos.
      for (const [k, o] of round % 2 ? [...modes].reverse() : modes) {
        const queue = [...photos];
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            for (let p = queue.shift(); p; p = queue.shift()) await labels.detectLabels(p.img, o);
          }),
        );
        seconds[k] += (performance.now() - t0) / 1000;
      }
    }
    const result = (k: 'with' | 'without') => ({ medianMs: median(times[k]), imagesPerSecond: (3 * photos.length) / seconds[k] });
    return { photos: photos.length, with: result('with'), without: result('without') };
  } finally {
    await built.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function variants(p: Photo): Promise<{ name: string; img: DecodedImage }[]> {
  const out: { name: string; img: DecodedImage }[] = [];
  const src = sharp(p.bytes).rotate();
  for (const f of [0.5, 0.75]) {
    const w = Math.round(p.img.width * f);
    const h = Math.round(p.img.height * f);
    if (Math.min(w, h) < 80) continue;
    const bytes = await src.clone().resize(w, h, { kernel: 'lanczos3' }).png().toBuffer();
    out.push({ name: `resize ${f}x`, img: await decodeImage(bytes, S3_LIMITS) });
  }
  out.push({ name: 'JPEG q60', img: await decodeImage(await src.clone().jpeg({ quality: 60 }).toBuffer(), S3_LIMITS) });
  out.push({ name: 'PNG', img: await decodeImage(await src.clone().png().toBuffer(), S3_LIMITS) });
  return out;
}

async function evaluate(name: ModerationModelName, photos: Photo[], stabilitySet: Photo[]) {
  const spec = MODERATION_MODELS[name];
  const cacheDir = join(tmpdir(), 'argus-bench-models');
  const pool = new WorkerPool({ workers: 1, intraOpThreads: 1, modelCacheDir: cacheDir });
  const service = new ModerationService(pool, spec);
  await pool.warmUp([spec.model]);
  const h = pool.health().find((x) => x.id === spec.model)!;
  const warm = photos.slice(0, 3);
  for (const p of warm) await service.classify(p.img);
  const times: number[] = [];
  const rows: { file: string; set: string; scores: NsfwScores }[] = [];
  for (const p of photos) {
    const t0 = performance.now();
    const scores = (await service.classify(p.img)) as NsfwScores;
    times.push(performance.now() - t0);
    rows.push({ file: p.file, set: p.set, scores });
  }
  const fp = rows.filter((r) => flagged(r.scores));
  const bySet: Record<string, { photos: number; flagged: number }> = {};
  for (const r of rows) {
    const s = (bySet[r.set] ??= { photos: 0, flagged: 0 });
    s.photos++;
    if (flagged(r.scores)) s.flagged++;
  }
  const tops: Record<string, number> = {};
  for (const r of rows) tops[topClass(r.scores)] = (tops[topClass(r.scores)] ?? 0) + 1;
  const illustrated = rows.filter((r) => contentTypes(r.scores, MIN_CONFIDENCE).length > 0);
  const art = rows.filter((r) => r.scores.Drawing + r.scores.Hentai >= ART_MIN_PROBABILITY);

  // Stability: the original against each variant.
  const byVariant: Record<string, { n: number; topChanged: number; decisionChanged: number; maxDelta: number; deltas: number[] }> = {};
  for (const p of stabilitySet) {
    const base = rows.find((r) => r.file === p.file)!.scores;
    for (const v of await variants(p)) {
      const s = (await service.classify(v.img)) as NsfwScores;
      const b = (byVariant[v.name] ??= { n: 0, topChanged: 0, decisionChanged: 0, maxDelta: 0, deltas: [] });
      b.n++;
      if (topClass(s) !== topClass(base)) b.topChanged++;
      if (flagged(s) !== flagged(base)) b.decisionChanged++;
      const d = Math.max(...NSFW_CLASSES.map((c) => Math.abs(s[c] - base[c]))) * 100;
      b.deltas.push(d);
      b.maxDelta = Math.max(b.maxDelta, d);
      if (VERBOSE && topClass(s) !== topClass(base)) console.log(`  ${name} ${v.name} ${relative(EVAL_DATA, p.file)}: ${topClass(base)} -> ${topClass(s)} (${fmt(s)})`);
    }
  }
  await pool.close();
  return {
    model: spec.model,
    version: spec.version,
    backend: h.backend,
    backendInfo: h.backendInfo,
    photos: rows.length,
    flagged: fp.length,
    falsePositiveRate: fp.length / rows.length,
    flaggedPhotos: fp.map((r) => ({ file: relative(EVAL_DATA, r.file), labels: moderationLabels(r.scores, MIN_CONFIDENCE).map((l) => `${l.name} ${l.confidence.toFixed(1)}`), scores: fmt(r.scores) })),
    bySet,
    topClasses: tops,
    maxModerationConfidence: { median: median(rows.map((r) => maxModeration(r.scores))), p90: percentile(rows.map((r) => maxModeration(r.scores)), 90), p99: percentile(rows.map((r) => maxModeration(r.scores)), 99) },
    contentTypes: { photos: illustrated.length, examples: illustrated.slice(0, 20).map((r) => `${relative(EVAL_DATA, r.file)}: ${fmt(r.scores)}`) },
    drawingLabel: { photos: art.length, minProbability: ART_MIN_PROBABILITY, examples: art.slice(0, 20).map((r) => `${relative(EVAL_DATA, r.file)}: ${fmt(r.scores)}`) },
    drawnProbability: {
      p90: percentile(rows.map((r) => r.scores.Drawing + r.scores.Hentai), 90),
      p99: percentile(rows.map((r) => r.scores.Drawing + r.scores.Hentai), 99),
      max: Math.max(...rows.map((r) => r.scores.Drawing + r.scores.Hentai)),
    },
    latencyMs: { median: median(times), p90: percentile(times, 90) },
    stability: Object.fromEntries(
      Object.entries(byVariant).map(([k, v]) => [k, { images: v.n, topClassChanged: v.topChanged, decisionChanged: v.decisionChanged, maxProbabilityChange: v.maxDelta, medianProbabilityChange: median(v.deltas) }]),
    ),
  };
}

async function main() {
  if (!existsSync(EVAL_DATA)) {
    console.log(`eval data not found at ${EVAL_DATA}; nothing to measure`);
    return;
  }
  const models = (arg('--models') ?? 'mobilenet-v2,inception-v3').split(',') as ModerationModelName[];
  for (const m of models) if (!MODERATION_MODELS[m]) throw new Error(`unknown model ${m}`);
  const sets = readdirSync(EVAL_DATA).filter((d) => !SKIP_SETS.has(d) && statSync(join(EVAL_DATA, d)).isDirectory());
  const photos: Photo[] = [];
  const skipped: string[] = [];
  for (const set of sets) {
    for (const file of listImages(join(EVAL_DATA, set))) {
      const bytes = readFileSync(file);
      try {
        photos.push({ file, set, bytes, img: await decodeImage(bytes, S3_LIMITS) });
      } catch (err) {
        skipped.push(`${relative(EVAL_DATA, file)}: ${(err as Error).message}`);
      }
    }
  }
  // Every k-th photo, so that each set is represented.
  const step = Math.max(1, Math.floor(photos.length / STABILITY_SAMPLE));
  const stabilitySet = photos.filter((_, i) => i % step === 0).slice(0, STABILITY_SAMPLE);
  console.log(`${photos.length} safe photos from ${sets.length} sets (${skipped.length} not accepted as API input, skipped); stability sample ${stabilitySet.length}`);

  const report: Record<string, unknown> = { evalData: EVAL_DATA, minConfidence: MIN_CONFIDENCE, photos: photos.length, skipped, sets, coldStart: {}, models: {} };
  const labelPhotos = photos.filter((p) => p.set === 'coco8-yolo' || p.set === 'labels-classics-unannotated');
  report.detectLabels = {};
  for (const m of models) {
    (report.coldStart as Record<string, unknown>)[m] = await coldStart(m);
    (report.models as Record<string, unknown>)[m] = await evaluate(m, photos, stabilitySet);
    (report.detectLabels as Record<string, unknown>)[m] = await detectLabelsCost(m, labelPhotos);
  }
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(report, null, 2) + '\n');

  type R = Awaited<ReturnType<typeof evaluate>>;
  type C = Awaited<ReturnType<typeof coldStart>>;
  const rs = models.map((m) => [m, (report.models as Record<string, R>)[m]!, (report.coldStart as Record<string, C>)[m]!] as const);
  console.log(
    '\n' +
      renderTable(
        ['model', 'photos', 'flagged at 50', 'FP rate', 'ContentTypes', 'Drawing label', 'median ms', 'p90 ms', 'first load ms', 'cached load ms', 'cached, tfjs-wasm ms'],
        rs.map(([m, r, c]) => [
          m,
          r.photos,
          r.flagged,
          `${(100 * r.falsePositiveRate).toFixed(2)} %`,
          r.contentTypes.photos,
          r.drawingLabel.photos,
          r.latencyMs.median.toFixed(1),
          r.latencyMs.p90.toFixed(1),
          c.firstEverMs.toFixed(0),
          c.cachedMs.toFixed(0),
          c.cachedTfjsWasmMs.toFixed(0),
        ]),
      ),
  );
  console.log(
    '\n' +
      renderTable(
        ['model', 'variant', 'images', 'top class changed', 'decision changed', 'max prob. change', 'median prob. change'],
        rs.flatMap(([m, r]) =>
          Object.entries(r.stability).map(([v, s]) => [m, v, s.images, s.topClassChanged, s.decisionChanged, s.maxProbabilityChange.toFixed(1), s.medianProbabilityChange.toFixed(2)]),
        ),
      ),
  );
  type D = Awaited<ReturnType<typeof detectLabelsCost>>;
  console.log(
    '\n' +
      renderTable(
        ['DetectLabels', 'photos', 'median ms with / without classifier', 'images/s with / without (2 workers, 4 in flight)'],
        models.map((m) => {
          const d = (report.detectLabels as Record<string, D>)[m]!;
          return [m, d.photos, `${d.with.medianMs.toFixed(0)} / ${d.without.medianMs.toFixed(0)}`, `${d.with.imagesPerSecond.toFixed(2)} / ${d.without.imagesPerSecond.toFixed(2)}`];
        }),
      ),
  );
  for (const [m, r] of rs) {
    if (r.flaggedPhotos.length) console.log(`\n${m} flagged:\n` + r.flaggedPhotos.map((f) => `  ${f.file}: ${f.labels.join(', ')} (${f.scores})`).join('\n'));
  }
  console.log(`\nwritten to ${relative(process.cwd(), RESULTS)}`);
}

await main();
