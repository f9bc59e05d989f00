/** Small numeric helpers for the Custom Labels heads: a seeded PRNG, feature moments, Adam, sigmoid, Cholesky solves, ridge regression's normal equations, event-loop turns. */
export { rng } from '../random.js';

/** A seed from a string (FNV-1a), mixed with a number. */
export function seedOf(s: string, mix = 0): number {
  let h = 0x811c9dc5 ^ mix;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function shuffle<T>(xs: T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Per-dimension mean and standard deviation of vectors (for standardising features), accumulated one vector at a time. */
export class Moments {
  private readonly sum: Float64Array;
  private readonly sq: Float64Array;
  private n = 0;
  constructor(readonly dims: number) {
    this.sum = new Float64Array(dims);
    this.sq = new Float64Array(dims);
  }
  /** Adds the vector x[offset .. offset + dims). */
  add(x: ArrayLike<number>, offset = 0): void {
    for (let d = 0; d < this.dims; d++) {
      const f = x[offset + d]!;
      this.sum[d]! += f;
      this.sq[d]! += f * f;
    }
    this.n++;
  }
  /** The mean and the standard deviation (at least 1e-4) of each dimension. */
  result(): { mean: Float64Array; std: Float64Array } {
    const n = Math.max(1, this.n);
    const mean = this.sum.map((v) => v / n);
    const std = this.sq.map((v, d) => Math.sqrt(Math.max(1e-8, v / n - mean[d]! ** 2)));
    return { mean, std };
  }
  /** The moments of a set of vectors. */
  static of(xs: ArrayLike<number>[]): { mean: Float64Array; std: Float64Array } {
    const m = new Moments(xs[0]!.length);
    for (const x of xs) m.add(x);
    return m.result();
  }
}

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(readonly params: Float64Array, public lr = 1e-3, readonly b1 = 0.9, readonly b2 = 0.999, readonly eps = 1e-8) {
    this.m = new Float64Array(params.length);
    this.v = new Float64Array(params.length);
  }
  step(grad: Float64Array): void {
    this.t++;
    const c1 = 1 - this.b1 ** this.t;
    const c2 = 1 - this.b2 ** this.t;
    const { m, v, params } = this;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]!;
      m[i] = this.b1 * m[i]! + (1 - this.b1) * g;
      v[i] = this.b2 * v[i]! + (1 - this.b2) * g * g;
      params[i] = params[i]! - (this.lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + this.eps);
    }
  }
}

/**
 * Overwrites the lower triangle of A (n x n, row-major, symmetric positive-definite) with its
 * Cholesky factor L, giving the event loop its turns (n = 1280 takes about half a second).
 */
export async function choleskyFactor(A: Float64Array, n: number): Promise<void> {
  const turn = eventLoopTurns();
  for (let j = 0; j < n; j++) {
    await turn();
    let d = A[j * n + j]!;
    for (let k = 0; k < j; k++) d -= A[j * n + k]! ** 2;
    d = Math.sqrt(Math.max(d, 1e-12));
    A[j * n + j] = d;
    const rj = j * n;
    const j4 = j - (j % 4);
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      // Four running sums: the factor of a 2,000-dimension system in a third less time.
      let s0 = A[ri + j]!, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < j4; k += 4) {
        s0 -= A[ri + k]! * A[rj + k]!;
        s1 -= A[ri + k + 1]! * A[rj + k + 1]!;
        s2 -= A[ri + k + 2]! * A[rj + k + 2]!;
        s3 -= A[ri + k + 3]! * A[rj + k + 3]!;
      }
      for (let k = j4; k < j; k++) s0 -= A[ri + k]! * A[rj + k]!;
      A[ri + j] = (s0 + s1 + s2 + s3) / d;
    }
  }
}

/** Solves L L^T x = b with the factor choleskyFactor left in A. */
export function choleskyBack(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= A[i * n + k]! * y[k]!;
    y[i] = s / A[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= A[k * n + i]! * x[k]!;
    x[i] = s / A[i * n + i]!;
  }
  return x;
}

/**
 * Weighted least squares in closed form (ridge regression): the normal equations A = Σ w x xᵀ and,
 * per target, B = Σ w x t, accumulated sample by sample, then solved by Cholesky with a ridge on
 * A's diagonal. The box refiner and the detection head's box regression both fit this way.
 */
export class NormalEquations {
  private readonly A: Float64Array;
  private readonly B: Float64Array[];

  constructor(readonly dims: number, targets: number) {
    this.A = new Float64Array(dims * dims);
    this.B = Array.from({ length: targets }, () => new Float64Array(dims));
  }

  /** Adds one sample: inputs x, its targets t, weight w. */
  add(x: ArrayLike<number>, t: ArrayLike<number>, w = 1): void {
    const { A, B, dims: D } = this;
    for (let i = 0; i < D; i++) {
      const xi = x[i]! * w;
      if (xi === 0) continue;
      const row = i * D;
      // The lower triangle up to the diagonal (i + 1 values), four updates per step.
      const end = i + 1 - ((i + 1) % 4);
      for (let j = 0; j < end; j += 4) {
        A[row + j]! += xi * x[j]!;
        A[row + j + 1]! += xi * x[j + 1]!;
        A[row + j + 2]! += xi * x[j + 2]!;
        A[row + j + 3]! += xi * x[j + 3]!;
      }
      for (let j = end; j <= i; j++) A[row + j]! += xi * x[j]!;
      for (let k = 0; k < B.length; k++) B[k]![i]! += xi * t[k]!;
    }
  }

  /** The weights per target, with ridge(i) added to A's diagonal; A is factored in place, so solve once. */
  async solve(ridge: (i: number) => number): Promise<Float64Array[]> {
    const { A, B, dims: D } = this;
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < i; j++) A[j * D + i] = A[i * D + j]!;
      A[i * D + i]! += ridge(i);
    }
    await choleskyFactor(A, D);
    return B.map((b) => choleskyBack(A, b, D));
  }
}

/** When a training loop last gave the event loop a turn (one clock for all of them). */
let lastTurn = Date.now();

/**
 * For long synchronous training loops inside the server: `await turn()` gives the event loop a
 * turn when `ms` have passed since the last one any loop gave (the API stays responsive while a
 * model trains, also when several loops run one after another without a turn between them).
 */
export function eventLoopTurns(ms = 50): () => Promise<void> | undefined {
  return () => {
    if (Date.now() - lastTurn < ms) return undefined;
    return new Promise<void>((resolve) => setImmediate(() => ((lastTurn = Date.now()), resolve())));
  };
}
