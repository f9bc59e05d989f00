/**
 * Custom Labels project versions: CreateProjectVersion starts a training job (services/jobs.ts)
 * over the project's TRAIN dataset, evaluates the model on the TEST dataset (or on a seeded 20 %
 * of TRAIN when there is none), writes Rekognition's evaluation summary JSON into the output
 * bucket and keeps the trained model in the blob store (training and evaluation:
 * services/custom-labels-training.ts). StartProjectVersion makes a version
 * RUNNING (its model is loaded on first use and kept), DetectCustomLabels runs it.
 *
 * Status: TRAINING_IN_PROGRESS → TRAINING_COMPLETED | TRAINING_FAILED; STARTING → RUNNING;
 * STOPPING → STOPPED; COPYING_IN_PROGRESS → COPYING_COMPLETED | COPYING_FAILED (CopyProjectVersion
 * copies the trained model and its evaluation into another project). A training or copy
 * interrupted by a restart ends FAILED saying so.
 *
 * CreateProjectVersion may also name Ground Truth manifests directly (TrainingData/TestingData
 * Assets, the API from before datasets existed); they are read instead of the project's datasets.
 */
import type { BlobStore } from '../stores/blobs.js';
import type { BucketRepository, CustomLabelsRepository, ProjectRecord, ProjectVersionRecord, ProjectVersionRepository } from '../stores/metadata.js';
import type { DecodedImage } from '../media/image.js';
import { InvalidParameter, ResourceInUse, ResourceNotFound, ResourceNotReady } from '../edge/errors.js';
import { manifestKind, parseManifestLine, type ManifestEntry } from '../vision/custom-labels/manifest.js';
import { checkModel, type CustomLabelPrediction, type TrainedModel, type TrainingImage } from '../vision/custom-labels/train.js';
import type { CustomLabelsTrainingService } from './custom-labels-training.js';
import type { ImageSource } from './image-source.js';
import type { JobRunner, RunningJob } from './jobs.js';
import { putObject } from './bucket-objects.js';

const TRAINING_SEED = 42;
const PAGE = 1000;
/** A trained head with its weights as JSON stays far below this. */
const MAX_MODEL_BYTES = 512 * 1024 * 1024;
/** Rekognition's manifest limit. */
const MAX_MANIFEST_BYTES = 1024 * 1024 * 1024;

export interface S3Ref {
  bucket: string;
  name: string;
}

export interface CreateVersionInput {
  projectArn: string;
  versionName: string;
  outputConfig: { bucket: string; keyPrefix: string };
  clientRequestToken?: string;
  /** TrainingData.Assets: manifests to train from instead of the TRAIN dataset. */
  trainingManifests?: S3Ref[];
  /** TestingData.Assets: manifests to evaluate on instead of the TEST dataset. */
  testingManifests?: S3Ref[];
}

/** What a training job was asked to read (kept as the job's input; DescribeProjectVersions reports it). */
export interface TrainingJobInput {
  versionArn: string;
  trainingManifests?: S3Ref[];
  testingManifests?: S3Ref[];
}

export interface CopyVersionInput {
  sourceProjectArn: string;
  sourceVersionArn: string;
  destinationProjectArn: string;
  versionName: string;
  outputConfig: { bucket: string; keyPrefix: string };
}

export interface DetectOptions {
  /** 0-100; when absent each label uses its assumed threshold. */
  minConfidence?: number;
  maxResults?: number;
}

export interface CustomLabelResult {
  name: string;
  /** 0-100 */
  confidence: number;
  box?: CustomLabelPrediction['box'];
}

interface Deps {
  projects: CustomLabelsRepository;
  versions: ProjectVersionRepository;
  buckets: BucketRepository;
  blobs: BlobStore;
  images: ImageSource;
  jobs: JobRunner;
  training: CustomLabelsTrainingService;
}

export class ProjectVersionsService {
  /** Models of RUNNING versions, loaded on first use. */
  private readonly loaded = new Map<string, Promise<TrainedModel>>();

  constructor(private readonly d: Deps) {
    // The jobs of a previous process are gone: its trainings failed, its running models reload on use.
    const now = new Date();
    for (const v of d.versions.withStatus(['TRAINING_IN_PROGRESS'])) d.versions.update(v.key, { status: 'TRAINING_FAILED', statusMessage: 'Interrupted: Argus restarted during training. Train again.', trainingEndAt: now });
    for (const v of d.versions.withStatus(['STOPPING'])) d.versions.update(v.key, { status: 'STOPPED', statusMessage: 'The model is stopped.' });
    for (const v of d.versions.withStatus(['STARTING'])) d.versions.update(v.key, { status: 'RUNNING', statusMessage: 'The model is running.' });
    for (const v of d.versions.withStatus(['COPYING_IN_PROGRESS'])) d.versions.update(v.key, { status: 'COPYING_FAILED', statusMessage: 'Interrupted: Argus restarted during the copy. Copy again.' });
  }

  private project(arn: string): ProjectRecord {
    const p = this.d.projects.getProjectByArn(arn);
    if (!p) throw ResourceNotFound(`The project ${arn} does not exist.`);
    return p;
  }

  version(arn: string): ProjectVersionRecord {
    const v = this.d.versions.getByArn(arn);
    if (!v) throw ResourceNotFound(`The project version ${arn} does not exist.`);
    return v;
  }

  /** Records the version and starts its training; returns at once. */
  create(input: CreateVersionInput): ProjectVersionRecord {
    const project = this.project(input.projectArn);
    if (project.feature !== 'CUSTOM_LABELS') throw InvalidParameter(`Project ${project.name} is not a CUSTOM_LABELS project.`);
    const manifests = [...(input.trainingManifests ?? []), ...(input.testingManifests ?? [])];
    for (const m of manifests) if (!this.d.buckets.getObject(m.bucket, m.name)) throw InvalidParameter(`The manifest s3://${m.bucket}/${m.name} does not exist.`);
    if (!input.trainingManifests?.length && !this.d.projects.datasetsOf(project.key).some((x) => x.type === 'TRAIN')) {
      throw InvalidParameter(`Project ${project.name} has no training dataset: create one with CreateDataset first, or name manifests in TrainingData.`);
    }
    const v = this.newVersion(project, input.versionName, input.outputConfig, 'TRAINING_IN_PROGRESS', 'The model is being trained.');
    const jobInput: TrainingJobInput = { versionArn: v.arn, ...(input.trainingManifests?.length ? { trainingManifests: input.trainingManifests } : {}), ...(input.testingManifests?.length ? { testingManifests: input.testingManifests } : {}) };
    const jobId = this.d.jobs.submit('train', jobInput, (job) => this.train(project, v, jobInput, job), input.clientRequestToken && `${v.arn}:${input.clientRequestToken}`);
    this.d.versions.update(v.key, { jobId });
    return this.version(v.arn);
  }

  private newVersion(project: ProjectRecord, versionName: string, outputConfig: CreateVersionInput['outputConfig'], status: ProjectVersionRecord['status'], statusMessage: string): ProjectVersionRecord {
    if (!this.d.buckets.getBucket(outputConfig.bucket)) throw InvalidParameter(`OutputConfig.S3Bucket ${outputConfig.bucket} is not an Argus bucket.`);
    const createdAt = new Date();
    const arn = `${project.arn.replace(/\/\d+$/, '')}/version/${versionName}/${createdAt.getTime()}`;
    const v = this.d.versions.create({ projectKey: project.key, versionName, arn, status, statusMessage, createdAt, outputConfig });
    if (!v) throw ResourceInUse(`Project ${project.name} already has a version named ${versionName}.`);
    return v;
  }

  /** The manifests a version was trained from, when they were named in CreateProjectVersion. */
  trainingInput(v: ProjectVersionRecord): TrainingJobInput | undefined {
    return v.jobId ? (this.d.jobs.get(v.jobId)?.input as TrainingJobInput | undefined) : undefined;
  }

  /**
   * CopyProjectVersion: a new version in the destination project with a copy of the trained
   * model and of its evaluation summary (written under the new OutputConfig). Returns at once,
   * COPYING_IN_PROGRESS; the copy ends COPYING_COMPLETED (ready to start) or COPYING_FAILED.
   */
  copy(input: CopyVersionInput): ProjectVersionRecord {
    const source = this.version(input.sourceVersionArn);
    if (source.projectKey !== this.project(input.sourceProjectArn).key) throw InvalidParameter(`${input.sourceVersionArn} is not a version of ${input.sourceProjectArn}.`);
    if (!source.modelBlob || !source.evaluation) throw ResourceInUse(`The project version is ${source.status}; only a trained version can be copied.`);
    const destination = this.project(input.destinationProjectArn);
    if (destination.feature !== 'CUSTOM_LABELS') throw InvalidParameter(`Project ${destination.name} is not a CUSTOM_LABELS project.`);
    const v = this.newVersion(destination, input.versionName, input.outputConfig, 'COPYING_IN_PROGRESS', 'The model is being copied.');
    void this.copyModel(source, v, destination);
    return v;
  }

  private async copyModel(source: ProjectVersionRecord, v: ProjectVersionRecord, destination: ProjectRecord): Promise<void> {
    try {
      const e = source.evaluation!;
      const summary = await this.d.blobs.readBuffer(this.d.buckets.getObject(e.summary.bucket, e.summary.key)?.blobId ?? '', MAX_MODEL_BYTES).catch(() => undefined);
      const key = `${v.outputConfig.keyPrefix}EvaluationResultSummary-${destination.name}-${v.versionName}.json`;
      if (summary) await putObject(this.d.buckets, this.d.blobs, v.outputConfig.bucket, key, summary);
      const modelBlob = (await this.d.blobs.put(await this.d.blobs.readBuffer(source.modelBlob!, MAX_MODEL_BYTES))).blobId;
      this.d.versions.update(v.key, {
        status: 'COPYING_COMPLETED',
        statusMessage: `Copied from ${source.arn}. The model is ready to run.`,
        trainingEndAt: source.trainingEndAt ?? new Date(),
        modelBlob,
        evaluation: { ...e, summary: summary ? { bucket: v.outputConfig.bucket, key } : e.summary },
      });
    } catch (err) {
      this.d.versions.update(v.key, { status: 'COPYING_FAILED', statusMessage: `The copy failed: ${(err as Error).message}` });
    }
  }

  /** Job progress of a version's training (0..1), for DescribeProjectVersions' status message. */
  trainingProgress(v: ProjectVersionRecord): number | undefined {
    return v.jobId ? this.d.jobs.get(v.jobId)?.progress : undefined;
  }

  private async entries(datasetKey: number): Promise<ManifestEntry[]> {
    const out: ManifestEntry[] = [];
    let afterSeq = 0;
    for (;;) {
      const page = this.d.projects.listEntries(datasetKey, { afterSeq, limit: PAGE, hasErrors: false, labeled: true });
      for (const e of page) {
        const parsed = parseManifestLine(e.line, 0);
        if (parsed.entry && !parsed.errors.length) out.push(parsed.entry);
      }
      if (page.length < PAGE) return out;
      afterSeq = page[page.length - 1]!.seq;
    }
  }

  /** The well-formed lines of Ground Truth manifests in Argus buckets. */
  private async manifestEntries(refs: readonly S3Ref[]): Promise<ManifestEntry[]> {
    const out: ManifestEntry[] = [];
    for (const ref of refs) {
      const o = this.d.buckets.getObject(ref.bucket, ref.name);
      if (!o) throw new Error(`The manifest s3://${ref.bucket}/${ref.name} was deleted.`);
      const lines = (await this.d.blobs.readBuffer(o.blobId, MAX_MANIFEST_BYTES)).toString('utf8').split('\n');
      for (const [i, line] of lines.entries()) {
        if (!line.trim()) continue;
        const parsed = parseManifestLine(line, i + 1);
        if (parsed.entry && !parsed.errors.length) out.push(parsed.entry);
      }
    }
    return out;
  }

  private async trainingImage(e: ManifestEntry): Promise<TrainingImage> {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(e.sourceRef);
    if (!m) throw InvalidParameter(`source-ref ${e.sourceRef} is not an s3:// address of an Argus bucket.`);
    const bytes = await this.d.images.readS3({ Bucket: m[1]!, Name: m[2]! });
    const size = e.detection?.imageSize;
    const boxes = (e.detection?.boxes ?? []).map((b) => ({ label: b.label, box: { left: b.left / size!.width, top: b.top / size!.height, width: b.width / size!.width, height: b.height / size!.height } }));
    return { bytes, sourceRef: e.sourceRef, labels: e.labels, boxes };
  }

  private async train(project: ProjectRecord, v: ProjectVersionRecord, input: TrainingJobInput, job: RunningJob): Promise<unknown> {
    try {
      job.progress(0.01, 'Reading the datasets.');
      const datasets = this.d.projects.datasetsOf(project.key);
      const trainSet = datasets.find((x) => x.type === 'TRAIN');
      const testSet = datasets.find((x) => x.type === 'TEST');
      const train = input.trainingManifests ? await this.manifestEntries(input.trainingManifests) : await this.entries(trainSet!.key);
      const test = input.testingManifests ? await this.manifestEntries(input.testingManifests) : testSet ? await this.entries(testSet.key) : [];
      const kind = manifestKind(train);
      job.progress(0.03, `Reading ${train.length + test.length} images.`);
      const read = async (es: ManifestEntry[]) => ({ kind, images: await Promise.all(es.map((e) => this.trainingImage(e))) });
      // Without a TEST dataset the training service holds back a seeded 20 % of TRAIN for the evaluation.
      const r = await this.d.training.trainAndEvaluate(await read(train), test.length ? await read(test) : undefined, {
        seed: TRAINING_SEED,
        signal: job.signal,
        projectVersionArn: v.arn,
        onProgress: (f, message) => job.progress(0.05 + 0.9 * f, message),
      });
      const key = `${v.outputConfig.keyPrefix}EvaluationResultSummary-${project.name}-${v.versionName}.json`;
      await putObject(this.d.buckets, this.d.blobs, v.outputConfig.bucket, key, Buffer.from(JSON.stringify(r.summary, null, 2)));
      const modelBlob = (await this.d.blobs.put(Buffer.from(JSON.stringify(r.model)))).blobId;
      this.d.versions.update(v.key, {
        status: 'TRAINING_COMPLETED',
        statusMessage: `The model is ready to run.${r.model.backboneNote ? ` ${r.model.backboneNote}` : ''}`,
        trainingEndAt: new Date(),
        modelBlob,
        evaluation: {
          f1: r.f1Score,
          summary: { bucket: v.outputConfig.bucket, key },
          trainingImages: r.trainingImages,
          testingImages: r.testingImages,
          autoSplit: r.testing === 'automatic-split',
          backbone: r.model.backbone,
          ...(r.model.backboneNote ? { backboneNote: r.model.backboneNote } : {}),
        },
      });
      return { f1: r.f1Score };
    } catch (err) {
      const reason = job.signal.aborted ? 'Training was stopped.' : (err as Error).message;
      this.d.versions.update(v.key, { status: 'TRAINING_FAILED', statusMessage: reason, trainingEndAt: new Date() });
      throw err;
    }
  }

  describe(projectArn: string, names?: readonly string[]): ProjectVersionRecord[] {
    return this.d.versions.list(this.project(projectArn).key, names);
  }

  start(arn: string, minInferenceUnits: number): ProjectVersionRecord {
    const v = this.version(arn);
    if (v.status === 'RUNNING' || v.status === 'STARTING') return v;
    if (!['TRAINING_COMPLETED', 'COPYING_COMPLETED', 'STOPPED', 'FAILED'].includes(v.status)) throw ResourceInUse(`The project version is ${v.status}; only a trained, stopped version can be started.`);
    this.d.versions.update(v.key, { status: 'STARTING', statusMessage: 'The model is starting.', minInferenceUnits });
    this.model(v)
      .then(() => this.d.versions.update(v.key, { status: 'RUNNING', statusMessage: 'The model is running.' }))
      .catch((err: Error) => this.loadFailed(v, err));
    return this.version(arn);
  }

  /** Stops a running model, or cancels a training (it ends TRAINING_FAILED, "Training was stopped."). */
  stop(arn: string): ProjectVersionRecord {
    const v = this.version(arn);
    if (v.status === 'TRAINING_IN_PROGRESS' && v.jobId && this.d.jobs.cancel(v.jobId)) return { ...v, status: 'STOPPING' };
    if (v.status !== 'RUNNING' && v.status !== 'STARTING') throw ResourceInUse(`The project version is ${v.status}, not running.`);
    this.loaded.delete(v.arn);
    this.d.versions.update(v.key, { status: 'STOPPED', statusMessage: 'The model is stopped.' });
    return { ...v, status: 'STOPPING' };
  }

  delete(arn: string): string {
    const v = this.version(arn);
    if (['RUNNING', 'STARTING', 'TRAINING_IN_PROGRESS', 'COPYING_IN_PROGRESS'].includes(v.status)) throw ResourceInUse(`The project version is ${v.status}: stop it (or let its training end) before deleting it.`);
    this.d.versions.delete(v.key);
    return 'DELETING';
  }

  /** Marks a version whose model cannot be loaded FAILED, saying why (the message is returned). */
  private loadFailed(v: ProjectVersionRecord, err: Error): string {
    const statusMessage = `The model could not be loaded: ${err.message}`;
    this.d.versions.update(v.key, { status: 'FAILED', statusMessage });
    return statusMessage;
  }

  private model(v: ProjectVersionRecord): Promise<TrainedModel> {
    let m = this.loaded.get(v.arn);
    if (!m) {
      if (!v.modelBlob) return Promise.reject(new Error('the version has no trained model'));
      m = this.d.blobs.readBuffer(v.modelBlob, MAX_MODEL_BYTES).then((b) => checkModel(JSON.parse(b.toString('utf8'))));
      this.loaded.set(v.arn, m);
      m.catch(() => this.loaded.delete(v.arn));
    }
    return m;
  }

  async detect(arn: string, img: DecodedImage, o: DetectOptions): Promise<CustomLabelResult[]> {
    const v = this.version(arn);
    if (v.status !== 'RUNNING') throw ResourceNotReady(`The project version is ${v.status}; start it with StartProjectVersion before calling DetectCustomLabels.`);
    // A version left RUNNING by an earlier Argus loads on first use: one this Argus cannot serve ends FAILED, as at StartProjectVersion.
    const model = await this.model(v).catch((err: Error) => {
      throw ResourceNotReady(`${this.loadFailed(v, err)}.`);
    });
    const found = await this.d.training.detect(model, img, o.minConfidence, o.maxResults);
    return found.map((p) => ({ name: p.label, confidence: 100 * p.score, ...(p.box ? { box: p.box } : {}) }));
  }
}
