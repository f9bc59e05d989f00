import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelHost } from '../src/runtime/model-host.js';
import { CATALOGUE, manifest, resolveModelFile } from '../src/runtime/catalogue.js';
import { WorkerPool } from '../src/runtime/worker-pool.js';
import { CENTERNET } from '../src/vision/detect-objects.js';

describe('the model runtime', () => {
  const host = new ModelHost({ intraOpThreads: 1 });
  after(() => host.dispose());

  it('resolves every catalogue model from an installed npm package', () => {
    for (const m of CATALOGUE) if (!m.remote) assert.ok(resolveModelFile(m).endsWith(m.source.file), m.id);
  });

  it('runs CenterNet on the tfjs wasm backend, never the cpu one, and says why it did not use onnx', async () => {
    const loaded = await host.load('centernet');
    assert.equal(loaded.backend.name, 'tfjs-wasm');
    assert.match(loaded.fallback ?? '', /onnx: conversion to ONNX is turned off/);
    assert.match(loaded.backend.describe(), /wasm/);
    const out = await host.run('centernet', CENTERNET.feeds(new Uint8Array(512 * 512 * 3).fill(128)), [...CENTERNET.outputs]);
    assert.deepEqual(out['tower_0/detections']!.dims, [1, 100, 6]);
  });

  it('runs PP-OCRv4 text detection on onnxruntime-node and finds the drawn words', async (t) => {
    const [w, h] = [320, 96];
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="white"/><text x="30" y="62" font-size="40" font-family="sans-serif">Argus 2026</text></svg>`;
    const rgb = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer();
    if (Math.min(...rgb) > 128) return t.skip('no fonts on this machine to draw text with');
    const data = new Float32Array(3 * w * h);
    const [mean, std] = [[0.485, 0.456, 0.406], [0.229, 0.224, 0.225]];
    for (let p = 0; p < w * h; p++) for (let c = 0; c < 3; c++) data[c * w * h + p] = (rgb[p * 3 + c]! / 255 - mean[c]!) / std[c]!;
    const loaded = await host.load('ppocr-det');
    assert.equal(loaded.backend.name, 'onnx');
    assert.match(loaded.backend.describe(), /onnxruntime-node/);
    const out = await host.run('ppocr-det', { x: { type: 'float32', dims: [1, 3, h, w], data } }, ['sigmoid_0.tmp_0']);
    const map = out['sigmoid_0.tmp_0']!;
    assert.deepEqual(map.dims, [1, 1, h, w]);
    const mean2 = (x0: number, x1: number, y0: number, y1: number) => {
      let s = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += map.data[y * w + x]!;
      return s / ((x1 - x0) * (y1 - y0));
    };
    const inside = mean2(40, 250, 35, 60);
    const outside = mean2(0, w, 80, 96);
    assert.ok(inside > 0.3 && outside < 0.05, `text probability inside ${inside.toFixed(2)}, below the text ${outside.toFixed(2)}`);
  });

  it('converts CenterNet to ONNX on first use, caches it, and runs it on onnxruntime-node', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'argus-models-'));
    try {
      const first = new ModelHost({ intraOpThreads: 1, modelCacheDir: cacheDir });
      const loaded = await first.load('centernet');
      assert.equal(loaded.backend.name, 'onnx', `fell back: ${loaded.fallback}`);
      const out = await first.run('centernet', CENTERNET.feeds(new Uint8Array(512 * 512 * 3).fill(128)), [...CENTERNET.outputs]);
      assert.deepEqual(out['tower_0/detections']!.dims, [1, 100, 6]);
      await first.dispose();
      const cached = readdirSync(join(cacheDir, 'onnx')).filter((f) => f.endsWith('.onnx'));
      assert.equal(cached.length, 1);
      const second = new ModelHost({ intraOpThreads: 1, modelCacheDir: cacheDir });
      assert.equal((await second.load('centernet')).backend.name, 'onnx');
      assert.deepEqual(readdirSync(join(cacheDir, 'onnx')).filter((f) => f.endsWith('.onnx')), cached, 'the second host reuses the cached conversion');
      await second.dispose();
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('names every backend it tried when a model cannot load', async () => {
    const broken = { ...manifest('centernet'), id: 'broken', backends: ['no-such-backend', 'onnx'] };
    const h = new ModelHost({ intraOpThreads: 1 }, [broken]);
    await assert.rejects(h.load('broken'), /could not be loaded on any backend \(no-such-backend: unknown backend 'no-such-backend'; onnx: /);
  });

  it('answers an unknown model id with the list of known ones', async () => {
    await assert.rejects(host.load('yolo-v99'), /no model 'yolo-v99' in the catalogue; known: centernet/);
  });
});

describe('the worker pool', () => {
  it('spreads concurrent calls over its workers and reports readiness', async () => {
    const pool = new WorkerPool({ workers: 2, intraOpThreads: 1 });
    try {
      await pool.warmUp(['centernet']);
      const feeds = () => CENTERNET.feeds(new Uint8Array(512 * 512 * 3).fill(90));
      const results = await Promise.all([1, 2, 3, 4].map(() => pool.run('centernet', feeds(), [...CENTERNET.outputs])));
      assert.equal(results.length, 4);
      const h = pool.health().find((m) => m.id === 'centernet')!;
      assert.equal(h.state, 'ready');
      assert.equal(h.backend, 'tfjs-wasm');
      assert.match(h.fallback ?? '', /conversion to ONNX is turned off/, 'health says why onnx was not used');
      assert.equal(h.runs, 4);
    } finally {
      await pool.close();
    }
  });

  it('closes after the runs in flight finish, and refuses new ones while closing', async () => {
    const pool = new WorkerPool({ workers: 2, intraOpThreads: 1 });
    await pool.warmUp(['centernet']);
    const feeds = () => CENTERNET.feeds(new Uint8Array(512 * 512 * 3).fill(90));
    const inFlight = [1, 2, 3].map(() => pool.run('centernet', feeds(), [...CENTERNET.outputs]));
    const closed = pool.close();
    await assert.rejects(pool.run('centernet', feeds(), [...CENTERNET.outputs]), /shutting down/);
    const results = await Promise.all(inFlight);
    assert.ok(results.every((r) => Object.keys(r).length === CENTERNET.outputs.length), 'every run begun before close completed');
    await closed;
  });

  it('refuses a feed that was already sent (transferred) instead of waiting forever', async () => {
    const pool = new WorkerPool({ workers: 1, intraOpThreads: 1 });
    try {
      const feeds = CENTERNET.feeds(new Uint8Array(512 * 512 * 3).fill(90));
      await pool.run('centernet', feeds, [...CENTERNET.outputs]);
      await assert.rejects(pool.run('centernet', feeds, [...CENTERNET.outputs]), /already sent to a worker/);
      await assert.rejects(pool.run('centernet', { ...feeds, 'tower_0/images': { type: 'float32', dims: [1, 512, 512, 3], data: new Float32Array(12) } }, [...CENTERNET.outputs]), /holds 12 values for dims \[1,512,512,3\]/);
      assert.equal(pool.inFlight(), 0);
      assert.equal((await pool.run('centernet', CENTERNET.feeds(new Uint8Array(512 * 512 * 3).fill(90)), [...CENTERNET.outputs]))['tower_0/detections']!.dims[1], 100, 'the pool still answers');
    } finally {
      await pool.close();
    }
  });

  it('reports a model that fails to load as failed, with the reason', async () => {
    const pool = new WorkerPool({ workers: 1, intraOpThreads: 1 });
    try {
      await assert.rejects(pool.run('nope', {}, []), /no model 'nope'/);
    } finally {
      await pool.close();
    }
  });
});
