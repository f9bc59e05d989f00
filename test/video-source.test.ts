/** The frame source (media/video.ts) with both ffmpeg builds: metadata, sampling, exact timestamps, refusals. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBanner, probeVideo, readFrames, VideoError } from '../src/media/video.js';
import { makeVideo } from './helpers/video.js';
import { EVAL_DATA, hasEvalData, NO_EVAL_DATA } from './helpers/eval-data.js';

const STATIC_FFMPEG = createRequire(import.meta.url).resolve('@ffmpeg-installer/linux-x64/ffmpeg');
const onPath = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const BUILDS: [string, string | undefined][] = [['ffmpeg on PATH', onPath ? 'ffmpeg' : undefined], ['static ffmpeg from npm', STATIC_FFMPEG]];
const video = (...p: string[]) => join(EVAL_DATA, 'video', ...p);

async function collect(path: string, o: { maxSide: number; everyMs?: number }) {
  const meta = await probeVideo(path);
  const frames = [];
  for await (const f of readFrames(path, meta, o)) frames.push({ index: f.index, t: f.timestampMs, w: f.width, h: f.height, mean: f.data.reduce((a, b) => a + b, 0) / f.data.length });
  return { meta, frames };
}

describe('video frame source', () => {
  let dir: string;
  let clip: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'argus-video-'));
    clip = makeVideo(join(dir, 'clip.mp4'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, bin] of BUILDS) {
    describe(name, { skip: !bin && `${name}: not installed` }, () => {
      before(() => (process.env.ARGUS_FFMPEG = bin));
      after(() => delete process.env.ARGUS_FFMPEG);

      it('reads the metadata Rekognition reports', async () => {
        const m = await probeVideo(clip);
        assert.deepEqual({ ...m, frameRate: Math.round(m.frameRate) }, { codec: 'h264', format: 'QuickTime / MOV', durationMs: 5000, frameRate: 25, frameWidth: 640, frameHeight: 426, colorRange: 'LIMITED', rotation: 0 });
      });

      it('gives every frame with its number and timestamp, black first', async () => {
        const { frames } = await collect(clip, { maxSide: 160 });
        assert.equal(frames.length, 125);
        frames.forEach((f, i) => {
          assert.equal(f.index, i);
          assert.equal(f.t, i * 40);
          assert.deepEqual([f.w, f.h], [160, 107]);
        });
        assert.ok(frames[10]!.mean < 20, 'the first second is black');
        assert.ok(frames[50]!.mean > 25, 'then a photo');
      });

      it('samples the first frame at or after each multiple of everyMs, keeping the frame numbers', async () => {
        const { frames } = await collect(clip, { maxSide: 320, everyMs: 500 });
        const expected = [0, 12.5, 25, 37.5, 50, 62.5, 75, 87.5, 100, 112.5].map(Math.ceil);
        assert.deepEqual(frames.map((f) => f.index), expected);
        assert.deepEqual(frames.map((f) => f.t), expected.map((i) => i * 40));
      });

      it('refuses a file that is not a video, and a raw stream without a container', async () => {
        const jpeg = join(dir, 'photo.mp4');
        writeFileSync(jpeg, 'not a video at all');
        await assert.rejects(probeVideo(jpeg), (e: Error) => e instanceof VideoError && /not a video/.test(e.message));
        const raw = join(dir, 'raw.h264');
        spawnSync(bin!, ['-v', 'error', '-y', '-i', clip, '-c', 'copy', '-f', 'h264', raw]);
        await assert.rejects(probeVideo(raw), (e: Error) => e instanceof VideoError && /raw h264 stream without a container/.test(e.message));
        // An HLS playlist named .mp4 would make ffmpeg read the files it lists: refused.
        const playlist = join(dir, 'playlist.mp4');
        writeFileSync(playlist, `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n${clip}\n#EXT-X-ENDLIST\n`);
        await assert.rejects(probeVideo(playlist), (e: Error) => e instanceof VideoError && /not a video/.test(e.message));
      });

      it('counter.mp4: frame-exact timestamps (10 fps, 30 frames)', { skip: !hasEvalData && NO_EVAL_DATA }, async () => {
        const { meta, frames } = await collect(video('pyscenedetect', 'counter.mp4'), { maxSide: 64 });
        assert.equal(meta.frameRate, 10);
        assert.deepEqual(frames.map((f) => f.t), Array.from({ length: 30 }, (_, i) => i * 100));
      });

      it('issue-134-rotate.mp4: the display matrix turns the frames upright', { skip: !hasEvalData && NO_EVAL_DATA }, async () => {
        const { meta, frames } = await collect(video('pyscenedetect', 'issue-134-rotate.mp4'), { maxSide: 320, everyMs: 5000 });
        assert.deepEqual([meta.rotation, meta.frameWidth, meta.frameHeight], [90, 544, 1280]);
        assert.deepEqual([frames[0]!.w, frames[0]!.h], [136, 320]);
      });

      it('delayed_start.mp4: the first frame is at 0 although the file starts at 1.075 s', { skip: !hasEvalData && NO_EVAL_DATA }, async () => {
        const { frames } = await collect(video('pyscenedetect', 'delayed_start.mp4'), { maxSide: 64 });
        assert.equal(frames[0]!.t, 0);
        assert.equal(frames[1]!.t, 40);
      });
    });
  }

  it('parses the banner of a sideways phone video and a full-range stream', () => {
    const m = parseBanner(`Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mov':
  Duration: 00:01:02.50, start: 0.000000, bitrate: 1059 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuvj420p(pc, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 8000 kb/s, 29.97 fps, 29.97 tbr, 600 tbn (default)
    Side data:
      displaymatrix: rotation of -90.00 degrees`);
    assert.equal(m.durationMs, 62500);
    assert.equal(m.frameRate, 30000 / 1001);
    assert.deepEqual([m.frameWidth, m.frameHeight, m.rotation, m.colorRange], [1080, 1920, 90, 'FULL']);
  });
});
