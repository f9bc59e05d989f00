/**
 * What the face pipeline finds for one face, in image ratios. The wire mapping to Rekognition's
 * FaceDetail is operations/face-wire.ts. Attributes are present only when requested and only
 * where a model really predicts them (never invented).
 */
import type { Box } from '../boxes.js';

export interface Point {
  x: number;
  y: number;
}

/** Rekognition's landmark types (Landmark.Type). */
export type LandmarkType =
  | 'eyeLeft' | 'eyeRight' | 'nose' | 'mouthLeft' | 'mouthRight'
  | 'leftEyeBrowLeft' | 'leftEyeBrowRight' | 'leftEyeBrowUp'
  | 'rightEyeBrowLeft' | 'rightEyeBrowRight' | 'rightEyeBrowUp'
  | 'leftEyeLeft' | 'leftEyeRight' | 'leftEyeUp' | 'leftEyeDown'
  | 'rightEyeLeft' | 'rightEyeRight' | 'rightEyeUp' | 'rightEyeDown'
  | 'noseLeft' | 'noseRight' | 'mouthUp' | 'mouthDown'
  | 'leftPupil' | 'rightPupil' | 'upperJawlineLeft' | 'midJawlineLeft' | 'chinBottom'
  | 'midJawlineRight' | 'upperJawlineRight';

export interface Landmark extends Point {
  type: LandmarkType;
}

/** Degrees. */
export interface Pose {
  roll: number;
  yaw: number;
  pitch: number;
}

/** 0-100, as Rekognition's ImageQuality. */
export interface FaceQuality {
  brightness: number;
  sharpness: number;
}

export interface Flag {
  value: boolean;
  /** 0-100 */
  confidence: number;
}

export type EmotionType = 'HAPPY' | 'SAD' | 'ANGRY' | 'CONFUSED' | 'DISGUSTED' | 'SURPRISED' | 'CALM' | 'FEAR';

export interface FaceAttributes {
  ageRange?: { low: number; high: number };
  gender?: { value: 'Male' | 'Female'; confidence: number };
  emotions?: { type: EmotionType; confidence: number }[];
  smile?: Flag;
  eyesOpen?: Flag;
  mouthOpen?: Flag;
  faceOccluded?: Flag;
  /** Degrees, with a 0-100 confidence (the mesh's face score: the iris model has none of its own). */
  eyeDirection?: { yaw: number; pitch: number; confidence: number };
}

/** Rekognition's FaceAttribute names a caller may ask for (besides DEFAULT and ALL). */
export const FACE_ATTRIBUTE_NAMES = Object.freeze([
  'AGE_RANGE', 'GENDER', 'EMOTIONS', 'SMILE', 'EYES_OPEN', 'MOUTH_OPEN', 'FACE_OCCLUDED', 'EYE_DIRECTION',
  'BEARD', 'MUSTACHE', 'EYEGLASSES', 'SUNGLASSES',
] as const);

export interface AnalyzedFace {
  box: Box;
  /** 0-100 */
  confidence: number;
  landmarks: Landmark[];
  pose: Pose;
  quality: FaceQuality;
  attributes: FaceAttributes;
  /** L2-normalised identity embedding, when asked for. */
  embedding?: Float32Array;
}
