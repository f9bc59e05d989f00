/**
 * Segment detection on the real clips of ../shared/eval-data/video, decoded by the frame source
 * (src/media/video.ts) at 192 px on the long side, every frame.
 * References:
 *  - pyscenedetect/goldens/*.json: PySceneDetect's regression output (within 2 frames). fades.mp4
 *    has no content cut for any content detector; its ThresholdDetector cuts (84, 167) are the
 *    bottoms of fades to black, so they must fall inside BlackFrames cues.
 *  - BlackFrames runs of fades.mp4: the frames whose decoded BT.709 luma is at most 51
 *    (MaxPixelThreshold 0.2); the clip is flat grey, so every pixel has the frame's level.
 *  - Cuts in issue-134-rotate.mp4 and short_hamilton_clip.mp4: checked by eye on the decoded
 *    frames (frame n-1 and frame n show different camera set-ups); the crowd clip is one shot.
 * counter.mp4 changes its background colour at frames 10 and 20; AdaptiveDetector's golden has
 * only 20 because its default minimum scene length (15 frames) hides the cut at 10.
 * Colour bars come from ffmpeg's own generators (SMPTE, SMPTE HD, EBU 75 % and 100 %), encoded
 * and decoded through the frame source; testsrc (a moving pattern with colour patches) must not
 * pass for bars.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVAL_DATA, hasEvalData, NO_EVAL_DATA } from './helpers/eval-data.js';
import { ffmpeg, probeVideo, readFrames, type VideoMetadata } from '../src/media/video.js';
import { SegmentAnalyzer, type Segment } from '../src/vision/video/segments.js';

const VIDEO = join(EVAL_DATA, 'video');
const SCENES = join(VIDEO, 'pyscenedetect');
const MAX_SIDE = 192;
const TOLERANCE = 2;

interface Run {
  meta: VideoMetadata;
  segments: Segment[];
  ms: number;
}

async function analyse(path: string): Promise<Run> {
  const meta = await probeVideo(path);
  const a = new SegmentAnalyzer({ frameRate: meta.frameRate, types: ['TECHNICAL_CUE', 'SHOT'], cameraMotion: true });
  const t0 = performance.now();
  for await (const f of readFrames(path, meta, { maxSide: MAX_SIDE })) a.push(f);
  const segments = a.finish();
  return { meta, segments, ms: performance.now() - t0 };
}

const cutsOf = (r: Run): number[] => r.segments.filter((s) => s.type === 'SHOT' && s.shotSegment!.index > 0).map((s) => s.startFrameNumber);
const cuesOf = (r: Run, type: string): [number, number][] =>
  r.segments.filter((s) => s.technicalCueSegment?.type === type).map((s) => [s.startFrameNumber, s.endFrameNumber]);
const golden = (name: string): number[] => (JSON.parse(readFileSync(join(SCENES, 'goldens', name), 'utf8')) as { cuts: number[] }).cuts;

/** Cuts found within the tolerance of a reference cut (each reference matched once). */
function match(found: number[], reference: number[], tolerance = TOLERANCE): { hits: number; extra: number[]; missed: number[] } {
  const left = [...found];
  const missed: number[] = [];
  for (const r of reference) {
    const k = left.findIndex((f) => Math.abs(f - r) <= tolerance);
    if (k < 0) missed.push(r);
    else left.splice(k, 1);
  }
  return { hits: reference.length - missed.length, extra: left, missed };
}

const speed = (r: Run): string => `${(r.meta.durationMs / r.ms).toFixed(1)}x real time`;

describe('segment detection on eval-data/video', { skip: !hasEvalData && NO_EVAL_DATA }, () => {
  const totals = { hits: 0, reference: 0, extra: 0 };

  it('fades.mp4: no shot cut, four BlackFrames cues at the bottoms of the fades', async (t) => {
    const r = await analyse(join(SCENES, 'fades.mp4'));
    t.diagnostic(`fades: cuts ${JSON.stringify(cutsOf(r))}, black ${JSON.stringify(cuesOf(r, 'BlackFrames'))}, ${speed(r)}`);
    assert.deepEqual(golden('fades.mp4.AdaptiveDetector.default.json'), []);
    assert.deepEqual(cutsOf(r), []);
    const black = cuesOf(r, 'BlackFrames');
    const expected: [number, number][] = [
      [0, 12],
      [71, 95],
      [155, 179],
      [238, 249],
    ];
    assert.equal(black.length, expected.length, JSON.stringify(black));
    black.forEach(([s, e], i) => {
      assert.ok(Math.abs(s - expected[i]![0]) <= 1 && Math.abs(e - expected[i]![1]) <= 1, `black run ${s}-${e} vs ${expected[i]}`);
    });
    for (const cut of golden('fades.mp4.ThresholdDetector.default.json')) {
      assert.ok(black.some(([s, e]) => s <= cut && cut <= e), `threshold cut ${cut} is not inside a BlackFrames cue`);
    }
    // Content fills the gaps, and timestamps follow the 25 fps frame numbers.
    assert.deepEqual(
      cuesOf(r, 'Content'),
      [
        [black[0]![1] + 1, black[1]![0] - 1],
        [black[1]![1] + 1, black[2]![0] - 1],
        [black[2]![1] + 1, black[3]![0] - 1],
      ],
    );
    for (const s of r.segments) assert.equal(s.startTimestampMillis, s.startFrameNumber * 40);
    totals.extra += cutsOf(r).length;
  });

  it('counter.mp4: the golden cut at frame 20 and the colour change at 10, frame-exact', async (t) => {
    const r = await analyse(join(SCENES, 'counter.mp4'));
    const cuts = cutsOf(r);
    const m = match(cuts, golden('counter.mp4.AdaptiveDetector.default.json'));
    t.diagnostic(`counter: cuts ${JSON.stringify(cuts)}, golden hits ${m.hits}, ${speed(r)}`);
    assert.deepEqual(m.missed, []);
    assert.deepEqual(cuts, [10, 20]);
    const shot2 = r.segments.find((s) => s.shotSegment?.index === 2)!;
    assert.equal(shot2.startTimestampMillis, 2000);
    assert.equal(shot2.startTimecodeSMPTE, '00:00:02:00');
    assert.equal(shot2.endFrameNumber, 29);
    assert.equal(shot2.endTimestampMillis, 2900);
    totals.hits += 2;
    totals.reference += 2;
  });

  it('real footage: every cut checked by eye, none on the crowd', async (t) => {
    const clips: [string, number[]][] = [
      [join(SCENES, 'issue-134-rotate.mp4'), [90, 210]],
      [join(VIDEO, 'face-recognition-hamilton', 'short_hamilton_clip.mp4'), [20, 82, 211]],
      [join(VIDEO, 'dlib-mot', 'MOT20-05-raw_even_shorter.mp4'), []],
    ];
    for (const [path, reference] of clips) {
      const r = await analyse(path);
      const cuts = cutsOf(r);
      const m = match(cuts, reference);
      const motion = r.segments.filter((s) => s.cameraMotion).map((s) => s.cameraMotion!.type);
      t.diagnostic(`${path.split('/').pop()}: cuts ${JSON.stringify(cuts)} vs ${JSON.stringify(reference)}, camera ${JSON.stringify(motion)}, ${speed(r)}`);
      totals.hits += m.hits;
      totals.reference += reference.length;
      totals.extra += m.extra.length;
      assert.deepEqual(m.missed, [], `${path}: missed ${m.missed}`);
      assert.deepEqual(m.extra, [], `${path}: extra cuts ${m.extra}`);
    }
    t.diagnostic(`all clips: recall ${totals.hits}/${totals.reference}, extra cuts ${totals.extra}`);
  });
});

describe('colour bars from ffmpeg generators, through the frame source', () => {
  it('finds SMPTE, SMPTE HD and EBU bars as a ColorBars cue, and nothing in testsrc', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'argus-bars-'));
    try {
      for (const [source, isBars] of [
        ['smptebars', true],
        ['smptehdbars', true],
        ['pal75bars', true],
        ['pal100bars', true],
        ['testsrc', false],
      ] as const) {
        const path = join(dir, `${source}.mp4`);
        const made = spawnSync(ffmpeg(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', `${source}=size=640x360:rate=25:duration=1`, '-c:v', 'mpeg4', '-q:v', '3', path]);
        if (made.status !== 0) return t.skip(`this ffmpeg cannot generate ${source}: ${made.stderr.toString().trim()}`);
        const r = await analyse(path);
        const bars = cuesOf(r, 'ColorBars');
        t.diagnostic(`${source}: ColorBars ${JSON.stringify(bars)}`);
        assert.deepEqual(bars, isBars ? [[0, 24]] : [], source);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
