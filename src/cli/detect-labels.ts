/** `argus detect-labels <file|s3://bucket/key>`: DetectLabels through the operation table, in process. */
import type { DetectLabelsResponse } from '@aws-sdk/client-rekognition';
import { flagNumber, flagString, type Parsed } from './args.js';
import { renderTable } from './table.js';
import { runImageCommand } from './image-command.js';

export function detectLabelsCommand(p: Parsed): Promise<void> {
  return runImageCommand<DetectLabelsResponse>(p, {
    operation: 'DetectLabels',
    usage: 'usage: argus detect-labels <file|s3://bucket/key> [--json] [--min-confidence N] [--max-labels N] [--features GENERAL_LABELS,IMAGE_PROPERTIES]',
    request(args) {
      const body: Record<string, unknown> = {};
      const min = flagNumber(args, 'min-confidence');
      const max = flagNumber(args, 'max-labels');
      const features = flagString(args, 'features');
      if (min !== undefined) body.MinConfidence = min;
      if (max !== undefined) body.MaxLabels = max;
      if (features) body.Features = features.split(/[ ,]+/);
      return body;
    },
    print(r) {
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
    },
  });
}
