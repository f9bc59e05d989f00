/**
 * Blobs as files under `<dataDir>/blobs`. Ids are random 128-bit hex strings; a blob lives at
 * `blobs/ab/cd/abcd…` so no directory grows past a few thousand entries. Writes go to
 * `blobs/tmp/` first and are renamed into place once flushed, so a reader never sees half a blob
 * and a crash leaves only a temp file behind (swept at the next start).
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError, BlobTooLargeError, type BlobSource, type BlobStore, type ByteRange, type PutBlobOptions, type StoredBlob } from './blobs.js';

const BLOB_ID = /^[0-9a-f]{32}$/;
/** Temp files older than this at start-up belong to writes a crash interrupted. */
const STALE_TEMP_MS = 60 * 60 * 1000;

const isNotFound = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

export class FsBlobStore implements BlobStore {
  private readonly tmpDir: string;

  /** `root` is the folder the blobs live in, normally `<dataDir>/blobs`; it is created if missing. */
  constructor(readonly root: string) {
    this.tmpDir = join(this.root, 'tmp');
    mkdirSync(this.tmpDir, { recursive: true });
    this.sweepStaleTemps();
  }

  async put(source: BlobSource, opts: PutBlobOptions = {}): Promise<StoredBlob> {
    const blobId = randomBytes(16).toString('hex');
    const tmp = join(this.tmpDir, `${blobId}.${randomBytes(4).toString('hex')}.part`);
    const md5 = createHash('md5');
    const sha256 = opts.sha256 ? createHash('sha256') : undefined;
    const maxBytes = opts.maxBytes ?? Infinity;
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new BlobTooLargeError(maxBytes));
        md5.update(chunk);
        sha256?.update(chunk);
        done(null, chunk);
      },
    });
    const input = source instanceof Uint8Array ? Readable.from([source]) : source;
    // flush: fsync before close, so the rename below never publishes bytes still in the page cache only.
    const out = createWriteStream(tmp, { flags: 'wx', flush: true });
    try {
      await pipeline(input, meter, out, opts.signal ? { signal: opts.signal } : {});
      const target = this.pathOf(blobId);
      await mkdir(join(target, '..'), { recursive: true });
      await rename(tmp, target);
    } catch (err) {
      // A failed pipeline can reject before the file is even opened: removing it before the stream
      // closes would leave the file behind once the open completes.
      if (!out.closed) await once(out, 'close').catch(() => undefined);
      await rm(tmp, { force: true });
      throw err;
    }
    const stored: StoredBlob = { blobId, size, md5Hex: md5.digest('hex') };
    if (sha256) stored.sha256Hex = sha256.digest('hex');
    return stored;
  }

  async get(blobId: string, range?: ByteRange): Promise<Readable> {
    const handle = await this.openHandle(blobId);
    try {
      if (!range) return handle.createReadStream();
      const { size } = await handle.stat();
      const end = Math.min(range.end, size - 1);
      if (range.start > end) {
        await handle.close();
        return Readable.from([]);
      }
      return handle.createReadStream({ start: range.start, end });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async read(blobId: string): Promise<Buffer> {
    return this.readBuffer(blobId, Infinity);
  }

  async readBuffer(blobId: string, maxBytes: number): Promise<Buffer> {
    const handle = await this.openHandle(blobId);
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async stat(blobId: string): Promise<{ size: number } | undefined> {
    try {
      const s = await stat(this.pathOf(blobId));
      return { size: s.size };
    } catch (err) {
      if (isNotFound(err) || err instanceof BlobNotFoundError) return undefined;
      throw err;
    }
  }

  async delete(blobId: string): Promise<void> {
    if (!BLOB_ID.test(blobId)) return; // could never have been stored
    await rm(this.pathOf(blobId), { force: true });
  }

  localPath(blobId: string): string | undefined {
    return BLOB_ID.test(blobId) ? this.pathOf(blobId) : undefined;
  }

  /** Only well-formed ids map to a path; anything else is simply not a blob. */
  private pathOf(blobId: string): string {
    if (!BLOB_ID.test(blobId)) throw new BlobNotFoundError(blobId);
    return join(this.root, blobId.slice(0, 2), blobId.slice(2, 4), blobId);
  }

  private async openHandle(blobId: string) {
    try {
      return await open(this.pathOf(blobId), 'r');
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(blobId);
      throw err;
    }
  }

  private sweepStaleTemps(): void {
    const cutoff = Date.now() - STALE_TEMP_MS;
    for (const name of readdirSync(this.tmpDir)) {
      const path = join(this.tmpDir, name);
      try {
        if (statSync(path).mtimeMs < cutoff) rmSync(path, { force: true });
      } catch {
        // Raced with another sweeper or already gone: nothing to do.
      }
    }
  }
}
