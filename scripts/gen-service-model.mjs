// Generates src/edge/service-model.json, the compact Rekognition service model that drives the
// operation table and input validation, from botocore's service-2.json (Apache-2.0).
// Usage: node scripts/gen-service-model.mjs [path/to/service-2.json[.gz]]
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';

const defaultPath = () => {
  const dir = execFileSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))']).toString().trim();
  return `${dir}/data/rekognition/2016-06-27/service-2.json.gz`;
};
const path = process.argv[2] ?? defaultPath();
const raw = readFileSync(path);
const model = JSON.parse((path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));

const keep = ['type', 'required', 'min', 'max', 'pattern', 'enum', 'exception', 'fault'];
const shapes = {};
for (const [name, s] of Object.entries(model.shapes)) {
  const out = {};
  for (const k of keep) if (s[k] !== undefined) out[k] = s[k];
  if (s.members) out.members = Object.fromEntries(Object.entries(s.members).map(([m, v]) => [m, v.shape]));
  if (s.member) out.member = s.member.shape;
  if (s.key) { out.key = s.key.shape; out.value = s.value.shape; }
  if (s.error?.httpStatusCode) out.status = s.error.httpStatusCode;
  shapes[name] = out;
}
const operations = {};
for (const [name, op] of Object.entries(model.operations)) {
  operations[name] = { input: op.input?.shape, output: op.output?.shape, errors: (op.errors ?? []).map((e) => e.shape) };
}
const out = { metadata: { apiVersion: model.metadata.apiVersion, targetPrefix: model.metadata.targetPrefix, source: 'botocore data/rekognition/2016-06-27/service-2.json (Apache-2.0)' }, operations, shapes };
writeFileSync(new URL('../src/edge/service-model.json', import.meta.url), JSON.stringify(out) + '\n');
console.log(`wrote ${Object.keys(operations).length} operations, ${Object.keys(shapes).length} shapes`);
