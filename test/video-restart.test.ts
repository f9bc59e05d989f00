/**
 * A server killed in the middle of a video job, then started again on the same data folder:
 * the job answers FAILED saying why (never IN_PROGRESS forever), and the video can be analysed again.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetPersonTrackingCommand, RekognitionClient, StartPersonTrackingCommand } from '@aws-sdk/client-rekognition';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { TEST_KEY } from './helpers/server.js';
import { makeVideo } from './helpers/video.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:video-done';

async function serve(dataDir: string, port: number, hook: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN, 'serve'], {
    env: { PATH: process.env.PATH, ARGUS_DATA_DIR: dataDir, ARGUS_PORT: String(port), ARGUS_WORKERS: '1', ARGUS_WARM_UP: '0', ARGUS_ACCESS_KEY_ID: TEST_KEY.accessKeyId, ARGUS_SECRET_ACCESS_KEY: TEST_KEY.secretAccessKey, ARGUS_SNS_WEBHOOKS: `${TOPIC}=${hook}` },
    stdio: 'ignore',
  });
  for (let i = 0; i < 200; i++) {
    if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('argus serve did not start');
}

describe('video jobs across a killed server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'argus-video-restart-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks the interrupted job FAILED on restart and tells its topic; a new job succeeds', async () => {
    const messages: { Status: string; JobId: string }[] = [];
    const hookServer = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        messages.push(JSON.parse((JSON.parse(body) as { Message: string }).Message));
        res.end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/`;
    const port = await freePort();
    const config = { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: TEST_KEY, maxAttempts: 1 };
    const rk = new RekognitionClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const data = join(dir, 'data');
    let child = await serve(data, port, hook);
    children.push(child);
    await s3.send(new CreateBucketCommand({ Bucket: 'videos' }));
    await s3.send(new PutObjectCommand({ Bucket: 'videos', Key: 'clip.mp4', Body: readFileSync(makeVideo(join(dir, 'clip.mp4'))) }));
    const Video = { S3Object: { Bucket: 'videos', Name: 'clip.mp4' } };
    const { JobId } = await rk.send(new StartPersonTrackingCommand({ Video, NotificationChannel: { SNSTopicArn: TOPIC, RoleArn: 'arn:aws:iam::123456789012:role/r' } }));
    assert.equal((await rk.send(new GetPersonTrackingCommand({ JobId }))).JobStatus, 'IN_PROGRESS');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    child = await serve(data, port, hook);
    children.push(child);
    const r = await rk.send(new GetPersonTrackingCommand({ JobId }));
    assert.equal(r.JobStatus, 'FAILED');
    assert.match(r.StatusMessage!, /restarted while the job was running/);
    for (let i = 0; i < 50 && !messages.length; i++) await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(messages.map((m) => [m.JobId, m.Status]), [[JobId, 'FAILED']], 'the topic hears of the interrupted job');

    const again = await rk.send(new StartPersonTrackingCommand({ Video }));
    let done = await rk.send(new GetPersonTrackingCommand({ JobId: again.JobId }));
    for (let i = 0; i < 600 && done.JobStatus === 'IN_PROGRESS'; i++) {
      await new Promise((res) => setTimeout(res, 200));
      done = await rk.send(new GetPersonTrackingCommand({ JobId: again.JobId }));
    }
    assert.equal(done.JobStatus, 'SUCCEEDED', done.StatusMessage);
    assert.ok(done.Persons!.length > 0);
    rk.destroy();
    s3.destroy();
    hookServer.close();
  });
});
