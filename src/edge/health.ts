/** GET /health: version, workers, each model with its backend and readiness, and the operations built. */
import type { ModelRuntime } from '../runtime/worker-pool.js';
import { implementedOperations } from '../operations/dispatch.js';
import { OPERATIONS } from '../operations/table.js';
import { VERSION } from '../version.js';

export function healthReport(runtime: ModelRuntime, extra: { workers: number; intraOpThreads: number; startedAt: Date }) {
  const models = runtime.health();
  const failed = models.filter((m) => m.state === 'failed');
  return {
    status: failed.length ? 'degraded' : 'ok',
    version: VERSION,
    startedAt: extra.startedAt.toISOString(),
    workers: extra.workers,
    intraOpThreads: extra.intraOpThreads,
    inFlight: runtime.inFlight(),
    models,
    operations: { implemented: implementedOperations(), total: OPERATIONS.size },
  };
}
