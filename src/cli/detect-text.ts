/** `argus detect-text <file|s3://bucket/key>`: DetectText through the operation table, in process. */
import type { DetectTextResponse } from '@aws-sdk/client-rekognition';
import { loadConfig } from '../config.js';
import { buildServices } from '../app.js';
import { dispatch } from '../operations/dispatch.js';
import { flagNumber, type Parsed } from './args.js';
import { renderTable } from './table.js';
import { imageArgument } from './detect-labels.js';

const USAGE = 'usage: argus detect-text <file|s3://bucket/key> [--json] [--min-confidence N]';

export async function detectTextCommand(p: Parsed): Promise<void> {
  const source = p.positionals[0];
  if (!source) throw new Error(USAGE);
  const config = loadConfig(process.env, { warmUp: false, workers: 1 });
  const built = buildServices(config);
  try {
    const body: Record<string, unknown> = { Image: imageArgument(source) };
    const min = flagNumber(p, 'min-confidence');
    if (min !== undefined) body.Filters = { WordFilter: { MinConfidence: min } };
    const r = (await dispatch('DetectText', body, built.services, { requestId: 'cli', accessKeyId: 'cli' })) as DetectTextResponse;
    if (p.flags.has('json')) {
      console.log(JSON.stringify(r, null, 2));
      return;
    }
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
  } finally {
    await built.close();
  }
}
