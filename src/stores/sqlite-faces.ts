/**
 * Face collections, faces and users in SQLite. Embeddings are little-endian Float32 blobs; the
 * vector indexes (stores/vector-index) are built from them and can always be rebuilt from them.
 * Every call that writes several rows is one transaction, so a process killed mid-IndexFaces
 * leaves either all of that call's faces or none.
 */
import type Database from 'better-sqlite3';
import type {
  CollectionRecord,
  FaceRepository,
  FaceUserRecord,
  FaceUserStatus,
  ListFacesQuery,
  NewFace,
  StoredFace,
} from './metadata.js';
import { blobFromVector, vectorFromBlob } from './sqlite-vectors.js';

interface CollectionRow {
  key: number;
  collection_id: string;
  arn: string;
  created_at: number;
  face_model_version: string;
  dimensions: number;
}

interface FaceRow {
  seq: number;
  face_id: string;
  image_id: string;
  external_image_id: string | null;
  box_width: number;
  box_height: number;
  box_left: number;
  box_top: number;
  confidence: number;
  model_version: string;
  user_id: string | null;
}

interface UserRow {
  user_id: string;
  status: FaceUserStatus;
  created_at: number;
  face_count: number;
}

const toCollection = (r: CollectionRow): CollectionRecord => ({
  key: r.key,
  collectionId: r.collection_id,
  arn: r.arn,
  createdAt: new Date(r.created_at),
  faceModelVersion: r.face_model_version,
  dimensions: r.dimensions,
});

const toFace = (r: FaceRow): StoredFace => ({
  seq: r.seq,
  faceId: r.face_id,
  imageId: r.image_id,
  ...(r.external_image_id === null ? {} : { externalImageId: r.external_image_id }),
  box: { width: r.box_width, height: r.box_height, left: r.box_left, top: r.box_top },
  confidence: r.confidence,
  indexFacesModelVersion: r.model_version,
  ...(r.user_id === null ? {} : { userId: r.user_id }),
});

const toUser = (r: UserRow): FaceUserRecord => ({ userId: r.user_id, status: r.status, createdAt: new Date(r.created_at), faceCount: r.face_count });


const FACE_COLUMNS = `f.seq, f.face_id, f.image_id, f.external_image_id, f.box_width, f.box_height, f.box_left, f.box_top,
  f.confidence, f.model_version, u.user_id`;
const FACES = `faces f LEFT JOIN face_users u ON u.user_key = f.user_key`;
/** Rows read per query when streaming a whole collection (keeps memory flat and the connection free between pages). */
const PAGE = 4096;

export class SqliteFaceRepository implements FaceRepository {
  private readonly stmt;
  private readonly insertFacesTx;
  private readonly deleteFacesTx;
  private readonly deleteUserTx;
  private readonly associateTx;
  private readonly disassociateTx;

  constructor(db: Database.Database) {
    this.stmt = {
      insertCollection: db.prepare(
        `INSERT INTO face_collections (collection_id, arn, created_at, face_model_version, dimensions)
         VALUES (@collectionId, @arn, @createdAt, @faceModelVersion, @dimensions) ON CONFLICT (collection_id) DO NOTHING`,
      ),
      getCollection: db.prepare('SELECT * FROM face_collections WHERE collection_id = ?'),
      listCollections: db.prepare('SELECT * FROM face_collections WHERE key > ? ORDER BY key LIMIT ?'),
      deleteCollection: db.prepare('DELETE FROM face_collections WHERE collection_id = ?'),
      countFaces: db.prepare('SELECT COUNT(*) FROM faces WHERE collection_key = ?').pluck(),
      maxFaceSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM faces WHERE collection_key = ?').pluck(),
      countUsers: db.prepare('SELECT COUNT(*) FROM face_users WHERE collection_key = ?').pluck(),
      insertFace: db.prepare(
        `INSERT INTO faces (collection_key, face_id, image_id, external_image_id, box_width, box_height, box_left, box_top,
           confidence, model_version, embedding)
         VALUES (@collectionKey, @faceId, @imageId, @externalImageId, @width, @height, @left, @top, @confidence, @modelVersion, @embedding)`,
      ),
      facesById: db.prepare(`SELECT ${FACE_COLUMNS} FROM ${FACES} WHERE f.collection_key = ? AND f.face_id IN (SELECT value FROM json_each(?))`),
      facesBySeq: db.prepare(`SELECT ${FACE_COLUMNS} FROM ${FACES} WHERE f.collection_key = ? AND f.seq IN (SELECT value FROM json_each(?))`),
      listFaces: db.prepare(
        `SELECT ${FACE_COLUMNS} FROM ${FACES} WHERE f.collection_key = @key AND f.seq > @after
           AND (@userId IS NULL OR u.user_id = @userId)
           AND (@faceIds IS NULL OR f.face_id IN (SELECT value FROM json_each(@faceIds)))
         ORDER BY f.seq LIMIT @limit`,
      ),
      deleteFace: db.prepare('DELETE FROM faces WHERE seq = ?'),
      embedding: db.prepare('SELECT embedding FROM faces WHERE collection_key = ? AND seq = ?').pluck(),
      seqsAfter: db.prepare('SELECT seq FROM faces WHERE collection_key = ? AND seq > ? ORDER BY seq LIMIT ?').pluck(),
      embeddingsAfter: db.prepare('SELECT seq, embedding FROM faces WHERE collection_key = ? AND seq > ? ORDER BY seq LIMIT ?'),
      insertUser: db.prepare(
        `INSERT INTO face_users (collection_key, user_id, status, created_at) VALUES (?, ?, 'CREATED', ?)
         ON CONFLICT (collection_key, user_id) DO NOTHING`,
      ),
      getUser: db.prepare(
        `SELECT u.user_id, u.status, u.created_at, (SELECT COUNT(*) FROM faces f WHERE f.user_key = u.user_key) AS face_count
         FROM face_users u WHERE u.collection_key = ? AND u.user_id = ?`,
      ),
      userKey: db.prepare('SELECT user_key FROM face_users WHERE collection_key = ? AND user_id = ?').pluck(),
      listUsers: db.prepare(
        `SELECT u.user_id, u.status, u.created_at, (SELECT COUNT(*) FROM faces f WHERE f.user_key = u.user_key) AS face_count
         FROM face_users u WHERE u.collection_key = ? AND u.user_id > ? ORDER BY u.user_id LIMIT ?`,
      ),
      deleteUser: db.prepare('DELETE FROM face_users WHERE user_key = ?'),
      facesOfUser: db.prepare(`SELECT ${FACE_COLUMNS} FROM ${FACES} WHERE f.collection_key = ? AND u.user_id = ? ORDER BY f.seq`),
      usersOfFaces: db.prepare(
        `SELECT f.seq, u.user_id FROM faces f JOIN face_users u ON u.user_key = f.user_key
         WHERE f.collection_key = ? AND f.seq IN (SELECT value FROM json_each(?))`,
      ),
      setUserOfFace: db.prepare('UPDATE faces SET user_key = ? WHERE collection_key = ? AND face_id = ?'),
      clearUserOfFace: db.prepare('UPDATE faces SET user_key = NULL WHERE collection_key = ? AND face_id = ? AND user_key = ?'),
      // A user with faces is ACTIVE, one without is CREATED (Rekognition's UserStatus once an update is done).
      refreshStatus: db.prepare(
        `UPDATE face_users SET status = CASE WHEN EXISTS (SELECT 1 FROM faces f WHERE f.user_key = face_users.user_key)
           THEN 'ACTIVE' ELSE 'CREATED' END WHERE user_key = ?`,
      ),
      usersOfFaceIds: db.prepare(
        `SELECT DISTINCT f.user_key FROM faces f WHERE f.collection_key = ? AND f.user_key IS NOT NULL
           AND f.face_id IN (SELECT value FROM json_each(?))`,
      ).pluck(),
    };

    this.insertFacesTx = db.transaction((collectionKey: number, faces: readonly NewFace[]): StoredFace[] =>
      faces.map((f) => {
        const { lastInsertRowid } = this.stmt.insertFace.run({
          collectionKey,
          faceId: f.faceId,
          imageId: f.imageId,
          externalImageId: f.externalImageId ?? null,
          ...f.box,
          confidence: f.confidence,
          modelVersion: f.indexFacesModelVersion,
          embedding: blobFromVector(f.embedding),
        });
        const { embedding: _, ...stored } = f;
        return { ...stored, seq: Number(lastInsertRowid) };
      }),
    );

    this.deleteFacesTx = db.transaction((collectionKey: number, faceIds: readonly string[]): StoredFace[] => {
      const users = this.stmt.usersOfFaceIds.all(collectionKey, JSON.stringify(faceIds)) as number[];
      const faces = this.getFaces(collectionKey, faceIds);
      for (const f of faces) this.stmt.deleteFace.run(f.seq);
      for (const userKey of users) this.stmt.refreshStatus.run(userKey);
      return faces;
    });

    this.deleteUserTx = db.transaction((collectionKey: number, userId: string): boolean => {
      const userKey = this.stmt.userKey.get(collectionKey, userId) as number | undefined;
      if (userKey === undefined) return false;
      this.stmt.deleteUser.run(userKey); // faces.user_key -> NULL (ON DELETE SET NULL)
      return true;
    });

    this.associateTx = db.transaction((collectionKey: number, userId: string, faceIds: readonly string[]): FaceUserRecord => {
      const userKey = this.stmt.userKey.get(collectionKey, userId) as number | undefined;
      if (userKey === undefined) throw new Error(`no user ${userId}`);
      for (const faceId of faceIds) this.stmt.setUserOfFace.run(userKey, collectionKey, faceId);
      this.stmt.refreshStatus.run(userKey);
      return this.getUser(collectionKey, userId)!;
    });

    this.disassociateTx = db.transaction((collectionKey: number, userId: string, faceIds: readonly string[]): FaceUserRecord => {
      const userKey = this.stmt.userKey.get(collectionKey, userId) as number | undefined;
      if (userKey === undefined) throw new Error(`no user ${userId}`);
      for (const faceId of faceIds) this.stmt.clearUserOfFace.run(collectionKey, faceId, userKey);
      this.stmt.refreshStatus.run(userKey);
      return this.getUser(collectionKey, userId)!;
    });
  }

  createCollection(c: Omit<CollectionRecord, 'key'>): CollectionRecord | undefined {
    const r = this.stmt.insertCollection.run({ ...c, createdAt: c.createdAt.getTime() });
    return r.changes === 0 ? undefined : { ...c, key: Number(r.lastInsertRowid) };
  }

  getCollection(collectionId: string): CollectionRecord | undefined {
    const row = this.stmt.getCollection.get(collectionId) as CollectionRow | undefined;
    return row && toCollection(row);
  }

  listCollections(afterKey: number, limit: number): CollectionRecord[] {
    return (this.stmt.listCollections.all(afterKey, Math.max(0, limit)) as CollectionRow[]).map(toCollection);
  }

  deleteCollection(collectionId: string): boolean {
    return this.stmt.deleteCollection.run(collectionId).changes > 0; // faces and users go with it (ON DELETE CASCADE)
  }

  countFaces(collectionKey: number): number {
    return this.stmt.countFaces.get(collectionKey) as number;
  }

  maxFaceSeq(collectionKey: number): number {
    return this.stmt.maxFaceSeq.get(collectionKey) as number;
  }

  countUsers(collectionKey: number): number {
    return this.stmt.countUsers.get(collectionKey) as number;
  }

  insertFaces(collectionKey: number, faces: readonly NewFace[]): StoredFace[] {
    return this.insertFacesTx(collectionKey, faces);
  }

  getFaces(collectionKey: number, faceIds: readonly string[]): StoredFace[] {
    const rows = new Map((this.stmt.facesById.all(collectionKey, JSON.stringify(faceIds)) as FaceRow[]).map((r) => [r.face_id, r]));
    return faceIds.flatMap((id) => {
      const r = rows.get(id);
      return r ? [toFace(r)] : [];
    });
  }

  facesBySeq(collectionKey: number, seqs: readonly number[]): StoredFace[] {
    const rows = new Map((this.stmt.facesBySeq.all(collectionKey, JSON.stringify(seqs)) as FaceRow[]).map((r) => [r.seq, r]));
    return seqs.flatMap((seq) => {
      const r = rows.get(seq);
      return r ? [toFace(r)] : [];
    });
  }

  listFaces(collectionKey: number, q: ListFacesQuery): StoredFace[] {
    const rows = this.stmt.listFaces.all({
      key: collectionKey,
      after: q.afterSeq ?? 0,
      userId: q.userId ?? null,
      faceIds: q.faceIds ? JSON.stringify(q.faceIds) : null,
      limit: Math.max(0, q.limit),
    }) as FaceRow[];
    return rows.map(toFace);
  }

  deleteFaces(collectionKey: number, faceIds: readonly string[]): StoredFace[] {
    return this.deleteFacesTx(collectionKey, faceIds);
  }

  embedding(collectionKey: number, seq: number): Float32Array | undefined {
    const blob = this.stmt.embedding.get(collectionKey, seq) as Buffer | undefined;
    return blob && vectorFromBlob(blob);
  }

  *faceSeqs(collectionKey: number): Generator<number> {
    for (let after = 0; ; ) {
      const seqs = this.stmt.seqsAfter.all(collectionKey, after, PAGE * 16) as number[];
      yield* seqs;
      if (seqs.length < PAGE * 16) return;
      after = seqs[seqs.length - 1]!;
    }
  }

  *embeddingsAfter(collectionKey: number, afterSeq: number): Generator<{ seq: number; embedding: Float32Array }> {
    for (let after = afterSeq; ; ) {
      const rows = this.stmt.embeddingsAfter.all(collectionKey, after, PAGE) as { seq: number; embedding: Buffer }[];
      for (const r of rows) yield { seq: r.seq, embedding: vectorFromBlob(r.embedding) };
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  createUser(collectionKey: number, userId: string): FaceUserRecord | undefined {
    const createdAt = new Date();
    const r = this.stmt.insertUser.run(collectionKey, userId, createdAt.getTime());
    return r.changes === 0 ? undefined : { userId, status: 'CREATED', createdAt, faceCount: 0 };
  }

  getUser(collectionKey: number, userId: string): FaceUserRecord | undefined {
    const row = this.stmt.getUser.get(collectionKey, userId) as UserRow | undefined;
    return row && toUser(row);
  }

  listUsers(collectionKey: number, after: string | undefined, limit: number): FaceUserRecord[] {
    return (this.stmt.listUsers.all(collectionKey, after ?? '', Math.max(0, limit)) as UserRow[]).map(toUser);
  }

  deleteUser(collectionKey: number, userId: string): boolean {
    return this.deleteUserTx(collectionKey, userId);
  }

  facesOfUser(collectionKey: number, userId: string): StoredFace[] {
    return (this.stmt.facesOfUser.all(collectionKey, userId) as FaceRow[]).map(toFace);
  }

  usersOfFaces(collectionKey: number, seqs: readonly number[]): Map<number, string> {
    const rows = this.stmt.usersOfFaces.all(collectionKey, JSON.stringify(seqs)) as { seq: number; user_id: string }[];
    return new Map(rows.map((r) => [r.seq, r.user_id]));
  }

  associateFaces(collectionKey: number, userId: string, faceIds: readonly string[]): FaceUserRecord {
    return this.associateTx(collectionKey, userId, faceIds);
  }

  disassociateFaces(collectionKey: number, userId: string, faceIds: readonly string[]): FaceUserRecord {
    return this.disassociateTx(collectionKey, userId, faceIds);
  }
}
