import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Box } from '../src/vision/boxes.js';
import { rng } from '../src/vision/random.js';
import { appearanceDescriptor, cosineSimilarity, APPEARANCE_LENGTH, type RgbFrame } from '../src/vision/video/appearance.js';
import { BoxKalman } from '../src/vision/video/kalman-box.js';
import { analyzePersonMotion, type ActionSegment } from '../src/vision/video/person-motion.js';
import { PersonTracker, solveAssignment, type Detection, type TrackedBox } from '../src/vision/video/tracker.js';

const ASPECT = 16 / 9;

/** A person box (ratios) centred at (cx, cy) with height h (ratio of the frame height) and width 0.4 h in pixels. */
function personBox(cx: number, cy: number, h: number, widthOverHeight = 0.4): Box {
  const w = (h * widthOverHeight) / ASPECT;
  return { left: cx - w / 2, top: cy - h / 2, width: w, height: h };
}

function jitter(b: Box, r: () => number, amount: number): Box {
  const j = () => (r() - 0.5) * 2 * amount;
  return { left: b.left + j() * b.width, top: b.top + j() * b.height, width: b.width * (1 + j()), height: b.height * (1 + j()) };
}

function centre(b: Box): number {
  return b.left + b.width / 2;
}

function centreDist(a: Box, b: Box): number {
  return Math.hypot((a.left + a.width / 2 - b.left - b.width / 2) * ASPECT, a.top + a.height / 2 - b.top - b.height / 2);
}

/** Unit vector for an identity, with some noise per observation. */
function identityVector(seed: number, r: () => number, noise = 0.05): Float32Array {
  const base = rng(seed);
  const v = new Float32Array(32);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    v[i] = Math.max(0, base() - 0.5) + noise * r();
    n += v[i]! * v[i]!;
  }
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / Math.sqrt(n);
  return v;
}

/** Which ground-truth person (by key) each reported index follows: throws if an index follows two people. */
function identityMap(frames: { truth: Map<string, Box>; out: TrackedBox[] }[]): Map<number, string> {
  const map = new Map<number, string>();
  for (const { truth, out } of frames) {
    for (const tb of out) {
      let best = '';
      let bestD = Infinity;
      for (const [k, b] of truth) {
        const d = centreDist(tb.box, b);
        if (d < bestD) [best, bestD] = [k, d];
      }
      assert.ok(bestD < 0.1, `index ${tb.index} is far from every person (${bestD})`);
      const prev = map.get(tb.index);
      assert.ok(prev === undefined || prev === best, `index ${tb.index} switched from ${prev} to ${best}`);
      map.set(tb.index, best);
    }
  }
  return map;
}

describe('solveAssignment (Hungarian)', () => {
  it('finds the optimum of a hand-worked matrix', () => {
    // [[4,1,3],[2,0,5],[3,2,2]]: the unique optimum is 0->1, 1->0, 2->2 (1 + 2 + 2 = 5; greedy on the 0 takes 1->1 and pays 6)
    const c = [4, 1, 3, 2, 0, 5, 3, 2, 2];
    const { rowToCol } = solveAssignment(c, 3, 3);
    assert.deepEqual([...rowToCol], [1, 0, 2]);
  });

  it('matches brute force on random square and rectangular matrices, with and without a cost limit', () => {
    const r = rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const rows = 1 + Math.floor(r() * 5);
      const cols = 1 + Math.floor(r() * 5);
      const cost = Array.from({ length: rows * cols }, () => Math.round(r() * 100) / 100);
      const limit = trial % 2 ? 0.6 : Infinity;
      const { rowToCol, colToRow } = solveAssignment(cost, rows, cols, limit);
      let got = 0;
      rowToCol.forEach((c, i) => {
        if (c >= 0) {
          assert.ok(cost[i * cols + c]! < limit);
          assert.equal(colToRow[c], i);
          got += cost[i * cols + c]! - (Number.isFinite(limit) ? limit : 1000);
        }
      });
      const best = bruteForce(cost, rows, cols, Number.isFinite(limit) ? limit : 1000);
      assert.ok(Math.abs(got - best) < 1e-9, `trial ${trial}: ${got} vs optimum ${best}`);
    }
  });

  it('handles empty matrices and never matches forbidden (Infinity) pairs', () => {
    assert.equal(solveAssignment([], 0, 3).colToRow.length, 3);
    const { rowToCol } = solveAssignment([Infinity, 0.5, Infinity, Infinity], 2, 2, 1);
    assert.deepEqual([...rowToCol], [1, -1]);
  });
});

/** Minimum over partial matchings of the sum of (cost - limit) over pairs with cost < limit. */
function bruteForce(cost: number[], rows: number, cols: number, limit: number): number {
  const used = new Array<boolean>(cols).fill(false);
  const go = (i: number): number => {
    if (i === rows) return 0;
    let best = go(i + 1);
    for (let j = 0; j < cols; j++) {
      const c = cost[i * cols + j]!;
      if (used[j] || !(c < limit)) continue;
      used[j] = true;
      best = Math.min(best, c - limit + go(i + 1));
      used[j] = false;
    }
    return best;
  };
  return go(0);
}

describe('BoxKalman', () => {
  it('learns a constant velocity over uneven steps and predicts across a gap', () => {
    const r = rng(3);
    const vx = 0.1; // ratios per second
    let t = 0;
    const kf = new BoxKalman(personBox(0.2, 0.5, 0.3), ASPECT);
    let last = 0;
    for (let i = 0; i < 30; i++) {
      t += 0.05 + r() * 0.3;
      kf.predict(t - last);
      last = t;
      kf.update(personBox(0.2 + vx * t, 0.5, 0.3));
    }
    assert.ok(Math.abs(kf.velocity().x - vx) < 0.005, String(kf.velocity().x));
    const before = kf.centreSigma().x;
    kf.predict(1);
    const b = kf.box();
    assert.ok(Math.abs(b.left + b.width / 2 - (0.2 + vx * (t + 1))) < 0.01);
    assert.ok(kf.centreSigma().x > 2 * before, 'uncertainty grows over a gap');
  });
});

describe('PersonTracker', () => {
  for (const fps of [5, 10]) {
    it(`two people crossing paths keep their indices (${fps} fps, no appearance)`, () => {
      const r = rng(11);
      const tracker = new PersonTracker();
      const frames: { truth: Map<string, Box>; out: TrackedBox[] }[] = [];
      for (let k = 0; k <= 4 * fps; k++) {
        const t = (k * 1000) / fps;
        const s = t / 4000;
        const truth = new Map([
          ['A', personBox(0.15 + 0.7 * s, 0.5, 0.4)],
          ['B', personBox(0.85 - 0.7 * s, 0.52, 0.42)],
        ]);
        const dets = [...truth.values()].map((b) => ({ box: jitter(b, r, 0.02), score: 0.8 + 0.1 * r() }));
        frames.push({ truth, out: tracker.update(t, dets) });
      }
      const ids = identityMap(frames);
      assert.equal(ids.size, 2);
      assert.deepEqual(new Set(ids.values()), new Set(['A', 'B']));
      assert.deepEqual(tracker.tracks().map((s) => s.index), [0, 1]);
    });
  }

  it('two people crossing, the one behind hidden while they overlap: appearance keeps them apart', () => {
    const r = rng(12);
    const tracker = new PersonTracker();
    const frames: { truth: Map<string, Box>; out: TrackedBox[] }[] = [];
    let hidden = 0;
    for (let k = 0; k <= 40; k++) {
      const t = k * 100;
      const s = t / 4000;
      const a = personBox(0.15 + 0.7 * s, 0.5, 0.4);
      const b = personBox(0.85 - 0.7 * s, 0.5, 0.4);
      const dets: Detection[] = [{ box: jitter(a, r, 0.02), score: 0.9, appearance: identityVector(1, r) }];
      if (centreDist(a, b) > 0.12) dets.push({ box: jitter(b, r, 0.02), score: 0.9, appearance: identityVector(2, r) });
      else hidden++;
      frames.push({ truth: new Map([['A', a], ['B', b]]), out: tracker.update(t, dets) });
    }
    assert.ok(hidden >= 2, `B hidden in ${hidden} frames`);
    const ids = identityMap(frames);
    assert.equal(ids.size, 2);
    assert.deepEqual(new Set(ids.values()), new Set(['A', 'B']));
  });

  it('a runner at 4 body heights/s sampled at 5 fps (0.8 heights per frame) keeps one index', () => {
    const r = rng(13);
    const tracker = new PersonTracker();
    const h = 0.2;
    const indices = new Set<number>();
    let reported = 0;
    for (let k = 0; k < 10; k++) {
      const t = k * 200;
      const out = tracker.update(t, [{ box: jitter(personBox(0.05 + (4 * h * t) / 1000 / ASPECT, 0.5, h), r, 0.03), score: 0.9 }]);
      for (const o of out) indices.add(o.index);
      reported += out.length;
    }
    assert.deepEqual([...indices], [0]);
    assert.equal(reported, 8, 'reported from its third frame on');
  });

  /** Two people meet, stand overlapping, swap sides and walk apart; returns whether each kept their index. */
  function swapScenario(vector: (id: number, r: () => number) => Float32Array, opts: ConstructorParameters<typeof PersonTracker>[0]): boolean {
    const r = rng(14);
    const tracker = new PersonTracker(opts);
    const d = 0.02; // half the offset while together: IoU alone prefers the swapped assignment
    const xs = (t: number): [number, number] => {
      if (t < 1000) return [0.4, 0.6]; // apart: appearance is learned
      if (t < 2000) return [0.4 + (0.1 - d) * ((t - 1000) / 1000), 0.6 - (0.1 - d) * ((t - 1000) / 1000)];
      if (t < 2500) return [0.5 - d, 0.5 + d];
      if (t < 3500) return [0.5 + d, 0.5 - d]; // swapped sides
      return [0.5 + d + 0.1 * ((t - 3500) / 1000), 0.5 - d - 0.1 * ((t - 3500) / 1000)]; // A leaves right, B left
    };
    const first = new Map<string, number>();
    let last: TrackedBox[] = [];
    for (let k = 0; k <= 45; k++) {
      const t = k * 100;
      const [xa, xb] = xs(t);
      last = tracker.update(t, [
        { box: jitter(personBox(xa, 0.5, 0.4), r, 0.01), score: 0.9, appearance: vector(1, r) },
        { box: jitter(personBox(xb, 0.5, 0.4), r, 0.01), score: 0.9, appearance: vector(2, r) },
      ]);
      if (k === 5) for (const o of last) first.set(centre(o.box) < 0.5 ? 'A' : 'B', o.index);
    }
    const end = new Map(last.map((o) => [centre(o.box) > 0.5 ? 'A' : 'B', o.index]));
    return last.length === 2 && end.get('A') === first.get('A') && end.get('B') === first.get('B');
  }

  it('two people who meet and swap places while overlapping are told apart by appearance, not by IoU', () => {
    assert.ok(swapScenario(identityVector, {}));
    assert.ok(!swapScenario(identityVector, { appearanceWeight: 0 }), 'without appearance IoU swaps them (the test has teeth)');
  });

  it('the appearance term scales with reidSimilarity: embeddings whose cosines all sit near 1 (like face embeddings)', () => {
    // every vector shares a large common part: different people score ~0.9, the same person ~0.99
    const common = new Float32Array(32).fill(1);
    const vector = (id: number, r: () => number): Float32Array => {
      const v = identityVector(id, r, 0.02);
      const out = new Float32Array(32);
      let n = 0;
      for (let i = 0; i < 32; i++) {
        out[i] = common[i]! * 0.4 + v[i]!;
        n += out[i]! ** 2;
      }
      return out.map((x) => x / Math.sqrt(n));
    };
    const r = rng(1);
    const between = cosineSimilarity(vector(1, r), vector(2, r));
    assert.ok(between > 0.85, `different people: ${between}`);
    assert.ok(swapScenario(vector, { reidSimilarity: 0.97 }));
  });

  it('a person occluded for 0.5 s keeps their index, and the gap is filled in the path', () => {
    const tracker = new PersonTracker();
    const outs: TrackedBox[][] = [];
    for (let k = 0; k <= 30; k++) {
      const t = k * 100;
      const box = personBox(0.2 + 0.15 * (t / 1000), 0.5, 0.35); // ~0.76 heights/s
      const visible = !(t >= 1000 && t < 1500);
      outs.push(tracker.update(t, visible ? [{ box, score: 0.85 }] : []));
    }
    assert.deepEqual(outs.slice(10, 15).map((o) => o.length), [0, 0, 0, 0, 0]);
    assert.deepEqual(outs[15]!.map((o) => o.index), [0]);
    const [track] = tracker.tracks();
    assert.equal(tracker.tracks().length, 1);
    assert.equal(track!.path.length, 31, 'one point per frame, the hidden ones interpolated');
    const filled = track!.path.filter((p) => !p.detected);
    assert.deepEqual(filled.map((p) => p.timestampMs), [1000, 1100, 1200, 1300, 1400]);
    for (const p of filled) {
      const truth = personBox(0.2 + 0.15 * (p.timestampMs / 1000), 0.5, 0.35);
      assert.ok(centreDist(p.box, truth) < 0.02);
    }
    assert.deepEqual(track!.path.map((p) => p.timestampMs), [...track!.path.map((p) => p.timestampMs)].sort((a, b) => a - b));
  });

  it('a one-frame (or two-frame) false positive never gets an index', () => {
    const tracker = new PersonTracker();
    for (let k = 0; k < 20; k++) {
      const dets: Detection[] = [{ box: personBox(0.3, 0.5, 0.4), score: 0.9 }];
      if (k === 5) dets.push({ box: personBox(0.8, 0.4, 0.3), score: 0.99 });
      if (k === 10 || k === 11) dets.push({ box: personBox(0.7, 0.6, 0.2), score: 0.95 });
      const out = tracker.update(k * 100, dets);
      assert.deepEqual(out.map((o) => o.index), k >= 2 ? [0] : []);
    }
    assert.deepEqual(tracker.tracks().map((t) => t.index), [0]);
    assert.equal(tracker.tracks()[0]!.path.length, 20, 'the frames before confirmation are in the path');
  });

  it('low-score detections keep a person tracked but never start one', () => {
    const tracker = new PersonTracker();
    for (let k = 0; k < 30; k++) {
      const box = personBox(0.3 + 0.01 * k, 0.5, 0.4);
      const score = k >= 10 && k < 20 ? 0.3 : 0.9;
      const dets: Detection[] = [{ box, score }, { box: personBox(0.8, 0.5, 0.3), score: 0.4 }];
      const out = tracker.update(k * 100, dets);
      if (k >= 2) assert.deepEqual(out.map((o) => o.index), [0], `frame ${k}`);
    }
    assert.equal(tracker.tracks().length, 1);
  });

  it('handles uneven time steps (50-400 ms, one 800 ms gap) and rejects time going backwards', () => {
    const r = rng(5);
    const tracker = new PersonTracker();
    let t = 0;
    let maxErr = 0;
    for (let k = 0; k < 60; k++) {
      t += k === 30 ? 800 : 50 + Math.round(r() * 350);
      const truth = [personBox(0.1 + 0.04 * (t / 1000), 0.5, 0.3), personBox(0.9 - 0.05 * (t / 1000), 0.45, 0.32)];
      const out = tracker.update(t, truth.map((b) => ({ box: jitter(b, r, 0.01), score: 0.9 })));
      if (k >= 2) {
        assert.deepEqual(out.map((o) => o.index), [0, 1], `frame ${k}`);
        for (const o of out) maxErr = Math.max(maxErr, centreDist(o.box, truth[o.index]!));
      }
    }
    assert.ok(maxErr < 0.02, `max centre error ${maxErr}`);
    assert.throws(() => tracker.update(t - 1, []), RangeError);
    assert.doesNotThrow(() => tracker.update(t, []));
  });

  it('indices are 0-based, in order of confirmation, and never reused', () => {
    const tracker = new PersonTracker({ lostBufferMs: 1000 });
    const seen: number[] = [];
    const person = (k: number, start: number, cx: number): Detection[] => (k >= start && k < start + 10 ? [{ box: personBox(cx, 0.5, 0.3), score: 0.9 }] : []);
    for (let k = 0; k < 60; k++) {
      const dets = [...person(k, 0, 0.2), ...person(k, 5, 0.5), ...person(k, 30, 0.2)];
      for (const o of tracker.update(k * 100, dets)) if (!seen.includes(o.index)) seen.push(o.index);
    }
    assert.deepEqual(seen, [0, 1, 2], 'the third person (same place, 2 s later, no appearance) is new');
    const tracks = tracker.tracks();
    assert.deepEqual(tracks.map((s) => s.firstTimestampMs), [0, 500, 3000]);
    assert.equal(tracker.activeCount(), 0, 'finished tracks are dropped from memory');
  });

  it('a returning person first seen without appearance is re-identified when their track is confirmed', () => {
    const r = rng(21);
    const tracker = new PersonTracker();
    const seen = new Set<number>();
    for (let k = 0; k < 40; k++) {
      const t = k * 100;
      const dets: Detection[] = [];
      if (k < 10) dets.push({ box: personBox(0.3 + 0.01 * k, 0.5, 0.4), score: 0.9, appearance: identityVector(1, r) });
      if (k >= 20) dets.push({ box: personBox(0.45 + 0.01 * (k - 20), 0.5, 0.4), score: 0.9, appearance: k < 22 ? undefined : identityVector(1, r) });
      dets.push({ box: personBox(0.85, 0.5, 0.4), score: 0.9, appearance: identityVector(2, r) });
      for (const o of tracker.update(t, dets)) seen.add(o.index);
    }
    assert.deepEqual([...seen].sort(), [0, 1]);
    const a = tracker.tracks()[0]!;
    const times = a.path.map((p) => p.timestampMs);
    assert.deepEqual(times, Array.from({ length: 40 }, (_, k) => k * 100), 'one point per frame: seen, gap filled, seen again');
    assert.equal(a.path.filter((p) => !p.detected).length, 10);
  });

  it('a person hidden behind a nearer one does not learn the appearance of the one in front', () => {
    const r = rng(22);
    const tracker = new PersonTracker();
    for (let k = 0; k < 30; k++) {
      const back = personBox(0.5, 0.45, 0.35);
      const front = personBox(Math.min(0.5, 0.2 + 0.02 * k), 0.55, 0.45); // walks in front and stays there
      tracker.update(k * 100, [
        { box: back, score: 0.9, appearance: centreDist(back, front) < 0.2 ? identityVector(2, r) : identityVector(1, r) },
        { box: front, score: 0.9, appearance: identityVector(2, r) },
      ]);
    }
    // both leave; the back person comes back 1 s later: still recognised by their own colours
    for (let k = 30; k < 40; k++) tracker.update(k * 100, []);
    const out = [];
    for (let k = 40; k < 45; k++) out.push(...tracker.update(k * 100, [{ box: personBox(0.5, 0.45, 0.35), score: 0.9, appearance: identityVector(1, r) }]));
    assert.ok(out.length > 0 && out.every((o) => o.index === 0), JSON.stringify(out.map((o) => o.index)));
    assert.equal(tracker.tracks().length, 2);
  });

  it('30 people walking in a row keep 30 indices (speed is a benchmark, not a test)', () => {
    const r = rng(9);
    const people = Array.from({ length: 30 }, (_, i) => ({ x: (i % 10) / 10 + 0.05, y: 0.2 + Math.floor(i / 10) * 0.3, vx: (r() - 0.5) * 0.1, id: i }));
    const tracker = new PersonTracker();
    let lastOut: TrackedBox[] = [];
    for (let k = 0; k < 200; k++) lastOut = tracker.update(k * 100, people.map((p) => ({ box: jitter(personBox(p.x + p.vx * k * 0.1, p.y, 0.2), r, 0.01), score: 0.9, appearance: identityVector(p.id, r) })));
    assert.equal(lastOut.length, 30);
    assert.equal(tracker.tracks().length, 30);
  });
});

// ---- rendered frames: appearance descriptor and re-identification ----

type Rgb = readonly [number, number, number];
interface Outfit {
  shirt: Rgb;
  pants: Rgb;
}
const SKIN: Rgb = [224, 172, 140];
const RED_BLUE: Outfit = { shirt: [200, 30, 40], pants: [30, 50, 150] };
const GREEN_BLACK: Outfit = { shirt: [40, 160, 60], pants: [25, 25, 25] };
const YELLOW_GREY: Outfit = { shirt: [230, 200, 40], pants: [128, 128, 128] };

function blankFrame(width: number, height: number, seed = 1): RgbFrame {
  const r = rng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const n = r() * 20;
      data[o] = 150 + n + (x / width) * 30;
      data[o + 1] = 150 + n;
      data[o + 2] = 140 + n + (y / height) * 20;
    }
  }
  return { width, height, data };
}

/** Draws a person in `box`: head, torso (shirt), two legs (pants); background shows around them. */
function drawPerson(f: RgbFrame, box: Box, outfit: Outfit): void {
  const px = (fx: number, fy: number): [number, number] => [(box.left + fx * box.width) * f.width, (box.top + fy * box.height) * f.height];
  const rect = (x0: number, y0: number, x1: number, y1: number, c: Rgb): void => {
    const [a, b] = px(x0, y0);
    const [cc, d] = px(x1, y1);
    for (let y = Math.max(0, Math.round(b)); y < Math.min(f.height, Math.round(d)); y++) {
      for (let x = Math.max(0, Math.round(a)); x < Math.min(f.width, Math.round(cc)); x++) f.data.set(c, (y * f.width + x) * 3);
    }
  };
  rect(0.35, 0, 0.65, 0.14, SKIN);
  rect(0.15, 0.14, 0.85, 0.52, outfit.shirt);
  rect(0.05, 0.16, 0.15, 0.45, SKIN);
  rect(0.85, 0.16, 0.95, 0.45, SKIN);
  rect(0.22, 0.52, 0.47, 0.96, outfit.pants);
  rect(0.53, 0.52, 0.78, 0.96, outfit.pants);
  rect(0.2, 0.96, 0.8, 1, [20, 20, 20]);
}

describe('appearanceDescriptor', () => {
  it('is scale-robust for one outfit and tells outfits apart', () => {
    const f1 = blankFrame(640, 360, 1);
    const near = personBox(0.3, 0.5, 0.8);
    drawPerson(f1, near, RED_BLUE);
    const f2 = blankFrame(640, 360, 2);
    const far = personBox(0.7, 0.6, 0.18);
    drawPerson(f2, far, RED_BLUE);
    const other = personBox(0.3, 0.6, 0.5);
    drawPerson(f2, other, GREEN_BLACK);
    const third = personBox(0.55, 0.5, 0.5);
    drawPerson(f1, third, YELLOW_GREY);
    const a = appearanceDescriptor(f1, near)!;
    const b = appearanceDescriptor(f2, far)!;
    const c = appearanceDescriptor(f2, other)!;
    const d = appearanceDescriptor(f1, third)!;
    assert.equal(a.length, APPEARANCE_LENGTH);
    let norm = 0;
    for (const x of a) norm += x * x;
    assert.ok(Math.abs(norm - 1) < 1e-5);
    const same = cosineSimilarity(a, b);
    assert.ok(same > 0.9, `same outfit, 4x scale: ${same}`);
    for (const [name, v] of [['green/black', c], ['yellow/grey', d]] as const) {
      const diff = cosineSimilarity(a, v);
      assert.ok(diff < 0.5, `red/blue vs ${name}: ${diff}`);
    }
    // the same scene in 60 % of the light
    const dim: RgbFrame = { width: f2.width, height: f2.height, data: f2.data.map((v) => Math.round(v * 0.6)) };
    const dimSame = cosineSimilarity(b, appearanceDescriptor(dim, far)!);
    assert.ok(dimSame > 0.9, `same outfit, 60 % light: ${dimSame}`);
    assert.equal(appearanceDescriptor(f1, { left: 0.5, top: 0.5, width: 0.001, height: 0.001 }), undefined);
    // a box half out of the frame still gives a descriptor from the part inside
    assert.ok(appearanceDescriptor(f1, { left: 0.9, top: 0.2, width: 0.2, height: 0.6 }));
  });
});

describe('PersonTracker re-identification by appearance (rendered frames)', () => {
  it('a person who leaves and comes back after 1 s gets their index back; a different-looking newcomer gets a new one', () => {
    const tracker = new PersonTracker();
    const W = 320;
    const H = 180;
    const byIndex = new Map<number, string>();
    const log: { t: number; people: { name: string; box: Box }[]; out: TrackedBox[] }[] = [];
    for (let k = 0; k <= 60; k++) {
      const t = k * 100;
      const people: { name: string; box: Box; outfit: Outfit }[] = [];
      // A walks right and leaves at t = 2 s; comes back walking left from the right edge at 3 s
      if (t < 2000) people.push({ name: 'A', box: personBox(0.5 + 0.2 * (t / 1000), 0.55, 0.5), outfit: RED_BLUE });
      if (t >= 3000) people.push({ name: 'A', box: personBox(0.88 - 0.1 * ((t - 3000) / 1000), 0.55, 0.5), outfit: RED_BLUE });
      // B, a different outfit, stands from 2.3 to 2.9 s where A left (A is lost, not forgotten): motion alone would take B for A
      if (t >= 2300 && t < 2900) people.push({ name: 'B', box: personBox(0.86, 0.55, 0.5), outfit: GREEN_BLACK });
      // C stands on the left all along
      people.push({ name: 'C', box: personBox(0.15, 0.55, 0.45), outfit: YELLOW_GREY });
      const frame = blankFrame(W, H, k);
      for (const p of people) drawPerson(frame, p.box, p.outfit);
      const dets = people.filter((p) => p.box.left + p.box.width <= 1).map((p) => ({ box: p.box, score: 0.9, appearance: appearanceDescriptor(frame, p.box) }));
      log.push({ t, people, out: tracker.update(t, dets) });
    }
    for (const { people, out } of log) {
      for (const o of out) {
        const nearest = people.reduce((best, p) => (centreDist(p.box, o.box) < centreDist(best.box, o.box) ? p : best));
        const prev = byIndex.get(o.index);
        assert.ok(prev === undefined || prev === nearest.name, `index ${o.index} was ${prev}, now ${nearest.name}`);
        byIndex.set(o.index, nearest.name);
      }
    }
    const names = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
    assert.deepEqual(names, ['A', 'C', 'B'], 'A and C first, B later; A keeps index 0 after coming back');
    const a = tracker.tracks()[0]!;
    assert.ok(a.lastTimestampMs === 6000 && a.firstTimestampMs === 0);
  });
});

// ---- motion and action cues ----

function pathOf(n: number, dtMs: number, boxAt: (tMs: number) => Box, r?: () => number): { timestampMs: number; box: Box }[] {
  return Array.from({ length: n }, (_, k) => ({ timestampMs: k * dtMs, box: r ? jitter(boxAt(k * dtMs), r, 0.01) : boxAt(k * dtMs) }));
}

function actions(segments: ActionSegment[]): string[] {
  return segments.map((s) => s.action);
}

describe('analyzePersonMotion', () => {
  const h = 0.3;
  it('a static box is standing', () => {
    const m = analyzePersonMotion(pathOf(50, 100, () => personBox(0.5, 0.5, h), rng(1)), { frameAspect: ASPECT });
    assert.deepEqual(actions(m.segments), ['standing']);
    assert.ok(m.segments[0]!.confidence > 80, String(m.segments[0]!.confidence));
    assert.ok(m.maxSpeed < 0.15, String(m.maxSpeed));
    assert.equal(m.samples[25]!.heading, 'none');
  });

  it('1 body height per second to the right is walking, heading right', () => {
    const speed = (1 * h) / ASPECT; // ratios of width per second
    const m = analyzePersonMotion(pathOf(50, 100, (t) => personBox(0.2 + speed * (t / 1000), 0.5, h), rng(2)), { frameAspect: ASPECT });
    assert.deepEqual(actions(m.segments), ['walking']);
    assert.ok(Math.abs(m.meanSpeed - 1) < 0.1, String(m.meanSpeed));
    assert.equal(m.samples[25]!.heading, 'right');
    assert.ok(Math.abs(m.samples[25]!.directionDeg!) < 5 || Math.abs(m.samples[25]!.directionDeg! - 360) < 5);
    assert.ok(m.segments[0]!.confidence > 80);
  });

  it('4 body heights per second is running; up the frame is heading up', () => {
    const m = analyzePersonMotion(pathOf(20, 100, (t) => personBox(0.5, 0.9 - 4 * 0.1 * (t / 1000), 0.1), rng(3)), { frameAspect: ASPECT, horizontalFovDeg: null });
    assert.deepEqual(actions(m.segments), ['running']);
    assert.ok(Math.abs(m.meanSpeed - 4) < 0.3, String(m.meanSpeed));
    assert.equal(m.samples[10]!.heading, 'up');
  });

  it('noisy boxes (6 % jitter, gait width swing) at 5 fps: standing, walking, running stay put', () => {
    for (const [speed, action] of [[0, 'standing'], [0.8, 'walking'], [2, 'running']] as const) {
      const r = rng(31);
      const path = pathOf(50, 200, (t) => {
        const swing = speed > 0 ? 1 + 0.15 * Math.sin((2 * Math.PI * t) / 1000) : 1;
        return jitter(personBox(0.1 + (speed * h * t) / 1000 / ASPECT, 0.5, h, 0.4 * swing), r, 0.06);
      });
      const m = analyzePersonMotion(path, { frameAspect: ASPECT });
      assert.deepEqual(actions(m.segments), [action], JSON.stringify(m.segments));
      assert.ok(Math.abs(m.meanSpeed - speed) < 0.15, `${action}: ${m.meanSpeed}`);
    }
  });

  it('uneven sampling gives the same speed', () => {
    const r = rng(4);
    let t = 0;
    const speed = (0.8 * h) / ASPECT;
    const path = Array.from({ length: 40 }, () => {
      t += 60 + Math.round(r() * 300);
      return { timestampMs: t, box: personBox(0.1 + speed * (t / 1000), 0.5, h) };
    });
    const m = analyzePersonMotion(path, { frameAspect: ASPECT });
    assert.ok(Math.abs(m.meanSpeed - 0.8) < 0.02, String(m.meanSpeed));
    assert.deepEqual(actions(m.segments), ['walking']);
  });

  it('a box growing uniformly is someone walking toward the camera (depth from scale, assumed 60 degree FOV)', () => {
    // a 1.7 m person walking at 1.4 m/s (0.82 heights/s) from 12 m to 4.3 m, straight at the camera
    const f = ASPECT / 2 / Math.tan(Math.PI / 6);
    const at = (t: number): Box => personBox(0.5, 0.6, (f * 1.7) / (12 - (1.4 * t) / 1000));
    const m = analyzePersonMotion(pathOf(56, 100, at, rng(12)), { frameAspect: ASPECT });
    for (const s of m.samples.slice(10, 50)) {
      assert.equal(s.heading, 'toward-camera');
      assert.ok(s.depthSpeed > 0.5 && s.depthSpeed < 1.1, String(s.depthSpeed));
    }
    assert.deepEqual(actions(m.segments), ['walking']);
    // the same path backwards walks away
    const away = analyzePersonMotion(pathOf(56, 100, (t) => at(5500 - t)), { frameAspect: ASPECT });
    assert.equal(away.samples[28]!.heading, 'away-from-camera');
  });

  it('a tall box collapsing to a wide one is a fall, then lying', () => {
    // standing 2 s (0.4 high, 0.16 wide in height units), falling over 0.5 s, lying 2 s; feet stay put
    const bottom = 0.8;
    const at = (t: number): Box => {
      const f = Math.min(1, Math.max(0, (t - 2000) / 500));
      const hh = 0.4 + (0.12 - 0.4) * f;
      const ww = 0.16 + (0.45 - 0.16) * f;
      const w = ww / ASPECT;
      return { left: 0.5 - w / 2, top: bottom - hh, width: w, height: hh };
    };
    const m = analyzePersonMotion(pathOf(45, 100, at, rng(6)), { frameAspect: ASPECT });
    assert.deepEqual(actions(m.segments), ['standing', 'falling', 'lying']);
    const fall = m.segments[1]!;
    assert.ok(fall.startMs >= 1900 && fall.startMs <= 2300, `fall starts ${fall.startMs}`);
    assert.ok(fall.endMs >= 2200 && fall.endMs <= 2600, `fall ends ${fall.endMs}`);
    assert.ok(fall.confidence > 70, String(fall.confidence));
  });

  it('sitting down, or legs hidden behind a table, is not a fall', () => {
    const sit = (t: number): Box => {
      const f = Math.min(1, Math.max(0, (t - 1000) / 800));
      const hh = 0.4 - 0.12 * f; // top drops 0.3 of the height, box stays upright
      const w = 0.16 / ASPECT;
      return { left: 0.5 - w / 2, top: 0.8 - hh, width: w, height: hh };
    };
    const occluded = (t: number): Box => {
      const hh = t < 1000 ? 0.4 : 0.12; // bottom cut off, top in place
      const w = 0.16 / ASPECT;
      return { left: 0.5 - w / 2, top: 0.3, width: w, height: hh };
    };
    for (const at of [sit, occluded]) {
      const m = analyzePersonMotion(pathOf(40, 100, at), { frameAspect: ASPECT });
      assert.ok(!actions(m.segments).includes('falling'), JSON.stringify(m.segments));
    }
  });

  it('a short jitter does not make extra segments; walk then stop gives two segments', () => {
    const speed = (1 * h) / ASPECT;
    const at = (t: number): Box => personBox(0.1 + speed * Math.min(t, 3000) / 1000, 0.5, h);
    const m = analyzePersonMotion(pathOf(60, 100, at, rng(8)), { frameAspect: ASPECT });
    assert.deepEqual(actions(m.segments), ['walking', 'standing']);
    const stop = m.segments[1]!.startMs;
    assert.ok(stop >= 2800 && stop <= 3600, String(stop));
    assert.equal(analyzePersonMotion([], { frameAspect: ASPECT }).segments.length, 0);
  });
});
