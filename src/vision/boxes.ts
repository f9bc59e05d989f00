/** Boxes as ratios of the image (Rekognition's BoundingBox), IoU and non-maximum suppression. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.left, b.left);
  const y1 = Math.max(a.top, b.top);
  const x2 = Math.min(a.left + a.width, b.left + b.width);
  const y2 = Math.min(a.top + a.height, b.top + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Clips a box to [0,1]; returns undefined when nothing is left. */
export function clip(b: Box): Box | undefined {
  const left = Math.max(0, b.left);
  const top = Math.max(0, b.top);
  const right = Math.min(1, b.left + b.width);
  const bottom = Math.min(1, b.top + b.height);
  if (right <= left || bottom <= top) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}

/** Greedy NMS per class: keeps the highest-scoring box and drops others of its class above `threshold` IoU. */
export function nms<T extends { box: Box; score: number; classIndex: number }>(items: T[], threshold: number): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const item of sorted) {
    if (kept.every((k) => k.classIndex !== item.classIndex || iou(k.box, item.box) <= threshold)) kept.push(item);
  }
  return kept;
}

/** Where a letterboxed model input sits: scale from image pixels and padding in input pixels. */
export interface LetterboxGeometry {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

/** Maps a box given as ratios of a `size`x`size` letterboxed input back to ratios of the image. */
export function unletterbox(b: Box, g: LetterboxGeometry, size: number, imageWidth: number, imageHeight: number): Box | undefined {
  return clip({
    left: (b.left * size - g.padX) / g.scaleX / imageWidth,
    top: (b.top * size - g.padY) / g.scaleY / imageHeight,
    width: (b.width * size) / g.scaleX / imageWidth,
    height: (b.height * size) / g.scaleY / imageHeight,
  });
}
