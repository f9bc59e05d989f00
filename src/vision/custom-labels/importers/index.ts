/**
 * The annotation importers behind one call: a folder of Pascal VOC XML, a COCO JSON file, a YOLO
 * folder (classes.txt) or a folder per label, each turned into Ground Truth manifest entries.
 *
 *   const { format, entries, problems } = await importAnnotations('photos/', { sourceRefPrefix: 's3://b/photos/' });
 *   writeFileSync('train.manifest', writeManifest(entries));
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importCoco } from './coco.js';
import { importLabelFolders } from './folders.js';
import { importVocFolder } from './voc.js';
import { importYoloFolder } from './yolo.js';
import { walk, type ImportOptions, type ImportResult } from './common.js';

export type AnnotationFormat = 'voc' | 'coco' | 'yolo' | 'folders';

export { importCoco, importLabelFolders, importVocFolder, importYoloFolder };
export type { ImportOptions, ImportProblem, ImportResult } from './common.js';

/** Which format a path holds: a .json file is COCO; a folder with classes.txt YOLO, with .xml files VOC, else a folder per label. */
export async function detectFormat(path: string): Promise<AnnotationFormat> {
  if (statSync(path).isFile()) return 'coco';
  if (existsSync(join(path, 'classes.txt'))) return 'yolo';
  const files = await walk(path);
  if (files.some((f) => f.toLowerCase().endsWith('.xml'))) return 'voc';
  return 'folders';
}

/**
 * Imports `path` in the given format (detected when not given). For COCO, `path` is the JSON file
 * and image file names are relative to its folder.
 */
export async function importAnnotations(path: string, o: ImportOptions & { format?: AnnotationFormat }): Promise<ImportResult & { format: AnnotationFormat }> {
  const format = o.format ?? (await detectFormat(path));
  switch (format) {
    case 'coco': {
      let data: unknown;
      try {
        data = JSON.parse(await readFile(path, 'utf8'));
      } catch (err) {
        return { format, entries: [], problems: [{ file: path, message: `not JSON: ${(err as Error).message}` }] };
      }
      return { format, ...importCoco(data, o) };
    }
    case 'yolo':
      return { format, ...(await importYoloFolder(path, o)) };
    case 'voc':
      return { format, ...(await importVocFolder(path, o)) };
    case 'folders':
      return { format, ...(await importLabelFolders(path, o)) };
  }
}
