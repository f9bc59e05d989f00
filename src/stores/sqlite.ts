/** SQLite metadata store (better-sqlite3 12, WAL) with numbered migrations. */
import Database from 'better-sqlite3';
import type { MetadataStore } from './metadata.js';
import { SqliteBucketRepository } from './sqlite-buckets.js';
import { SqliteFaceRepository } from './sqlite-faces.js';
import { SqliteCelebrityRepository } from './sqlite-celebrities.js';
import { SqliteCustomLabelsRepository } from './sqlite-custom-labels.js';
import { SqliteJobRepository } from './sqlite-jobs.js';
import { SqliteProjectVersionRepository } from './sqlite-project-versions.js';
import { SqliteTagRepository } from './sqlite-tags.js';

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
  // Face collections, their faces (embeddings as little-endian Float32 blobs) and users.
  // AUTOINCREMENT: a face's seq and a collection's key are never reused, so a vector index file
  // that records "everything up to seq N" stays true, and a file named after a deleted
  // collection's key can never be mistaken for a new collection's.
  `CREATE TABLE face_collections (
     key INTEGER PRIMARY KEY AUTOINCREMENT,
     collection_id TEXT NOT NULL UNIQUE,
     arn TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     face_model_version TEXT NOT NULL,
     dimensions INTEGER NOT NULL
   );
   CREATE TABLE face_users (
     user_key INTEGER PRIMARY KEY AUTOINCREMENT,
     collection_key INTEGER NOT NULL REFERENCES face_collections(key) ON DELETE CASCADE,
     user_id TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('CREATED', 'UPDATING', 'ACTIVE')),
     created_at INTEGER NOT NULL,
     UNIQUE (collection_key, user_id)
   );
   CREATE TABLE faces (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     collection_key INTEGER NOT NULL REFERENCES face_collections(key) ON DELETE CASCADE,
     face_id TEXT NOT NULL UNIQUE,
     image_id TEXT NOT NULL,
     external_image_id TEXT,
     box_width REAL NOT NULL,
     box_height REAL NOT NULL,
     box_left REAL NOT NULL,
     box_top REAL NOT NULL,
     confidence REAL NOT NULL,
     model_version TEXT NOT NULL,
     embedding BLOB NOT NULL,
     user_key INTEGER REFERENCES face_users(user_key) ON DELETE SET NULL
   );
   CREATE INDEX faces_by_collection ON faces (collection_key, seq);
   CREATE INDEX faces_by_user ON faces (user_key);`,
  // The celebrity gallery: people and the embeddings of their reference faces per face model.
  `CREATE TABLE celebrities (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     urls TEXT NOT NULL,
     known_gender TEXT,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE celebrity_faces (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     celebrity_id TEXT NOT NULL REFERENCES celebrities(id) ON DELETE CASCADE,
     face_model_version TEXT NOT NULL,
     embedding BLOB NOT NULL
   );
   CREATE INDEX celebrity_faces_by_model ON celebrity_faces (face_model_version);`,
  // Custom Labels: projects, their TRAIN/TEST datasets, dataset entries (one manifest JSON line
  // each, with its labels and box counts broken out for filtering and statistics) and project
  // policies. Keys are AUTOINCREMENT so an ARN or a file named after a key is never reused.
  `CREATE TABLE cl_projects (
     key INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL UNIQUE,
     arn TEXT NOT NULL UNIQUE,
     feature TEXT NOT NULL,
     auto_update TEXT,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE cl_datasets (
     key INTEGER PRIMARY KEY AUTOINCREMENT,
     project_key INTEGER NOT NULL REFERENCES cl_projects(key) ON DELETE CASCADE,
     type TEXT NOT NULL CHECK (type IN ('TRAIN', 'TEST')),
     arn TEXT NOT NULL UNIQUE,
     status TEXT NOT NULL,
     status_message TEXT NOT NULL DEFAULT '',
     status_message_code TEXT NOT NULL DEFAULT 'SUCCESS',
     unparsed_lines INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     UNIQUE (project_key, type)
   );
   CREATE TABLE cl_entries (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     dataset_key INTEGER NOT NULL REFERENCES cl_datasets(key) ON DELETE CASCADE,
     source_ref TEXT,
     line TEXT NOT NULL,
     labeled INTEGER NOT NULL,
     has_errors INTEGER NOT NULL,
     UNIQUE (dataset_key, source_ref)
   );
   CREATE TABLE cl_entry_labels (
     entry_seq INTEGER NOT NULL REFERENCES cl_entries(seq) ON DELETE CASCADE,
     dataset_key INTEGER NOT NULL,
     label TEXT NOT NULL,
     boxes INTEGER NOT NULL,
     PRIMARY KEY (entry_seq, label)
   ) WITHOUT ROWID;
   CREATE INDEX cl_entry_labels_by_dataset ON cl_entry_labels (dataset_key, label);
   CREATE TABLE cl_project_policies (
     project_key INTEGER NOT NULL REFERENCES cl_projects(key) ON DELETE CASCADE,
     name TEXT NOT NULL,
     revision_id TEXT NOT NULL,
     document TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (project_key, name)
   ) WITHOUT ROWID;`,
  // Jobs (services/jobs.ts): model training now, stored video next.
  `CREATE TABLE jobs (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('IN_PROGRESS', 'SUCCEEDED', 'FAILED')),
     progress REAL NOT NULL,
     message TEXT,
     client_request_token TEXT,
     input TEXT NOT NULL,
     result TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE UNIQUE INDEX jobs_by_token ON jobs (kind, client_request_token) WHERE client_request_token IS NOT NULL;
   CREATE INDEX jobs_in_progress ON jobs (status) WHERE status = 'IN_PROGRESS';
   CREATE TABLE cl_project_versions (
     key INTEGER PRIMARY KEY AUTOINCREMENT,
     project_key INTEGER NOT NULL REFERENCES cl_projects(key) ON DELETE CASCADE,
     version_name TEXT NOT NULL,
     arn TEXT NOT NULL UNIQUE,
     status TEXT NOT NULL,
     status_message TEXT NOT NULL DEFAULT '',
     created_at INTEGER NOT NULL,
     training_end_at INTEGER,
     output_config TEXT NOT NULL,
     job_id TEXT,
     model_blob TEXT,
     evaluation TEXT,
     f1 REAL,
     min_inference_units INTEGER,
     UNIQUE (project_key, version_name)
   );`,
  // tags of collections, projects and project versions, by ARN.
  `CREATE TABLE tags (
     arn TEXT NOT NULL,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY (arn, key)
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
  readonly faces: SqliteFaceRepository;
  readonly celebrities: SqliteCelebrityRepository;
  readonly customLabels: SqliteCustomLabelsRepository;
  readonly jobs: SqliteJobRepository;
  readonly projectVersions: SqliteProjectVersionRepository;
  readonly tags: SqliteTagRepository;
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
    this.faces = new SqliteFaceRepository(this.db);
    this.celebrities = new SqliteCelebrityRepository(this.db);
    this.jobs = new SqliteJobRepository(this.db);
    this.projectVersions = new SqliteProjectVersionRepository(this.db);
    this.customLabels = new SqliteCustomLabelsRepository(this.db);
    this.tags = new SqliteTagRepository(this.db);
  }

  close(): void {
    this.db.close();
  }
}
