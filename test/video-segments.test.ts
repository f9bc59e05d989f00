/**
 * Segment detection (src/vision/video/*) on synthetic frames made here: smooth random textures
 * seen through a moving virtual camera, solid colours, fades, flashes and colour bars.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { VideoFrame } from '../src/media/video-frame.js';
import { rng } from '../src/vision/random.js';
import { smpteTimecode, timecodeBase } from '../src/vision/video/timecode.js';
import { maxBlackLuma, measureBlackFrame, resolveBlackFrameFilter } from '../src/vision/video/black-frames.js';
import { measureColorBars } from '../src/vision/video/color-bars.js';
import { ShotDetector } from '../src/vision/video/shot-detector.js';
import { CameraMotionEstimator } from '../src/vision/video/camera-motion.js';
import { SegmentAnalyzer, type Segment, type SegmentAnalyzerOptions } from '../src/vision/video/segments.js';

const W = 160;
const H = 90;
const FPS = 25;
type Rgb = readonly [number, number, number];

/** A smooth colour texture: sums of random sinusoids (periods 6-60 px), so it can be sampled anywhere. */
class Texture {
  private readonly waves: { fx: number; fy: number; ph: number; amp: number; ch: number }[] = [];
  constructor(
    seed: number,
    private readonly tint: Rgb,
  ) {
    const r = rng(seed);
    for (let i = 0; i < 18; i++) {
      const period = 6 + r() * 54;
      const angle = r() * Math.PI;
      this.waves.push({ fx: (Math.cos(angle) * 2 * Math.PI) / period, fy: (Math.sin(angle) * 2 * Math.PI) / period, ph: r() * 7, amp: 12 + r() * 18, ch: i % 3 });
    }
  }
  sample(x: number, y: number, out: Float64Array): void {
    out[0] = this.tint[0];
    out[1] = this.tint[1];
    out[2] = this.tint[2];
    for (const w of this.waves) {
      const v = w.amp * Math.sin(w.fx * x + w.fy * y + w.ph);
      // One shared luma-like part plus a per-channel part, so the texture is coloured but correlated.
      out[0] += 0.6 * v + (w.ch === 0 ? 0.4 * v : 0);
      out[1] += 0.6 * v + (w.ch === 1 ? 0.4 * v : 0);
      out[2] += 0.6 * v + (w.ch === 2 ? 0.4 * v : 0);
    }
  }
}

interface Camera {
  /** World position of the frame centre. */
  x: number;
  y: number;
  /** Magnification (1 = one world unit per pixel). */
  zoom: number;
}

const clamp8 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

function blank(index: number): VideoFrame {
  return { index, timestampMs: (index * 1000) / FPS, width: W, height: H, data: new Uint8Array(W * H * 3) };
}

/** The texture seen through the camera, multiplied by `gain` (fades). */
function view(index: number, tex: Texture, cam: Camera, gain = 1): VideoFrame {
  const f = blank(index);
  const s = new Float64Array(3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      tex.sample(cam.x + (x - W / 2) / cam.zoom, cam.y + (y - H / 2) / cam.zoom, s);
      const p = (y * W + x) * 3;
      f.data[p] = clamp8(s[0]! * gain);
      f.data[p + 1] = clamp8(s[1]! * gain);
      f.data[p + 2] = clamp8(s[2]! * gain);
    }
  }
  return f;
}

function solid(index: number, c: Rgb): VideoFrame {
  const f = blank(index);
  for (let i = 0; i < f.data.length; i += 3) f.data.set(c, i);
  return f;
}

function paint(f: VideoFrame, x0: number, y0: number, x1: number, y1: number, c: Rgb): VideoFrame {
  for (let y = Math.max(0, y0); y < Math.min(H, y1); y++) for (let x = Math.max(0, x0); x < Math.min(W, x1); x++) f.data.set(c, (y * W + x) * 3);
  return f;
}

/** Copies a square of another texture over the frame (a subject moving over a still scene). */
function overlay(f: VideoFrame, tex: Texture, x0: number, y0: number, size: number): VideoFrame {
  const s = new Float64Array(3);
  for (let y = Math.max(0, y0); y < Math.min(H, y0 + size); y++) {
    for (let x = Math.max(0, Math.round(x0)); x < Math.min(W, Math.round(x0) + size); x++) {
      tex.sample(x - x0, y - y0, s);
      f.data.set([clamp8(s[0]!), clamp8(s[1]!), clamp8(s[2]!)], (y * W + x) * 3);
    }
  }
  return f;
}

/** SMPTE-style bars: seven 75 % bars over the top two thirds, a darker strip below. */
function smpteBars(index: number): VideoFrame {
  const f = blank(index);
  const colours: Rgb[] = [
    [191, 191, 191],
    [191, 191, 0],
    [0, 191, 191],
    [0, 191, 0],
    [191, 0, 191],
    [191, 0, 0],
    [0, 0, 191],
  ];
  const reverse: Rgb[] = [[0, 0, 191], [19, 19, 19], [191, 0, 191], [19, 19, 19], [0, 191, 191], [19, 19, 19], [191, 191, 191]];
  for (let i = 0; i < 7; i++) {
    const x0 = Math.round((i * W) / 7);
    const x1 = Math.round(((i + 1) * W) / 7);
    paint(f, x0, 0, x1, Math.round(H * 0.67), colours[i]!);
    paint(f, x0, Math.round(H * 0.67), x1, Math.round(H * 0.75), reverse[i]!);
  }
  paint(f, 0, Math.round(H * 0.75), W, H, [16, 16, 16]);
  paint(f, 0, Math.round(H * 0.75), Math.round(W / 6), H, [0, 33, 76]);
  return f;
}

/** EBU bars: eight 100 % bars over the full height. */
function ebuBars(index: number): VideoFrame {
  const f = blank(index);
  const colours: Rgb[] = [[255, 255, 255], [255, 255, 0], [0, 255, 255], [0, 255, 0], [255, 0, 255], [255, 0, 0], [0, 0, 255], [0, 0, 0]];
  for (let i = 0; i < 8; i++) paint(f, Math.round((i * W) / 8), 0, Math.round(((i + 1) * W) / 8), H, colours[i]!);
  return f;
}

const A = new Texture(1, [120, 110, 100]);
const B = new Texture(2, [70, 120, 160]);
const C = new Texture(3, [170, 90, 60]);

function cutsOf(frames: Iterable<VideoFrame>, fps = FPS): number[] {
  const d = new ShotDetector({ frameRate: fps });
  const cuts: number[] = [];
  for (const f of frames) cuts.push(...d.push(f).map((c) => c.frameIndex));
  cuts.push(...d.finish().map((c) => c.frameIndex));
  return cuts;
}

function analyse(frames: Iterable<VideoFrame>, opts: Partial<SegmentAnalyzerOptions> = {}): Segment[] {
  const a = new SegmentAnalyzer({ frameRate: FPS, types: ['TECHNICAL_CUE', 'SHOT'], ...opts });
  for (const f of frames) a.push(f);
  return a.finish();
}

function* range(n: number, fn: (i: number) => VideoFrame): Generator<VideoFrame> {
  for (let i = 0; i < n; i++) yield fn(i);
}

const shots = (s: Segment[]): Segment[] => s.filter((x) => x.type === 'SHOT');
const cues = (s: Segment[], type?: string): Segment[] => s.filter((x) => x.type === 'TECHNICAL_CUE' && (!type || x.technicalCueSegment?.type === type));

describe('SMPTE timecodes', () => {
  it('counts non-drop frames at integer rates', () => {
    assert.equal(smpteTimecode(0, 25), '00:00:00:00');
    assert.equal(smpteTimecode(24, 25), '00:00:00:24');
    assert.equal(smpteTimecode(25, 25), '00:00:01:00');
    assert.equal(smpteTimecode(90000, 25), '01:00:00:00');
    assert.equal(smpteTimecode(149, 25), '00:00:05:24');
    assert.equal(smpteTimecode(59, 30), '00:00:01:29');
  });

  it('counts 23.976 at a nominal 24 without drop frames', () => {
    assert.deepEqual(timecodeBase(24000 / 1001), { nominal: 24, drop: 0 });
    assert.equal(smpteTimecode(24, 24000 / 1001), '00:00:01:00');
    assert.equal(smpteTimecode(1440, 23.976), '00:01:00:00');
  });

  it('skips frame labels 00 and 01 each minute but every tenth at 29.97 (drop frame, ";")', () => {
    const ntsc = 30000 / 1001;
    assert.equal(smpteTimecode(0, ntsc), '00:00:00;00');
    assert.equal(smpteTimecode(299, ntsc), '00:00:09;29'); // Rekognition's own example
    assert.equal(smpteTimecode(150, ntsc), '00:00:05;00');
    assert.equal(smpteTimecode(1799, ntsc), '00:00:59;29');
    assert.equal(smpteTimecode(1800, ntsc), '00:01:00;02');
    assert.equal(smpteTimecode(3597, ntsc), '00:01:59;29');
    assert.equal(smpteTimecode(3598, ntsc), '00:02:00;02');
    assert.equal(smpteTimecode(17981, ntsc), '00:09:59;29');
    assert.equal(smpteTimecode(17982, ntsc), '00:10:00;00');
    assert.equal(smpteTimecode(107892, ntsc), '01:00:00;00');
    assert.equal(smpteTimecode(1800, 29.97), '00:01:00;02');
  });

  it('skips four labels a minute at 59.94', () => {
    const rate = 60000 / 1001;
    assert.equal(smpteTimecode(3599, rate), '00:00:59;59');
    assert.equal(smpteTimecode(3600, rate), '00:01:00;04');
    assert.equal(smpteTimecode(35964, rate), '00:10:00;00');
  });

  it('rejects bad input', () => {
    assert.throws(() => smpteTimecode(-1, 25), RangeError);
    assert.throws(() => smpteTimecode(1.5, 25), RangeError);
    assert.throws(() => smpteTimecode(1, 0), RangeError);
  });
});

describe('shot detection', () => {
  it('finds a hard cut between two panning shots at the right frame', () => {
    const cuts = cutsOf(range(60, (i) => (i < 30 ? view(i, A, { x: 2 * i, y: 0, zoom: 1 }) : view(i, B, { x: 0, y: i, zoom: 1 }))));
    assert.equal(cuts.length, 1, `cuts ${cuts}`);
    assert.ok(Math.abs(cuts[0]! - 30) <= 1, `cut at ${cuts[0]}`);
  });

  it('finds each cut in a three-shot sequence, with confidences above 90', () => {
    const d = new ShotDetector({ frameRate: FPS });
    const found = [];
    for (const f of range(75, (i) => view(i, i < 20 ? A : i < 47 ? B : C, { x: i, y: 0, zoom: 1 }))) found.push(...d.push(f));
    found.push(...d.finish());
    assert.deepEqual(
      found.map((c) => c.frameIndex),
      [20, 47],
    );
    for (const c of found) assert.ok(c.confidence > 90 && c.confidence <= 100, `confidence ${c.confidence}`);
  });

  it('finds cuts between flat colours with the same overlay (like the counter clip)', () => {
    const colours: Rgb[] = [[85, 95, 105], [140, 90, 90], [80, 130, 80]];
    const cuts = cutsOf(range(30, (i) => paint(solid(i, colours[Math.floor(i / 10)]!), 60, 60, 100, 70, [255, 255, 255])), 10);
    assert.deepEqual(cuts, [10, 20]);
  });

  it('does not cut on a fast pan, a tilt or a zoom', () => {
    assert.deepEqual(cutsOf(range(60, (i) => view(i, A, { x: 4 * i, y: 0, zoom: 1 }))), []);
    assert.deepEqual(cutsOf(range(60, (i) => view(i, B, { x: 0, y: -3 * i, zoom: 1 }))), []);
    assert.deepEqual(cutsOf(range(60, (i) => view(i, C, { x: 0, y: 0, zoom: 1.02 ** i }))), []);
  });

  it('does not cut on a fade out to black and a fade in to another scene', () => {
    const frames = range(70, (i) => {
      if (i < 20) return view(i, A, { x: i, y: 0, zoom: 1 }, 1 - i / 20);
      if (i < 30) return solid(i, [0, 0, 0]);
      return view(i, B, { x: 0, y: 0, zoom: 1 }, Math.min(1, (i - 29) / 20));
    });
    assert.deepEqual(cutsOf(frames), []);
  });

  it('does not cut on flat grey fades like the fades clip (cosine ramps of 0-253)', () => {
    const level = (i: number): number => Math.round(126.5 - 126.5 * Math.cos((2 * Math.PI * i) / 83));
    assert.deepEqual(cutsOf(range(250, (i) => solid(i, [level(i), level(i), level(i)]))), []);
  });

  it('does not cut on a dissolve between two scenes', () => {
    const a = [...range(1, () => view(0, A, { x: 0, y: 0, zoom: 1 }))][0]!;
    const b = [...range(1, () => view(0, B, { x: 0, y: 0, zoom: 1 }))][0]!;
    const frames = range(60, (i) => {
      const t = Math.min(1, Math.max(0, (i - 20) / 20));
      const f = blank(i);
      for (let k = 0; k < f.data.length; k++) f.data[k] = Math.round(a.data[k]! * (1 - t) + b.data[k]! * t);
      return f;
    });
    assert.deepEqual(cutsOf(frames), []);
  });

  it('does not cut on a one-frame flash', () => {
    assert.deepEqual(cutsOf(range(40, (i) => (i === 20 ? solid(i, [250, 250, 250]) : view(i, A, { x: i, y: 0, zoom: 1 })))), []);
  });

  it('does not cut on a subject crossing a still scene', () => {
    const bg = view(0, A, { x: 0, y: 0, zoom: 1 });
    const frames = range(60, (i) => overlay({ ...bg, index: i, timestampMs: (i * 1000) / FPS, data: bg.data.slice() }, C, -30 + 4 * i, 30, 36));
    assert.deepEqual(cutsOf(frames), []);
  });

  it('decides each cut two frames after it, without waiting for the end of the video', () => {
    const d = new ShotDetector({ frameRate: FPS });
    const decidedAt: number[] = [];
    for (const f of range(60, (i) => view(i, i < 30 ? A : B, { x: i, y: 0, zoom: 1 }))) {
      if (d.push(f).some((c) => c.frameIndex === 30)) decidedAt.push(f.index);
    }
    assert.deepEqual(decidedAt, [32]);
    assert.deepEqual(d.finish(), []);
  });

  it('cuts on hard cuts to and from black', () => {
    const cuts = cutsOf(range(50, (i) => (i < 20 ? view(i, A, { x: i, y: 0, zoom: 1 }) : i < 30 ? solid(i, [0, 0, 0]) : view(i, B, { x: 0, y: 0, zoom: 1 }))));
    assert.deepEqual(cuts, [20, 30]);
  });

  it('keeps shots at least minShotMs long', () => {
    // Cuts every 5 frames at 25 fps: 200 ms shots, under the 400 ms minimum.
    const cuts = cutsOf(range(40, (i) => view(i, [A, B, C][Math.floor(i / 5) % 3]!, { x: 0, y: 0, zoom: 1 })));
    for (let k = 1; k < cuts.length; k++) assert.ok(cuts[k]! - cuts[k - 1]! >= 10, `cuts ${cuts}`);
  });
});

describe('black frames', () => {
  const filter = resolveBlackFrameFilter();

  it('uses Rekognition defaults and levels: 0.2 -> 51 full range, 16 + 0.2 * 219 limited', () => {
    assert.deepEqual(filter, { maxPixelThreshold: 0.2, minCoveragePercentage: 99 });
    assert.equal(maxBlackLuma(0.2, 'FULL'), 51);
    assert.ok(Math.abs(maxBlackLuma(0.1, 'FULL') - 25.5) < 1e-9);
    assert.ok(Math.abs(maxBlackLuma(0.2, 'LIMITED') - 59.8) < 1e-9);
    assert.throws(() => resolveBlackFrameFilter({ maxPixelThreshold: 1.5 }), RangeError);
    assert.throws(() => resolveBlackFrameFilter({ minCoveragePercentage: -1 }), RangeError);
  });

  it('honours MaxPixelThreshold: dark grey is black at 0.3 but not at 0.05', () => {
    const grey = solid(0, [40, 40, 40]);
    assert.equal(measureBlackFrame(grey, resolveBlackFrameFilter({ maxPixelThreshold: 0.3 })).black, true);
    assert.equal(measureBlackFrame(grey, resolveBlackFrameFilter({ maxPixelThreshold: 0.05 })).black, false);
    assert.equal(measureBlackFrame(grey, filter).black, true);
    assert.equal(measureBlackFrame(solid(0, [60, 60, 60]), filter).black, false);
  });

  it('measures BT.709 luma: pure blue 0,0,255 is Y 18 (black at 0.1), pure green is not', () => {
    const loose = resolveBlackFrameFilter({ maxPixelThreshold: 0.1 });
    assert.equal(measureBlackFrame(solid(0, [0, 0, 255]), loose).black, true);
    assert.equal(measureBlackFrame(solid(0, [0, 255, 0]), loose).black, false);
  });

  it('honours MinCoveragePercentage', () => {
    const f = paint(solid(0, [0, 0, 0]), 0, 0, 8, H, [255, 255, 255]); // 5 % white
    assert.ok(Math.abs(measureBlackFrame(f, filter).coverage - 95) < 1e-9);
    assert.equal(measureBlackFrame(f, filter).black, false);
    assert.equal(measureBlackFrame(f, resolveBlackFrameFilter({ minCoveragePercentage: 90 })).black, true);
  });

  it('puts black at 16 for limited-range data', () => {
    const tvBlack = solid(0, [16, 16, 16]);
    const strict = resolveBlackFrameFilter({ maxPixelThreshold: 0 });
    assert.equal(measureBlackFrame(tvBlack, strict, 'LIMITED').black, true);
    assert.equal(measureBlackFrame(tvBlack, strict, 'FULL').black, false);
    const m = measureBlackFrame(tvBlack, filter, 'LIMITED');
    assert.ok(m.confidence > 99, `confidence ${m.confidence}`);
  });

  it('gives pure black the highest confidence', () => {
    const pure = measureBlackFrame(solid(0, [0, 0, 0]), filter);
    const dim = measureBlackFrame(solid(0, [45, 45, 45]), filter);
    assert.equal(pure.confidence, 100);
    assert.ok(dim.black && dim.confidence >= 50 && dim.confidence < pure.confidence);
  });
});

describe('colour bars', () => {
  it('finds SMPTE 75 % bars and EBU 100 % bars', () => {
    const smpte = measureColorBars(smpteBars(0));
    assert.equal(smpte.bars, true);
    assert.equal(smpte.bands, 7);
    assert.ok(smpte.confidence > 90, `confidence ${smpte.confidence}`);
    const ebu = measureColorBars(ebuBars(0));
    assert.equal(ebu.bars, true);
    assert.ok(ebu.bands >= 7);
  });

  it('finds bars after the frame is blurred and noisy (a compressed recording)', () => {
    const f = smpteBars(0);
    const r = rng(7);
    const out = blank(0);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let k = 0; k < 3; k++) {
          const xl = Math.max(0, x - 1);
          const xr = Math.min(W - 1, x + 1);
          const v = (f.data[(y * W + xl) * 3 + k]! + 2 * f.data[(y * W + x) * 3 + k]! + f.data[(y * W + xr) * 3 + k]!) / 4;
          out.data[(y * W + x) * 3 + k] = clamp8(v + (r() - 0.5) * 16);
        }
      }
    }
    assert.equal(measureColorBars(out).bars, true);
  });

  it('does not see bars in textures, flat frames, grey ramps or bars in the wrong order', () => {
    assert.equal(measureColorBars(view(0, A, { x: 0, y: 0, zoom: 1 })).bars, false);
    assert.equal(measureColorBars(solid(0, [191, 191, 0])).bars, false);
    const ramp = blank(0);
    for (let x = 0; x < W; x++) paint(ramp, x, 0, x + 1, H, [Math.round((x * 255) / W), Math.round((x * 255) / W), Math.round((x * 255) / W)]);
    assert.equal(measureColorBars(ramp).bars, false);
    const shuffled = blank(0);
    const order: Rgb[] = [[0, 191, 0], [191, 191, 0], [0, 0, 191], [191, 0, 191], [191, 191, 191], [0, 191, 191], [191, 0, 0]];
    order.forEach((c, i) => paint(shuffled, Math.round((i * W) / 7), 0, Math.round(((i + 1) * W) / 7), H, c));
    assert.equal(measureColorBars(shuffled).bars, false);
  });
});

describe('SegmentAnalyzer', () => {
  it('reports black runs with Content around them, frame-exact', () => {
    const segs = analyse(range(30, (i) => (i >= 10 && i < 20 ? solid(i, [0, 0, 0]) : view(i, A, { x: 0, y: 0, zoom: 1 }))), { types: ['TECHNICAL_CUE'] });
    assert.equal(shots(segs).length, 0);
    const black = cues(segs, 'BlackFrames');
    assert.equal(black.length, 1);
    assert.equal(black[0]!.startFrameNumber, 10);
    assert.equal(black[0]!.endFrameNumber, 19);
    assert.equal(black[0]!.technicalCueSegment!.confidence, 100);
    assert.deepEqual(
      cues(segs, 'Content').map((s) => [s.startFrameNumber, s.endFrameNumber]),
      [
        [0, 9],
        [20, 29],
      ],
    );
    // Sorted by start time within the type.
    assert.deepEqual(
      segs.map((s) => s.startFrameNumber),
      [0, 10, 20],
    );
  });

  it('fills every timing field the way Rekognition does (last frame inclusive, durations End - Start)', () => {
    const segs = analyse(range(60, (i) => view(i, i < 30 ? A : B, { x: i, y: 0, zoom: 1 })), { types: ['SHOT'] });
    assert.equal(segs.length, 2);
    const [s0, s1] = segs as [Segment, Segment];
    assert.deepEqual(
      { ...s0, shotSegment: undefined },
      {
        type: 'SHOT',
        startTimestampMillis: 0,
        endTimestampMillis: 1160,
        durationMillis: 1160,
        startTimecodeSMPTE: '00:00:00:00',
        endTimecodeSMPTE: '00:00:01:04',
        durationSMPTE: '00:00:01:04',
        startFrameNumber: 0,
        endFrameNumber: 29,
        durationFrames: 29,
        shotSegment: undefined,
      },
    );
    assert.equal(s0.shotSegment!.index, 0);
    assert.ok(s0.shotSegment!.confidence > 99);
    assert.equal(s1.shotSegment!.index, 1);
    assert.equal(s1.startFrameNumber, 30);
    assert.equal(s1.startTimestampMillis, 1200);
    assert.equal(s1.endFrameNumber, 59);
    assert.equal(s1.endTimestampMillis, 2360);
    assert.equal(s1.durationFrames, 29);
    assert.equal(s1.startTimecodeSMPTE, '00:00:01:05');
  });

  it('uses drop-frame timecodes at 29.97 and rounds milliseconds down', () => {
    const rate = 30000 / 1001;
    const a = new SegmentAnalyzer({ frameRate: rate, types: ['TECHNICAL_CUE'] });
    for (let i = 0; i < 5; i++) a.push({ ...solid(i, [0, 0, 0]), index: 297 + i, timestampMs: ((297 + i) * 1001) / 30 });
    const [seg] = a.finish();
    assert.equal(seg!.startTimecodeSMPTE, '00:00:09;27');
    assert.equal(seg!.endTimecodeSMPTE, '00:00:10;01');
    assert.equal(seg!.startTimestampMillis, 9909); // 9909.9
    assert.equal(seg!.endTimestampMillis, 10043); // 10043.37
    assert.equal(seg!.durationSMPTE, '00:00:00;04');
  });

  it('reports colour bars before the programme as a ColorBars cue', () => {
    const segs = analyse(range(50, (i) => (i < 25 ? smpteBars(i) : view(i, A, { x: i, y: 0, zoom: 1 }))));
    const bars = cues(segs, 'ColorBars');
    assert.equal(bars.length, 1);
    assert.equal(bars[0]!.startFrameNumber, 0);
    assert.equal(bars[0]!.endFrameNumber, 24);
    assert.deepEqual(
      cues(segs, 'Content').map((s) => [s.startFrameNumber, s.endFrameNumber]),
      [[25, 49]],
    );
    // Bars to programme is also a hard cut.
    assert.deepEqual(
      shots(segs).map((s) => s.startFrameNumber),
      [0, 25],
    );
  });

  it('returns types in the order asked for', () => {
    const frames = (): Generator<VideoFrame> => range(20, (i) => view(i, A, { x: 0, y: 0, zoom: 1 }));
    assert.deepEqual(
      analyse(frames(), { types: ['SHOT', 'TECHNICAL_CUE'] }).map((s) => s.type),
      ['SHOT', 'TECHNICAL_CUE'],
    );
    assert.deepEqual(
      analyse(frames(), { types: ['TECHNICAL_CUE', 'SHOT'] }).map((s) => s.type),
      ['TECHNICAL_CUE', 'SHOT'],
    );
  });

  it('honours the BlackFrame filter and MinSegmentConfidence', () => {
    const frames = (): Generator<VideoFrame> => range(30, (i) => (i >= 10 && i < 20 ? solid(i, [40, 40, 40]) : view(i, A, { x: 0, y: 0, zoom: 1 })));
    assert.equal(cues(analyse(frames(), { blackFrame: { maxPixelThreshold: 0.3 } }), 'BlackFrames').length, 1);
    assert.equal(cues(analyse(frames(), { blackFrame: { maxPixelThreshold: 0.05 } }), 'BlackFrames').length, 0);
    // Grey 40 at the default 0.2 is black with confidence about 50 + 50 * (1 - 40/51) = 61.
    const weak = cues(analyse(frames()), 'BlackFrames');
    assert.equal(weak.length, 1);
    assert.ok(Math.abs(weak[0]!.technicalCueSegment!.confidence - 60.8) < 1);
    const strict = analyse(frames(), { minCueConfidence: 80 });
    assert.equal(cues(strict, 'BlackFrames').length, 0);
    assert.deepEqual(
      cues(strict, 'Content').map((s) => [s.startFrameNumber, s.endFrameNumber]),
      [[0, 29]],
    );
    // A shot filter of 100 keeps no cut: one shot for the whole video.
    const one = shots(analyse(range(40, (i) => view(i, i < 20 ? A : B, { x: 0, y: 0, zoom: 1 })), { minShotConfidence: 100 }));
    assert.deepEqual(
      one.map((s) => [s.startFrameNumber, s.endFrameNumber]),
      [[0, 39]],
    );
  });

  it('rejects frames out of order and pushes after finish', () => {
    const a = new SegmentAnalyzer({ frameRate: FPS, types: ['SHOT'] });
    a.push(solid(1, [0, 0, 0]));
    assert.throws(() => a.push(solid(1, [0, 0, 0])), RangeError);
    a.finish();
    assert.throws(() => a.push(solid(2, [0, 0, 0])));
    assert.deepEqual(new SegmentAnalyzer({ frameRate: FPS, types: ['SHOT'] }).finish(), []);
  });
});

describe('camera motion', () => {
  function motionOf(frames: Iterable<VideoFrame>): ReturnType<CameraMotionEstimator['summarize']> {
    const m = new CameraMotionEstimator();
    let last = 0;
    for (const f of frames) {
      m.push(f);
      last = f.index;
    }
    return m.summarize(0, last);
  }

  it('calls a still scene static', () => {
    const r = motionOf(range(30, (i) => view(i, A, { x: 0, y: 0, zoom: 1 })));
    assert.equal(r.type, 'static');
    assert.ok(r.confidence > 80, `confidence ${r.confidence}`);
  });

  it('calls a still scene with a subject walking across a quarter of it static', () => {
    const bg = view(0, A, { x: 0, y: 0, zoom: 1 });
    const r = motionOf(range(40, (i) => overlay({ ...bg, index: i, timestampMs: (i * 1000) / FPS, data: bg.data.slice() }, C, 10 + 3 * i, 20, 45)));
    assert.equal(r.type, 'static', JSON.stringify(r));
    assert.ok(Math.abs(r.meanVelocity.x) < 0.01);
  });

  it('measures a pan right at 2 px per frame as 0.31 frame widths per second', () => {
    const r = motionOf(range(30, (i) => view(i, A, { x: 2 * i, y: 0, zoom: 1 })));
    assert.equal(r.type, 'pan_right');
    const expected = (2 / W) * FPS;
    assert.ok(Math.abs(r.meanVelocity.x - expected) < 0.05 * expected, `vx ${r.meanVelocity.x} vs ${expected}`);
    assert.ok(Math.abs(r.meanVelocity.y) < 0.01);
    assert.ok(r.confidence > 80);
  });

  it('measures slow and sub-pixel pans left', () => {
    const r = motionOf(range(40, (i) => view(i, B, { x: -0.4 * i, y: 0, zoom: 1 })));
    assert.equal(r.type, 'pan_left');
    const expected = (-0.4 / W) * FPS;
    assert.ok(Math.abs(r.meanVelocity.x - expected) < 0.15 * Math.abs(expected), `vx ${r.meanVelocity.x} vs ${expected}`);
  });

  it('tells tilts up and down apart', () => {
    assert.equal(motionOf(range(30, (i) => view(i, C, { x: 0, y: -1.5 * i, zoom: 1 }))).type, 'tilt_up');
    assert.equal(motionOf(range(30, (i) => view(i, C, { x: 0, y: 1.5 * i, zoom: 1 }))).type, 'tilt_down');
  });

  it('measures zoom in and out', () => {
    const zin = motionOf(range(30, (i) => view(i, A, { x: 5, y: 3, zoom: 1.01 ** i })));
    assert.equal(zin.type, 'zoom_in', JSON.stringify(zin));
    const expected = Math.log(1.01) * FPS;
    assert.ok(Math.abs(zin.zoomRate - expected) < 0.15 * expected, `zoom ${zin.zoomRate} vs ${expected}`);
    assert.equal(motionOf(range(30, (i) => view(i, B, { x: 0, y: 0, zoom: 1.5 * 0.99 ** i }))).type, 'zoom_out');
  });

  it('says unknown when there is nothing to track', () => {
    const r = motionOf(range(10, (i) => solid(i, [0, 0, 0])));
    assert.equal(r.type, 'unknown');
    assert.equal(r.confidence, 0);
  });

  it('gives each shot its own motion through SegmentAnalyzer', () => {
    const segs = analyse(
      range(60, (i) => (i < 30 ? view(i, A, { x: 2 * i, y: 0, zoom: 1 }) : view(i, B, { x: 0, y: 0, zoom: 1 }))),
      { types: ['SHOT'], cameraMotion: true },
    );
    assert.deepEqual(
      segs.map((s) => s.cameraMotion?.type),
      ['pan_right', 'static'],
    );
  });
});
