/**
 * HNSW (Malkov & Yashunin, 2016) in TypeScript over one contiguous arena, with hnswlib's
 * neighbour-selection heuristic and its treatment of deletions: removed vectors become tombstones
 * that searches still walk through but never return; the owner rebuilds when too many pile up.
 *
 * Slots [0, linked) are in the graph; slots [linked, length) are stored but not linked yet and are
 * searched exactly. That lets the owner add vectors at once (an IndexFaces call never waits for
 * graph construction) and link them in short time slices (`linkPending`), and lets an index loaded
 * from its file catch up on newer faces without blocking start-up.
 */
import { VectorArena } from './arena.js';
import { MinHeap } from './heap.js';
import { drainBestFirst, type VectorIndex, type VectorMatch } from './types.js';

export interface HnswParams {
  /** Links per node on the upper layers; layer 0 keeps 2M. */
  m: number;
  /** Candidate list size while linking a node. */
  efConstruction: number;
  /** Candidate list size while searching (raised to k when k is larger). */
  efSearch: number;
  /**
   * Diversity of the links (DiskANN's alpha): a candidate is pruned when a neighbour already kept
   * is alpha times closer to it than the node is. 1 is hnswlib's heuristic; above 1 more long
   * links survive, which keeps a graph of tight clusters (a few faces per identity) navigable
   * between clusters, for somewhat more links per node.
   */
  alpha: number;
  /** Seed of the level generator, so that a build is reproducible. */
  seed: number;
}

/**
 * On 1M identity-clustered 128-d vectors (bench/vector-search.ts, one busy core): efSearch 192
 * gives recall@1 0.992 against exact search (0.998 for enrolled identities) at 1.4 ms median;
 * efSearch 80 gives 0.976 at 0.6 ms.
 */
export const DEFAULT_HNSW_PARAMS: Readonly<HnswParams> = Object.freeze({ m: 16, efConstruction: 100, efSearch: 192, alpha: 1.2, seed: 42 });

const MAX_LEVEL = 31;

/** Everything a file needs to restore an index (see file.ts). */
export interface HnswParts {
  params: HnswParams;
  dimensions: number;
  length: number;
  linked: number;
  entry: number;
  maxLevel: number;
  labels: Float64Array;
  levels: Uint8Array;
  deleted: Uint8Array;
  links0: Int32Array;
  /** Upper-layer links of every slot with level > 0, in slot order, `level * (m + 1)` each. */
  upper: Int32Array;
}

export class HnswIndex implements VectorIndex {
  readonly kind = 'hnsw';
  readonly params: HnswParams;
  readonly arena: VectorArena;
  private readonly m0: number;
  private readonly mL: number;
  private readonly alpha2: number;
  private labels: Float64Array;
  private levels: Uint8Array;
  private deleted: Uint8Array;
  private links0: Int32Array;
  private upper: (Int32Array | undefined)[] = [];
  private visited: Uint32Array;
  private epoch = 0;
  private readonly slots = new Map<number, number>();
  private readonly candidates = new MinHeap(); // key -cosine: best candidate on top
  private readonly results = new MinHeap(); // key cosine: worst result on top
  private readonly top = new MinHeap();
  private rng: number;
  private entry = -1;
  private maxLevel = -1;
  private linkSlots = new Int32Array(0);
  private linkCosines = new Float64Array(0);
  private readonly connectSlots: Int32Array;
  private readonly connectCosines: Float64Array;
  private greedySlot = 0;
  private greedyCos = 0;
  /** Slots in the graph; the rest are searched exactly. */
  linked = 0;
  deletedCount = 0;

  constructor(dimensions: number, params: Partial<HnswParams> = {}, initialCapacity = 1024) {
    this.params = { ...DEFAULT_HNSW_PARAMS, ...params };
    const { m } = this.params;
    if (m < 2) throw new Error('HNSW needs M >= 2');
    this.m0 = 2 * m;
    this.mL = 1 / Math.log(m);
    this.alpha2 = this.params.alpha * this.params.alpha;
    this.connectSlots = new Int32Array(this.m0 + 1);
    this.connectCosines = new Float64Array(this.m0 + 1);
    this.rng = this.params.seed | 0;
    this.arena = new VectorArena(dimensions, initialCapacity);
    const cap = Math.max(16, initialCapacity);
    this.labels = new Float64Array(cap);
    this.levels = new Uint8Array(cap);
    this.deleted = new Uint8Array(cap);
    this.links0 = new Int32Array(cap * (this.m0 + 1));
    this.visited = new Uint32Array(cap);
  }

  get dimensions(): number {
    return this.arena.dimensions;
  }

  /** Slots in use, tombstones included. */
  get length(): number {
    return this.arena.length;
  }

  get size(): number {
    return this.arena.length - this.deletedCount;
  }

  has(id: number): boolean {
    return this.slots.has(id);
  }

  /** Live ids in slot order (ascending when they were added in ascending order). */
  *ids(): Generator<number> {
    for (let s = 0; s < this.arena.length; s++) if (!this.deleted[s]) yield this.labels[s]!;
  }

  /** Live (id, vector) pairs in slot order, for a rebuild without tombstones. */
  *entries(): Generator<[number, Float32Array]> {
    for (let s = 0; s < this.arena.length; s++) if (!this.deleted[s]) yield [this.labels[s]!, this.arena.vector(s)];
  }

  /** Stores and links `vector` now (the whole pending backlog is linked first). */
  add(id: number, vector: ArrayLike<number>): void {
    this.append(id, vector);
    this.linkPending(Infinity);
  }

  /** Stores `vector` without linking it: searches see it at once, by exact scan. */
  append(id: number, vector: ArrayLike<number>): void {
    if (this.slots.has(id)) throw new Error(`vector ${id} is already in the index`);
    const slot = this.arena.append(vector);
    this.grow(slot + 1);
    this.labels[slot] = id;
    this.slots.set(id, slot);
  }

  remove(id: number): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    this.slots.delete(id);
    this.deleted[slot] = 1;
    this.deletedCount++;
    return true;
  }

  get pending(): number {
    return this.arena.length - this.linked;
  }

  /** Links pending vectors until none is left or `performance.now()` passes `deadline`; returns how many are left. */
  linkPending(deadline: number): number {
    while (this.linked < this.arena.length) {
      this.link(this.linked);
      this.linked++;
      if (deadline !== Infinity && performance.now() >= deadline) break;
    }
    return this.pending;
  }

  search(query: ArrayLike<number>, k: number, minCosine: number): VectorMatch[] {
    const top = this.top;
    top.clear();
    if (k <= 0 || this.size === 0) return [];
    const q = this.arena.setQuery(query);
    const keep = (slot: number, cosine: number) => {
      if (top.size < k) top.push(cosine, slot);
      else if (cosine > top.topKey()) {
        top.pop();
        top.push(cosine, slot);
      }
    };
    if (this.entry >= 0) {
      this.descend(q, 0);
      this.searchLayer(q, this.greedySlot, this.greedyCos, Math.max(this.params.efSearch, k), 0, true);
      const res = this.results;
      for (; res.size > 0; res.pop()) if (res.topKey() >= minCosine) keep(res.topValue(), res.topKey());
    }
    if (this.linked < this.arena.length) {
      this.arena.scan(q, this.linked, this.arena.length, minCosine, (slot, cosine) => {
        if (!this.deleted[slot]) keep(slot, cosine);
      });
    }
    return drainBestFirst(top, (slot) => this.labels[slot]!);
  }

  private grow(slots: number): void {
    if (slots <= this.labels.length) return;
    const cap = Math.max(slots, Math.ceil(this.labels.length * 1.5));
    const widen = <T extends Float64Array | Uint8Array | Int32Array | Uint32Array>(a: T, n: number, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.labels = widen(this.labels, cap, (n) => new Float64Array(n));
    this.levels = widen(this.levels, cap, (n) => new Uint8Array(n));
    this.deleted = widen(this.deleted, cap, (n) => new Uint8Array(n));
    this.links0 = widen(this.links0, cap * (this.m0 + 1), (n) => new Int32Array(n));
    this.visited = widen(this.visited, cap, (n) => new Uint32Array(n));
  }

  private random(): number {
    // mulberry32
    let t = (this.rng = (this.rng + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** The list of `slot` on `level`: the array and the offset of its count (neighbours follow). */
  private listOf(slot: number, level: number): [Int32Array, number] {
    return level === 0 ? [this.links0, slot * (this.m0 + 1)] : [this.upper[slot]!, (level - 1) * (this.params.m + 1)];
  }

  /** Greedy walk from the entry point down to `level` + 1; leaves the result in greedySlot/greedyCos. */
  private descend(q: number, level: number): void {
    let ep = this.entry;
    let epCos = this.arena.dotAt(q, ep);
    for (let l = this.maxLevel; l > level; l--) {
      for (let changed = true; changed; ) {
        changed = false;
        const [list, off] = this.listOf(ep, l);
        const count = list[off]!;
        for (let j = 1; j <= count; j++) {
          const n = list[off + j]!;
          const cos = this.arena.dotAt(q, n);
          if (cos > epCos) {
            epCos = cos;
            ep = n;
            changed = true;
          }
        }
      }
    }
    this.greedySlot = ep;
    this.greedyCos = epCos;
  }

  /** Best-first search of one layer; leaves up to `ef` results in `this.results` (worst on top). */
  private searchLayer(q: number, ep: number, epCos: number, ef: number, level: number, skipDeleted: boolean): void {
    if (++this.epoch === 0xffffffff) {
      this.visited.fill(0);
      this.epoch = 1;
    }
    const epoch = this.epoch;
    const visited = this.visited;
    const deleted = this.deleted;
    const cand = this.candidates;
    const res = this.results;
    cand.clear();
    res.clear();
    visited[ep] = epoch;
    cand.push(-epCos, ep);
    if (!skipDeleted || !deleted[ep]) res.push(epCos, ep);
    let lower = res.size > 0 ? res.topKey() : -Infinity;
    while (cand.size > 0) {
      const cos = -cand.topKey();
      if (cos < lower && res.size >= ef) break;
      const c = cand.topValue();
      cand.pop();
      const [list, off] = this.listOf(c, level);
      const count = list[off]!;
      for (let j = 1; j <= count; j++) {
        const n = list[off + j]!;
        if (visited[n] === epoch) continue;
        visited[n] = epoch;
        const d = this.arena.dotAt(q, n);
        if (res.size < ef || d > lower) {
          cand.push(-d, n);
          if (!skipDeleted || !deleted[n]) {
            res.push(d, n);
            if (res.size > ef) res.pop();
          }
          if (res.size > 0) lower = res.topKey();
        }
      }
    }
  }

  /**
   * hnswlib's heuristic (with DiskANN's alpha): walk candidates best first and keep one only if
   * the base is not much farther from it than a neighbour already kept, which keeps links
   * pointing in diverse directions (and between clusters). `slots`/`cosines` hold `count`
   * candidates sorted best first; the kept ones are moved to the front, in order. Returns how many.
   */
  private select(slots: Int32Array, cosines: Float64Array, count: number, max: number): number {
    if (count <= max) return count;
    let kept = 0;
    for (let i = 0; i < count && kept < max; i++) {
      const c = slots[i]!;
      const cCos = cosines[i]!;
      // Prune c when a kept neighbour o is alpha times closer to it than the base: alpha^2 * |o-c|^2 <= |base-c|^2.
      const limit = (2 - 2 * cCos) / this.alpha2;
      let good = true;
      for (let k = 0; k < kept; k++) {
        if (2 - 2 * this.arena.dotSlots(c, slots[k]!) <= limit) {
          good = false;
          break;
        }
      }
      if (good) {
        slots[kept] = c;
        cosines[kept] = cCos;
        kept++;
      }
    }
    return kept;
  }

  private link(slot: number): void {
    const { m, efConstruction } = this.params;
    const level = Math.min(MAX_LEVEL, Math.floor(-Math.log(1 - this.random()) * this.mL));
    this.levels[slot] = level;
    if (level > 0) this.upper[slot] = new Int32Array(level * (m + 1));
    if (this.entry < 0) {
      this.entry = slot;
      this.maxLevel = level;
      return;
    }
    if (this.linkSlots.length < efConstruction + 1) {
      this.linkSlots = new Int32Array(efConstruction + 1);
      this.linkCosines = new Float64Array(efConstruction + 1);
    }
    const slots = this.linkSlots;
    const cosines = this.linkCosines;
    const q = this.arena.ptr(slot);
    this.descend(q, level);
    let ep = this.greedySlot;
    let epCos = this.greedyCos;
    for (let l = Math.min(level, this.maxLevel); l >= 0; l--) {
      this.searchLayer(q, ep, epCos, efConstruction, l, false);
      const res = this.results;
      const n = res.size;
      for (let i = n - 1; i >= 0; i--, res.pop()) {
        slots[i] = res.topValue();
        cosines[i] = res.topKey();
      }
      // The next layer starts from the closest candidate; select() reorders the arrays.
      ep = slots[0]!;
      epCos = cosines[0]!;
      const kept = this.select(slots, cosines, n, m);
      const [list, off] = this.listOf(slot, l);
      list[off] = kept;
      for (let j = 0; j < kept; j++) list[off + 1 + j] = slots[j]!;
      for (let j = 0; j < kept; j++) this.connect(slots[j]!, slot, l, cosines[j]!);
    }
    if (level > this.maxLevel) {
      this.entry = slot;
      this.maxLevel = level;
    }
  }

  /** Adds a back link from `node` to `added`, re-selecting `node`'s neighbours when its list is full. */
  private connect(node: number, added: number, level: number, cosine: number): void {
    const [list, off] = this.listOf(node, level);
    const cap = level === 0 ? this.m0 : this.params.m;
    const count = list[off]!;
    if (count < cap) {
      list[off + 1 + count] = added;
      list[off] = count + 1;
      return;
    }
    // Insertion sort of the old links and the new one, best first (at most 2M + 1 of them).
    const slots = this.connectSlots;
    const cosines = this.connectCosines;
    for (let j = 0; j <= count; j++) {
      const s = j < count ? list[off + 1 + j]! : added;
      const c = j < count ? this.arena.dotSlots(node, s) : cosine;
      let i = j;
      for (; i > 0 && cosines[i - 1]! < c; i--) {
        slots[i] = slots[i - 1]!;
        cosines[i] = cosines[i - 1]!;
      }
      slots[i] = s;
      cosines[i] = c;
    }
    const kept = this.select(slots, cosines, count + 1, cap);
    list[off] = kept;
    for (let j = 0; j < kept; j++) list[off + 1 + j] = slots[j]!;
  }

  /** The index's state as typed arrays (see file.ts). Views, valid until the next change. */
  toParts(): HnswParts {
    const n = this.arena.length;
    const upperLength = this.upper.slice(0, n).reduce((sum, u) => sum + (u?.length ?? 0), 0);
    const upper = new Int32Array(upperLength);
    let at = 0;
    for (let s = 0; s < n; s++) {
      const u = this.upper[s];
      if (u && this.levels[s]! > 0) {
        upper.set(u, at);
        at += u.length;
      }
    }
    return {
      params: { ...this.params, seed: this.rng },
      dimensions: this.dimensions,
      length: n,
      linked: this.linked,
      entry: this.entry,
      maxLevel: this.maxLevel,
      labels: this.labels.subarray(0, n),
      levels: this.levels.subarray(0, n),
      deleted: this.deleted.subarray(0, n),
      links0: this.links0.subarray(0, n * (this.m0 + 1)),
      upper,
    };
  }

  /** Restores an index; `vectors` holds `length` normalised vectors at the arena's stride. */
  static fromParts(p: HnswParts, vectors: (target: Float32Array) => void): HnswIndex {
    const index = new HnswIndex(p.dimensions, p.params, Math.max(p.length, 16));
    const n = p.length;
    index.arena.reserve(n);
    index.arena.length = n;
    vectors(index.arena.rawView(n));
    index.grow(n);
    index.labels.set(p.labels);
    index.levels.set(p.levels);
    index.deleted.set(p.deleted);
    index.links0.set(p.links0);
    const m1 = p.params.m + 1;
    let at = 0;
    for (let s = 0; s < n; s++) {
      const level = p.levels[s]!;
      if (s < p.linked && level > 0) {
        index.upper[s] = p.upper.slice(at, at + level * m1);
        at += level * m1;
      }
      if (p.deleted[s]) index.deletedCount++;
      else index.slots.set(p.labels[s]!, s);
    }
    index.linked = p.linked;
    index.entry = p.entry;
    index.maxLevel = p.maxLevel;
    return index;
  }
}
