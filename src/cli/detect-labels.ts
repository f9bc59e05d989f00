/** `argus detect-labels <file|s3://bucket/key>`: DetectLabels through the operation table, in process. */
import { readFileSync } from 'node:fs';
import type { DetectLabelsResponse } from '@aws-sdk/client-rekognition';
import { loadConfig } from '../config.js';
import { buildServices } from '../app.js';
import { dispatch } from '../operations/dispatch.js';
import { flagNumber, flagString, type Parsed } from './args.js';
import { renderTable } from './table.js';

export function imageArgument(source: string): object {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(source);
  if (m) return { S3Object: { Bucket: m[1], Name: m[2] } };
  return { Bytes: readFileSync(source).toString('base64') };
}

export async function detectLabelsCommand(p: Parsed): Promise<void> {
  const source = p.positionals[0];
  if (!source) throw new Error('usage: argus detect-labels <file|s3://bucket/key> [--json] [--min-confidence N] [--max-labels N] [--features GENERAL_LABELS,IMAGE_PROPERTIES]');
  const config = loadConfig(process.env, { warmUp: false, workers: 1 });
  const built = buildServices(config);
  try {
    const body: Record<string, unknown> = { Image: imageArgument(source) };
    const min = flagNumber(p, 'min-confidence');
    const max = flagNumber(p, 'max-labels');
    const features = flagString(p, 'features');
    if (min !== undefined) body.MinConfidence = min;
    if (max !== undefined) body.MaxLabels = max;
    if (features) body.Features = features.split(/[ ,]+/);
    const r = (await dispatch('DetectLabels', body, built.services, { requestId: 'cli', accessKeyId: 'cli' })) as DetectLabelsResponse;
    if (p.flags.has('json')) {
      console.log(JSON.stringify(r, null, 2));
      return;
    }
    if (r.Labels) {
      console.log(
        renderTable(
          ['Label', 'Confidence', 'Instances', 'Parents', 'Categories'],
          r.Labels.map((l) => [l.Name!, l.Confidence!.toFixed(1), l.Instances?.length ?? 0, (l.Parents ?? []).map((x) => x.Name).join(', '), (l.Categories ?? []).map((x) => x.Name).join(', ')]),
        ),
      );
    }
    if (r.ImageProperties) {
      const q = r.ImageProperties.Quality!;
      console.log(`\nQuality: brightness ${q.Brightness?.toFixed(1)}, sharpness ${q.Sharpness?.toFixed(1)}, contrast ${q.Contrast?.toFixed(1)}`);
      console.log(renderTable(['Colour', 'Hex', 'Simplified', 'Pixels %'], (r.ImageProperties.DominantColors ?? []).map((c) => [c.CSSColor!, c.HexCode!, c.SimplifiedColor!, c.PixelPercent!.toFixed(1)])));
    }
    console.log(`\nLabelModelVersion ${r.LabelModelVersion}`);
  } finally {
    await built.close();
  }
}
