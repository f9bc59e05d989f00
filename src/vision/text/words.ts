/**
 * A recognised line split into WORDs at its spaces, each word placed along the line's quadrilateral
 * from where its characters were read: CTC frame t covers strip pixels [8t, 8t+8), so a word spans
 * its first to last character centre, widened by about half a character on each side. The first
 * word starts where the line starts and the last ends where it ends (the line box already holds
 * the text with its margin). Pure.
 */
import { subQuad, type Quad } from './geometry.js';
import type { CtcChar, CtcResult } from './ctc.js';

export interface PlacedText {
  text: string;
  /** Mean character probability, 0..1. */
  confidence: number;
  /** In reading order, in the same coordinates as the line's quad. */
  quad: Quad;
}

export interface LineReading extends PlacedText {
  words: PlacedText[];
}

/** Strip pixels per recogniser output frame (PP-OCR's width stride). */
export const PIXELS_PER_FRAME = 8;
/** A word reaches this many character widths beyond its outer character centres. */
const WORD_MARGIN = 0.6;

const centre = (c: CtcChar) => ((c.first + c.last) / 2 + 0.5) * PIXELS_PER_FRAME;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Words of a decoded line. `stripWidth` is the width in pixels of the line's content in the
 * recogniser input (before padding) and `quad` the line in reading order; undefined when the line
 * reads as nothing but spaces.
 */
export function splitWords(decoded: CtcResult, stripWidth: number, quad: Quad, stripHeight = 48): LineReading | undefined {
  const groups: CtcChar[][] = [];
  let current: CtcChar[] = [];
  for (const c of decoded.chars) {
    if (c.char.trim() === '') {
      if (current.length) groups.push(current);
      current = [];
    } else current.push(c);
  }
  if (current.length) groups.push(current);
  if (!groups.length) return undefined;

  const steps = groups.flatMap((g) => g.slice(1).map((c, i) => centre(c) - centre(g[i]!)));
  // Character width: the median step between neighbours in a word, else about half the strip height.
  const charWidth = steps.length ? median(steps) : stripHeight / 2;
  const words: PlacedText[] = groups.map((g, i) => {
    const left = i === 0 ? 0 : Math.max(0, centre(g[0]!) - WORD_MARGIN * charWidth);
    const right = i === groups.length - 1 ? stripWidth : Math.min(stripWidth, centre(g[g.length - 1]!) + WORD_MARGIN * charWidth);
    const f0 = Math.min(1, left / stripWidth);
    const f1 = Math.max(f0, Math.min(1, right / stripWidth));
    return { text: g.map((c) => c.char).join(''), confidence: mean(g.map((c) => c.prob)), quad: subQuad(quad, f0, f1) };
  });
  return {
    text: words.map((w) => w.text).join(' '),
    confidence: mean(groups.flat().map((c) => c.prob)),
    quad: quad.map((p) => ({ ...p })) as Quad,
    words,
  };
}
