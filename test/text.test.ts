import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { DetectLabelsCommand, DetectTextCommand, type DetectTextResponse, type TextDetection } from '@aws-sdk/client-rekognition';
import { startTestServer, type TestServer } from './helpers/server.js';
import { errorOf } from './helpers/errors.js';

/** Text drawn by the test itself: SVG rendered by sharp with the machine's fonts, as a PNG. */
async function render(width: number, height: number, body: string, background = 'white'): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="${background}"/>${body}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const HELLO = `<text x="40" y="120" font-family="DejaVu Sans, sans-serif" font-size="48" fill="black">Hello Rekognition 2024</text>
  <text x="40" y="260" font-family="DejaVu Sans, sans-serif" font-size="64" font-weight="bold" fill="#b00000">STOP 42</text>`;


const lines = (r: DetectTextResponse) => (r.TextDetections ?? []).filter((d) => d.Type === 'LINE');
const words = (r: DetectTextResponse) => (r.TextDetections ?? []).filter((d) => d.Type === 'WORD');
const texts = (ds: TextDetection[]) => ds.map((d) => d.DetectedText);

describe('DetectText through the official SDK', () => {
  let t: TestServer;
  let hello: Buffer;
  let blank = false;
  before(async () => {
    t = await startTestServer({ warmUp: false });
    hello = await render(800, 400, HELLO);
    // Without fonts, librsvg draws nothing: then there is no text to read.
    const { channels } = await sharp(hello).stats();
    blank = channels.every((c) => c.min === c.max);
  });
  after(async () => {
    await t.close();
  });
  const skipIfBlank = (ctx: { skip: (m: string) => void }) => {
    if (blank) ctx.skip('the SVG renderer drew no text on this machine (no fonts?)');
    return blank;
  };

  it('reads rendered lines as LINEs then WORDs, with Ids, ParentIds and geometry inside the image', async (ctx) => {
    if (skipIfBlank(ctx)) return;
    const r = await t.rekognition.send(new DetectTextCommand({ Image: { Bytes: hello } }));
    assert.match(r.TextModelVersion ?? '', /PP-OCRv4/);
    assert.deepEqual(texts(lines(r)), ['Hello Rekognition 2024', 'STOP 42']);
    assert.deepEqual(texts(words(r)), ['Hello', 'Rekognition', '2024', 'STOP', '42']);
    // Lines are numbered first, then words; each word names its line.
    assert.deepEqual(
      r.TextDetections!.map((d) => [d.Type, d.Id, d.ParentId]),
      [
        ['LINE', 0, undefined],
        ['LINE', 1, undefined],
        ['WORD', 2, 0],
        ['WORD', 3, 0],
        ['WORD', 4, 0],
        ['WORD', 5, 1],
        ['WORD', 6, 1],
      ],
    );
    for (const d of r.TextDetections!) {
      assert.ok(d.Confidence! > 90 && d.Confidence! <= 100, `${d.DetectedText}: ${d.Confidence}`);
      const b = d.Geometry!.BoundingBox!;
      const poly = d.Geometry!.Polygon!;
      assert.equal(poly.length, 4);
      for (const p of poly) {
        assert.ok(p.X! >= 0 && p.X! <= 1 && p.Y! >= 0 && p.Y! <= 1, `${d.DetectedText}: point ${p.X},${p.Y}`);
        assert.ok(p.X! >= b.Left! - 1e-9 && p.X! <= b.Left! + b.Width! + 1e-9 && p.Y! >= b.Top! - 1e-9 && p.Y! <= b.Top! + b.Height! + 1e-9);
      }
    }
    // Words sit inside their line, left to right, and cover where the text was drawn.
    const [helloLine, stopLine] = lines(r).map((l) => l.Geometry!.BoundingBox!);
    const [helloWord, rekognition, year] = words(r).map((w) => w.Geometry!.BoundingBox!);
    assert.ok(helloWord!.Left! < rekognition!.Left! && rekognition!.Left! < year!.Left!);
    assert.ok(helloWord!.Left! + helloWord!.Width! <= rekognition!.Left! + 0.02, 'words do not overlap much');
    assert.ok(helloLine!.Top! < 0.3 && helloLine!.Top! + helloLine!.Height! > 0.25, 'the first line is drawn at y 72-130 of 400');
    assert.ok(stopLine!.Top! > 0.45 && stopLine!.Left! < 0.1);
  });

  it('reads the same text from the image turned upside down (angle classifier)', async (ctx) => {
    if (skipIfBlank(ctx)) return;
    const turned = await sharp(hello).rotate(180).png().toBuffer();
    const r = await t.rekognition.send(new DetectTextCommand({ Image: { Bytes: turned } }));
    assert.deepEqual(texts(lines(r)).sort(), ['Hello Rekognition 2024', 'STOP 42']);
    // The polygon follows the text: its first point is the text's top-left, now low and right in the image.
    const stop = lines(r).find((l) => l.DetectedText === 'STOP 42')!;
    const [first, second] = stop.Geometry!.Polygon!;
    assert.ok(first!.X! > second!.X! && first!.Y! > 0.4);
  });

  it('applies WordFilter: MinConfidence, MinBoundingBoxHeight and MinBoundingBoxWidth', async (ctx) => {
    if (skipIfBlank(ctx)) return;
    const send = (WordFilter: object) => t.rekognition.send(new DetectTextCommand({ Image: { Bytes: hello }, Filters: { WordFilter } }));
    assert.deepEqual((await send({ MinConfidence: 100 })).TextDetections, []);
    const tall = await send({ MinBoundingBoxHeight: 0.12 });
    assert.deepEqual(texts(tall.TextDetections!), ['STOP 42', 'STOP', '42']);
    const wide = await send({ MinBoundingBoxWidth: 0.25 });
    assert.deepEqual(texts(wide.TextDetections!), ['Rekognition', 'Rekognition'], 'a line keeps only its surviving words');
    assert.deepEqual(
      wide.TextDetections!.map((d) => [d.Type, d.Id, d.ParentId]),
      [
        ['LINE', 0, undefined],
        ['WORD', 1, 0],
      ],
    );
  });

  it('keeps only words more than half inside RegionsOfInterest, given as a BoundingBox or a Polygon', async (ctx) => {
    if (skipIfBlank(ctx)) return;
    const lower = { BoundingBox: { Left: 0, Top: 0.45, Width: 1, Height: 0.55 } };
    const r = await t.rekognition.send(new DetectTextCommand({ Image: { Bytes: hello }, Filters: { RegionsOfInterest: [lower] } }));
    assert.deepEqual(texts(r.TextDetections!), ['STOP 42', 'STOP', '42']);
    const trapezoid = { Polygon: [{ X: 0.25, Y: 0.1 }, { X: 1, Y: 0.1 }, { X: 1, Y: 0.4 }, { X: 0.3, Y: 0.4 }] };
    const p = await t.rekognition.send(new DetectTextCommand({ Image: { Bytes: hello }, Filters: { RegionsOfInterest: [trapezoid] } }));
    assert.deepEqual(texts(lines(p)), ['Rekognition 2024']);
    const e = await errorOf(t.rekognition.send(new DetectTextCommand({ Image: { Bytes: hello }, Filters: { RegionsOfInterest: [{}] } })));
    assert.equal(e.name, 'InvalidParameterException');
  });

  it('returns at most 100 words, each line made of its returned words', async (ctx) => {
    if (skipIfBlank(ctx)) return;
    const row = 'one two three four five six seven eight nine ten';
    const page = await render(1000, 760, Array.from({ length: 12 }, (_, i) => `<text x="30" y="${50 + i * 58}" font-family="DejaVu Sans, sans-serif" font-size="30">${row}</text>`).join(''));
    const r = await t.rekognition.send(new DetectTextCommand({ Image: { Bytes: page } }));
    assert.equal(words(r).length, 100, `${words(r).length} words`);
    for (const l of lines(r)) {
      assert.equal(
        l.DetectedText,
        words(r)
          .filter((w) => w.ParentId === l.Id)
          .map((w) => w.DetectedText)
          .join(' '),
      );
    }
    assert.ok(lines(r).length >= 10 && lines(r).length <= 12);
  });

  it('answers a bad image with the same error as DetectLabels', async () => {
    const bad = { Image: { Bytes: Buffer.from('GIF89a not really an image at all') } };
    const text = await errorOf(t.rekognition.send(new DetectTextCommand(bad)));
    const labels = await errorOf(t.rekognition.send(new DetectLabelsCommand(bad)));
    assert.equal(text.name, 'InvalidImageFormatException');
    assert.equal(text.name, labels.name);
    assert.equal(text.message, labels.message);
    const small = await errorOf(t.rekognition.send(new DetectTextCommand({ Image: { Bytes: await render(60, 60, '') } })));
    assert.equal(small.name, 'InvalidParameterException');
  });

  it('adds Text and Document to DetectLabels for a page of text, and no Text to a picture without any', async (ctx) => {
    if (skipIfBlank(ctx)) return;
    const page = await render(
      1000,
      760,
      Array.from({ length: 12 }, (_, i) => `<text x="30" y="${50 + i * 58}" font-family="DejaVu Serif, serif" font-size="30">Line ${i + 1}: the quick brown fox jumps</text>`).join(''),
    );
    const r = await t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: page } }));
    const byName = new Map(r.Labels!.map((l) => [l.Name, l]));
    assert.ok(byName.get('Text') && byName.get('Document'), `labels were ${[...byName.keys()].join(', ')}`);
    assert.deepEqual(byName.get('Document')!.Parents, [{ Name: 'Text' }]);
    assert.deepEqual(byName.get('Text')!.Categories, [{ Name: 'Text and Documents' }]);
    const excluded = await t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: page }, Settings: { GeneralLabels: { LabelCategoryExclusionFilters: ['Text and Documents'] } } }));
    assert.ok(!excluded.Labels!.some((l) => l.Name === 'Text' || l.Name === 'Document'));
    const shapes = await render(640, 480, '<circle cx="320" cy="240" r="120" fill="#3366cc"/><rect x="40" y="40" width="120" height="80" fill="#cc3333"/>', '#eeeeee');
    const none = await t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: shapes } }));
    assert.ok(!none.Labels!.some((l) => l.Name === 'Text'), `labels were ${none.Labels!.map((l) => l.Name).join(', ')}`);
  });
});
