/** A binary min-heap of (key, value) pairs on typed arrays, reused across searches (no allocation per push). */
export class MinHeap {
  private keys: Float64Array;
  private vals: Int32Array;
  size = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(capacity);
    this.vals = new Int32Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  topKey(): number {
    return this.keys[0]!;
  }

  topValue(): number {
    return this.vals[0]!;
  }

  push(key: number, value: number): void {
    if (this.size === this.keys.length) {
      const keys = new Float64Array(this.size * 2);
      keys.set(this.keys);
      this.keys = keys;
      const vals = new Int32Array(this.size * 2);
      vals.set(this.vals);
      this.vals = vals;
    }
    const k = this.keys;
    const v = this.vals;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (k[parent]! <= key) break;
      k[i] = k[parent]!;
      v[i] = v[parent]!;
      i = parent;
    }
    k[i] = key;
    v[i] = value;
  }

  /** Removes the smallest pair; read it first with topKey/topValue. */
  pop(): void {
    const k = this.keys;
    const v = this.vals;
    const n = --this.size;
    if (n <= 0) return;
    const key = k[n]!;
    const value = v[n]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && k[child + 1]! < k[child]!) child++;
      if (k[child]! >= key) break;
      k[i] = k[child]!;
      v[i] = v[child]!;
      i = child;
    }
    k[i] = key;
    v[i] = value;
  }
}
