/**
 * Test videos made on the spot with the same ffmpeg Argus uses: a second of black, then each
 * picture for two seconds (a hard cut between them), H.264 in MP4 at 25 fps.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ffmpeg } from '../../src/media/video.js';

const FACE_API_DEMO = join(process.cwd(), 'node_modules', '@vladmandic', 'face-api', 'demo');
/** Photos that ship with an npm dependency: people with faces (1920 px wide). */
export const DEMO_PHOTOS = [join(FACE_API_DEMO, 'sample1.jpg'), join(FACE_API_DEMO, 'sample2.jpg')];

export function makeVideo(out: string, pictures: readonly string[] = DEMO_PHOTOS, o: { width?: number; height?: number; blackSeconds?: number; secondsEach?: number } = {}): string {
  const [w, h, black, each] = [o.width ?? 640, o.height ?? 426, o.blackSeconds ?? 1, o.secondsEach ?? 2];
  const inputs = ['-f', 'lavfi', '-t', String(black), '-i', `color=black:s=${w}x${h}:r=25`, ...pictures.flatMap((p) => ['-loop', '1', '-framerate', '25', '-t', String(each), '-i', p])];
  const scaled = pictures.map((_, i) => `[${i + 1}]scale=${w}:${h},setsar=1[p${i}]`).join(';');
  const chain = `[0]setsar=1[b];${scaled};[b]${pictures.map((_, i) => `[p${i}]`).join('')}concat=n=${pictures.length + 1}:v=1[v]`;
  execFileSync(ffmpeg(), ['-v', 'error', '-y', ...inputs, '-filter_complex', chain, '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', out]);
  return out;
}
