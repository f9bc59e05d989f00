/** `argus detect-moderation-labels <file|s3://bucket/key>`: DetectModerationLabels through the operation table, in process. */
import type { DetectModerationLabelsResponse } from '@aws-sdk/client-rekognition';
import { flagNumber, type Parsed } from './args.js';
import { renderTable } from './table.js';
import { runImageCommand } from './image-command.js';

export function detectModerationLabelsCommand(p: Parsed): Promise<void> {
  return runImageCommand<DetectModerationLabelsResponse>(p, {
    operation: 'DetectModerationLabels',
    usage: 'usage: argus detect-moderation-labels <file|s3://bucket/key> [--json] [--min-confidence N]',
    request(args) {
      const min = flagNumber(args, 'min-confidence');
      return min === undefined ? {} : { MinConfidence: min };
    },
    print(r) {
      const labels = r.ModerationLabels ?? [];
      if (labels.length) {
        console.log(renderTable(['Label', 'Parent', 'Level', 'Confidence'], labels.map((l) => [l.Name!, l.ParentName || '-', l.TaxonomyLevel!, l.Confidence!.toFixed(1)])));
      } else {
        console.log('No moderation labels.');
      }
      const types = r.ContentTypes ?? [];
      if (types.length) console.log(`\nContentTypes: ${types.map((c) => `${c.Name} ${c.Confidence!.toFixed(1)}`).join(', ')}`);
      console.log(`\nModerationModelVersion ${r.ModerationModelVersion}`);
    },
  });
}
