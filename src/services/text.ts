/**
 * DetectText: PP-OCRv4 detection (DB) on the image with its long side at most 960 px, then for each
 * text region a 48-px strip cut along its quadrilateral, the 0/180-degree angle classifier, and
 * the recogniser (one line per call, spread over the inference workers), greedy CTC decoding restricted
 * to Latin script, words placed from the CTC character positions, and Rekognition's filters.
 *
 * Example:
 *   const r = await text.detectText(img, { maxWords: 100 });
 *   r.lines[0].text            // "Hello Rekognition 2024"
 *   r.lines[0].words[1].quad   // the word's 4 corners, ratios of the image
 */
import { resizeForModel, type DecodedImage } from '../media/image.js';
import type { ModelRuntime } from '../runtime/worker-pool.js';
import { float32 } from '../runtime/tensor.js';
import { dbPostprocess, mergeRowFragments, DB_DEFAULTS, type DbOptions } from '../vision/text/db-postprocess.js';
import { detInputSize, detTensor, mapToImage } from '../vision/text/det-input.js';
import { cropQuad, readingQuad, rotate180, stripWidth, stripsToTensor, STRIP_HEIGHT, type RgbImage } from '../vision/text/crop.js';
import { ctcGreedyDecode, ppocrAlphabet, type CtcAlphabet } from '../vision/text/ctc.js';
import { splitWords, PIXELS_PER_FRAME, type LineReading } from '../vision/text/words.js';
import { boundsOf, clampQuad, rotateQuad, scaleQuad, type Quad } from '../vision/text/geometry.js';
import { selectText, type RegionOfInterest, type TextSelection } from '../vision/text/filters.js';

export interface TextServiceOptions {
  /** Detector input: long side at most this many pixels... */
  detMaxSide: number;
  /** ...and at least this many (small images are enlarged, at most 4x). */
  detMinSide: number;
  db: DbOptions;
  /** Lines whose mean character probability is below this are dropped (PaddleOCR drop_score). */
  minLineConfidence: number;
  /** Angle classifier: a line is turned when "180" scores above this. */
  flipThreshold: number;
  /**
   * Lines per recogniser call (only lines of the same padded width share one). Measured on the
   * receipts: batches of 8 took 25% longer than single lines spread over the workers (and batches
   * padded to their widest line read 17 fewer of 288 rendered lines right).
   */
  recBatch: number;
  /** Widest strip the recogniser gets (longer lines are squeezed). */
  maxStripWidth: number;
  /** Only Latin-script characters are read (Rekognition's DetectText reads Latin script). */
  latinOnly: boolean;
  /**
   * Strips are padded to at least this width. PaddleOCR pads to 320 (its training width); on 540
   * short rendered words (6 faces x 3 sizes) padding to 160 read 465 right against 450 at 320 and
   * 452 unpadded, and took a third less time.
   */
  recMinWidth: number;
}

export const TEXT_DEFAULTS: Readonly<TextServiceOptions> = Object.freeze({
  detMaxSide: 960,
  detMinSide: 480,
  db: DB_DEFAULTS,
  minLineConfidence: 0.5,
  flipThreshold: 0.9,
  recBatch: 1,
  maxStripWidth: 3200,
  latinOnly: true,
  recMinWidth: 160,
});

/** A detected text region in image pixels (continuous coordinates). */
export interface PixelRegion {
  quad: Quad;
  score: number;
}

export interface DetectTextResult {
  /** Lines in reading order; geometry in ratios of the image. */
  lines: LineReading[];
  modelVersion: string;
}

const DET = 'ppocr-det';
const REC = 'ppocr-rec';
const CLS = 'ppocr-cls';
const CLS_WIDTH = 192;
const CLS_BATCH = 16;
/** Recogniser calls in flight at once (a little more than the usual worker count). */
const REC_LANES = 4;
/** A line the classifier turned is also read upright unless the turned reading is at least this sure. */
const FLIP_CONFIRM = 0.9;

/** A line ready for the recogniser; `upright` keeps the unturned strip of a line the classifier turned. */
interface Strip {
  quad: Quad;
  width: number;
  strip: RgbImage;
  upright?: { quad: Quad; width: number; strip: RgbImage };
}

export class TextService {
  readonly modelVersion = 'argus/PP-OCRv4';
  readonly models = [DET, CLS, REC] as const;
  private readonly options: TextServiceOptions;
  private alphabetCache?: CtcAlphabet;

  /**
   * `dictionary`: the recogniser's keys, one per line (catalogue `readModelLabels`), read on first
   * use, so a missing model package fails the text requests (as a missing model does), not start-up.
   */
  constructor(
    private readonly runtime: ModelRuntime,
    private readonly dictionary: () => readonly string[],
    options: Partial<TextServiceOptions> = {},
  ) {
    this.options = { ...TEXT_DEFAULTS, ...options };
  }

  private get alphabet(): CtcAlphabet {
    this.alphabetCache ??= ppocrAlphabet(this.dictionary(), { latinOnly: this.options.latinOnly });
    return this.alphabetCache;
  }

  /** Text regions alone (the detector, no recognition): what DetectLabels uses as evidence of text. */
  async detectRegions(img: DecodedImage, maxSide = this.options.detMaxSide): Promise<PixelRegion[]> {
    const size = detInputSize(img.width, img.height, maxSide, Math.min(maxSide, this.options.detMinSide));
    const input = await resizeForModel(img, size.width, size.height, 'fill');
    const x = float32(detTensor(input.data, size.width, size.height), [1, 3, size.height, size.width]);
    const out = (await this.runtime.run(DET, { x }, ['sigmoid_0.tmp_0']))['sigmoid_0.tmp_0']!;
    const [, , mh, mw] = out.dims as [number, number, number, number];
    const regions = dbPostprocess(out.data as Float32Array, mw, mh, this.options.db);
    return mergeRowFragments(regions).map((r) => ({ quad: mapToImage(r.quad, mw, mh, img.width, img.height), score: r.score }));
  }

  /** Reads each region (angle classifier, then recogniser); lines keep image-pixel geometry. */
  async readRegions(img: DecodedImage, regions: readonly PixelRegion[]): Promise<LineReading[]> {
    if (!regions.length) return [];
    const rgb = { data: img.data, width: img.width, height: img.height };
    const items = regions.map((r) => {
      const quad = readingQuad(r.quad);
      return { quad, width: stripWidth(quad, STRIP_HEIGHT, this.options.maxStripWidth) };
    });
    const flipped = await this.classifyAngles(rgb, items);
    const strips: Strip[] = items.map((it, i) => {
      const strip = cropQuad(rgb, it.quad, it.width, STRIP_HEIGHT);
      return flipped[i] ? { width: it.width, quad: rotateQuad(it.quad, 2), strip: rotate180(strip), upright: { ...it, strip } } : { ...it, strip };
    });
    // Only strips with the same padded width share a batch: padding a strip further changes what
    // the recogniser reads (its mixing blocks see the whole width), and costs time.
    const padded = strips.map((s) => Math.ceil(Math.max(this.options.recMinWidth, s.width) / PIXELS_PER_FRAME) * PIXELS_PER_FRAME);
    const byWidth = new Map<number, number[]>();
    padded.forEach((w, i) => byWidth.set(w, [...(byWidth.get(w) ?? []), i]));
    const batches: { width: number; items: number[] }[] = [];
    for (const [width, items] of byWidth) {
      for (let i = 0; i < items.length; i += this.options.recBatch) batches.push({ width, items: items.slice(i, i + this.options.recBatch) });
    }
    const lines: (LineReading | undefined)[] = new Array(strips.length);
    // Widest first, a few in flight at a time: each lane sends its next batch to the least busy
    // worker as soon as its last one is done, so the workers finish together.
    const queue = batches.sort((a, b) => b.width * b.items.length - a.width * a.items.length);
    const lane = async () => {
      for (let b = queue.shift(); b; b = queue.shift()) {
        const read = await this.recognise(
          b.items.map((i) => strips[i]!),
          b.width,
        );
        for (const [n, i] of b.items.entries()) {
          let best = read[n]!;
          // The classifier squeezes a line into 192 px, and on long lines it is often wrong (5 of 60
          // upright lines of a rendered page scored "180" above 0.9): a turned line that reads poorly
          // is read upright too, and the better reading wins.
          const upright = strips[i]!.upright;
          if (upright && best.confidence < FLIP_CONFIRM) {
            const [other] = await this.recognise([upright], b.width);
            if (other!.confidence > best.confidence) best = other!;
          }
          lines[i] = best.confidence >= this.options.minLineConfidence ? best.line : undefined;
        }
      }
    };
    await Promise.all(Array.from({ length: REC_LANES }, lane));
    return lines.filter((l): l is LineReading => l !== undefined);
  }

  /** One recogniser call on strips padded to `width`: each line with its mean character probability. */
  private async recognise(strips: readonly { strip: RgbImage; width: number; quad: Quad }[], width: number): Promise<{ confidence: number; line?: LineReading }[]> {
    const x = float32(
      stripsToTensor(
        strips.map((s) => s.strip),
        width,
      ),
      [strips.length, 3, STRIP_HEIGHT, width],
    );
    const out = (await this.runtime.run(REC, { x }, ['softmax_11.tmp_0']))['softmax_11.tmp_0']!;
    return strips.map((s, n) => {
      // Frames past the strip's content read the padding; the one after it may still end a character.
      const frames = Math.ceil(s.width / PIXELS_PER_FRAME) + 1;
      const decoded = ctcGreedyDecode(out.data as Float32Array, out.dims, n, this.alphabet, frames);
      return { confidence: decoded.confidence, line: splitWords(decoded, s.width, s.quad, STRIP_HEIGHT) };
    });
  }

  /** True for each item the classifier reads as upside down. */
  private async classifyAngles(rgb: RgbImage, items: readonly { quad: Quad; width: number }[]): Promise<boolean[]> {
    // PaddleOCR squeezes each line into 48 x 192 for this classifier; batches of CLS_BATCH spread over the workers.
    const strips = items.map((it) => cropQuad(rgb, it.quad, Math.min(CLS_WIDTH, it.width), STRIP_HEIGHT));
    const batches: RgbImage[][] = [];
    for (let i = 0; i < strips.length; i += CLS_BATCH) batches.push(strips.slice(i, i + CLS_BATCH));
    const scores = await Promise.all(
      batches.map(async (b) => {
        const x = float32(stripsToTensor(b, CLS_WIDTH), [b.length, 3, STRIP_HEIGHT, CLS_WIDTH]);
        const out = (await this.runtime.run(CLS, { x }, ['softmax_0.tmp_0']))['softmax_0.tmp_0']!;
        return b.map((_, i) => out.data[i * 2 + 1]!);
      }),
    );
    return scores.flat().map((p180) => p180 > this.options.flipThreshold);
  }

  /** DetectText: lines and their words in reading order, filtered, geometry in ratios. */
  async detectText(img: DecodedImage, selection: TextSelection): Promise<DetectTextResult> {
    let regions = await this.detectRegions(img);
    if (selection.regions?.length) {
      // Lines that touch no region of interest cannot hold a word inside one: don't read them.
      regions = regions.filter((r) => selection.regions!.some((roi) => overlaps(r.quad, roi, img.width, img.height)));
    }
    const lines = (await this.readRegions(img, regions)).map((l) => toRatios(l, img.width, img.height));
    return { lines: selectText(lines, selection), modelVersion: this.modelVersion };
  }
}

function toRatios(line: LineReading, w: number, h: number): LineReading {
  const q = (quad: Quad) => clampQuad(scaleQuad(quad, 1 / w, 1 / h), 1, 1);
  return { ...line, quad: q(line.quad), words: line.words.map((word) => ({ ...word, quad: q(word.quad) })) };
}

function overlaps(quad: Quad, roi: RegionOfInterest, w: number, h: number): boolean {
  const a = boundsOf(scaleQuad(quad, 1 / w, 1 / h));
  const b = roi.polygon && roi.polygon.length >= 3 ? boundsOf(roi.polygon) : roi.box;
  if (!b) return false;
  return a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;
}
