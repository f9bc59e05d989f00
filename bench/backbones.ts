/**
 * The TFLite ImageNet backbones converted to ONNX: conversion time, and ms per image on
 * onnxruntime-node (median of `runs`), inference alone and decode + resize + inference.
 *
 *   npx tsc -p . && node dist/bench/backbones.js [--runs 10] [--threads 1]
 *
 * Files from ARGUS_MODELS_DIR or ../shared/models; image: eval-data's labels-classics-unannotated/bus.jpg.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVAL_DATA, median } from './util.js';
import { OnnxRunner, imageRgb, syntheticImage } from '../src/runtime/convert/verify.js';
import { convertTfliteBytes } from '../src/runtime/convert/tflite-to-onnx.js';
import { manifest } from '../src/runtime/catalogue.js';

const MODELS_DIR = process.env.ARGUS_MODELS_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'models');
const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const runs = arg('runs', 10);
const threads = arg('threads', 1);

const imgPath = join(EVAL_DATA, 'labels-classics-unannotated', 'bus.jpg');
const bytes = existsSync(imgPath) ? readFileSync(imgPath) : await syntheticImage();
console.log(`onnxruntime-node cpu, ${threads} intra-op thread(s); ${cpus().length} cores (${cpus()[0]?.model}), load ${loadavg()[0]!.toFixed(2)}; image ${existsSync(imgPath) ? 'bus.jpg' : 'synthetic'}; median of ${runs}`);
for (const id of ['mobilenet-v1-embedding', 'mobilenet-v2', 'mobilenet-v2-tf2']) {
  const m = manifest(id);
  const file = join(MODELS_DIR, m.remote!.folder, m.source.file);
  if (!existsSync(file)) {
    console.log(`${id}: ${file} missing, skipped`);
    continue;
  }
  const t0 = performance.now();
  const conv = convertTfliteBytes(readFileSync(file), { outputs: m.outputs });
  const convMs = performance.now() - t0;
  const runner = await OnnxRunner.create(conv.onnx, threads, false);
  const q = conv.inputs[0]!.quantization!;
  const feeds = async () => {
    const rgb = await imageRgb(bytes, 224);
    return { [conv.inputs[0]!.name]: { type: 'float32' as const, dims: [1, 224, 224, 3], data: Float32Array.from(rgb, (p) => (p - q.zeroPoint) * q.scale) } };
  };
  const f = await feeds();
  for (let i = 0; i < 2; i++) await runner.run(f, [...m.outputs]);
  const infer: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await runner.run(f, [...m.outputs]);
    infer.push(performance.now() - t);
    t = performance.now();
    await runner.run(await feeds(), [...m.outputs]);
    full.push(performance.now() - t);
  }
  runner.dispose();
  console.log(`${id.padEnd(24)} convert ${convMs.toFixed(0).padStart(4)} ms  inference ${median(infer).toFixed(1).padStart(6)} ms/img  decode+resize+inference ${median(full).toFixed(1).padStart(6)} ms/img  outputs ${conv.outputs.map((o) => `${o.name}[${o.dims}]`).join(', ')}`);
}
