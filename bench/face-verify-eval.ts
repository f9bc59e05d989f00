/**
 * Face verification and identification with the full pipeline (detector, mesh, alignment, dlib
 * descriptor, calibrated similarity) on eval-data's identity sets:
 *  - Verification: the largest face of every image of faces-bbt-identities/identities (8 people x
 *    5), faces-dlib-johns (5 x 11) and the one-person images of faces-face-recognition; all
 *    same/different pairs; true-accept and false-accept rates at similarity 50, 80, 90, 99, and the
 *    true-accept rate at false-accept rates 1 % and 0.1 %.
 *  - Identification: the 40 bbt crops as the gallery; every face found in the 5 bbt group photos
 *    is labelled by hand (by where its centre is; faces of people outside the gallery are
 *    strangers) and searched: rank-1 accuracy, and at threshold 80 the correct matches, wrong
 *    matches and strangers matched.
 *
 *   npx tsc -p . && node dist/bench/face-verify-eval.js [--json bench/results/face-verify-eval.json]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EVAL_DATA, median } from './util.js';
import { WorkerPool } from '../src/runtime/worker-pool.js';
import { decodeImage, S3_LIMITS } from '../src/media/image.js';
import { FacesService } from '../src/services/faces.js';
import { cosine, similarityFromCosine } from '../src/vision/faces/embedding.js';
import type { AnalyzedFace } from '../src/vision/faces/face.js';

interface Item {
  who: string;
  file: string;
}

/** Who is where in the group photos (face centres as image ratios, read off the photos by eye). */
const GROUP_LABELS: Record<string, { x: number; y: number; who: string }[]> = {
  bbt1: [{ x: 0.19, y: 0.24, who: 'raj' }, { x: 0.38, y: 0.28, who: 'leonard' }, { x: 0.57, y: 0.29, who: 'howard' }, { x: 0.77, y: 0.18, who: 'sheldon' }],
  bbt2: [{ x: 0.03, y: 0.27, who: 'stranger' }, { x: 0.2, y: 0.34, who: 'leonard' }, { x: 0.64, y: 0.34, who: 'sheldon' }],
  bbt3: [{ x: 0.11, y: 0.15, who: 'sheldon' }, { x: 0.3, y: 0.3, who: 'howard' }, { x: 0.47, y: 0.31, who: 'penny' }, { x: 0.66, y: 0.34, who: 'raj' }, { x: 0.875, y: 0.31, who: 'leonard' }],
  bbt4: [{ x: 0.14, y: 0.64, who: 'leonard' }, { x: 0.175, y: 0.14, who: 'amy' }, { x: 0.39, y: 0.2, who: 'raj' }, { x: 0.42, y: 0.62, who: 'penny' }, { x: 0.72, y: 0.47, who: 'sheldon' }, { x: 0.875, y: 0.24, who: 'bernadette' }],
  bbt5: [{ x: 0.16, y: 0.44, who: 'raj' }, { x: 0.27, y: 0.19, who: 'penny' }, { x: 0.51, y: 0.43, who: 'sheldon' }, { x: 0.66, y: 0.19, who: 'leonard' }, { x: 0.81, y: 0.28, who: 'howard' }],
};

function images(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().map((f) => join(dir, f)) : [];
}

function identitySets(): Item[] {
  const items: Item[] = [];
  for (const [set, root] of [['bbt', join(EVAL_DATA, 'faces-bbt-identities', 'identities')], ['johns', join(EVAL_DATA, 'faces-dlib-johns')]] as const) {
    for (const who of existsSync(root) ? readdirSync(root).sort() : []) for (const file of images(join(root, who))) items.push({ who: `${set}:${who}`, file });
  }
  const csv = join(EVAL_DATA, 'faces-face-recognition', 'expected_identities.csv');
  if (existsSync(csv)) {
    for (const line of readFileSync(csv, 'utf8').split('\n').slice(1)) {
      const [file, ids] = line.split(',');
      if (!file || !ids || ids.includes(';') || /partial/.test(file)) continue;
      items.push({ who: `fr:${ids}`, file: join(EVAL_DATA, 'faces-face-recognition', file) });
    }
  }
  return items;
}

async function main(argv: string[]): Promise<void> {
  const jsonPath = argv[argv.indexOf('--json') + 1] && argv.includes('--json') ? argv[argv.indexOf('--json') + 1]! : 'bench/results/face-verify-eval.json';
  if (!existsSync(EVAL_DATA)) {
    console.log(`eval-data not found at ${EVAL_DATA}; nothing to measure`);
    return;
  }
  const runtime = new WorkerPool({ workers: 2, intraOpThreads: 1, modelCacheDir: join('data', 'models'), convertToOnnx: true });
  const faces = new FacesService(runtime);
  const analyze = async (file: string): Promise<{ faces: AnalyzedFace[]; ms: number; width: number; height: number }> => {
    const img = await decodeImage(readFileSync(file), S3_LIMITS);
    const t0 = performance.now();
    const found = await faces.analyze(img, { attributes: 'DEFAULT', embeddings: true });
    return { faces: found, ms: performance.now() - t0, width: img.width, height: img.height };
  };

  // Verification
  const items = identitySets();
  const embedded: { who: string; e: Float32Array }[] = [];
  const missed: string[] = [];
  const ms: number[] = [];
  for (const it of items) {
    const r = await analyze(it.file);
    ms.push(r.ms);
    if (r.faces[0]) embedded.push({ who: it.who, e: r.faces[0].embedding! });
    else missed.push(it.file);
  }
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < embedded.length; i++) {
    for (let j = i + 1; j < embedded.length; j++) (embedded[i]!.who === embedded[j]!.who ? pos : neg).push(similarityFromCosine(cosine(embedded[i]!.e, embedded[j]!.e)));
  }
  neg.sort((a, b) => b - a);
  const atThreshold = [50, 80, 90, 99].map((t) => ({
    similarity: t,
    trueAcceptRate: pos.filter((s) => s >= t).length / pos.length,
    falseAccepts: neg.filter((s) => s >= t).length,
    falseAcceptRate: neg.filter((s) => s >= t).length / neg.length,
  }));
  const tarAtFar = [0.01, 0.001].map((far) => {
    const t = neg[Math.floor(far * neg.length)]!;
    return { falseAcceptRate: far, similarity: t, trueAcceptRate: pos.filter((s) => s > t).length / pos.length };
  });

  // Identification in the group photos
  const gallery = embedded.filter((x) => x.who.startsWith('bbt:')).map((x) => ({ who: x.who.slice(4), e: x.e }));
  const groups: { photo: string; face: string; truth: string; best: string; similarity: number }[] = [];
  for (const [photo, labels] of Object.entries(GROUP_LABELS)) {
    const r = await analyze(join(EVAL_DATA, 'faces-bbt-identities', 'group', `${photo}.jpg`));
    for (const f of r.faces) {
      const c = { x: f.box.left + f.box.width / 2, y: f.box.top + f.box.height / 2 };
      const label = labels.find((l) => Math.hypot(l.x - c.x, l.y - c.y) < 0.08);
      let best = { who: '', s: -1 };
      for (const g of gallery) {
        const s = similarityFromCosine(cosine(f.embedding!, g.e));
        if (s > best.s) best = { who: g.who, s };
      }
      groups.push({ photo, face: `${c.x.toFixed(2)},${c.y.toFixed(2)}`, truth: label?.who ?? 'stranger', best: best.who, similarity: best.s });
    }
  }
  const known = groups.filter((g) => g.truth !== 'stranger');
  const strangers = groups.filter((g) => g.truth === 'stranger');
  const labelled = Object.values(GROUP_LABELS).flat().filter((l) => l.who !== 'stranger').length;
  const identification = {
    labelledFaces: labelled,
    foundLabelledFaces: known.length,
    rank1: known.filter((g) => g.best === g.truth).length / known.length,
    at80: {
      correct: known.filter((g) => g.best === g.truth && g.similarity >= 80).length,
      wrong: known.filter((g) => g.best !== g.truth && g.similarity >= 80).length,
      strangersMatched: strangers.filter((g) => g.similarity >= 80).length,
      strangers: strangers.length,
    },
  };

  const result = {
    command: 'node dist/bench/face-verify-eval.js',
    images: items.length,
    noFaceFound: missed,
    pairs: { same: pos.length, different: neg.length },
    atThreshold,
    tarAtFar,
    identification,
    groups,
    analyzeMedianMs: median(ms),
  };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(result, null, 2));
  console.log(`${items.length} images, ${missed.length} without a face; ${pos.length} same-person and ${neg.length} different-person pairs`);
  console.log('similarity  TAR      FAR (false accepts)');
  for (const a of atThreshold) console.log(`${String(a.similarity).padStart(10)}  ${(100 * a.trueAcceptRate).toFixed(1).padStart(5)} %  ${(100 * a.falseAcceptRate).toFixed(3)} % (${a.falseAccepts})`);
  for (const t of tarAtFar) console.log(`TAR at FAR ${100 * t.falseAcceptRate} %: ${(100 * t.trueAcceptRate).toFixed(1)} % (similarity ${t.similarity.toFixed(1)})`);
  const id = identification;
  console.log(`group photos: ${id.foundLabelledFaces}/${id.labelledFaces} labelled faces found, rank-1 ${(100 * id.rank1).toFixed(1)} %; at 80: ${id.at80.correct} correct, ${id.at80.wrong} wrong, ${id.at80.strangersMatched}/${id.at80.strangers} strangers matched`);
  console.log(`analyze (DEFAULT + embedding) median ${median(ms).toFixed(0)} ms per image`);
  await runtime.close();
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
