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

export async function runImageCommand<R>(p: Parsed, command: ImageCommand<R>): Promise<void> {
  const source = p.positionals[0];
  if (!source) throw new Error(command.usage);
  const built = buildServices(loadConfig(process.env, { warmUp: false, workers: 1 }));
  try {
    const body = { Image: imageArgument(source), ...command.request(p) };
    const r = (await dispatch(command.operation, body, built.services, { requestId: 'cli', accessKeyId: 'cli' })) as R;
    if (p.flags.has('json')) console.log(JSON.stringify(r, null, 2));
    else command.print(r);
  } finally {
    await built.close();
  }
}
