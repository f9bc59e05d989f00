/** `argus detect-moderation-labels <file|s3://bucket/key>`: DetectModerationLabels through the operation table, in process. */
import type { DetectModerationLabelsResponse } from '@aws-sdk/client-rekognition';
import { loadConfig } from '../config.js';
import { buildServices } from '../app.js';
import { dispatch } from '../operations/dispatch.js';
import { flagNumber, type Parsed } from './args.js';
import { renderTable } from './table.js';
import { imageArgument } from './detect-labels.js';

const USAGE = 'usage: argus detect-moderation-labels <file|s3://bucket/key> [--json] [--min-confidence N]';

export async function detectModerationLabelsCommand(p: Parsed): Promise<void> {
  const source = p.positionals[0];
  if (!source) throw new Error(USAGE);
  const config = loadConfig(process.env, { warmUp: false, workers: 1 });
  const built = buildServices(config);
  try {
    const body: Record<string, unknown> = { Image: imageArgument(source) };
    const min = flagNumber(p, 'min-confidence');
    if (min !== undefined) body.MinConfidence = min;
    const r = (await dispatch('DetectModerationLabels', body, built.services, { requestId: 'cli', accessKeyId: 'cli' })) as DetectModerationLabelsResponse;
    if (p.flags.has('json')) {
      console.log(JSON.stringify(r, null, 2));
      return;
    }
    const labels = r.ModerationLabels ?? [];
    if (labels.length) {
      console.log(renderTable(['Label', 'Parent', 'Level', 'Confidence'], labels.map((l) => [l.Name!, l.ParentName || '-', l.TaxonomyLevel!, l.Confidence!.toFixed(1)])));
    } else {
      console.log('No moderation labels.');
    }
    const types = r.ContentTypes ?? [];
    if (types.length) console.log(`\nContentTypes: ${types.map((c) => `${c.Name} ${c.Confidence!.toFixed(1)}`).join(', ')}`);
    console.log(`\nModerationModelVersion ${r.ModerationModelVersion}`);
  } finally {
    await built.close();
  }
}
