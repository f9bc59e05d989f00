/**
 * Colour-bar test of one video frame: SMPTE (ECR 1-1978, RP 219) and EBU bars all start with the
 * same vertical bands, left to right grey/white, yellow, cyan, green, magenta, red, blue (EBU adds
 * black). Writing each bar's colour as a 3-bit code G*4 + R*2 + B (each channel "on" or "off")
 * gives 7, 6, 5, 4, 3, 2, 1, so a frame shows bars when its upper part splits into vertically
 * uniform bands whose codes count down by one over at least yellow..blue.
 * Only rows 10-60 % of the height are read: SMPTE bars fill the top two thirds and put castellations
 * and PLUGE below, EBU bars fill the frame. The 75 % and 100 % variants both pass, because "on" is
 * judged against the brightest band of the frame, not against 255.
 */
import type { VideoFrame } from '../../media/video-frame.js';

export interface ColorBarsMeasure {
  bars: boolean;
  /** 50..100 when `bars`, else 0. */
  confidence: number;
  /** Number of bands in the matched run (6 = yellow..blue, 7 with the leading grey, 8 with EBU's black). */
  bands: number;
}

interface Band {
  x0: number;
  x1: number;
  r: number;
  g: number;
  b: number;
  /** Mean absolute deviation of the band's pixels from the band colour, per channel. */
  spread: number;
}

const TOP = 0.1;
const BOTTOM = 0.6;
/** Colour step between neighbouring columns that starts a new band (0..255 per channel, largest channel). */
const BAND_STEP = 40;
/** Bands narrower than this share of the width are edge blur, not bars. */
const MIN_BAND = 0.04;
/** Within a bar, pixels stay this close (mean abs deviation, 0..255) to the bar colour. */
const MAX_SPREAD = 14;
const MAX_WIDTH_CV = 0.3;
const MIN_COVER = 0.55;
const NOT_BARS: ColorBarsMeasure = Object.freeze({ bars: false, confidence: 0, bands: 0 });

/** Whether the frame shows SMPTE/EBU colour bars. */
export function measureColorBars(frame: VideoFrame): ColorBarsMeasure {
  const bands = splitBands(frame).filter((b) => b.x1 - b.x0 >= MIN_BAND * frame.width);
  if (bands.length < 6) return NOT_BARS;
  const bright = Math.max(...bands.map((b) => Math.max(b.r, b.g, b.b)));
  if (bright < 80) return NOT_BARS;
  const codes = bands.map((b) => barCode(b, bright));
  const run = longestCountdown(codes);
  if (!run || !(codes[run.start]! >= 6 && codes[run.end]! <= 1)) return NOT_BARS;
  const chain = bands.slice(run.start, run.end + 1);
  const widths = chain.map((b) => b.x1 - b.x0);
  const meanW = widths.reduce((s, w) => s + w, 0) / widths.length;
  const cv = Math.sqrt(widths.reduce((s, w) => s + (w - meanW) ** 2, 0) / widths.length) / meanW;
  const spread = chain.reduce((s, b) => s + b.spread * (b.x1 - b.x0), 0) / widths.reduce((s, w) => s + w, 0);
  const cover = (chain[chain.length - 1]!.x1 - chain[0]!.x0) / frame.width;
  if (cv > MAX_WIDTH_CV || spread > MAX_SPREAD || cover < MIN_COVER) return NOT_BARS;
  // Each shortfall from perfect, uniform, equal-width bars takes from the confidence.
  const quality = (1 - cv / MAX_WIDTH_CV) * 0.4 + (1 - spread / MAX_SPREAD) * 0.4 + (chain.length >= 7 ? 0.2 : 0.1);
  return { bars: true, confidence: 50 + 50 * Math.min(1, Math.max(0, quality)), bands: chain.length };
}

/** Columns of the analysed rows grouped into runs of similar mean colour. */
function splitBands(frame: VideoFrame): Band[] {
  const { data, width, height } = frame;
  const y0 = Math.floor(TOP * height);
  const y1 = Math.max(y0 + 1, Math.ceil(BOTTOM * height));
  const rows = y1 - y0;
  const col = new Float64Array(width * 3);
  for (let y = y0; y < y1; y++) {
    for (let x = 0, p = y * width * 3; x < width; x++, p += 3) {
      col[x * 3] = col[x * 3]! + data[p]!;
      col[x * 3 + 1] = col[x * 3 + 1]! + data[p + 1]!;
      col[x * 3 + 2] = col[x * 3 + 2]! + data[p + 2]!;
    }
  }
  for (let i = 0; i < col.length; i++) col[i] = col[i]! / rows;
  const bands: Band[] = [];
  let start = 0;
  for (let x = 1; x <= width; x++) {
    const split =
      x === width || Math.max(Math.abs(col[x * 3]! - col[start * 3]!), Math.abs(col[x * 3 + 1]! - col[start * 3 + 1]!), Math.abs(col[x * 3 + 2]! - col[start * 3 + 2]!)) > BAND_STEP;
    if (!split) continue;
    bands.push(bandStats(frame, start, x, y0, y1));
    start = x;
  }
  return bands;
}

function bandStats(frame: VideoFrame, x0: number, x1: number, y0: number, y1: number): Band {
  const { data, width } = frame;
  let r = 0;
  let g = 0;
  let b = 0;
  const n = (x1 - x0) * (y1 - y0);
  for (let y = y0; y < y1; y++) {
    for (let x = x0, p = (y * width + x0) * 3; x < x1; x++, p += 3) {
      r += data[p]!;
      g += data[p + 1]!;
      b += data[p + 2]!;
    }
  }
  r /= n;
  g /= n;
  b /= n;
  let dev = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0, p = (y * width + x0) * 3; x < x1; x++, p += 3) {
      dev += Math.abs(data[p]! - r) + Math.abs(data[p + 1]! - g) + Math.abs(data[p + 2]! - b);
    }
  }
  return { x0, x1, r, g, b, spread: dev / (3 * n) };
}

/** G*4 + R*2 + B with each channel on (>= 55 % of the brightest band) or off (<= 30 %); -1 when a channel is in between. */
function barCode(band: Band, bright: number): number {
  let code = 0;
  for (const [value, bit] of [
    [band.g, 4],
    [band.r, 2],
    [band.b, 1],
  ] as const) {
    if (value >= 0.55 * bright) code += bit;
    else if (value > 0.3 * bright) return -1;
  }
  return code;
}

/** The longest run of consecutive codes that each fall by exactly one. */
function longestCountdown(codes: number[]): { start: number; end: number } | undefined {
  let best: { start: number; end: number } | undefined;
  let start = 0;
  for (let i = 1; i <= codes.length; i++) {
    if (i < codes.length && codes[i - 1]! >= 1 && codes[i] === codes[i - 1]! - 1) continue;
    if (!best || i - 1 - start > best.end - best.start) best = { start, end: i - 1 };
    start = i;
  }
  return best;
}
