/**
 * Conditional requests (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, and the
 * x-amz-copy-source-if-* forms of CopyObject), evaluated in the order RFC 9110 and S3 use.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectRecord } from '../../stores/metadata.js';
import { PreconditionFailed } from './errors.js';

export type PreconditionOutcome = 'proceed' | 'not-modified';

const unquote = (tag: string) => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');

function etagMatches(list: string, etag: string): boolean {
  const mine = unquote(etag);
  return list.split(',').some((t) => t.trim() === '*' || unquote(t) === mine);
}

/** HTTP dates have one-second resolution; compare at that resolution. */
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

function parseDate(v: string | undefined): Date | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * `prefix` is '' for the object's own headers and 'x-amz-copy-source-' for a copy's source.
 * Throws PreconditionFailed (412); returns 'not-modified' when a GET/HEAD should answer 304.
 */
export function evaluatePreconditions(headers: IncomingHttpHeaders, o: ObjectRecord, prefix = ''): PreconditionOutcome {
  const h = (name: string) => {
    const v = headers[prefix + name];
    return Array.isArray(v) ? v.join(',') : v;
  };
  const ifMatch = h('if-match');
  const ifUnmodifiedSince = parseDate(h('if-unmodified-since'));
  const ifNoneMatch = h('if-none-match');
  const ifModifiedSince = parseDate(h('if-modified-since'));
  const failed = (condition: string) => PreconditionFailed(undefined, { Condition: prefix ? `${prefix}${condition}` : condition });

  if (ifMatch !== undefined && !etagMatches(ifMatch, o.etag)) throw failed('If-Match');
  if (ifMatch === undefined && ifUnmodifiedSince && seconds(o.lastModified) > seconds(ifUnmodifiedSince)) throw failed('If-Unmodified-Since');
  // A copy has no "not modified" answer: its source conditions fail with 412 instead.
  const notModified = prefix ? (condition: string) => { throw failed(condition); } : () => 'not-modified' as const;
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, o.etag)) return notModified('If-None-Match');
  if (ifNoneMatch === undefined && ifModifiedSince && seconds(o.lastModified) <= seconds(ifModifiedSince)) return notModified('If-Modified-Since');
  return 'proceed';
}
