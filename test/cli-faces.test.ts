import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EVAL_DATA, hasEvalData, NO_EVAL_DATA } from './helpers/eval-data.js';
import { externalImageId } from '../src/cli/faces.js';

const run = promisify(execFile);
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

describe('argus face commands', () => {
  let dataDir: string;
  const env = () => ({ ...process.env, ARGUS_DATA_DIR: dataDir, ARGUS_ACCESS_KEY_ID: '', ARGUS_SECRET_ACCESS_KEY: '' });
  const argus = (...args: string[]) => run('node', [MAIN, ...args], { env: env(), timeout: 180_000 });
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'argus-cli-faces-'));
  });

  it('are listed in the usage', async () => {
    const usage = (await argus('help')).stdout;
    for (const c of ['detect-faces', 'compare-faces', 'collections', 'index-faces', 'list-faces', 'search-faces', 'users', 'celebrities']) assert.match(usage, new RegExp(`argus ${c} `));
  });

  it('make ExternalImageIds from file names within Rekognition\'s pattern', () => {
    assert.equal(externalImageId('/photos/Ann Smith (2).jpg'), 'Ann_Smith_2_');
    assert.equal(externalImageId('amy1.png'), 'amy1');
  });

  it('index a folder with a progress bar, list it, and search it by a photo', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    await argus('collections', 'create', 'cast');
    assert.match((await argus('collections', 'list')).stdout, /^cast$/m);
    const ids = join(EVAL_DATA, 'faces-bbt-identities', 'identities');
    const indexed = await argus('index-faces', 'cast', join(ids, 'amy'), join(ids, 'sheldon'));
    assert.match(indexed.stderr, /indexing into cast \[#+\] 10\/10/);
    assert.match(indexed.stdout, /10 faces indexed from 10 images; 0 not indexed; 0 images failed/);
    const faces = JSON.parse((await argus('list-faces', 'cast', '--json')).stdout) as { ExternalImageId: string }[];
    assert.equal(faces.length, 10);
    assert.deepEqual([...new Set(faces.map((f) => f.ExternalImageId.replace(/\d+$/, '')))].sort(), ['amy', 'sheldon']);
    const found = JSON.parse((await argus('search-faces', 'cast', join(ids, 'amy', 'amy1.png'), '--json')).stdout);
    assert.ok(found.FaceMatches.length >= 4);
    assert.ok(found.FaceMatches.every((m: { Face: { ExternalImageId: string } }) => m.Face.ExternalImageId.startsWith('amy')));
    const described = (await argus('collections', 'describe', 'cast')).stdout;
    assert.match(described, /FaceCount: 10/);
    assert.match(described, /FaceModelVersion: argus-face-1\.0/);
  });

  it('load the celebrity gallery and recognize from it', async (ctx) => {
    if (!hasEvalData) return ctx.skip(NO_EVAL_DATA);
    const fr = join(EVAL_DATA, 'faces-face-recognition', 'examples');
    assert.match((await argus('celebrities', 'list')).stdout, /the gallery is empty/);
    assert.match((await argus('celebrities', 'add', '--name', 'Joe Biden', '--urls', 'www.example.org/biden', '--gender', 'Male', join(fr, 'biden.jpg'))).stdout, /added Joe Biden as \S+ with 1 reference face/);
    assert.match((await argus('celebrities', 'list')).stdout, /Joe Biden/);
    const r = JSON.parse((await argus('celebrities', 'recognize', join(fr, 'two_people.jpg'), '--json')).stdout);
    assert.deepEqual(r.CelebrityFaces.map((c: { Name: string }) => c.Name), ['Joe Biden']);
    assert.equal(r.UnrecognizedFaces.length, 1);
  });

  it('report a missing collection in Rekognition\'s words', async () => {
    const e = await argus('list-faces', 'nowhere').catch((err: { stderr: string; code: number }) => err);
    assert.equal((e as { code: number }).code, 1);
    assert.match((e as { stderr: string }).stderr, /ResourceNotFoundException/);
  });
});
