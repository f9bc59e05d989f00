import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { EVAL_DATA, hasEvalData } from './helpers/server.js';

const run = promisify(execFile);
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

describe('the argus command line', () => {
  let dataDir: string;
  let photo: string;
  const env = () => ({ ...process.env, ARGUS_DATA_DIR: dataDir, ARGUS_ACCESS_KEY_ID: '', ARGUS_SECRET_ACCESS_KEY: '' });
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'argus-cli-data-'));
    photo = hasEvalData ? join(EVAL_DATA, 'labels-classics-unannotated', 'dog.jpg') : join(dataDir, 'photo.jpg');
    if (!hasEvalData) writeFileSync(photo, await sharp({ create: { width: 200, height: 150, channels: 3, background: '#aa5533' } }).jpeg().toBuffer());
  });

  it('prints DetectLabels as a table and as raw JSON with --json', async () => {
    const table = await run('node', [MAIN, 'detect-labels', photo], { env: env(), timeout: 120_000 });
    assert.match(table.stdout, /Label\s+Confidence\s+Instances\s+Parents/);
    assert.match(table.stdout, /LabelModelVersion/);
    const json = JSON.parse((await run('node', [MAIN, 'detect-labels', photo, '--json', '--features', 'GENERAL_LABELS,IMAGE_PROPERTIES'], { env: env(), timeout: 120_000 })).stdout);
    assert.ok(Array.isArray(json.Labels) && json.ImageProperties);
    if (hasEvalData) assert.ok(json.Labels.some((l: { Name: string }) => l.Name === 'Dog'));
  });

  it('answers a non-image file with the Rekognition error and exit code 1', async () => {
    const bad = join(dataDir, 'notes.txt');
    writeFileSync(bad, 'not an image');
    await assert.rejects(run('node', [MAIN, 'detect-labels', bad], { env: env(), timeout: 60_000 }), (e: Error & { code?: number; stderr?: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr ?? '', /InvalidImageFormatException/);
      return true;
    });
  });

  it('creates, lists and deletes access keys', async () => {
    const created = (await run('node', [MAIN, 'keys', 'create'], { env: env() })).stdout;
    const id = /AWS_ACCESS_KEY_ID=(AKIA[A-Z2-7]{16})/.exec(created)![1]!;
    assert.match((await run('node', [MAIN, 'keys', 'list'], { env: env() })).stdout, new RegExp(id));
    await run('node', [MAIN, 'keys', 'delete', id], { env: env() });
    assert.doesNotMatch((await run('node', [MAIN, 'keys', 'list'], { env: env() })).stdout, new RegExp(id));
  });

  it('serve generates a key pair on first start and says how to use it', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'argus-serve-'));
    const child = spawn('node', [MAIN, 'serve', '--port', '0'], { env: { ...env(), ARGUS_DATA_DIR: fresh, ARGUS_WARM_UP: '0' } });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start-up message: ${out}`)), 60_000);
      child.stdout.on('data', (d) => {
        out += d;
        if (/aws rekognition detect-labels/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGTERM');
    assert.match(out, /Argus is serving on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /Generated an access key/);
    assert.match(out, /AWS_ACCESS_KEY_ID=AKIA/);
  });
});
