/**
 * The celebrity gallery in SQLite: people the operator loaded (name, URLs, known gender) and the
 * embeddings of their reference faces, per face model version.
 */
import type Database from 'better-sqlite3';
import type { CelebrityFace, CelebrityRecord, CelebrityRepository } from './metadata.js';
import { blobFromVector, vectorFromBlob } from './sqlite-vectors.js';

interface CelebrityRow {
  id: string;
  name: string;
  urls: string;
  known_gender: string | null;
  created_at: number;
  face_count: number;
}

const toCelebrity = (r: CelebrityRow): CelebrityRecord => ({
  id: r.id,
  name: r.name,
  urls: JSON.parse(r.urls) as string[],
  ...(r.known_gender === null ? {} : { knownGender: r.known_gender }),
  createdAt: new Date(r.created_at),
  faceCount: r.face_count,
});


const SELECT = `SELECT c.id, c.name, c.urls, c.known_gender, c.created_at,
  (SELECT COUNT(*) FROM celebrity_faces f WHERE f.celebrity_id = c.id) AS face_count FROM celebrities c`;

export class SqliteCelebrityRepository implements CelebrityRepository {
  constructor(private readonly db: Database.Database) {}

  add(c: Omit<CelebrityRecord, 'createdAt' | 'faceCount'>, faces: readonly Float32Array[], faceModelVersion: string): CelebrityRecord {
    const now = Date.now();
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO celebrities (id, name, urls, known_gender, created_at) VALUES (?, ?, ?, ?, ?)').run(c.id, c.name, JSON.stringify(c.urls), c.knownGender ?? null, now);
      const face = this.db.prepare('INSERT INTO celebrity_faces (celebrity_id, face_model_version, embedding) VALUES (?, ?, ?)');
      for (const e of faces) face.run(c.id, faceModelVersion, blobFromVector(e));
    })();
    return this.get(c.id)!;
  }

  get(id: string): CelebrityRecord | undefined {
    const r = this.db.prepare(`${SELECT} WHERE c.id = ?`).get(id) as CelebrityRow | undefined;
    return r && toCelebrity(r);
  }

  list(): CelebrityRecord[] {
    return (this.db.prepare(`${SELECT} ORDER BY c.name, c.id`).all() as CelebrityRow[]).map(toCelebrity);
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM celebrities WHERE id = ?').run(id).changes > 0;
  }

  faces(faceModelVersion: string): CelebrityFace[] {
    const rows = this.db.prepare('SELECT celebrity_id, embedding FROM celebrity_faces WHERE face_model_version = ?').all(faceModelVersion) as { celebrity_id: string; embedding: Buffer }[];
    return rows.map((r) => ({ celebrityId: r.celebrity_id, embedding: vectorFromBlob(r.embedding) }));
  }
}
