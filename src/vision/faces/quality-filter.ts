/**
 * Rekognition's QualityFilter for faces (IndexFaces, SearchFacesByImage, SearchUsersByImage):
 * NONE keeps every face; LOW, MEDIUM and HIGH are bars of rising strictness; AUTO is Argus'
 * choice (the LOW bar, so that ordinary photos are never dropped by accident). A face below a bar
 * gets the Reasons Rekognition uses. The bars are Argus' own: Rekognition publishes none.
 */
import type { AnalyzedFace } from './face.js';

export type QualityFilter = 'NONE' | 'AUTO' | 'LOW' | 'MEDIUM' | 'HIGH';
export type QualityReason = 'EXTREME_POSE' | 'LOW_BRIGHTNESS' | 'LOW_SHARPNESS' | 'LOW_CONFIDENCE' | 'SMALL_BOUNDING_BOX' | 'LOW_FACE_QUALITY';

interface Bar {
  /** Detection confidence, 0-100. */
  confidence: number;
  /** Shorter side of the face box, pixels. */
  side: number;
  /** Degrees. */
  yaw: number;
  pitch: number;
  /** Face brightness and sharpness, 0-100. */
  brightness: number;
  sharpness: number;
  /** Their mean: a face that passes each bar narrowly but is poor overall. */
  overall: number;
}

const BARS: Readonly<Record<Exclude<QualityFilter, 'NONE' | 'AUTO'>, Bar>> = Object.freeze({
  LOW: { confidence: 50, side: 20, yaw: 75, pitch: 60, brightness: 8, sharpness: 3, overall: 10 },
  MEDIUM: { confidence: 80, side: 32, yaw: 60, pitch: 45, brightness: 15, sharpness: 8, overall: 20 },
  HIGH: { confidence: 95, side: 48, yaw: 45, pitch: 30, brightness: 25, sharpness: 15, overall: 30 },
});

/** Why `face` falls below `filter` (empty: it passes). `width`/`height`: the image, in pixels. */
export function qualityReasons(face: AnalyzedFace, filter: QualityFilter, width: number, height: number): QualityReason[] {
  if (filter === 'NONE') return [];
  const bar = BARS[filter === 'AUTO' ? 'LOW' : filter];
  const reasons: QualityReason[] = [];
  if (Math.abs(face.pose.yaw) > bar.yaw || Math.abs(face.pose.pitch) > bar.pitch) reasons.push('EXTREME_POSE');
  if (face.quality.brightness < bar.brightness) reasons.push('LOW_BRIGHTNESS');
  if (face.quality.sharpness < bar.sharpness) reasons.push('LOW_SHARPNESS');
  if (face.confidence < bar.confidence) reasons.push('LOW_CONFIDENCE');
  if (Math.min(face.box.width * width, face.box.height * height) < bar.side) reasons.push('SMALL_BOUNDING_BOX');
  if ((face.quality.brightness + face.quality.sharpness) / 2 < bar.overall) reasons.push('LOW_FACE_QUALITY');
  return reasons;
}
