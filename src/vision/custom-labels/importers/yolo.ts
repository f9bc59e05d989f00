/**
 * YOLO txt (one .txt per image: `class cx cy w h`, normalised to 0..1; class names in classes.txt,
 * one per line, or `id name` per line) to manifest entries with boxes. The layout is Ultralytics':
 * images/<split>/x.jpg beside labels/<split>/x.txt; an image without a .txt has no boxes.
 *
 *   const { entries } = await importYoloFolder('coco8/', { sourceRefPrefix: 's3://b/coco8/' });
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { ImageSize, ManifestBox, ManifestEntry } from '../manifest.js';
import { clampBox, imageSizeOf, isImageFile, sourceRefOf, walk, type ImportOptions, type ImportProblem, type ImportResult } from './common.js';

/** Class names by id from classes.txt (`name` per line, or `id name`); YAML-style `id: name` too. */
export function parseYoloClasses(text: string): Map<number, string> {
  const out = new Map<number, string>();
  let next = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^(\d+)\s*[:\s]\s*(.+)$/.exec(line);
    if (m) {
      out.set(Number(m[1]), m[2]!.trim());
      next = Number(m[1]) + 1;
    } else out.set(next++, line);
  }
  return out;
}

/** The boxes of one label file for an image of `size`; lines that cannot be read are reported. */
export function parseYoloLabels(text: string, classes: ReadonlyMap<number, string>, size: ImageSize): { boxes: ManifestBox[]; problems: string[] } {
  const boxes: ManifestBox[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const parts = raw.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === '') return;
    const nums = parts.map(Number);
    if (nums.length < 5 || !nums.every(Number.isFinite)) return problems.push(`line ${i + 1}: expected "class cx cy w h"`);
    const [cls, cx, cy, w, h] = nums as [number, number, number, number, number];
    const name = classes.get(cls);
    if (name === undefined) return problems.push(`line ${i + 1}: class ${cls} is not in classes.txt`);
    if (nums.length > 5) return problems.push(`line ${i + 1}: segmentation polygons are not supported; the line is skipped`);
    const b = clampBox(name, (cx - w / 2) * size.width, (cy - h / 2) * size.height, (cx + w / 2) * size.width, (cy + h / 2) * size.height, size);
    if (!b) return problems.push(`line ${i + 1}: the box is empty or outside the image`);
    boxes.push(b);
    return undefined;
  });
  return { boxes, problems };
}

/** The label file of an image: images/ → labels/ in its path, else the .txt beside it. */
function labelFileOf(image: string): string | undefined {
  const stem = image.replace(/\.[^./\\]+$/, '');
  const parts = stem.split(sep);
  const i = parts.lastIndexOf('images');
  if (i >= 0) {
    const p = [...parts.slice(0, i), 'labels', ...parts.slice(i + 1)].join(sep) + '.txt';
    if (existsSync(p)) return p;
  }
  return existsSync(stem + '.txt') ? stem + '.txt' : undefined;
}

/** Imports every image under `root`, with classes from `root/classes.txt` (or `classesFile`). */
export async function importYoloFolder(root: string, o: ImportOptions & { classesFile?: string }): Promise<ImportResult> {
  const problems: ImportProblem[] = [];
  const classesFile = o.classesFile ?? join(root, 'classes.txt');
  if (!existsSync(classesFile)) return { entries: [], problems: [{ file: relative(root, classesFile), message: 'classes.txt not found' }] };
  const classes = parseYoloClasses(await readFile(classesFile, 'utf8'));
  const entries: ManifestEntry[] = [];
  for (const image of (await walk(root)).filter(isImageFile)) {
    let size: ImageSize;
    try {
      size = await imageSizeOf(image);
    } catch (err) {
      problems.push({ file: relative(root, image), message: (err as Error).message });
      continue;
    }
    const labels = labelFileOf(image);
    const parsed = labels ? parseYoloLabels(await readFile(labels, 'utf8'), classes, size) : { boxes: [], problems: [] };
    for (const p of parsed.problems) problems.push({ file: relative(root, labels!), message: p });
    entries.push({ sourceRef: sourceRefOf(root, image, o.sourceRefPrefix), labels: [], detection: { imageSize: size, boxes: parsed.boxes } });
  }
  return { entries, problems };
}
