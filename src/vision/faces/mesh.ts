/**
 * MediaPipe FaceMesh (468 points) on a face crop: its input, decoding back to image pixels, and
 * what Argus derives from the mesh: Rekognition's landmark types, head pose, the five points
 * used to align a face for the embedding, the eye and mouth openness, and the crop window of the
 * next model. Pure; no I/O.
 *
 * Index conventions are MediaPipe's canonical face model. MediaPipe names sides from the
 * subject's point of view; Rekognition's "Left" is the left of the image, so MediaPipe's right
 * eye (33, 133, ...) is Rekognition's eyeLeft.
 */
import { applyAffine, type Affine } from './align.js';
import type { Landmark, LandmarkType, Point, Pose } from './face.js';

export const MESH_SIZE = 192;
export const MESH_POINTS = 468;

export interface Point3 extends Point {
  z: number;
}

/** The model's input: the crop's RGB scaled to 0..1, NHWC. */
export function meshInput(crop: Uint8Array): Float32Array {
  const out = new Float32Array(crop.length);
  for (let i = 0; i < crop.length; i++) out[i] = crop[i]! / 255;
  return out;
}

/** The 468 points in source pixels (z in the same scale as x, relative to the face centre). */
export function decodeMesh(raw: Float32Array | Int32Array, toSource: Affine): Point3[] {
  const scale = Math.hypot(toSource.a, toSource.d);
  const pts: Point3[] = [];
  for (let i = 0; i < MESH_POINTS; i++) {
    const p = applyAffine(toSource, { x: raw[i * 3]!, y: raw[i * 3 + 1]! });
    pts.push({ x: p.x, y: p.y, z: raw[i * 3 + 2]! * scale });
  }
  return pts;
}

/** Mesh indices per Rekognition landmark type (pupils come from the iris model when it runs). */
const LANDMARK_INDEX: Readonly<Record<Exclude<LandmarkType, 'eyeLeft' | 'eyeRight' | 'leftPupil' | 'rightPupil'>, number>> = Object.freeze({
  nose: 1,
  mouthLeft: 61,
  mouthRight: 291,
  leftEyeBrowLeft: 70,
  leftEyeBrowRight: 107,
  leftEyeBrowUp: 105,
  rightEyeBrowLeft: 336,
  rightEyeBrowRight: 300,
  rightEyeBrowUp: 334,
  leftEyeLeft: 33,
  leftEyeRight: 133,
  leftEyeUp: 159,
  leftEyeDown: 145,
  rightEyeLeft: 362,
  rightEyeRight: 263,
  rightEyeUp: 386,
  rightEyeDown: 374,
  noseLeft: 98,
  noseRight: 327,
  mouthUp: 0,
  mouthDown: 17,
  upperJawlineLeft: 234,
  midJawlineLeft: 172,
  chinBottom: 152,
  midJawlineRight: 397,
  upperJawlineRight: 454,
});

/** Eye contours (image-left eye, image-right eye) used for the eye centres. */
export const LEFT_EYE_RING = Object.freeze([33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246]);
export const RIGHT_EYE_RING = Object.freeze([362, 382, 381, 380, 374, 373, 390, 249, 263, 466, 388, 387, 386, 385, 384, 398]);

function mean(mesh: readonly Point3[], idx: readonly number[]): Point {
  let x = 0, y = 0;
  for (const i of idx) {
    x += mesh[i]!.x;
    y += mesh[i]!.y;
  }
  return { x: x / idx.length, y: y / idx.length };
}

/** Centres of the image-left and image-right eyes. */
export function eyeCentres(mesh: readonly Point3[]): [Point, Point] {
  return [mean(mesh, LEFT_EYE_RING), mean(mesh, RIGHT_EYE_RING)];
}

/**
 * Rekognition's landmarks, as ratios of the image. `pupils` (image-left, image-right) come from
 * the iris model; without it the eye centres stand in for them.
 */
export function rekognitionLandmarks(mesh: readonly Point3[], width: number, height: number, pupils?: [Point, Point]): Landmark[] {
  const [el, er] = eyeCentres(mesh);
  const [pl, pr] = pupils ?? [el, er];
  const at = (type: LandmarkType, p: Point): Landmark => ({ type, x: p.x / width, y: p.y / height });
  const out: Landmark[] = [at('eyeLeft', el), at('eyeRight', er)];
  for (const [type, i] of Object.entries(LANDMARK_INDEX) as [LandmarkType, number][]) out.push(at(type, mesh[i]!));
  out.push(at('leftPupil', pl), at('rightPupil', pr));
  return out;
}

/**
 * The five points of the standard ArcFace alignment (image-left eye, image-right eye, nose tip,
 * image-left and image-right mouth corners), in source pixels.
 */
export function alignmentPoints(mesh: readonly Point3[]): Point[] {
  const [el, er] = eyeCentres(mesh);
  return [el, er, mesh[1]!, mesh[61]!, mesh[291]!];
}

/** Where the five alignment points sit in a 112 x 112 aligned face (InsightFace's template). */
export const ARCFACE_TEMPLATE: readonly Point[] = Object.freeze([
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
]);

const DEG = 180 / Math.PI;

/**
 * Head pose in degrees from the mesh's 3-D points: roll from the eye line; yaw and pitch from the
 * normal of the plane through the eye centres and the mouth centre. Signs: roll > 0 when the
 * face tilts clockwise in the image, yaw > 0 when it turns towards the image's right, pitch > 0
 * when it looks up.
 */
export function meshPose(m: readonly Point3[]): Pose {
  const centre = (idx: readonly number[]) => {
    let x = 0, y = 0, z = 0;
    for (const i of idx) {
      x += m[i]!.x; y += m[i]!.y; z += m[i]!.z;
    }
    return { x: x / idx.length, y: y / idx.length, z: z / idx.length };
  };
  const el = centre(LEFT_EYE_RING);
  const er = centre(RIGHT_EYE_RING);
  const mouth = centre([13, 14, 61, 291]);
  const ax = { x: er.x - el.x, y: er.y - el.y, z: er.z - el.z };
  const ay = { x: mouth.x - (el.x + er.x) / 2, y: mouth.y - (el.y + er.y) / 2, z: mouth.z - (el.z + er.z) / 2 };
  // ax x ay: (0, 0, +1) (away from the camera, MediaPipe's +z) for a face looking at the camera.
  const n = { x: ax.y * ay.z - ax.z * ay.y, y: ax.z * ay.x - ax.x * ay.z, z: ax.x * ay.y - ax.y * ay.x };
  const len = Math.hypot(n.x, n.y, n.z) || 1;
  const [nx, ny, nz] = [n.x / len, n.y / len, n.z / len];
  return {
    roll: Math.atan2(ax.y, ax.x) * DEG,
    yaw: Math.atan2(-nx, nz) * DEG,
    pitch: Math.atan2(ny, Math.hypot(nx, nz)) * DEG,
  };
}

/** Eye opening (lid gap over eye width), image-left and image-right eyes. */
export function eyeOpenness(mesh: readonly Point3[]): [number, number] {
  const ratio = (up: number, down: number, a: number, b: number) => Math.hypot(mesh[up]!.x - mesh[down]!.x, mesh[up]!.y - mesh[down]!.y) / (Math.hypot(mesh[a]!.x - mesh[b]!.x, mesh[a]!.y - mesh[b]!.y) || 1);
  return [ratio(159, 145, 33, 133), ratio(386, 374, 362, 263)];
}

/** Mouth opening: inner-lip gap over mouth width. */
export function mouthOpenness(mesh: readonly Point3[]): number {
  const gap = Math.hypot(mesh[13]!.x - mesh[14]!.x, mesh[13]!.y - mesh[14]!.y);
  const width = Math.hypot(mesh[61]!.x - mesh[291]!.x, mesh[61]!.y - mesh[291]!.y) || 1;
  return gap / width;
}

/** The tight box of the mesh in source pixels. */
export function meshBounds(mesh: readonly Point3[]): { left: number; top: number; right: number; bottom: number } {
  let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
  for (const p of mesh) {
    left = Math.min(left, p.x);
    top = Math.min(top, p.y);
    right = Math.max(right, p.x);
    bottom = Math.max(bottom, p.y);
  }
  return { left, top, right, bottom };
}

/** The roll angle (radians) of the eye line, for rotating the next crop upright. */
export function eyeLineAngle(mesh: readonly Point3[]): number {
  const [el, er] = eyeCentres(mesh);
  return Math.atan2(er.y - el.y, er.x - el.x);
}
