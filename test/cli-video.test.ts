/** `argus video analyze`: the Start/Get operations in process, a progress bar, a summary and the JSON answers. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeVideo } from './helpers/video.js';

const run = promisify(execFile);
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

describe('argus video analyze', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'argus-cli-video-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints shots and cues with timecodes, shows progress, writes every answer to --out', async () => {
    const clip = makeVideo(join(dir, 'clip.mp4'));
    const out = join(dir, 'result.json');
    const { stdout, stderr } = await run('node', [MAIN, 'video', 'analyze', clip, '--segments', '--out', out], { env: { PATH: process.env.PATH, ARGUS_DATA_DIR: join(dir, 'data') }, timeout: 120_000 });
    assert.match(stdout, /clip\.mp4: 640x426 h264 25\.00 fps, 5\.0 s/);
    assert.match(stdout, /00:00:00:00–00:00:00:24 {2}BlackFrames/);
    assert.match(stdout, /00:00:03:00–00:00:04:24 {2}shot \d/);
    assert.match(stderr, /segments .*\[#+\] 100\/100/, 'a progress bar');
    const saved = JSON.parse(readFileSync(out, 'utf8')) as { segments: { JobStatus: string; Segments: unknown[] } };
    assert.equal(saved.segments.JobStatus, 'SUCCEEDED');
    assert.ok(saved.segments.Segments.length >= 4);
  });
});
