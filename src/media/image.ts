/**
 * The one image pipeline: `Image.Bytes` / `Image.S3Object` bytes in, one decoded, EXIF-oriented,
 * validated 8-bit RGB image out. Nothing else in Argus calls the decoder.
 *
 * Order of checks (cheapest and most protective first; pixels are decoded only in step 7):
 *  1. empty input                        -> InvalidImageFormatException
 *  2. encoded size > limits.maxBytes     -> ImageTooLargeException (before looking at the bytes)
 *  3. format from magic bytes            -> only JPEG and PNG pass; WebP, AVIF, HEIC, GIF, TIFF,
 *     BMP, JPEG 2000, ... -> InvalidImageFormatException naming the format that was detected.
 *     GIF decompression bombs therefore never reach a decoder.
 *  4. declared size, read by our own parsers (`sniff.ts`: PNG IHDR, JPEG SOFn) before libvips
 *     reads anything, then again from libvips' header-only metadata:
 *       a side > limits.maxSide (10,000 px)      -> ImageTooLargeException
 *       width*height > limits.maxPixels          -> ImageTooLargeException
 *     Rekognition answers ImageTooLargeException when "the image size or resolution exceeds the
 *     allowed limit". A 48 KB PNG declaring 20000x20000 is refused here, allocation-free; the
 *     decode still runs with libvips' `limitInputPixels` as a second line of defence.
 *  5. PNG chunk stream must reach IEND (libpng alone accepts a file cut after its last IDAT, e.g.
 *     pillow's truncated_end_chunk.png) -> InvalidImageFormatException "truncated".
 *  6. libvips header read fails      -> InvalidImageFormatException "header truncated or corrupt".
 *  7. decode with `failOn: 'truncated'`: truncated/short JPEG scans and broken PNG zlib streams
 *     are rejected; JPEG *warnings* such as "extraneous bytes before marker" (pillow's
 *     jpeg_ff00_header.jpg, junk_jpeg_header.jpg) or a bad Huffman code are tolerated, because
 *     ordinary decoders (browsers, Pillow) open those images. Note that libjpeg reports a JPEG
 *     missing only its final EOI marker as "premature end", so such files are rejected too.
 *  8. a side < limits.minSide (80 px) -> InvalidParameterException. Checked last on purpose: a
 *     small image is cheap to decode, and a broken small file should be reported as broken, not
 *     as small. Rekognition documents 80 px as the minimum side; the image is well-formed, a
 *     constraint on the input is violated, hence InvalidParameterException.

 * Pixel conversions (all in libvips): EXIF orientation 1-8 applied (JPEG, and PNG eXIf chunks;
 * ImageMagick's "Raw profile type exif" text chunk is ignored, as browsers ignore it); an embedded
 * ICC profile is honoured and converted to sRGB; CMYK (incl. Adobe-inverted) goes through a CMYK
 * profile to sRGB, so colours come out right; grey is replicated to RGB; 16-bit is scaled to
 * 8-bit; palettes are expanded; alpha (incl. tRNS) is flattened onto WHITE, i.e. what a person
 * sees in a viewer or browser page - a transparent logo stays visible instead of turning into a
 * black block; APNG yields its default image (the first frame for ordinary APNGs).
 *
 * Client messages are written here; libvips' own text (which can name internal functions) is
 * never sent. It is kept as the ServiceError's `cause` for the server log.
 *
 * Memory: `sharp.cache(false)` - inputs are untrusted and unique, so libvips' operation cache
 * would only hold on to decoded pixels. `sharp.concurrency(1)` - one libvips worker thread per
 * image: JPEG/PNG decoding is sequential anyway (measured on 2 cores: a 1920x1280 JPEG decodes in
 * ~14 ms with 1 or 2 threads) and the CPU is wanted by the model workers. At most
 * `MAX_CONCURRENT_DECODES` (= cores, 1..4) decodes/resizes run at once, the rest queue. Peak per
 * decode: ~400 MB RSS for an unrotated 10,000x10,000 JPEG (300 MB is the RGB result itself), ~700
 * MB when EXIF orientation needs a rotation (libvips holds the whole image to rotate it).
 */
import { availableParallelism } from 'node:os';
import sharp, { type KernelEnum, type Metadata } from 'sharp';
import { ImageTooLarge, InvalidImageFormat, InvalidParameter, ServiceError } from '../edge/errors.js';
import { FORMAT_NAMES, inspectJpeg, inspectPng, sniffFormat, type PngInspection } from './sniff.js';

sharp.cache(false);
sharp.concurrency(1);

export interface DecodedImage {
  /**
   * RGB, 8-bit, interleaved (row-major, `width * height * 3` bytes), sRGB, EXIF orientation
   * already applied, alpha flattened onto white.
   */
  data: Buffer;
  width: number;
  height: number;
  channels: 3;
  /** 'video' for a frame decoded by media/video.ts. */
  format: 'jpeg' | 'png' | 'video';
  /** Size of the encoded input in bytes. */
  bytes: number;
  /** EXIF orientation tag that was applied (1 = none). */
  orientation: number;
  /**
   * The source as it was encoded, for diagnostics. `space`: libvips interpretation ('srgb',
   * 'cmyk', 'b-w', 'rgb16', 'grey16', ...) or 'palette'; `depth`: bits per sample, e.g. '8-bit',
   * '16-bit', '1-bit'; `pages`: frames (APNG frame count, else 1); `hasAlpha`: alpha channel or
   * tRNS transparency (flattened in `data`).
   */
  source: { space: string; depth: string; pages: number; hasAlpha: boolean };
}

export interface DecodeLimits {
  maxBytes: number;
  minSide: number;
  maxSide: number;
  maxPixels: number;
}

/** Image.Bytes: 5 MB of (base64-decoded) bytes. */
export const BYTES_LIMITS: DecodeLimits = Object.freeze({ maxBytes: 5 * 1024 * 1024, minSide: 80, maxSide: 10_000, maxPixels: 10_000 * 10_000 });
/** Image.S3Object: 15 MB objects. */
export const S3_LIMITS: DecodeLimits = Object.freeze({ maxBytes: 15 * 1024 * 1024, minSide: 80, maxSide: 10_000, maxPixels: 10_000 * 10_000 });

/** Decodes and resizes running at once; further calls wait their turn (bounds peak memory). */
export const MAX_CONCURRENT_DECODES = Math.max(1, Math.min(4, availableParallelism()));

let running = 0;
const waiting: Array<() => void> = [];
async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_DECODES) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next(); // hand the slot over directly
    else running--;
  }
}

const WHITE = { r: 255, g: 255, b: 255 };

const withCause = (err: ServiceError, cause: unknown): ServiceError => {
  err.cause = cause;
  return err;
};

const invalid = (what: string) => InvalidImageFormat(`Request has invalid image format: ${what}.`);

/** Maps a libvips failure to a client message that names the format but none of libvips' text. */
function decodeFailure(format: 'jpeg' | 'png', err: unknown): ServiceError {
  const text = err instanceof Error ? err.message : String(err);
  const name = FORMAT_NAMES[format];
  let out: ServiceError;
  if (/pixel limit/i.test(text)) out = ImageTooLarge('Image size is too large: the image has more pixels than the allowed limit.');
  else if (/premature end|unexpected end|end of (file|data|stream)|truncat|short read/i.test(text)) {
    out = invalid(`the ${name} image data is truncated or corrupt (it ends before the image is complete)`);
  } else out = invalid(`the ${name} image data is truncated or corrupt and cannot be decoded`);
  return withCause(out, err);
}

function checkSize(bytes: number, limits: DecodeLimits): void {
  if (bytes > limits.maxBytes) {
    throw ImageTooLarge(`Image size is too large: the image is ${bytes} bytes and the limit is ${limits.maxBytes} bytes (${(limits.maxBytes / 1048576).toFixed(0)} MB).`);
  }
}

/** Before decoding: protects memory, so it runs on header dimensions. */
function checkTooLarge(width: number, height: number, limits: DecodeLimits): void {
  if (width > limits.maxSide || height > limits.maxSide) {
    throw ImageTooLarge(`Image size is too large: the image is ${width}x${height} pixels; width and height may each be at most ${limits.maxSide} pixels.`);
  }
  if (width * height > limits.maxPixels) {
    throw ImageTooLarge(`Image size is too large: the image is ${width}x${height} pixels (${width * height} pixels); the limit is ${limits.maxPixels} pixels.`);
  }
}

/** After decoding: a small image is cheap, and a broken one should be reported as broken first. */
function checkTooSmall(width: number, height: number, limits: DecodeLimits): void {
  if (width < limits.minSide || height < limits.minSide) {
    throw InvalidParameter(`The image is ${width}x${height} pixels; width and height must each be at least ${limits.minSide} pixels.`);
  }
}

function unsupportedFormat(format: ReturnType<typeof sniffFormat>): ServiceError {
  if (format === 'unknown') {
    return invalid('the data is not a JPEG or PNG image (no JPEG or PNG signature found). Only JPEG and PNG images are supported');
  }
  if (format === 'base64-jpeg' || format === 'base64-png') {
    return invalid(
      `the data is ${FORMAT_NAMES[format]} image, not the image bytes. Send the raw image bytes; the AWS SDKs base64-encode Image.Bytes themselves, so encode only when calling the JSON API directly`,
    );
  }
  return InvalidImageFormat(`Request has unsupported image format: the data is in ${FORMAT_NAMES[format]} format. Only JPEG and PNG images are supported.`);
}

const bitsOf = (meta: Metadata): number => {
  if (meta.bitsPerSample) return meta.bitsPerSample;
  switch (meta.depth) {
    case 'ushort':
    case 'short':
      return 16;
    case 'uint':
    case 'int':
    case 'float':
      return 32;
    case 'double':
      return 64;
    default:
      return 8;
  }
};

/**
 * Validates and decodes one encoded image. Throws ServiceError only (InvalidImageFormat,
 * ImageTooLarge, InvalidParameter); see the module comment for the exact rules.
 */
export async function decodeImage(input: Buffer, limits: DecodeLimits): Promise<DecodedImage> {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from((input as Uint8Array).buffer, (input as Uint8Array).byteOffset, (input as Uint8Array).byteLength);
  if (buf.length === 0) throw invalid('the image is empty (0 bytes)');
  checkSize(buf.length, limits);

  const sniffed = sniffFormat(buf);
  if (sniffed !== 'jpeg' && sniffed !== 'png') throw unsupportedFormat(sniffed);
  const format: 'jpeg' | 'png' = sniffed;

  let png: PngInspection | undefined;
  if (format === 'png') {
    png = inspectPng(buf);
    if (png.headerProblem) throw invalid(png.headerProblem);
    checkTooLarge(png.width, png.height, limits);
    if (png.streamProblem) {
      throw invalid(`the PNG image data is ${png.streamProblem.kind} (${png.streamProblem.detail})`);
    }
  } else {
    const frame = inspectJpeg(buf);
    // A frame with height 0 (size given later by a DNL marker) is left to libjpeg, which refuses it.
    if (frame && frame.width > 0 && frame.height > 0) checkTooLarge(frame.width, frame.height, limits);
  }

  // Header only: no pixels are decoded here, so no pixel limit is needed to stay safe; the
  // dimensions are checked by us right after, with a message naming them.
  let meta: Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: false, failOn: 'truncated' }).metadata();
  } catch (err) {
    throw withCause(invalid(`the ${FORMAT_NAMES[format]} header is truncated or corrupt`), err);
  }
  if (meta.format !== format) {
    throw invalid(`the data starts like a ${FORMAT_NAMES[format]} image but cannot be read as one`);
  }
  checkTooLarge(meta.width, meta.height, limits);
  if (png && (meta.width !== png.width || meta.height !== png.height)) throw invalid('the PNG header is inconsistent');

  const orientation = meta.orientation !== undefined && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const source = {
    space: meta.isPalette ? 'palette' : String(meta.space),
    depth: `${bitsOf(meta)}-bit`,
    pages: png ? png.frames : Math.max(1, meta.pages ?? 1),
    hasAlpha: meta.hasAlpha,
  };

  const { data, info } = await withSlot(async () => {
    try {
      let p = sharp(buf, {
        failOn: 'truncated',
        limitInputPixels: limits.maxPixels,
        autoOrient: true,
        page: 0,
        pages: 1,
      });
      if (meta.hasAlpha) p = p.flatten({ background: WHITE });
      // sharp converts 16-bit RGB with an embedded profile into a P3 working space; without an
      // explicit output profile those P3 values would be passed off as sRGB (washed-out colours).
      if (meta.hasProfile && meta.space === 'rgb16') p = p.withIccProfile('srgb');
      return await p.toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    } catch (err) {
      throw decodeFailure(format, err);
    }
  });

  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new Error(`image pipeline produced ${info.width}x${info.height}x${info.channels} (${data.length} bytes), expected RGB`);
  }
  checkTooSmall(info.width, info.height, limits);
  return { data, width: info.width, height: info.height, channels: 3, format, bytes: buf.length, orientation, source };
}

/** resizeForModel's default letterbox grey (each channel): the neutral grey YOLO-family detectors train with. */
export const LETTERBOX_GREY = 114;

export interface ResizeOptions {
  /** Letterbox pad colour (default LETTERBOX_GREY in each channel). */
  pad?: { r: number; g: number; b: number };
  /** Resampling kernel (default 'linear', i.e. bilinear like most training pipelines). */
  kernel?: keyof KernelEnum;
}

export interface ModelInput {
  /** Raw RGB, 8-bit, interleaved, exactly `w * h * 3` bytes. */
  data: Buffer;
  /** Model pixels per source pixel, horizontally and vertically. */
  scaleX: number;
  scaleY: number;
  /** Left / top padding in model pixels (0 for 'fill'). */
  padX: number;
  padY: number;
}

/**
 * Resizes a decoded image for a model input of exactly `w x h`.
 * - 'fill': stretched to w x h (aspect ratio not kept); pad 0.
 * - 'letterbox': scaled to fit inside w x h keeping the aspect ratio, centred, and the rest padded
 *   with `options.pad`.
 * A point (mx, my) in model pixels maps back to source pixels as
 * `x = (mx - padX) / scaleX`, `y = (my - padY) / scaleY`.
 */
export async function resizeForModel(
  img: DecodedImage,
  w: number,
  h: number,
  fit: 'fill' | 'letterbox',
  options: ResizeOptions = {},
): Promise<ModelInput> {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new RangeError(`resizeForModel: invalid target size ${w}x${h}`);
  const kernel = options.kernel ?? 'linear';
  let nw = w;
  let nh = h;
  if (fit === 'letterbox') {
    const s = Math.min(w / img.width, h / img.height);
    nw = Math.min(w, Math.max(1, Math.round(img.width * s)));
    nh = Math.min(h, Math.max(1, Math.round(img.height * s)));
  }
  const padX = Math.floor((w - nw) / 2);
  const padY = Math.floor((h - nh) / 2);
  const geometry = { scaleX: nw / img.width, scaleY: nh / img.height, padX, padY };
  if (nw === img.width && nh === img.height && nw === w && nh === h) return { data: Buffer.from(img.data), ...geometry };

  const data = await withSlot(async () => {
    let p = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 }, limitInputPixels: false });
    if (nw !== img.width || nh !== img.height) p = p.resize(nw, nh, { fit: 'fill', kernel });
    if (nw !== w || nh !== h) {
      p = p.extend({ top: padY, bottom: h - nh - padY, left: padX, right: w - nw - padX, background: options.pad ?? { r: LETTERBOX_GREY, g: LETTERBOX_GREY, b: LETTERBOX_GREY } });
    }
    const out = await p.raw().toBuffer({ resolveWithObject: true });
    if (out.info.width !== w || out.info.height !== h || out.info.channels !== 3) {
      throw new Error(`resizeForModel produced ${out.info.width}x${out.info.height}x${out.info.channels}, expected ${w}x${h}x3`);
    }
    return out.data;
  });
  return { data, ...geometry };
}

/** A pixel rectangle of an image: [left, left + width) x [top, top + height). */
export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The part of a decoded image inside `rect` (integer pixels, clamped to the image), as an image
 * of its own: e.g. a tile for a detector that needs small objects larger. With `canvas`, the part
 * is placed on a black canvas of that size, at its `left`/`top` (default the top left corner).
 */
export function cropImage(img: DecodedImage, rect: PixelRect, canvas?: { width: number; height: number; left?: number; top?: number }): DecodedImage {
  const left = Math.max(0, Math.min(img.width - 1, Math.round(rect.left)));
  const top = Math.max(0, Math.min(img.height - 1, Math.round(rect.top)));
  let width = Math.max(1, Math.min(img.width - left, Math.round(rect.width)));
  let height = Math.max(1, Math.min(img.height - top, Math.round(rect.height)));
  if (!canvas && left === 0 && top === 0 && width === img.width && height === img.height) return img;
  const out = canvas ?? { width, height };
  const [atX, atY] = [Math.max(0, Math.round(canvas?.left ?? 0)), Math.max(0, Math.round(canvas?.top ?? 0))];
  width = Math.max(0, Math.min(width, out.width - atX));
  height = Math.max(0, Math.min(height, out.height - atY));
  const data = canvas ? Buffer.alloc(out.width * out.height * 3) : Buffer.allocUnsafe(out.width * out.height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * img.width + left) * 3;
    img.data.copy(data, ((atY + y) * out.width + atX) * 3, from, from + width * 3);
  }
  return { ...img, data, width: out.width, height: out.height };
}

/** The image turned clockwise by `quarters` quarter turns (0..3). */
export function rotateQuarters(img: DecodedImage, quarters: number): DecodedImage {
  const q = ((quarters % 4) + 4) % 4;
  if (q === 0) return img;
  const { width: w, height: h } = img;
  const [ow, oh] = q === 2 ? [w, h] : [h, w];
  const data = Buffer.allocUnsafe(w * h * 3);
  // Destination pixel of source (0, 0), and its step (in pixels) per source x and per source y.
  const [start, dx, dy] = q === 1 ? [ow - 1, ow, -1] : q === 2 ? [ow * oh - 1, -1, -ow] : [(oh - 1) * ow, -ow, 1];
  const src = img.data;
  for (let y = 0, s = 0; y < h; y++) {
    for (let x = 0, d = (start + y * dy) * 3; x < w; x++, s += 3, d += dx * 3) {
      data[d] = src[s]!;
      data[d + 1] = src[s + 1]!;
      data[d + 2] = src[s + 2]!;
    }
  }
  return { ...img, data, width: ow, height: oh };
}
