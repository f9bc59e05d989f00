/**
 * Custom Labels training and evaluation as one service call: trains on the TRAINING dataset
 * (vision/custom-labels/train.ts), evaluates on the TESTING dataset or, when there is none, on an
 * automatic seeded split held back from training, and returns the trained model (plain JSON),
 * the evaluation and the Rekognition-shaped summary file. Storage of the summary and of the
 * model version is the caller's (the project-version job).
 */
import type { ModelRuntime } from '../runtime/worker-pool.js';
import type { DecodedImage } from '../media/image.js';
import { bestF1Thresholds, evaluateClassification, evaluateDetection, rekognitionSummary, type Evaluation } from '../vision/custom-labels/evaluate.js';
import { rng, shuffle } from '../vision/custom-labels/math.js';
import { predict, trainModel, TrainingError, type CustomLabelPrediction, type TrainedModel, type TrainingDataset, type TrainOptions } from '../vision/custom-labels/train.js';
import { readFile } from 'node:fs/promises';

export interface TrainAndEvaluateResult {
  model: TrainedModel;
  evaluation: Evaluation;
  /** The evaluation summary file (customlabels-dg/im-summary-file-api). */
  summary: Record<string, unknown>;
  /** EvaluationResult.F1Score. */
  f1Score: number;
  /** Where the test images came from. */
  testing: 'dataset' | 'automatic-split';
  trainingImages: number;
  testingImages: number;
}

export interface TrainAndEvaluateOptions extends TrainOptions {
  /** Share held back for testing when there is no TESTING dataset (default 0.2, as Rekognition's automatic split). */
  testFraction?: number;
  projectVersionArn?: string;
}

export class CustomLabelsTrainingService {
  constructor(private readonly runtime: ModelRuntime) {}

  async trainAndEvaluate(training: TrainingDataset, testing: TrainingDataset | undefined, options: TrainAndEvaluateOptions = {}): Promise<TrainAndEvaluateResult> {
    const seed = options.seed ?? 1;
    let train = training;
    let test = testing;
    if (testing && testing.kind !== training.kind) throw new TrainingError(`the testing dataset is ${testing.kind}, the training dataset ${training.kind}`);
    if (!test || test.images.length === 0) {
      const order = shuffle(training.images.map((_, i) => i), rng(seed ^ 0x5eed));
      const nTest = Math.max(1, Math.round(training.images.length * (options.testFraction ?? 0.2)));
      test = { kind: training.kind, images: order.slice(0, nTest).map((i) => training.images[i]!) };
      train = { kind: training.kind, images: order.slice(nTest).map((i) => training.images[i]!) };
    }
    const progress = options.onProgress ?? (() => {});
    const model = await trainModel(this.runtime, train, { ...options, onProgress: (f, m) => progress(0.9 * f, m) });
    const predictions: CustomLabelPrediction[][] = [];
    for (const [i, im] of test.images.entries()) {
      if (options.signal?.aborted) throw new TrainingError('training was cancelled');
      const bytes = im.bytes ?? (im.path ? await readFile(im.path) : undefined);
      if (!bytes) throw new TrainingError(`test image ${i} has no bytes and no path`);
      predictions.push(await predict(this.runtime, model, bytes));
      progress(0.9 + (0.1 * (i + 1)) / test.images.length, `evaluating ${i + 1}/${test.images.length}`);
    }
    const evaluate = (thresholds?: Record<string, number>) =>
      model.kind === 'detection'
        ? evaluateDetection(test.images.map((im, j) => ({ truth: im.boxes ?? [], predictions: predictions[j]!.filter((p) => p.box).map((p) => ({ label: p.label, score: p.score, box: p.box! })) })), model.labels, thresholds)
        : evaluateClassification(test.images.map((im, j) => ({ truth: im.labels ?? [], scores: Object.fromEntries(predictions[j]!.map((p) => [p.label, p.score])) })), model.labels, thresholds);
    // Rekognition's assumed threshold: each label's best-F1 point on the test set (the validation
    // split's for a label the test set lacks or never finds); the summary reports the metrics there.
    model.thresholds = bestF1Thresholds(evaluate(), model.thresholds);
    const evaluation = evaluate(model.thresholds);
    const summary = rekognitionSummary(evaluation, {
      projectVersionArn: options.projectVersionArn,
      numberOfTrainingImages: train.images.length,
      numberOfTestingImages: test.images.length,
      testSources: test.images.map((im) => im.sourceRef),
    });
    return { model, evaluation, summary, f1Score: evaluation.aggregate.f1, testing: testing?.images.length ? 'dataset' : 'automatic-split', trainingImages: train.images.length, testingImages: test.images.length };
  }

  /**
   * DetectCustomLabels semantics: labels at or above MinConfidence (0..100) when given, else at or
   * above each label's assumed threshold; highest confidence first; at most `maxResults`.
   */
  async detect(model: TrainedModel, image: Buffer | DecodedImage, minConfidence?: number, maxResults?: number): Promise<CustomLabelPrediction[]> {
    const found = await predict(this.runtime, model, image);
    return found
      .filter((p) => p.score >= (minConfidence !== undefined ? minConfidence / 100 : model.thresholds[p.label] ?? 0.5))
      .sort((a, b) => b.score - a.score)
      .slice(0, maxResults ?? Infinity);
  }
}
