/**
 * Byte-level inspection of an encoded image, done before any decoder sees it:
 *
 * - `sniffFormat` names the container from its magic bytes (never from a file name or a
 *   Content-Type), so that formats Rekognition refuses (WebP, AVIF, HEIC, GIF, TIFF, BMP,
 *   JPEG 2000, ...) are rejected with a message that says what was actually sent, without
 *   handing those bytes to a decoder at all. That also keeps the GIF decompression bombs and
 *   broken GIF headers away from libvips.
 * - `inspectPng` walks the PNG chunk list: IHDR dimensions (so the pixel limit is enforced
 *   before anything is decoded), APNG frame count, and whether the chunk stream is complete.
 *   libpng happily decodes a PNG whose tail is cut off after the last needed IDAT byte, so the
 *   truncation check has to be ours.
 *
 * Pure functions on a Buffer; nothing here allocates in proportion to declared image sizes.
 */

export type SniffedFormat =
  | 'jpeg'
  | 'png'
  | 'gif'
  | 'webp'
  | 'bmp'
  | 'tiff'
  | 'jp2'
  | 'jxl'
  | 'avif'
  | 'heic'
  | 'heif'
  | 'isobmff'
  | 'pdf'
  | 'psd'
  | 'svg'
  | 'jxr'
  | 'mng'
  | 'pnm'
  | 'qoi'
  | 'exr'
  | 'hdr'
  | 'ico'
  | 'base64-jpeg'
  | 'base64-png'
  | 'unknown';

/** Human-readable names used in client messages. */
export const FORMAT_NAMES: Record<SniffedFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  gif: 'GIF',
  webp: 'WebP',
  bmp: 'BMP',
  tiff: 'TIFF',
  jp2: 'JPEG 2000',
  jxl: 'JPEG XL',
  avif: 'AVIF',
  heic: 'HEIC',
  heif: 'HEIF',
  isobmff: 'ISO media (an MP4 or QuickTime-style container)',
  pdf: 'PDF',
  psd: 'Photoshop (PSD)',
  svg: 'SVG',
  jxr: 'JPEG XR',
  mng: 'MNG or JNG',
  pnm: 'PNM (PBM, PGM or PPM)',
  qoi: 'QOI',
  exr: 'OpenEXR',
  hdr: 'Radiance HDR',
  ico: 'ICO',
  'base64-jpeg': 'base64 text of a JPEG',
  'base64-png': 'base64 text of a PNG',
  unknown: 'unknown',
};

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JP2_SIGNATURE = Buffer.from([0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]);
const JXL_CONTAINER = Buffer.from([0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a]);

const startsWith = (buf: Buffer, sig: Buffer | number[], at = 0): boolean => {
  if (buf.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (buf[at + i] !== sig[i]) return false;
  return true;
};
const ascii = (buf: Buffer, at: number, len: number): string =>
  buf.length >= at + len ? buf.toString('latin1', at, at + len) : '';

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'mif2']);

function sniffIsoBmff(buf: Buffer): SniffedFormat {
  // ftyp box: size(4) 'ftyp' major(4) minor(4) compatible brands(4 each) up to the box size.
  const boxSize = buf.readUInt32BE(0);
  const end = Math.min(buf.length, boxSize >= 16 ? boxSize : 16, 4096);
  const brands: string[] = [ascii(buf, 8, 4)];
  for (let o = 16; o + 4 <= end; o += 4) brands.push(ascii(buf, o, 4));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (brands.some((b) => HEIC_BRANDS.has(b))) return 'heic';
  if (brands.some((b) => HEIF_BRANDS.has(b))) return 'heif';
  if (brands.includes('jxl ')) return 'jxl';
  return 'isobmff';
}

/** Names the image container from its first bytes. */
export function sniffFormat(buf: Buffer): SniffedFormat {
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(buf, PNG_SIGNATURE)) return 'png';
  const head6 = ascii(buf, 0, 6);
  if (head6 === 'GIF87a' || head6 === 'GIF89a') return 'gif';
  if (ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 4) === 'WEBP') return 'webp';
  if (startsWith(buf, [0x49, 0x49, 0x2a, 0x00]) || startsWith(buf, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(buf, [0x49, 0x49, 0x2b, 0x00]) || startsWith(buf, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff'; // BigTIFF
  if (startsWith(buf, [0x49, 0x49, 0xbc])) return 'jxr';
  if (startsWith(buf, JP2_SIGNATURE) || startsWith(buf, [0xff, 0x4f, 0xff, 0x51])) return 'jp2';
  if (startsWith(buf, JXL_CONTAINER) || startsWith(buf, [0xff, 0x0a])) return 'jxl';
  if (buf.length >= 16 && ascii(buf, 4, 4) === 'ftyp') return sniffIsoBmff(buf);
  if (ascii(buf, 0, 2) === 'BM' && buf.length >= 18) {
    // BITMAPFILEHEADER is followed by a DIB header whose size is one of a few known values.
    const dib = buf.readUInt32LE(14);
    if ([12, 16, 40, 52, 56, 64, 108, 124].includes(dib)) return 'bmp';
  }
  if (ascii(buf, 0, 5) === '%PDF-') return 'pdf';
  if (ascii(buf, 0, 4) === '8BPS') return 'psd';
  if (startsWith(buf, [0x8a, 0x4d, 0x4e, 0x47]) || startsWith(buf, [0x8b, 0x4a, 0x4e, 0x47])) return 'mng';
  if (ascii(buf, 0, 4) === 'qoif') return 'qoi';
  if (startsWith(buf, [0x76, 0x2f, 0x31, 0x01])) return 'exr';
  if (ascii(buf, 0, 10) === '#?RADIANCE' || ascii(buf, 0, 6) === '#?RGBE') return 'hdr';
  if (/^P[1-7][\s]/.test(ascii(buf, 0, 3))) return 'pnm';
  if (startsWith(buf, [0x00, 0x00, 0x01, 0x00]) && buf.length >= 22 && buf.readUInt16LE(4) > 0 && buf[9] === 0) return 'ico';
  // Text formats: look at the start, past a BOM and whitespace.
  const text = buf.toString('latin1', 0, Math.min(buf.length, 512)).replace(/^\xef\xbb\xbf/, '').trimStart();
  if (text.startsWith('/9j/')) return 'base64-jpeg';
  if (text.startsWith('iVBORw0KGgo')) return 'base64-png';
  if (/^data:image\/(jpeg|jpg);base64,/i.test(text)) return 'base64-jpeg';
  if (/^data:image\/png;base64,/i.test(text)) return 'base64-png';
  if (/^<svg[\s>]/i.test(text) || (/^<\?xml/i.test(text) && /<svg[\s>]/i.test(text))) return 'svg';
  return 'unknown';
}

export interface PngInspection {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
  /** acTL num_frames for an APNG, else 1. */
  frames: number;
  /** Whether an eXIf chunk is present (libvips reads orientation from it). */
  hasExif: boolean;
  /** Set when the header itself is unusable: decoding must not be attempted. */
  headerProblem?: string;
  /** Set when the chunk stream is cut off or malformed after a valid header. */
  streamProblem?: { kind: 'truncated' | 'corrupt'; detail: string };
}

const isChunkTypeByte = (b: number | undefined) => b !== undefined && ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a));

/**
 * Reads IHDR and walks the chunk list up to IEND. Only lengths and types are read (CRCs are
 * left to libpng), so this is linear in the number of chunks and allocates nothing.
 */
export function inspectPng(buf: Buffer): PngInspection {
  const out: PngInspection = { width: 0, height: 0, bitDepth: 0, colourType: 0, interlaced: false, frames: 1, hasExif: false };
  if (buf.length < 8 + 8 + 13 + 4 || buf.readUInt32BE(8) !== 13 || ascii(buf, 12, 4) !== 'IHDR') {
    out.headerProblem = 'the PNG header (IHDR chunk) is missing or corrupt';
    return out;
  }
  out.width = buf.readUInt32BE(16);
  out.height = buf.readUInt32BE(20);
  out.bitDepth = buf[24]!;
  out.colourType = buf[25]!;
  out.interlaced = buf[28] === 1;
  if (out.width === 0 || out.height === 0 || out.width > 0x7fffffff || out.height > 0x7fffffff) {
    out.headerProblem = `the PNG header declares an invalid size (${out.width}x${out.height})`;
    return out;
  }
  let off = 8;
  let sawIdat = false;
  for (;;) {
    if (off === buf.length) {
      out.streamProblem = { kind: 'truncated', detail: 'the file ends before its IEND chunk' };
      break;
    }
    if (off + 8 > buf.length) {
      out.streamProblem = { kind: 'truncated', detail: 'the file ends in the middle of a chunk header' };
      break;
    }
    const length = buf.readUInt32BE(off);
    const t = [buf[off + 4], buf[off + 5], buf[off + 6], buf[off + 7]];
    if (length > 0x7fffffff || !t.every(isChunkTypeByte)) {
      out.streamProblem = { kind: 'corrupt', detail: `the chunk stream is broken at byte ${off}` };
      break;
    }
    if (off + 12 + length > buf.length) {
      out.streamProblem = { kind: 'truncated', detail: 'the file ends in the middle of a chunk' };
      break;
    }
    const type = ascii(buf, off + 4, 4);
    if (type === 'IDAT') sawIdat = true;
    else if (type === 'acTL' && length >= 8) out.frames = Math.max(1, buf.readUInt32BE(off + 8));
    else if (type === 'eXIf') out.hasExif = true;
    else if (type === 'IEND') {
      if (!sawIdat) out.streamProblem = { kind: 'corrupt', detail: 'there is no IDAT chunk with image data' };
      break;
    }
    off += 12 + length;
  }
  return out;
}

export interface JpegFrame {
  width: number;
  height: number;
  components: number;
  precision: number;
  /** SOF marker number: 0xc0 baseline, 0xc2 progressive, ... */
  marker: number;
}

/**
 * Finds the first frame header (SOFn) of a JPEG and returns its declared size, or undefined if
 * there is none before the first scan / the end of the data. Like libjpeg, bytes between
 * segments that are not a marker are skipped. Used to enforce size limits before libjpeg (which
 * itself refuses sides over 65,500 with an unhelpful error) ever reads the file.
 */
export function inspectJpeg(buf: Buffer): JpegFrame | undefined {
  let i = 2; // after SOI
  while (i < buf.length) {
    if (buf[i] !== 0xff) {
      i++; // extraneous byte
      continue;
    }
    while (i < buf.length && buf[i] === 0xff) i++; // fill bytes
    if (i >= buf.length) return undefined;
    const m = buf[i]!;
    i++;
    if (m === 0x00 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) continue; // stuffed byte, TEM, RSTn: no length
    if (m === 0xd9 || m === 0xda) return undefined; // EOI or SOS before any frame header
    if (i + 2 > buf.length) return undefined;
    const len = buf.readUInt16BE(i);
    if (len < 2) return undefined;
    const isSof = m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
    if (isSof) {
      if (i + 8 > buf.length || len < 8) return undefined;
      return { precision: buf[i + 2]!, height: buf.readUInt16BE(i + 3), width: buf.readUInt16BE(i + 5), components: buf[i + 7]!, marker: m };
    }
    i += len;
  }
  return undefined;
}
