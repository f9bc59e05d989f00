/**
 * Turns a Rekognition `Image` (Bytes or S3Object) into one decoded image. S3Object reads go
 * through the metadata store and the blob store, so they never touch a path a client names.
 */
import { InvalidParameter, InvalidS3Object, ImageTooLarge } from '../edge/errors.js';
import { BYTES_LIMITS, S3_LIMITS, decodeImage, type DecodedImage } from '../media/image.js';
import type { BucketRepository } from '../stores/metadata.js';
import { BlobTooLargeError, type BlobStore } from '../stores/blobs.js';

export interface ImageInput {
  Bytes?: Buffer;
  S3Object?: { Bucket?: string; Name?: string; Version?: string };
}

const S3_UNREADABLE = 'Unable to get object metadata from S3. Check object key, region and/or access permissions.';

export class ImageSource {
  constructor(
    private readonly buckets: BucketRepository,
    private readonly blobs: BlobStore,
  ) {}

  async decode(image: ImageInput | undefined): Promise<DecodedImage> {
    if (!image || (image.Bytes === undefined && image.S3Object === undefined)) {
      throw InvalidParameter('Image must contain either Bytes or S3Object.');
    }
    if (image.Bytes !== undefined && image.S3Object !== undefined) {
      throw InvalidParameter('Image must contain only one of Bytes or S3Object.');
    }
    if (image.Bytes !== undefined) return decodeImage(image.Bytes, BYTES_LIMITS);
    return decodeImage(await this.readS3(image.S3Object!), S3_LIMITS);
  }

  /** The bytes of an S3 object in an Argus bucket, up to the 15 MB image limit. */
  async readS3(s3: NonNullable<ImageInput['S3Object']>): Promise<Buffer> {
    if (!s3.Bucket || !s3.Name) throw InvalidS3Object(`${S3_UNREADABLE} (S3Object needs Bucket and Name.)`);
    const record = this.buckets.getObject(s3.Bucket, s3.Name);
    if (!record) throw InvalidS3Object(S3_UNREADABLE);
    if (record.size > S3_LIMITS.maxBytes) {
      throw ImageTooLarge(`s3://${s3.Bucket}/${s3.Name} is ${record.size} bytes; images from S3 may be at most ${S3_LIMITS.maxBytes} bytes (15 MB).`);
    }
    // Capped read: the object may have been replaced by a bigger one since the lookup.
    return this.blobs.readBuffer(record.blobId, S3_LIMITS.maxBytes).catch((err: Error) => {
      if (err instanceof BlobTooLargeError) throw ImageTooLarge(`s3://${s3.Bucket}/${s3.Name} is larger than ${S3_LIMITS.maxBytes} bytes (15 MB).`);
      throw InvalidS3Object(S3_UNREADABLE);
    });
  }
}
