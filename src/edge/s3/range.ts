/**
 * The Range header of GetObject/HeadObject. S3 serves one range (`bytes=a-b`, `bytes=a-`,
 * `bytes=-n`); like S3 and RFC 9110, a header it cannot parse (or several ranges) is ignored and
 * the whole object is served, while a well-formed range past the end is 416 InvalidRange.
 */
import type { ByteRange } from '../../stores/blobs.js';
import { InvalidRange } from './errors.js';

/** The range to serve, or undefined for the whole object; throws InvalidRange when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  const unsatisfiable = () =>
    InvalidRange(undefined, { RangeRequested: header, ActualObjectSize: size }, { 'Content-Range': `bytes */${size}` });
  if (m[1] === '') {
    // Suffix range: the last n bytes (all of them if n exceeds the size).
    const n = Number(m[2]);
    if (n === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? Infinity : Number(m[2]);
  if (end < start) return undefined;
  if (start >= size) throw unsatisfiable();
  return { start, end: Math.min(end, size - 1) };
}
