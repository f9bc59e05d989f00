/**
 * Greedy CTC decoding of the PP-OCR recogniser's output ([N, T, C] softmax, one column per 8 input
 * pixels): the best class per frame, repeats collapsed, blanks dropped. Each character keeps its
 * probability and the frames it spans, so words can be placed along the line afterwards.
 * Pure.
 */

/** One decoded symbol. */
export interface CtcChar {
  /** The symbol's text (usually one character; NFKC may expand one class, e.g. "…" -> "..."). */
  char: string;
  /** Highest probability over the frames of this symbol, 0..1. */
  prob: number;
  /** First and last frame (inclusive) where it was the best class. */
  first: number;
  last: number;
}

export interface CtcResult {
  text: string;
  /** Mean probability of the non-space symbols, 0..1 (0 when there are none). */
  confidence: number;
  chars: CtcChar[];
  /** Frames in the output (T). */
  frames: number;
}

/** A recogniser's classes: what each one reads as, and which ones may be chosen at all. */
export interface CtcAlphabet {
  symbols: readonly string[];
  /** 1 where a class may be emitted; the blank (class 0) is always allowed. */
  allowed: Uint8Array;
}

/**
 * Between two characters that the greedy path joins, a space is read when the space class's
 * probability summed over the blank frames between them reaches this: the recogniser often lets
 * the blank win a word gap ("STOP 42" -> "STOP42") while the space class still rises there.
 * Measured on 288 rendered lines (6 DejaVu faces x 4 sizes; 1135 spaces, 4316 gaps inside words):
 * the best path alone emits 54% of the spaces; with this rule 96.3% are read and no word splits
 * (the highest sum inside a word was 0.041; at 0.03 one word splits).
 */
export const SPACE_IN_GAP = 0.05;
/**
 * After ",", ";" or ":" and before a letter, where English puts a space, a weaker signal is
 * enough (only 37% of the spaces after punctuation are on the best path, 85% pass SPACE_IN_GAP).
 */
export const SPACE_AFTER_PUNCTUATION = 0.01;
const PUNCTUATION_BEFORE_SPACE = /[,;:]$/;
const LETTER = /^\p{L}/u;

/** Code points Rekognition's DetectText reads: Latin script, digits, punctuation, common symbols. */
function isLatin(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const ok =
      (c >= 0x20 && c <= 0x7e) || // ASCII
      (c >= 0xa0 && c <= 0x24f) || // Latin-1 Supplement, Latin Extended-A/B
      (c >= 0x2010 && c <= 0x2027) || // dashes, quotes, bullet, ellipsis
      c === 0x20ac || // €
      c === 0x2122; // ™
    if (!ok) return false;
  }
  return s.length > 0;
}

/**
 * The PP-OCR alphabet from its dictionary file's lines: class 0 is the CTC blank, then the keys,
 * then a space (the models are trained with use_space_char; 6623 keys -> 6625 classes). Symbols
 * are NFKC-normalised, so full-width forms the Chinese dictionary holds ("，", "：", "Ａ") read as
 * ASCII. With `latinOnly`, classes that are not Latin script (CJK, kana, ...) can never be chosen:
 * a frame whose best class is one of them falls to its best Latin class or the blank.
 */
export function ppocrAlphabet(keys: readonly string[], options: { latinOnly: boolean }): CtcAlphabet {
  const symbols = ['', ...keys.map((k) => k.normalize('NFKC')), ' '];
  const allowed = new Uint8Array(symbols.length);
  allowed[0] = 1;
  for (let i = 1; i < symbols.length; i++) allowed[i] = !options.latinOnly || isLatin(symbols[i]!) ? 1 : 0;
  return { symbols, allowed };
}

/**
 * Decodes item `n` of a [N, T, C] probability tensor. `frames` may be less than T to ignore the
 * columns of right padding.
 */
export function ctcGreedyDecode(probs: Float32Array, dims: readonly number[], n: number, alphabet: CtcAlphabet, frames?: number): CtcResult {
  const [, T, C] = dims as [number, number, number];
  if (C !== alphabet.symbols.length) throw new RangeError(`recogniser has ${C} classes, the alphabet ${alphabet.symbols.length}`);
  const used = Math.min(T, frames ?? T);
  const spaces: number[] = [];
  alphabet.symbols.forEach((sym, c) => {
    if (c > 0 && sym === ' ' && alphabet.allowed[c]) spaces.push(c);
  });
  const chars: CtcChar[] = [];
  let prev = -1;
  // Space probability summed over the blank frames since the last character, and the likeliest frame.
  let gapSpace = 0;
  let gapFrame = -1;
  let gapBest = 0;
  for (let t = 0; t < used; t++) {
    const base = (n * T + t) * C;
    let sp = 0;
    for (const c of spaces) sp += probs[base + c]!;
    let best = 0;
    let bestP = probs[base]!;
    for (let c = 1; c < C; c++) {
      const p = probs[base + c]!;
      if (p > bestP && alphabet.allowed[c]) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0) {
      const last = chars[chars.length - 1];
      if (best === prev && last) {
        last.last = t;
        last.prob = Math.max(last.prob, bestP);
      } else {
        const sym = alphabet.symbols[best]!;
        if (last && last.char !== ' ' && sym !== ' ') {
          const needed = PUNCTUATION_BEFORE_SPACE.test(last.char) && LETTER.test(sym) ? SPACE_AFTER_PUNCTUATION : SPACE_IN_GAP;
          if (gapFrame >= 0 && gapSpace >= needed) chars.push({ char: ' ', prob: Math.min(1, gapSpace), first: gapFrame, last: gapFrame });
        }
        chars.push({ char: sym, prob: bestP, first: t, last: t });
      }
      gapSpace = 0;
      gapBest = 0;
      gapFrame = -1;
    } else {
      gapSpace += sp;
      if (sp > gapBest) {
        gapBest = sp;
        gapFrame = t;
      }
    }
    prev = best;
  }
  const scored = chars.filter((c) => c.char.trim() !== '');
  return {
    text: chars.map((c) => c.char).join(''),
    confidence: scored.length ? scored.reduce((s, c) => s + c.prob, 0) / scored.length : 0,
    chars,
    frames: used,
  };
}
