/**
 * Counts the TensorFlow ops of each TF.js graph model of the default pack, says which the
 * converter maps, and converts each one to report the ONNX ops it becomes.
 *
 *   npx tsc -p . && node dist/bench/count-ops.js [--all-human-models] [model ...]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PACK, humanModelsFile } from '../src/runtime/convert/verify.js';
import { SUPPORTED_TF_OPS, convertTfjsModelFile, countOps, unsupportedOps } from '../src/runtime/convert/tfjs-to-onnx.js';
import type { TfjsModelJson } from '../src/runtime/convert/tfjs-weights.js';

const fmt = (c: Record<string, number>) =>
  Object.entries(c)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

function main(argv: string[]): void {
  let files: { id: string; file: string }[];
  if (argv.includes('--all-human-models')) {
    const dir = dirname(humanModelsFile('models/centernet.json'));
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => ({ id: f.replace(/\.json$/, ''), file: `${dir}/${f}` }));
  } else {
    const ids = argv.filter((a) => !a.startsWith('--'));
    files = PACK.filter((m) => !ids.length || ids.includes(m.id)).map((m) => ({ id: m.id, file: humanModelsFile(m.file) }));
  }
  const supported = new Set(SUPPORTED_TF_OPS);
  const total: Record<string, number> = {};
  for (const { id, file } of files) {
    let json: TfjsModelJson;
    try {
      json = JSON.parse(readFileSync(file, 'utf8')) as TfjsModelJson;
    } catch {
      continue;
    }
    if (!json.modelTopology?.node) {
      console.log(`${id}: not a graph model (layers format), skipped\n`);
      continue;
    }
    const ops = countOps(json.modelTopology.node);
    for (const [k, v] of Object.entries(ops)) total[k] = (total[k] ?? 0) + v;
    const missing = unsupportedOps(json.modelTopology.node);
    const nodes = json.modelTopology.node.length;
    console.log(`${id} (${nodes} nodes): ${fmt(ops)}`);
    console.log(`  unsupported: ${missing.length ? missing.join(', ') : 'none'}`);
    try {
      const r = convertTfjsModelFile(file);
      console.log(`  converts: yes, ${(r.onnx.length / 1e6).toFixed(1)} MB, ${r.folded} nodes folded; ONNX: ${fmt(r.onnxOps)}`);
    } catch (err) {
      console.log(`  converts: NO - ${(err as Error).message}`);
    }
    console.log('');
  }
  const unmapped = Object.keys(total).filter((k) => !supported.has(k));
  console.log(`all models: ${fmt(total)}`);
  console.log(`ops not mapped: ${unmapped.length ? unmapped.join(', ') : 'none'}`);
}

main(process.argv.slice(2));
