/**
 * Segment detection for StartSegmentDetection: fed every frame in order, it runs the shot
 * detector, the black-frame and colour-bar tests (and, when asked, camera motion) and turns their
 * output into segments with Rekognition's fields, in camelCase (the wire layer maps them 1:1 to
 * SegmentDetection's PascalCase).
 *
 * Timing follows the example response in Rekognition's segment-api.html (29.97 fps, 450 frames):
 * a segment runs from its first frame to its last frame inclusive, EndFrameNumber is the index of
 * that last frame and EndTimestampMillis its start time rounded down (the last shot of that video
 * ends at frame 449, 14981 ms, in a 15015 ms video); DurationFrames = End - Start frame numbers and
 * DurationMillis = End - Start milliseconds (a 300-frame shot 0..299 has DurationFrames 299); the
 * timecodes are those of the frame numbers, and DurationSMPTE that of DurationFrames.
 * Technical cues: BlackFrames and ColorBars runs, and Content for every stretch between them
 * ("black frames, credits, color bars, slates and studio logos are not considered content").
 * Rekognition's example starts its Content cue on the last frame of the BlackFrames cue before it;
 * here cues do not share frames (Content starts on the first non-black frame). Opening/end
 * credits, slates and studio logos need recognisers this module does not have, so they are never
 * reported. Shots are the spans between hard cuts; a cut below the shot MinSegmentConfidence is
 * dropped, which merges the shots on either side, so shots always tile the video and Index counts
 * the shots returned.
 * Order: the types in the order they were asked for, each sorted by start time (GetSegmentDetection).
 * Push every frame (readFrames without everyMs): boundaries are frame-exact only then. Frame
 * numbers are the frames' own `index`, times their `timestampMs`, timecodes from the numbers.
 * Memory: the detectors' few-frame windows, the runs found, and 3 numbers per frame (index, time,
 * content confidence) to place boundaries after the cut decisions settle.
 */
import type { VideoFrame } from '../../media/video-frame.js';
import { measureBlackFrame, resolveBlackFrameFilter, type BlackFrameFilter, type ColorRange } from './black-frames.js';
import { CameraMotionEstimator, type CameraMotion } from './camera-motion.js';
import { measureColorBars } from './color-bars.js';
import { ShotDetector, type ShotCut, type ShotDetectorOptions } from './shot-detector.js';
import { smpteTimecode } from './timecode.js';

export type SegmentType = 'TECHNICAL_CUE' | 'SHOT';
export type TechnicalCueType = 'ColorBars' | 'EndCredits' | 'BlackFrames' | 'OpeningCredits' | 'StudioLogo' | 'Slate' | 'Content';

export interface Segment {
  type: SegmentType;
  startTimestampMillis: number;
  endTimestampMillis: number;
  durationMillis: number;
  startTimecodeSMPTE: string;
  endTimecodeSMPTE: string;
  durationSMPTE: string;
  startFrameNumber: number;
  endFrameNumber: number;
  durationFrames: number;
  technicalCueSegment?: { type: TechnicalCueType; confidence: number };
  shotSegment?: { index: number; confidence: number };
  /** Argus extension, on SHOT segments when `cameraMotion` was asked for. */
  cameraMotion?: CameraMotion;
}

export interface SegmentAnalyzerOptions {
  /** Nominal frame rate (VideoMetadata.FrameRate): timecodes and the minimum shot length. */
  frameRate: number;
  /** Which segments to report, in output order (Rekognition's SegmentTypes). */
  types: SegmentType[];
  /** Range of the RGB values pushed (see black-frames.ts: FULL for the frame source's rgb24). */
  colorRange?: ColorRange;
  blackFrame?: BlackFrameFilter;
  /** ShotFilter.MinSegmentConfidence, 50..100 (default 50). */
  minShotConfidence?: number;
  /** TechnicalCueFilter.MinSegmentConfidence, 50..100 (default 50). */
  minCueConfidence?: number;
  /** Attach camera motion (an Argus extension) to each shot. */
  cameraMotion?: boolean;
  /** Tuning of the cut detector. */
  shot?: Omit<ShotDetectorOptions, 'frameRate'>;
}

/** Confidence of the first shot, whose start is the start of the video. */
const FIRST_SHOT_CONFIDENCE = 99.99;
export const DEFAULT_MIN_SEGMENT_CONFIDENCE = 50;

type CueKind = 'BlackFrames' | 'ColorBars';

interface CueRun {
  type: CueKind;
  /** Positions in the pushed-frame list, inclusive. */
  start: number;
  end: number;
  confidenceSum: number;
}

/**
 * Streaming segment detector.
 * @example
 * const a = new SegmentAnalyzer({ frameRate: 25, types: ['TECHNICAL_CUE', 'SHOT'] });
 * for await (const f of readFrames(path, { maxSide: 192 })) a.push(f);
 * const segments = a.finish();
 */
export class SegmentAnalyzer {
  private readonly opts: SegmentAnalyzerOptions;
  private readonly blackFilter: Required<BlackFrameFilter>;
  private readonly shots: ShotDetector | undefined;
  private readonly motion: CameraMotionEstimator | undefined;
  private readonly wantCues: boolean;
  private readonly cuts: ShotCut[] = [];
  private readonly runs: CueRun[] = [];
  private run: CueRun | undefined;
  /** Frame index and start time of every pushed frame, by position. */
  private readonly indices: number[] = [];
  private readonly times: number[] = [];
  /** Prefix sums of each frame's confidence of being content. */
  private readonly contentPrefix: number[] = [0];
  private finished = false;

  constructor(opts: SegmentAnalyzerOptions) {
    if (!(opts.frameRate > 0)) throw new RangeError(`frameRate must be positive, got ${opts.frameRate}`);
    for (const c of [opts.minShotConfidence, opts.minCueConfidence]) {
      if (c !== undefined && !(c >= 0 && c <= 100)) throw new RangeError(`MinSegmentConfidence must be in [0, 100], got ${c}`);
    }
    this.opts = opts;
    this.blackFilter = resolveBlackFrameFilter(opts.blackFrame);
    this.wantCues = opts.types.includes('TECHNICAL_CUE');
    if (opts.types.includes('SHOT')) {
      this.shots = new ShotDetector({ ...opts.shot, frameRate: opts.frameRate });
      if (opts.cameraMotion) this.motion = new CameraMotionEstimator();
    }
  }

  push(frame: VideoFrame): void {
    if (this.finished) throw new Error('SegmentAnalyzer.push after finish');
    const last = this.indices[this.indices.length - 1];
    if (last !== undefined && frame.index <= last) throw new RangeError(`frames must come in order: ${frame.index} after ${last}`);
    const pos = this.indices.length;
    this.indices.push(frame.index);
    this.times.push(frame.timestampMs);
    if (this.shots) this.cuts.push(...this.shots.push(frame));
    this.motion?.push(frame);
    if (this.wantCues) this.classifyCue(frame, pos);
  }

  /** All segments, in the order of `types`; the analyzer cannot be pushed to afterwards. */
  finish(): Segment[] {
    if (!this.finished) {
      this.finished = true;
      if (this.shots) this.cuts.push(...this.shots.finish());
      if (this.run) this.runs.push(this.run);
      this.run = undefined;
    }
    if (this.indices.length === 0) return [];
    const out: Segment[] = [];
    for (const type of this.opts.types) {
      if (type === 'SHOT' && !out.some((s) => s.type === 'SHOT')) out.push(...this.shotSegments());
      if (type === 'TECHNICAL_CUE' && !out.some((s) => s.type === 'TECHNICAL_CUE')) out.push(...this.cueSegments());
    }
    return out;
  }

  private classifyCue(frame: VideoFrame, pos: number): void {
    const black = measureBlackFrame(frame, this.blackFilter, this.opts.colorRange ?? 'FULL');
    let kind: CueKind | undefined;
    let confidence = 0;
    if (black.black) {
      kind = 'BlackFrames';
      confidence = black.confidence;
    } else {
      const bars = measureColorBars(frame);
      if (bars.bars) {
        kind = 'ColorBars';
        confidence = bars.confidence;
      }
    }
    // Content confidence: 100 while at most three quarters of the black-frame coverage is black,
    // falling to 50 as the black share reaches it (a night scene is content, but less surely).
    const minCoverage = this.blackFilter.minCoveragePercentage;
    const margin = minCoverage > 0 ? (minCoverage - black.coverage) / minCoverage : 0;
    const contentConfidence = kind ? 50 : 50 + 50 * Math.min(1, Math.max(0, 4 * margin));
    this.contentPrefix.push(this.contentPrefix[pos]! + contentConfidence);
    if (this.run && (this.run.type !== kind || this.run.end !== pos - 1)) {
      this.runs.push(this.run);
      this.run = undefined;
    }
    if (!kind) return;
    if (this.run) {
      this.run.end = pos;
      this.run.confidenceSum += confidence;
    } else {
      this.run = { type: kind, start: pos, end: pos, confidenceSum: confidence };
    }
  }

  private cueSegments(): Segment[] {
    const min = this.opts.minCueConfidence ?? DEFAULT_MIN_SEGMENT_CONFIDENCE;
    const kept = this.runs
      .map((r) => ({ ...r, confidence: r.confidenceSum / (r.end - r.start + 1) }))
      .filter((r) => r.confidence >= min);
    const out: Segment[] = [];
    let next = 0;
    const content = (start: number, end: number): void => {
      if (end < start) return;
      const confidence = (this.contentPrefix[end + 1]! - this.contentPrefix[start]!) / (end - start + 1);
      if (confidence >= min) out.push({ ...this.span(start, end, 'TECHNICAL_CUE'), technicalCueSegment: { type: 'Content', confidence } });
    };
    for (const r of kept) {
      content(next, r.start - 1);
      out.push({ ...this.span(r.start, r.end, 'TECHNICAL_CUE'), technicalCueSegment: { type: r.type, confidence: r.confidence } });
      next = r.end + 1;
    }
    content(next, this.indices.length - 1);
    return out;
  }

  private shotSegments(): Segment[] {
    const min = this.opts.minShotConfidence ?? DEFAULT_MIN_SEGMENT_CONFIDENCE;
    const cuts = this.cuts.filter((c) => c.confidence >= min).sort((a, b) => a.frameIndex - b.frameIndex);
    const starts = [{ pos: 0, confidence: FIRST_SHOT_CONFIDENCE }];
    for (const c of cuts) {
      const pos = this.positionOf(c.frameIndex);
      if (pos > starts[starts.length - 1]!.pos) starts.push({ pos, confidence: c.confidence });
    }
    return starts.map((s, i) => {
      const end = i + 1 < starts.length ? starts[i + 1]!.pos - 1 : this.indices.length - 1;
      const seg: Segment = { ...this.span(s.pos, end, 'SHOT'), shotSegment: { index: i, confidence: s.confidence } };
      if (this.motion) seg.cameraMotion = this.motion.summarize(this.indices[s.pos]!, this.indices[end]!);
      return seg;
    });
  }

  /** Position of a frame index in the pushed-frame list. */
  private positionOf(frameIndex: number): number {
    let lo = 0;
    let hi = this.indices.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.indices[mid]! < frameIndex) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The timing fields of the frames at positions start..end (inclusive); see the header. */
  private span(start: number, end: number, type: SegmentType): Segment {
    const fps = this.opts.frameRate;
    const startFrameNumber = this.indices[start]!;
    const endFrameNumber = this.indices[end]!;
    const startTimestampMillis = floorMs(this.times[start]!);
    const endTimestampMillis = floorMs(this.times[end]!);
    const durationFrames = endFrameNumber - startFrameNumber;
    return {
      type,
      startTimestampMillis,
      endTimestampMillis,
      durationMillis: endTimestampMillis - startTimestampMillis,
      startTimecodeSMPTE: smpteTimecode(startFrameNumber, fps),
      endTimecodeSMPTE: smpteTimecode(endFrameNumber, fps),
      durationSMPTE: smpteTimecode(durationFrames, fps),
      startFrameNumber,
      endFrameNumber,
      durationFrames,
    };
  }
}

/** Milliseconds rounded down, as Rekognition does, forgiving float error just under an integer (10009.999999 from 300 * 1001 / 30). */
function floorMs(t: number): number {
  return Math.floor(t + 1e-6);
}
