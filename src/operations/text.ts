/** DetectText on the wire: LINEs then WORDs, with Ids, ParentIds and Geometry. */
import type { DetectTextRequest, DetectTextResponse, TextDetection } from '@aws-sdk/client-rekognition';
import type { Handler } from './operation.js';
import { InvalidParameter } from '../edge/errors.js';
import { MAX_WORDS, quadBox, type RegionOfInterest, type TextSelection } from '../vision/text/filters.js';
import type { LineReading, PlacedText } from '../vision/text/words.js';
import { boundingBox, polygon } from './wire.js';

/** DetectionFilter.MinConfidence when a WordFilter is given without one ("The default MinConfidence is 80"). */
const DEFAULT_WORD_MIN_CONFIDENCE = 80;

function regionsOfInterest(filters: DetectTextRequest['Filters']): RegionOfInterest[] | undefined {
  const rois = filters?.RegionsOfInterest;
  if (!rois?.length) return undefined;
  return rois.map((r, i) => {
    if (r.Polygon) {
      if (r.Polygon.length < 3) throw InvalidParameter(`RegionsOfInterest[${i}].Polygon needs at least 3 points.`);
      return { polygon: r.Polygon.map((p) => ({ x: p.X ?? 0, y: p.Y ?? 0 })) };
    }
    const b = r.BoundingBox;
    if (!b) throw InvalidParameter(`RegionsOfInterest[${i}] needs a BoundingBox or a Polygon.`);
    return { box: { left: b.Left ?? 0, top: b.Top ?? 0, width: b.Width ?? 0, height: b.Height ?? 0 } };
  });
}

const detection = (t: PlacedText, type: 'LINE' | 'WORD', id: number, parentId?: number): TextDetection => ({
  DetectedText: t.text,
  Type: type,
  Id: id,
  ...(parentId === undefined ? {} : { ParentId: parentId }),
  Confidence: t.confidence * 100,
  Geometry: { BoundingBox: boundingBox(quadBox(t.quad)), Polygon: polygon(t.quad) },
});

const detectText: Handler = async (input: DetectTextRequest, services): Promise<DetectTextResponse> => {
  const selection = textSelection(input.Filters);
  const img = await services.images.decode(input.Image as never);
  const r = await services.text.detectText(img, selection);
  return { TextDetections: textDetections(r.lines), TextModelVersion: r.modelVersion };
};

/** As Rekognition numbers them: every LINE first (0, 1, ...), then the WORDs, each naming its line. */
export function textDetections(lines: readonly LineReading[]): TextDetection[] {
  const out = lines.map((l, i) => detection(l, 'LINE', i));
  let next = out.length;
  return [...out, ...lines.flatMap((l, i) => l.words.map((w) => detection(w, 'WORD', next++, i)))];
}

/** DetectText's and StartTextDetection's Filters in internal form. */
export function textSelection(filters: DetectTextRequest['Filters']): TextSelection {
  const wf = filters?.WordFilter;
  const regions = regionsOfInterest(filters);
  return {
    minConfidence: wf ? (wf.MinConfidence ?? DEFAULT_WORD_MIN_CONFIDENCE) : undefined,
    minBoundingBoxHeight: wf?.MinBoundingBoxHeight,
    minBoundingBoxWidth: wf?.MinBoundingBoxWidth,
    ...(regions ? { regions } : {}),
    maxWords: MAX_WORDS,
  };
}

export const textHandlers = Object.freeze({ DetectText: detectText });
