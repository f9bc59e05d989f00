/**
 * What the image commands (`argus detect-labels`, `detect-text`, `detect-moderation-labels`) share:
 * the image argument, an in-process service set, one operation through the operation table, and
 * `--json` printing the raw response.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { buildServices } from '../app.js';
import { dispatch } from '../operations/dispatch.js';
import type { Parsed } from './args.js';

/** `s3://bucket/key` as an S3Object, anything else as a file read into Bytes. */
export function imageArgument(source: string): object {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(source);
  if (m) return { S3Object: { Bucket: m[1], Name: m[2] } };
  return { Bytes: readFileSync(source).toString('base64') };
}

export interface ImageCommand<R> {
  /** The operation of the table, e.g. 'DetectText'. */
  operation: string;
  /** Thrown when the image argument is missing. */
  usage: string;
  /** The request's other fields, from the flags. */
  request(p: Parsed): Record<string, unknown>;
  /** Prints the response for people (without --json). */
  print(r: R): void;
}

export type Built = ReturnType<typeof buildServices>;
export type Call = <R>(operation: string, body: object) => Promise<R>;

/** Runs `fn` with an in-process service set (data folder and models from the environment) and a `call` into the operation table. */
export async function withServices<T>(fn: (b: Built, call: Call) => Promise<T>, workers?: number): Promise<T> {
  const built = buildServices(loadConfig(process.env, { warmUp: false, ...(workers ? { workers } : {}) }));
  const call: Call = async <R>(op: string, body: object) => (await dispatch(op, body, built.services, { requestId: 'cli', accessKeyId: 'cli' })) as R;
  try {
    return await fn(built, call);
  } finally {
    await built.close();
  }
}

export async function runImageCommand<R>(p: Parsed, command: ImageCommand<R>): Promise<void> {
  const source = p.positionals[0];
  if (!source) throw new Error(command.usage);
  await withServices(async (_b, call) => {
    const r = await call<R>(command.operation, { Image: imageArgument(source), ...command.request(p) });
    if (p.flags.has('json')) console.log(JSON.stringify(r, null, 2));
    else command.print(r);
  }, 1);
}
