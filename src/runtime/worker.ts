/** Inference worker thread: one ModelHost, answering load and run requests from the pool. */
import { parentPort, workerData } from 'node:worker_threads';
import { ModelHost } from './model-host.js';
import type { WorkerOptions, WorkerReply, WorkerRequest } from './worker-protocol.js';

const host = new ModelHost(workerData as WorkerOptions);
const port = parentPort!;

port.on('message', (req: WorkerRequest) => {
  void handle(req).then(
    (reply) => {
      const transfer = reply.ok && reply.outputs ? Object.values(reply.outputs).map((t) => t.data.buffer as ArrayBuffer) : [];
      port.postMessage(reply, transfer);
    },
    (err: Error) => port.postMessage({ id: req.id, ok: false, error: err.message } satisfies WorkerReply),
  );
});

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  const loaded = await host.load(req.model);
  // Every reply says how the model was loaded, so /health knows it for models loaded on first use too.
  const description = { backend: loaded.backend.name, backendInfo: loaded.backend.describe(), loadMs: loaded.loadMs, fallback: loaded.fallback };
  if (req.kind === 'load') return { id: req.id, ok: true, loaded: description };
  const t0 = performance.now();
  const outputs = await loaded.model.run(req.feeds, req.outputs);
  return { id: req.id, ok: true, loaded: description, outputs, runMs: performance.now() - t0 };
}
