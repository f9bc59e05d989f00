/**
 * Folder per label (classification): `<root>/<label>/<image>`; the image's folder name directly
 * under root is its label. Images directly in root are imported unlabelled. Only JPEG and PNG
 * files are taken; other files are reported.
 *
 *   const { entries } = await importLabelFolders('masks/', { sourceRefPrefix: 's3://b/masks/' });
 */
import { relative, sep } from 'node:path';
import type { ManifestEntry } from '../manifest.js';
import { isImageFile, sourceRefOf, walk, type ImportOptions, type ImportProblem, type ImportResult } from './common.js';

/** Entries for a list of paths relative to the root (pure; the folder name is the label). */
export function labelFolderEntries(relativePaths: readonly string[], o: ImportOptions): ImportResult {
  const entries: ManifestEntry[] = [];
  const problems: ImportProblem[] = [];
  for (const rel of relativePaths) {
    const parts = rel.split(/[\\/]/);
    if (!isImageFile(rel)) {
      problems.push({ file: rel, message: 'not a JPEG or PNG image; skipped' });
      continue;
    }
    entries.push({ sourceRef: sourceRefOf('', parts.join('/'), o.sourceRefPrefix), labels: parts.length > 1 ? [parts[0]!] : [] });
  }
  return { entries, problems };
}

export async function importLabelFolders(root: string, o: ImportOptions): Promise<ImportResult> {
  const files = (await walk(root)).map((f) => relative(root, f).split(sep).join('/'));
  // Text files beside the images (a README, a CSV of the split) are not images to report.
  return labelFolderEntries(files.filter((f) => !/\.(txt|csv|md|json|xml)$/i.test(f) && !/(^|\/)(LICENSE|\.)/.test(f)), o);
}
