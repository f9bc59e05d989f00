/** Messages between the worker pool and its inference workers. */
import type { Feeds, TensorData } from './tensor.js';
import type { HostOptions } from './model-host.js';

export type WorkerRequest =
  | { id: number; kind: 'load'; model: string }
  | { id: number; kind: 'run'; model: string; feeds: Feeds; outputs: string[] };

export type WorkerReply =
  | { id: number; ok: true; loaded?: { backend: string; backendInfo: string; loadMs: number; fallback?: string }; outputs?: Record<string, TensorData>; runMs?: number }
  | { id: number; ok: false; error: string };

export type WorkerOptions = HostOptions;
