/**
 * The vectors of one face collection and the policy that picks their index: exact search while
 * the collection is small, HNSW from `hnswThreshold` faces on. New faces are searchable the moment
 * they are added (an HNSW keeps them in an exactly-searched tail until the owner links them in
 * short slices, see indexes.ts); removed faces are tombstones until they reach `maxDeletedRatio`,
 * when the graph is rebuilt from the live vectors.
 */
import { ExactIndex } from './exact.js';
import { HnswIndex, type HnswParams } from './hnsw.js';
import type { VectorMatch } from './types.js';

export interface IndexPolicy {
  /** Collections with at least this many faces get an HNSW index; smaller ones are searched exactly. */
  hnswThreshold: number;
  hnsw: Partial<HnswParams>;
  /** Rebuild the graph when this share of its slots are removed faces. */
  maxDeletedRatio: number;
}

export const DEFAULT_POLICY: Readonly<IndexPolicy> = Object.freeze({ hnswThreshold: 20_000, hnsw: {}, maxDeletedRatio: 0.25 });

export class CollectionIndex {
  /** Highest face sequence number added so far. */
  maxSeq: number;
  /** Changes since the index was last written to its file. */
  unsaved = 0;
  /** A graph being rebuilt without tombstones; `index` keeps serving searches until it is linked. */
  private next: HnswIndex | undefined;

  constructor(
    readonly dimensions: number,
    private index: ExactIndex | HnswIndex,
    maxSeq: number,
    private readonly policy: IndexPolicy,
  ) {
    this.maxSeq = maxSeq;
  }

  /** A new, empty collection index (exact until it grows). */
  static empty(dimensions: number, policy: IndexPolicy): CollectionIndex {
    return new CollectionIndex(dimensions, new ExactIndex(dimensions), 0, policy);
  }

  get kind(): 'exact' | 'hnsw' {
    return this.index.kind;
  }

  get size(): number {
    return this.index.size;
  }

  /** Vectors stored but not linked into a graph yet. */
  get pending(): number {
    return (this.next ?? this.graph)?.pending ?? 0;
  }

  /** The HNSW index serving searches, when there is one. */
  get graph(): HnswIndex | undefined {
    return this.index instanceof HnswIndex ? this.index : undefined;
  }

  has(seq: number): boolean {
    return this.index.has(seq);
  }

  search(query: ArrayLike<number>, k: number, minCosine: number): VectorMatch[] {
    return this.index.search(query, k, minCosine);
  }

  /** Adds a face's embedding; it is searchable at once. */
  add(seq: number, embedding: ArrayLike<number>): void {
    if (this.index instanceof HnswIndex) this.index.append(seq, embedding);
    else this.index.add(seq, embedding);
    this.next?.append(seq, embedding);
    this.maxSeq = Math.max(this.maxSeq, seq);
    this.unsaved++;
    if (this.index instanceof ExactIndex && this.index.size >= this.policy.hnswThreshold) this.promote();
  }

  remove(seq: number): boolean {
    if (!this.index.remove(seq)) return false;
    this.next?.remove(seq);
    this.unsaved++;
    const g = this.graph;
    if (!this.next && g && g.deletedCount >= Math.max(1, this.policy.maxDeletedRatio * g.length)) this.rebuild(g);
    return true;
  }

  /** Links pending vectors until `deadline` (performance.now()); returns how many are left. */
  linkPending(deadline: number): number {
    if (this.next) {
      const left = this.next.linkPending(deadline);
      if (left === 0) {
        this.index = this.next;
        this.next = undefined;
        this.unsaved++;
      }
      return left;
    }
    return this.graph?.linkPending(deadline) ?? 0;
  }

  /** Exact -> HNSW: the vectors go into the graph's exactly-searched tail in sequence order, to be linked in slices. */
  private promote(): void {
    const exact = this.index as ExactIndex;
    const graph = new HnswIndex(this.dimensions, this.policy.hnsw, exact.size);
    for (const seq of exact.ids().sort((a, b) => a - b)) graph.append(seq, exact.vector(seq)!);
    this.index = graph;
  }

  /**
   * Drops the tombstones: a fresh graph from the live vectors, linked in the background while the
   * old one serves searches (or an exact index at once, if few faces are left).
   */
  private rebuild(old: HnswIndex): void {
    if (old.size < this.policy.hnswThreshold) {
      const exact = new ExactIndex(this.dimensions, old.size);
      for (const [seq, v] of old.entries()) exact.add(seq, v);
      this.index = exact;
      return;
    }
    const fresh = new HnswIndex(this.dimensions, this.policy.hnsw, old.size);
    for (const [seq, v] of old.entries()) fresh.append(seq, v);
    this.next = fresh;
  }
}
