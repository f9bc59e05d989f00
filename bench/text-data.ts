/**
 * The text-mmocr evaluation set and its metrics, shared by bench/text-eval.ts and the eval test.
 *  - word-crops/labels.txt: `file word` per line (10 cropped words, most under 80 px);
 *  - receipts/data.txt: JSON lines {file_name, annotations: [{box: 8 numbers, text}]}; the texts
 *    are segments written without spaces ("THANKYOUFORSHOPPINGWITHUS!"), some with the labeller's
 *    typos ("MuitipliedCpn"), so no reader scores 100% on them.
 * Receipt protocol: a ground-truth segment is *detected* when a LINE or WORD box overlaps it with
 * IoU >= 0.5; its text is read from the best-overlapping LINE, WORD or run of consecutive words
 * of one line (IoU >= 0.5, else it reads as nothing), compared with spaces removed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { iou, type Box } from '../src/vision/boxes.js';

export interface WordCrop {
  file: string;
  label: string;
}

export interface ReceiptTruth {
  file: string;
  segments: { box: Box; text: string }[];
}

/** A reader's output on one image: lines with their words, boxes in pixels. */
export interface ReadLine {
  text: string;
  box: Box;
  words: { text: string; box: Box }[];
}

export function textMmocr(evalData: string): { crops: WordCrop[]; receipts: ReceiptTruth[] } | undefined {
  const dir = join(evalData, 'text-mmocr');
  if (!existsSync(dir)) return undefined;
  const crops = readFileSync(join(dir, 'word-crops', 'labels.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [file, ...word] = l.split(/\s+/);
      return { file: join(dir, 'word-crops', file!), label: word.join(' ') };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
  const receipts = readFileSync(join(dir, 'receipts', 'data.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const j = JSON.parse(l) as { file_name: string; annotations: { box: number[]; text: string }[] };
      return {
        file: join(dir, 'receipts', basename(j.file_name)),
        segments: j.annotations
          .filter((a) => a.text.trim() !== '')
          .map((a) => {
            const xs = a.box.filter((_, i) => i % 2 === 0);
            const ys = a.box.filter((_, i) => i % 2 === 1);
            const left = Math.min(...xs);
            const top = Math.min(...ys);
            return { text: a.text, box: { left, top, width: Math.max(...xs) - left, height: Math.max(...ys) - top } };
          }),
      };
    });
  return { crops, receipts };
}

export function levenshtein(a: string, b: string): number {
  const A = [...a];
  const B = [...b];
  let prev = Array.from({ length: B.length + 1 }, (_, j) => j);
  for (let i = 1; i <= A.length; i++) {
    const cur = [i];
    for (let j = 1; j <= B.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (A[i - 1] === B[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[B.length]!;
}

export const squash = (s: string) => s.replace(/\s+/g, '');

export interface TextScore {
  items: number;
  exact: number;
  caseInsensitive: number;
  /** Character error rate: edits / ground-truth characters. */
  cer: number;
}

/** Scores (prediction, truth) pairs with spaces removed from both. */
export function scoreTexts(pairs: readonly { predicted: string; truth: string }[]): TextScore {
  let exact = 0;
  let ci = 0;
  let edits = 0;
  let chars = 0;
  for (const { predicted, truth } of pairs) {
    const p = squash(predicted);
    const t = squash(truth);
    if (p === t) exact++;
    if (p.toLowerCase() === t.toLowerCase()) ci++;
    edits += levenshtein(p, t);
    chars += [...t].length;
  }
  const n = Math.max(1, pairs.length);
  return { items: pairs.length, exact: exact / n, caseInsensitive: ci / n, cer: edits / Math.max(1, chars) };
}

const union = (a: Box, b: Box): Box => {
  const left = Math.min(a.left, b.left);
  const top = Math.min(a.top, b.top);
  return { left, top, width: Math.max(a.left + a.width, b.left + b.width) - left, height: Math.max(a.top + a.height, b.top + b.height) - top };
};

/** Per receipt segment: whether it was detected and what text was read for it (see module comment). */
export function matchReceipt(truth: ReceiptTruth, lines: readonly ReadLine[]): { detected: boolean; predicted: string; truth: string }[] {
  const boxes = lines.flatMap((l) => [l.box, ...l.words.map((w) => w.box)]);
  const candidates: { box: Box; text: string }[] = lines.flatMap((l) => {
    const out = [{ box: l.box, text: l.text }];
    for (let i = 0; i < l.words.length; i++) {
      let box = l.words[i]!.box;
      let text = '';
      for (let j = i; j < l.words.length; j++) {
        box = union(box, l.words[j]!.box);
        text += l.words[j]!.text;
        out.push({ box, text });
      }
    }
    return out;
  });
  return truth.segments.map((s) => {
    const detected = boxes.some((b) => iou(b, s.box) >= 0.5);
    let best: { v: number; text: string } = { v: 0.5, text: '' };
    for (const c of candidates) {
      const v = iou(c.box, s.box);
      if (v >= best.v) best = { v, text: c.text };
    }
    return { detected, predicted: best.text, truth: s.text };
  });
}
