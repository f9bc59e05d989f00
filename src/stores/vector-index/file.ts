/**
 * The on-disk form of an HNSW index: one file per collection, written atomically (temp file,
 * fsync, rename, fsync of the folder) so that a crash leaves either the old file or the new one.
 * The header records the highest face sequence number the file contains; everything newer is
 * replayed from the metadata store on open. A CRC-32 over the payload catches torn or damaged
 * files; any mismatch (magic, version, dimension, size, checksum) is an IndexFileError and the
 * caller rebuilds from the metadata store, which stays the source of truth.
 *
 * Layout (little-endian): 80-byte header, then labels f64[n], levels u8[n], deleted u8[n],
 * links0 i32[n*(2M+1)], upper i32[u], vectors f32[n*stride].
 */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { HnswIndex, type HnswParts } from './hnsw.js';

const MAGIC = 'ARGUSHNS';
const VERSION = 1;
const HEADER = 80;
/** writeSync/readSync take at most 2 GiB at once. */
const CHUNK = 1 << 30;

export class IndexFileError extends Error {}

export interface LoadedIndex {
  index: HnswIndex;
  /** Highest face sequence number the file contains. */
  maxSeq: number;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Writes `index` to `path` atomically. */
export function saveHnsw(path: string, index: HnswIndex, maxSeq: number): void {
  const p = index.toParts();
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    let crc = 0;
    let position = HEADER;
    const write = (view: ArrayBufferView) => {
      const bytes = bytesOf(view);
      for (let at = 0; at < bytes.length; at += CHUNK) {
        const chunk = bytes.subarray(at, Math.min(bytes.length, at + CHUNK));
        crc = crc32(chunk, crc);
        let done = 0;
        while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done, position + done);
        position += chunk.length;
      }
    };
    write(p.labels);
    write(p.levels);
    write(p.deleted);
    write(p.links0);
    write(p.upper);
    write(index.arena.rawView(p.length));
    const header = Buffer.alloc(HEADER);
    header.write(MAGIC, 0, 'latin1');
    header.writeUInt32LE(VERSION, 8);
    header.writeUInt32LE(p.dimensions, 12);
    header.writeUInt32LE(index.arena.stride, 16);
    header.writeUInt32LE(p.length, 20);
    header.writeUInt32LE(p.linked, 24);
    header.writeInt32LE(p.entry, 28);
    header.writeInt32LE(p.maxLevel, 32);
    header.writeUInt32LE(p.params.m, 36);
    header.writeUInt32LE(p.params.efConstruction, 40);
    header.writeUInt32LE(p.params.efSearch, 44);
    header.writeInt32LE(p.params.seed | 0, 48);
    header.writeUInt32LE(p.upper.length, 52);
    header.writeDoubleLE(maxSeq, 56);
    header.writeUInt32LE(crc >>> 0, 64);
    header.writeFloatLE(p.params.alpha, 68);
    writeSync(fd, header, 0, HEADER, 0);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  syncFolder(dirname(path));
}

function syncFolder(dir: string): void {
  // Makes the rename durable; not every platform lets a folder be opened for fsync.
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}

/**
 * Reads the index at `path`; undefined when there is no file. Throws IndexFileError when the file
 * is damaged or holds vectors of another dimension.
 */
export function loadHnsw(path: string, dimensions: number): LoadedIndex | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(HEADER);
    if (size < HEADER || readSync(fd, header, 0, HEADER, 0) !== HEADER) throw new IndexFileError('file shorter than its header');
    if (header.toString('latin1', 0, 8) !== MAGIC) throw new IndexFileError('not an index file');
    if (header.readUInt32LE(8) !== VERSION) throw new IndexFileError(`format version ${header.readUInt32LE(8)}, expected ${VERSION}`);
    const dims = header.readUInt32LE(12);
    if (dims !== dimensions) throw new IndexFileError(`vectors of ${dims} dimensions, the collection has ${dimensions}`);
    const stride = header.readUInt32LE(16);
    const n = header.readUInt32LE(20);
    const m = header.readUInt32LE(36);
    const upperLength = header.readUInt32LE(52);
    const expected = HEADER + n * 8 + n + n + n * (2 * m + 1) * 4 + upperLength * 4 + n * stride * 4;
    if (stride !== Math.ceil(dims / 8) * 8 || m < 2 || size !== expected) throw new IndexFileError(`size ${size} does not match its header (${expected})`);

    let crc = 0;
    let position = HEADER;
    const read = <T extends ArrayBufferView>(view: T): T => {
      const bytes = bytesOf(view);
      for (let at = 0; at < bytes.length; at += CHUNK) {
        const chunk = bytes.subarray(at, Math.min(bytes.length, at + CHUNK));
        let done = 0;
        while (done < chunk.length) {
          const got = readSync(fd, chunk, done, chunk.length - done, position + done);
          if (got === 0) throw new IndexFileError('file ends early');
          done += got;
        }
        crc = crc32(chunk, crc);
        position += chunk.length;
      }
      return view;
    };
    const parts: HnswParts = {
      params: { m, efConstruction: header.readUInt32LE(40), efSearch: header.readUInt32LE(44), alpha: header.readFloatLE(68), seed: header.readInt32LE(48) },
      dimensions: dims,
      length: n,
      linked: header.readUInt32LE(24),
      entry: header.readInt32LE(28),
      maxLevel: header.readInt32LE(32),
      labels: read(new Float64Array(n)),
      levels: read(new Uint8Array(n)),
      deleted: read(new Uint8Array(n)),
      links0: read(new Int32Array(n * (2 * m + 1))),
      upper: read(new Int32Array(upperLength)),
    };
    if (parts.linked > n || parts.entry >= n || (parts.entry < 0) !== (parts.linked === 0)) throw new IndexFileError('graph header out of range');
    let upperNeeded = 0;
    for (let s = 0; s < parts.linked; s++) upperNeeded += parts.levels[s]! * (m + 1);
    if (upperNeeded !== upperLength) throw new IndexFileError('levels do not match the upper-layer links');
    const index = HnswIndex.fromParts(parts, (target) => void read(target));
    if (crc >>> 0 !== header.readUInt32LE(64)) throw new IndexFileError('checksum mismatch');
    return { index, maxSeq: header.readDoubleLE(56) };
  } finally {
    closeSync(fd);
  }
}
