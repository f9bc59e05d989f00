/**
 * Evaluation of Custom Labels models, pure: ground truth and scored predictions in, metrics out.
 *
 * - AP is the PASCAL VOC 2010+ / COCO-style **all-point interpolated** area under the
 *   precision-recall curve (precision made monotonically non-increasing from the right, then
 *   summed over every recall step), the rule of the VOC 2012 devkit and of Cartucho/mAP.
 *   mAP@0.5:0.95 averages that AP over IoU 0.50, 0.55, ..., 0.95 (COCO's thresholds, but with
 *   all-point rather than COCO's 101-point interpolation).
 * - Matching: per label, predictions in decreasing score order; each takes the ground-truth box
 *   of its label and image with the highest IoU; a TP when IoU >= the threshold and that box is
 *   not taken yet, else an FP (a duplicate counts as FP, as in VOC).
 * - Per-label thresholds: the score with the best F1 on the PR curve at IoU 0.5.
 */
import { iou, type Box } from '../boxes.js';

export interface LabelledBox {
  label: string;
  box: Box;
}
export interface ScoredBox extends LabelledBox {
  score: number;
}

/** All-point interpolated AP of a ranked list (true = TP), given the number of ground-truth items. */
export function averagePrecision(ranked: boolean[], nTruth: number): number {
  if (nTruth === 0) return NaN;
  const rec: number[] = [0];
  const prec: number[] = [0];
  let tp = 0;
  ranked.forEach((isTp, i) => {
    if (isTp) tp++;
    rec.push(tp / nTruth);
    prec.push(tp / (i + 1));
  });
  rec.push(1);
  prec.push(0);
  for (let i = prec.length - 2; i >= 0; i--) prec[i] = Math.max(prec[i]!, prec[i + 1]!);
  let ap = 0;
  for (let i = 1; i < rec.length; i++) if (rec[i] !== rec[i - 1]) ap += (rec[i]! - rec[i - 1]!) * prec[i]!;
  return ap;
}

export interface PrPoint {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Matches one label's predictions (all images) to its ground truth at `minIou`; returns the ranked list. */
export function matchLabel(
  images: { truth: Box[]; predictions: { box: Box; score: number }[] }[],
  minIou: number,
  iouFn: (a: Box, b: Box) => number = iou,
): { ranked: { score: number; tp: boolean; image: number }[]; nTruth: number } {
  const all: { score: number; box: Box; image: number }[] = [];
  let nTruth = 0;
  images.forEach((im, i) => {
    nTruth += im.truth.length;
    for (const p of im.predictions) all.push({ score: p.score, box: p.box, image: i });
  });
  all.sort((a, b) => b.score - a.score);
  const used = images.map((im) => new Uint8Array(im.truth.length));
  const ranked = all.map((p) => {
    const truth = images[p.image]!.truth;
    let best = -1;
    let bestIou = -Infinity;
    truth.forEach((t, j) => {
      const o = iouFn(p.box, t);
      if (o > bestIou) [best, bestIou] = [j, o];
    });
    let tp = false;
    if (best >= 0 && bestIou >= minIou && !used[p.image]![best]) {
      used[p.image]![best] = 1;
      tp = true;
    }
    return { score: p.score, tp, image: p.image };
  });
  return { ranked, nTruth };
}

/** PR points at each distinct score (descending), with the best-F1 point. */
export function prCurve(ranked: { score: number; tp: boolean }[], nTruth: number): { points: PrPoint[]; best: PrPoint } {
  const points: PrPoint[] = [];
  let tp = 0;
  ranked.forEach((r, i) => {
    if (r.tp) tp++;
    const next = ranked[i + 1];
    if (next && next.score === r.score) return;
    const precision = tp / (i + 1);
    const recall = nTruth > 0 ? tp / nTruth : 0;
    points.push({ threshold: r.score, precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 });
  });
  let best: PrPoint = { threshold: 0.5, precision: 0, recall: 0, f1: 0 };
  for (const p of points) if (p.f1 > best.f1) best = p;
  return { points, best };
}

/** Keeps about `n` PR points (for the summary), always the first, last and best ones. */
function thin(points: PrPoint[], best: PrPoint, n = 50): PrPoint[] {
  if (points.length <= n) return points;
  const step = points.length / n;
  const out = new Set<PrPoint>([points[0]!, points[points.length - 1]!, best]);
  for (let i = 0; i < points.length; i += step) out.add(points[Math.floor(i)]!);
  return [...out].sort((a, b) => b.threshold - a.threshold);
}

export interface LabelMetrics {
  label: string;
  /** Ground-truth objects (detection) or images (classification) of the label. */
  support: number;
  precision: number;
  recall: number;
  f1: number;
  /** Threshold the metrics above are taken at: the given one, else the best-F1 score. */
  threshold: number;
  /** Best-F1 point on this data. */
  bestF1: PrPoint;
  ap50: number;
  /** Detection only: AP averaged over IoU 0.5:0.05:0.95. */
  ap50to95?: number;
  prCurve: PrPoint[];
}

export interface ImageOutcome {
  image: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

export interface Evaluation {
  kind: 'classification' | 'detection';
  labels: LabelMetrics[];
  aggregate: { precision: number; recall: number; f1: number };
  /** Mean over labels with ground truth (VOC/COCO all-point AP). */
  map50: number;
  map50to95?: number;
  /** Classification: share of images whose top label is a true label. */
  accuracy?: number;
  /** Classification: rows = ground truth, columns = top predicted label (counts). */
  confusionMatrix?: { labels: string[]; counts: number[][] };
  images: ImageOutcome[];
  apInterpolation: 'all-point (VOC 2010+/Cartucho)';
}

const f1of = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);
const mean = (xs: number[]) => {
  const v = xs.filter((x) => Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
};

/**
 * Each label's best-F1 score on an evaluation's data (Rekognition's assumed threshold), or
 * `fallback[label]` (else `otherwise`) for a label without ground truth there or never found.
 */
export function bestF1Thresholds(ev: Evaluation, fallback: Record<string, number> = {}, otherwise = 0.5): Record<string, number> {
  return Object.fromEntries(ev.labels.map((l) => [l.label, l.support > 0 && l.bestF1.f1 > 0 ? l.bestF1.threshold : fallback[l.label] ?? otherwise]));
}

/**
 * One threshold for every label: the score with the best aggregate F1 at IoU 0.5 (the labels'
 * ranked matches pooled into one precision-recall curve). With few validation boxes per label,
 * per-label best-F1 points are noisy: on playing cards (6 labels, ~5 validation boxes each, 3
 * benchmark splits) the test F1 at the validation split's per-label thresholds was 0.648, at its
 * shared one 0.701 (0.803 at the test split's own per-label thresholds). Undefined when nothing
 * matches.
 */
export function sharedBestF1Threshold(
  data: { truth: LabelledBox[]; predictions: ScoredBox[] }[],
  labels: string[],
  iouFn: (a: Box, b: Box) => number = iou,
): number | undefined {
  const ranked: { score: number; tp: boolean }[] = [];
  let nTruth = 0;
  for (const label of labels) {
    const m = matchLabel(labelImages(data, label), 0.5, iouFn);
    ranked.push(...m.ranked);
    nTruth += m.nTruth;
  }
  const best = prCurve(ranked.sort((a, b) => b.score - a.score), nTruth).best;
  return best.f1 > 0 ? best.threshold : undefined;
}

/** One label's ground truth and predictions per image. */
function labelImages(data: { truth: LabelledBox[]; predictions: ScoredBox[] }[], label: string) {
  return data.map((d) => ({
    truth: d.truth.filter((t) => t.label === label).map((t) => t.box),
    predictions: d.predictions.filter((p) => p.label === label),
  }));
}

export const COCO_IOUS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

/**
 * Detection evaluation. `thresholds`: the assumed per-label thresholds (e.g. from the validation
 * split); when absent each label is reported at its best-F1 point on this data.
 */
export function evaluateDetection(
  data: { truth: LabelledBox[]; predictions: ScoredBox[] }[],
  labels: string[],
  thresholds?: Record<string, number>,
  iouFn: (a: Box, b: Box) => number = iou,
): Evaluation {
  const per: LabelMetrics[] = [];
  const imageOut: ImageOutcome[] = data.map((_, i) => ({ image: i, truePositives: 0, falsePositives: 0, falseNegatives: 0 }));
  let tpAll = 0;
  let fpAll = 0;
  let fnAll = 0;
  for (const label of labels) {
    const images = labelImages(data, label);
    const ap = COCO_IOUS.map((t) => {
      const m = matchLabel(images, t, iouFn);
      return averagePrecision(m.ranked.map((r) => r.tp), m.nTruth);
    });
    const m50 = matchLabel(images, 0.5, iouFn);
    const curve = prCurve(m50.ranked, m50.nTruth);
    const threshold = thresholds?.[label] ?? curve.best.threshold;
    let tp = 0;
    let fp = 0;
    for (const r of m50.ranked) {
      if (r.score < threshold) continue;
      if (r.tp) {
        tp++;
        imageOut[r.image]!.truePositives++;
      } else {
        fp++;
        imageOut[r.image]!.falsePositives++;
      }
    }
    const fn = m50.nTruth - tp;
    const tpsByImage = new Map<number, number>();
    for (const r of m50.ranked) if (r.score >= threshold && r.tp) tpsByImage.set(r.image, (tpsByImage.get(r.image) ?? 0) + 1);
    images.forEach((im, i) => (imageOut[i]!.falseNegatives += im.truth.length - (tpsByImage.get(i) ?? 0)));
    tpAll += tp;
    fpAll += fp;
    fnAll += fn;
    const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
    const recall = m50.nTruth > 0 ? tp / m50.nTruth : 0;
    per.push({
      label, support: m50.nTruth, precision, recall, f1: f1of(precision, recall), threshold, bestF1: curve.best,
      ap50: ap[0]!, ap50to95: mean(ap), prCurve: thin(curve.points, curve.best),
    });
  }
  const precision = tpAll + fpAll > 0 ? tpAll / (tpAll + fpAll) : 0;
  const recall = tpAll + fnAll > 0 ? tpAll / (tpAll + fnAll) : 0;
  const withTruth = per.filter((p) => p.support > 0);
  return {
    kind: 'detection', labels: per, aggregate: { precision, recall, f1: f1of(precision, recall) },
    map50: mean(withTruth.map((p) => p.ap50)), map50to95: mean(withTruth.map((p) => p.ap50to95!)),
    images: imageOut, apInterpolation: 'all-point (VOC 2010+/Cartucho)',
  };
}

/** Classification evaluation: per image the true labels and a score per label. */
export function evaluateClassification(
  data: { truth: string[]; scores: Record<string, number> }[],
  labels: string[],
  thresholds?: Record<string, number>,
): Evaluation {
  const imageOut: ImageOutcome[] = data.map((_, i) => ({ image: i, truePositives: 0, falsePositives: 0, falseNegatives: 0 }));
  let tpAll = 0;
  let fpAll = 0;
  let fnAll = 0;
  const per: LabelMetrics[] = labels.map((label) => {
    const ranked = data
      .map((d, i) => ({ score: d.scores[label] ?? 0, tp: d.truth.includes(label), image: i }))
      .sort((a, b) => b.score - a.score);
    const nTruth = data.filter((d) => d.truth.includes(label)).length;
    const curve = prCurve(ranked, nTruth);
    const threshold = thresholds?.[label] ?? curve.best.threshold;
    let tp = 0;
    let fp = 0;
    for (const r of ranked) {
      const yes = r.score >= threshold;
      if (yes && r.tp) (tp++, imageOut[r.image]!.truePositives++);
      else if (yes) (fp++, imageOut[r.image]!.falsePositives++);
      else if (r.tp) imageOut[r.image]!.falseNegatives++;
    }
    tpAll += tp;
    fpAll += fp;
    fnAll += nTruth - tp;
    const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
    const recall = nTruth > 0 ? tp / nTruth : 0;
    return {
      label, support: nTruth, precision, recall, f1: f1of(precision, recall), threshold, bestF1: curve.best,
      ap50: averagePrecision(ranked.map((r) => r.tp), nTruth), prCurve: thin(curve.points, curve.best),
    };
  });
  const counts = labels.map(() => labels.map(() => 0));
  let correct = 0;
  for (const d of data) {
    let top = 0;
    labels.forEach((l, k) => {
      if ((d.scores[l] ?? 0) > (d.scores[labels[top]!] ?? 0)) top = k;
    });
    if (d.truth.includes(labels[top]!)) correct++;
    for (const t of d.truth) {
      const row = labels.indexOf(t);
      if (row >= 0) counts[row]![top]!++;
    }
  }
  const precision = tpAll + fpAll > 0 ? tpAll / (tpAll + fpAll) : 0;
  const recall = tpAll + fnAll > 0 ? tpAll / (tpAll + fnAll) : 0;
  return {
    kind: 'classification', labels: per, aggregate: { precision, recall, f1: f1of(precision, recall) },
    map50: mean(per.filter((p) => p.support > 0).map((p) => p.ap50)), accuracy: data.length ? correct / data.length : 0,
    confusionMatrix: { labels, counts }, images: imageOut, apInterpolation: 'all-point (VOC 2010+/Cartucho)',
  };
}

/**
 * The Rekognition Custom Labels evaluation summary file (customlabels-dg/im-summary-file-api):
 * Version 1, AggregatedEvaluationResults (F1/Precision/Recall, and for classification a
 * ConfusionMatrix of shares per ground-truth row), EvaluationDetails, LabelEvaluationResults.
 * Argus adds AP figures and PR curves under `Argus*` keys, which SDKs ignore.
 */
export function rekognitionSummary(
  ev: Evaluation,
  details: { projectVersionArn?: string; evaluationEndTimestamp?: Date; numberOfTrainingImages: number; numberOfTestingImages: number; testSources?: readonly (string | undefined)[] },
): Record<string, unknown> {
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  const agg: Record<string, unknown> = { F1Score: r(ev.aggregate.f1), Precision: r(ev.aggregate.precision), Recall: r(ev.aggregate.recall) };
  if (ev.confusionMatrix) {
    const cm = ev.confusionMatrix;
    agg.ConfusionMatrix = cm.labels.flatMap((g, i) => {
      const total = cm.counts[i]!.reduce((a, b) => a + b, 0);
      return cm.labels.map((p, j) => ({ GroundTruthLabel: g, PredictedLabel: p, Value: total ? r(cm.counts[i]![j]! / total) : 0 }));
    });
  }
  return {
    Version: 1,
    AggregatedEvaluationResults: agg,
    EvaluationDetails: {
      EvaluationEndTimestamp: (details.evaluationEndTimestamp ?? new Date()).toISOString(),
      Labels: ev.labels.map((l) => l.label),
      NumberOfTestingImages: details.numberOfTestingImages,
      NumberOfTrainingImages: details.numberOfTrainingImages,
      ...(details.projectVersionArn ? { ProjectVersionArn: details.projectVersionArn } : {}),
    },
    LabelEvaluationResults: ev.labels.map((l) => ({
      Label: l.label,
      Metrics: { F1Score: r(l.f1), Precision: r(l.precision), Recall: r(l.recall), Threshold: r(l.threshold) },
      NumberOfTestingImages: l.support,
    })),
    ArgusMetrics: {
      ApInterpolation: ev.apInterpolation,
      MeanAveragePrecision50: r(ev.map50),
      ...(ev.map50to95 !== undefined ? { MeanAveragePrecision50To95: r(ev.map50to95) } : {}),
      ...(ev.accuracy !== undefined ? { Accuracy: r(ev.accuracy) } : {}),
      Labels: ev.labels.map((l) => ({
        Label: l.label, AP50: r(l.ap50), ...(l.ap50to95 !== undefined ? { AP50To95: r(l.ap50to95) } : {}),
        BestF1: { Threshold: r(l.bestF1.threshold), F1Score: r(l.bestF1.f1) },
        PrecisionRecallCurve: l.prCurve.map((p) => ({ Threshold: r(p.threshold), Precision: r(p.precision), Recall: r(p.recall) })),
      })),
      Images: ev.images.map((i) => ({ Image: i.image, ...(details.testSources?.[i.image] ? { SourceRef: details.testSources[i.image] } : {}), TruePositives: i.truePositives, FalsePositives: i.falsePositives, FalseNegatives: i.falseNegatives })),
    },
  };
}
