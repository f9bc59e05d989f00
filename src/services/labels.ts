/**
 * DetectLabels: objects from the COCO detector, expanded into Rekognition's label taxonomy
 * (Parents, Aliases, Categories), filtered, plus image properties. Text and Document come from
 * the text detector alone, run beside the object detector (vision/text/evidence.ts). Drawing and
 * Illustration (under Art) come from the NSFW classifier's Drawing and Hentai classes
 * (vision/moderation.ts), also run beside it.
 */
import { resizeForModel, type DecodedImage } from '../media/image.js';
import type { ModelRuntime } from '../runtime/worker-pool.js';
import type { DetectorSpec, Detection } from '../vision/detect-objects.js';
import { applyGeneralLabelsFilter, expandLabels, labelForCocoClass, type ExpandedLabel, type FoundLabel } from '../vision/taxonomy.js';
import { imageProperties, instanceDominantColors, type ImagePropertiesResult } from '../vision/image-properties.js';
import { calibratedConfidence } from '../vision/calibration.js';
import { unletterbox, type Box } from '../vision/boxes.js';
import { textLabels, TEXT_EVIDENCE_MAX_SIDE, TEXT_EVIDENCE_LABELS, type ScoredRegion } from '../vision/text/evidence.js';
import { artLabels, ART_EVIDENCE_LABELS, ART_MIN_PROBABILITY, type ClassScores } from '../vision/moderation.js';

/** Where text regions come from (the TextService's detector). */
export interface TextRegionSource {
  detectRegions(img: DecodedImage, maxSide?: number): Promise<ScoredRegion[]>;
}

/** Where the drawn-or-photo evidence comes from (the ModerationService's classifier). */
export interface ArtEvidenceSource {
  classify(img: DecodedImage): Promise<ClassScores>;
}

export interface DetectLabelsOptions {
  minConfidence: number;
  maxLabels?: number;
  generalLabels: boolean;
  imageProperties: boolean;
  maxDominantColors: number;
  filters: { labelInclusion?: string[]; labelExclusion?: string[]; categoryInclusion?: string[]; categoryExclusion?: string[] };
  /** The drawn-or-photographed classifier's answer when the caller already has it (video: once a second, not per frame). */
  artScores?: Promise<ClassScores>;
}

export interface DetectLabelsResult {
  labels?: ExpandedLabel[];
  properties?: ImagePropertiesResult;
  modelVersion: string;
}

/** Raw detector scores below this never become labels, whatever MinConfidence says. */
const FLOOR_SCORE = 0.05;

export class LabelsService {
  constructor(
    private readonly runtime: ModelRuntime,
    private readonly detector: DetectorSpec,
    readonly modelVersion: string,
    private readonly text?: TextRegionSource,
    private readonly art?: ArtEvidenceSource,
  ) {}

  /** Models to warm up. */
  get models(): string[] {
    return [this.detector.model];
  }

  /** Runs the detector alone: the bare model call that the API wraps (used by the benchmark too). */
  async detectObjects(img: DecodedImage): Promise<Detection[]> {
    // Letterboxing keeps the aspect ratio; it found more of coco8's objects than stretching (bench/detector-eval.ts).
    const size = this.detector.inputSize;
    const input = await resizeForModel(img, size, size, 'letterbox');
    const out = await this.runtime.run(this.detector.model, this.detector.feeds(input.data), [...this.detector.outputs]);
    return this.detector.decode(out, FLOOR_SCORE).flatMap((d) => {
      const box = unletterbox(d.box, input, size, img.width, img.height);
      return box ? [{ ...d, box }] : [];
    });
  }

  /** Every object the detector sees, named and with calibrated confidences (0-100), however unsure. */
  async objectInstances(img: DecodedImage): Promise<{ name: string; box: Box; confidence: number }[]> {
    return this.instances(await this.detectObjects(img));
  }

  private instances(detections: Detection[]) {
    return detections.map((d) => ({ name: labelForCocoClass(d.classIndex).name, box: d.box, confidence: calibratedConfidence(this.detector.model, d.score) }));
  }

  /** Text and Document from the text detector, unless the filters would drop both anyway. */
  private async textEvidence(img: DecodedImage, filters: DetectLabelsOptions['filters']): Promise<FoundLabel[]> {
    if (!this.text) return [];
    const possible = applyGeneralLabelsFilter(expandLabels(TEXT_EVIDENCE_LABELS.map((name) => ({ name, confidence: 100 }))), filters);
    if (!possible.length) return [];
    return textLabels(await this.text.detectRegions(img, TEXT_EVIDENCE_MAX_SIDE), img.width, img.height);
  }

  /**
   * Drawing and Illustration, unless the filters would drop both anyway. There is no cheaper sign
   * that an image is drawn, so the classifier runs on every call that could return them, on another
   * worker beside the detector: 76 ms of one core with InceptionV3 (the default), 9 ms with
   * MobileNetV2 (bench/moderation-eval.ts).
   */
  private async artEvidence(img: DecodedImage, filters: DetectLabelsOptions['filters'], known?: Promise<ClassScores>): Promise<FoundLabel[]> {
    if (!this.art) return [];
    const possible = applyGeneralLabelsFilter(expandLabels(ART_EVIDENCE_LABELS.map((name) => ({ name, confidence: 100 }))), filters);
    if (!possible.length) return [];
    return artLabels(await (known ?? this.art.classify(img)), ART_MIN_PROBABILITY);
  }

  async detectLabels(img: DecodedImage, o: DetectLabelsOptions): Promise<DetectLabelsResult> {
    const [detections, text, art] = await Promise.all([
      this.detectObjects(img),
      o.generalLabels ? this.textEvidence(img, o.filters) : [],
      o.generalLabels ? this.artEvidence(img, o.filters, o.artScores) : [],
    ]);
    const found = this.instances(detections)
      .filter((f) => f.confidence >= o.minConfidence)
      .map((f) => ({ name: f.name, confidence: f.confidence, instance: { box: f.box, confidence: f.confidence } }));
    let labels: ExpandedLabel[] | undefined;
    if (o.generalLabels) {
      labels = applyGeneralLabelsFilter(expandLabels([...found, ...text, ...art]), o.filters).filter((l) => l.confidence >= o.minConfidence);
      labels.sort((a, b) => b.confidence - a.confidence);
      if (o.maxLabels !== undefined) labels = labels.slice(0, o.maxLabels);
      if (o.imageProperties) {
        for (const l of labels) for (const inst of l.instances) inst.dominantColors = instanceDominantColors(img, inst.box, o.maxDominantColors);
      }
    }
    const properties = o.imageProperties ? imageProperties(img, found.map((f) => f.instance.box), o.maxDominantColors) : undefined;
    return { labels, properties, modelVersion: this.modelVersion };
  }
}
