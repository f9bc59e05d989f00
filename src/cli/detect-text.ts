/** `argus detect-text <file|s3://bucket/key>`: DetectText through the operation table, in process. */
import type { DetectTextResponse } from '@aws-sdk/client-rekognition';
import { flagNumber, type Parsed } from './args.js';
import { renderTable } from './table.js';
import { runImageCommand } from './image-command.js';

export function detectTextCommand(p: Parsed): Promise<void> {
  return runImageCommand<DetectTextResponse>(p, {
    operation: 'DetectText',
    usage: 'usage: argus detect-text <file|s3://bucket/key> [--json] [--min-confidence N]',
    request(args) {
      const min = flagNumber(args, 'min-confidence');
      return min === undefined ? {} : { Filters: { WordFilter: { MinConfidence: min } } };
    },
    print(r) {
      const all = r.TextDetections ?? [];
      const lines = all.filter((d) => d.Type === 'LINE');
      const words = (id: number | undefined) => all.filter((d) => d.Type === 'WORD' && d.ParentId === id).length;
      console.log(
        renderTable(
          ['Id', 'Line', 'Confidence', 'Words', 'Left', 'Top', 'Width', 'Height'],
          lines.map((l) => {
            const b = l.Geometry!.BoundingBox!;
            return [l.Id!, l.DetectedText!, l.Confidence!.toFixed(1), words(l.Id), b.Left!.toFixed(3), b.Top!.toFixed(3), b.Width!.toFixed(3), b.Height!.toFixed(3)];
          }),
        ),
      );
      console.log(`\n${lines.length} lines, ${all.length - lines.length} words; TextModelVersion ${r.TextModelVersion}`);
    },
  });
}
