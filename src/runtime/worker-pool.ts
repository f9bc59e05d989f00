/**
 * A pool of inference worker threads, one per core by default, so the HTTP thread never blocks
 * on a model. Each request goes to the least busy worker; models load lazily in each worker and
 * their state is reported for /health.
 */
import { Worker } from 'node:worker_threads';
import { CATALOGUE, manifest } from './catalogue.js';
import type { Feeds, TensorData } from './tensor.js';
import type { WorkerReply, WorkerRequest, WorkerOptions } from './worker-protocol.js';

export interface ModelRuntime {
  run(model: string, feeds: Feeds, outputs: string[]): Promise<Record<string, TensorData>>;
  warmUp(models: string[]): Promise<void>;
  health(): ModelHealth[];
  /** Model calls sent to workers and not answered yet. */
  inFlight(): number;
  close(): Promise<void>;
}

export interface ModelHealth {
  id: string;
  task: string;
  version: string;
  licence: string;
  state: 'not-loaded' | 'loading' | 'ready' | 'failed';
  backend?: string;
  backendInfo?: string;
  loadMs?: number;
  /** Why a preferred backend was not used (e.g. an ONNX conversion that failed its check). */
  fallback?: string;
  error?: string;
  runs: number;
}

interface Pending {
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
}

class PoolWorker {
  readonly worker: Worker;
  inFlight = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private dead?: Error;
  private readonly idle: (() => void)[] = [];

  constructor(options: WorkerOptions) {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: options });
    this.worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      this.inFlight--;
      p.resolve(reply);
      if (this.pending.size === 0) for (const w of this.idle.splice(0)) w();
    });
    const fail = (err: Error) => {
      this.dead = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const w of this.idle.splice(0)) w();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`inference worker exited with code ${code}`)));
  }

  /**
   * Resolves when no run is in flight (or after `ms`). Terminating a worker inside a native
   * inference call aborts the whole process, so the pool closes only idle workers.
   */
  settled(ms: number): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.idle.push(() => (clearTimeout(timer), resolve()));
    });
  }

  send(req: WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    this.inFlight++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ ...req, id }, transfer);
      } catch (err) {
        this.pending.delete(id);
        this.inFlight--;
        reject(err as Error);
      }
    });
  }
}

export interface PoolOptions {
  workers: number;
  intraOpThreads: number;
  /** Where converted models are cached (the data folder's models/). */
  modelCacheDir?: string;
  /** Convert TF.js graph models to ONNX; default true when there is a cache folder. */
  convertToOnnx?: boolean;
  /** Folder of model files no npm package ships, and whether to download them (see ModelHost). */
  modelsDir?: string;
  modelDownloads?: boolean;
}

/**
 * Feeds are transferred to the worker, not copied, so a feed sent once is empty (detached) in the
 * caller. Sent again, the worker could not read the message and the run would never answer:
 * every feed must hold as many values as its dims say.
 */
function checkFeeds(model: string, feeds: Feeds): void {
  for (const [name, t] of Object.entries(feeds)) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (t.data.length === n) continue;
    const why = t.data.buffer.byteLength === 0 ? ': its buffer was already sent to a worker (feeds are transferred, not copied)' : '';
    throw new Error(`${model}: input '${name}' holds ${t.data.length} values for dims [${t.dims.join(',')}]${why}`);
  }
}

export class WorkerPool implements ModelRuntime {
  private readonly workers: PoolWorker[];
  private readonly state = new Map<string, ModelHealth>();
  private closing = false;

  constructor(readonly options: PoolOptions) {
    this.workers = Array.from({ length: Math.max(1, options.workers) }, () => new PoolWorker({
          intraOpThreads: options.intraOpThreads,
          modelCacheDir: options.modelCacheDir,
          convertToOnnx: options.convertToOnnx,
          ...(options.modelsDir === undefined ? {} : { modelsDir: options.modelsDir }),
          ...(options.modelDownloads === undefined ? {} : { modelDownloads: options.modelDownloads }),
        }));
    for (const m of CATALOGUE) this.state.set(m.id, { id: m.id, task: m.task, version: m.version, licence: m.licence, state: 'not-loaded', runs: 0 });
  }

  private pick(): PoolWorker {
    if (this.closing) throw new Error('the model runtime is shutting down');
    return this.workers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
  }

  private record(model: string, reply: WorkerReply) {
    const h = this.state.get(model)!;
    if (reply.ok) {
      if (reply.loaded) Object.assign(h, { state: 'ready', error: undefined, ...reply.loaded });
      if (reply.outputs) {
        h.runs++;
        if (h.state !== 'ready') h.state = 'ready';
      }
    } else {
      Object.assign(h, { state: 'failed', error: reply.error });
    }
  }

  /** Loads each model in every worker and runs nothing; /health shows the result. */
  async warmUp(models: string[]): Promise<void> {
    await Promise.all(
      models.map(async (id) => {
        manifest(id);
        const h = this.state.get(id)!;
        if (h.state === 'not-loaded') h.state = 'loading';
        // One worker first: a model converted on first use is then read from the cache by the others.
        const [first, ...rest] = this.workers;
        const replies = [await first!.send({ kind: 'load', model: id })];
        replies.push(...(await Promise.all(rest.map((w) => w.send({ kind: 'load', model: id })))));
        for (const r of replies) this.record(id, r);
        const bad = replies.find((r) => !r.ok);
        if (bad && !bad.ok) throw new Error(bad.error);
      }),
    );
  }

  async run(model: string, feeds: Feeds, outputs: string[]): Promise<Record<string, TensorData>> {
    const h = this.state.get(model);
    if (!h) manifest(model);
    if (h && h.state === 'not-loaded') h.state = 'loading';
    checkFeeds(model, feeds);
    const transfer = Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer);
    const reply = await this.pick().send({ kind: 'run', model, feeds, outputs }, transfer);
    this.record(model, reply);
    if (!reply.ok) throw new Error(reply.error);
    return reply.outputs!;
  }

  health(): ModelHealth[] {
    return [...this.state.values()].map((h) => ({ ...h }));
  }

  inFlight(): number {
    return this.workers.reduce((n, w) => n + w.inFlight, 0);
  }

  /** Refuses new runs, lets the runs in flight finish (up to 60 s), then stops the workers. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map(async (w) => {
      await w.settled(60_000);
      await w.worker.terminate();
    }));
  }
}
