/** SQLite metadata store (better-sqlite3 12, WAL) with numbered migrations. */
import Database from 'better-sqlite3';
import type { MetadataStore } from './metadata.js';
import { SqliteBucketRepository } from './sqlite-buckets.js';

/** Append-only: each entry moves the schema one version up. Never edit a released migration. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE buckets (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
   CREATE TABLE objects (
     bucket TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
     key TEXT NOT NULL,
     size INTEGER NOT NULL,
     etag TEXT NOT NULL,
     content_type TEXT NOT NULL,
     user_metadata TEXT NOT NULL DEFAULT '{}',
     last_modified INTEGER NOT NULL,
     blob_id TEXT NOT NULL,
     PRIMARY KEY (bucket, key)
   ) WITHOUT ROWID;`,
  // Multipart uploads of the S3 endpoint; each part's bytes are a blob until the upload completes.
  `CREATE TABLE multipart_uploads (
     upload_id TEXT PRIMARY KEY,
     bucket TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
     key TEXT NOT NULL,
     content_type TEXT NOT NULL,
     user_metadata TEXT NOT NULL DEFAULT '{}',
     initiated_at INTEGER NOT NULL
   );
   CREATE INDEX multipart_uploads_by_bucket ON multipart_uploads (bucket, initiated_at);
   CREATE TABLE multipart_parts (
     upload_id TEXT NOT NULL REFERENCES multipart_uploads(upload_id) ON DELETE CASCADE,
     part_number INTEGER NOT NULL,
     size INTEGER NOT NULL,
     etag TEXT NOT NULL,
     blob_id TEXT NOT NULL,
     last_modified INTEGER NOT NULL,
     PRIMARY KEY (upload_id, part_number)
   ) WITHOUT ROWID;`,
];

export function migrate(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  let version = row?.version ?? 0;
  if (!row) db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
  for (; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.prepare('UPDATE schema_version SET version = ?').run(version + 1);
    })();
  }
  return version;
}

export class SqliteMetadataStore implements MetadataStore {
  readonly buckets: SqliteBucketRepository;
  readonly schemaVersion: number;
  private readonly db: Database.Database;

  /** `path` is a file in the data folder, or ':memory:' for tests. */
  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.schemaVersion = migrate(this.db);
    this.buckets = new SqliteBucketRepository(this.db);
  }

  close(): void {
    this.db.close();
  }
}
