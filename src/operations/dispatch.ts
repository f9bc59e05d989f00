/** Runs one operation by name on a parsed JSON body: validation, then the handler. */
import { NotImplemented, UnknownOperation } from '../edge/errors.js';
import { validateInput } from '../edge/validate.js';
import type { Services } from '../services/services.js';
import type { RequestContext } from './operation.js';
import { OPERATIONS } from './table.js';

export async function dispatch(name: string, body: unknown, services: Services, ctx: RequestContext): Promise<object> {
  const op = OPERATIONS.get(name);
  if (!op) throw UnknownOperation(`Operation '${name}' is not an operation of RekognitionService.`);
  const input = op.inputShape ? validateInput(op.inputShape, body) : {};
  if (!op.handler) {
    throw NotImplemented(`${name} is not implemented in this version of Argus yet. Implemented operations are listed at GET /health.`);
  }
  return op.handler(input, services, ctx);
}

export const implementedOperations = () => [...OPERATIONS.values()].filter((o) => o.handler).map((o) => o.name);
