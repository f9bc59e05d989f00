/**
 * One vector index per face collection, opened on first use and kept consistent with the
 * metadata store, which is the source of truth:
 *  - open: load `<dir>/collection-<key>.hnsw` (if the collection had grown past the HNSW threshold),
 *    drop the faces deleted since it was written, and add the faces with a higher sequence number;
 *    without a usable file (missing, damaged, another dimension), build from the store.
 *  - after each committed IndexFaces / DeleteFaces the caller reports the change here.
 *  - pending graph links are made in slices of at most `sliceMs` on the event loop, so a search or
 *    an IndexFaces never waits for graph construction; until then new vectors are searched exactly.
 *  - the HNSW file is rewritten after a graph is complete, every `saveEvery` changes, and on close.
 * A crash at any point loses nothing: the next open replays from the store.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CollectionIndex, DEFAULT_POLICY, type IndexPolicy } from './collection-index.js';
import { ExactIndex } from './exact.js';
import { VectorArena } from './arena.js';
import { DEFAULT_HNSW_PARAMS, HnswIndex } from './hnsw.js';
import { loadHnsw, saveHnsw } from './file.js';
import type { VectorMatch } from './types.js';

/** What the indexes read from the metadata store. */
export interface FaceVectorSource {
  /** Number of faces in the collection. */
  countFaces(collectionKey: number): number;
  /** Highest sequence number of the collection's faces (0 when it has none). */
  maxFaceSeq(collectionKey: number): number;
  /** Sequence numbers of the collection's faces, ascending. */
  faceSeqs(collectionKey: number): Iterable<number>;
  /** Faces with a sequence number above `afterSeq`, ascending, with their embeddings. */
  embeddingsAfter(collectionKey: number, afterSeq: number): Iterable<{ seq: number; embedding: Float32Array }>;
}

export interface VectorIndexOptions extends Partial<IndexPolicy> {
  /** Folder for the index files; undefined keeps them in memory only (tests). */
  dir?: string;
  /** Longest slice of graph linking on the event loop, in milliseconds. */
  sliceMs?: number;
  /** Rewrite an HNSW file after this many changes (at least; 10 % of the collection when larger). */
  saveEvery?: number;
  /** Where to report a damaged index file (it is rebuilt). */
  warn?: (message: string) => void;
}

export class VectorIndexes {
  private readonly open = new Map<number, CollectionIndex>();
  private readonly policy: IndexPolicy;
  private readonly sliceMs: number;
  private readonly saveEvery: number;
  private readonly warn: (message: string) => void;
  private timer: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(
    private readonly source: FaceVectorSource,
    private readonly options: VectorIndexOptions = {},
  ) {
    this.policy = {
      hnswThreshold: options.hnswThreshold ?? DEFAULT_POLICY.hnswThreshold,
      hnsw: options.hnsw ?? DEFAULT_POLICY.hnsw,
      maxDeletedRatio: options.maxDeletedRatio ?? DEFAULT_POLICY.maxDeletedRatio,
    };
    this.sliceMs = options.sliceMs ?? 20;
    this.saveEvery = options.saveEvery ?? 10_000;
    this.warn = options.warn ?? ((m) => console.warn(m));
    if (options.dir) mkdirSync(options.dir, { recursive: true });
  }

  private file(key: number): string | undefined {
    return this.options.dir && join(this.options.dir, `collection-${key}.hnsw`);
  }

  /**
   * The most faces of `dimensions` one collection's index can hold: wasm32 memory is 4 GiB, and a
   * quarter is kept free for deleted faces awaiting a rebuild (about 6 million at 128 dimensions).
   */
  capacity(dimensions: number): number {
    return Math.floor(VectorArena.maxSlots(dimensions) * 0.75);
  }

  /**
   * The index of a collection, loaded (and brought up to date with the store) on first use. An
   * open index is checked against the store on every use (two indexed counts): faces another
   * process committed (`argus index-faces` beside a running server) are added, and when faces
   * were deleted elsewhere the index is reloaded.
   */
  get(key: number, dimensions: number): CollectionIndex {
    if (this.closed) throw new Error('the vector indexes are closed');
    let index = this.open.get(key);
    if (index) {
      if (this.source.maxFaceSeq(key) > index.maxSeq) for (const f of this.source.embeddingsAfter(key, index.maxSeq)) if (!index.has(f.seq)) index.add(f.seq, f.embedding);
      if (this.source.countFaces(key) !== index.size) {
        this.open.delete(key);
        index = undefined;
      }
    }
    if (!index) {
      index = this.load(key, dimensions);
      this.open.set(key, index);
      this.schedule();
    }
    return index;
  }

  search(key: number, dimensions: number, query: ArrayLike<number>, k: number, minCosine: number): VectorMatch[] {
    return this.get(key, dimensions).search(query, k, minCosine);
  }

  /** Reports faces committed to the store. Indexes not loaded yet pick them up when they load. */
  added(key: number, faces: readonly { seq: number; embedding: ArrayLike<number> }[]): void {
    this.update(key, (index) => {
      for (const f of faces) if (!index.has(f.seq)) index.add(f.seq, f.embedding);
    });
  }

  /** Reports faces deleted from the store. */
  removed(key: number, seqs: readonly number[]): void {
    this.update(key, (index) => {
      for (const seq of seqs) index.remove(seq);
    });
  }

  /**
   * Applies a change the store has already committed. Should the index fail (out of memory,
   * say), it is unloaded and rebuilt from the store on next use: the request still succeeds.
   */
  private update(key: number, change: (index: CollectionIndex) => void): void {
    const index = this.open.get(key);
    if (!index) return;
    try {
      change(index);
    } catch (err) {
      this.warn(`vector index of collection ${key} failed (${(err as Error).message}); it will be rebuilt from the metadata store`);
      this.open.delete(key);
    }
    this.schedule();
  }

  /** Forgets a deleted collection and its file. */
  drop(key: number): void {
    this.open.delete(key);
    const file = this.file(key);
    if (file) rmSync(file, { force: true });
  }

  /** Writes every HNSW index with unsaved changes. */
  flush(): void {
    for (const [key, index] of this.open) if (index.unsaved > 0) this.save(key, index);
  }

  /** Stops background linking and writes what is unsaved. */
  close(): void {
    if (this.closed) return;
    if (this.timer) clearImmediate(this.timer);
    this.timer = undefined;
    this.flush();
    this.open.clear();
    this.closed = true;
  }

  private load(key: number, dimensions: number): CollectionIndex {
    const file = this.file(key);
    if (file) {
      try {
        const loaded = loadHnsw(file, dimensions);
        if (loaded) return this.catchUp(key, dimensions, loaded.index, loaded.maxSeq);
      } catch (err) {
        this.warn(`vector index ${file} is unusable (${(err as Error).message}); rebuilding it from the metadata store`);
        rmSync(file, { force: true });
      }
    }
    const count = this.source.countFaces(key);
    const fresh = count >= this.policy.hnswThreshold ? new HnswIndex(dimensions, this.policy.hnsw, count) : new ExactIndex(dimensions, count);
    const index = new CollectionIndex(dimensions, fresh, 0, this.policy);
    for (const f of this.source.embeddingsAfter(key, 0)) index.add(f.seq, f.embedding);
    index.unsaved = fresh instanceof HnswIndex ? Math.max(1, index.unsaved) : 0;
    return index;
  }

  /** Brings a loaded graph up to date: drops deleted faces (a merge of two ascending lists), appends newer ones. */
  private catchUp(key: number, dimensions: number, graph: HnswIndex, maxSeq: number): CollectionIndex {
    // M, efConstruction and alpha shaped the saved graph and stay; efSearch is today's setting.
    graph.params.efSearch = this.policy.hnsw.efSearch ?? DEFAULT_HNSW_PARAMS.efSearch;
    const gone: number[] = [];
    const live = this.source.faceSeqs(key)[Symbol.iterator]();
    let next = live.next();
    for (const seq of graph.ids()) {
      while (!next.done && next.value < seq) next = live.next();
      if (next.done || next.value !== seq) gone.push(seq);
    }
    const index = new CollectionIndex(dimensions, graph, maxSeq, this.policy);
    for (const seq of gone) index.remove(seq);
    for (const f of this.source.embeddingsAfter(key, maxSeq)) index.add(f.seq, f.embedding);
    return index;
  }

  private save(key: number, index: CollectionIndex): void {
    const file = this.file(key);
    const graph = index.graph;
    if (!file || !graph) {
      // An exact index is rebuilt from the store; a graph file left from before would only be replayed to be dropped.
      if (file) rmSync(file, { force: true });
      index.unsaved = 0;
      return;
    }
    try {
      saveHnsw(file, graph, index.maxSeq);
    } catch (err) {
      // Nothing is lost: the store has every face, and the next open replays what the file lacks.
      this.warn(`could not write vector index ${file}: ${(err as Error).message}`);
    }
    index.unsaved = 0;
  }

  /** Runs one slice of background work on the next turn of the event loop. */
  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setImmediate(() => {
      this.timer = undefined;
      if (this.tick()) this.schedule();
    });
  }

  /** One slice: link pending vectors of one collection, or write a file that is due. True when work is left. */
  private tick(): boolean {
    for (const [key, index] of this.open) {
      if (index.pending > 0) {
        if (index.linkPending(performance.now() + this.sliceMs) === 0) this.save(key, index);
        return true;
      }
      if (index.graph && index.unsaved >= Math.max(this.saveEvery, index.size / 10)) {
        this.save(key, index);
        return true;
      }
    }
    return false;
  }
}
