/**
 * DetectModerationLabels from an NSFW image classifier (GantMan's nsfw_model, as shipped by
 * nsfwjs): input preparation, and the mapping of its 5 classes onto Rekognition's three-level
 * moderation taxonomy and ContentTypes. Pure.
 *
 * The classes and what they can honestly be reported as (Rekognition taxonomy v7,
 * https://docs.aws.amazon.com/rekognition/latest/dg/moderation-api.html):
 *  - Porn (pornographic photos) and Hentai (pornographic drawings, anime and manga) ->
 *    L1 "Explicit" and its L2 "Explicit Nudity". The classes do not say which body part (L3) nor
 *    whether a sexual act or a sex toy is shown, so no L3 label and no other L2 is returned.
 *    Their probabilities are added: the classes are exclusive, so P(explicit) = P(Porn) + P(Hentai).
 *  - Sexy (revealing clothes, swimwear, lingerie, no explicit nudity) -> L1 "Swimwear or
 *    Underwear" only: the model cannot tell female from male (the L2s), nor swimwear from the
 *    partial nudity of "Non-Explicit Nudity of Intimate parts and Kissing", which is never returned.
 *  - Hentai -> ContentTypes "Animated" (Rekognition: cartoons, comics, manga, anime);
 *    Drawing (safe drawings, anime included) -> ContentTypes "Illustrated" (drawings, paintings,
 *    sketches). Drawing is not a moderation label.
 *  - Neutral -> nothing.
 * Violence, Visually Disturbing, Drugs & Tobacco, Alcohol, Gambling, Hate Symbols and Rude Gestures
 * are not covered by any model of the pack and are never returned (NOT_COVERED).
 *
 * Confidence is the model's softmax probability x 100. It is not recalibrated: there are no
 * labelled unsafe images offline to calibrate against (the safe-photo false-positive rate is in
 * bench/moderation-eval.ts).
 *
 * Example:
 *   const scores = nsfwScores(output);            // { Drawing: 0.01, Hentai: 0.0, Neutral: 0.2, Porn: 0.7, Sexy: 0.09 }
 *   moderationLabels(scores, 50)                  // [Explicit 70 (L1), Explicit Nudity 70 (L2, parent Explicit)]
 */
import type { FoundLabel } from './taxonomy.js';

export const NSFW_CLASSES = Object.freeze(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const);
export type NsfwClass = (typeof NSFW_CLASSES)[number];
/** Class probabilities, 0–1, summing to 1. */
export type NsfwScores = Readonly<Record<NsfwClass, number>>;

/**
 * What a classifier's classes signal: the taxonomy labels and ContentTypes Argus may return from it,
 * each made of the summed probabilities of some of its classes. A stronger or broader classifier
 * (violence, drugs, ...) plugs in as a catalogue manifest plus a spec with its own evidence table.
 */
export interface ModerationEvidence {
  /** Class names in output order. */
  classes: readonly string[];
  labels: readonly { name: string; classes: readonly string[] }[];
  contentTypes: readonly { name: ContentTypeResult['name']; classes: readonly string[] }[];
}

/** The classifier models of the catalogue, by configuration name (ARGUS_MODERATION_MODEL). */
export interface ModerationModelSpec {
  /** Catalogue id. */
  model: string;
  /** Square input side. */
  inputSize: number;
  input: string;
  output: string;
  /** ModerationModelVersion in responses. */
  version: string;
  evidence: ModerationEvidence;
}

/**
 * The classifier's input from `size` x `size` interleaved RGB bytes (the image stretched to the
 * square, as nsfw_model was trained): float32 NHWC in [0, 1], as nsfwjs feeds it.
 */
export function classifierInput(rgb: Uint8Array, size: number): Float32Array {
  if (rgb.length !== size * size * 3) throw new RangeError(`classifierInput: expected ${size}x${size}x3 bytes, got ${rgb.length}`);
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = rgb[i]! / 255;
  return out;
}

/** A classifier's outputs as named probabilities, `classes` in output order. */
export function classScores(output: ArrayLike<number>, classes: readonly string[]): ClassScores {
  if (output.length !== classes.length) throw new RangeError(`classScores: expected ${classes.length} values, got ${output.length}`);
  const s: Record<string, number> = {};
  classes.forEach((c, i) => (s[c] = output[i]!));
  return Object.freeze(s);
}

/** nsfw_model's 5 outputs as named probabilities. */
export const nsfwScores = (output: ArrayLike<number>): NsfwScores => classScores(output, NSFW_CLASSES) as NsfwScores;

/** The class with the highest probability. */
export function topClass(scores: NsfwScores): NsfwClass {
  return NSFW_CLASSES.reduce((best, c) => (scores[c] > scores[best] ? c : best), NSFW_CLASSES[0]);
}

export interface ModerationLabelResult {
  name: string;
  /** '' at the top level. */
  parentName: string;
  taxonomyLevel: 1 | 2 | 3;
  confidence: number;
}

export interface ContentTypeResult {
  name: 'Animated' | 'Illustrated';
  confidence: number;
}

interface Node {
  name: string;
  parent: string;
  level: 1 | 2 | 3;
}

/** Rekognition's moderation taxonomy v7 (L1 -> L2 -> L3), as documented. */
export const MODERATION_TAXONOMY: readonly Node[] = Object.freeze(
  (
    [
      ['Explicit', '', 1],
      ['Explicit Nudity', 'Explicit', 2],
      ['Exposed Male Genitalia', 'Explicit Nudity', 3],
      ['Exposed Female Genitalia', 'Explicit Nudity', 3],
      ['Exposed Buttocks or Anus', 'Explicit Nudity', 3],
      ['Exposed Female Nipple', 'Explicit Nudity', 3],
      ['Explicit Sexual Activity', 'Explicit', 2],
      ['Sex Toys', 'Explicit', 2],
      ['Non-Explicit Nudity of Intimate parts and Kissing', '', 1],
      ['Non-Explicit Nudity', 'Non-Explicit Nudity of Intimate parts and Kissing', 2],
      ['Bare Back', 'Non-Explicit Nudity', 3],
      ['Exposed Male Nipple', 'Non-Explicit Nudity', 3],
      ['Partially Exposed Buttocks', 'Non-Explicit Nudity', 3],
      ['Partially Exposed Female Breast', 'Non-Explicit Nudity', 3],
      ['Implied Nudity', 'Non-Explicit Nudity', 3],
      ['Obstructed Intimate Parts', 'Non-Explicit Nudity of Intimate parts and Kissing', 2],
      ['Obstructed Female Nipple', 'Obstructed Intimate Parts', 3],
      ['Obstructed Male Genitalia', 'Obstructed Intimate Parts', 3],
      ['Kissing on the Lips', 'Non-Explicit Nudity of Intimate parts and Kissing', 2],
      ['Swimwear or Underwear', '', 1],
      ['Female Swimwear or Underwear', 'Swimwear or Underwear', 2],
      ['Male Swimwear or Underwear', 'Swimwear or Underwear', 2],
      ['Violence', '', 1],
      ['Weapons', 'Violence', 2],
      ['Graphic Violence', 'Violence', 2],
      ['Weapon Violence', 'Graphic Violence', 3],
      ['Physical Violence', 'Graphic Violence', 3],
      ['Self-Harm', 'Graphic Violence', 3],
      ['Blood & Gore', 'Graphic Violence', 3],
      ['Explosions and Blasts', 'Graphic Violence', 3],
      ['Visually Disturbing', '', 1],
      ['Death and Emaciation', 'Visually Disturbing', 2],
      ['Emaciated Bodies', 'Death and Emaciation', 3],
      ['Corpses', 'Death and Emaciation', 3],
      ['Crashes', 'Visually Disturbing', 2],
      ['Air Crash', 'Crashes', 3],
      ['Drugs & Tobacco', '', 1],
      ['Products', 'Drugs & Tobacco', 2],
      ['Pills', 'Products', 3],
      ['Drugs & Tobacco Paraphernalia & Use', 'Drugs & Tobacco', 2],
      ['Smoking', 'Drugs & Tobacco Paraphernalia & Use', 3],
      ['Alcohol', '', 1],
      ['Alcohol Use', 'Alcohol', 2],
      ['Drinking', 'Alcohol Use', 3],
      ['Alcoholic Beverages', 'Alcohol', 2],
      ['Rude Gestures', '', 1],
      ['Middle Finger', 'Rude Gestures', 2],
      ['Gambling', '', 1],
      ['Hate Symbols', '', 1],
      ['Nazi Party', 'Hate Symbols', 2],
      ['White Supremacy', 'Hate Symbols', 2],
      ['Extremist', 'Hate Symbols', 2],
    ] as const
  ).map(([name, parent, level]) => Object.freeze({ name, parent, level })),
);

/** nsfw_model's classes and what they signal (see the module comment). */
export const NSFW_EVIDENCE: ModerationEvidence = Object.freeze<ModerationEvidence>({
  classes: NSFW_CLASSES,
  labels: [
    { name: 'Explicit', classes: ['Porn', 'Hentai'] },
    { name: 'Explicit Nudity', classes: ['Porn', 'Hentai'] },
    { name: 'Swimwear or Underwear', classes: ['Sexy'] },
  ],
  contentTypes: [
    { name: 'Animated', classes: ['Hentai'] },
    { name: 'Illustrated', classes: ['Drawing'] },
  ],
});

export const MODERATION_MODELS: Readonly<Record<'mobilenet-v2' | 'inception-v3', ModerationModelSpec>> = Object.freeze({
  'mobilenet-v2': { model: 'nsfw-mobilenet-v2', inputSize: 224, input: 'input_1', output: 'dense_3', version: 'argus/nsfw-mobilenet-v2', evidence: NSFW_EVIDENCE },
  'inception-v3': { model: 'nsfw-inception-v3', inputSize: 299, input: 'input_1', output: 'dense_3', version: 'argus/nsfw-inception-v3', evidence: NSFW_EVIDENCE },
});
export type ModerationModelName = keyof typeof MODERATION_MODELS;

/** The taxonomy's top-level categories no model of the pack covers: never returned. */
export const NOT_COVERED: readonly string[] = Object.freeze(['Violence', 'Visually Disturbing', 'Drugs & Tobacco', 'Alcohol', 'Rude Gestures', 'Gambling', 'Hate Symbols']);

/** Labels the default classifiers can return at all, for documentation and tests. */
export const COVERED_LABELS: readonly string[] = Object.freeze(NSFW_EVIDENCE.labels.map((e) => e.name));

/** Class probabilities by name (NsfwScores for nsfw_model). */
export type ClassScores = Readonly<Record<string, number>>;

const sum = (scores: ClassScores, classes: readonly string[]) => Math.min(1, classes.reduce((a, c) => a + (scores[c] ?? 0), 0));

function node(name: string): Node {
  const n = MODERATION_TAXONOMY.find((x) => x.name === name);
  if (!n) throw new Error(`'${name}' is not in the moderation taxonomy`);
  return n;
}

/**
 * ModerationLabels at or above `minConfidence` (0–100), each with its ParentName and level, parents
 * before children (level, then confidence, descending).
 */
export function moderationLabels(scores: ClassScores, minConfidence: number, evidence: ModerationEvidence = NSFW_EVIDENCE): ModerationLabelResult[] {
  const out: ModerationLabelResult[] = [];
  for (const e of evidence.labels) {
    const confidence = 100 * sum(scores, e.classes);
    if (confidence < minConfidence) continue;
    const n = node(e.name);
    out.push({ name: n.name, parentName: n.parent, taxonomyLevel: n.level, confidence });
  }
  // With NSFW_EVIDENCE a child never outscores its parent (same classes), so the chain is complete.
  return out.sort((a, b) => a.taxonomyLevel - b.taxonomyLevel || b.confidence - a.confidence || a.name.localeCompare(b.name));
}

/** ContentTypes at or above `minConfidence`, most likely first. */
export function contentTypes(scores: ClassScores, minConfidence: number, evidence: ModerationEvidence = NSFW_EVIDENCE): ContentTypeResult[] {
  return evidence.contentTypes
    .map((e) => ({ name: e.name, confidence: 100 * sum(scores, e.classes) }))
    .filter((c) => c.confidence >= minConfidence)
    .sort((a, b) => b.confidence - a.confidence);
}

/**
 * DetectLabels' Drawing/Illustration need P(Drawing) + P(Hentai) at least this. On the 761 photos of
 * shared/eval-data (bench/moderation-eval.ts) InceptionV3 reaches it only on Munch's The Scream, a
 * painting (0.91); its next highest is a playing card (0.73). MobileNetV2's highest is 0.79 (a blank
 * white image).
 */
export const ART_MIN_PROBABILITY = 0.8;

/** DetectLabels' art labels: what the classifier can add, for the filters' sake. */
export const ART_EVIDENCE_LABELS: readonly string[] = Object.freeze(['Drawing', 'Illustration']);

/**
 * "Drawing" and "Illustration" (Art is their parent in the label taxonomy) when the image is drawn:
 * P(Drawing) + P(Hentai), both classes being drawings, at or above `minProbability`.
 */
export function artLabels(scores: ClassScores, minProbability: number): FoundLabel[] {
  const drawn = sum(scores, ['Drawing', 'Hentai']);
  if (drawn < minProbability) return [];
  return ART_EVIDENCE_LABELS.map((name) => ({ name, confidence: 100 * drawn }));
}
