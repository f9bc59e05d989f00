/**
 * The image pipeline (src/media/image.ts) on fixtures made here with sharp, in memory: every
 * accepted variant of JPEG/PNG, every rejection rule, and resizeForModel geometry.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ServiceError } from '../src/edge/errors.js';
import { BYTES_LIMITS, S3_LIMITS, decodeImage, resizeForModel, type DecodedImage, type DecodeLimits } from '../src/media/image.js';
import { sniffFormat, inspectPng } from '../src/media/sniff.js';

// ---------------------------------------------------------------------------------------------
// helpers

type RGB = [number, number, number];

/** Raw RGB image filled with `bg`, with rectangles painted on it. */
function rawImage(width: number, height: number, bg: RGB, rects: Array<{ x: number; y: number; w: number; h: number; c: RGB }> = []): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) buf.set(bg, i * 3);
  for (const r of rects) {
    for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) buf.set(r.c, (y * width + x) * 3);
  }
  return buf;
}
const fromRaw = (buf: Buffer, width: number, height: number, channels: 3 | 4 = 3) => sharp(buf, { raw: { width, height, channels } });

/** Deterministic noise, so JPEGs have real entropy-coded data to cut. */
function noiseImage(width: number, height: number): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  let s = 12345;
  for (let i = 0; i < buf.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    buf[i] = ((i % 3) * 60 + (((i / (width * 3)) | 0) % 150) + (s >>> 27)) & 255;
  }
  return buf;
}

const pixel = (img: { data: Buffer; width: number }, x: number, y: number): RGB => {
  const o = (y * img.width + x) * 3;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
};
const near = (a: RGB, b: RGB, tol: number) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);
const assertNear = (a: RGB, b: RGB, tol: number, what: string) => assert.ok(near(a, b, tol), `${what}: got ${a.join(',')}, expected about ${b.join(',')} (±${tol})`);

let crcTable: Uint32Array | undefined;
function crc32(buf: Buffer): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A hand-made PNG: a valid IHDR declaring any size, a tiny IDAT, IEND. */
function craftedPng(width: number, height: number, bitDepth = 1, colourType = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colourType;
  const idat = Buffer.from([0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
  return Buffer.concat([PNG_SIG, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** Awaits a rejection and checks its Rekognition type; returns the error. */
async function rejects(p: Promise<unknown>, type: string, message?: RegExp): Promise<ServiceError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${type}, but decoding succeeded`);
  assert.ok(err instanceof ServiceError, `expected a ServiceError, got ${String(err)}`);
  assert.equal(err.type, type, `expected ${type}, got ${err.type}: ${err.message}`);
  assertClean(err.message);
  if (message) assert.match(err.message, message);
  return err;
}
/** Client messages never carry decoder internals or paths. */
function assertClean(message: string) {
  assert.doesNotMatch(message, /sharp|vips|libpng|libjpeg|spng|node_modules|\.(c|cc|cpp):/i, `message leaks internals: ${message}`);
  assert.ok(!message.includes('/') && !message.includes('\\'), `message contains a path-like slash: ${message}`);
}

function assertRgb(img: DecodedImage) {
  assert.equal(img.channels, 3);
  assert.ok(Buffer.isBuffer(img.data));
  assert.equal(img.data.length, img.width * img.height * 3);
}

// ---------------------------------------------------------------------------------------------

describe('accepted images become 8-bit RGB', () => {
  test('a plain RGB JPEG decodes to its size, format, byte count and pixels', async () => {
    const raw = rawImage(120, 90, [30, 120, 200], [{ x: 0, y: 0, w: 30, h: 30, c: [250, 20, 20] }]);
    const jpg = await fromRaw(raw, 120, 90).jpeg({ quality: 95 }).toBuffer();
    const img = await decodeImage(jpg, BYTES_LIMITS);
    assertRgb(img);
    assert.deepEqual([img.width, img.height, img.format, img.bytes, img.orientation], [120, 90, 'jpeg', jpg.length, 1]);
    assert.deepEqual(img.source, { space: 'srgb', depth: '8-bit', pages: 1, hasAlpha: false });
    assertNear(pixel(img, 10, 10), [250, 20, 20], 12, 'red corner');
    assertNear(pixel(img, 100, 70), [30, 120, 200], 12, 'background');
  });

  test('a JPEG with EXIF orientation 6 comes out rotated, with width and height swapped and the marker in the top-right corner', async () => {
    // Stored 200x100 with a red marker in the stored top-left; tag 6 means "rotate 90° clockwise to display".
    const raw = rawImage(200, 100, [20, 20, 200], [{ x: 0, y: 0, w: 20, h: 20, c: [240, 20, 20] }]);
    const jpg = await fromRaw(raw, 200, 100).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(jpg, BYTES_LIMITS);
    assert.deepEqual([img.width, img.height, img.orientation], [100, 200, 6]);
    assertNear(pixel(img, 95, 5), [240, 20, 20], 20, 'top-right after rotation');
    assertNear(pixel(img, 5, 5), [20, 20, 200], 20, 'top-left after rotation');
  });

  test('every EXIF orientation from 1 to 8 puts the stored top-left corner where a viewer shows it', async () => {
    // Where the stored (0,0) corner ends up on screen, per orientation tag.
    const corner: Record<number, 'TL' | 'TR' | 'BR' | 'BL'> = { 1: 'TL', 2: 'TR', 3: 'BR', 4: 'BL', 5: 'TL', 6: 'TR', 7: 'BR', 8: 'BL' };
    const raw = rawImage(160, 96, [20, 20, 200], [{ x: 0, y: 0, w: 16, h: 16, c: [240, 20, 20] }]);
    for (let o = 1; o <= 8; o++) {
      const jpg = await fromRaw(raw, 160, 96).jpeg({ quality: 95 }).withMetadata({ orientation: o }).toBuffer();
      const img = await decodeImage(jpg, BYTES_LIMITS);
      const swapped = o >= 5;
      assert.deepEqual([img.width, img.height, img.orientation], swapped ? [96, 160, o] : [160, 96, o], `orientation ${o}`);
      const c = corner[o]!;
      const x = c === 'TL' || c === 'BL' ? 4 : img.width - 5;
      const y = c === 'TL' || c === 'TR' ? 4 : img.height - 5;
      assertNear(pixel(img, x, y), [240, 20, 20], 25, `orientation ${o}: marker at ${c}`);
    }
  });

  test('a PNG with an eXIf orientation chunk is rotated too', async () => {
    const raw = rawImage(200, 100, [20, 20, 200], [{ x: 0, y: 0, w: 20, h: 20, c: [240, 20, 20] }]);
    const png = await fromRaw(raw, 200, 100).png().withMetadata({ orientation: 6 }).toBuffer();
    assert.ok(inspectPng(png).hasExif, 'fixture carries an eXIf chunk');
    const img = await decodeImage(png, BYTES_LIMITS);
    assert.deepEqual([img.width, img.height, img.orientation, img.format], [100, 200, 6, 'png']);
    assert.deepEqual(pixel(img, 95, 5), [240, 20, 20]);
  });

  const patches: RGB[] = [
    [200, 60, 50],
    [60, 160, 80],
    [50, 80, 190],
    [220, 180, 150],
  ];
  /** 160x120: four colour patches in the middle band, grey above and below. */
  const patchImage = () => {
    const rects = patches.map((c, i) => ({ x: i * 40, y: 40, w: 40, h: 40, c }));
    return fromRaw(rawImage(160, 120, [128, 128, 128], rects), 160, 120);
  };

  test('a CMYK JPEG is converted to sRGB through a colour profile, so its colours come out right', async () => {
    const jpg = await patchImage().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    assert.equal((await sharp(jpg).metadata()).channels, 4, 'fixture really is 4-channel CMYK');
    const img = await decodeImage(jpg, BYTES_LIMITS);
    assertRgb(img);
    assert.equal(img.source.space, 'cmyk');
    // sRGB -> generic CMYK -> sRGB is not lossless (gamut, black generation); 45 catches any
    // naive channel mapping, which would be off by 100+.
    patches.forEach((c, i) => assertNear(pixel(img, i * 40 + 20, 60), c, 45, `patch ${i}`));
  });

  test('a JPEG with an embedded Display P3 profile is converted to sRGB', async () => {
    const jpg = await patchImage().withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
    const img = await decodeImage(jpg, BYTES_LIMITS);
    patches.forEach((c, i) => assertNear(pixel(img, i * 40 + 20, 60), c, 6, `patch ${i}`));
  });

  test('a greyscale JPEG becomes RGB with three equal channels', async () => {
    const jpg = await patchImage().toColourspace('b-w').jpeg().toBuffer();
    assert.equal((await sharp(jpg).metadata()).channels, 1);
    const img = await decodeImage(jpg, BYTES_LIMITS);
    assertRgb(img);
    assert.equal(img.source.space, 'b-w');
    for (const [x, y] of [[5, 5], [20, 60], [140, 60]] as const) {
      const [r, g, b] = pixel(img, x, y);
      assert.ok(r === g && g === b, `grey pixel at ${x},${y} is ${r},${g},${b}`);
    }
    assertNear(pixel(img, 5, 5), [128, 128, 128], 3, 'grey background');
  });

  test('a 16-bit PNG is scaled down to 8 bits, not clipped', async () => {
    const png = await patchImage().toColourspace('rgb16').png().toBuffer();
    assert.equal((await sharp(png).metadata()).depth, 'ushort');
    const img = await decodeImage(png, BYTES_LIMITS);
    assert.equal(img.source.depth, '16-bit');
    patches.forEach((c, i) => assertNear(pixel(img, i * 40 + 20, 60), c, 1, `patch ${i}`));
    assertNear(pixel(img, 5, 5), [128, 128, 128], 1, 'background');
  });

  test('a 16-bit PNG with an embedded Display P3 profile is converted to sRGB', async () => {
    const png = await patchImage().withIccProfile('p3').toColourspace('rgb16').png().toBuffer();
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.depth, meta.hasProfile], ['ushort', true]);
    const img = await decodeImage(png, BYTES_LIMITS);
    patches.forEach((c, i) => assertNear(pixel(img, i * 40 + 20, 60), c, 4, `patch ${i}`));
  });

  test('a palette PNG is expanded to RGB', async () => {
    const png = await patchImage().png({ palette: true, colours: 16, dither: 0 }).toBuffer();
    const img = await decodeImage(png, BYTES_LIMITS);
    assert.equal(img.source.space, 'palette');
    patches.forEach((c, i) => assertNear(pixel(img, i * 40 + 20, 60), c, 8, `patch ${i}`));
  });

  test('an RGBA PNG has its transparent pixels flattened onto white', async () => {
    // Left half fully transparent (black underneath), right half opaque red, one column half-transparent black.
    const w = 100;
    const h = 100;
    const rgba = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 4;
        if (x < 50) rgba.set(x === 25 ? [0, 0, 0, 128] : [0, 0, 0, 0], o);
        else rgba.set([220, 30, 30, 255], o);
      }
    }
    const png = await fromRaw(rgba, w, h, 4).png().toBuffer();
    const img = await decodeImage(png, BYTES_LIMITS);
    assertRgb(img);
    assert.equal(img.source.hasAlpha, true);
    assert.deepEqual(pixel(img, 10, 10), [255, 255, 255]);
    assert.deepEqual(pixel(img, 75, 10), [220, 30, 30]);
    assertNear(pixel(img, 25, 10), [127, 127, 127], 2, 'half-transparent black over white');
  });

  test('an image of exactly 80x80 pixels is accepted', async () => {
    const png = await fromRaw(rawImage(80, 80, [1, 2, 3]), 80, 80).png().toBuffer();
    const img = await decodeImage(png, BYTES_LIMITS);
    assert.deepEqual([img.width, img.height], [80, 80]);
  });

  test('PNG data after IEND and JPEG data after EOI are ignored', async () => {
    const png = await fromRaw(rawImage(90, 90, [9, 9, 9]), 90, 90).png().toBuffer();
    const jpg = await fromRaw(rawImage(90, 90, [9, 9, 9]), 90, 90).jpeg().toBuffer();
    const junk = Buffer.from('trailing bytes added by some uploader');
    assert.equal((await decodeImage(Buffer.concat([png, junk]), BYTES_LIMITS)).width, 90);
    assert.equal((await decodeImage(Buffer.concat([jpg, junk]), BYTES_LIMITS)).width, 90);
  });

  test('many decodes at once all succeed while the decode slots queue them', async () => {
    const jpg = await fromRaw(noiseImage(300, 200), 300, 200).jpeg().toBuffer();
    const all = await Promise.all(Array.from({ length: 12 }, () => decodeImage(jpg, BYTES_LIMITS)));
    for (const img of all) assert.deepEqual([img.width, img.height], [300, 200]);
    assert.ok(all.every((img) => img.data.equals(all[0]!.data)), 'identical input decodes identically');
  });
});

describe('size rules', () => {
  test('a 79x200 image is refused as too small with InvalidParameterException', async () => {
    const png = await fromRaw(rawImage(79, 200, [1, 2, 3]), 79, 200).png().toBuffer();
    await rejects(decodeImage(png, BYTES_LIMITS), 'InvalidParameterException', /79x200.*at least 80 pixels/);
  });

  test('a 10001x100 image is refused with ImageTooLargeException because one side exceeds 10000 pixels', async () => {
    const png = await sharp({ create: { width: 10001, height: 100, channels: 3, background: '#000' } }).toColourspace('b-w').png({ palette: true, colours: 2 }).toBuffer();
    await rejects(decodeImage(png, BYTES_LIMITS), 'ImageTooLargeException', /10001x100.*at most 10000 pixels/);
  });

  test('an image under the side limit but over a custom pixel limit is refused with ImageTooLargeException', async () => {
    const limits: DecodeLimits = { ...BYTES_LIMITS, maxPixels: 1000 * 1000 };
    const png = await fromRaw(rawImage(1001, 1000, [0, 0, 0]), 1001, 1000).png().toBuffer();
    await rejects(decodeImage(png, limits), 'ImageTooLargeException', /1001000 pixels/);
  });

  test('a 100-byte PNG declaring 100000x100000 pixels is refused from its header, quickly and without allocating', async () => {
    const bomb = craftedPng(100_000, 100_000);
    assert.ok(bomb.length < 100);
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    await rejects(decodeImage(bomb, BYTES_LIMITS), 'ImageTooLargeException', /100000x100000/);
    assert.ok(performance.now() - t0 < 1000, 'rejected in under a second');
    assert.ok(process.memoryUsage().rss - rss < 100 * 1024 * 1024, 'no large allocation');
  });

  test('a 1-bit PNG declaring 20000x20000 within the side limit of a looser policy still hits the pixel limit', async () => {
    const bomb = craftedPng(20_000, 20_000);
    await rejects(decodeImage(bomb, { ...S3_LIMITS, maxSide: 50_000 }), 'ImageTooLargeException', /400000000 pixels/);
  });

  test('a real JPEG whose frame header is patched to 65535x65535 pixels is refused from its header', async () => {
    const jpg = Buffer.from(await fromRaw(noiseImage(100, 100), 100, 100).jpeg().toBuffer());
    let sof = -1;
    for (let i = 2; i < jpg.length - 1; i++) {
      if (jpg[i] === 0xff && (jpg[i + 1] === 0xc0 || jpg[i + 1] === 0xc2)) {
        sof = i;
        break;
      }
    }
    assert.ok(sof > 0, 'found the SOF marker');
    jpg.writeUInt16BE(0xffff, sof + 5);
    jpg.writeUInt16BE(0xffff, sof + 7);
    const rss = process.memoryUsage().rss;
    await rejects(decodeImage(jpg, BYTES_LIMITS), 'ImageTooLargeException', /65535x65535/);
    assert.ok(process.memoryUsage().rss - rss < 100 * 1024 * 1024, 'no large allocation');
  });

  test('a GIF header declaring 40000x40000 pixels is refused as an unsupported format without being decoded', async () => {
    const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([0x40, 0x9c, 0x40, 0x9c, 0xf1, 0, 0]), Buffer.alloc(20)]);
    await rejects(decodeImage(gif, BYTES_LIMITS), 'InvalidImageFormatException', /GIF/);
  });

  test('more than 5 MB of bytes is refused with ImageTooLargeException before the bytes are looked at', async () => {
    const big = Buffer.alloc(BYTES_LIMITS.maxBytes + 1);
    PNG_SIG.copy(big);
    await rejects(decodeImage(big, BYTES_LIMITS), 'ImageTooLargeException', /5242881 bytes.*5242880 bytes/);
    // The same bytes are within the 15 MB S3 limit, so there they fail on content instead.
    await rejects(decodeImage(big, S3_LIMITS), 'InvalidImageFormatException');
  });

  test('more than 15 MB of bytes is refused with ImageTooLargeException under the S3 limits', async () => {
    const big = Buffer.alloc(S3_LIMITS.maxBytes + 1);
    await rejects(decodeImage(big, S3_LIMITS), 'ImageTooLargeException', /15728640 bytes/);
  });

  test('the exported limits are Rekognition’s', () => {
    assert.deepEqual({ ...BYTES_LIMITS }, { maxBytes: 5242880, minSide: 80, maxSide: 10000, maxPixels: 100_000_000 });
    assert.deepEqual({ ...S3_LIMITS }, { maxBytes: 15728640, minSide: 80, maxSide: 10000, maxPixels: 100_000_000 });
  });
});

describe('formats and broken data', () => {
  const base = () => fromRaw(rawImage(120, 120, [40, 140, 90]), 120, 120);

  test('WebP, TIFF, GIF and AVIF are refused with InvalidImageFormatException naming the detected format', async () => {
    const cases: Array<[string, Buffer]> = [
      ['WebP', await base().webp().toBuffer()],
      ['TIFF', await base().tiff().toBuffer()],
      ['GIF', await base().gif().toBuffer()],
      ['AVIF', await base().avif().toBuffer()],
    ];
    for (const [name, bytes] of cases) {
      const err = await rejects(decodeImage(bytes, BYTES_LIMITS), 'InvalidImageFormatException', /unsupported image format/);
      assert.match(err.message, new RegExp(`\\b${name}\\b`), `message names ${name}: ${err.message}`);
      assert.match(err.message, /JPEG and PNG/);
    }
  });

  test('formats are detected by their magic bytes: BMP, JPEG 2000, HEIC, PDF and SVG headers', () => {
    const bmp = Buffer.alloc(64);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(40, 14);
    assert.equal(sniffFormat(bmp), 'bmp');
    assert.equal(sniffFormat(Buffer.from('0000000c6a5020200d0a870a00000014', 'hex')), 'jp2');
    assert.equal(sniffFormat(Buffer.concat([Buffer.from('00000018', 'hex'), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')])), 'heic');
    assert.equal(sniffFormat(Buffer.from('%PDF-1.7\n', 'latin1')), 'pdf');
    assert.equal(sniffFormat(Buffer.from('<?xml version="1.0"?>\n<svg xmlns="x">', 'latin1')), 'svg');
    assert.equal(sniffFormat(Buffer.from('hello world', 'latin1')), 'unknown');
  });

  test('an empty buffer is refused with InvalidImageFormatException', async () => {
    await rejects(decodeImage(Buffer.alloc(0), BYTES_LIMITS), 'InvalidImageFormatException', /empty/);
  });

  test('random bytes are refused with InvalidImageFormatException', async () => {
    let s = 7;
    const junk = Buffer.alloc(4096, 0).map(() => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s >>> 24));
    await rejects(decodeImage(Buffer.from(junk), BYTES_LIMITS), 'InvalidImageFormatException', /not a JPEG or PNG/);
  });

  test('random bytes behind a JPEG or a PNG signature are refused as corrupt', async () => {
    const junk = Buffer.alloc(4096, 0x5a);
    await rejects(decodeImage(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), junk]), BYTES_LIMITS), 'InvalidImageFormatException', /JPEG.*corrupt/);
    await rejects(decodeImage(Buffer.concat([PNG_SIG, junk]), BYTES_LIMITS), 'InvalidImageFormatException', /PNG.*corrupt/);
  });

  test('a JPEG cut in half is refused as truncated instead of being decoded partially', async () => {
    const jpg = await fromRaw(noiseImage(400, 300), 400, 300).jpeg({ quality: 90 }).toBuffer();
    assert.equal((await decodeImage(jpg, BYTES_LIMITS)).width, 400, 'the whole file decodes');
    await rejects(decodeImage(jpg.subarray(0, jpg.length >> 1), BYTES_LIMITS), 'InvalidImageFormatException', /JPEG.*truncated/);
  });

  test('a broken image that is also too small is reported as broken, not as too small', async () => {
    const jpg = await fromRaw(noiseImage(60, 40), 60, 40).jpeg().toBuffer();
    await rejects(decodeImage(jpg, BYTES_LIMITS), 'InvalidParameterException', /60x40/);
    await rejects(decodeImage(jpg.subarray(0, jpg.length - 200), BYTES_LIMITS), 'InvalidImageFormatException', /truncated/);
  });

  test('a PNG cut in half, or cut just before its IEND chunk, is refused as truncated', async () => {
    const png = await fromRaw(noiseImage(200, 200), 200, 200).png().toBuffer();
    await rejects(decodeImage(png.subarray(0, png.length >> 1), BYTES_LIMITS), 'InvalidImageFormatException', /PNG.*truncated/);
    await rejects(decodeImage(png.subarray(0, png.length - 12), BYTES_LIMITS), 'InvalidImageFormatException', /PNG.*truncated/);
  });

  test('a PNG with corrupted compressed data is refused as corrupt', async () => {
    const png = Buffer.from(await fromRaw(noiseImage(200, 200), 200, 200).png().toBuffer());
    for (let i = 0; i < 32; i++) png[200 + i]! ^= 0x5a;
    await rejects(decodeImage(png, BYTES_LIMITS), 'InvalidImageFormatException', /PNG.*corrupt/);
  });

  test('base64 text sent as the image bytes is refused with a hint to send raw bytes', async () => {
    const jpg = await base().jpeg().toBuffer();
    const err = await rejects(decodeImage(Buffer.from(jpg.toString('base64')), BYTES_LIMITS), 'InvalidImageFormatException', /base64/);
    assert.match(err.message, /raw image bytes/);
  });

  test('the underlying decoder message is kept as the error cause for the server log only', async () => {
    const jpg = await fromRaw(noiseImage(400, 300), 400, 300).jpeg().toBuffer();
    const err = await rejects(decodeImage(jpg.subarray(0, 5000), BYTES_LIMITS), 'InvalidImageFormatException');
    assert.ok(err.cause instanceof Error);
  });
});

describe('resizeForModel', () => {
  const marked = async () => {
    // 200x100 grey with a red block at x 150..169, y 40..59.
    const raw = rawImage(200, 100, [128, 128, 128], [{ x: 150, y: 40, w: 20, h: 20, c: [250, 0, 0] }]);
    return decodeImage(await fromRaw(raw, 200, 100).png().toBuffer(), BYTES_LIMITS);
  };

  test('fill stretches to exactly the model size and reports per-axis scales with no padding', async () => {
    const img = await marked();
    const r = await resizeForModel(img, 64, 64, 'fill');
    assert.equal(r.data.length, 64 * 64 * 3);
    assert.deepEqual([r.scaleX, r.scaleY, r.padX, r.padY], [64 / 200, 64 / 100, 0, 0]);
    // The block centre (160, 50) maps to (160 * 0.32, 50 * 0.64) = (51.2, 32).
    assertNear(pixel({ data: r.data, width: 64 }, 51, 32), [250, 0, 0], 30, 'block in model space');
    const back = { x: (51.2 - r.padX) / r.scaleX, y: (32 - r.padY) / r.scaleY };
    assert.ok(Math.abs(back.x - 160) < 1e-9 && Math.abs(back.y - 50) < 1e-9);
  });

  test('letterbox keeps the aspect ratio, centres the image and pads with the pad colour', async () => {
    const img = await marked();
    const r = await resizeForModel(img, 64, 64, 'letterbox');
    assert.equal(r.data.length, 64 * 64 * 3);
    // 200x100 -> 64x32, centred vertically: 16 rows of padding above and below.
    assert.deepEqual([r.scaleX, r.scaleY, r.padX, r.padY], [64 / 200, 32 / 100, 0, 16]);
    const px = (x: number, y: number) => pixel({ data: r.data, width: 64 }, x, y);
    assert.deepEqual(px(10, 5), [114, 114, 114], 'top padding');
    assert.deepEqual(px(10, 60), [114, 114, 114], 'bottom padding');
    assertNear(px(10, 20), [128, 128, 128], 2, 'image content');
    // Block centre (160, 50) -> (51.2, 16 + 16) = (51.2, 32).
    assertNear(px(51, 32), [250, 0, 0], 30, 'block in model space');
  });

  test('letterbox of a tall image pads left and right, and takes a custom pad colour', async () => {
    const img = await decodeImage(await fromRaw(rawImage(100, 300, [10, 200, 10]), 100, 300).png().toBuffer(), BYTES_LIMITS);
    const r = await resizeForModel(img, 90, 90, 'letterbox', { pad: { r: 0, g: 0, b: 0 } });
    assert.equal(r.data.length, 90 * 90 * 3);
    assert.deepEqual([r.padX, r.padY], [30, 0]);
    assert.equal(r.scaleY, 90 / 300);
    assert.equal(r.scaleX, 30 / 100);
    const px = (x: number, y: number) => pixel({ data: r.data, width: 90 }, x, y);
    assert.deepEqual(px(5, 45), [0, 0, 0]);
    assert.deepEqual(px(85, 45), [0, 0, 0]);
    assertNear(px(45, 45), [10, 200, 10], 2, 'content');
  });

  test('resizing to the image’s own size returns a copy of the pixels', async () => {
    const img = await marked();
    const r = await resizeForModel(img, 200, 100, 'fill');
    assert.ok(r.data.equals(img.data));
    assert.notEqual(r.data, img.data);
    assert.deepEqual([r.scaleX, r.scaleY, r.padX, r.padY], [1, 1, 0, 0]);
  });
});

describe('timing', () => {
  test('decoding a 1920x1280 JPEG is timed and printed (not asserted)', async () => {
    const jpg = await fromRaw(noiseImage(1920, 1280), 1920, 1280).jpeg({ quality: 85 }).toBuffer();
    await decodeImage(jpg, BYTES_LIMITS); // warm-up
    const runs = 10;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await decodeImage(jpg, BYTES_LIMITS);
    const ms = (performance.now() - t0) / runs;
    const img = await decodeImage(jpg, BYTES_LIMITS);
    const t1 = performance.now();
    for (let i = 0; i < runs; i++) await resizeForModel(img, 512, 512, 'letterbox');
    const rms = (performance.now() - t1) / runs;
    console.log(`# decode 1920x1280 JPEG (${(jpg.length / 1024).toFixed(0)} KiB): ${ms.toFixed(1)} ms; letterbox to 512x512: ${rms.toFixed(1)} ms`);
  });
});
