/**
 * What each stored-video Start operation computes, frame by frame, with the same services the
 * image operations use. Each analyser samples the video at its own rate and size, and its result
 * is what the matching Get operation pages through (mapped to the wire in operations/video.ts).
 *
 * Sampling (Rekognition does not publish its own): labels, faces, face search, moderation and
 * celebrities every 500 ms; text every 1000 ms; people every 200 ms (a tracker needs dense
 * frames); segments every frame at 192 px.
 */
import type { DecodedImage } from '../media/image.js';
import type { VideoFrame, VideoMetadata } from '../media/video.js';
import type { AnalyzedFace } from '../vision/faces/face.js';
import type { ExpandedLabel } from '../vision/taxonomy.js';
import type { ClassScores, ContentTypeResult, ModerationLabelResult } from '../vision/moderation.js';
import type { LineReading } from '../vision/text/words.js';
import type { TextSelection } from '../vision/text/filters.js';
import type { CelebrityRecord, StoredFace } from '../stores/metadata.js';
import type { FaceAttributeRequest } from './face-engine.js';
import type { FaceMatch } from './collections.js';
import type { Services } from './services.js';
import type { VideoAnalyser } from './video-jobs.js';
import { iou, type Box } from '../vision/boxes.js';
import { PersonTracker, type Detection, type TrackSummary } from '../vision/video/tracker.js';
import { frameSignature, signatureDistance, type FrameSignature } from '../vision/video/shot-detector.js';
import { appearanceDescriptor } from '../vision/video/appearance.js';
import { analyzePersonMotion, type ActionSegment } from '../vision/video/person-motion.js';
import { SegmentAnalyzer, type Segment, type SegmentAnalyzerOptions, type SegmentType } from '../vision/video/segments.js';

/** A frame as the image services take it. */
export function frameImage(f: VideoFrame): DecodedImage {
  return {
    data: Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength),
    width: f.width,
    height: f.height,
    channels: 3,
    format: 'video',
    bytes: f.data.byteLength,
    orientation: 1,
    source: { space: 'srgb', depth: '8-bit', pages: 1, hasAlpha: false },
  };
}

/** A face without its embedding: what is kept in a job's result. */
export type StoredFaceDetail = Omit<AnalyzedFace, 'embedding'>;
const withoutEmbedding = ({ embedding: _, ...rest }: AnalyzedFace): StoredFaceDetail => rest;

export interface Timed {
  /** Milliseconds from the start of the video. */
  t: number;
}

export interface LabelsResult {
  everyMs: number;
  modelVersion: string;
  items: (Timed & { label: ExpandedLabel })[];
}
export interface FacesResult {
  items: (Timed & { face: StoredFaceDetail })[];
}
export interface ModerationResult {
  everyMs: number;
  modelVersion: string;
  items: (Timed & { label: ModerationLabelResult; contentTypes: ContentTypeResult[] })[];
}
export interface TextResult {
  modelVersion: string;
  items: (Timed & { lines: LineReading[] })[];
}
export interface CelebritiesResult {
  items: (Timed & { celebrity: Pick<CelebrityRecord, 'id' | 'name' | 'urls' | 'knownGender'>; confidence: number; face: StoredFaceDetail })[];
}
export interface FaceSearchResult {
  /** `person`: the body box the face belongs to (the face's own box when no body was found). */
  items: (Timed & { index: number; person: Box; face: StoredFaceDetail; matches: { similarity: number; face: StoredFace }[] })[];
}

/** Frames every `everyMs` at `maxSide`, each through `analyse`, results kept in order. */
function perFrame<R, I>(sampling: VideoAnalyser['sampling'], analyse: (img: DecodedImage, t: number) => Promise<R>, items: (t: number, r: R) => I[], finish: (items: I[]) => unknown): VideoAnalyser<R> {
  const all: I[] = [];
  return {
    sampling,
    analyse: (frame) => analyse(frameImage(frame), frame.timestampMs),
    collect: (frame, r) => all.push(...items(Math.round(frame.timestampMs), r)),
    finish: () => finish(all),
  };
}

/**
 * DetectLabels on each frame. Whether the footage is drawn (Drawing, Illustration) is judged once
 * a second rather than per frame: it is a property of the footage, and that classifier is the
 * costliest of the three models DetectLabels runs (bench/video-eval.ts).
 */
export function labelsAnalyser(s: Services, o: { minConfidence: number; filters: Parameters<Services['labels']['detectLabels']>[1]['filters'] }): VideoAnalyser {
  const everyMs = 500;
  const artEveryMs = 1000;
  const art = new Map<number, Promise<ClassScores>>();
  const artScores = (t: number, img: DecodedImage) => {
    const second = Math.floor(t / artEveryMs);
    if (!art.has(second)) art.set(second, s.moderation.classify(img));
    art.delete(second - 2); // frames are analysed nearly in order: older seconds are done with
    return art.get(second)!;
  };
  return perFrame(
    { maxSide: 1280, everyMs },
    (img, t) => s.labels.detectLabels(img, { minConfidence: o.minConfidence, generalLabels: true, imageProperties: false, maxDominantColors: 0, filters: o.filters, artScores: artScores(t, img) }),
    (t, r) => (r.labels ?? []).map((label) => ({ t, label })),
    (items): LabelsResult => ({ everyMs, modelVersion: s.labels.modelVersion, items }),
  );
}

export function facesAnalyser(s: Services, o: { attributes: FaceAttributeRequest }): VideoAnalyser {
  return perFrame(
    { maxSide: 1920, everyMs: 500 },
    (img) => s.faces.analyze(img, { attributes: o.attributes, embeddings: false }),
    (t, faces) => faces.map((f) => ({ t, face: withoutEmbedding(f) })),
    (items): FacesResult => ({ items }),
  );
}

export function moderationAnalyser(s: Services, o: { minConfidence: number }): VideoAnalyser {
  const everyMs = 500;
  return perFrame(
    { maxSide: 640, everyMs },
    (img) => s.moderation.detectModerationLabels(img, o),
    (t, r) => r.labels.map((label) => ({ t, label, contentTypes: r.contentTypes })),
    (items): ModerationResult => ({ everyMs, modelVersion: s.moderation.spec.version, items }),
  );
}

export function textAnalyser(s: Services, selection: TextSelection): VideoAnalyser {
  let modelVersion = '';
  return perFrame(
    { maxSide: 1920, everyMs: 1000 },
    async (img) => {
      const r = await s.text.detectText(img, selection);
      modelVersion = r.modelVersion;
      return r.lines;
    },
    (t, lines) => (lines.length ? [{ t, lines }] : []),
    (items): TextResult => ({ modelVersion, items }),
  );
}

export function celebritiesAnalyser(s: Services): VideoAnalyser {
  return perFrame(
    { maxSide: 1920, everyMs: 500 },
    (img) => s.celebrities.recognize(img),
    (t, r) => r.recognized.map((x) => ({ t, celebrity: { id: x.celebrity.id, name: x.celebrity.name, urls: x.celebrity.urls, knownGender: x.celebrity.knownGender }, confidence: x.matchConfidence, face: withoutEmbedding(x.face) })),
    (items): CelebritiesResult => ({ items }),
  );
}

/**
 * Faces found in the video that match faces in a collection. Each face is also followed through
 * the video (the person tracker over face boxes, re-identified by the face embedding), so a
 * person keeps one Index while in view.
 */
export function faceSearchAnalyser(s: Services, meta: VideoMetadata, o: { collectionId: string; threshold: number }): VideoAnalyser<{ face: AnalyzedFace; person: Box; matches: FaceMatch[] }[]> {
  // A face lost and found again is the same person only if the faces match as surely as a search at 90 would.
  const tracker = new PersonTracker({ frameAspect: meta.frameWidth / meta.frameHeight, minHits: 1, smoothBoxes: false, newTrackScore: 0.5, highScore: 0.5, reidSimilarity: s.faces.cosineForSimilarity(90) });
  const items: FaceSearchResult['items'] = [];
  return {
    sampling: { maxSide: 1920, everyMs: 500 },
    analyse: async (frame) => {
      const img = frameImage(frame);
      const [faces, objects] = await Promise.all([s.faces.analyze(img, { attributes: 'DEFAULT', embeddings: true }), s.labels.objectInstances(img)]);
      const bodies = objects.filter((b) => b.name === 'Person' && b.confidence >= PERSON_MIN_CONFIDENCE).map((b) => b.box);
      return faces.map((face) => ({ face, person: bodyOf(face.box, bodies), matches: s.collections.searchFacesByEmbedding(o.collectionId, face.embedding!, { threshold: o.threshold }) }));
    },
    collect: (frame, found) => {
      const t = Math.round(frame.timestampMs);
      const tracked = tracker.update(t, found.map((f) => ({ box: f.face.box, score: f.face.confidence / 100, appearance: f.face.embedding! })));
      for (const f of found) {
        const person = tracked.reduce<{ index: number; overlap: number } | undefined>((best, tb) => {
          const overlap = iou(tb.box, f.face.box);
          return overlap > (best?.overlap ?? 0.5) ? { index: tb.index, overlap } : best;
        }, undefined);
        if (f.matches.length && person) items.push({ t, index: person.index, person: f.person, face: withoutEmbedding(f.face), matches: f.matches });
      }
    },
    finish: (): FaceSearchResult => ({ items }),
  };
}

/** Person boxes this sure are bodies a face can belong to. */
const PERSON_MIN_CONFIDENCE = 50;

/** The smallest body box holding the face (its centre inside, the face in the top half of the body); else the face's box. */
function bodyOf(face: Box, bodies: readonly Box[]): Box {
  const cx = face.left + face.width / 2;
  const cy = face.top + face.height / 2;
  const holding = bodies.filter((b) => cx > b.left && cx < b.left + b.width && cy > b.top && cy < b.top + b.height / 2 && face.width < b.width);
  return holding.sort((a, b) => a.width * a.height - b.width * b.height)[0] ?? face;
}

export interface SegmentsResult {
  types: SegmentType[];
  segments: Segment[];
}

/** Shots and technical cues from every frame, small (vision/video/segments.ts), with each shot's camera motion. */
export function segmentsAnalyser(meta: VideoMetadata, o: Omit<SegmentAnalyzerOptions, 'frameRate' | 'colorRange' | 'cameraMotion'>): VideoAnalyser<void> {
  // The frame source hands over full-range RGB whatever the stream's range.
  const analyzer = new SegmentAnalyzer({ ...o, frameRate: meta.frameRate, colorRange: 'FULL', cameraMotion: true });
  return {
    sampling: { maxSide: 192 },
    analyse: async () => undefined,
    collect: (frame) => analyzer.push(frame),
    finish: (): SegmentsResult => ({ types: o.types, segments: analyzer.finish() }),
  };
}

export interface PersonTrackingResult {
  items: (Timed & { index: number; box: Box })[];
  /** Argus extension: speed and action cues per person, from the path of its box. */
  motion: { index: number; meanSpeed: number; maxSpeed: number; actions: ActionSegment[] }[];
}

/** Content change between samples 200 ms apart above which the scene is new (a cut: 0.63-0.84 on the eval clips; motion stays below 0.57). */
const SCENE_CHANGE = 0.6;

/**
 * People and their paths: the object detector's Person boxes five times a second, followed by
 * the tracker (motion, IoU and clothing colours to find a person again after an occlusion).
 * A person gets an Index once seen in three frames in a row, so one-frame false positives never
 * do. After a hard cut the people are new ones: the tracker starts again, with new indices.
 */
export function personTrackingAnalyser(s: Services, meta: VideoMetadata): VideoAnalyser<Detection[]> {
  const frameAspect = meta.frameWidth / meta.frameHeight;
  const finished: TrackSummary[] = [];
  let tracker = new PersonTracker({ frameAspect });
  let previous: FrameSignature | undefined;
  let nextIndex = 0;
  const scene = () => tracker.tracks().map((tr) => ({ ...tr, index: tr.index + nextIndex }));
  return {
    sampling: { maxSide: 1280, everyMs: 200 },
    analyse: async (frame) => {
      const people = (await s.labels.objectInstances(frameImage(frame))).filter((o) => o.name === 'Person');
      return people.map((p) => ({ box: p.box, score: p.confidence / 100, ...withAppearance(frame, p.box) }));
    },
    collect: (frame, people) => {
      const signature = frameSignature(frame);
      if (previous && signatureDistance(previous, signature) > SCENE_CHANGE) {
        const done = scene();
        finished.push(...done);
        nextIndex += done.length;
        tracker = new PersonTracker({ frameAspect });
      }
      previous = signature;
      tracker.update(Math.round(frame.timestampMs), people);
    },
    finish: (): PersonTrackingResult => {
      const tracks = [...finished, ...scene()];
      const items = tracks.flatMap((tr) => tr.path.map((p) => ({ t: Math.round(p.timestampMs), index: tr.index, box: p.box })));
      items.sort((a, b) => a.t - b.t || a.index - b.index);
      const motion = tracks.map((tr) => {
        const m = analyzePersonMotion(tr.path, { frameAspect });
        return { index: tr.index, meanSpeed: m.meanSpeed, maxSpeed: m.maxSpeed, actions: m.segments };
      });
      return { items, motion };
    },
  };
}

function withAppearance(frame: VideoFrame, box: Box): { appearance?: Float32Array } {
  const appearance = appearanceDescriptor(frame, box);
  return appearance ? { appearance } : {};
}
