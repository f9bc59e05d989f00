/** What every vector index answers: cosine in, cosine out, ids are the faces' sequence numbers. */
import type { MinHeap } from './heap.js';

export interface VectorMatch {
  id: number;
  /** Cosine similarity with the query, -1..1. */
  cosine: number;
}

export interface VectorIndex {
  readonly kind: 'exact' | 'hnsw';
  readonly dimensions: number;
  /** Live vectors (removed ones not counted). */
  readonly size: number;
  /**
   * The `k` vectors most similar to `query` whose cosine is >= `minCosine`, best first.
   * @example index.search(embedding, 10, 0.4) // [{ id: 17, cosine: 0.83 }, ...]
   */
  search(query: ArrayLike<number>, k: number, minCosine: number): VectorMatch[];
  /** Stores a copy of `vector`, L2-normalised. Ids are unique integers (a face's sequence number). */
  add(id: number, vector: ArrayLike<number>): void;
  /** Forgets `id`; false when it was not there. */
  remove(id: number): boolean;
  has(id: number): boolean;
}

/** Drains a min-heap of (cosine, slot) into matches, best first. */
export function drainBestFirst(heap: MinHeap, label: (slot: number) => number): VectorMatch[] {
  const out: VectorMatch[] = new Array(heap.size);
  for (let i = heap.size - 1; i >= 0; i--) {
    out[i] = { id: label(heap.topValue()), cosine: heap.topKey() };
    heap.pop();
  }
  return out;
}
