/**
 * Opaque NextTokens for the List* operations: base64url of a versioned position, tagged with the
 * list it belongs to (a short hash of the operation and its scope, e.g. the collection), so a
 * token is only ever accepted by the listing that issued it. Positions are ids or sequence
 * numbers that stay valid when rows before or after them change. At most 255 characters, as the
 * PaginationToken shape requires.
 */
import { createHash } from 'node:crypto';
import { InvalidPaginationToken } from '../edge/errors.js';

const tag = (list: string, scope: string) => createHash('sha256').update(`${list}\0${scope}`).digest('base64url').slice(0, 8);

/** @example encodePageToken('ListFaces', 'my-collection', 1234) */
export function encodePageToken(list: string, scope: string, position: string | number): string {
  return Buffer.from(JSON.stringify([1, tag(list, scope), position])).toString('base64url');
}

/** The position in a token from `encodePageToken`; InvalidPaginationTokenException for anything else. */
export function decodePageToken<T extends string | number>(token: string, list: string, scope: string, type: 'string' | 'number'): T {
  try {
    const [version, t, position] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (version === 1 && t === tag(list, scope) && typeof position === type) return position as T;
  } catch {
    /* not ours */
  }
  throw InvalidPaginationToken(`Invalid pagination token for ${list}.`);
}
