/**
 * Finds faces in an image: one detector pass over the whole (letterboxed) image; optionally one
 * over the image shrunk inside the input, for faces that fill the frame; and, for images large
 * enough that small faces shrink below what the detector sees, passes over overlapping tiles of
 * the image enlarged by a zoom factor. All passes are merged with MediaPipe's weighted NMS.
 *
 *   const faces = await new FaceDetector(runtime).detect(img);
 *   faces[0]?.box  // { left, top, width, height } in image ratios, largest face first
 */
import { cropImage, resizeForModel, type DecodedImage, type PixelRect } from '../media/image.js';
import { clip, type Box } from '../vision/boxes.js';
import type { Point } from '../vision/faces/face.js';
import { FACE_DETECTORS, fitBox, weightedNms, type FaceCandidate, type FaceModelSpec } from '../vision/faces/detect-faces.js';
import type { ModelRuntime } from '../runtime/worker-pool.js';

export interface FoundFace {
  /** Image ratios (Rekognition's BoundingBox): the face from the lower forehead to the chin, jaw to jaw (dlib's box). */
  box: Box;
  /** 0..1 */
  score: number;
  /**
   * Image ratios, 6 points: the subject's right eye (image left), left eye, nose tip, mouth
   * centre, right ear tragion, left ear tragion.
   */
  keypoints: Point[];
}

/** Extra tiled passes for small faces. */
export interface TilingPlan {
  /**
   * Zoom factors, one tiled pass each: at zoom z the image is resized so that its long side is
   * z model inputs, and cut into input-sized tiles; a face appears z times larger than in the
   * whole-image pass.
   */
  zooms: readonly number[];
  /** Fraction of a tile shared with its neighbour (faces up to this fraction of a tile are whole in one). */
  overlap: number;
  /** A pass whose tiles would cover fewer image pixels than this per side is skipped (upscaling gains nothing). */
  minTileSide: number;
  /**
   * Score a face found only in tiles needs. Higher than the whole-image threshold: enlarged
   * texture (fur, foliage, fabric) looks more like a face than the whole image does.
   */
  minScore: number;
}

export interface FaceDetectorConfig {
  detector: FaceModelSpec;
  tiling?: TilingPlan;
  /** Score a face needs in the whole-image passes; defaults to the detector's own threshold. */
  minScore?: number;
  /**
   * Also look at the whole image shrunk to `scale` of the input, centred on black, and keep the
   * faces that span at least `minFace` of the image's long side: for detectors that miss faces
   * filling the frame (the full-range model finds almost no face larger than about half its
   * input, e.g. a tight portrait). Smaller faces are left to the other passes: shrunk that far,
   * texture looks like faces and small boxes are coarse.
   */
  zoomOut?: { scale: number; minFace: number };
  /** IoU above which two detections are blended into one face. */
  nmsIou: number;
}

/**
 * MediaPipe's full-range detector over the whole image and the image shrunk to half the input
 * (close-ups; score >= 0.6), and over tiles at 3x and 6x (score >= 0.7), so faces from the whole
 * frame down to about 1.5 % of the long side (25-30 px in 1080p) are found. Chosen with
 * bench/face-detect-eval.ts (bench/results/face-detect-eval.json): among the candidates, the
 * most faces found (dlib photos alone and pasted small into 1080p frames, close-ups) at 3 false
 * positives over 116 images (two raccoon faces, one extra face on a close-up).
 */
export const DEFAULT_FACE_DETECTOR: FaceDetectorConfig = Object.freeze({
  detector: FACE_DETECTORS['facemesh-detection-full']!,
  zoomOut: Object.freeze({ scale: 0.5, minFace: 0.4 }),
  tiling: Object.freeze({ zooms: [3, 6], overlap: 0.25, minTileSide: 224, minScore: 0.7 }),
  nmsIou: 0.3,
});

/** One tiled pass: the image resized to `width` x `height`, and the input-sized tiles cut from it. */
export interface TileLevel {
  zoom: number;
  width: number;
  height: number;
  tiles: PixelRect[];
}

/** The tiled passes for an image (pure; exported for tests). Tiles are in resized pixels, at most `inputSize` a side. */
export function planTiles(width: number, height: number, inputSize: number, tiling?: TilingPlan): TileLevel[] {
  if (!tiling) return [];
  const long = Math.max(width, height);
  const levels: TileLevel[] = [];
  for (const zoom of tiling.zooms) {
    if (zoom <= 1 || long / zoom < tiling.minTileSide) continue;
    const scale = (inputSize * zoom) / long;
    const [w, h] = [Math.round(width * scale), Math.round(height * scale)];
    const starts = (extent: number): number[] => {
      if (inputSize >= extent) return [0];
      const count = Math.ceil((extent - inputSize) / (inputSize * (1 - tiling.overlap))) + 1;
      return Array.from({ length: count }, (_, i) => Math.round((i * (extent - inputSize)) / (count - 1)));
    };
    const tiles: PixelRect[] = [];
    for (const top of starts(h)) for (const left of starts(w)) tiles.push({ left, top, width: Math.min(inputSize, w), height: Math.min(inputSize, h) });
    levels.push({ zoom, width: w, height: h, tiles });
  }
  return levels;
}

/** Where a model input sits in the image: image px = (input px - pad) / scale. */
interface Placement {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
  /** Tile edges inside the image, in input pixels: a face touching one is left to a neighbour. */
  innerEdges?: { left: boolean; top: boolean; right: boolean; bottom: boolean; width: number; height: number };
}

/** A face this close to an inner tile edge (fraction of the tile) is probably cut by it. */
const EDGE_MARGIN = 0.02;

/** A face from one pass, in image ratios, before the passes are merged. */
export interface PassFace extends FaceCandidate {
  /** 1 or less: a whole-image pass (1, or the zoom-out); above 1: the zoom of a tiled pass. */
  zoom: number;
}

/** Below this no pass keeps a face (also the floor the benchmark sweeps thresholds from). */
const FLOOR_SCORE = 0.3;

export class FaceDetector {
  constructor(
    private readonly runtime: ModelRuntime,
    private readonly config: FaceDetectorConfig = DEFAULT_FACE_DETECTOR,
  ) {}

  /** Catalogue ids of the models this detector runs (for warm-up and /health). */
  get models(): string[] {
    return [this.config.detector.model];
  }

  /** Faces in the image, largest box first. */
  async detect(img: DecodedImage): Promise<FoundFace[]> {
    const { detector, tiling } = this.config;
    return this.merge(await this.passes(img, Math.min(this.config.minScore ?? detector.minScore, tiling?.minScore ?? 1)));
  }

  /** Every pass's faces at or above `floor`, unmerged (detect() = merge(passes())). */
  async passes(img: DecodedImage, floor = FLOOR_SCORE): Promise<PassFace[]> {
    const { detector, tiling } = this.config;
    const size = detector.inputSize;
    const passes: Promise<PassFace[]>[] = [];
    // Letterboxed on black: MediaPipe pads its detector input with zeros the same way.
    const whole = await resizeForModel(img, size, size, 'letterbox', { pad: { r: 0, g: 0, b: 0 } });
    passes.push(this.pass(img, whole.data, whole, 1, floor));
    const zoomOut = this.config.zoomOut;
    if (zoomOut && zoomOut.scale < 1) {
      const side = Math.max(1, Math.round(size * zoomOut.scale));
      const small = await resizeForModel(img, side, side, 'letterbox', { pad: { r: 0, g: 0, b: 0 } });
      const at = Math.floor((size - side) / 2);
      const canvas = cropImage({ ...img, data: small.data, width: side, height: side }, { left: 0, top: 0, width: side, height: side }, { width: size, height: size, left: at, top: at });
      const minFace = zoomOut.minFace * Math.max(img.width, img.height);
      const large = (f: PassFace) => Math.max(f.box.width * img.width, f.box.height * img.height) >= minFace;
      passes.push(this.pass(img, canvas.data, { ...small, padX: small.padX + at, padY: small.padY + at }, zoomOut.scale, floor).then((faces) => faces.filter(large)));
    }
    for (const level of planTiles(img.width, img.height, size, tiling)) {
      const resized = await resizeForModel(img, level.width, level.height, 'fill');
      const scaled: DecodedImage = { ...img, data: resized.data, width: level.width, height: level.height };
      const [scaleX, scaleY] = [level.width / img.width, level.height / img.height];
      for (const t of level.tiles) {
        const tile = cropImage(scaled, t, { width: size, height: size });
        const innerEdges = { left: t.left > 0, top: t.top > 0, right: t.left + t.width < level.width, bottom: t.top + t.height < level.height, width: t.width, height: t.height };
        passes.push(this.pass(img, tile.data, { scaleX, scaleY, padX: -t.left, padY: -t.top, innerEdges }, level.zoom, floor));
      }
    }
    return (await Promise.all(passes)).flat();
  }

  /**
   * Keeps each pass's faces above its threshold (overridable, for the benchmark's sweep), blends
   * the passes with weighted NMS and maps boxes to Argus's face box; largest first.
   */
  merge(faces: readonly PassFace[], minScore = this.config.minScore ?? this.config.detector.minScore, tileMinScore = this.config.tiling?.minScore ?? 1): FoundFace[] {
    const { detector, nmsIou } = this.config;
    const kept = faces.filter((f) => f.score >= (f.zoom <= 1 ? minScore : tileMinScore));
    const out: FoundFace[] = [];
    for (const f of weightedNms(kept, nmsIou)) {
      const box = clip(fitBox(f.box, detector.boxFit));
      if (box) out.push({ box, score: f.score, keypoints: f.keypoints });
    }
    return out.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  }

  /** Runs the detector on one input and maps its faces to image ratios. */
  private async pass(img: DecodedImage, rgb: Uint8Array, at: Placement, zoom: number, floor: number): Promise<PassFace[]> {
    const { detector } = this.config;
    const size = detector.inputSize;
    const out = await this.runtime.run(detector.model, detector.feeds(rgb, size, size), [...detector.outputs]);
    const toX = (x: number) => (x * size - at.padX) / at.scaleX / img.width;
    const toY = (y: number) => (y * size - at.padY) / at.scaleY / img.height;
    const faces: PassFace[] = [];
    for (const c of detector.decode(out, floor)) {
      const e = at.innerEdges;
      if (e) {
        const [l, t, r, b] = [c.box.left * size, c.box.top * size, (c.box.left + c.box.width) * size, (c.box.top + c.box.height) * size];
        if ((e.left && l < EDGE_MARGIN * e.width) || (e.top && t < EDGE_MARGIN * e.height) || (e.right && r > (1 - EDGE_MARGIN) * e.width) || (e.bottom && b > (1 - EDGE_MARGIN) * e.height)) continue;
      }
      const left = toX(c.box.left);
      const top = toY(c.box.top);
      faces.push({
        box: { left, top, width: toX(c.box.left + c.box.width) - left, height: toY(c.box.top + c.box.height) - top },
        score: c.score,
        keypoints: c.keypoints.map((p) => ({ x: toX(p.x), y: toY(p.y) })),
        zoom,
      });
    }
    return faces;
  }
}
