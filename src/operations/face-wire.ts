/** Faces on the wire: FaceDetail, ComparedFace and the Attributes request parameter. */
import type { ComparedFace, FaceDetail } from '@aws-sdk/client-rekognition';
import type { AnalyzedFace } from '../vision/faces/face.js';
import type { FaceAttributeRequest } from '../services/face-engine.js';
import { boundingBox } from './wire.js';

/** Rekognition's Attributes / DetectionAttributes list: DEFAULT unless ALL or named attributes are given. */
export function attributeRequest(list: readonly string[] | undefined): FaceAttributeRequest {
  const names = new Set(list ?? []);
  if (names.has('ALL')) return 'ALL';
  names.delete('DEFAULT');
  return names.size ? names : 'DEFAULT';
}

const flag = (f: { value: boolean; confidence: number }) => ({ Value: f.value, Confidence: f.confidence });

/** The full FaceDetail: the default fields, plus the attributes that were computed. */
export function faceDetail(f: AnalyzedFace): FaceDetail {
  const a = f.attributes;
  const out: FaceDetail = {
    BoundingBox: boundingBox(f.box),
    ...(a.ageRange ? { AgeRange: { Low: a.ageRange.low, High: a.ageRange.high } } : {}),
    ...(a.smile ? { Smile: flag(a.smile) } : {}),
    ...(a.gender ? { Gender: { Value: a.gender.value, Confidence: a.gender.confidence } } : {}),
    ...(a.eyesOpen ? { EyesOpen: flag(a.eyesOpen) } : {}),
    ...(a.mouthOpen ? { MouthOpen: flag(a.mouthOpen) } : {}),
    ...(a.emotions ? { Emotions: a.emotions.map((e) => ({ Type: e.type, Confidence: e.confidence })) } : {}),
    ...comparedFaceParts(f),
    ...(a.faceOccluded ? { FaceOccluded: flag(a.faceOccluded) } : {}),
    ...(a.eyeDirection ? { EyeDirection: { Yaw: a.eyeDirection.yaw, Pitch: a.eyeDirection.pitch, Confidence: a.eyeDirection.confidence } } : {}),
  };
  return out;
}

function comparedFaceParts(f: AnalyzedFace) {
  return {
    Landmarks: f.landmarks.map((l) => ({ Type: l.type, X: l.x, Y: l.y })),
    Pose: { Roll: f.pose.roll, Yaw: f.pose.yaw, Pitch: f.pose.pitch },
    Quality: { Brightness: f.quality.brightness, Sharpness: f.quality.sharpness },
    Confidence: f.confidence,
  };
}

/** CompareFaces' ComparedFace: box, confidence, landmarks, pose, quality (and emotions/smile when computed). */
export function comparedFace(f: AnalyzedFace): ComparedFace {
  return {
    BoundingBox: boundingBox(f.box),
    ...comparedFaceParts(f),
    ...(f.attributes.emotions ? { Emotions: f.attributes.emotions.map((e) => ({ Type: e.type, Confidence: e.confidence })) } : {}),
    ...(f.attributes.smile ? { Smile: flag(f.attributes.smile) } : {}),
  };
}
