/** Writing an object into an Argus bucket from inside Argus (evaluation summaries, bulk-analysis results, the CLI's videos). */
import type { BlobSource, BlobStore } from '../stores/blobs.js';
import type { BucketRepository } from '../stores/metadata.js';

/** Stores the bytes under bucket/key, replacing (and freeing) any object that was there. */
export async function putObject(buckets: BucketRepository, blobs: BlobStore, bucket: string, key: string, bytes: BlobSource, contentType = 'application/json'): Promise<void> {
  const stored = await blobs.put(bytes);
  const replaced = buckets.putObject({ bucket, key, size: stored.size, etag: `"${stored.md5Hex}"`, contentType, userMetadata: {}, lastModified: new Date(), blobId: stored.blobId });
  if (replaced && replaced.blobId !== stored.blobId) await blobs.delete(replaced.blobId);
}
