/**
 * COCO detection JSON (images, annotations with bbox [x, y, width, height] in pixels, categories)
 * to manifest entries with boxes. Crowd annotations (iscrowd = 1) are kept as boxes, as most
 * trainers do; images without annotations become entries with no boxes.
 *
 *   const { entries } = importCoco(JSON.parse(text), { sourceRefPrefix: 's3://b/train2017/' });
 */
import type { ManifestBox, ManifestEntry } from '../manifest.js';
import { clampBox, type ImportOptions, type ImportProblem, type ImportResult } from './common.js';

export interface CocoDataset {
  images: { id: number | string; file_name: string; width: number; height: number }[];
  annotations?: { image_id: number | string; category_id: number | string; bbox: number[]; iscrowd?: number }[];
  categories: { id: number | string; name: string }[];
}

/** Entries in the order of `images`; file_name is appended to the prefix. */
export function importCoco(data: unknown, o: ImportOptions): ImportResult {
  const problems: ImportProblem[] = [];
  const d = data as Partial<CocoDataset>;
  if (!d || !Array.isArray(d.images) || !Array.isArray(d.categories)) {
    return { entries: [], problems: [{ file: '', message: 'not a COCO dataset: images and categories must be lists' }] };
  }
  const names = new Map(d.categories.map((c) => [String(c.id), c.name]));
  const boxes = new Map<string, ManifestBox[]>();
  const images = new Map(d.images.map((i) => [String(i.id), i]));
  (d.annotations ?? []).forEach((a, n) => {
    const img = images.get(String(a.image_id));
    const name = names.get(String(a.category_id));
    if (!img) return problems.push({ file: '', message: `annotation ${n}: no image with id ${a.image_id}` });
    if (!name) return problems.push({ file: img.file_name, message: `annotation ${n}: no category with id ${a.category_id}` });
    if (!Array.isArray(a.bbox) || a.bbox.length !== 4 || !a.bbox.every(Number.isFinite)) return problems.push({ file: img.file_name, message: `annotation ${n}: bbox must be [x, y, width, height]` });
    const [x, y, w, h] = a.bbox as [number, number, number, number];
    const b = clampBox(name, x, y, x + w, y + h, img);
    if (!b) return problems.push({ file: img.file_name, message: `annotation ${n}: ${name} box is empty or outside the image` });
    const list = boxes.get(String(a.image_id)) ?? [];
    list.push(b);
    boxes.set(String(a.image_id), list);
    return undefined;
  });
  const entries: ManifestEntry[] = [];
  for (const img of d.images) {
    if (!(img.width > 0 && img.height > 0) || typeof img.file_name !== 'string') {
      problems.push({ file: String(img.file_name ?? img.id), message: 'image without file_name, width and height' });
      continue;
    }
    const ref = o.sourceRefPrefix.endsWith('/') || o.sourceRefPrefix === '' ? o.sourceRefPrefix + img.file_name : `${o.sourceRefPrefix}/${img.file_name}`;
    entries.push({ sourceRef: ref, labels: [], detection: { imageSize: { width: img.width, height: img.height, depth: 3 }, boxes: boxes.get(String(img.id)) ?? [] } });
  }
  return { entries, problems };
}
