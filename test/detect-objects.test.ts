import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CENTERNET, NANODET } from '../src/vision/detect-objects.js';
import { iou, nms, clip } from '../src/vision/boxes.js';
import { calibratedConfidence } from '../src/vision/calibration.js';

describe('boxes', () => {
  it('computes IoU of overlapping, identical and disjoint boxes', () => {
    const a = { left: 0, top: 0, width: 0.5, height: 0.5 };
    assert.equal(iou(a, a), 1);
    assert.equal(iou(a, { left: 0.5, top: 0.5, width: 0.5, height: 0.5 }), 0);
    assert.ok(Math.abs(iou(a, { left: 0.25, top: 0, width: 0.5, height: 0.5 }) - 1 / 3) < 1e-9);
  });

  it('suppresses overlapping boxes of the same class only', () => {
    const box = { left: 0.1, top: 0.1, width: 0.4, height: 0.4 };
    const kept = nms(
      [
        { classIndex: 0, score: 0.9, box },
        { classIndex: 0, score: 0.8, box: { ...box, left: 0.12 } },
        { classIndex: 2, score: 0.7, box },
      ],
      0.5,
    );
    assert.deepEqual(kept.map((k) => [k.classIndex, k.score]), [[0, 0.9], [2, 0.7]]);
  });

  it('clips boxes to the image and drops empty ones', () => {
    const c = clip({ left: -0.1, top: 0.5, width: 0.3, height: 0.7 })!;
    assert.deepEqual([c.left, c.top, c.width, c.height].map((v) => +v.toFixed(9)), [0, 0.5, 0.2, 0.5]);
    assert.equal(clip({ left: 1.1, top: 0, width: 0.2, height: 0.2 }), undefined);
  });
});

describe('CenterNet decoding', () => {
  it('turns [x1,y1,x2,y2,score,class] rows in 512-px coordinates into ratio boxes above the score floor', () => {
    const rows = [
      [51.2, 102.4, 256, 512, 0.8, 0],
      [0, 0, 10, 10, 0.01, 5],
    ];
    const data = new Float32Array(600);
    rows.flat().forEach((v, i) => (data[i] = v));
    const dets = CENTERNET.decode({ 'tower_0/detections': { type: 'float32', dims: [1, 100, 6], data } }, 0.05);
    assert.equal(dets.length, 1);
    assert.equal(dets[0]!.classIndex, 0);
    assert.ok(Math.abs(dets[0]!.box.left - 0.1) < 1e-6 && Math.abs(dets[0]!.box.width - 0.4) < 1e-6 && Math.abs(dets[0]!.box.height - 0.8) < 1e-6);
  });

  it('feeds 0..255 pixels as NHWC floats', () => {
    const rgb = new Uint8Array(512 * 512 * 3).fill(200);
    const t = CENTERNET.feeds(rgb)['tower_0/images']!;
    assert.deepEqual(t.dims, [1, 512, 512, 3]);
    assert.equal(t.data[0], 200);
  });
});

describe('NanoDet decoding', () => {
  it('decodes a distribution-focal box around a grid cell', () => {
    const outputs: Record<string, { type: 'float32'; dims: number[]; data: Float32Array }> = {};
    [8, 16, 32].forEach((stride, i) => {
      const cells = (416 / stride) ** 2;
      outputs[`s${i}`] = { type: 'float32', dims: [1, cells, 80], data: new Float32Array(cells * 80) };
      outputs[`b${i}`] = { type: 'float32', dims: [1, cells, 44], data: new Float32Array(cells * 44).fill(-20) };
    });
    // Stride 32, cell (row 6, col 6): centre at 208,208. Each side's distribution peaks at bin 2 → 64 px.
    const cell = 6 * 13 + 6;
    outputs.s2!.data[cell * 80 + 16] = 0.9;
    for (let side = 0; side < 4; side++) outputs.b2!.data[cell * 44 + side * 11 + 2] = 20;
    const dets = NANODET.decode(outputs, 0.3);
    assert.equal(dets.length, 1);
    assert.equal(dets[0]!.classIndex, 16);
    assert.ok(Math.abs(dets[0]!.box.left - (208 - 64) / 416) < 1e-3);
    assert.ok(Math.abs(dets[0]!.box.width - 128 / 416) < 1e-3);
  });
});

describe('confidence calibration', () => {
  it('is monotonic, maps 0 to 0 and stays within 0..100', () => {
    let prev = -1;
    for (let s = 0; s <= 1; s += 0.05) {
      const c = calibratedConfidence('centernet', s);
      assert.ok(c >= prev && c >= 0 && c <= 100);
      prev = c;
    }
    assert.equal(calibratedConfidence('centernet', 0), 0);
  });
});
