/**
 * Long work as jobs: training a Custom Labels model now, stored-video analysis next. A job is
 * recorded before it starts (so its id can be returned at once), runs in this process with a
 * concurrency limit per kind, reports progress (persisted at most once a second), can be
 * cancelled, and ends SUCCEEDED or FAILED with a reason. A job found IN_PROGRESS when the process
 * starts was interrupted by a restart: it is marked FAILED saying so, never left stuck.
 * A ClientRequestToken makes submitting idempotent: the same token and kind give the same job.
 *
 *   const id = jobs.submit('train', { versionArn }, async (job) => { job.progress(0.5, 'features'); return result; });
 */
import { randomUUID } from 'node:crypto';
import type { JobRecord, JobRepository } from '../stores/metadata.js';

export type { JobRecord, JobRepository, JobStatus } from '../stores/metadata.js';

export interface RunningJob {
  readonly id: string;
  readonly signal: AbortSignal;
  /** Records progress (0..1) and what is happening; persisted at most once a second. */
  progress(fraction: number, message?: string): void;
}

export type JobHandler = (job: RunningJob) => Promise<unknown>;

export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}

const PERSIST_EVERY_MS = 1000;

export class JobRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly queued = new Map<string, { id: string; handler: JobHandler }[]>();
  private readonly active = new Map<string, number>();
  private readonly settled = new Map<string, Promise<void>>();
  /** Jobs a restart interrupted, marked FAILED when this runner was built (so their owners can tell someone). */
  readonly interrupted: readonly JobRecord[];

  constructor(
    private readonly store: JobRepository,
    private readonly concurrency: Readonly<Record<string, number>> = {},
  ) {
    const now = new Date();
    const message = 'Interrupted: Argus restarted while the job was running. Start it again.';
    this.interrupted = store.inProgress().map((j) => ({ ...j, status: 'FAILED' as const, message, updatedAt: now }));
    for (const j of this.interrupted) store.update(j.id, { status: 'FAILED', message, updatedAt: now });
  }

  /** Records the job and starts it (or queues it behind others of its kind); returns its id at once. */
  submit(kind: string, input: unknown, handler: JobHandler, clientRequestToken?: string): string {
    if (clientRequestToken) {
      const same = this.store.byToken(kind, clientRequestToken);
      if (same) return same.id;
    }
    const now = new Date();
    const id = randomUUID();
    this.store.insert({ id, kind, status: 'IN_PROGRESS', progress: 0, input, createdAt: now, updatedAt: now, ...(clientRequestToken ? { clientRequestToken } : {}) });
    const queue = this.queued.get(kind) ?? [];
    queue.push({ id, handler });
    this.queued.set(kind, queue);
    this.pump(kind);
    return id;
  }

  get(id: string): JobRecord | undefined {
    return this.store.get(id);
  }

  /** Jobs of a kind, newest first. */
  list(kind: string, offset: number, limit: number): JobRecord[] {
    return this.store.list(kind, offset, limit);
  }

  /** Asks a job to stop; it ends FAILED with "Cancelled". False when it is not running or queued here. */
  cancel(id: string): boolean {
    const c = this.running.get(id);
    if (c) {
      c.abort();
      return true;
    }
    for (const [kind, queue] of this.queued) {
      const i = queue.findIndex((q) => q.id === id);
      if (i >= 0) {
        queue.splice(i, 1);
        this.queued.set(kind, queue);
        this.store.update(id, { status: 'FAILED', message: 'Cancelled before it started.', updatedAt: new Date() });
        return true;
      }
    }
    return false;
  }

  /** Resolves when the job has ended (tests, shutdown). */
  async settledJob(id: string): Promise<JobRecord | undefined> {
    await this.settled.get(id);
    return this.store.get(id);
  }

  /** Cancels everything running and waits for it to end. */
  async close(): Promise<void> {
    for (const queue of this.queued.values()) for (const q of queue.splice(0)) this.store.update(q.id, { status: 'FAILED', message: 'Argus stopped before the job started.', updatedAt: new Date() });
    for (const c of this.running.values()) c.abort();
    await Promise.all(this.settled.values());
  }

  private pump(kind: string): void {
    const limit = this.concurrency[kind] ?? 1;
    const queue = this.queued.get(kind) ?? [];
    while ((this.active.get(kind) ?? 0) < limit && queue.length) {
      const next = queue.shift()!;
      this.active.set(kind, (this.active.get(kind) ?? 0) + 1);
      const done = this.run(next.id, next.handler).finally(() => {
        this.active.set(kind, (this.active.get(kind) ?? 1) - 1);
        this.settled.delete(next.id);
        this.pump(kind);
      });
      this.settled.set(next.id, done);
    }
  }

  private async run(id: string, handler: JobHandler): Promise<void> {
    const controller = new AbortController();
    this.running.set(id, controller);
    let last = 0;
    const job: RunningJob = {
      id,
      signal: controller.signal,
      progress: (fraction, message) => {
        if (controller.signal.aborted) throw new JobCancelled();
        const now = Date.now();
        if (now - last < PERSIST_EVERY_MS && fraction < 1) return;
        last = now;
        this.store.update(id, { progress: Math.max(0, Math.min(1, fraction)), ...(message ? { message } : {}), updatedAt: new Date(now) });
      },
    };
    try {
      const result = await handler(job);
      if (controller.signal.aborted) throw new JobCancelled();
      this.store.update(id, { status: 'SUCCEEDED', progress: 1, result, updatedAt: new Date() });
    } catch (err) {
      const message = controller.signal.aborted || err instanceof JobCancelled ? 'Cancelled.' : (err as Error).message;
      this.store.update(id, { status: 'FAILED', message, updatedAt: new Date() });
    } finally {
      this.running.delete(id);
    }
  }
}
