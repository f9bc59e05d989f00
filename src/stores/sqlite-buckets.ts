/**
 * Buckets, objects and multipart uploads of the embedded S3 endpoint, in SQLite.
 * Keys compare with SQLite's BINARY collation, i.e. by UTF-8 bytes, which is the order S3 lists in.
 */
import type Database from 'better-sqlite3';
import type {
  BucketRecord,
  BucketRepository,
  ListObjectsQuery,
  MultipartPartRecord,
  MultipartUploadRecord,
  ObjectRecord,
} from './metadata.js';

interface ObjectRow {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  content_type: string;
  user_metadata: string;
  last_modified: number;
  blob_id: string;
}

interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  content_type: string;
  user_metadata: string;
  initiated_at: number;
}

interface PartRow {
  upload_id: string;
  part_number: number;
  size: number;
  etag: string;
  blob_id: string;
  last_modified: number;
}

const toObject = (r: ObjectRow): ObjectRecord => ({
  bucket: r.bucket,
  key: r.key,
  size: r.size,
  etag: r.etag,
  contentType: r.content_type,
  userMetadata: JSON.parse(r.user_metadata) as Record<string, string>,
  lastModified: new Date(r.last_modified),
  blobId: r.blob_id,
});

const toUpload = (r: UploadRow): MultipartUploadRecord => ({
  uploadId: r.upload_id,
  bucket: r.bucket,
  key: r.key,
  contentType: r.content_type,
  userMetadata: JSON.parse(r.user_metadata) as Record<string, string>,
  initiatedAt: new Date(r.initiated_at),
});

const toPart = (r: PartRow): MultipartPartRecord => ({
  uploadId: r.upload_id,
  partNumber: r.part_number,
  size: r.size,
  etag: r.etag,
  blobId: r.blob_id,
  lastModified: new Date(r.last_modified),
});

/**
 * The smallest byte string greater than every string that starts with `prefix`: the prefix's
 * UTF-8 with its last byte incremented (UTF-8 never contains 0xFF, so this cannot overflow).
 * Bound as a blob and cast to TEXT so SQLite compares it bytewise with the keys and can use the
 * primary-key index for the range, instead of scanning the rest of the bucket.
 */
function prefixUpperBound(prefix: string): Buffer {
  const bytes = Buffer.from(prefix, 'utf8');
  bytes[bytes.length - 1]! += 1;
  return bytes;
}

export class SqliteBucketRepository implements BucketRepository {
  private readonly stmt;
  private readonly putObjectTx;
  private readonly putPartTx;
  private readonly deleteUploadTx;
  private readonly completeUploadTx;

  constructor(db: Database.Database) {
    this.stmt = {
      insertBucket: db.prepare('INSERT INTO buckets (name, created_at) VALUES (?, ?)'),
      getBucket: db.prepare('SELECT name, created_at FROM buckets WHERE name = ?'),
      listBuckets: db.prepare('SELECT name, created_at FROM buckets ORDER BY name'),
      deleteBucket: db.prepare('DELETE FROM buckets WHERE name = ?'),
      countObjects: db.prepare('SELECT COUNT(*) AS n FROM objects WHERE bucket = ?'),
      getObject: db.prepare('SELECT * FROM objects WHERE bucket = ? AND key = ?'),
      upsertObject: db.prepare(
        `INSERT INTO objects (bucket, key, size, etag, content_type, user_metadata, last_modified, blob_id)
         VALUES (@bucket, @key, @size, @etag, @contentType, @userMetadata, @lastModified, @blobId)
         ON CONFLICT (bucket, key) DO UPDATE SET size = excluded.size, etag = excluded.etag,
           content_type = excluded.content_type, user_metadata = excluded.user_metadata,
           last_modified = excluded.last_modified, blob_id = excluded.blob_id`,
      ),
      deleteObject: db.prepare('DELETE FROM objects WHERE bucket = ? AND key = ?'),
      listAll: db.prepare('SELECT * FROM objects WHERE bucket = @bucket AND key > @after ORDER BY key LIMIT @limit'),
      listPrefix: db.prepare(
        `SELECT * FROM objects WHERE bucket = @bucket AND key > @after AND key >= @prefix
           AND key < CAST(@upper AS TEXT) ORDER BY key LIMIT @limit`,
      ),
      insertUpload: db.prepare(
        `INSERT INTO multipart_uploads (upload_id, bucket, key, content_type, user_metadata, initiated_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      getUpload: db.prepare('SELECT * FROM multipart_uploads WHERE upload_id = ?'),
      listUploads: db.prepare('SELECT * FROM multipart_uploads WHERE bucket = ? ORDER BY initiated_at, upload_id'),
      deleteUpload: db.prepare('DELETE FROM multipart_uploads WHERE upload_id = ?'),
      getPart: db.prepare('SELECT * FROM multipart_parts WHERE upload_id = ? AND part_number = ?'),
      upsertPart: db.prepare(
        `INSERT INTO multipart_parts (upload_id, part_number, size, etag, blob_id, last_modified)
         VALUES (@uploadId, @partNumber, @size, @etag, @blobId, @lastModified)
         ON CONFLICT (upload_id, part_number) DO UPDATE SET size = excluded.size, etag = excluded.etag,
           blob_id = excluded.blob_id, last_modified = excluded.last_modified`,
      ),
      listParts: db.prepare('SELECT * FROM multipart_parts WHERE upload_id = ? ORDER BY part_number'),
    };

    this.putObjectTx = db.transaction((o: ObjectRecord): ObjectRecord | undefined => {
      const previous = this.getObject(o.bucket, o.key);
      this.stmt.upsertObject.run({
        bucket: o.bucket,
        key: o.key,
        size: o.size,
        etag: o.etag,
        contentType: o.contentType,
        userMetadata: JSON.stringify(o.userMetadata),
        lastModified: o.lastModified.getTime(),
        blobId: o.blobId,
      });
      return previous;
    });

    this.putPartTx = db.transaction((p: MultipartPartRecord): MultipartPartRecord | undefined => {
      const previous = this.stmt.getPart.get(p.uploadId, p.partNumber) as PartRow | undefined;
      this.stmt.upsertPart.run({ ...p, lastModified: p.lastModified.getTime() });
      return previous && toPart(previous);
    });

    this.deleteUploadTx = db.transaction((uploadId: string): MultipartPartRecord[] => {
      const parts = this.listParts(uploadId);
      this.stmt.deleteUpload.run(uploadId); // parts go with it (ON DELETE CASCADE)
      return parts;
    });

    this.completeUploadTx = db.transaction((uploadId: string, o: ObjectRecord) => {
      const parts = this.deleteUploadTx(uploadId);
      const replaced = this.putObjectTx(o);
      return replaced ? { replaced, parts } : { parts };
    });
  }

  createBucket(name: string): BucketRecord {
    const createdAt = new Date();
    this.stmt.insertBucket.run(name, createdAt.getTime());
    return { name, createdAt };
  }

  getBucket(name: string): BucketRecord | undefined {
    const row = this.stmt.getBucket.get(name) as { name: string; created_at: number } | undefined;
    return row && { name: row.name, createdAt: new Date(row.created_at) };
  }

  listBuckets(): BucketRecord[] {
    return (this.stmt.listBuckets.all() as { name: string; created_at: number }[]).map((r) => ({
      name: r.name,
      createdAt: new Date(r.created_at),
    }));
  }

  deleteBucket(name: string): void {
    this.stmt.deleteBucket.run(name);
  }

  countObjects(bucket: string): number {
    return (this.stmt.countObjects.get(bucket) as { n: number }).n;
  }

  putObject(o: ObjectRecord): ObjectRecord | undefined {
    return this.putObjectTx(o);
  }

  getObject(bucket: string, key: string): ObjectRecord | undefined {
    const row = this.stmt.getObject.get(bucket, key) as ObjectRow | undefined;
    return row && toObject(row);
  }

  listObjects(q: ListObjectsQuery): ObjectRecord[] {
    const base = { bucket: q.bucket, after: q.after ?? '', limit: Math.max(0, q.limit) };
    const rows = q.prefix
      ? this.stmt.listPrefix.all({ ...base, prefix: q.prefix, upper: prefixUpperBound(q.prefix) })
      : this.stmt.listAll.all(base);
    return (rows as ObjectRow[]).map(toObject);
  }

  deleteObject(bucket: string, key: string): ObjectRecord | undefined {
    const previous = this.getObject(bucket, key);
    if (previous) this.stmt.deleteObject.run(bucket, key);
    return previous;
  }

  createUpload(u: MultipartUploadRecord): void {
    this.stmt.insertUpload.run(u.uploadId, u.bucket, u.key, u.contentType, JSON.stringify(u.userMetadata), u.initiatedAt.getTime());
  }

  getUpload(uploadId: string): MultipartUploadRecord | undefined {
    const row = this.stmt.getUpload.get(uploadId) as UploadRow | undefined;
    return row && toUpload(row);
  }

  listUploads(bucket: string): MultipartUploadRecord[] {
    return (this.stmt.listUploads.all(bucket) as UploadRow[]).map(toUpload);
  }

  putPart(p: MultipartPartRecord): MultipartPartRecord | undefined {
    return this.putPartTx(p);
  }

  listParts(uploadId: string): MultipartPartRecord[] {
    return (this.stmt.listParts.all(uploadId) as PartRow[]).map(toPart);
  }

  deleteUpload(uploadId: string): MultipartPartRecord[] {
    return this.deleteUploadTx(uploadId);
  }

  completeUpload(uploadId: string, o: ObjectRecord): { replaced?: ObjectRecord; parts: MultipartPartRecord[] } {
    return this.completeUploadTx(uploadId, o);
  }
}
