/**
 * DetectModerationLabels: the NSFW classifier on the whole image (stretched to its square input),
 * its 5 class probabilities mapped onto Rekognition's moderation taxonomy and ContentTypes
 * (vision/moderation.ts). The same scores give DetectLabels its Drawing/Illustration labels.
 *
 * Example:
 *   const r = await moderation.detectModerationLabels(img, { minConfidence: 50 });
 *   r.labels        // [] for an ordinary photo
 *   r.contentTypes  // [{ name: 'Illustrated', confidence: 93.1 }] for a drawing
 */
import { resizeForModel, type DecodedImage } from '../media/image.js';
import type { ModelRuntime } from '../runtime/worker-pool.js';
import { float32 } from '../runtime/tensor.js';
import {
  classifierInput,
  classScores,
  contentTypes,
  moderationLabels,
  type ClassScores,
  type ContentTypeResult,
  type ModerationLabelResult,
  type ModerationModelSpec,
} from '../vision/moderation.js';

export interface DetectModerationLabelsResult {
  labels: ModerationLabelResult[];
  contentTypes: ContentTypeResult[];
  /** The classifier's class probabilities, for diagnostics. */
  scores: ClassScores;
  modelVersion: string;
}

export class ModerationService {
  constructor(
    private readonly runtime: ModelRuntime,
    readonly spec: ModerationModelSpec,
  ) {}

  /** Models to warm up. */
  get models(): string[] {
    return [this.spec.model];
  }

  /** The classifier's class probabilities for the whole image. */
  async classify(img: DecodedImage): Promise<ClassScores> {
    const size = this.spec.inputSize;
    const input = await resizeForModel(img, size, size, 'fill');
    const feeds = { [this.spec.input]: float32(classifierInput(input.data, size), [1, size, size, 3]) };
    const out = await this.runtime.run(this.spec.model, feeds, [this.spec.output]);
    return classScores(out[this.spec.output]!.data, this.spec.evidence.classes);
  }

  async detectModerationLabels(img: DecodedImage, o: { minConfidence: number }): Promise<DetectModerationLabelsResult> {
    const scores = await this.classify(img);
    return {
      labels: moderationLabels(scores, o.minConfidence, this.spec.evidence),
      contentTypes: contentTypes(scores, o.minConfidence, this.spec.evidence),
      scores,
      modelVersion: this.spec.version,
    };
  }
}
