/**
 * Black-frame test of one video frame, with Rekognition's BlackFrame filter semantics
 * (API_BlackFrame.html):
 *  - a pixel is black when its BT.709 luma is at most
 *    max_black = minimum_luminance + MaxPixelThreshold * luminance_range
 *    (full range: 0 + t * 255, so the default 0.2 gives 51; limited range: 16 + t * (235 - 16));
 *  - a frame is black when at least MinCoveragePercentage % of its pixels are black (default 99).
 * The range is the one of the RGB values handed in. ffmpeg's rgb24 output expands limited-range
 * (TV) video to 0-255, so frames from the frame source are FULL even when the stream's
 * ColorRange is LIMITED; in that case both readings give the same threshold, because
 * 16 + t * 219 in TV codes is t * 255 after expansion. Pass LIMITED only for RGB that still
 * holds TV levels (black at 16, white at 235).
 * Rekognition also leaves out black frames that carry audio (fade-outs, voice-overs); nothing
 * here sees audio, so every black run counts.
 */
import type { VideoFrame } from '../../media/video-frame.js';

export type ColorRange = 'FULL' | 'LIMITED';

export interface BlackFrameFilter {
  /** 0..1, fraction of the luma range above black that still counts as black (default 0.2). */
  maxPixelThreshold?: number;
  /** 0..100, share of black pixels a black frame needs (default 99). */
  minCoveragePercentage?: number;
}

export const DEFAULT_MAX_PIXEL_THRESHOLD = 0.2;
export const DEFAULT_MIN_COVERAGE_PERCENTAGE = 99;

export interface BlackFrameMeasure {
  black: boolean;
  /** Percentage of pixels at or below the black level. */
  coverage: number;
  /** Mean luma of the frame on the same 0..255 scale as the data. */
  meanLuma: number;
  /** 50..100 for black frames: 100 for pure black, 50 for a frame whose mean sits at the black level. 0 otherwise. */
  confidence: number;
}

/** The black and white levels of 8-bit data in a colour range. */
export function rangeLevels(range: ColorRange): { black: number; white: number } {
  return range === 'LIMITED' ? { black: 16, white: 235 } : { black: 0, white: 255 };
}

/** The highest luma (0..255 scale of the data) that still counts as black. */
export function maxBlackLuma(maxPixelThreshold: number, range: ColorRange): number {
  const { black, white } = rangeLevels(range);
  return black + maxPixelThreshold * (white - black);
}

/** The filter with defaults filled in; throws RangeError outside Rekognition's valid ranges. */
export function resolveBlackFrameFilter(filter: BlackFrameFilter = {}): Required<BlackFrameFilter> {
  const maxPixelThreshold = filter.maxPixelThreshold ?? DEFAULT_MAX_PIXEL_THRESHOLD;
  const minCoveragePercentage = filter.minCoveragePercentage ?? DEFAULT_MIN_COVERAGE_PERCENTAGE;
  if (!(maxPixelThreshold >= 0 && maxPixelThreshold <= 1)) throw new RangeError(`MaxPixelThreshold must be in [0, 1], got ${maxPixelThreshold}`);
  if (!(minCoveragePercentage >= 0 && minCoveragePercentage <= 100)) throw new RangeError(`MinCoveragePercentage must be in [0, 100], got ${minCoveragePercentage}`);
  return { maxPixelThreshold, minCoveragePercentage };
}

// BT.709 luma Y = 0.2126 R + 0.7152 G + 0.0722 B in 16.16 fixed point (weights sum to 65536).
const KR = 13933;
const KG = 46871;
const KB = 4732;

/** BT.709 luma of every pixel, 16.16 fixed point (divide by 65536 for 0..255). */
function luma709Fixed(data: Uint8Array, i: number): number {
  return KR * data[i]! + KG * data[i + 1]! + KB * data[i + 2]!;
}

/** Whether the frame is black under the filter, with its black-pixel coverage and a confidence. */
export function measureBlackFrame(frame: VideoFrame, filter: Required<BlackFrameFilter>, range: ColorRange = 'FULL'): BlackFrameMeasure {
  const { data, width, height } = frame;
  const n = width * height;
  if (n === 0 || data.length < n * 3) throw new RangeError(`frame ${frame.index}: expected ${n * 3} RGB bytes, got ${data.length}`);
  const limit = maxBlackLuma(filter.maxPixelThreshold, range) * 65536;
  let blackCount = 0;
  let sum = 0;
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    const y = luma709Fixed(data, p);
    sum += y;
    if (y <= limit) blackCount++;
  }
  const coverage = (100 * blackCount) / n;
  const meanLuma = sum / n / 65536;
  const black = coverage >= filter.minCoveragePercentage;
  return { black, coverage, meanLuma, confidence: black ? blackConfidence(meanLuma, filter.maxPixelThreshold, range) : 0 };
}

/** 100 at the black level of the range, falling linearly to 50 when the mean luma reaches the threshold. */
function blackConfidence(meanLuma: number, maxPixelThreshold: number, range: ColorRange): number {
  const { black } = rangeLevels(range);
  const span = maxBlackLuma(maxPixelThreshold, range) - black;
  if (span <= 0) return 100;
  const depth = Math.min(1, Math.max(0, 1 - (meanLuma - black) / span));
  return 50 + 50 * depth;
}
