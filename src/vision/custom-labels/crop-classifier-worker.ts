/**
 * Crop classifier training in worker threads. A detection model with several labels trains two
 * candidate classifiers (upright and turned samples) on the same thousands of box descriptors;
 * each in its own thread, they run at once on both cores while the inference workers are idle,
 * and the HTTP thread never waits on them. The chosen one is refit there too.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ClassificationHead, ClsSample } from './classification-head.js';
import { trainCropClassifier, type CropClassifier } from './crop-classifier.js';
import { trainLda } from './lda.js';
import type { DescriptorCells } from './features.js';

type Job =
  | { kind: 'sweep'; backbone: string; labels: string[]; train: ClsSample[]; val: ClsSample[]; cells: DescriptorCells }
  | { kind: 'refit'; labels: string[]; train: ClsSample[]; temperature: number };

function inWorker<T>(job: Job, signal?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('training was cancelled'));
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    // Terminating the worker ends it with 'exit', which rejects (after a result, rejecting changes nothing).
    const abort = () => void worker.terminate();
    signal?.addEventListener('abort', abort, { once: true });
    const done = () => signal?.removeEventListener('abort', abort);
    worker.once('message', (m: T) => (done(), resolve(m)));
    worker.once('error', (e) => (done(), reject(e)));
    worker.once('exit', (code) => (done(), reject(new Error(signal?.aborted ? 'training was cancelled' : `crop classifier worker exited with code ${code}`))));
  });
}

/** trainCropClassifier, in a new worker thread (terminated when `signal` aborts). */
export function trainCropClassifierInWorker(job: Omit<Extract<Job, { kind: 'sweep' }>, 'kind'>, signal?: AbortSignal): Promise<CropClassifier> {
  return inWorker({ kind: 'sweep', ...job }, signal);
}

/** The discriminant `chosen` fitted again on `train` (with its temperature), in a new worker thread. */
export function refitClassifierInWorker(chosen: ClassificationHead, train: ClsSample[], signal?: AbortSignal): Promise<ClassificationHead> {
  return inWorker({ kind: 'refit', labels: chosen.labels, train, temperature: chosen.temperature ?? 1 }, signal);
}

if (!isMainThread && parentPort) {
  const job = workerData as Job;
  const port = parentPort;
  const result = job.kind === 'sweep'
    ? trainCropClassifier(job.backbone, job.labels, job.train, job.val, job.cells)
    : trainLda(job.labels, job.train, job.temperature);
  void result.then((r: CropClassifier | ClassificationHead) => port.postMessage(r));
}
