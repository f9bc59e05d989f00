/**
 * Trains a crop classifier (trainCropClassifier) in a worker thread. A detection model with
 * several labels trains two candidate classifiers (upright and turned samples) on the same
 * thousands of box descriptors; each in its own thread, they run at once on both cores while the
 * inference workers are idle, and the HTTP thread never waits on them.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ClsSample } from './classification-head.js';
import { trainCropClassifier, type CropClassifier } from './crop-classifier.js';

interface Job {
  backbone: string;
  labels: string[];
  train: ClsSample[];
  val: ClsSample[];
  grid: number;
}

/** trainCropClassifier's result, computed in a new worker thread (terminated when `signal` aborts). */
export function trainCropClassifierInWorker(job: Job, signal?: AbortSignal): Promise<CropClassifier> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('training was cancelled'));
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    const abort = () => void worker.terminate().then(() => reject(new Error('training was cancelled')));
    signal?.addEventListener('abort', abort, { once: true });
    const done = () => signal?.removeEventListener('abort', abort);
    worker.once('message', (m: CropClassifier) => (done(), resolve(m)));
    worker.once('error', (e) => (done(), reject(e)));
    worker.once('exit', (code) => (done(), reject(new Error(`crop classifier worker exited with code ${code}`))));
  });
}

if (!isMainThread && parentPort) {
  const job = workerData as Job;
  const port = parentPort;
  void trainCropClassifier(job.backbone, job.labels, job.train, job.val, job.grid).then((c) => port.postMessage(c));
}
