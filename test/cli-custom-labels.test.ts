import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { shapeImage } from './helpers/shapes.js';

const run = promisify(execFile);
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');


describe('argus custom-labels', () => {
  it('trains from a folder per label with progress bars, prints F1 per label, and detects', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'argus-cli-cl-'));
    for (const kind of ['disc', 'square'] as const) {
      mkdirSync(join(dir, 'photos', kind), { recursive: true });
      for (let i = 0; i < 12; i++) writeFileSync(join(dir, 'photos', kind, `${kind}${i}.jpg`), await shapeImage(kind, i));
    }
    writeFileSync(join(dir, 'new-disc.jpg'), await shapeImage('disc', 77));
    const env = { ...process.env, ARGUS_DATA_DIR: join(dir, 'data'), ARGUS_ACCESS_KEY_ID: '', ARGUS_SECRET_ACCESS_KEY: '' };
    const trained = await run('node', [MAIN, 'custom-labels', 'train', 'shapes', join(dir, 'photos')], { env, timeout: 280_000 });
    assert.match(trained.stderr, /uploading \[#+\] 24\/24/);
    assert.match(trained.stderr, /training shapes v1 \(24 images, folders\) \[#+\] 100\/100/);
    assert.match(trained.stdout, /^disc\s+\d\.\d{3}\s/m);
    assert.match(trained.stdout, /^square\s+\d\.\d{3}\s/m);
    const arn = /(arn:aws:rekognition:\S+\/version\/v1\/\d+)/.exec(trained.stdout)![1]!;
    const detected = JSON.parse((await run('node', [MAIN, 'custom-labels', 'detect', arn, join(dir, 'new-disc.jpg'), '--min-confidence', '0', '--json'], { env, timeout: 120_000 })).stdout);
    assert.equal(detected.CustomLabels[0].Name, 'disc');
  });
});
