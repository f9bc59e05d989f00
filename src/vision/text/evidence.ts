/**
 * DetectLabels' "Text" and "Document" labels from the text detector alone (no recognition, to keep
 * DetectLabels cheap). Measured on the 761 photos of ../shared/eval-data with the detector at 640 px
 * (33 of them hold text the recogniser reads, a word of 3+ characters at 90%+):
 *  - the best region's score separates them only roughly. It maps to a confidence that crosses
 *    DetectLabels' default MinConfidence (55) at 0.90, which marks 22 of the 33 and 12 of the 728
 *    others (1.6%: playing-card indices, small stickers on cupboards); a cut at 0.85 would mark 25
 *    and 29 (4%), at 0.96 6 and 1. At 480 px only 14 of the 33 would be marked;
 *  - "Document" (text-dense): at least 8 regions scoring 0.7+ covering at least 10% of the image.
 *    Both receipts qualify (50 regions / 16%, 24 / 40%); the densest other photos do not (a poster
 *    with 10 regions over 4%, a book cover with 6 over 12%).
 * Pure.
 */
import type { FoundLabel } from '../taxonomy.js';
import { polygonArea, type Quad } from './geometry.js';

export interface ScoredRegion {
  quad: Quad;
  score: number;
}

/** (best region score, confidence) anchors, linear in between; below the first, no label. */
const TEXT_CONFIDENCE: readonly (readonly [number, number])[] = [
  [0.85, 35],
  [0.9, 55],
  [0.94, 70],
  [0.96, 80],
  [1, 90],
];
const DENSE_SCORE = 0.7;
/** The detector's input for this evidence: the long side at most 640 px (median 56 ms on one core). */
export const TEXT_EVIDENCE_MAX_SIDE = 640;
/** The labels this evidence can add. */
export const TEXT_EVIDENCE_LABELS: readonly string[] = Object.freeze(['Text', 'Document']);
const DENSE_REGIONS = 8;
const DENSE_AREA = 0.1;

export function textConfidence(bestScore: number): number | undefined {
  const [first] = TEXT_CONFIDENCE;
  if (!first || bestScore < first[0]) return undefined;
  for (let i = 1; i < TEXT_CONFIDENCE.length; i++) {
    const [s0, c0] = TEXT_CONFIDENCE[i - 1]!;
    const [s1, c1] = TEXT_CONFIDENCE[i]!;
    if (bestScore <= s1) return c0 + ((c1 - c0) * (bestScore - s0)) / (s1 - s0);
  }
  return TEXT_CONFIDENCE[TEXT_CONFIDENCE.length - 1]![1];
}

/** Text (and Document) labels for regions found in a `width` x `height` image (region quads in its pixels). */
export function textLabels(regions: readonly ScoredRegion[], width: number, height: number): FoundLabel[] {
  const best = Math.max(0, ...regions.map((r) => r.score));
  const confidence = textConfidence(best);
  if (confidence === undefined) return [];
  const dense = regions.filter((r) => r.score >= DENSE_SCORE);
  const covered = dense.reduce((a, r) => a + polygonArea(r.quad), 0) / (width * height);
  const out: FoundLabel[] = [{ name: 'Text', confidence }];
  if (dense.length >= DENSE_REGIONS && covered >= DENSE_AREA) out.push({ name: 'Document', confidence });
  return out;
}
