/** Mappers from internal camelCase results to Rekognition's PascalCase wire shapes. */
import type { Box } from '../vision/boxes.js';
import type { ColorResult, QualityResult } from '../vision/image-properties.js';
import type { ExpandedLabel } from '../vision/taxonomy.js';

export const boundingBox = (b: Box) => ({ Width: b.width, Height: b.height, Left: b.left, Top: b.top });

export const dominantColor = (c: ColorResult) => ({
  Red: c.red,
  Green: c.green,
  Blue: c.blue,
  HexCode: c.hexCode,
  CSSColor: c.cssColor,
  SimplifiedColor: c.simplifiedColor,
  PixelPercent: c.pixelPercent,
});

export const quality = (q: QualityResult) => ({ Brightness: q.brightness, Sharpness: q.sharpness, Contrast: q.contrast });

export const names = (xs: readonly string[]) => xs.map((Name) => ({ Name }));

export const polygon = (pts: readonly { x: number; y: number }[]) => pts.map((p) => ({ X: p.x, Y: p.y }));

/** A DetectLabels / GetLabelDetection Label. */
export const label = (l: ExpandedLabel) => ({
  Name: l.name,
  Confidence: l.confidence,
  Instances: l.instances.map((i) => ({
    BoundingBox: boundingBox(i.box),
    Confidence: i.confidence,
    ...(i.dominantColors ? { DominantColors: i.dominantColors.map(dominantColor) } : {}),
  })),
  Parents: names(l.parents),
  Aliases: names(l.aliases),
  Categories: names(l.categories),
});
