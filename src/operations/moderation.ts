/**
 * DetectModerationLabels on the wire. `HumanLoopConfig` is accepted (and validated at the edge)
 * but Argus has no human review workflow (Amazon A2I), so no HumanLoopActivationOutput is ever
 * returned. `ProjectVersion` names a custom moderation adapter, and Argus has none: the request is
 * refused with ResourceNotFoundException rather than silently answered by the base model.
 */
import type { DetectModerationLabelsRequest, DetectModerationLabelsResponse } from '@aws-sdk/client-rekognition';
import type { Handler } from './operation.js';
import { ResourceNotFound } from '../edge/errors.js';

/** "If you don't specify MinConfidence, the operation returns labels with a confidence value greater than or equal to 50 percent." */
const DEFAULT_MIN_CONFIDENCE = 50;

const detectModerationLabels: Handler = async (input: DetectModerationLabelsRequest, services): Promise<DetectModerationLabelsResponse> => {
  if (input.ProjectVersion !== undefined) {
    throw ResourceNotFound(
      `The custom moderation adapter ${input.ProjectVersion} was not found: Argus has no custom moderation adapters. Leave ProjectVersion out to use the base moderation model.`,
    );
  }
  const img = await services.images.decode(input.Image as never);
  const r = await services.moderation.detectModerationLabels(img, { minConfidence: input.MinConfidence ?? DEFAULT_MIN_CONFIDENCE });
  return {
    ModerationLabels: r.labels.map((l) => ({ Confidence: l.confidence, Name: l.name, ParentName: l.parentName, TaxonomyLevel: l.taxonomyLevel })),
    ModerationModelVersion: r.modelVersion,
    ContentTypes: r.contentTypes.map((c) => ({ Confidence: c.confidence, Name: c.name })),
  };
};

export const moderationHandlers = Object.freeze({ DetectModerationLabels: detectModerationLabels });
