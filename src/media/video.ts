/**
 * The one video pipeline: a file in, its metadata and a stream of sampled RGB frames with exact
 * timestamps out. ffmpeg does the decoding: the one on PATH (Debian's 5.1 is installed by CI),
 * else the static 2018 build shipped by `@ffmpeg-installer/linux-x64`. Only features both builds
 * have are used: the banner of `ffmpeg -i` for metadata, `showinfo` for timestamps, `select`
 * for sampling, autorotation for the display matrix.
 *
 * Frames and timestamps travel on two pipes (raw RGB on stdout, one `showinfo` line per frame
 * on stderr) and are paired in order. A first `showinfo` sees every decoded frame (its `n` is
 * the frame number), a second one only the sampled frames (its `pts_time` says which they were).
 * Timestamps are ffmpeg's, relative to the start of the file (ffmpeg subtracts the container's
 * start time, so a file whose presentation starts at 1.075 s still has its first frame at 0; a
 * video track that begins after the audio keeps its offset, as a player shows it). The pipe applies back-pressure: ffmpeg waits while
 * the analysers work, so memory stays at a few frames whatever the length of the video.
 *
 * Only plain files and container demuxers are allowed (`-protocol_whitelist file`,
 * `-format_whitelist`): a "video" that is really an HLS playlist or a concat list would otherwise
 * make ffmpeg open other files or URLs named inside it.
 *
 * Checks (each fails the job with a clear message, never a crash): no readable video stream,
 * a raw elementary stream without a container (.h264, .h265: no timestamps), more than
 * Rekognition's 6 hours or 10 GB.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, statSync } from 'node:fs';
import type { VideoFrame } from './video-frame.js';

export type { VideoFrame } from './video-frame.js';

export const VIDEO_LIMITS = Object.freeze({ maxBytes: 10 * 1024 ** 3, maxDurationMs: 6 * 3600 * 1000 });

export interface VideoMetadata {
  codec: string;
  /** Rekognition's name for the container, e.g. "QuickTime / MOV". */
  format: string;
  durationMs: number;
  frameRate: number;
  /** Display size: a video stored sideways with a rotation matrix reports its upright size. */
  frameWidth: number;
  frameHeight: number;
  colorRange: 'FULL' | 'LIMITED';
  /** Degrees the stored frames are turned to display them (0, 90, 180, 270). */
  rotation: number;
}

export class VideoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VideoError';
  }
}

const found = new Map<string, string>();

/** The ffmpeg binary: `ARGUS_FFMPEG`, else the one on PATH, else the static build from npm. */
export function ffmpeg(): string {
  const wanted = process.env.ARGUS_FFMPEG ?? '';
  const known = found.get(wanted);
  if (known) return known;
  const candidates = [wanted, 'ffmpeg'];
  try {
    candidates.push(createRequire(import.meta.url).resolve('@ffmpeg-installer/linux-x64/ffmpeg'));
  } catch {
    // not installed for this platform
  }
  for (const c of candidates) {
    if (!c) continue;
    const r = spawnSync(c, ['-hide_banner', '-version'], { stdio: 'ignore' });
    if (r.status === 0) {
      found.set(wanted, c);
      return c;
    }
  }
  throw new VideoError('No ffmpeg found: install ffmpeg (apt-get install ffmpeg) or set ARGUS_FFMPEG.');
}

/** The demuxers ffmpeg may use: containers, and the raw streams it must recognise to refuse them by name. */
const INPUT_GUARD = ['-protocol_whitelist', 'file', '-format_whitelist', 'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,flv,mpeg,ogg,h264,hevc,m4v,mpegvideo'];

/** Elementary-stream demuxers: no container, hence no reliable timestamps. */
const RAW_STREAMS = new Set(['h264', 'hevc', 'h265', 'm4v', 'mpegvideo', 'rawvideo', 'mjpeg', 'vc1', 'av1', 'ivf', 'yuv4mpegpipe']);
const FORMAT_NAMES: Readonly<Record<string, string>> = { mov: 'QuickTime / MOV', matroska: 'Matroska / WebM', avi: 'AVI (Audio Video Interleaved)', mpegts: 'MPEG-TS (MPEG-2 Transport Stream)', flv: 'FLV (Flash Video)', mpeg: 'MPEG-PS (MPEG-2 Program Stream)' };

/** Parses the banner `ffmpeg -i` prints (both builds print the same lines). Exported for tests. */
export function parseBanner(text: string): VideoMetadata {
  const input = /^Input #0, ([^ ]+), from/m.exec(text);
  if (!input) throw new VideoError('The file is not a video ffmpeg can read.');
  const demuxer = input[1]!.replace(/,$/, '');
  const short = demuxer.split(',')[0]!;
  if (RAW_STREAMS.has(short)) throw new VideoError(`The file is a raw ${short} stream without a container; put it in MP4 or MOV first (ffmpeg -i in.${short} -c copy out.mp4).`);
  const stream = /^\s*Stream #0:\d+[^:]*: Video: ([a-z0-9_]+)[^,\n]*,\s*([^\n]*)$/m.exec(text);
  if (!stream) throw new VideoError('The file has no video stream.');
  const rest = stream[2]!;
  const size = /(?:^|[ ,])(\d{2,5})x(\d{2,5})(?=[ ,]|$)/.exec(rest);
  if (!size) throw new VideoError('The video stream has no frame size.');
  const duration = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(text);
  if (!duration) throw new VideoError('The video has no duration (is it a live or raw stream?).');
  const durationMs = Math.round(((Number(duration[1]) * 60 + Number(duration[2])) * 60 + Number(duration[3])) * 1000);
  const fps = /([\d.]+)(k?) fps/.exec(rest) ?? /([\d.]+)(k?) tbr/.exec(rest);
  const rotationMatch = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(text) ?? /^\s*rotate\s*:\s*(-?\d+)/m.exec(text);
  // The display matrix's angle is counter-clockwise; the frames are turned clockwise by its negation.
  const rotation = rotationMatch ? (((Math.round(-Number(rotationMatch[1]) / 90) * 90) % 360) + 360) % 360 : 0;
  const [w, h] = [Number(size[1]), Number(size[2])];
  const upright = rotation === 90 || rotation === 270;
  return {
    codec: stream[1]!,
    format: FORMAT_NAMES[short] ?? short,
    durationMs,
    frameRate: fps ? exactRate(Number(fps[1]) * (fps[2] ? 1000 : 1)) : 0,
    frameWidth: upright ? h : w,
    frameHeight: upright ? w : h,
    colorRange: /\b(?:pc|jpeg)\b/.test(rest.split(',')[1] ?? '') || /yuvj/.test(rest) ? 'FULL' : 'LIMITED',
    rotation,
  };
}

/** ffmpeg prints 29.97 for 30000/1001: give back the exact NTSC rate. */
function exactRate(printed: number): number {
  const n = Math.round((printed * 1001) / 1000);
  if (Math.abs((n * 1000) / 1001 - printed) < 0.006 && Math.abs(n - printed) > 0.006) return (n * 1000) / 1001;
  return printed;
}

/** Reads the metadata of a video file, refusing what the analysers cannot use. */
export async function probeVideo(path: string): Promise<VideoMetadata> {
  if (!existsSync(path)) throw new VideoError('The video file does not exist.');
  if (statSync(path).size > VIDEO_LIMITS.maxBytes) throw new VideoError('The video is larger than 10 GB.');
  const text = await new Promise<string>((resolve, reject) => {
    const p = spawn(ffmpeg(), ['-hide_banner', '-nostdin', ...INPUT_GUARD, '-i', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let out = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => (out.length < 1 << 20 ? (out += d) : undefined));
    p.on('error', reject);
    p.on('close', () => resolve(out));
  });
  const meta = parseBanner(text);
  if (meta.durationMs > VIDEO_LIMITS.maxDurationMs) throw new VideoError('The video is longer than 6 hours.');
  return meta;
}

export interface ReadFramesOptions {
  /** The frames are scaled (down only) so that their longer side is at most this. */
  maxSide: number;
  /** Sample one frame every so many milliseconds; every frame when absent. */
  everyMs?: number;
  signal?: AbortSignal;
}

/** Size of the frames readFrames yields for this video. */
export function frameSize(meta: Pick<VideoMetadata, 'frameWidth' | 'frameHeight'>, maxSide: number): { width: number; height: number } {
  const s = Math.min(1, maxSide / Math.max(meta.frameWidth, meta.frameHeight));
  return { width: Math.max(2, Math.round(meta.frameWidth * s)), height: Math.max(2, Math.round(meta.frameHeight * s)) };
}

const SHOWINFO = /\[Parsed_showinfo_(\d+) [^\]]*\] n: *(\d+) pts: *-?\d+ pts_time:(-?[\d.e+-]+)/;

/**
 * Decodes the video into RGB frames in display orientation, in presentation order, with their
 * frame numbers and timestamps. Stops ffmpeg when the consumer stops early or the signal aborts.
 */
export async function* readFrames(path: string, meta: VideoMetadata, o: ReadFramesOptions): AsyncGenerator<VideoFrame> {
  const { width, height } = frameSize(meta, o.maxSide);
  const frameBytes = width * height * 3;
  // The first frame at or after each multiple of everyMs: 0, 500, 1000 ms… whatever the frame rate.
  const every = o.everyMs ? o.everyMs / 1000 : 0;
  const sample = every ? `,select='isnan(prev_selected_t)+gte(floor(t/${every})-floor(prev_selected_t/${every})\\,1)',showinfo` : '';
  const filter = `showinfo${sample},scale=${width}:${height}:flags=area,format=rgb24`;
  const p = spawn(ffmpeg(), ['-hide_banner', '-nostdin', '-loglevel', 'info', ...INPUT_GUARD, '-i', path, '-an', '-sn', '-dn', '-vf', filter, '-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const abort = () => p.kill('SIGKILL');
  o.signal?.addEventListener('abort', abort, { once: true });

  // stderr: frame number by pts from the first showinfo, the sampled frames' pts from the last one.
  const numberAt = new Map<string, number>();
  const stamps: { n: number; ptsTime: number }[] = [];
  const lastInstance = sample ? '2' : '0';
  let tail = '';
  let errorText = '';
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  p.stderr.setEncoding('utf8').on('data', (d: string) => {
    const lines = (tail + d).split('\n');
    tail = lines.pop()!;
    for (const line of lines) {
      const m = SHOWINFO.exec(line);
      if (!m) {
        if (!line.startsWith('[Parsed_') && line.trim()) errorText = line.trim();
        continue;
      }
      const [, instance, n, pts] = m;
      if (instance === '0') numberAt.set(pts!, Number(n));
      if (instance === lastInstance) {
        const frame = numberAt.get(pts!) ?? Number(n);
        stamps.push({ n: frame, ptsTime: Number(pts) });
        // Frames the sampler passed over are done with.
        for (const [k, v] of numberAt) {
          if (v > frame) break;
          numberAt.delete(k);
        }
      }
    }
    notify();
  });
  let exit: { code: number | null } | undefined;
  p.on('close', (code) => {
    exit = { code };
    notify();
  });
  p.on('error', (e) => {
    errorText = e.message;
    exit = { code: -1 };
    notify();
  });

  const chunks: Buffer[] = [];
  let buffered = 0;
  p.stdout.on('data', (c: Buffer) => {
    chunks.push(c);
    buffered += c.length;
    if (buffered >= frameBytes * 2) p.stdout.pause();
    notify();
  });

  const take = (): Uint8Array => {
    const out = new Uint8Array(frameBytes);
    let filled = 0;
    while (filled < frameBytes) {
      const c = chunks[0]!;
      const n = Math.min(c.length, frameBytes - filled);
      out.set(c.subarray(0, n), filled);
      filled += n;
      if (n === c.length) chunks.shift();
      else chunks[0] = c.subarray(n);
    }
    buffered -= frameBytes;
    if (buffered < frameBytes * 2) p.stdout.resume();
    return out;
  };

  try {
    for (;;) {
      if (buffered >= frameBytes && stamps.length) {
        const s = stamps.shift()!;
        yield { index: s.n, timestampMs: Math.max(0, s.ptsTime * 1000), width, height, data: take() };
        continue;
      }
      if (exit) {
        if (buffered >= frameBytes && !stamps.length) throw new VideoError('ffmpeg gave a frame without a timestamp.');
        if (o.signal?.aborted) throw new VideoError('Cancelled.');
        if (exit.code !== 0) throw new VideoError(`ffmpeg could not decode the video${errorText ? `: ${errorText.replace(/^.*?: /, '')}` : ''}.`);
        return;
      }
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    o.signal?.removeEventListener('abort', abort);
    if (!exit) p.kill('SIGKILL');
  }
}
