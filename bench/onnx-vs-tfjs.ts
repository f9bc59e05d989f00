/**
 * Per model of the default pack: median latency of one request on tfjs-wasm (1 thread, SIMD)
 * against the converted ONNX model on onnxruntime-node with 1 and 2 intra-op threads, all in
 * the same process and run. Writes bench/results/onnx-vs-tfjs.json.
 *
 *   npx tsc -p . && node dist/bench/onnx-vs-tfjs.js [--models centernet,nanodet] [--runs 10]
 *     [--warmup 2] [--layouts propagate,nhwc] [--json bench/results/onnx-vs-tfjs.json]
 *
 * Input: eval-data's labels-classics-unannotated/bus.jpg when present, else the synthetic image.
 * Runtimes are timed in blocks (warm-up, then `runs` requests), one model loaded at a time.
 */
import { cpus, loadavg } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { EVAL_DATA, median, percentile } from './util.js';
import { PACK, OnnxRunner, humanModelsFile, imageRgb, loadTfjsWasm, packModel, syntheticImage } from '../src/runtime/convert/verify.js';
import { convertTfjsModelFile, type LayoutMode } from '../src/runtime/convert/tfjs-to-onnx.js';
import type { LoadedModel } from '../src/runtime/backends/backend.js';
import type { Feeds } from '../src/runtime/tensor.js';

interface Args {
  models: string[];
  runs: number;
  warmup: number;
  layouts: LayoutMode[];
  json: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { models: ['centernet', 'nanodet', 'blazeface', 'faceres', 'emotion'], runs: 10, warmup: 2, layouts: ['propagate'], json: 'bench/results/onnx-vs-tfjs.json' };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--models':
        a.models = v === 'all' ? PACK.map((m) => m.id) : v!.split(',');
        i++;
        break;
      case '--runs':
        a.runs = Number(v);
        i++;
        break;
      case '--warmup':
        a.warmup = Number(v);
        i++;
        break;
      case '--layouts':
        a.layouts = v!.split(',') as LayoutMode[];
        i++;
        break;
      case '--json':
        a.json = v!;
        i++;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return a;
}

async function time(model: LoadedModel, feeds: Feeds, outputs: string[], warmup: number, runs: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await model.run(feeds, outputs);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await model.run(feeds, outputs);
    ms.push(performance.now() - t0);
  }
  return ms;
}

interface Row {
  model: string;
  runtime: string;
  layout?: LayoutMode;
  threads: number;
  /** onnxruntime intra-op spinning (its default is on) */
  spinning?: boolean;
  median: number;
  p90: number;
  ratio: number;
  loadMs: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const loadStart = loadavg()[0]!;
  const photo = join(EVAL_DATA, 'labels-classics-unannotated', 'bus.jpg');
  const image = existsSync(photo) ? readFileSync(photo) : await syntheticImage();
  const imageName = existsSync(photo) ? 'labels-classics-unannotated/bus.jpg' : 'synthetic 640x480';
  const rows: Row[] = [];
  for (const id of args.models) {
    const m = packModel(id);
    const file = humanModelsFile(m.file);
    const feeds = m.feeds(await imageRgb(image, m.size));
    let t0 = performance.now();
    const tfjs = await loadTfjsWasm(file);
    const tfjsLoad = performance.now() - t0;
    const conversions = args.layouts.map((layout) => {
      const c0 = performance.now();
      const conv = convertTfjsModelFile(file, { layout });
      return { layout, conv, ms: performance.now() - c0 };
    });
    const outputs = conversions[0]!.conv.outputs.map((o) => o.name);
    const base = median(await time(tfjs, feeds, outputs, args.warmup, args.runs));
    tfjs.dispose();
    rows.push({ model: id, runtime: 'tfjs-wasm', threads: 1, median: base, p90: NaN, ratio: 1, loadMs: tfjsLoad });
    for (const { layout, conv, ms: convMs } of conversions) {
      for (const [threads, spinning] of [[1, true], [2, true], [2, false]] as const) {
        t0 = performance.now();
        const onnx = await OnnxRunner.create(conv.onnx, threads, spinning);
        const loadMs = performance.now() - t0 + convMs;
        const ms = await time(onnx, feeds, outputs, args.warmup, args.runs);
        onnx.dispose();
        rows.push({ model: id, runtime: 'onnx', layout, threads, spinning, median: median(ms), p90: percentile(ms, 90), ratio: median(ms) / base, loadMs });
      }
    }
    const mine = rows.filter((r) => r.model === id);
    for (const r of mine) {
      console.log(
        `${r.model.padEnd(10)} ${(r.runtime + (r.layout ? `/${r.layout}` : '')).padEnd(16)} ${String(r.threads).padStart(2)}t${r.spinning === false ? ' no-spin' : '        '}  median ${r.median.toFixed(1).padStart(7)} ms  x${r.ratio.toFixed(2)}  (load${r.runtime === 'onnx' ? '+convert' : ''} ${r.loadMs.toFixed(0)} ms)`,
      );
    }
  }

  const variants = args.layouts.flatMap((l) => [
    { l, th: 1, spin: true, label: `ONNX ${l} 1 thread` },
    { l, th: 2, spin: true, label: `ONNX ${l} 2 threads` },
    { l, th: 2, spin: false, label: `ONNX ${l} 2 threads, no spinning` },
  ]);
  console.log('\n| model | tfjs-wasm (1 thread) | ' + variants.map((v) => v.label).join(' | ') + ' |');
  console.log('|---|---:|' + variants.map(() => '---:').join('|') + '|');
  for (const id of args.models) {
    const mine = rows.filter((r) => r.model === id);
    const t = mine.find((r) => r.runtime === 'tfjs-wasm')!;
    const cells = variants.map((v) => mine.find((r) => r.layout === v.l && r.threads === v.th && r.spinning === v.spin)!).map((r) => `${r.median.toFixed(1)} ms (${r.ratio.toFixed(2)}x)`);
    console.log(`| ${id} | ${t.median.toFixed(1)} ms | ${cells.join(' | ')} |`);
  }
  const loadEnd = loadavg();

  const out = {
    command: `node dist/bench/onnx-vs-tfjs.js ${process.argv.slice(2).join(' ')}`.trim(),
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, onnxruntime: ort.env.versions?.common ?? 'unknown' },
    /** 1-minute load average before and after: other work on the machine skews the 2-thread rows most. */
    loadavg: { start: +loadStart.toFixed(2), end: +loadEnd[0]!.toFixed(2) },
    image: imageName,
    runs: args.runs,
    warmup: args.warmup,
    note: 'median of `runs` single requests after `warmup`; ratio = ONNX median / tfjs-wasm median in the same run; load for ONNX includes the conversion',
    rows: rows.map((r) => ({ ...r, median: +r.median.toFixed(2), p90: Number.isNaN(r.p90) ? undefined : +r.p90.toFixed(2), ratio: +r.ratio.toFixed(3), loadMs: +r.loadMs.toFixed(0) })),
  };
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwrote ${args.json}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
