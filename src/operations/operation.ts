/** What one row of the operation table is. */
import type { Services } from '../services/services.js';

export interface RequestContext {
  requestId: string;
  accessKeyId: string;
}

// Inputs arrive validated against the service model; handlers map wire shapes to service calls.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (input: any, services: Services, ctx: RequestContext) => Promise<object>;

export interface Operation {
  name: string;
  inputShape?: string;
  /** Modelled errors this operation may return (from the service model). */
  errors: readonly string[];
  /** Undefined while the operation is not built yet. */
  handler?: Handler;
}
