/**
 * The face pipeline behind DetectFaces, CompareFaces and the collections: the detector finds
 * faces (services/face-detector.ts); per face, FaceMesh gives 468 points (two passes: the second
 * on a window fitted to the first's mesh and turned upright), the iris model gives the pupils,
 * and the mesh gives Rekognition's landmarks, pose, eye and mouth openness and the alignment for
 * the identity descriptor. The attribute models run only when asked for. Each model call is a
 * separate request to the worker pool, so the faces of one image spread over the workers.
 *
 *   const faces = await service.analyze(img, { attributes: 'ALL', embeddings: true });
 *   faces[0].attributes.emotions  // [{ type: 'HAPPY', confidence: 97.2 }, ...]
 */
import type { DecodedImage } from '../media/image.js';
import type { ModelRuntime } from '../runtime/worker-pool.js';
import { manifest } from '../runtime/catalogue.js';
import { float32, type TensorData } from '../runtime/tensor.js';
import { iou, type Box } from '../vision/boxes.js';
import { mirrorAffine, squareWindow, warpCrop, similarityTransform, type Affine } from '../vision/faces/align.js';
import type { AnalyzedFace, FaceAttributes, Point } from '../vision/faces/face.js';
import * as mesh from '../vision/faces/mesh.js';
import * as attr from '../vision/faces/attributes.js';
import { quality } from '../vision/image-quality.js';
import {
  DLIB_CHIP_TEMPLATE,
  EMBEDDING_DIMENSIONS,
  EMBEDDING_MODEL,
  EMBEDDING_SIZE,
  FACE_MODEL_VERSION,
  cosineForSimilarity,
  embeddingInput,
  l2normalise,
  similarityFromCosine,
} from '../vision/faces/embedding.js';
import { FaceDetector, type FoundFace } from './face-detector.js';
import type { AnalyzeFacesOptions, FaceAttributeRequest, FaceEngine } from './face-engine.js';

/** Rekognition returns at most 100 faces per image (the largest). */
export const MAX_FACES = 100;
/** The mesh window is this many face-box sides wide (MediaPipe's ROI scale). */
const MESH_WINDOW_SCALE = 1.5;
/** Face crops for quality and the expression model: the face box, turned upright. */
const QUALITY_SIZE = 112;
const MESH_OUT = ['Identity_2', 'Identity_1'];
/**
 * FaceMesh's face score separates faces from the detector's false positives sharply: 1.000 on
 * every face of eval-data's group photos, under 0.01 on the detector's misses of obama.jpg.
 */
const MESH_MIN_SCORE = 0.5;
const MESH_SAME_FACE_IOU = 0.5;

/** Which optional attributes a request asks for (DEFAULT asks for none). */
function wanted(req: FaceAttributeRequest): (name: string) => boolean {
  if (req === 'DEFAULT') return () => false;
  if (req === 'ALL') return () => true;
  return (name) => req.has('ALL') || req.has(name);
}

interface MeshResult {
  points: mesh.Point3[];
  /** Face presence, 0..1. */
  score: number;
}

export class FacesService implements FaceEngine {
  readonly faceModelVersion = FACE_MODEL_VERSION;
  readonly dimensions = EMBEDDING_DIMENSIONS;

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly detector: FaceDetector = new FaceDetector(runtime),
  ) {}

  /** Models to warm up. */
  get models(): string[] {
    return [...this.detector.models, 'facemesh', 'iris', EMBEDDING_MODEL];
  }

  similarityFromCosine(c: number): number {
    return similarityFromCosine(c);
  }

  cosineForSimilarity(s: number): number {
    return cosineForSimilarity(s);
  }

  async analyze(img: DecodedImage, o: AnalyzeFacesOptions): Promise<AnalyzedFace[]> {
    const want = wanted(o.attributes);
    const faces = await this.verifiedFaces(img);
    return Promise.all(faces.slice(0, MAX_FACES).map(({ found, m }) => this.analyzeFace(img, found, m, want, o.embeddings)));
  }

  /**
   * The detector's candidates that FaceMesh confirms (face score >= MESH_MIN_SCORE), one per face:
   * two candidates whose meshes land on the same face (mesh boxes overlapping by more than
   * MESH_SAME_FACE_IOU) keep the one the detector scored higher. Largest first.
   */
  private async verifiedFaces(img: DecodedImage): Promise<{ found: FoundFace; m: MeshResult }[]> {
    const found = await this.detector.detect(img);
    const meshed = await Promise.all(found.map(async (f) => ({ found: f, m: await this.meshFor(img, f) })));
    const byScore = meshed.filter((x) => x.m.score >= MESH_MIN_SCORE).sort((a, b) => b.found.score - a.found.score);
    const kept: { found: FoundFace; m: MeshResult; box: Box }[] = [];
    for (const x of byScore) {
      const b = mesh.meshBounds(x.m.points);
      const box = { left: b.left, top: b.top, width: b.right - b.left, height: b.bottom - b.top };
      if (kept.every((k) => iou(k.box, box) <= MESH_SAME_FACE_IOU)) kept.push({ ...x, box });
    }
    return kept.sort((a, b) => b.found.box.width * b.found.box.height - a.found.box.width * a.found.box.height);
  }

  private async run(model: string, data: Float32Array, size: number, channels: number, outputs: string[]): Promise<Record<string, TensorData>> {
    return this.runtime.run(model, { [manifest(model).input.name]: float32(data, [1, size, size, channels]) }, outputs);
  }

  private async faceMesh(img: DecodedImage, centre: Point, side: number, angle: number): Promise<MeshResult> {
    const toSource = squareWindow(centre, side, angle, mesh.MESH_SIZE);
    const crop = warpCrop(img, toSource, mesh.MESH_SIZE, mesh.MESH_SIZE);
    const out = await this.run('facemesh', mesh.meshInput(crop), mesh.MESH_SIZE, 3, MESH_OUT);
    return { points: mesh.decodeMesh(out[MESH_OUT[0]!]!.data, toSource), score: out[MESH_OUT[1]!]!.data[0]! };
  }

  /** The mesh, from the detector's box and eyes, then again on the window the first mesh fits. */
  private async meshFor(img: DecodedImage, f: FoundFace): Promise<MeshResult> {
    const W = img.width;
    const H = img.height;
    const centre = { x: (f.box.left + f.box.width / 2) * W, y: (f.box.top + f.box.height / 2) * H };
    const [eyeA, eyeB] = f.keypoints;
    const angle = eyeA && eyeB ? Math.atan2((eyeB.y - eyeA.y) * H, (eyeB.x - eyeA.x) * W) : 0;
    const first = await this.faceMesh(img, centre, Math.max(f.box.width * W, f.box.height * H) * MESH_WINDOW_SCALE, angle);
    const b = mesh.meshBounds(first.points);
    const side = Math.max(b.right - b.left, b.bottom - b.top) * MESH_WINDOW_SCALE;
    return this.faceMesh(img, { x: (b.left + b.right) / 2, y: (b.top + b.bottom) / 2 }, side, mesh.eyeLineAngle(first.points));
  }

  /** Iris centres of the image-left and image-right eyes, and the gaze. */
  private async irises(img: DecodedImage, m: mesh.Point3[]): Promise<{ pupils: [Point, Point]; direction: { yaw: number; pitch: number } }> {
    const eyes = [
      { left: 33, right: 133, up: 159, down: 145, flip: true },
      { left: 362, right: 263, up: 386, down: 374, flip: false },
    ];
    const found = await Promise.all(
      eyes.map(async (e) => {
        const a = m[e.left]!;
        const b = m[e.right]!;
        const width = Math.hypot(b.x - a.x, b.y - a.y);
        let toSource: Affine = squareWindow({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }, width * attr.IRIS_CROP_SCALE, Math.atan2(b.y - a.y, b.x - a.x), attr.IRIS_SIZE);
        // The model reads one eye's shape; the subject's right eye (image left) is mirrored to it.
        if (e.flip) toSource = mirrorAffine(toSource, attr.IRIS_SIZE);
        const crop = warpCrop(img, toSource, attr.IRIS_SIZE, attr.IRIS_SIZE);
        const out = await this.run('iris', attr.irisInput(crop), attr.IRIS_SIZE, 3, ['Identity']);
        const c = attr.irisCentre(out.Identity!.data);
        const iris = { x: toSource.a * c.x + toSource.b * c.y + toSource.c, y: toSource.d * c.x + toSource.e * c.y + toSource.f };
        return { iris, left: a, right: b, up: m[e.up]!, down: m[e.down]! };
      }),
    );
    return { pupils: [found[0]!.iris, found[1]!.iris], direction: attr.eyeDirectionFrom(found) };
  }

  /** The face box's pixels, turned upright by `angle`, as a `size` x `size` crop. */
  private uprightFace(img: DecodedImage, box: Box, angle: number, size: number, scale = 1): Uint8Array {
    const centre = { x: (box.left + box.width / 2) * img.width, y: (box.top + box.height / 2) * img.height };
    const side = Math.max(box.width * img.width, box.height * img.height) * scale;
    return warpCrop(img, squareWindow(centre, side, angle, size), size, size);
  }

  private async embedding(img: DecodedImage, m: mesh.Point3[]): Promise<Float32Array> {
    const toSource = similarityTransform(DLIB_CHIP_TEMPLATE, mesh.alignmentPoints(m));
    const aligned = warpCrop(img, toSource, EMBEDDING_SIZE, EMBEDDING_SIZE);
    const mirrored = warpCrop(img, mirrorAffine(toSource, EMBEDDING_SIZE), EMBEDDING_SIZE, EMBEDDING_SIZE);
    const [a, b] = await Promise.all([aligned, mirrored].map(async (crop) => l2normalise((await this.run(EMBEDDING_MODEL, embeddingInput(crop), EMBEDDING_SIZE, 3, ['descriptor'])).descriptor!.data)));
    return l2normalise(a!.map((v, i) => v + b![i]!));
  }

  private async ageGender(img: DecodedImage, m: mesh.Point3[]): Promise<Pick<FaceAttributes, 'ageRange' | 'gender'>> {
    const b = mesh.meshBounds(m);
    const window = squareWindow({ x: (b.left + b.right) / 2, y: (b.top + b.bottom) / 2 }, Math.max(b.right - b.left, b.bottom - b.top), mesh.eyeLineAngle(m), attr.FACERES_SIZE);
    const crop = warpCrop(img, window, attr.FACERES_SIZE, attr.FACERES_SIZE);
    const outs = ['gender_pred/Sigmoid', 'age_pred/Softmax'];
    const out = await this.run('faceres', attr.faceresInput(crop), attr.FACERES_SIZE, 3, outs);
    return { gender: attr.genderFrom(out[outs[0]!]!.data[0]!), ageRange: attr.ageRangeFrom(out[outs[1]!]!.data) };
  }

  private async expression(img: DecodedImage, box: Box, angle: number): Promise<ArrayLike<number>> {
    const crop = this.uprightFace(img, box, angle, attr.EMOTION_SIZE);
    return (await this.run('emotion', attr.emotionInput(crop), attr.EMOTION_SIZE, 1, ['Identity'])).Identity!.data;
  }

  private async analyzeFace(img: DecodedImage, f: FoundFace, m: MeshResult, want: (name: string) => boolean, withEmbedding: boolean): Promise<AnalyzedFace> {
    const angle = mesh.eyeLineAngle(m.points);
    const needExpression = want('EMOTIONS') || want('SMILE');
    const [iris, embedding, ageGender, expression] = await Promise.all([
      this.irises(img, m.points),
      withEmbedding ? this.embedding(img, m.points) : undefined,
      want('AGE_RANGE') || want('GENDER') ? this.ageGender(img, m.points) : undefined,
      needExpression ? this.expression(img, f.box, angle) : undefined,
    ]);
    const q = quality({ data: this.uprightFace(img, f.box, angle, QUALITY_SIZE), width: QUALITY_SIZE, height: QUALITY_SIZE });
    const attributes: FaceAttributes = {};
    if (ageGender && want('AGE_RANGE')) attributes.ageRange = ageGender.ageRange;
    if (ageGender && want('GENDER')) attributes.gender = ageGender.gender;
    if (expression && want('EMOTIONS')) attributes.emotions = attr.emotions(expression);
    if (expression && want('SMILE')) attributes.smile = attr.smileFrom(expression);
    if (want('EYES_OPEN')) attributes.eyesOpen = attr.eyesOpenFrom(mesh.eyeOpenness(m.points));
    if (want('MOUTH_OPEN')) attributes.mouthOpen = attr.mouthOpenFrom(mesh.mouthOpenness(m.points));
    if (want('EYE_DIRECTION')) attributes.eyeDirection = { ...iris.direction, confidence: 100 * m.score };
    return {
      box: f.box,
      confidence: 100 * f.score,
      landmarks: mesh.rekognitionLandmarks(m.points, img.width, img.height, iris.pupils),
      pose: mesh.meshPose(m.points),
      quality: { brightness: q.brightness, sharpness: q.sharpness },
      attributes,
      ...(embedding ? { embedding } : {}),
    };
  }
}
