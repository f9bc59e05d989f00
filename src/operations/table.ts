/**
 * The operation table: every Rekognition operation once, with its input shape, its modelled
 * errors and its handler. The HTTP edge, the CLI and the console all dispatch through it.
 * Adding an operation is adding a handler to one of the group files.
 */
import { serviceModel } from '../edge/service-model.js';
import type { Handler, Operation } from './operation.js';
import { labelsHandlers } from './labels.js';
import { textHandlers } from './text.js';
import { moderationHandlers } from './moderation.js';
import { facesHandlers } from './faces.js';
import { collectionsHandlers } from './collections.js';
import { usersHandlers } from './users.js';
import { celebritiesHandlers } from './celebrities.js';
import { customLabelsProjectsHandlers } from './custom-labels-projects.js';
import { customLabelsVersionsHandlers } from './custom-labels-versions.js';
import { videoHandlers } from './video.js';
import { mediaAnalysisHandlers } from './media-analysis.js';
import { tagsHandlers } from './tags.js';

const GROUPS: readonly Readonly<Record<string, Handler>>[] = [labelsHandlers, textHandlers, moderationHandlers, facesHandlers, collectionsHandlers, usersHandlers, celebritiesHandlers, customLabelsProjectsHandlers, customLabelsVersionsHandlers, videoHandlers, mediaAnalysisHandlers, tagsHandlers];

function build(): ReadonlyMap<string, Operation> {
  const handlers = new Map<string, Handler>();
  for (const group of GROUPS) {
    for (const [name, h] of Object.entries(group)) {
      if (!serviceModel.operations[name]) throw new Error(`handler for unknown operation ${name}`);
      if (handlers.has(name)) throw new Error(`two handlers for ${name}`);
      handlers.set(name, h);
    }
  }
  const table = new Map<string, Operation>();
  for (const [name, op] of Object.entries(serviceModel.operations)) {
    table.set(name, Object.freeze({ name, inputShape: op.input, errors: op.errors, handler: handlers.get(name) }));
  }
  return table;
}

export const OPERATIONS: ReadonlyMap<string, Operation> = build();
