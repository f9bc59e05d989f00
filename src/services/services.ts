/** The services the operation table dispatches to, built once at start-up by app.ts. */
import type { ImageSource } from './image-source.js';
import type { LabelsService } from './labels.js';
import type { TextService } from './text.js';
import type { ModerationService } from './moderation.js';
import type { CollectionsService } from './collections.js';
import type { FacesService } from './faces.js';
import type { CelebritiesService } from './celebrities.js';
import type { ProjectVersionsService } from './custom-labels-versions.js';
import type { CustomLabelsProjectsService } from './custom-labels-projects.js';
import type { ModelRuntime } from '../runtime/worker-pool.js';
import type { VideoJobsService } from './video-jobs.js';
import type { MediaAnalysisService } from './media-analysis.js';
import type { TagsService } from './tags.js';

export interface Services {
  images: ImageSource;
  labels: LabelsService;
  text: TextService;
  moderation: ModerationService;
  collections: CollectionsService;
  faces: FacesService;
  celebrities: CelebritiesService;
  runtime: ModelRuntime;
  /** Custom Labels projects, datasets and project policies. */
  customLabelsProjects: CustomLabelsProjectsService;
  customLabelsVersions: ProjectVersionsService;
  /** Stored-video jobs (the Start and Get operations). */
  video: VideoJobsService;
  /** Bulk image analysis (StartMediaAnalysisJob). */
  mediaAnalysis: MediaAnalysisService;
  /** Tags of collections, projects and project versions. */
  tags: TagsService;
}
