/**
 * Image properties (src/vision/image-properties.ts, src/vision/colors.ts) on synthetic images
 * made here, plus one real photo when the eval data is present.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EVAL_DATA } from './helpers/eval-data.js';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { CSS_COLORS, SIMPLIFIED_COLORS, hexCode, nearestCssColor } from '../src/vision/colors.js';
import {
  boxMask,
  dominantColors,
  foregroundMask,
  imageProperties,
  instanceDominantColors,
  quality,
  saliencyMask,
  type RgbImage,
} from '../src/vision/image-properties.js';

type Rgb = readonly [number, number, number];
const RED: Rgb = [255, 0, 0];
const BLUE: Rgb = [0, 0, 255];
const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];
const BUS = join(EVAL_DATA, 'labels-classics-unannotated', 'bus.jpg');

function solid(width: number, height: number, c: Rgb): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(c, i);
  return { data, width, height };
}

function paint(img: RgbImage, x0: number, y0: number, x1: number, y1: number, c: Rgb): RgbImage {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) img.data.set(c, (y * img.width + x) * 3);
  return img;
}

function checkerboard(width: number, height: number, cell: number): RgbImage {
  const img = solid(width, height, BLACK);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if ((Math.floor(x / cell) + Math.floor(y / cell)) % 2) img.data.set(WHITE, (y * width + x) * 3);
  return img;
}

/** (2r+1)^2 box blur, edges clamped. */
function boxBlur(img: RgbImage, r: number): RgbImage {
  const { width, height, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        for (let dy = -r; dy <= r; dy++) {
          const yy = Math.min(height - 1, Math.max(0, y + dy));
          for (let dx = -r; dx <= r; dx++) s += data[(yy * width + Math.min(width - 1, Math.max(0, x + dx))) * 3 + ch]!;
        }
        out[(y * width + x) * 3 + ch] = Math.round(s / (2 * r + 1) ** 2);
      }
    }
  }
  return { data: out, width, height };
}

const near = (actual: number, expected: number, tolerance: number, what = '') => assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} not within ${tolerance} of ${expected}`);

describe('the colour tables', () => {
  it('has 139 CSS colours with distinct names and distinct values, each with one of the 12 simplified colours', () => {
    assert.equal(CSS_COLORS.length, 139);
    assert.equal(new Set(CSS_COLORS.map((c) => c.name)).size, 139);
    assert.equal(new Set(CSS_COLORS.map((c) => c.hexCode)).size, 139);
    assert.equal(SIMPLIFIED_COLORS.length, 12);
    for (const c of CSS_COLORS) {
      assert.ok(SIMPLIFIED_COLORS.includes(c.simplified), c.name);
      assert.equal(c.hexCode, hexCode(c.red, c.green, c.blue));
    }
  });

  it('names colours as Rekognition does: lowercase hex, darkslategrey is grey, darkolivegreen is green', () => {
    assert.equal(hexCode(47, 79, 79), '#2f4f4f');
    assert.equal(nearestCssColor(47, 79, 79).name, 'darkslategrey');
    assert.equal(nearestCssColor(47, 79, 79).simplified, 'grey');
    assert.equal(nearestCssColor(85, 107, 47).simplified, 'green');
    assert.equal(nearestCssColor(128, 128, 128).name, 'gray');
    assert.equal(nearestCssColor(105, 105, 105).name, 'dimgrey');
  });

  it('maps pure and near-pure colours to their obvious names', () => {
    assert.equal(nearestCssColor(255, 0, 0).name, 'red');
    assert.equal(nearestCssColor(250, 5, 3).name, 'red');
    assert.equal(nearestCssColor(0, 0, 255).simplified, 'blue');
    assert.equal(nearestCssColor(2, 2, 2).name, 'black');
    assert.equal(nearestCssColor(253, 253, 253).simplified, 'white');
    assert.equal(nearestCssColor(255, 165, 0).simplified, 'orange');
    assert.equal(nearestCssColor(255, 255, 0).simplified, 'yellow');
  });
});

describe('dominant colours', () => {
  it('finds a pure red image to be 100 % red', () => {
    const colors = dominantColors(solid(64, 48, RED));
    assert.equal(colors.length, 1);
    const [c] = colors;
    assert.deepEqual({ ...c, pixelPercent: Math.round(c!.pixelPercent) }, { red: 255, green: 0, blue: 0, hexCode: '#ff0000', cssColor: 'red', simplifiedColor: 'red', pixelPercent: 100 });
  });

  it('splits half black, half white into two colours of about 50 % each', () => {
    const img = paint(solid(100, 80, BLACK), 50, 0, 100, 80, WHITE);
    const colors = dominantColors(img);
    assert.deepEqual(colors.map((c) => c.cssColor).sort(), ['black', 'white']);
    for (const c of colors) near(c.pixelPercent, 50, 0.5, c.cssColor);
  });

  it('sorts by share, returns at most k colours and shares that sum to at most 100', () => {
    const img = solid(120, 100, WHITE);
    paint(img, 0, 0, 60, 100, RED); // 50 %
    paint(img, 60, 0, 90, 100, BLUE); // 25 %
    paint(img, 90, 0, 105, 100, [0, 128, 0]); // 12.5 %
    paint(img, 105, 0, 112, 100, [255, 255, 0]); // ~5.8 %
    const colors = dominantColors(img);
    assert.deepEqual(colors.map((c) => c.cssColor), ['red', 'blue', 'green', 'white', 'yellow']);
    near(colors[0]!.pixelPercent, 50, 0.5);
    near(colors[1]!.pixelPercent, 25, 0.5);
    const two = dominantColors(img, undefined, 2);
    assert.deepEqual(two.map((c) => c.cssColor), ['red', 'blue']);
    assert.ok(colors.reduce((s, c) => s + c.pixelPercent, 0) <= 100.0001);
    assert.deepEqual(dominantColors(img, undefined, 0), []);
  });

  it('merges clusters that have the same CSS name', () => {
    // Two reds a few levels apart: two k-means clusters, one CSS colour.
    const img = paint(solid(80, 40, [250, 2, 2]), 40, 0, 80, 40, [238, 10, 8]);
    const colors = dominantColors(img);
    assert.equal(colors.length, 1);
    assert.equal(colors[0]!.cssColor, 'red');
    near(colors[0]!.pixelPercent, 100, 0.01);
  });

  it('looks only at the masked pixels', () => {
    const img = paint(solid(100, 100, BLUE), 0, 0, 30, 100, RED);
    const colors = dominantColors(img, boxMask(100, 100, [{ left: 0, top: 0, width: 0.3, height: 1 }]));
    assert.deepEqual(colors.map((c) => [c.cssColor, Math.round(c.pixelPercent)]), [['red', 100]]);
  });

  it('does not alias on periodic patterns when it subsamples a large image', () => {
    const img = checkerboard(1200, 900, 1); // 1.08 MP: subsampled
    const colors = dominantColors(img);
    assert.deepEqual(colors.map((c) => c.cssColor).sort(), ['black', 'white']);
    for (const c of colors) near(c.pixelPercent, 50, 1.5, c.cssColor);
  });

  it('is deterministic', () => {
    const img = boxBlur(paint(paint(solid(90, 70, [30, 120, 200]), 10, 10, 50, 40, [220, 180, 40]), 40, 30, 80, 60, [150, 20, 90]), 3);
    assert.deepEqual(dominantColors(img), dominantColors(img));
    assert.deepEqual(imageProperties(img, []), imageProperties(img, []));
  });

  it('gives an instance the colours of its box', () => {
    const img = paint(solid(100, 100, BLUE), 20, 20, 60, 60, RED);
    const colors = instanceDominantColors(img, { left: 0.2, top: 0.2, width: 0.4, height: 0.4 });
    assert.deepEqual(colors.map((c) => [c.cssColor, Math.round(c.pixelPercent)]), [['red', 100]]);
    assert.deepEqual(instanceDominantColors(img, { left: 1.2, top: 0, width: 0.1, height: 0.1 }), []);
    assert.equal(instanceDominantColors(img, { left: 0.5, top: 0.5, width: 0.001, height: 0.001 }).length, 1);
  });
});

describe('quality', () => {
  it('rates a sharp checkerboard sharper than its box-blurred copy', () => {
    const sharpImg = checkerboard(96, 96, 8);
    const a = quality(sharpImg).sharpness;
    const b = quality(boxBlur(sharpImg, 3)).sharpness;
    assert.ok(a > 99, `sharp checkerboard ${a}`);
    assert.ok(b < a - 10, `blurred ${b} vs sharp ${a}`);
  });

  it('lowers sharpness steadily as the blur grows', () => {
    const img = checkerboard(96, 96, 16);
    const s = [1, 2, 3, 4, 6].map((r) => quality(boxBlur(img, r)).sharpness);
    for (let i = 1; i < s.length; i++) assert.ok(s[i]! < s[i - 1]!, s.join(' > '));
    assert.ok(s[s.length - 1]! < 60, s.join(' > '));
  });

  it('rates a flat image 0 for sharpness and contrast', () => {
    const q = quality(solid(40, 30, [90, 90, 90]));
    assert.equal(q.sharpness, 0);
    assert.equal(q.contrast, 0);
    near(q.brightness, (100 * 90) / 255, 0.5);
  });

  it('rates a dark image less bright than a light one', () => {
    const dark = quality(solid(40, 30, [30, 25, 20])).brightness;
    const light = quality(solid(40, 30, [220, 230, 240])).brightness;
    assert.ok(dark < 15 && light > 85, `${dark} < ${light}`);
    assert.equal(quality(solid(8, 8, BLACK)).brightness, 0);
    near(quality(solid(8, 8, WHITE)).brightness, 100, 1e-9);
  });

  it('rates black and white halves at full contrast, a grey ramp in between', () => {
    near(quality(paint(solid(60, 40, BLACK), 30, 0, 60, 40, WHITE)).contrast, 100, 1e-9);
    const ramp = solid(256, 4, BLACK);
    for (let x = 0; x < 256; x++) for (let y = 0; y < 4; y++) ramp.data.set([x, x, x], (y * 256 + x) * 3);
    near(quality(ramp).contrast, 90, 1);
  });

  it('measures only the masked pixels', () => {
    const img = paint(solid(60, 60, BLACK), 0, 0, 30, 60, WHITE);
    const left = quality(img, boxMask(60, 60, [{ left: 0, top: 0, width: 0.5, height: 1 }]));
    near(left.brightness, 100, 1e-9);
  });

  it('works on images large enough to be downsampled', () => {
    const q = quality(checkerboard(2400, 1300, 16));
    assert.ok(q.sharpness > 90, String(q.sharpness));
    near(q.brightness, 50, 1);
  });

  it('refuses data that does not fit the size', () => {
    assert.throws(() => quality({ data: new Uint8Array(10), width: 4, height: 4 }), RangeError);
    assert.throws(() => dominantColors(solid(4, 4, RED), new Uint8Array(3)), RangeError);
  });
});

describe('foreground and background', () => {
  it('gives a red foreground and a blue background for a box on a red square', () => {
    const img = paint(solid(200, 150, BLUE), 60, 40, 140, 110, RED);
    const p = imageProperties(img, [{ left: 0.3, top: 40 / 150, width: 0.4, height: 70 / 150 }]);
    assert.equal(p.foregroundSource, 'boxes');
    assert.equal(p.foreground.dominantColors[0]!.cssColor, 'red');
    near(p.foreground.dominantColors[0]!.pixelPercent, 100, 1);
    assert.deepEqual(p.background.dominantColors.map((c) => c.cssColor), ['blue']);
    assert.deepEqual(p.dominantColors.map((c) => c.cssColor), ['blue', 'red']);
    near(p.dominantColors[1]!.pixelPercent, (100 * 80 * 70) / (200 * 150), 0.5);
    // Contrast only for the whole image, as Rekognition.
    assert.equal(typeof p.quality.contrast, 'number');
    assert.equal(p.foreground.quality.contrast, undefined);
    assert.equal(p.background.quality.contrast, undefined);
  });

  it('takes the union of several boxes as the foreground', () => {
    const mask = boxMask(10, 10, [
      { left: 0, top: 0, width: 0.5, height: 0.5 },
      { left: 0.3, top: 0.3, width: 0.5, height: 0.5 },
      { left: 2, top: 2, width: 1, height: 1 },
    ]);
    assert.equal(mask.reduce((s, v) => s + v, 0), 25 + 25 - 4);
  });

  it('finds a centred red square by saliency when no boxes are given', () => {
    const img = paint(solid(160, 120, BLUE), 55, 35, 105, 85, RED);
    const p = imageProperties(img, []);
    assert.equal(p.foregroundSource, 'saliency');
    assert.equal(p.foreground.dominantColors[0]!.cssColor, 'red');
    assert.ok(p.foreground.dominantColors[0]!.pixelPercent > 80, String(p.foreground.dominantColors[0]!.pixelPercent));
    assert.equal(p.background.dominantColors[0]!.cssColor, 'blue');
    assert.ok(p.background.dominantColors[0]!.pixelPercent > 95);
  });

  it('falls back to the centre of a flat image', () => {
    const { mask, source } = saliencyMask(solid(40, 40, [10, 200, 10]));
    assert.equal(source, 'centre');
    const on = mask.reduce((s, v) => s + v, 0);
    near(on / mask.length, 0.25, 0.05);
    assert.equal(foregroundMask(solid(40, 40, BLUE), [{ left: 0.1, top: 0.1, width: 0.2, height: 0.2 }]).source, 'boxes');
  });

  it('gives an empty background neutral values when boxes cover everything', () => {
    const p = imageProperties(solid(20, 20, RED), [{ left: 0, top: 0, width: 1, height: 1 }]);
    assert.deepEqual(p.background, { quality: { brightness: 0, sharpness: 0 }, dominantColors: [] });
  });
});

describe('a real photo', () => {
  it('gives sane image properties for bus.jpg', async (t) => {
    if (!existsSync(BUS)) return t.skip(`${BUS} not present (eval data not mounted)`);
    const { data, info } = await sharp(BUS).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const img = { data, width: info.width, height: info.height };
    imageProperties(img, []); // warm up
    let t0 = performance.now();
    const q = quality(img);
    const tq = performance.now() - t0;
    t0 = performance.now();
    const colors = dominantColors(img);
    const tc = performance.now() - t0;
    t0 = performance.now();
    const p = imageProperties(img, [{ left: 0.05, top: 0.23, width: 0.9, height: 0.5 }]);
    const tp = performance.now() - t0;
    t0 = performance.now();
    const ps = imageProperties(img, []);
    const ts = performance.now() - t0;
    const small = await sharp(BUS).removeAlpha().resize(640, 480, { fit: 'fill' }).raw().toBuffer();
    const img640 = { data: small, width: 640, height: 480 };
    dominantColors(img640);
    t0 = performance.now();
    dominantColors(img640);
    const t640 = performance.now() - t0;
    t.diagnostic(
      `bus.jpg ${info.width}x${info.height}: quality ${tq.toFixed(1)} ms, dominantColors ${tc.toFixed(1)} ms (640x480: ${t640.toFixed(1)} ms), ` +
        `imageProperties ${tp.toFixed(1)} ms with a box, ${ts.toFixed(1)} ms by saliency`,
    );
    t.diagnostic(`quality ${JSON.stringify(q)}; colours ${colors.map((c) => `${c.cssColor}/${c.simplifiedColor} ${c.pixelPercent.toFixed(1)}%`).join(', ')}`);
    assert.ok(q.brightness > 20 && q.brightness < 80, `brightness ${q.brightness}`);
    assert.ok(q.sharpness > 70, `sharpness ${q.sharpness}`);
    assert.ok(q.contrast > 40, `contrast ${q.contrast}`);
    assert.ok(colors.length >= 3 && colors.length <= 10);
    const total = colors.reduce((s, c) => s + c.pixelPercent, 0);
    assert.ok(total > 50 && total <= 100.0001, `total ${total}`);
    for (let i = 1; i < colors.length; i++) assert.ok(colors[i - 1]!.pixelPercent >= colors[i]!.pixelPercent);
    for (const r of [p, ps]) {
      assert.ok(r.foreground.dominantColors.length > 0 && r.background.dominantColors.length > 0);
      for (const region of [r.foreground, r.background]) {
        assert.ok(region.quality.brightness > 5 && region.quality.brightness < 95);
        assert.ok(region.quality.sharpness > 30);
      }
    }
    const blurred = quality({ data: await sharp(BUS).removeAlpha().blur(3).raw().toBuffer(), width: info.width, height: info.height });
    assert.ok(blurred.sharpness < q.sharpness / 2, `blurred ${blurred.sharpness} vs ${q.sharpness}`);
  });
});
