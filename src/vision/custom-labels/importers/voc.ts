/**
 * Pascal VOC XML (one .xml per image: filename, size, object/name, object/bndbox xmin..ymax, as
 * labelImg and most labelling tools write it) to manifest entries with boxes.
 *
 *   const { entries, problems } = await importVocFolder('photos/', { sourceRefPrefix: 's3://b/photos/' });
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { ImageSize, ManifestBox, ManifestEntry } from '../manifest.js';
import { clampBox, imageSizeOf, sourceRefOf, walk, type ImportOptions, type ImportProblem, type ImportResult } from './common.js';

export interface VocObject {
  name: string;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  difficult: boolean;
}

export interface VocAnnotation {
  filename?: string;
  path?: string;
  /** Absent or zero in some files; the importer then reads the image. */
  size?: ImageSize;
  objects: VocObject[];
}

const unescape = (s: string) =>
  s
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&')
    .trim();

/** The text of the first `<tag>` directly or indirectly inside `xml`. */
function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? unescape(m[1]!) : undefined;
}

function blocks(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]!);
}

/** Reads one VOC annotation; throws with a reason when it is not one. */
export function parseVocXml(xml: string): VocAnnotation {
  const root = tag(xml.replace(/<!--[\s\S]*?-->/g, ''), 'annotation');
  if (root === undefined) throw new Error('no <annotation> element');
  const body = /<annotation(?:\s[^>]*)?>([\s\S]*?)<\/annotation>/.exec(xml.replace(/<!--[\s\S]*?-->/g, ''))![1]!;
  const sizeXml = /<size>([\s\S]*?)<\/size>/.exec(body)?.[1];
  const w = Number(sizeXml && tag(sizeXml, 'width'));
  const h = Number(sizeXml && tag(sizeXml, 'height'));
  const dRaw = sizeXml && tag(sizeXml, 'depth');
  const d = Number(dRaw);
  const objects: VocObject[] = [];
  for (const o of blocks(body, 'object')) {
    // An object's parts (<part>) carry their own boxes; the object's box is outside them.
    const own = o.replace(/<part>[\s\S]*?<\/part>/g, '');
    const box = /<bndbox>([\s\S]*?)<\/bndbox>/.exec(own)?.[1];
    const name = tag(own, 'name');
    if (!box || !name) throw new Error('an <object> without <name> or <bndbox>');
    const n = (k: string) => Number(tag(box, k));
    const obj = { name, xmin: n('xmin'), ymin: n('ymin'), xmax: n('xmax'), ymax: n('ymax'), difficult: tag(own, 'difficult') === '1' };
    if (![obj.xmin, obj.ymin, obj.xmax, obj.ymax].every(Number.isFinite)) throw new Error(`object ${name} has a non-numeric box`);
    objects.push(obj);
  }
  const filename = /<filename>([\s\S]*?)<\/filename>/.exec(body)?.[1];
  const path = /<path>([\s\S]*?)<\/path>/.exec(body)?.[1];
  return {
    ...(filename === undefined ? {} : { filename: unescape(filename) }),
    ...(path === undefined ? {} : { path: unescape(path) }),
    ...(w > 0 && h > 0 ? { size: { width: w, height: h, depth: d > 0 ? d : 3 } } : {}),
    objects,
  };
}

/** The boxes of an annotation, clipped to the image (VOC corners are pixel indices; xmax is taken as exclusive). */
export function vocBoxes(a: VocAnnotation, size: ImageSize): { boxes: ManifestBox[]; dropped: string[] } {
  const boxes: ManifestBox[] = [];
  const dropped: string[] = [];
  for (const o of a.objects) {
    const b = clampBox(o.name, o.xmin, o.ymin, o.xmax, o.ymax, size);
    if (b) boxes.push(b);
    else dropped.push(`${o.name} box (${o.xmin},${o.ymin})-(${o.xmax},${o.ymax}) is empty or outside the ${size.width}x${size.height} image`);
  }
  return { boxes, dropped };
}

/** The manifest entry of one annotation whose image is known. */
export function vocEntry(a: VocAnnotation, sourceRef: string, size: ImageSize): { entry: ManifestEntry; dropped: string[] } {
  const { boxes, dropped } = vocBoxes(a, size);
  return { entry: { sourceRef, labels: [], detection: { imageSize: size, boxes } }, dropped };
}

/** Where the image of an annotation file is: beside it, in a sibling images/ folder, or at its <path>. */
function findImage(xmlFile: string, a: VocAnnotation, root: string): string | undefined {
  const names = [a.filename, a.path && basename(a.path.replace(/\\/g, '/'))].filter((x): x is string => !!x);
  const stem = basename(xmlFile).replace(/\.xml$/i, '');
  const dirs = [dirname(xmlFile), join(dirname(xmlFile), '..', 'images'), join(dirname(xmlFile), '..', 'JPEGImages'), root];
  for (const dir of dirs) {
    for (const n of names) if (existsSync(join(dir, n))) return join(dir, n);
    for (const ext of ['.jpg', '.jpeg', '.png', '.JPG', '.JPEG', '.PNG']) if (existsSync(join(dir, stem + ext))) return join(dir, stem + ext);
  }
  return undefined;
}

/** Imports every .xml under `root` whose image can be found; source-refs are relative to `root`. */
export async function importVocFolder(root: string, o: ImportOptions): Promise<ImportResult> {
  const entries: ManifestEntry[] = [];
  const problems: ImportProblem[] = [];
  for (const file of (await walk(root)).filter((f) => f.toLowerCase().endsWith('.xml'))) {
    const rel = relative(root, file);
    let a: VocAnnotation;
    try {
      a = parseVocXml(await readFile(file, 'utf8'));
    } catch (err) {
      problems.push({ file: rel, message: `not a Pascal VOC annotation: ${(err as Error).message}` });
      continue;
    }
    const image = findImage(file, a, root);
    if (!image) {
      problems.push({ file: rel, message: `image ${a.filename ?? basename(file)} not found` });
      continue;
    }
    let size = a.size;
    try {
      size ??= await imageSizeOf(image);
    } catch (err) {
      problems.push({ file: relative(root, image), message: (err as Error).message });
      continue;
    }
    const { entry, dropped } = vocEntry(a, sourceRefOf(root, image, o.sourceRefPrefix), size);
    entries.push(entry);
    for (const d of dropped) problems.push({ file: rel, message: d });
  }
  return { entries, problems };
}
