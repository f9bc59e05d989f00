/**
 * Vector search at scale: HNSW against exact search on identity-clustered vectors of the face
 * engine's dimension. Per size: build time, memory, index file size and save/load time, exact
 * search latency, and per efSearch the median and p99 search latency and recall@1/@10 against
 * exact search. Writes bench/results/vector-search.json and prints a table.
 *
 *   npx tsc -p . && node dist/bench/vector-search.js [--sizes 100000,1000000] [--dims 128]
 *     [--queries 1000] [--ef 16,32,48,64,96,128] [--m 16] [--ef-construction 100]
 *     [--latent 24] [--cache DIR] [--json bench/results/vector-search.json]
 *
 * The 1M run takes about 16 minutes to build on one busy core; without --sizes only 100k runs.
 * --cache keeps each built graph (and its build time) in DIR, so that a later run with other
 * efSearch values reuses it instead of building again.
 *
 * The data: `n / 4` identities with 4 faces each (AWS recommends indexing about 5 per person).
 * An identity's centre is a random point of a `latent`-dimensional subspace plus an isotropic
 * part (real face embeddings are far from isotropic: people resemble each other along a few
 * directions such as age, sex, pose and lighting); each face is its centre plus isotropic noise,
 * scaled so that two faces of one identity have a cosine of about 0.65 and faces of different
 * identities about 0 ± 0.15 (printed below). Queries are fresh faces: 90 % of enrolled
 * identities, 10 % of strangers. `--latent 0` gives the hardest case, isotropic identities.
 */
import { parseArgs } from 'node:util';
import { cpus, tmpdir } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ExactIndex } from '../src/stores/vector-index/exact.js';
import { HnswIndex, DEFAULT_HNSW_PARAMS } from '../src/stores/vector-index/hnsw.js';
import { loadHnsw, saveHnsw } from '../src/stores/vector-index/file.js';
import { median, percentile } from './util.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000' },
    dims: { type: 'string' },
    queries: { type: 'string', default: '1000' },
    ef: { type: 'string', default: '16,32,64,80,128,192,256' },
    m: { type: 'string', default: String(DEFAULT_HNSW_PARAMS.m) },
    'ef-construction': { type: 'string', default: String(DEFAULT_HNSW_PARAMS.efConstruction) },
    latent: { type: 'string', default: '24' },
    cache: { type: 'string' },
    json: { type: 'string', default: 'bench/results/vector-search.json' },
  },
});

/** The face engine's embedding length, or 512 when the face pipeline is not there. */
async function engineDimensions(): Promise<{ dims: number; source: string }> {
  try {
    const m = (await import('../src/vision/faces/embedding.js')) as { EMBEDDING_DIMENSIONS?: number; FACE_MODEL_VERSION?: string };
    if (m.EMBEDDING_DIMENSIONS) return { dims: m.EMBEDDING_DIMENSIONS, source: `face engine ${m.FACE_MODEL_VERSION ?? ''}`.trim() };
  } catch {
    /* no face pipeline */
  }
  return { dims: 512, source: 'default (no face engine found)' };
}

function rng(seed: number) {
  let s = seed | 0;
  const rand = () => {
    let t = (s = (s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

/** Identity centres and faces, each a pure function of its number (nothing is kept in memory). */
function identities(dims: number, latent: number) {
  const g = rng(1);
  const basis = Array.from({ length: latent }, () => Float32Array.from({ length: dims }, () => g() / Math.sqrt(dims)));
  const isotropic = latent > 0 ? 0.5 : 1;
  const centre = (id: number) => {
    const r = rng(1_000_003 * (id + 1));
    const c = new Float32Array(dims);
    for (const b of basis) {
      const z = r();
      for (let d = 0; d < dims; d++) c[d]! += z * b[d]!;
    }
    if (latent > 0) normalise(c);
    for (let d = 0; d < dims; d++) c[d]! += (isotropic * r()) / Math.sqrt(dims);
    return normalise(c);
  };
  const face = (id: number, sample: number) => {
    const c = centre(id);
    const r = rng(7_919 * (id + 1) + 104_729 * (sample + 1));
    for (let d = 0; d < dims; d++) c[d]! += (0.72 * r()) / Math.sqrt(dims);
    return normalise(c);
  };
  return { face };
}

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const time = <T>(f: () => T): [T, number] => {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
};

interface EfResult {
  efSearch: number;
  medianMs: number;
  p99Ms: number;
  recallAt1: number;
  recallAt1Enrolled: number;
  recallAt10: number;
}

async function main() {
  const engine = args.dims ? { dims: Number(args.dims), source: '--dims' } : await engineDimensions();
  const dims = engine.dims;
  const latent = Number(args.latent);
  const sizes = args.sizes!.split(',').map(Number);
  const efs = args.ef!.split(',').map(Number);
  const params = { m: Number(args.m), efConstruction: Number(args['ef-construction']) };
  const { face } = identities(dims, latent);

  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let i = 0; i < 2000; i++) {
    genuine.push(cos(face(i, 0), face(i, 1)));
    impostor.push(cos(face(i, 0), face(i + 1, 0)));
  }
  const stats = (xs: number[]) => {
    const m = xs.reduce((a, b) => a + b) / xs.length;
    return { mean: +m.toFixed(3), sd: +Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length).toFixed(3) };
  };
  const data = { perIdentity: 4, latent, genuineCosine: stats(genuine), impostorCosine: stats(impostor), strangers: 0.1 };
  console.log(`dims ${dims} (${engine.source}); genuine cosine ${data.genuineCosine.mean}±${data.genuineCosine.sd}, impostor ${data.impostorCosine.mean}±${data.impostorCosine.sd}`);

  const results = [];
  for (const n of sizes) {
    const ids = Math.ceil(n / 4);
    const exact = new ExactIndex(dims, n);
    const cached = args.cache && join(args.cache, `hnsw-${n}-${dims}d-m${params.m}-efc${params.efConstruction}-a${DEFAULT_HNSW_PARAMS.alpha}-latent${latent}.hnsw`);
    const rssBefore = process.memoryUsage().rss;
    let hnsw: HnswIndex;
    let buildMs = 0;
    if (cached && existsSync(cached)) {
      hnsw = loadHnsw(cached, dims)!.index;
      buildMs = (JSON.parse(readFileSync(`${cached}.json`, 'utf8')) as { buildMs: number }).buildMs;
      for (let i = 0; i < n; i++) exact.add(i, face(i % ids, Math.floor(i / ids)));
      console.log(`  ${n}: graph from ${cached}`);
    } else {
      hnsw = new HnswIndex(dims, params, n);
      let lastReport = performance.now();
      for (let i = 0; i < n; i++) {
        const v = face(i % ids, Math.floor(i / ids));
        exact.add(i, v);
        const t = performance.now();
        hnsw.add(i, v);
        buildMs += performance.now() - t;
        if (performance.now() - lastReport > 30_000) {
          lastReport = performance.now();
          console.log(`  ${n}: ${i} linked, ${((buildMs / i) * 1000).toFixed(0)} µs per insert`);
        }
      }
      if (cached) {
        mkdirSync(args.cache!, { recursive: true });
        saveHnsw(cached, hnsw, n);
        writeFileSync(`${cached}.json`, JSON.stringify({ buildMs }));
      }
    }
    const rss = process.memoryUsage().rss - rssBefore;

    const q = Math.min(Number(args.queries), n >= 1_000_000 ? 500 : Number(args.queries));
    const queries = Array.from({ length: q }, (_, i) => {
      const stranger = i % 10 === 9;
      return { stranger, v: face(stranger ? ids + i : (i * 7_919) % ids, 10 + i) };
    });
    const truth = queries.map((x) => exact.search(x.v, 10, -1));
    const exactMs = queries.slice(0, 50).map((x) => time(() => exact.search(x.v, 1, -1))[1]);

    const perEf: EfResult[] = [];
    for (const ef of efs) {
      hnsw.params.efSearch = ef;
      for (const x of queries.slice(0, 20)) hnsw.search(x.v, 10, -1); // warm-up
      const lat: number[] = [];
      let hit = 0;
      let hitEnrolled = 0;
      let overlap = 0;
      queries.forEach((x, i) => {
        const [got, ms] = time(() => hnsw.search(x.v, 10, -1));
        lat.push(ms);
        const t = truth[i]!;
        const ok = got[0] !== undefined && got[0].cosine >= t[0]!.cosine - 1e-6;
        if (ok) hit++;
        if (ok && !x.stranger) hitEnrolled++;
        const found = new Set(got.map((m) => m.id));
        overlap += t.filter((m) => found.has(m.id)).length;
      });
      const enrolled = queries.filter((x) => !x.stranger).length;
      perEf.push({
        efSearch: ef,
        medianMs: +median(lat).toFixed(3),
        p99Ms: +percentile(lat, 99).toFixed(3),
        recallAt1: +(hit / q).toFixed(4),
        recallAt1Enrolled: +(hitEnrolled / enrolled).toFixed(4),
        recallAt10: +(overlap / (q * 10)).toFixed(4),
      });
    }
    hnsw.params.efSearch = DEFAULT_HNSW_PARAMS.efSearch;

    const dir = mkdtempSync(join(tmpdir(), 'argus-bench-'));
    const file = join(dir, 'index.hnsw');
    const [, saveMs] = time(() => saveHnsw(file, hnsw, n));
    const fileBytes = statSync(file).size;
    const [loaded, loadMs] = time(() => loadHnsw(file, dims)!);
    if (loaded.index.size !== n) throw new Error('the reloaded index lost vectors');
    rmSync(dir, { recursive: true, force: true });

    const r = {
      vectors: n,
      queries: q,
      buildSeconds: +(buildMs / 1000).toFixed(1),
      insertsPerSecond: Math.round(n / (buildMs / 1000)),
      vectorMB: mb(n * Math.ceil(dims / 8) * 8 * 4),
      rssGrowthMB: mb(rss),
      fileMB: mb(fileBytes),
      saveSeconds: +(saveMs / 1000).toFixed(2),
      loadSeconds: +(loadMs / 1000).toFixed(2),
      exactMedianMs: +median(exactMs).toFixed(2),
      hnsw: perEf,
    };
    results.push(r);
    printTable(dims, params, r);
  }

  const report = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
    dims,
    dimsSource: engine.source,
    hnsw: { ...params, alpha: DEFAULT_HNSW_PARAMS.alpha, defaultEfSearch: DEFAULT_HNSW_PARAMS.efSearch },
    data,
    results,
  };
  mkdirSync(dirname(args.json!), { recursive: true });
  writeFileSync(args.json!, JSON.stringify(report, null, 2) + '\n');
  console.log(`wrote ${args.json}`);
}

function printTable(dims: number, params: { m: number; efConstruction: number }, r: { vectors: number; buildSeconds: number; insertsPerSecond: number; vectorMB: number; rssGrowthMB: number; fileMB: number; saveSeconds: number; loadSeconds: number; exactMedianMs: number; hnsw: EfResult[] }) {
  console.log(`\n${r.vectors.toLocaleString('en')} vectors x ${dims} dims, M=${params.m} efConstruction=${params.efConstruction}`);
  console.log(`build ${r.buildSeconds} s (${r.insertsPerSecond}/s), vectors ${r.vectorMB} MB, RSS +${r.rssGrowthMB} MB (exact + HNSW), file ${r.fileMB} MB, save ${r.saveSeconds} s, load ${r.loadSeconds} s, exact search ${r.exactMedianMs} ms`);
  console.log('| efSearch | median ms | p99 ms | recall@1 | recall@1 enrolled | recall@10 |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const e of r.hnsw) console.log(`| ${e.efSearch} | ${e.medianMs} | ${e.p99Ms} | ${e.recallAt1} | ${e.recallAt1Enrolled} | ${e.recallAt10} |`);
}

await main();
