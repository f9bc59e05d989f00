import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteMetadataStore } from '../src/stores/sqlite.js';
import { JobRunner } from '../src/services/jobs.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('jobs', () => {
  it('returns an id at once, reports progress, and records the result', async () => {
    const store = new SqliteMetadataStore(':memory:');
    const jobs = new JobRunner(store.jobs);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const id = jobs.submit('train', { name: 'v1' }, async (job) => {
      job.progress(0.5, 'half way');
      await gate;
      return { f1: 0.9 };
    });
    const running = jobs.get(id)!;
    assert.equal(running.status, 'IN_PROGRESS');
    assert.equal(running.progress, 0.5);
    assert.equal(running.message, 'half way');
    assert.deepEqual(running.input, { name: 'v1' });
    release();
    const done = await jobs.settledJob(id);
    assert.equal(done!.status, 'SUCCEEDED');
    assert.equal(done!.progress, 1);
    assert.deepEqual(done!.result, { f1: 0.9 });
    store.close();
  });

  it('fails with the reason, cancels, runs one job of a kind at a time, and is idempotent by token', async () => {
    const store = new SqliteMetadataStore(':memory:');
    const jobs = new JobRunner(store.jobs);
    const failed = jobs.submit('train', {}, async () => {
      throw new Error('Too few images: 3, at least 10 are needed.');
    });
    const long = jobs.submit('train', {}, async (job) => {
      for (;;) {
        await wait(5);
        job.progress(0.1);
      }
    }, 'token-1');
    assert.equal(jobs.submit('train', {}, async () => 1, 'token-1'), long, 'the same token gives the same job');
    const queued = jobs.submit('train', {}, async () => 'never');
    assert.equal((await jobs.settledJob(failed))!.message, 'Too few images: 3, at least 10 are needed.');
    assert.equal(jobs.get(queued)!.progress, 0, 'waits behind the running job');
    assert.ok(jobs.cancel(queued));
    assert.equal(jobs.get(queued)!.message, 'Cancelled before it started.');
    assert.ok(jobs.cancel(long));
    const cancelled = await jobs.settledJob(long);
    assert.equal(cancelled!.status, 'FAILED');
    assert.equal(cancelled!.message, 'Cancelled.');
    store.close();
  });

  it('marks a job that a restart interrupted as FAILED, never leaving it IN_PROGRESS', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'argus-jobs-')), 'metadata.sqlite');
    const first = new SqliteMetadataStore(path);
    const id = new JobRunner(first.jobs).submit('train', {}, () => new Promise(() => {}));
    first.close(); // the process dies with the job running
    const second = new SqliteMetadataStore(path);
    const jobs = new JobRunner(second.jobs);
    const j = jobs.get(id)!;
    assert.equal(j.status, 'FAILED');
    assert.match(j.message!, /restarted while the job was running/);
    second.close();
  });
});
