import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { EVAL_DATA, hasEvalData, NO_EVAL_DATA } from './helpers/eval-data.js';

const run = promisify(execFile);
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

describe('argus detect-moderation-labels', () => {
  let dataDir: string;
  let picture: string;
  const env = () => {
    const { ARGUS_MODERATION_MODEL: _default, ...rest } = process.env;
    return { ...rest, ARGUS_DATA_DIR: dataDir, ARGUS_ACCESS_KEY_ID: '', ARGUS_SECRET_ACCESS_KEY: '' };
  };
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'argus-cli-moderation-'));
    picture = join(dataDir, 'shapes.png');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><rect width="400" height="300" fill="#8ecae6"/><circle cx="300" cy="80" r="40" fill="#ffb703"/><rect x="60" y="150" width="160" height="110" fill="#e76f51" stroke="#000" stroke-width="6"/></svg>`;
    await sharp(Buffer.from(svg)).png().toFile(picture);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is listed in the usage', async () => {
    assert.match((await run('node', [MAIN, 'help'], { env: env() })).stdout, /argus detect-moderation-labels <file\|s3:\/\/bucket\/key>/);
  });

  it('prints the labels as a table, and the raw response with --json', async () => {
    const table = (await run('node', [MAIN, 'detect-moderation-labels', picture], { env: env(), timeout: 120_000 })).stdout;
    assert.match(table, /^No moderation labels\.$/m);
    assert.match(table, /ModerationModelVersion argus\/nsfw-inception-v3/);
    const all = (await run('node', [MAIN, 'detect-moderation-labels', picture, '--min-confidence', '0'], { env: env(), timeout: 120_000 })).stdout;
    assert.match(all, /Label\s+Parent\s+Level\s+Confidence/);
    assert.match(all, /^Explicit Nudity\s+Explicit\s+2\s+\d+\.\d$/m);
    const json = JSON.parse((await run('node', [MAIN, 'detect-moderation-labels', picture, '--json', '--min-confidence', '0'], { env: env(), timeout: 120_000 })).stdout);
    assert.equal(json.ModerationLabels.length, 3);
    assert.deepEqual(json.ModerationLabels.find((l: { Name: string }) => l.Name === 'Explicit Nudity').ParentName, 'Explicit');
    assert.equal(json.ModerationModelVersion, 'argus/nsfw-inception-v3');
  });

  it('shows ContentTypes for a painting', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    const out = (await run('node', [MAIN, 'detect-moderation-labels', join(EVAL_DATA, 'labels-classics-unannotated', 'scream.jpg')], { env: env(), timeout: 120_000 })).stdout;
    assert.match(out, /ContentTypes: Illustrated \d+\.\d/);
  });

  it('fails with the API error for a file that is not an image', async () => {
    await assert.rejects(run('node', [MAIN, 'detect-moderation-labels', MAIN], { env: env(), timeout: 120_000 }), (e: Error & { stderr?: string }) => {
      assert.match(e.stderr ?? '', /InvalidImageFormatException/);
      return true;
    });
  });
});
