/**
 * Maps raw detector scores to Rekognition-style confidences (0–100). The detectors' scores are
 * low for clear objects (CenterNet gives a plain, unoccluded person about 0.6–0.8), while
 * Rekognition's default MinConfidence of 55 assumes confidences where ~55 is the useful cut-off.
 * confidence = 100 * (1 - (1 - score)^k), with k chosen per model so that the score at which
 * the detector's precision on coco8 drops below ~0.5 maps to 55 (see bench/detector-eval.ts).
 */
const K: Readonly<Record<string, number>> = Object.freeze({ centernet: 3.6, nanodet: 3.6 });

export function calibratedConfidence(model: string, score: number): number {
  const k = K[model] ?? 1;
  return 100 * (1 - Math.pow(1 - Math.min(1, Math.max(0, score)), k));
}
