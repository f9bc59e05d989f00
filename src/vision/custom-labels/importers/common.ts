/**
 * What the annotation importers share: their result, box clamping, the source-ref of a local
 * image, and reading image sizes (with sharp, header only) when the annotation format omits them.
 */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import sharp from 'sharp';
import { IMAGE_EXTENSIONS, type ImageSize, type ManifestBox, type ManifestEntry } from '../manifest.js';

export interface ImportProblem {
  /** The annotation or image file (relative to the imported folder), or '' for the whole import. */
  file: string;
  message: string;
}

export interface ImportResult {
  entries: ManifestEntry[];
  /** Files skipped or boxes dropped, with the reason; the rest of the import stands. */
  problems: ImportProblem[];
}

export interface ImportOptions {
  /**
   * Prefix of every source-ref: an image at `<root>/a/b.jpg` becomes `<sourceRefPrefix>a/b.jpg`.
   * Typically `s3://bucket/some/prefix/` where the images are (or will be) uploaded.
   */
  sourceRefPrefix: string;
}

export const isImageFile = (name: string): boolean => IMAGE_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

/** The source-ref of a file under `root`, with forward slashes whatever the platform. */
export function sourceRefOf(root: string, file: string, prefix: string): string {
  const rel = relative(root, file).split(sep).join('/');
  return prefix.endsWith('/') || prefix === '' ? prefix + rel : `${prefix}/${rel}`;
}

/**
 * A box from corner coordinates, clipped to the image; undefined when nothing of it is left.
 * Corners are in pixels, x2/y2 exclusive.
 */
export function clampBox(label: string, x1: number, y1: number, x2: number, y2: number, size: { width: number; height: number }): ManifestBox | undefined {
  const left = Math.max(0, Math.min(x1, x2));
  const top = Math.max(0, Math.min(y1, y2));
  const right = Math.min(size.width, Math.max(x1, x2));
  const bottom = Math.min(size.height, Math.max(y1, y2));
  if (!(right - left >= 1 && bottom - top >= 1)) return undefined;
  return { label, left, top, width: right - left, height: bottom - top };
}

/** Width, height and channel count of an image file, from its header (EXIF orientation applied). */
export async function imageSizeOf(file: string): Promise<ImageSize> {
  const m = await sharp(file).metadata();
  if (!m.width || !m.height) throw new Error(`cannot read the size of ${file}`);
  const swap = (m.orientation ?? 1) >= 5;
  return { width: swap ? m.height : m.width, height: swap ? m.width : m.height, depth: m.channels ?? 3 };
}

/** Every file under `dir`, recursively, sorted by path. */
export async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...(await walk(p)));
    else if (d.isFile()) out.push(p);
  }
  return out.sort();
}
