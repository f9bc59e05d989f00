import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WorkerPool } from '../src/runtime/worker-pool.js';
import { manifest, readModelLabels } from '../src/runtime/catalogue.js';
import { TextService } from '../src/services/text.js';
import { decodeImage, BYTES_LIMITS } from '../src/media/image.js';
import { quadBox } from '../src/vision/text/filters.js';
import type { Quad } from '../src/vision/text/geometry.js';
import { matchReceipt, scoreTexts, textMmocr } from '../bench/text-data.js';
import { EVAL_DATA, hasEvalData, NO_EVAL_DATA } from './helpers/eval-data.js';

// Floors a little below what bench/text-eval.ts measured (the README's DetectText section):
// word crops 50% ignoring case, CER 37.5%; receipts 65.9% ignoring case, CER 6.6%, recall 87.8%.
const data = hasEvalData ? textMmocr(EVAL_DATA) : undefined;

describe('DetectText on text-mmocr', { skip: !data && (hasEvalData ? 'text-mmocr is not in eval-data' : NO_EVAL_DATA) }, () => {
  let pool: WorkerPool;
  let text: TextService;
  before(() => {
    pool = new WorkerPool({ workers: 1, intraOpThreads: 2 });
    text = new TextService(pool, () => readModelLabels(manifest('ppocr-rec')));
  });
  after(async () => {
    await pool.close();
  });

  it('reads the word crops (recognition alone) at least half right, ignoring case', async () => {
    const pairs = [];
    for (const c of data!.crops) {
      // The crops are smaller than the API's 80-px minimum; the service reads them as one line.
      const img = await decodeImage(readFileSync(c.file), { ...BYTES_LIMITS, minSide: 1 });
      const quad: Quad = [
        { x: 0, y: 0 },
        { x: img.width, y: 0 },
        { x: img.width, y: img.height },
        { x: 0, y: img.height },
      ];
      const whole = { quad, score: 1 };
      pairs.push({ predicted: (await text.readRegions(img, [whole])).map((l) => l.text).join(' '), truth: c.label });
    }
    const s = scoreTexts(pairs);
    assert.ok(s.caseInsensitive >= 0.4, `word accuracy ${s.caseInsensitive} (${pairs.map((p) => `${p.truth}->${p.predicted}`).join(', ')})`);
    assert.ok(s.cer <= 0.45, `CER ${s.cer}`);
  });

  it('finds and reads the receipts', async () => {
    const segments = [];
    for (const t of data!.receipts) {
      const img = await decodeImage(readFileSync(t.file), BYTES_LIMITS);
      const r = await text.detectText(img, { maxWords: 100 });
      const px = (q: Quad) => {
        const b = quadBox(q);
        return { left: b.left * img.width, top: b.top * img.height, width: b.width * img.width, height: b.height * img.height };
      };
      segments.push(...matchReceipt(t, r.lines.map((l) => ({ text: l.text, box: px(l.quad), words: l.words.map((w) => ({ text: w.text, box: px(w.quad) })) }))));
    }
    const s = scoreTexts(segments);
    const recall = segments.filter((x) => x.detected).length / segments.length;
    assert.ok(recall >= 0.82, `detection recall ${recall}`);
    assert.ok(s.caseInsensitive >= 0.6, `segment accuracy ${s.caseInsensitive}`);
    assert.ok(s.cer <= 0.1, `CER ${s.cer}`);
  });
});
