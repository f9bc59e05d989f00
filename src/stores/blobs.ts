/**
 * The blob store: immutable byte strings under opaque ids. Object keys never reach it, so no key
 * can name a path; the metadata store maps (bucket, key) to a blob id. A blob is written once,
 * read many times and deleted when the object that points at it is replaced or deleted.
 */
import type { Readable } from 'node:stream';

/** Inclusive byte offsets, as in an HTTP Range header; `end` is clamped to the blob's last byte. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredBlob {
  blobId: string;
  size: number;
  /** md5 of the bytes, hex: S3's ETag for a single-part object. */
  md5Hex: string;
  /** sha256 of the bytes, hex; present when `PutBlobOptions.sha256` asked for it. */
  sha256Hex?: string;
}

export interface PutBlobOptions {
  /** Refuse (BlobTooLargeError) and keep nothing once more than this many bytes arrive. */
  maxBytes?: number;
  /** Also compute the sha256 (costs CPU on big blobs, so only when wanted). */
  sha256?: boolean;
  signal?: AbortSignal;
}

/** What `put` accepts: bytes in memory, a stream, or any async iterable of chunks (e.g. parts to concatenate). */
export type BlobSource = Uint8Array | Readable | AsyncIterable<Uint8Array>;

export interface BlobStore {
  /**
   * Stores the bytes and returns their new id. Nothing is visible under the id until every byte is
   * durably written; if the source fails (or a limit is hit) nothing is kept and the error is rethrown.
   */
  put(source: BlobSource, opts?: PutBlobOptions): Promise<StoredBlob>;
  /** Opens the blob (or a range of it) for streaming. Rejects with BlobNotFoundError before any byte. */
  get(blobId: string, range?: ByteRange): Promise<Readable>;
  /** The whole blob in memory; for small blobs only (see readBuffer for a guarded read). */
  read(blobId: string): Promise<Buffer>;
  /** The whole blob in memory, refusing with BlobTooLargeError if it is larger than maxBytes. */
  readBuffer(blobId: string, maxBytes: number): Promise<Buffer>;
  /** Size of the blob, or undefined if there is none under the id. */
  stat(blobId: string): Promise<{ size: number } | undefined>;
  /** A file path holding the blob's bytes, when the store keeps blobs as local files (ffmpeg reads videos from it); else undefined. */
  localPath?(blobId: string): string | undefined;
  /** Removes the blob; removing a missing blob is not an error (deletes are retried after crashes). */
  delete(blobId: string): Promise<void>;
}

export class BlobNotFoundError extends Error {
  constructor(readonly blobId: string) {
    super(`No blob with id '${blobId}'.`);
    this.name = 'BlobNotFoundError';
  }
}

export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The blob is larger than the limit of ${limit} bytes.`);
    this.name = 'BlobTooLargeError';
  }
}
