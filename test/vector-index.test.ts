import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExactIndex } from '../src/stores/vector-index/exact.js';
import { HnswIndex } from '../src/stores/vector-index/hnsw.js';
import { loadHnsw, saveHnsw, IndexFileError } from '../src/stores/vector-index/file.js';
import { VectorIndexes, type FaceVectorSource } from '../src/stores/vector-index/indexes.js';
import { VectorArena } from '../src/stores/vector-index/arena.js';

/** Identity-clustered unit vectors: `perIdentity` noisy samples around each random centre. */
function clustered(n: number, dims: number, perIdentity = 4, noise = 0.8, seed = 7) {
  let s = seed;
  const rand = () => {
    let t = (s = (s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const identities = Math.ceil(n / perIdentity);
  const centres = Array.from({ length: identities }, () => Float32Array.from({ length: dims }, gauss));
  const sample = (identity: number) => Float32Array.from(centres[identity]!, (x) => x + noise * gauss());
  return { vectors: Array.from({ length: n }, (_, i) => sample(i % identities)), sample, identities };
}

const jsCosine = (a: Float32Array, b: Float32Array) => {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return d / Math.sqrt(na * nb);
};

/** The metadata store, as the indexes see it, in memory. */
class MemorySource implements FaceVectorSource {
  readonly faces = new Map<number, Float32Array>();
  countFaces() {
    return this.faces.size;
  }
  maxFaceSeq() {
    return Math.max(0, ...this.faces.keys());
  }
  faceSeqs() {
    return [...this.faces.keys()].sort((a, b) => a - b);
  }
  embeddingsAfter(_key: number, afterSeq: number) {
    return this.faceSeqs()
      .filter((s) => s > afterSeq)
      .map((seq) => ({ seq, embedding: this.faces.get(seq)! }));
  }
}

/** Runs the background linking to the end. */
async function settle(indexes: VectorIndexes, key: number, dims: number) {
  while (indexes.get(key, dims).pending > 0) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

describe('the SIMD kernel and the arena', () => {
  it('computes the cosine of normalised vectors as plain JavaScript does, for dimensions that are not a multiple of 8', () => {
    const { vectors } = clustered(50, 131);
    const arena = new VectorArena(131, 4);
    for (const v of vectors) arena.append(v);
    const q = arena.setQuery(vectors[0]!);
    for (let i = 0; i < vectors.length; i++) assert.ok(Math.abs(arena.dotAt(q, i) - jsCosine(vectors[0]!, vectors[i]!)) < 1e-5);
    const seen: number[] = [];
    arena.scan(q, 0, arena.length, 0.999, (slot) => seen.push(slot));
    assert.deepEqual(seen, [0]);
  });
});

describe('exact search', () => {
  it('returns the k most similar vectors above the threshold, best first', () => {
    const { vectors } = clustered(300, 64);
    const index = new ExactIndex(64);
    vectors.forEach((v, i) => index.add(i, v));
    const q = vectors[10]!;
    const expected = vectors
      .map((v, id) => ({ id, cosine: jsCosine(q, v) }))
      .sort((a, b) => b.cosine - a.cosine)
      .slice(0, 5);
    const got = index.search(q, 5, -1);
    assert.deepEqual(got.map((m) => m.id), expected.map((m) => m.id));
    for (const [i, m] of got.entries()) assert.ok(Math.abs(m.cosine - expected[i]!.cosine) < 1e-5);
    assert.ok(index.search(q, 100, 0.5).every((m) => m.cosine >= 0.5));
  });

  it('forgets removed vectors and keeps the others findable', () => {
    const { vectors } = clustered(100, 32);
    const index = new ExactIndex(32);
    vectors.forEach((v, i) => index.add(i, v));
    assert.equal(index.remove(10), true);
    assert.equal(index.remove(10), false);
    assert.equal(index.size, 99);
    assert.notEqual(index.search(vectors[10]!, 1, -1)[0]!.id, 10);
    assert.equal(index.search(vectors[99]!, 1, -1)[0]!.id, 99, 'the vector moved into the hole is still found');
  });
});

describe('HNSW', () => {
  const dims = 128;
  const n = 4000;
  const data = clustered(n, dims);
  const exact = new ExactIndex(dims);
  const hnsw = new HnswIndex(dims, { m: 12, efConstruction: 80, efSearch: 48 });
  data.vectors.forEach((v, i) => {
    exact.add(i, v);
    hnsw.add(i, v);
  });
  const queries = Array.from({ length: 200 }, (_, i) => data.sample((i * 37) % data.identities));

  it('finds the exact nearest neighbour for at least 98 % of queries and most of the exact top 10', () => {
    let hits = 0;
    let overlap = 0;
    for (const q of queries) {
      const truth = exact.search(q, 10, -1);
      const got = hnsw.search(q, 10, -1);
      if (got[0]!.cosine >= truth[0]!.cosine - 1e-6) hits++;
      const ids = new Set(got.map((m) => m.id));
      overlap += truth.filter((m) => ids.has(m.id)).length;
    }
    assert.ok(hits / queries.length >= 0.98, `recall@1 ${hits / queries.length}`);
    assert.ok(overlap / (queries.length * 10) >= 0.9, `recall@10 ${overlap / (queries.length * 10)}`);
  });

  it('never returns a removed vector and still finds the rest of its identity', () => {
    const index = new HnswIndex(dims, { m: 12, efConstruction: 80 });
    data.vectors.slice(0, 1000).forEach((v, i) => index.add(i, v));
    for (let i = 0; i < 1000; i += 3) index.remove(i);
    assert.equal(index.size, 1000 - 334);
    for (let i = 0; i < 1000; i += 50) {
      const got = index.search(data.vectors[i]!, 5, -1);
      assert.ok(got.every((m) => m.id % 3 !== 0));
      if (i % 3 !== 0) assert.equal(got[0]!.id, i);
    }
  });

  it('searches appended vectors exactly until they are linked', () => {
    const index = new HnswIndex(dims);
    data.vectors.slice(0, 300).forEach((v, i) => index.add(i, v));
    data.vectors.slice(300, 400).forEach((v, i) => index.append(300 + i, v));
    assert.equal(index.pending, 100);
    assert.equal(index.search(data.vectors[350]!, 1, -1)[0]!.id, 350);
    assert.equal(index.linkPending(Infinity), 0);
    assert.equal(index.search(data.vectors[350]!, 1, -1)[0]!.id, 350);
  });

  it('writes and reads back the same graph', () => {
    const dir = mkdtempSync(join(tmpdir(), 'argus-hnsw-'));
    try {
      const file = join(dir, 'x.hnsw');
      hnsw.remove(5);
      saveHnsw(file, hnsw, 1234);
      const loaded = loadHnsw(file, dims)!;
      assert.equal(loaded.maxSeq, 1234);
      assert.equal(loaded.index.size, hnsw.size);
      assert.equal(loaded.index.has(5), false);
      for (const q of queries.slice(0, 20)) assert.deepEqual(loaded.index.search(q, 5, -1), hnsw.search(q, 5, -1));
      assert.throws(() => loadHnsw(file, dims + 1), IndexFileError);
      const bytes = readFileSync(file);
      bytes[bytes.length - 100]! ^= 0xff;
      writeFileSync(file, bytes);
      assert.throws(() => loadHnsw(file, dims), /checksum/);
      writeFileSync(file, bytes.subarray(0, bytes.length - 10));
      assert.throws(() => loadHnsw(file, dims), /size/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the per-collection indexes', () => {
  const dims = 64;
  const key = 1;
  const data = clustered(1200, dims);
  let dir: string;
  let source: MemorySource;
  let warnings: string[];
  const open = () => new VectorIndexes(source, { dir, hnswThreshold: 200, saveEvery: 100, warn: (m) => warnings.push(m) });
  const file = () => join(dir, `collection-${key}.hnsw`);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'argus-vectors-'));
    source = new MemorySource();
    warnings = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const addFaces = (indexes: VectorIndexes | undefined, from: number, to: number) => {
    const added = [];
    for (let seq = from; seq < to; seq++) {
      source.faces.set(seq, data.vectors[seq]!);
      added.push({ seq, embedding: data.vectors[seq]! });
    }
    indexes?.added(key, added);
  };

  it('searches small collections exactly and switches to HNSW past the threshold, without missing a face meanwhile', async () => {
    const indexes = open();
    addFaces(indexes, 1, 100);
    assert.equal(indexes.get(key, dims).kind, 'exact');
    assert.equal(existsSync(file()), false, 'exact indexes are rebuilt from the store, not saved');
    addFaces(indexes, 100, 400);
    const index = indexes.get(key, dims);
    assert.equal(index.kind, 'hnsw');
    for (let seq = 1; seq < 400; seq += 37) assert.equal(index.search(data.vectors[seq]!, 1, -1)[0]!.id, seq);
    await settle(indexes, key, dims);
    assert.equal(index.pending, 0);
    assert.equal(existsSync(file()), true, 'a completed graph is saved');
    indexes.close();
  });

  it('on open, replays faces newer than the file and drops faces deleted since', async () => {
    let indexes = open();
    addFaces(indexes, 1, 500);
    indexes.get(key, dims);
    await settle(indexes, key, dims);
    indexes.close();
    // While the server is down: 100 new faces, 50 deleted ones.
    addFaces(undefined, 500, 600);
    for (let seq = 1; seq < 100; seq += 2) source.faces.delete(seq);
    indexes = open();
    const index = indexes.get(key, dims);
    assert.deepEqual(warnings, []);
    assert.equal(index.kind, 'hnsw');
    assert.equal(index.size, source.faces.size);
    assert.equal(index.search(data.vectors[550]!, 1, -1)[0]!.id, 550);
    for (let seq = 1; seq < 100; seq += 2) assert.ok(index.search(data.vectors[seq]!, 3, -1).every((m) => m.id !== seq));
    indexes.close();
  });

  for (const [damage, how] of [
    ['corrupt', (path: string) => writeFileSync(path, Buffer.concat([readFileSync(path).subarray(0, 200), Buffer.alloc(64, 7), readFileSync(path).subarray(264)]))],
    ['truncated', (path: string) => writeFileSync(path, readFileSync(path).subarray(0, 1000))],
    ['of another dimension', (path: string) => saveHnsw(path, new HnswIndex(dims * 2), 10)],
  ] as const) {
    it(`rebuilds from the store when the file is ${damage}`, async () => {
      let indexes = open();
      addFaces(indexes, 1, 400);
      indexes.get(key, dims);
      await settle(indexes, key, dims);
      indexes.close();
      how(file());
      indexes = open();
      const index = indexes.get(key, dims);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /rebuilding it from the metadata store/);
      assert.equal(index.size, 399);
      assert.equal(index.search(data.vectors[123]!, 1, -1)[0]!.id, 123);
      await settle(indexes, key, dims);
      indexes.close();
      assert.equal(loadHnsw(file(), dims)!.index.size, 399, 'the rebuilt graph is saved again');
    });
  }

  it('rebuilds the graph without tombstones once a quarter of it is deleted, serving searches all along', async () => {
    const indexes = open();
    addFaces(indexes, 1, 1001);
    const index = indexes.get(key, dims);
    await settle(indexes, key, dims);
    const removed: number[] = [];
    for (let seq = 1; seq <= 1000; seq += 3) {
      source.faces.delete(seq);
      removed.push(seq);
    }
    indexes.removed(key, removed);
    assert.ok(index.pending > 0, 'a fresh graph is being linked');
    assert.equal(index.search(data.vectors[2]!, 1, -1)[0]!.id, 2);
    await settle(indexes, key, dims);
    assert.equal(index.size, 1000 - removed.length);
    // Only the faces deleted after the rebuild started are tombstones in the new graph.
    assert.ok(index.graph!.deletedCount < 250, `${index.graph!.deletedCount} tombstones left`);
    assert.equal(index.search(data.vectors[500]!, 1, -1)[0]!.id, 500);
    indexes.close();
  });

  it('forgets a dropped collection and its file', async () => {
    const indexes = open();
    addFaces(indexes, 1, 300);
    indexes.get(key, dims);
    await settle(indexes, key, dims);
    indexes.drop(key);
    assert.equal(existsSync(file()), false);
    indexes.close();
  });
});

describe('an open index and another process writing the same store', () => {
  it('finds faces committed elsewhere and forgets faces deleted elsewhere', () => {
    const { vectors } = clustered(40, 32);
    const source = new MemorySource();
    for (let i = 0; i < 20; i++) source.faces.set(i + 1, vectors[i]!);
    const indexes = new VectorIndexes(source);
    assert.equal(indexes.search(1, 32, vectors[25]!, 1, 0.999).length, 0);
    // `argus index-faces` in another process commits faces 21..40 without telling this one.
    for (let i = 20; i < 40; i++) source.faces.set(i + 1, vectors[i]!);
    assert.equal(indexes.search(1, 32, vectors[25]!, 1, 0.999)[0]?.id, 26);
    // ... and deletes face 26.
    source.faces.delete(26);
    assert.notEqual(indexes.search(1, 32, vectors[25]!, 1, 0)[0]?.id, 26);
    assert.equal(indexes.get(1, 32).size, 39);
    indexes.close();
  });
});
