/**
 * Validates a decoded JSON request body against the input shape of an operation, the way the
 * Rekognition front end does: wrong JSON types are a SerializationException, constraint
 * violations (required, length, range, pattern, enum) a ValidationException that lists each one.
 * Returns a copy with blobs decoded to Buffers; unknown members are dropped as AWS ignores them.
 */
import { ImageTooLarge, Serialization, Validation } from './errors.js';
import { shape, type Shape } from './service-model.js';

const patternCache = new Map<string, RegExp>();
function compilePattern(p: string): RegExp {
  let re = patternCache.get(p);
  if (!re) {
    // Java patterns; most compile as unicode JS, a few ([0-9-_]) only without the u flag.
    try {
      re = new RegExp(`^(?:${p})$`, 'u');
    } catch {
      re = new RegExp(`^(?:${p})$`);
    }
    patternCache.set(p, re);
  }
  return re;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

function show(v: unknown): string {
  if (Buffer.isBuffer(v)) return `java.nio.HeapByteBuffer[pos=0 lim=${v.length} cap=${v.length}]`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v !== null && typeof v === 'object') return '{...}';
  const s = String(v);
  return s.length > 200 ? s.slice(0, 200) + '...' : s;
}

const JSON_TYPE: Record<Shape['type'], string> = {
  structure: 'object', map: 'object', list: 'array', string: 'string', blob: 'string',
  integer: 'number', long: 'number', float: 'number', double: 'number', boolean: 'boolean', timestamp: 'number',
};

function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Base64 as the SDKs send it (standard alphabet, padded); anything else is a serialization error. */
function decodeBase64(s: string, path: string): Buffer {
  const clean = s.replace(/\s+/g, '');
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
    throw Serialization(`Could not decode base64 blob at '${path}': the value is not valid base64.`);
  }
  return Buffer.from(clean, 'base64');
}

class Checker {
  readonly problems: string[] = [];

  check(shapeName: string, value: unknown, path: string): unknown {
    const s = shape(shapeName);
    if (value === null) return undefined;
    const expected = JSON_TYPE[s.type];
    const actual = jsonTypeOf(value);
    if (s.type === 'timestamp' ? actual !== 'number' && actual !== 'string' : actual !== expected) {
      throw Serialization(`Expected ${s.type === 'structure' ? 'a structure' : `a ${s.type}`} at '${path || 'body'}' but found a JSON ${actual}.`);
    }
    switch (s.type) {
      case 'structure':
        return this.structure(s, value as Record<string, unknown>, path);
      case 'list': {
        const arr = value as unknown[];
        this.size(s, arr.length, arr, path);
        return arr.map((item, i) => this.check(s.member!, item, `${path}.${i + 1}.member`));
      }
      case 'map': {
        const out: Record<string, unknown> = {};
        const entries = Object.entries(value as Record<string, unknown>);
        this.size(s, entries.length, value, path);
        for (const [k, v] of entries) {
          this.check(s.key!, k, `${path}.key`);
          out[k] = this.check(s.value!, v, `${path}.${k}.value`);
        }
        return out;
      }
      case 'string': {
        const str = value as string;
        this.size(s, [...str].length, str, path);
        if (s.enum && !s.enum.includes(str)) this.problem(str, path, `Member must satisfy enum value set: [${s.enum.join(', ')}]`);
        if (s.pattern && !compilePattern(s.pattern).test(str)) this.problem(str, path, `Member must satisfy regular expression pattern: ${s.pattern}`);
        return str;
      }
      case 'blob': {
        const buf = decodeBase64(value as string, path);
        if (shapeName === 'ImageBlob' && s.max !== undefined && buf.length > s.max) {
          throw ImageTooLarge(`Image bytes are ${buf.length} bytes; the limit for Image.Bytes is ${s.max} bytes (5 MB). Use Image.S3Object for images up to 15 MB.`);
        }
        this.size(s, buf.length, buf, path);
        return buf;
      }
      case 'integer':
      case 'long': {
        const n = value as number;
        if (!Number.isInteger(n)) throw Serialization(`Expected an integer at '${path}' but found ${n}.`);
        this.range(s, n, path);
        return n;
      }
      case 'float':
      case 'double':
        this.range(s, value as number, path);
        return value;
      default:
        return value;
    }
  }

  private structure(s: Shape, obj: Record<string, unknown>, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const req of s.required ?? []) {
      if (obj[req] === undefined || obj[req] === null) this.problem(null, join(path, req), 'Member must not be null');
    }
    for (const [member, target] of Object.entries(s.members ?? {})) {
      if (obj[member] === undefined) continue;
      const v = this.check(target, obj[member], join(path, member));
      if (v !== undefined) out[member] = v;
    }
    return out;
  }

  private size(s: Shape, n: number, value: unknown, path: string) {
    if (s.min !== undefined && n < s.min) this.problem(value, path, `Member must have length greater than or equal to ${s.min}`);
    if (s.max !== undefined && n > s.max) this.problem(value, path, `Member must have length less than or equal to ${s.max}`);
  }

  private range(s: Shape, n: number, path: string) {
    if (s.min !== undefined && n < s.min) this.problem(n, path, `Member must have value greater than or equal to ${s.min}`);
    if (s.max !== undefined && n > s.max) this.problem(n, path, `Member must have value less than or equal to ${s.max}`);
  }

  private problem(value: unknown, path: string, constraint: string) {
    this.problems.push(`Value ${value === null ? 'null' : `'${show(value)}'`} at '${path}' failed to satisfy constraint: ${constraint}`);
  }
}

const join = (path: string, member: string) => (path ? `${path}.${lowerFirst(member)}` : lowerFirst(member));

/** Validates `body` against `shapeName`; throws SerializationException or ValidationException. */
export function validateInput<T = Record<string, unknown>>(shapeName: string, body: unknown): T {
  if (jsonTypeOf(body) !== 'object') throw Serialization('The request body must be a JSON object.');
  const checker = new Checker();
  const out = checker.check(shapeName, body, '');
  const n = checker.problems.length;
  if (n > 0) throw Validation(`${n} validation error${n > 1 ? 's' : ''} detected: ${checker.problems.join('; ')}`);
  return out as T;
}
