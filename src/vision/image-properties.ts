/**
 * DetectLabels' IMAGE_PROPERTIES: quality (brightness, sharpness, contrast) and dominant colours
 * of the whole image, its foreground and its background, and dominant colours of object
 * instances. Pure functions over an interleaved 8-bit RGB image; deterministic; no I/O.
 * The parts live beside this file: image-quality.ts (quality on Rec.601 luma), dominant-colors.ts
 * (binning, k-means in CIE Lab, CSS colour names) and foreground.ts (the union of the object
 * boxes, else a saliency estimate); each explains its method. This file holds the shared types
 * and composes them.
 * Rekognition reports Contrast only for the whole image; foreground and background get
 * Brightness and Sharpness only (their `contrast` is left out here too).
 */
import type { ColorResult } from './colors.js';
import { regionColors } from './dominant-colors.js';
import { foregroundMask, type ForegroundSource } from './foreground.js';
import { lumaPlane, planeMask, qualityOnPlane } from './image-quality.js';
import { checkImage } from './pixel-region.js';

export type { ColorResult, SimplifiedColor } from './colors.js';
export type { ForegroundSource } from './foreground.js';
export { dominantColors, instanceDominantColors } from './dominant-colors.js';
export { boxMask, foregroundMask, saliencyMask } from './foreground.js';
export { quality } from './image-quality.js';

/** 8-bit sRGB, interleaved RGB, row-major, `width * height * 3` bytes (a DecodedImage fits). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A box as ratios of the image size (Rekognition's BoundingBox). */
export interface BoxRatio {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface QualityResult {
  brightness: number;
  sharpness: number;
  /** Whole image only, as in Rekognition. */
  contrast?: number;
}

export interface RegionProperties {
  quality: QualityResult;
  dominantColors: ColorResult[];
}

export interface ImagePropertiesResult {
  quality: Required<QualityResult>;
  dominantColors: ColorResult[];
  foreground: RegionProperties;
  background: RegionProperties;
  /** How the foreground was chosen (diagnostics; not on the wire). */
  foregroundSource: ForegroundSource;
}

/** The whole ImageProperties: overall quality and colours, then foreground and background. */
export function imageProperties(img: RgbImage, foregroundBoxes: readonly BoxRatio[], k = 10): ImagePropertiesResult {
  checkImage(img);
  const plane = lumaPlane(img);
  const { mask, source } = foregroundMask(img, foregroundBoxes);
  const pm = planeMask(mask, img, plane);
  const region = (invert: boolean): RegionProperties => ({
    quality: qualityOnPlane(plane, pm, invert, false),
    dominantColors: regionColors(img, 0, 0, img.width, img.height, mask, invert, k),
  });
  return {
    quality: qualityOnPlane(plane, undefined, false, true) as Required<QualityResult>,
    dominantColors: regionColors(img, 0, 0, img.width, img.height, undefined, false, k),
    foreground: region(false),
    background: region(true),
    foregroundSource: source,
  };
}
