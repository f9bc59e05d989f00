/**
 * The composition root: builds the stores, the model runtime and the services from a Config,
 * and serves them. Everything with a lifecycle is closed by `close()`.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { SqliteMetadataStore } from './stores/sqlite.js';
import { FsBlobStore } from './stores/fs-blobs.js';
import { WorkerPool } from './runtime/worker-pool.js';
import { manifest, readModelLabels } from './runtime/catalogue.js';
import { DETECTORS } from './vision/detect-objects.js';
import { ImageSource } from './services/image-source.js';
import { LabelsService } from './services/labels.js';
import { TextService } from './services/text.js';
import { ModerationService } from './services/moderation.js';
import { FacesService } from './services/faces.js';
import { CelebritiesService } from './services/celebrities.js';
import { JobRunner } from './services/jobs.js';
import { ProjectVersionsService } from './services/custom-labels-versions.js';
import { VideoJobsService } from './services/video-jobs.js';
import { MediaAnalysisService } from './services/media-analysis.js';
import { TagsService } from './services/tags.js';
import { CustomLabelsTrainingService } from './services/custom-labels-training.js';
import { CollectionsService } from './services/collections.js';
import { CustomLabelsProjectsService } from './services/custom-labels-projects.js';
import { VectorIndexes } from './stores/vector-index/indexes.js';
import { MODERATION_MODELS } from './vision/moderation.js';
import type { Services } from './services/services.js';
import { createAwsJsonHandler } from './edge/aws-json.js';
import { createS3Handler } from './edge/s3/handler.js';
import { createHttpServer } from './edge/http-server.js';
import { healthReport } from './edge/health.js';

export interface Argus {
  url: string;
  services: Services;
  close(): Promise<void>;
}

/** Builds the services without a server (the CLI's in-process path uses this). */
export function buildServices(config: Config) {
  mkdirSync(config.dataDir, { recursive: true });
  const metadata = new SqliteMetadataStore(join(config.dataDir, 'metadata.sqlite'));
  const blobs = new FsBlobStore(join(config.dataDir, 'blobs'));
  const runtime = new WorkerPool({
    workers: config.workers,
    intraOpThreads: config.intraOpThreads,
    modelCacheDir: join(config.dataDir, 'models'),
    convertToOnnx: config.convertToOnnx,
    ...(config.modelsDir ? { modelsDir: config.modelsDir } : {}),
    modelDownloads: config.modelDownloads,
  });
  const detector = DETECTORS[config.objectModel]!;
  const text = new TextService(runtime, () => readModelLabels(manifest('ppocr-rec')));
  const moderation = new ModerationService(runtime, MODERATION_MODELS[config.moderationModel]);
  const faces = new FacesService(runtime);
  // One vector index per face collection, kept beside the metadata and rebuilt from it when missing or damaged.
  const indexes = new VectorIndexes(metadata.faces, { dir: join(config.dataDir, 'vectors') });
  const images = new ImageSource(metadata.buckets, blobs);
  const jobs = new JobRunner(metadata.jobs);
  const services: Services = {
    images,
    labels: new LabelsService(runtime, detector, manifest(detector.model).version, text, moderation),
    text,
    moderation,
    faces,
    celebrities: new CelebritiesService(metadata.celebrities, faces),
    collections: new CollectionsService({ store: metadata.faces, indexes, engine: faces, ...(config.region ? { region: config.region } : {}) }),
    runtime,
    customLabelsProjects: new CustomLabelsProjectsService({
      store: metadata.customLabels,
      readObject: async (bucket, key, maxBytes) => {
        const o = metadata.buckets.getObject(bucket, key);
        return o && blobs.readBuffer(o.blobId, maxBytes);
      },
      objectExists: (bucket, key) => metadata.buckets.getObject(bucket, key) !== undefined,
      versionCount: (project) => metadata.projectVersions.list(project.key).length,
      ...(config.region ? { region: config.region } : {}),
    }),
    tags: new TagsService(metadata.tags, (arn) => {
      const collection = /:collection\/(.+)$/.exec(arn);
      if (collection) return metadata.faces.getCollection(collection[1]!)?.arn === arn;
      return metadata.customLabels.getProjectByArn(arn) !== undefined || metadata.projectVersions.getByArn(arn) !== undefined;
    }),
    mediaAnalysis: new MediaAnalysisService({ buckets: metadata.buckets, blobs, images, moderation, jobs }),
    video: new VideoJobsService({ buckets: metadata.buckets, blobs, jobs, webhooks: config.snsWebhooks, inFlight: config.workers }),
    customLabelsVersions: new ProjectVersionsService({ projects: metadata.customLabels, versions: metadata.projectVersions, buckets: metadata.buckets, blobs, images, jobs, training: new CustomLabelsTrainingService(runtime) }),
  };
  return {
    metadata,
    blobs,
    services,
    async close() {
      await jobs.close();
      await runtime.close();
      indexes.close();
      metadata.close();
    },
  };
}

export async function startArgus(config: Config): Promise<Argus> {
  const built = buildServices(config);
  const startedAt = new Date();
  const secrets = new Map(config.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
  const server = createHttpServer({
    rekognition: createAwsJsonHandler(config, built.services),
    s3: createS3Handler({ buckets: built.metadata.buckets, blobs: built.blobs, secretFor: (id) => secrets.get(id), maxObjectBytes: config.maxObjectBytes, region: config.region }),
    health: () => healthReport(built.services.runtime, { workers: config.workers, intraOpThreads: config.intraOpThreads, startedAt }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  let closing = false;
  if (config.warmUp) {
    // Warm-up failures are reported by /health; requests still try (and fail with the reason).
    built.services.runtime.warmUp([...built.services.labels.models, ...built.services.text.models, ...built.services.moderation.models, ...built.services.faces.models]).catch((err) => {
      // Closing during warm-up stops the workers; that is not a failure worth reporting.
      if (!closing) console.error(`warm-up failed: ${(err as Error).message}`);
    });
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.host}:${port}`,
    services: built.services,
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await built.close();
    },
  };
}
