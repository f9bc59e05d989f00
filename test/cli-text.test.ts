import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

describe('argus detect-text', () => {
  let dataDir: string;
  let sign: string;
  let blank = false;
  const env = () => ({ ...process.env, ARGUS_DATA_DIR: dataDir, ARGUS_ACCESS_KEY_ID: '', ARGUS_SECRET_ACCESS_KEY: '' });
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'argus-cli-text-'));
    sign = join(dataDir, 'sign.png');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="320"><rect width="640" height="320" fill="white"/>
      <text x="40" y="110" font-family="DejaVu Sans, sans-serif" font-size="48">Hello Rekognition 2024</text>
      <text x="40" y="230" font-family="DejaVu Sans, sans-serif" font-size="64" font-weight="bold">STOP 42</text></svg>`;
    await sharp(Buffer.from(svg)).png().toFile(sign);
    blank = (await sharp(sign).stats()).channels.every((c) => c.min === c.max);
  });

  it('is listed in the usage', async () => {
    assert.match((await run('node', [MAIN, 'help'], { env: env() })).stdout, /argus detect-text <file\|s3:\/\/bucket\/key>/);
  });

  it('prints lines as a table, and the raw response with --json', async (ctx) => {
    if (blank) return ctx.skip('the SVG renderer drew no text on this machine (no fonts?)');
    const table = (await run('node', [MAIN, 'detect-text', sign], { env: env(), timeout: 120_000 })).stdout;
    assert.match(table, /Id\s+Line\s+Confidence\s+Words/);
    assert.match(table, /^0\s+Hello Rekognition 2024\s+\d+\.\d\s+3\s/m);
    assert.match(table, /^1\s+STOP 42\s+\d+\.\d\s+2\s/m);
    assert.match(table, /2 lines, 5 words; TextModelVersion argus\/PP-OCRv4/);
    const json = JSON.parse((await run('node', [MAIN, 'detect-text', sign, '--json', '--min-confidence', '50'], { env: env(), timeout: 120_000 })).stdout);
    assert.equal(json.TextDetections.length, 7);
    assert.equal(json.TextDetections[2].ParentId, 0);
  });
});
