/**
 * DetectText's selection rules, on lines whose geometry is in ratios of the image:
 *  - reading order: lines top to bottom; lines whose vertical centres are within half a line
 *    height of each other form a row, read left to right;
 *  - WordFilter: a word is dropped when its confidence (0..100) or its BoundingBox height/width is
 *    below the minimum;
 *  - RegionsOfInterest: a word is kept when more than half of it lies inside one of the regions
 *    (Rekognition: "a word is included in the region if the word is more than half in that region");
 *  - at most `maxWords` words (Rekognition returns up to 100), taken in reading order;
 *  - a line keeps only its surviving words: its text and polygon are rebuilt from them, and a line
 *    with none left is dropped.
 * Pure.
 */
import type { Box } from '../boxes.js';
import { boundsOf, boxPolygon, shareInside, type Point, type Quad } from './geometry.js';
import type { LineReading, PlacedText } from './words.js';

export interface RegionOfInterest {
  box?: Box;
  /** Used instead of `box` when given (at least 3 points). */
  polygon?: Point[];
}

export interface TextSelection {
  /** Minimum word confidence, 0..100. */
  minConfidence?: number;
  minBoundingBoxHeight?: number;
  minBoundingBoxWidth?: number;
  regions?: RegionOfInterest[];
  maxWords: number;
}

/** Rekognition's limit of words per image. */
export const MAX_WORDS = 100;

/** Axis-aligned bounds of a quad in ratios, clipped to the image. */
export function quadBox(q: Quad): Box {
  const b = boundsOf(q);
  const left = Math.max(0, b.left);
  const top = Math.max(0, b.top);
  return { left, top, width: Math.max(0, Math.min(1, b.left + b.width) - left), height: Math.max(0, Math.min(1, b.top + b.height) - top) };
}

/** Lines in reading order (see the module comment). */
export function readingOrder<T extends { quad: Quad }>(lines: readonly T[]): T[] {
  const info = lines.map((line) => {
    const b = boundsOf(line.quad);
    return { line, cy: b.top + b.height / 2, h: b.height, x: b.left };
  });
  info.sort((a, b) => a.cy - b.cy);
  const rows: (typeof info)[] = [];
  for (const item of info) {
    const row = rows[rows.length - 1];
    const anchor = row?.[0];
    if (row && anchor && Math.abs(item.cy - anchor.cy) < 0.5 * Math.min(item.h, anchor.h)) row.push(item);
    else rows.push([item]);
  }
  return rows.flatMap((row) => row.sort((a, b) => a.x - b.x).map((r) => r.line));
}

function regionPolygon(r: RegionOfInterest): Point[] | undefined {
  if (r.polygon && r.polygon.length >= 3) return r.polygon;
  return r.box ? boxPolygon(r.box) : undefined;
}

/** The lines with only the words that pass the selection, in reading order. */
export function selectText(lines: readonly LineReading[], s: TextSelection): LineReading[] {
  const regions = (s.regions ?? []).map(regionPolygon).filter((p): p is Point[] => p !== undefined);
  const passes = (w: PlacedText) => {
    const box = quadBox(w.quad);
    if (s.minConfidence !== undefined && w.confidence * 100 < s.minConfidence) return false;
    if (s.minBoundingBoxHeight !== undefined && box.height < s.minBoundingBoxHeight) return false;
    if (s.minBoundingBoxWidth !== undefined && box.width < s.minBoundingBoxWidth) return false;
    if (s.regions?.length && !regions.some((r) => shareInside(w.quad, r) > 0.5)) return false;
    return true;
  };
  let budget = s.maxWords;
  const out: LineReading[] = [];
  for (const line of readingOrder(lines)) {
    if (budget <= 0) break;
    const kept = line.words.filter(passes).slice(0, budget);
    if (!kept.length) continue;
    budget -= kept.length;
    if (kept.length === line.words.length) {
      out.push(line);
      continue;
    }
    const first = kept[0]!.quad;
    const last = kept[kept.length - 1]!.quad;
    out.push({
      text: kept.map((w) => w.text).join(' '),
      confidence: kept.reduce((a, w) => a + w.confidence, 0) / kept.length,
      quad: [first[0], last[1], last[2], first[3]].map((p) => ({ ...p })) as Quad,
      words: kept,
    });
  }
  return out;
}
