/** Shared helpers for benchmarks. */
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import { loadConfig, type Config } from '../src/config.js';
import { startArgus, type Argus } from '../src/app.js';

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

export interface BenchServer {
  argus: Argus;
  rekognition: RekognitionClient;
  s3: S3Client;
}

/**
 * Runs `fn` against a real Argus on 127.0.0.1 (temporary data folder, models loaded on first use
 * unless `warmUp`) with SDK clients signed by a bench key; everything is closed and removed after.
 */
export async function withBenchServer<T>(overrides: Partial<Config>, fn: (s: BenchServer) => Promise<T>): Promise<T> {
  const key = { accessKeyId: 'AKIABENCH00000000001', secretAccessKey: 'bench-secret-0123456789abcdefghijklmnopq' };
  const dataDir = mkdtempSync(join(tmpdir(), 'argus-bench-'));
  const argus = await startArgus(loadConfig({}, { dataDir, port: 0, credentials: [key], workers: 2, intraOpThreads: 1, warmUp: false, ...overrides }));
  const config = { endpoint: argus.url, region: 'us-east-1', credentials: key, maxAttempts: 1 };
  const rekognition = new RekognitionClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  try {
    return await fn({ argus, rekognition, s3 });
  } finally {
    rekognition.destroy();
    s3.destroy();
    await argus.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
