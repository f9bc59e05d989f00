import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  boundsOf,
  minAreaRect,
  offsetConvexPolygon,
  orderQuad,
  pointInPolygon,
  polygonArea,
  rotateQuad,
  shareInside,
  subQuad,
  type Point,
  type Quad,
} from '../src/vision/text/geometry.js';
import { dbPostprocess, mergeRowFragments } from '../src/vision/text/db-postprocess.js';
import { cropQuad, readingQuad, rotate180, squareToQuad, stripsToTensor, stripWidth } from '../src/vision/text/crop.js';
import { ctcGreedyDecode, ppocrAlphabet, type CtcAlphabet } from '../src/vision/text/ctc.js';
import { splitWords } from '../src/vision/text/words.js';
import { readingOrder, selectText } from '../src/vision/text/filters.js';
import { detInputSize, detTensor } from '../src/vision/text/det-input.js';
import { textConfidence, textLabels } from '../src/vision/text/evidence.js';

const near = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} is not within ${eps} of ${b}`);
const rect = (x: number, y: number, w: number, h: number): Quad => [
  { x, y },
  { x: x + w, y },
  { x: x + w, y: y + h },
  { x, y: y + h },
];

describe('text geometry', () => {
  it('finds the minimum-area rectangle of a rotated rectangle', () => {
    const a = Math.PI / 7;
    const rot = (p: Point): Point => ({ x: 50 + p.x * Math.cos(a) - p.y * Math.sin(a), y: 40 + p.x * Math.sin(a) + p.y * Math.cos(a) });
    const pts: Point[] = [];
    for (let x = 0; x <= 30; x += 5) for (let y = 0; y <= 8; y += 2) pts.push(rot({ x, y }));
    const r = minAreaRect(pts)!;
    near(r.long, 30, 1e-6);
    near(r.short, 8, 1e-6);
    near(polygonArea(r.quad), 240, 1e-6);
  });

  it('orders corners top-left, top-right, bottom-right, bottom-left', () => {
    const q = orderQuad([
      { x: 10, y: 5 },
      { x: 0, y: 6 },
      { x: 11, y: 1 },
      { x: 1, y: 0 },
    ]);
    assert.deepEqual(q, [
      { x: 1, y: 0 },
      { x: 11, y: 1 },
      { x: 10, y: 5 },
      { x: 0, y: 6 },
    ]);
  });

  it('offsets a rectangle outwards with round corners (the DB unclip)', () => {
    const grown = offsetConvexPolygon(rect(0, 0, 10, 4), 1);
    const b = boundsOf(grown);
    near(b.left, -1);
    near(b.top, -1);
    near(b.width, 12);
    near(b.height, 6);
    const r = minAreaRect(grown)!;
    near(r.long, 12, 1e-9);
    near(r.short, 6, 1e-9);
    assert.ok(polygonArea(grown) < 12 * 6 && polygonArea(grown) > 10 * 4 + 2 * 14, 'the corners are rounded');
  });

  it('tells points inside a polygon and the share of a quad inside a region', () => {
    const region = rect(0, 0, 10, 10);
    assert.equal(pointInPolygon({ x: 5, y: 5 }, region), true);
    assert.equal(pointInPolygon({ x: 11, y: 5 }, region), false);
    near(shareInside(rect(5, 2, 10, 4), region), 0.5);
    near(shareInside(rect(20, 20, 1, 1), region), 0);
  });

  it('cuts a quad along its reading direction and turns it', () => {
    const q = rect(0, 0, 100, 10);
    assert.deepEqual(subQuad(q, 0.25, 0.5), rect(25, 0, 25, 10));
    assert.deepEqual(rotateQuad(q, 2), [q[2], q[3], q[0], q[1]]);
  });
});

describe('DB post-processing', () => {
  /** A w x h probability map with rectangles of probability p (inclusive pixel ranges). */
  function map(w: number, h: number, blobs: [number, number, number, number, number][]): Float32Array {
    const m = new Float32Array(w * h);
    for (const [x0, y0, x1, y1, p] of blobs) for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) m[y * w + x] = p;
    return m;
  }

  it('turns text kernels into grown boxes and drops weak, tiny and thin blobs', () => {
    const m = map(120, 80, [
      [10, 10, 49, 19, 0.9], // a word kernel, 40 x 10 pixels
      [60, 40, 99, 49, 0.8], // another
      [10, 60, 29, 69, 0.4], // above the binarisation threshold but below the box threshold
      [100, 10, 101, 11, 0.95], // 2 x 2: too small
      [10, 75, 60, 75, 0.95], // one pixel high
    ]);
    const regions = dbPostprocess(m, 120, 80);
    assert.equal(regions.length, 2);
    const [first, second] = regions;
    near(first!.score, 0.9, 1e-6);
    near(second!.score, 0.8, 1e-6);
    // Kernel from pixel centres 10..49 x 10..19 (39 x 9); unclip distance = 39 * 9 * 1.5 / 96.
    const d = (39 * 9 * 1.5) / 96;
    const b = boundsOf(first!.quad);
    near(b.left, 10 - d, 1e-6);
    near(b.top, 10 - d, 1e-6);
    near(b.width, 39 + 2 * d, 1e-6);
    near(b.height, 9 + 2 * d, 1e-6);
  });

  it('returns nothing for an empty map', () => {
    assert.deepEqual(dbPostprocess(new Float32Array(64 * 32), 64, 32), []);
  });

  it('joins fragments that continue one row and keeps separate rows and far columns apart', () => {
    const r = (q: Quad, score: number) => ({ quad: q, score });
    const joined = mergeRowFragments([r(rect(0, 0, 100, 30), 0.9), r(rect(95, 2, 80, 28), 0.8)]);
    assert.equal(joined.length, 1);
    const b = boundsOf(joined[0]!.quad);
    near(b.left, 0);
    near(b.width, 175);
    assert.equal(mergeRowFragments([r(rect(0, 0, 100, 30), 0.9), r(rect(300, 0, 80, 30), 0.8)]).length, 2, 'a column gap');
    assert.equal(mergeRowFragments([r(rect(0, 0, 100, 30), 0.9), r(rect(50, 25, 100, 30), 0.8)]).length, 2, 'the next line');
    assert.equal(mergeRowFragments([r(rect(0, 0, 100, 30), 0.9), r(rect(95, 0, 100, 90), 0.8)]).length, 2, 'a much taller region');
  });
});

describe('text strips', () => {
  /** An RGB image whose red channel is x and green channel is y. */
  function ramp(w: number, h: number) {
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x, y, 7], (y * w + x) * 3);
    return { data, width: w, height: h };
  }

  it('maps the unit square onto a quadrilateral', () => {
    const q: Quad = [
      { x: 10, y: 10 },
      { x: 110, y: 20 },
      { x: 100, y: 70 },
      { x: 5, y: 60 },
    ];
    const m = squareToQuad(q);
    for (const [u, v, p] of [[0, 0, q[0]], [1, 0, q[1]], [1, 1, q[2]], [0, 1, q[3]]] as const) {
      near(m(u, v).x, p.x, 1e-9);
      near(m(u, v).y, p.y, 1e-9);
    }
  });

  it('cuts a region out of the image at the strip size', () => {
    const s = cropQuad(ramp(200, 100), rect(20, 10, 96, 48), 48, 24);
    assert.equal(s.data.length, 48 * 24 * 3);
    // Output pixel (0,0) covers source pixels 20-21 x 10-11: mean x 20.5, y 10.5 (rounded half up).
    assert.deepEqual([...s.data.subarray(0, 3)], [21, 11, 7]);
    const last = (24 * 48 - 1) * 3;
    assert.deepEqual([...s.data.subarray(last, last + 3)], [115, 57, 7]);
  });

  it('turns tall regions a quarter and sizes strips by aspect ratio', () => {
    const tall = rect(0, 0, 20, 100);
    assert.deepEqual(readingQuad(tall), rotateQuad(tall, 1));
    assert.deepEqual(readingQuad(rect(0, 0, 100, 20)), rect(0, 0, 100, 20));
    assert.equal(stripWidth(rect(0, 0, 100, 20)), 240);
    assert.equal(stripWidth(rect(0, 0, 100, 20), 48, 200), 200);
  });

  it('turns a strip by 180 degrees', () => {
    const s = { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 2, height: 1 };
    assert.deepEqual([...rotate180(s).data], [4, 5, 6, 1, 2, 3]);
  });

  it('packs strips as BGR planes in [-1, 1], padded with 0', () => {
    const s = { data: Uint8Array.from([255, 0, 51]), width: 1, height: 1 };
    const t = stripsToTensor([s], 2, 1);
    assert.deepEqual([...t].map((v) => +v.toFixed(3)), [-0.6, 0, -1, 0, 1, 0]);
  });
});

describe('CTC decoding', () => {
  const alphabet = ppocrAlphabet(['a', 'b', '，', '中', ':'], { latinOnly: true });
  // Classes: 0 blank, 1 a, 2 b, 3 "," (NFKC of the full-width comma), 4 中 (not Latin), 5 ":", 6 space.
  const C = alphabet.symbols.length;
  /** Frames as [class, probability, optional space probability]; the rest of each frame's mass is blank. */
  function probs(frames: [number, number, number?][]): Float32Array {
    const out = new Float32Array(frames.length * C);
    frames.forEach(([c, p, sp], t) => {
      out[t * C + c] = p;
      if (sp) out[t * C + C - 1] = sp;
      if (c !== 0) out[t * C] = Math.max(0, 1 - p - (sp ?? 0));
    });
    return out;
  }
  const decode = (frames: [number, number, number?][], a: CtcAlphabet = alphabet) => ctcGreedyDecode(probs(frames), [1, frames.length, C], 0, a);

  it('builds the PP-OCR alphabet: blank, keys, space; NFKC; Latin only', () => {
    assert.deepEqual(alphabet.symbols, ['', 'a', 'b', ',', '中', ':', ' ']);
    assert.deepEqual([...alphabet.allowed], [1, 1, 1, 1, 0, 1, 1]);
    assert.equal(ppocrAlphabet(['中'], { latinOnly: false }).allowed[1], 1);
  });

  it('collapses repeats, drops blanks and keeps each character span and probability', () => {
    const r = decode([
      [1, 0.9],
      [1, 0.95],
      [0, 1],
      [2, 0.8],
      [0, 1],
      [2, 0.7],
    ]);
    assert.equal(r.text, 'abb');
    assert.deepEqual(
      r.chars.map((c) => [c.char, c.first, c.last, c.prob]),
      [
        ['a', 0, 1, Math.fround(0.95)],
        ['b', 3, 3, Math.fround(0.8)],
        ['b', 5, 5, Math.fround(0.7)],
      ],
    );
    near(r.confidence, (0.95 + 0.8 + 0.7) / 3, 1e-6);
  });

  it('never reads a masked class: the frame falls to the best Latin class', () => {
    const p = new Float32Array(C);
    p[4] = 0.6;
    p[1] = 0.3;
    p[0] = 0.1;
    assert.equal(ctcGreedyDecode(p, [1, 1, C], 0, alphabet).text, 'a');
  });

  it('reads a space from the space probability left in a gap the blank won', () => {
    assert.equal(decode([[1, 0.9], [0, 0.97, 0.03], [0, 0.97, 0.03], [2, 0.9]]).text, 'a b');
    assert.equal(decode([[1, 0.9], [0, 0.98, 0.02], [0, 0.98, 0.02], [2, 0.9]]).text, 'ab', 'sum 0.04 is below the threshold');
    assert.equal(decode([[3, 0.9], [0, 0.98, 0.02], [1, 0.9]]).text, ', a', 'after a comma, before a letter, less is needed');
    assert.equal(decode([[1, 0.9], [2, 0.9]]).text, 'ab', 'no gap, no space');
  });

  it('ignores frames past `frames` (the padding)', () => {
    const p = probs([
      [1, 0.9],
      [2, 0.9],
    ]);
    assert.equal(ctcGreedyDecode(p, [1, 2, C], 0, alphabet, 1).text, 'a');
  });
});

describe('word splitting', () => {
  const chars = (spec: [string, number][]) => spec.map(([char, t]) => ({ char, prob: 0.9, first: t, last: t }));
  const quad = rect(0, 0, 800, 48);

  it('splits a line at spaces and places each word along the line from its characters', () => {
    // "ab cd ef": characters at frames 2,6 / 20,24 / 60,64; a character is 4 frames (32 px) wide.
    const decoded = { text: 'ab cd ef', confidence: 0.9, frames: 100, chars: chars([['a', 2], ['b', 6], [' ', 13], ['c', 20], ['d', 24], [' ', 40], ['e', 60], ['f', 64]]) };
    const line = splitWords(decoded, 800, quad)!;
    assert.equal(line.text, 'ab cd ef');
    assert.deepEqual(
      line.words.map((w) => w.text),
      ['ab', 'cd', 'ef'],
    );
    const spans = line.words.map((w) => [w.quad[0].x, w.quad[1].x].map((v) => +v.toFixed(6)));
    assert.deepEqual(spans[0], [0, 6.5 * 8 + 0.6 * 32], 'the first word starts with the line');
    assert.deepEqual(spans[1], [20.5 * 8 - 0.6 * 32, 24.5 * 8 + 0.6 * 32]);
    assert.deepEqual(spans[2], [60.5 * 8 - 0.6 * 32, 800], 'the last word ends with the line');
    for (const w of line.words) assert.equal(w.quad[3].y, 48);
  });

  it('gives nothing for a line of spaces and one word for a line without', () => {
    assert.equal(splitWords({ text: ' ', confidence: 0, frames: 10, chars: chars([[' ', 3]]) }, 80, quad), undefined);
    const one = splitWords({ text: 'ab', confidence: 0.9, frames: 10, chars: chars([['a', 2], ['b', 5]]) }, 80, rect(0, 0, 80, 48))!;
    assert.equal(one.words.length, 1);
    assert.deepEqual(one.words[0]!.quad, rect(0, 0, 80, 48));
  });
});

describe('DetectText selection', () => {
  const word = (text: string, x: number, y: number, w = 0.1, h = 0.05, confidence = 0.95) => ({ text, confidence, quad: rect(x, y, w, h) });
  const line = (...words: ReturnType<typeof word>[]) => ({
    text: words.map((w) => w.text).join(' '),
    confidence: 0.95,
    quad: [words[0]!.quad[0], words[words.length - 1]!.quad[1], words[words.length - 1]!.quad[2], words[0]!.quad[3]] as Quad,
    words,
  });

  it('orders lines top to bottom and a row left to right', () => {
    const right = line(word('right', 0.6, 0.1));
    const left = line(word('left', 0.1, 0.11));
    const below = line(word('below', 0.1, 0.3));
    assert.deepEqual(
      readingOrder([below, right, left]).map((l) => l.text),
      ['left', 'right', 'below'],
    );
  });

  it('drops words below MinConfidence or the minimum box size and rebuilds their lines', () => {
    const lines = [line(word('big', 0.1, 0.1, 0.2, 0.08), word('small', 0.35, 0.1, 0.05, 0.08), word('unsure', 0.45, 0.1, 0.2, 0.08, 0.5))];
    const kept = selectText(lines, { minConfidence: 80, minBoundingBoxWidth: 0.1, maxWords: 100 });
    assert.equal(kept.length, 1);
    assert.equal(kept[0]!.text, 'big');
    assert.deepEqual(kept[0]!.quad, rect(0.1, 0.1, 0.2, 0.08));
    assert.deepEqual(selectText(lines, { minBoundingBoxHeight: 0.1, maxWords: 100 }), []);
  });

  it('keeps words more than half inside a region of interest (box or polygon)', () => {
    const lines = [line(word('in', 0.1, 0.1), word('half', 0.25, 0.1), word('out', 0.6, 0.1))];
    const box = { left: 0, top: 0, width: 0.31, height: 1 };
    assert.deepEqual(
      selectText(lines, { regions: [{ box }], maxWords: 100 })[0]!.words.map((w) => w.text),
      ['in', 'half'],
    );
    const polygon = [
      { x: 0.55, y: 0 },
      { x: 1, y: 0 },
      { x: 1, y: 1 },
    ];
    assert.deepEqual(
      selectText(lines, { regions: [{ polygon }], maxWords: 100 }).map((l) => l.text),
      ['out'],
    );
  });

  it('returns at most maxWords words, in reading order', () => {
    const lines = [line(word('c', 0.1, 0.5), word('d', 0.3, 0.5)), line(word('a', 0.1, 0.1), word('b', 0.3, 0.1))];
    assert.deepEqual(
      selectText(lines, { maxWords: 3 }).map((l) => l.text),
      ['a b', 'c'],
    );
  });
});

describe('detector input and text evidence', () => {
  it('sizes the detector input in multiples of 32, the long side at most 960, small images enlarged', () => {
    assert.deepEqual(detInputSize(1600, 1200, 960), { width: 960, height: 736 });
    assert.deepEqual(detInputSize(640, 480, 960), { width: 640, height: 480 });
    assert.deepEqual(detInputSize(100, 80, 960, 480), { width: 416, height: 320 });
    assert.deepEqual(detInputSize(300, 200, 960, 480), { width: 480, height: 320 });
  });

  it('normalises BGR planes with the ImageNet mean and deviation', () => {
    const t = detTensor(Uint8Array.from([255, 0, 0]), 1, 1);
    near(t[0]!, (0 - 0.485) / 0.229, 1e-5); // B
    near(t[1]!, (0 - 0.456) / 0.224, 1e-5); // G
    near(t[2]!, (1 - 0.406) / 0.225, 1e-5); // R
  });

  it('maps the best region score to a Text confidence and finds Documents by density', () => {
    assert.equal(textConfidence(0.8), undefined);
    near(textConfidence(0.9)!, 55);
    assert.ok(textConfidence(0.99)! > textConfidence(0.95)!);
    const r = (y: number, score = 0.9) => ({ quad: rect(10, y, 300, 20), score });
    assert.deepEqual(
      textLabels([r(10)], 400, 400).map((l) => l.name),
      ['Text'],
    );
    assert.deepEqual(
      textLabels(Array.from({ length: 8 }, (_, i) => r(10 + i * 40)), 400, 400).map((l) => l.name),
      ['Text', 'Document'],
    );
    assert.deepEqual(textLabels([r(10, 0.7)], 400, 400), []);
  });
});
