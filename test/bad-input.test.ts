/**
 * Every real file in eval-data/bad-input gets the right answer from the image pipeline.
 * The table below is the contract: a file that appears in the folder without an entry fails the
 * suite, and so does an entry whose file is gone.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ServiceError } from '../src/edge/errors.js';
import { BYTES_LIMITS, S3_LIMITS, decodeImage, resizeForModel, type DecodeLimits, type DecodedImage } from '../src/media/image.js';
import { EVAL_DATA } from './helpers/eval-data.js';

const ROOT = join(EVAL_DATA, 'bad-input');

type Outcome =
  | { ok: [number, number]; orientation?: number; space?: string; format?: 'jpeg' | 'png' }
  | { error: 'InvalidImageFormatException' | 'ImageTooLargeException' | 'InvalidParameterException'; message: RegExp };

const ok = (w: number, h: number, extra: Omit<Extract<Outcome, { ok: unknown }>, 'ok'> = {}): Outcome => ({ ok: [w, h], ...extra });
const unsupported = (name: string): Outcome => ({ error: 'InvalidImageFormatException', message: new RegExp(`unsupported image format.*\\b${name}\\b`) });
const notAnImage: Outcome = { error: 'InvalidImageFormatException', message: /not a JPEG or PNG image/ };
const truncated = (fmt: string): Outcome => ({ error: 'InvalidImageFormatException', message: new RegExp(`${fmt}.*truncated`) });
const corrupt = (fmt: string): Outcome => ({ error: 'InvalidImageFormatException', message: new RegExp(`${fmt}.*corrupt`) });
const tooSmall = (dims: string): Outcome => ({ error: 'InvalidParameterException', message: new RegExp(`${dims} pixels.*at least 80`) });
const tooLarge = (dims: string): Outcome => ({ error: 'ImageTooLargeException', message: new RegExp(`${dims} pixels`) });

/** Sizes are after EXIF orientation. Orientation n = EXIF tag n (0 in the name means "no tag" = 1). */
const EXPECTED: Record<string, Outcome> = {
  'exif-orientation/LICENSE': notAnImage,
  ...Object.fromEntries(
    Array.from({ length: 9 }, (_, n) => [
      [`exif-orientation/Landscape_${n}.jpg`, ok(1800, 1200, { orientation: Math.max(1, n) })],
      [`exif-orientation/Portrait_${n}.jpg`, ok(1200, 1800, { orientation: Math.max(1, n) })],
    ]).flat(),
  ),
  // 10000x10000 is exactly at both limits: accepted (300 MB of RGB).
  'generated/huge_10000x10000_rgb8.png': ok(10000, 10000),
  // 48 KB file declaring 400 Mpx: refused from the IHDR before libvips sees it.
  'generated/huge_20000x20000_1bit_gray.png': tooLarge('20000x20000'),
  'generated/obama_cmyk.jpg': ok(910, 1137, { space: 'cmyk' }),
  'generated/obama_exif_orientation6.jpg': ok(910, 1137, { orientation: 6 }),
  'generated/raccoon-1_16bit_rgb.png': ok(650, 417, { space: 'rgb16' }),
  'pillow/16bit.cropped.jp2': unsupported('JPEG 2000'),
  'pillow/LICENSE': notAnImage,
  // Valid APNGs, but 64 px tall: too small (their decoding is checked with relaxed limits below).
  'pillow/apng_delay.png': tooSmall('128x64'),
  'pillow/apng_mode_16bit.png': tooSmall('128x64'),
  'pillow/avif_hopper.avif': unsupported('AVIF'),
  'pillow/broken.png': corrupt('PNG header'),
  'pillow/broken_data_stream.png': corrupt('PNG image data'),
  'pillow/decompression_bomb.gif': unsupported('GIF'),
  'pillow/decompression_bomb_extents.gif': unsupported('GIF'),
  // Orientation is in ImageMagick's "Raw profile type exif" text chunk: ignored, like browsers do.
  'pillow/exif_imagemagick_orientation.png': ok(512, 512, { orientation: 1 }),
  'pillow/hopper.bmp': unsupported('BMP'),
  'pillow/hopper.jpg': ok(128, 128),
  'pillow/hopper.png': ok(128, 128),
  'pillow/hopper.tif': unsupported('TIFF'),
  'pillow/hopper.webp': unsupported('WebP'),
  'pillow/hopper_gray.jpg': ok(128, 128, { space: 'b-w' }),
  'pillow/hopper_orientation_6.jpg': ok(128, 128, { orientation: 6 }),
  'pillow/i_trns.png': tooSmall('64x64'),
  'pillow/icc_profile_big.jpg': ok(425, 250),
  'pillow/iss634.gif': unsupported('GIF'),
  'pillow/itxt_chunks.png': ok(2400, 2000),
  // Extra bytes before markers: a libjpeg warning, not an error; browsers and Pillow open them.
  'pillow/jpeg_ff00_header.jpg': ok(300, 225),
  'pillow/junk_jpeg_header.jpg': ok(1024, 768),
  'pillow/old-style-jpeg-compression.png': ok(4160, 870),
  // 2x1 stored, tag 8: 1x2 after orientation, far below 80 px.
  'pillow/orientation_rectangle.jpg': tooSmall('1x2'),
  'pillow/pil123p.png': ok(162, 150, { space: 'palette' }),
  'pillow/pil123rgba.png': ok(162, 150),
  'pillow/pil_sample_cmyk.jpg': ok(100, 100, { space: 'cmyk' }),
  'pillow/pil_sample_rgb.jpg': ok(100, 100),
  'pillow/sugarshack_bad_mpo_header.jpg': ok(640, 480),
  // Complete pixel data, but the file is cut inside a following chunk: truncated.
  'pillow/truncated_end_chunk.png': truncated('PNG'),
  'pillow/truncated_image.png': truncated('PNG'),
  'pillow/truncated_jpeg.jpg': truncated('JPEG'),
  // 1512x2688 primary image whose file ends right after the scan header (no scan data).
  'pillow/ultrahdr.jpg': truncated('JPEG'),
  'pillow/zero_width.gif': unsupported('GIF'),
  'truncated/broken.jpg': corrupt('JPEG header'),
};

/** Limits with the 80 px minimum lifted, to check how small files decode. */
const RELAXED: DecodeLimits = { ...S3_LIMITS, minSide: 1 };

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => relative(dir, join(dir, f)).split('\\').join('/'))
    .sort();
}

const meanAbsDiff = (a: Buffer, b: Buffer) => {
  assert.equal(a.length, b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
};
const decodeFile = (name: string, limits: DecodeLimits = BYTES_LIMITS) => decodeImage(readFileSync(join(ROOT, name)), limits);
/** A 48x48 thumbnail of the decoded (oriented) image, for comparing pictures. */
const thumb = async (name: string, limits: DecodeLimits = BYTES_LIMITS) => (await resizeForModel(await decodeFile(name, limits), 48, 48, 'fill')).data;

if (!existsSync(ROOT)) {
  test('the bad-input files are all handled', (t) => {
    t.skip(`eval-data not found at ${ROOT}`);
  });
} else {
  describe('real bad-input files', () => {
    const files = listFiles(ROOT);

    test('every file in the folder has an expected outcome in the table', () => {
      const missing = files.filter((f) => !(f in EXPECTED));
      assert.deepEqual(missing, [], `add these files to the table in test/bad-input.test.ts: ${missing.join(', ')}`);
    });

    test('every file in the table still exists in the folder', () => {
      const gone = Object.keys(EXPECTED).filter((f) => !files.includes(f));
      assert.deepEqual(gone, [], `files in the table but not in ${ROOT}: ${gone.join(', ')}`);
    });

    for (const [name, want] of Object.entries(EXPECTED)) {
      if (!files.includes(name)) continue;
      const label = 'ok' in want ? `${want.ok[0]}x${want.ok[1]}` : want.error;
      test(`${name} gives ${label}`, async () => {
        let img: DecodedImage | undefined;
        let err: unknown;
        try {
          img = await decodeFile(name);
        } catch (e) {
          err = e;
        }
        if ('ok' in want) {
          assert.ok(img, `expected success, got ${err instanceof ServiceError ? `${err.type}: ${err.message}` : String(err)}`);
          assert.deepEqual([img.width, img.height], want.ok);
          assert.equal(img.channels, 3);
          assert.equal(img.data.length, img.width * img.height * 3);
          assert.equal(img.format, name.endsWith('.png') ? 'png' : 'jpeg');
          if (want.orientation !== undefined) assert.equal(img.orientation, want.orientation);
          if (want.space !== undefined) assert.equal(img.source.space, want.space);
        } else {
          assert.ok(err instanceof ServiceError, `expected ${want.error}, got ${img ? `success ${img.width}x${img.height}` : String(err)}`);
          assert.equal(err.type, want.error, err.message);
          assert.match(err.message, want.message);
          assert.doesNotMatch(err.message, /sharp|vips|libpng|libjpeg|spng|\//i, `message leaks internals: ${err.message}`);
        }
      });
    }

    test('all eight EXIF orientations of the landscape and portrait photos decode to the same picture as the untagged one', async () => {
      for (const kind of ['Landscape', 'Portrait']) {
        const ref = await thumb(`exif-orientation/${kind}_0.jpg`);
        for (let n = 1; n <= 8; n++) {
          const d = meanAbsDiff(await thumb(`exif-orientation/${kind}_${n}.jpg`), ref);
          assert.ok(d < 3, `${kind}_${n} differs from ${kind}_0 by ${d.toFixed(2)} per channel`);
        }
      }
    });

    test('the CMYK sample decodes to the same colours as its RGB twin', async () => {
      const d = meanAbsDiff(await thumb('pillow/pil_sample_cmyk.jpg'), await thumb('pillow/pil_sample_rgb.jpg'));
      assert.ok(d < 3, `CMYK vs RGB: ${d.toFixed(2)} per channel`);
    });

    test('the CMYK face photo matches the orientation-6 face photo once both are decoded', async () => {
      const d = meanAbsDiff(await thumb('generated/obama_cmyk.jpg'), await thumb('generated/obama_exif_orientation6.jpg'));
      assert.ok(d < 20, `CMYK vs rotated RGB: ${d.toFixed(2)} per channel`);
    });

    test('hopper is the same picture as JPEG, PNG, rotated JPEG and palette-free PNG', async () => {
      const ref = await thumb('pillow/hopper.png');
      assert.ok(meanAbsDiff(await thumb('pillow/hopper.jpg'), ref) < 3);
      assert.ok(meanAbsDiff(await thumb('pillow/hopper_orientation_6.jpg'), await thumb('pillow/hopper.jpg')) < 5);
      const grey = await decodeFile('pillow/hopper_gray.jpg');
      for (let i = 0; i < grey.data.length; i += 3) assert.ok(grey.data[i] === grey.data[i + 1] && grey.data[i] === grey.data[i + 2]);
    });

    test('the palette PNG with transparency matches its RGBA twin after flattening', async () => {
      const d = meanAbsDiff(await thumb('pillow/pil123p.png'), await thumb('pillow/pil123rgba.png'));
      assert.ok(d < 3, `palette vs RGBA: ${d.toFixed(2)}`);
    });

    test('with the 80 px minimum lifted, the small 16-bit, tRNS and APNG files decode correctly', async () => {
      const trns = await decodeFile('pillow/i_trns.png', RELAXED);
      assert.deepEqual([trns.width, trns.height, trns.source.space, trns.source.depth, trns.source.hasAlpha], [64, 64, 'grey16', '16-bit', true]);
      let white = 0;
      for (let i = 0; i < trns.data.length; i += 3) if (trns.data[i] === 255 && trns.data[i + 1] === 255 && trns.data[i + 2] === 255) white++;
      assert.equal(white, 559, 'the 559 pixels matching the tRNS grey are transparent, so white');

      const apng = await decodeFile('pillow/apng_delay.png', RELAXED);
      assert.deepEqual([apng.width, apng.height, apng.source.pages], [128, 64, 4]);
      const apng16 = await decodeFile('pillow/apng_mode_16bit.png', RELAXED);
      assert.deepEqual([apng16.width, apng16.height, apng16.source.pages, apng16.source.depth], [128, 64, 2, '16-bit']);
      assert.ok(meanAbsDiff(apng.data, apng16.data) < 1, 'both APNGs show the same first frame');

      const tiny = await decodeFile('pillow/orientation_rectangle.jpg', RELAXED);
      assert.deepEqual([tiny.width, tiny.height, tiny.orientation], [1, 2, 8]);
    });

    test('the S3 limits give the same answers as the Bytes limits for every file', async () => {
      for (const name of files) {
        const outcome = async (limits: DecodeLimits) => {
          try {
            const img = await decodeFile(name, limits);
            return `${img.width}x${img.height}`;
          } catch (e) {
            return e instanceof ServiceError ? e.type : String(e);
          }
        };
        assert.equal(await outcome(S3_LIMITS), await outcome(BYTES_LIMITS), name);
      }
    });
  });
}
