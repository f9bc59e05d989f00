/** Generated images for Custom Labels tests: a scene with one red disc or one blue square, placed and sized by `i`. */
import sharp from 'sharp';

export async function shapeImage(kind: 'disc' | 'square', i: number): Promise<Buffer> {
  const x = 50 + ((i * 41) % 170);
  const y = 30 + ((i * 29) % 110);
  const r = 28 + (i % 5) * 7;
  const body = kind === 'disc' ? `<circle cx="${x + r}" cy="${y + r}" r="${r}" fill="#c33"/>` : `<rect x="${x}" y="${y}" width="${2 * r}" height="${2 * r}" fill="#35b"/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="320" height="240" fill="#${(0xa0b0a0 + i * 0x030201).toString(16).slice(0, 6)}"/>
    <rect y="180" width="320" height="60" fill="#7a6"/>${body}</svg>`;
  return sharp(Buffer.from(svg)).jpeg().toBuffer();
}
