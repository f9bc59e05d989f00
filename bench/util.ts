/** Shared helpers for benchmarks. */
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

/** ../shared/eval-data next to the repository (dist/bench → repo root is two levels up). */
export const EVAL_DATA = process.env.ARGUS_EVAL_DATA ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'eval-data');

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}
