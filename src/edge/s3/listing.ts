/**
 * One page of a bucket listing, S3's way: keys in UTF-8 byte order, those containing the
 * delimiter after the prefix rolled up into CommonPrefixes (each counts as one entry against
 * max-keys), and a cursor to resume from. Rolled-up prefixes are skipped with one query each,
 * so a prefix holding a million keys costs no more than one holding one.
 */
import type { BucketRepository, ObjectRecord } from '../../stores/metadata.js';
import { InvalidArgument } from './errors.js';

export interface ListPageQuery {
  bucket: string;
  prefix: string;
  delimiter: string;
  /** List strictly after this key (marker / start-after / decoded continuation token). */
  after: string;
  maxKeys: number;
}

export interface ListPage {
  contents: ObjectRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Where the next page starts (exclusive), when truncated. */
  nextAfter?: string;
  /** The last key or common prefix returned: ListObjects v1's NextMarker. */
  lastEntry?: string;
}

/**
 * Greater than every key that starts with `commonPrefix` (U+10FFFF is the largest code point and a
 * noncharacter no key realistically holds), so listing after it skips the whole rolled-up group.
 */
const pastPrefix = (commonPrefix: string) => commonPrefix + '\u{10FFFF}';

const byteCompare = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

const BATCH = 1000;
/** Rows to read right after skipping a group: groups often follow each other, so read few. */
const AFTER_JUMP = 32;

export function listPage(repo: BucketRepository, q: ListPageQuery): ListPage {
  const page: ListPage = { contents: [], commonPrefixes: [], isTruncated: false };
  if (q.maxKeys === 0) return page;
  let cursor = q.after;
  let count = 0;
  let jumped = false;
  for (;;) {
    // Never more rows than entries still wanted (+1 to learn whether the listing is truncated).
    const limit = Math.min(q.maxKeys - count + 1, jumped ? AFTER_JUMP : BATCH);
    const batch = repo.listObjects({ bucket: q.bucket, prefix: q.prefix, after: cursor, limit });
    if (batch.length === 0) return page;
    jumped = false;
    for (const o of batch) {
      const rest = o.key.slice(q.prefix.length);
      const at = q.delimiter ? rest.indexOf(q.delimiter) : -1;
      const entry = at < 0 ? undefined : q.prefix + rest.slice(0, at + q.delimiter.length);
      // A group the caller's marker already passed (e.g. marker = the prefix itself) is not repeated.
      const alreadyListed = entry !== undefined && byteCompare(entry, q.after) <= 0;
      if (!alreadyListed) {
        if (count === q.maxKeys) {
          page.isTruncated = true;
          return page;
        }
        count++;
        if (entry === undefined) page.contents.push(o);
        else page.commonPrefixes.push(entry);
        page.lastEntry = entry ?? o.key;
      }
      if (entry !== undefined) {
        cursor = pastPrefix(entry);
        page.nextAfter = cursor;
        jumped = true;
        break;
      }
      cursor = o.key;
      page.nextAfter = cursor;
    }
    if (!jumped && batch.length < limit) return page;
  }
}

/** Continuation tokens are opaque to clients: the resume cursor, base64url-encoded. */
export function encodeContinuationToken(after: string): string {
  return Buffer.from(after, 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): string {
  const after = /^[A-Za-z0-9_-]*$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : undefined;
  if (after === undefined || encodeContinuationToken(after) !== token) {
    throw InvalidArgument('The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  }
  return after;
}

/** max-keys: default 1000, values above 1000 act as 1000, anything but a non-negative integer is refused. */
export function parseMaxKeys(raw: string | null, name = 'max-keys'): number {
  if (raw === null || raw === '') return 1000;
  if (!/^\d+$/.test(raw)) throw InvalidArgument('Provided max-keys not an integer or within integer range', { ArgumentName: name, ArgumentValue: raw });
  return Math.min(1000, Number(raw));
}
