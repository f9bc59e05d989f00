/** DetectLabels on the wire. */
import type { DetectLabelsRequest, DetectLabelsResponse } from '@aws-sdk/client-rekognition';
import type { Handler } from './operation.js';
import { dominantColor, label, quality } from './wire.js';

const DEFAULT_MIN_CONFIDENCE = 55;
const DEFAULT_MAX_DOMINANT_COLORS = 10;

const detectLabels: Handler = async (input: DetectLabelsRequest, services): Promise<DetectLabelsResponse> => {
  const features = new Set(input.Features ?? ['GENERAL_LABELS']);
  const img = await services.images.decode(input.Image as never);
  const general = input.Settings?.GeneralLabels;
  const maxColors = input.Settings?.ImageProperties?.MaxDominantColors ?? DEFAULT_MAX_DOMINANT_COLORS;
  const r = await services.labels.detectLabels(img, {
    minConfidence: input.MinConfidence ?? DEFAULT_MIN_CONFIDENCE,
    maxLabels: input.MaxLabels,
    generalLabels: features.has('GENERAL_LABELS'),
    imageProperties: features.has('IMAGE_PROPERTIES'),
    maxDominantColors: maxColors,
    filters: {
      labelInclusion: general?.LabelInclusionFilters,
      labelExclusion: general?.LabelExclusionFilters,
      categoryInclusion: general?.LabelCategoryInclusionFilters,
      categoryExclusion: general?.LabelCategoryExclusionFilters,
    },
  });
  const out: DetectLabelsResponse = { LabelModelVersion: r.modelVersion };
  if (r.labels) {
    out.Labels = r.labels.map(label);
  }
  if (r.properties) {
    const p = r.properties;
    out.ImageProperties = {
      Quality: quality(p.quality),
      DominantColors: p.dominantColors.map(dominantColor),
      Foreground: { Quality: quality(p.foreground.quality), DominantColors: p.foreground.dominantColors.map(dominantColor) },
      Background: { Quality: quality(p.background.quality), DominantColors: p.background.dominantColors.map(dominantColor) },
    };
  }
  return out;
};

export const labelsHandlers = Object.freeze({ DetectLabels: detectLabels });
