import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import { EVAL_DATA, hasEvalData, NO_EVAL_DATA } from './helpers/eval-data.js';
import type { Box } from '../src/vision/boxes.js';
import { averagePrecision, evaluateClassification, evaluateDetection, rekognitionSummary, sharedBestF1Threshold } from '../src/vision/custom-labels/evaluate.js';

const VOC = join(EVAL_DATA, 'det-map-voc-indoor');

/** Pascal VOC pixel IoU (inclusive pixel coordinates: +1 on widths), as the VOC devkit and Cartucho/mAP compute it. */
function vocIou(a: Box, b: Box): number {
  const iw = Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left) + 1;
  const ih = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top) + 1;
  if (iw <= 0 || ih <= 0) return -1;
  const ua = (a.width + 1) * (a.height + 1) + (b.width + 1) * (b.height + 1) - iw * ih;
  return (iw * ih) / ua;
}

describe('Custom Labels metrics', () => {
  it('AP: all-point interpolation on a hand-worked ranking', () => {
    // 3 truths; ranking TP, FP, TP, FP, TP -> precision at recall steps 1, 2/3, 3/5
    const ap = averagePrecision([true, false, true, false, true], 3);
    assert.ok(Math.abs(ap - (1 / 3) * (1 + 2 / 3 + 3 / 5)) < 1e-12, String(ap));
    assert.equal(averagePrecision([], 2), 0);
    assert.equal(averagePrecision([true, true], 2), 1);
    // interpolation: a later higher precision lifts an earlier point
    assert.ok(Math.abs(averagePrecision([false, true, true], 2) - 2 / 3) < 1e-12);
  });

  it('detection: duplicates are false positives, thresholds, per-image counts, mAP@0.5:0.95', () => {
    const box = (l: number, t: number, w = 0.2, h = 0.2): Box => ({ left: l, top: t, width: w, height: h });
    const data = [
      { truth: [{ label: 'a', box: box(0.1, 0.1) }], predictions: [{ label: 'a', score: 0.9, box: box(0.1, 0.1) }, { label: 'a', score: 0.8, box: box(0.11, 0.1) }] },
      { truth: [{ label: 'a', box: box(0.5, 0.5) }, { label: 'b', box: box(0.2, 0.6) }], predictions: [{ label: 'b', score: 0.7, box: box(0.2, 0.6) }] },
    ];
    const ev = evaluateDetection(data, ['a', 'b'], { a: 0.85, b: 0.5 });
    const a = ev.labels.find((l) => l.label === 'a')!;
    assert.equal(a.support, 2);
    assert.equal(a.ap50, 0.5);
    assert.equal(a.precision, 1);
    assert.equal(a.recall, 0.5);
    assert.equal(ev.labels.find((l) => l.label === 'b')!.ap50, 1);
    assert.equal(ev.map50, 0.75);
    assert.ok(ev.map50to95! < ev.map50 + 1e-12 && ev.map50to95! > 0.7);
    assert.deepEqual(ev.images.map((i) => [i.truePositives, i.falsePositives, i.falseNegatives]), [[1, 0, 0], [1, 0, 1]]);
    const summary = rekognitionSummary(ev, { numberOfTrainingImages: 10, numberOfTestingImages: 2 }) as any;
    assert.equal(summary.Version, 1);
    assert.deepEqual(summary.EvaluationDetails.Labels, ['a', 'b']);
    assert.equal(summary.LabelEvaluationResults[0].Metrics.Threshold, 0.85);
    assert.ok(typeof summary.AggregatedEvaluationResults.F1Score === 'number');
  });

  it('a shared threshold for all labels: the score with the best aggregate F1', () => {
    const at = (left: number): Box => ({ left, top: 0.1, width: 0.1, height: 0.1 });
    const data = [{
      truth: [{ label: 'a', box: at(0) }, { label: 'b', box: at(0.2) }, { label: 'b', box: at(0.4) }],
      predictions: [
        { label: 'a', score: 0.9, box: at(0) }, { label: 'a', score: 0.6, box: at(0.6) },
        { label: 'b', score: 0.5, box: at(0.2) }, { label: 'b', score: 0.55, box: at(0.4) }, { label: 'b', score: 0.7, box: at(0.8) },
      ],
    }];
    // At 0.5: 3 true, 2 false positives (F1 0.75); at 0.9 one true positive (0.5); per label 'a' alone would pick 0.9.
    assert.equal(sharedBestF1Threshold(data, ['a', 'b']), 0.5);
    assert.ok(Math.abs(evaluateDetection(data, ['a', 'b'], { a: 0.5, b: 0.5 }).aggregate.f1 - 0.75) < 1e-12);
    assert.equal(evaluateDetection(data, ['a', 'b']).labels[0]!.bestF1.threshold, 0.9);
    assert.equal(sharedBestF1Threshold([{ truth: data[0]!.truth, predictions: [] }], ['a', 'b']), undefined, 'nothing found: no threshold');
  });

  it('classification: confusion matrix, accuracy, best-F1 thresholds', () => {
    const data = [
      { truth: ['cat'], scores: { cat: 0.9, dog: 0.1 } },
      { truth: ['cat'], scores: { cat: 0.4, dog: 0.6 } },
      { truth: ['dog'], scores: { cat: 0.2, dog: 0.8 } },
    ];
    const ev = evaluateClassification(data, ['cat', 'dog']);
    assert.deepEqual(ev.confusionMatrix!.counts, [[1, 1], [0, 1]]);
    assert.ok(Math.abs(ev.accuracy! - 2 / 3) < 1e-12);
    const cat = ev.labels[0]!;
    assert.equal(cat.threshold, 0.4);
    assert.equal(cat.f1, 1);
    const s = rekognitionSummary(ev, { numberOfTrainingImages: 5, numberOfTestingImages: 3 }) as any;
    assert.equal(s.AggregatedEvaluationResults.ConfusionMatrix.length, 4);
    assert.equal(s.AggregatedEvaluationResults.ConfusionMatrix[1].Value, 0.5);
  });

  it('matches the VOC-2012 mAP of Cartucho/mAP on det-map-voc-indoor', { skip: (!hasEvalData || !existsSync(VOC)) && NO_EVAL_DATA }, () => {
    const read = (dir: string, file: string, withScore: boolean) =>
      existsSync(join(VOC, dir, file))
        ? readFileSync(join(VOC, dir, file), 'utf8').split('\n').filter((l) => l.trim()).map((l) => {
            const p = l.trim().split(/\s+/);
            const [score, l1, t1, r1, b1] = (withScore ? p.slice(1, 6) : ['1', ...p.slice(1, 5)]).map(Number) as [number, number, number, number, number];
            return { label: p[0]!, score, box: { left: l1, top: t1, width: r1 - l1, height: b1 - t1 } };
          })
        : [];
    const files = readdirSync(join(VOC, 'ground-truth')).filter((f) => f.endsWith('.txt')).sort();
    const data = files.map((f) => ({ truth: read('ground-truth', f, false), predictions: read('detection-results', basename(f), true) }));
    const labels = [...new Set(data.flatMap((d) => d.truth.map((t) => t.label)))].sort();
    assert.equal(labels.length, 30);
    const ev = evaluateDetection(data, labels, undefined, vocIou);
    // Reference: the Cartucho/mAP main.py algorithm (VOC 2012 devkit AP, +1 pixel IoU, IoU >= 0.5,
    // mean over the 30 ground-truth classes) re-run in Python on these files: 31.05% mAP.
    assert.ok(Math.abs(ev.map50 - 0.31047718500906324) < 1e-9, String(ev.map50));
    const ap = (l: string) => ev.labels.find((x) => x.label === l)!.ap50;
    assert.ok(Math.abs(ap('chair') - 0.5384346220032401) < 1e-9);
    assert.ok(Math.abs(ap('book') - 0.1752305665349143) < 1e-9);
    assert.ok(Math.abs(ap('tvmonitor') - 0.6325) < 1e-9);
  });
});
