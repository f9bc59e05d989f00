import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  artLabels,
  classifierInput,
  contentTypes,
  COVERED_LABELS,
  MODERATION_TAXONOMY,
  moderationLabels,
  NOT_COVERED,
  NSFW_CLASSES,
  nsfwScores,
  topClass,
  type NsfwScores,
} from '../src/vision/moderation.js';

/** Scores from percentages in class order Drawing, Hentai, Neutral, Porn, Sexy. */
const scores = (drawing: number, hentai: number, neutral: number, porn: number, sexy: number): NsfwScores => nsfwScores([drawing, hentai, neutral, porn, sexy].map((p) => p / 100));
const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} != ${b}`);

describe('the NSFW classes mapped onto Rekognition moderation labels', () => {
  it('reads the 5 outputs in nsfwjs class order', () => {
    const s = nsfwScores([0.1, 0.2, 0.3, 0.15, 0.25]);
    assert.deepEqual(NSFW_CLASSES, ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    assert.equal(s.Hentai, 0.2);
    assert.equal(topClass(s), 'Neutral');
    assert.throws(() => nsfwScores([0.5, 0.5]), /expected 5 values/);
  });

  it('returns nothing for a neutral photo', () => {
    assert.deepEqual(moderationLabels(scores(1, 0.5, 95, 2, 1.5), 50), []);
    assert.deepEqual(contentTypes(scores(1, 0.5, 95, 2, 1.5), 50), []);
  });

  it('reports Porn as Explicit (level 1, no parent) and Explicit Nudity (level 2, under Explicit), never a level-3 body part', () => {
    const labels = moderationLabels(scores(0, 0, 10, 85, 5), 50);
    assert.deepEqual(
      labels.map((l) => [l.name, l.parentName, l.taxonomyLevel]),
      [
        ['Explicit', '', 1],
        ['Explicit Nudity', 'Explicit', 2],
      ],
    );
    near(labels[0]!.confidence, 85);
    near(labels[1]!.confidence, 85);
    assert.ok(labels.every((l) => l.taxonomyLevel !== 3));
  });

  it('adds Porn and Hentai for Explicit: the classes are exclusive, so their probabilities sum', () => {
    const labels = moderationLabels(scores(5, 30, 40, 25, 0), 50);
    assert.deepEqual(labels.map((l) => l.name), ['Explicit', 'Explicit Nudity']);
    near(labels[0]!.confidence, 55);
    assert.deepEqual(moderationLabels(scores(5, 30, 40, 25, 0), 56), []);
  });

  it('reports Hentai as explicit content of type Animated, and Drawing as Illustrated with no moderation label', () => {
    const hentai = scores(3, 90, 5, 2, 0);
    assert.deepEqual(moderationLabels(hentai, 50).map((l) => l.name), ['Explicit', 'Explicit Nudity']);
    assert.deepEqual(contentTypes(hentai, 50).map((c) => c.name), ['Animated']);
    near(contentTypes(hentai, 50)[0]!.confidence, 90);
    const drawing = scores(92, 1, 6, 0.5, 0.5);
    assert.deepEqual(moderationLabels(drawing, 50), []);
    assert.deepEqual(contentTypes(drawing, 50), [{ name: 'Illustrated', confidence: 92 }]);
  });

  it('reports Sexy as the level-1 Swimwear or Underwear only: the model cannot tell female from male, nor swimwear from partial nudity', () => {
    const labels = moderationLabels(scores(0, 0, 20, 10, 70), 50);
    assert.deepEqual(labels, [{ name: 'Swimwear or Underwear', parentName: '', taxonomyLevel: 1, confidence: 70 }]);
    assert.ok(!COVERED_LABELS.includes('Non-Explicit Nudity of Intimate parts and Kissing'));
  });

  it('filters by MinConfidence, inclusive, and MinConfidence 0 returns every label it can', () => {
    const s = scores(10, 5, 55, 20, 10);
    assert.deepEqual(moderationLabels(s, 50), []);
    assert.deepEqual(moderationLabels(s, 25).map((l) => l.name), ['Explicit', 'Explicit Nudity']);
    assert.equal(moderationLabels(scores(0, 0, 50, 50, 0), 50).length, 2);
    assert.deepEqual(moderationLabels(s, 0).map((l) => l.name), ['Explicit', 'Swimwear or Underwear', 'Explicit Nudity']);
    assert.deepEqual(contentTypes(s, 0).map((c) => c.name), ['Illustrated', 'Animated']);
  });

  it('lists parents before children, and every returned label exists in the v7 taxonomy with its parent chain', () => {
    const all = moderationLabels(scores(0, 30, 0, 40, 30), 0);
    const names = new Set(MODERATION_TAXONOMY.map((n) => n.name));
    for (const l of all) {
      const n = MODERATION_TAXONOMY.find((x) => x.name === l.name)!;
      assert.ok(n, l.name);
      assert.equal(l.parentName, n.parent);
      assert.equal(l.taxonomyLevel, n.level);
      if (l.parentName) {
        assert.ok(names.has(l.parentName));
        const parent = all.find((x) => x.name === l.parentName);
        assert.ok(parent && all.indexOf(parent) < all.indexOf(l) && parent.confidence >= l.confidence, `${l.name} before its parent`);
      }
    }
    for (const n of MODERATION_TAXONOMY) {
      if (n.level === 1) assert.equal(n.parent, '');
      else assert.equal(MODERATION_TAXONOMY.find((x) => x.name === n.parent)?.level, n.level - 1, n.name);
    }
  });

  it('never returns the categories no model covers', () => {
    const topOf = (name: string): string => {
      const n = MODERATION_TAXONOMY.find((x) => x.name === name)!;
      return n.parent ? topOf(n.parent) : n.name;
    };
    for (const l of moderationLabels(scores(20, 20, 20, 20, 20), 0)) assert.ok(!NOT_COVERED.includes(topOf(l.name)), l.name);
    assert.deepEqual([...NOT_COVERED].sort(), ['Alcohol', 'Drugs & Tobacco', 'Gambling', 'Hate Symbols', 'Rude Gestures', 'Violence', 'Visually Disturbing']);
  });
});

describe('the classifier input and the DetectLabels art evidence', () => {
  it('scales RGB bytes to [0, 1] as nsfwjs does', () => {
    const x = classifierInput(Uint8Array.from([0, 255, 51, 102, 0, 255, 1, 2, 3, 4, 5, 6]), 2);
    assert.equal(x.length, 12);
    near(x[1]!, 1);
    near(x[2]!, 0.2);
    assert.throws(() => classifierInput(new Uint8Array(10), 2), /expected 2x2x3/);
  });

  it('gives Drawing and Illustration for a drawn image, from Drawing + Hentai, and nothing below the threshold', () => {
    const labels = artLabels(scores(60, 25, 15, 0, 0), 0.8);
    assert.deepEqual(labels.map((l) => l.name), ['Drawing', 'Illustration']);
    near(labels[0]!.confidence, 85);
    assert.deepEqual(artLabels(scores(70, 5, 25, 0, 0), 0.8), []);
  });
});
