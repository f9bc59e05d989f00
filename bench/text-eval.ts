/**
 * DetectText accuracy and latency against tesseract.js, on the same images in the same run:
 *  - text-mmocr word crops: recognition alone (Argus: the whole crop as one line; tesseract: PSM 7,
 *    a single line) and end to end (the crop centred on a canvas of its border colour, at least
 *    96 px, through DetectText; tesseract: automatic page segmentation), where the word read is
 *    the WORD nearest the centre (the crops hold bits of neighbouring words at their edges);
 *  - text-mmocr receipts, end to end: segment accuracy, CER and detection recall (bench/text-data.ts);
 *  - latency on generated images of typical sizes (a 640x480 sign, a 1280x960 page of 16 lines).
 * Argus runs as the server does by default (one inference worker per core, one thread each);
 * tesseract.js 7 runs the LSTM engine with the local English data from @tesseract.js-data/eng
 * (4.0.0_best_int), no network.
 * Usage: npx tsc -p . && node dist/bench/text-eval.js [--verbose]
 * Writes bench/results/text-eval.json and prints a table.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import type { DetectTextResponse } from '@aws-sdk/client-rekognition';
import { createWorker, OEM, PSM, type Worker as TesseractWorker, type Bbox } from 'tesseract.js';
import { loadConfig } from '../src/config.js';
import { buildServices } from '../src/app.js';
import { dispatch } from '../src/operations/dispatch.js';
import { decodeImage, BYTES_LIMITS } from '../src/media/image.js';
import { renderTable } from '../src/cli/table.js';
import type { Quad } from '../src/vision/text/geometry.js';
import { EVAL_DATA, median } from './util.js';
import { matchReceipt, scoreTexts, textMmocr, type ReadLine, type TextScore } from './text-data.js';

const VERBOSE = process.argv.includes('--verbose');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const require = createRequire(import.meta.url);
const LANG_PATH = join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');

interface Reader {
  name: string;
  /** Whole image, automatic layout: lines with words, boxes in pixels. */
  read(bytes: Buffer): Promise<ReadLine[]>;
  /** The whole image as one line of text. */
  readLine(bytes: Buffer): Promise<string>;
  close(): Promise<void>;
}

const pxBox = (b: { Left?: number; Top?: number; Width?: number; Height?: number }, w: number, h: number) => ({
  left: b.Left! * w,
  top: b.Top! * h,
  width: b.Width! * w,
  height: b.Height! * h,
});

async function argusReader(): Promise<Reader> {
  const dataDir = mkdtempSync(join(tmpdir(), 'argus-text-eval-'));
  const built = buildServices(loadConfig({}, { dataDir, warmUp: false, credentials: [] }));
  await built.services.runtime.warmUp([...built.services.text.models]);
  const ctx = { requestId: 'bench', accessKeyId: 'bench' };
  return {
    name: 'Argus (PP-OCRv4)',
    async read(bytes) {
      const meta = await sharp(bytes).metadata();
      const r = (await dispatch('DetectText', { Image: { Bytes: bytes.toString('base64') } }, built.services, ctx)) as DetectTextResponse;
      const all = r.TextDetections ?? [];
      return all
        .filter((d) => d.Type === 'LINE')
        .map((l) => ({
          text: l.DetectedText!,
          box: pxBox(l.Geometry!.BoundingBox!, meta.width, meta.height),
          words: all.filter((d) => d.ParentId === l.Id).map((w) => ({ text: w.DetectedText!, box: pxBox(w.Geometry!.BoundingBox!, meta.width, meta.height) })),
        }));
    },
    async readLine(bytes) {
      // Word crops are smaller than the API's 80-px minimum: decode them with the same pipeline, minus that check.
      const img = await decodeImage(bytes, { ...BYTES_LIMITS, minSide: 1 });
      const whole: Quad = [
        { x: 0, y: 0 },
        { x: img.width, y: 0 },
        { x: img.width, y: img.height },
        { x: 0, y: img.height },
      ];
      const lines = await built.services.text.readRegions(img, [{ quad: whole, score: 1 }]);
      return lines.map((l) => l.text).join(' ');
    },
    async close() {
      await built.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function tesseractReader(): Promise<Reader> {
  const worker: TesseractWorker = await createWorker('eng', OEM.LSTM_ONLY, { langPath: LANG_PATH, cacheMethod: 'none', gzip: true });
  const box = (b: Bbox) => ({ left: b.x0, top: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0 });
  return {
    name: 'tesseract.js 7 (eng best_int)',
    async read(bytes) {
      await worker.setParameters({ tessedit_pageseg_mode: PSM.AUTO });
      const { data } = await worker.recognize(bytes, {}, { blocks: true });
      return (data.blocks ?? [])
        .flatMap((b) => b.paragraphs.flatMap((p) => p.lines))
        .map((l) => ({ text: l.text.trim(), box: box(l.bbox), words: l.words.filter((w) => w.text.trim()).map((w) => ({ text: w.text, box: box(w.bbox) })) }))
        .filter((l) => l.text !== '');
    },
    async readLine(bytes) {
      await worker.setParameters({ tessedit_pageseg_mode: PSM.SINGLE_LINE });
      const { data } = await worker.recognize(bytes);
      return data.text.trim();
    },
    async close() {
      await worker.terminate();
    },
  };
}

/** A crop centred on a canvas of its mean border colour, at least 96 px and with 16 px around it. */
async function onCanvas(bytes: Buffer): Promise<Buffer> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (x && y && x < info.width - 1 && y < info.height - 1) continue;
      for (let c = 0; c < 3; c++) sum[c]! += data[(y * info.width + x) * info.channels + c]!;
      n++;
    }
  }
  const [r, g, b] = sum.map((s) => Math.round(s / n)) as [number, number, number];
  const padX = Math.max(16, Math.ceil((96 - info.width) / 2));
  const padY = Math.max(16, Math.ceil((96 - info.height) / 2));
  return sharp(bytes).extend({ left: padX, right: padX, top: padY, bottom: padY, background: { r, g, b } }).png().toBuffer();
}

/** Generated images of typical sizes, with the text drawn on them. */
async function typicalImages(): Promise<{ name: string; bytes: Buffer; lines: string[] }[]> {
  const sign = ['OPEN 24 HOURS', 'Pharmacy & Drugstore'];
  const signSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="640" height="480" fill="#1d4e89"/>
    <text x="60" y="200" font-family="DejaVu Sans" font-weight="bold" font-size="64" fill="white">${sign[0]}</text>
    <text x="60" y="300" font-family="DejaVu Sans" font-size="40" fill="#ffd23f">${sign[1]!.replace('&', '&amp;')}</text></svg>`;
  const page = Array.from({ length: 16 }, (_, i) => `${i + 1}. Invoice line ${String.fromCharCode(65 + i)}-${1000 + i * 37}: total $${(i * 12.5 + 3.99).toFixed(2)}`);
  const pageSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="960"><rect width="1280" height="960" fill="#fbfaf5"/>
    ${page.map((t, i) => `<text x="80" y="${90 + i * 52}" font-family="DejaVu Serif" font-size="30" fill="#222">${t}</text>`).join('')}</svg>`;
  return [
    { name: 'sign 640x480 (2 lines)', bytes: await sharp(Buffer.from(signSvg)).jpeg({ quality: 90 }).toBuffer(), lines: sign },
    { name: 'page 1280x960 (16 lines)', bytes: await sharp(Buffer.from(pageSvg)).jpeg({ quality: 90 }).toBuffer(), lines: page },
  ];
}

/** The text of the word whose box centre is nearest the image centre ('' when none). */
function centreWord(lines: readonly ReadLine[], size: { width: number; height: number }): string {
  const d = (b: { left: number; top: number; width: number; height: number }) => Math.hypot(b.left + b.width / 2 - size.width / 2, b.top + b.height / 2 - size.height / 2);
  const words = lines.flatMap((l) => l.words).sort((a, b) => d(a.box) - d(b.box));
  return words[0]?.text ?? '';
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

interface ReaderReport {
  reader: string;
  wordCrops: { recognition: TextScore; endToEnd: TextScore; recognitionMs: number; endToEndMs: number };
  receipts: { segments: TextScore; detectionRecall: number; medianMs: Record<string, number> };
  typical: { name: string; lineAccuracy: number; medianMs: number }[];
}

async function evaluate(reader: Reader, data: NonNullable<ReturnType<typeof textMmocr>>, typical: Awaited<ReturnType<typeof typicalImages>>): Promise<ReaderReport> {
  const rec: { predicted: string; truth: string }[] = [];
  const e2e: { predicted: string; truth: string }[] = [];
  const recMs: number[] = [];
  const e2eMs: number[] = [];
  for (const c of data.crops) {
    const bytes = readFileSync(c.file);
    const canvas = await onCanvas(bytes);
    await reader.readLine(bytes); // warm
    for (let r = 0; r < ROUNDS; r++) {
      const a = await timed(() => reader.readLine(bytes));
      const b = await timed(() => reader.read(canvas));
      recMs.push(a.ms);
      e2eMs.push(b.ms);
      if (r === 0) {
        rec.push({ predicted: a.value, truth: c.label });
        e2e.push({ predicted: centreWord(b.value, await sharp(canvas).metadata()), truth: c.label });
        if (VERBOSE) console.log(`  ${reader.name} ${basename(c.file)} '${c.label}': line '${a.value}', end to end '${e2e[e2e.length - 1]!.predicted}'`);
      }
    }
  }
  const segs: { detected: boolean; predicted: string; truth: string }[] = [];
  const receiptMs: Record<string, number> = {};
  for (const t of data.receipts) {
    const bytes = readFileSync(t.file);
    await reader.read(bytes);
    const times: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const { value, ms } = await timed(() => reader.read(bytes));
      times.push(ms);
      if (r === 0) {
        const m = matchReceipt(t, value);
        segs.push(...m);
        if (VERBOSE) for (const s of m) console.log(`  ${reader.name} ${basename(t.file)} '${s.truth}' -> '${s.predicted}'${s.detected ? '' : ' (not detected)'}`);
      }
    }
    receiptMs[basename(t.file)] = median(times);
  }
  const typ: ReaderReport['typical'] = [];
  for (const t of typical) {
    await reader.read(t.bytes);
    const times: number[] = [];
    let lines: ReadLine[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const x = await timed(() => reader.read(t.bytes));
      times.push(x.ms);
      lines = x.value;
    }
    const read = new Set(lines.map((l) => l.text));
    typ.push({ name: t.name, lineAccuracy: t.lines.filter((l) => read.has(l)).length / t.lines.length, medianMs: median(times) });
    if (VERBOSE) console.log(`  ${reader.name} ${t.name}: ${JSON.stringify(lines.map((l) => l.text))}`);
  }
  return {
    reader: reader.name,
    wordCrops: { recognition: scoreTexts(rec), endToEnd: scoreTexts(e2e), recognitionMs: median(recMs), endToEndMs: median(e2eMs) },
    receipts: { segments: scoreTexts(segs), detectionRecall: segs.filter((s) => s.detected).length / Math.max(1, segs.length), medianMs: receiptMs },
    typical: typ,
  };
}

async function main() {
  const data = textMmocr(EVAL_DATA);
  if (!data) {
    console.log(`eval data not found at ${join(EVAL_DATA, 'text-mmocr')}; nothing to measure`);
    return;
  }
  const typical = await typicalImages();
  const sizes: Record<string, string> = {};
  for (const t of data.receipts) {
    const m = await sharp(t.file).metadata();
    sizes[basename(t.file)] = `${m.width}x${m.height}`;
  }
  const reports: ReaderReport[] = [];
  for (const make of [argusReader, tesseractReader]) {
    const reader = await make();
    try {
      reports.push(await evaluate(reader, data, typical));
    } finally {
      await reader.close();
    }
  }
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const row = (label: string, f: (r: ReaderReport) => string) => [label, ...reports.map(f)];
  const rows = [
    row(`word crops (${data.crops.length}), recognition: exact / any case`, (r) => `${pct(r.wordCrops.recognition.exact)} / ${pct(r.wordCrops.recognition.caseInsensitive)}`),
    row('word crops, recognition: CER', (r) => pct(r.wordCrops.recognition.cer)),
    row('word crops, end to end: exact / any case', (r) => `${pct(r.wordCrops.endToEnd.exact)} / ${pct(r.wordCrops.endToEnd.caseInsensitive)}`),
    row('word crops, end to end: CER', (r) => pct(r.wordCrops.endToEnd.cer)),
    row(`receipts (${reports[0]!.receipts.segments.items} segments): exact / any case`, (r) => `${pct(r.receipts.segments.exact)} / ${pct(r.receipts.segments.caseInsensitive)}`),
    row('receipts: CER', (r) => pct(r.receipts.segments.cer)),
    row('receipts: detection recall (IoU >= 0.5)', (r) => pct(r.receipts.detectionRecall)),
    ...typical.map((t, i) => row(`${t.name}: lines read exactly`, (r) => pct(r.typical[i]!.lineAccuracy))),
    row('median latency, word crop (recognition)', (r) => ms(r.wordCrops.recognitionMs)),
    row('median latency, word crop (end to end)', (r) => ms(r.wordCrops.endToEndMs)),
    ...data.receipts.map((t) => {
      const name = basename(t.file);
      return row(`median latency, receipt ${name} (${sizes[name]})`, (r) => ms(r.receipts.medianMs[name]!));
    }),
    ...typical.map((t, i) => row(`median latency, ${t.name}`, (r) => ms(r.typical[i]!.medianMs))),
  ];
  const result = { date: new Date().toISOString(), machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`, rounds: ROUNDS, reports };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/text-eval.json', JSON.stringify(result, null, 2) + '\n');
  console.log(renderTable(['measure', ...reports.map((r) => r.reader)], rows));
  console.log(`\n${ROUNDS} rounds per image on ${result.machine}; JSON in bench/results/text-eval.json`);
}

await main();
