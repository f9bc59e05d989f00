/**
 * Face collections and users: Rekognition's Create/Describe/List/DeleteCollection, IndexFaces,
 * ListFaces, DeleteFaces, SearchFaces(ByImage), Create/Delete/ListUsers, Associate/
 * DisassociateFaces and SearchUsers(ByImage), over the face repository (the source of truth),
 * one vector index per collection, and the face engine (detection, embeddings, calibrated
 * similarity). Each collection records the face model that made its embeddings; a request that
 * would compare them with another model's is refused with InvalidParameterException.
 *
 *   const c = new CollectionsService({ store: metadata.faces, indexes, engine: faces });
 *   c.createCollection('staff');
 *   await c.indexFaces('staff', img, { externalImageId: 'alice.jpg' });
 *   const { matches } = await c.searchFacesByImage('staff', probe, {});
 */
import { randomUUID } from 'node:crypto';
import { Conflict, InvalidParameter, ResourceAlreadyExists, ResourceNotFound, ServiceQuotaExceeded } from '../edge/errors.js';
import type { DecodedImage } from '../media/image.js';
import type { CollectionRecord, FaceRepository, FaceUserRecord, FaceUserStatus, StoredFace } from '../stores/metadata.js';
import type { VectorIndexes } from '../stores/vector-index/indexes.js';
import type { AnalyzedFace } from '../vision/faces/face.js';
import type { FaceAttributeRequest, FaceEngine } from './face-engine.js';
import { qualityReasons, type QualityFilter, type QualityReason } from '../vision/faces/quality-filter.js';
import { decodePageToken, encodePageToken } from './page-token.js';

type LimitName = 'maxFacesPerImage' | 'maxSearchFaces' | 'maxSearchUsers' | 'faceMatchThreshold' | 'userMatchThreshold' | 'searchUsersThreshold' | 'facesPerUser' | 'listCollections' | 'listFaces' | 'listUsers';

/** Rekognition's limits and defaults for these operations. */
export const LIMITS: Readonly<Record<LimitName, number>> = Object.freeze({
  /** IndexFaces indexes at most the 100 largest faces of an image. */
  maxFacesPerImage: 100,
  /** Search operations return at most 4096 faces, 500 users. */
  maxSearchFaces: 4096,
  maxSearchUsers: 500,
  faceMatchThreshold: 80,
  /** AssociateFaces' default; SearchUsers(ByImage) default to 80. */
  userMatchThreshold: 75,
  searchUsersThreshold: 80,
  facesPerUser: 100,
  listCollections: 1000,
  listFaces: 1000,
  listUsers: 100,
});

export interface CollectionsServiceOptions {
  store: FaceRepository;
  indexes: VectorIndexes;
  engine: FaceEngine;
  /** For collection ARNs. */
  region?: string;
  accountId?: string;
  /** ServiceQuotaExceededException beyond this many faces in one collection. */
  maxFacesPerCollection?: number;
}

export interface CollectionInfo {
  collection: CollectionRecord;
  faceCount: number;
  userCount: number;
}

export interface IndexFacesOptions {
  externalImageId?: string;
  attributes?: FaceAttributeRequest;
  maxFaces?: number;
  qualityFilter?: QualityFilter;
}

export type UnindexedReason = QualityReason | 'EXCEEDS_MAX_FACES';

export interface IndexFacesResult {
  indexed: { face: StoredFace; detail: AnalyzedFace }[];
  unindexed: { detail: AnalyzedFace; reasons: UnindexedReason[] }[];
  faceModelVersion: string;
}

export interface FaceMatch {
  similarity: number;
  face: StoredFace;
}

export interface SearchOptions {
  maxFaces?: number;
  /** Similarity 0-100. */
  threshold?: number;
  qualityFilter?: QualityFilter;
}

export interface UserMatch {
  similarity: number;
  userId: string;
  status: FaceUserStatus;
}

export interface UserSearchOptions {
  maxUsers?: number;
  threshold?: number;
  qualityFilter?: QualityFilter;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

type UnsuccessfulAssociation = { faceId: string; userId?: string; confidence?: number; reasons: ('FACE_NOT_FOUND' | 'ASSOCIATED_TO_A_DIFFERENT_USER' | 'LOW_MATCH_CONFIDENCE')[] };

const area = (f: AnalyzedFace) => f.box.width * f.box.height;
const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const unique = (xs: readonly string[]) => [...new Set(xs)];
/** A unit-length copy (the engine's embeddings already are; stored ones must be, for dot = cosine). */
const unit = (v: Float32Array) => {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
};

export class CollectionsService {
  private readonly store: FaceRepository;
  private readonly indexes: VectorIndexes;
  private readonly engine: FaceEngine;
  private readonly arnPrefix: string;
  private readonly maxFacesPerCollection: number;

  constructor(o: CollectionsServiceOptions) {
    this.store = o.store;
    this.indexes = o.indexes;
    this.engine = o.engine;
    this.arnPrefix = `arn:aws:rekognition:${o.region ?? 'us-east-1'}:${o.accountId ?? '000000000000'}:collection/`;
    // Rekognition allows 20 million; the in-memory index may hold fewer of this engine's vectors.
    this.maxFacesPerCollection = Math.min(o.maxFacesPerCollection ?? 20_000_000, o.indexes.capacity(o.engine.dimensions));
  }

  // ---- collections ------------------------------------------------------------------------

  createCollection(collectionId: string): CollectionRecord {
    const created = this.store.createCollection({
      collectionId,
      arn: this.arnPrefix + collectionId,
      createdAt: new Date(),
      faceModelVersion: this.engine.faceModelVersion,
      dimensions: this.engine.dimensions,
    });
    if (!created) throw ResourceAlreadyExists(`The collection id: ${collectionId} already exists`);
    return created;
  }

  describeCollection(collectionId: string): CollectionInfo {
    const collection = this.collection(collectionId);
    return { collection, faceCount: this.store.countFaces(collection.key), userCount: this.store.countUsers(collection.key) };
  }

  listCollections(nextToken: string | undefined, maxResults = LIMITS.listCollections): Page<CollectionRecord> {
    const after = nextToken === undefined ? 0 : decodePageToken<number>(nextToken, 'ListCollections', '', 'number');
    const items = this.store.listCollections(after, maxResults + 1);
    return this.page(items, maxResults, (c) => encodePageToken('ListCollections', '', c.key));
  }

  deleteCollection(collectionId: string): void {
    const c = this.collection(collectionId);
    if (!this.store.deleteCollection(collectionId)) throw this.noCollection(collectionId);
    this.indexes.drop(c.key);
  }

  // ---- faces ------------------------------------------------------------------------------

  /**
   * Detects the faces of `img`, keeps those that pass the quality bar (largest first, at most
   * `maxFaces`), and stores them with their embeddings in one transaction: a face is in the
   * collection, and searchable, once this returns, and a crash before that leaves no trace.
   */
  async indexFaces(collectionId: string, img: DecodedImage, o: IndexFacesOptions = {}): Promise<IndexFacesResult> {
    const before = this.searchable(collectionId);
    const detected = await this.engine.analyze(img, { attributes: o.attributes ?? 'DEFAULT', embeddings: true });
    // The collection may have been deleted (or re-created) while the models ran.
    const c = this.collection(collectionId);
    if (c.key !== before.key) throw this.noCollection(collectionId);

    const maxFaces = Math.min(o.maxFaces ?? LIMITS.maxFacesPerImage, LIMITS.maxFacesPerImage);
    const result: IndexFacesResult = { indexed: [], unindexed: [], faceModelVersion: c.faceModelVersion };
    const accepted: AnalyzedFace[] = [];
    for (const face of [...detected].sort((a, b) => area(b) - area(a))) {
      const reasons: UnindexedReason[] = qualityReasons(face, o.qualityFilter ?? 'AUTO', img.width, img.height);
      if (!face.embedding && reasons.length === 0) reasons.push('LOW_FACE_QUALITY');
      if (reasons.length === 0 && accepted.length >= maxFaces) reasons.push('EXCEEDS_MAX_FACES');
      if (reasons.length > 0) result.unindexed.push({ detail: face, reasons });
      else accepted.push(face);
    }
    if (accepted.length === 0) return result;
    if (this.store.countFaces(c.key) + accepted.length > this.maxFacesPerCollection) {
      throw ServiceQuotaExceeded(`Collection ${collectionId} would exceed ${this.maxFacesPerCollection} faces.`);
    }

    const imageId = randomUUID();
    const stored = this.store.insertFaces(
      c.key,
      accepted.map((f) => ({
        faceId: randomUUID(),
        imageId,
        ...(o.externalImageId === undefined ? {} : { externalImageId: o.externalImageId }),
        box: { ...f.box },
        confidence: f.confidence,
        indexFacesModelVersion: c.faceModelVersion,
        embedding: unit(f.embedding!),
      })),
    );
    this.indexes.added(c.key, stored.map((s, i) => ({ seq: s.seq, embedding: accepted[i]!.embedding! })));
    result.indexed = stored.map((face, i) => ({ face, detail: accepted[i]! }));
    return result;
  }

  listFaces(collectionId: string, o: { nextToken?: string; maxResults?: number; userId?: string; faceIds?: readonly string[] } = {}): Page<StoredFace> & { faceModelVersion: string } {
    const c = this.collection(collectionId);
    if (o.userId !== undefined && !this.store.getUser(c.key, o.userId)) throw this.noUser(o.userId, collectionId);
    const max = o.maxResults ?? LIMITS.listFaces;
    const after = o.nextToken === undefined ? 0 : decodePageToken<number>(o.nextToken, 'ListFaces', collectionId, 'number');
    const items = this.store.listFaces(c.key, {
      afterSeq: after,
      limit: max + 1,
      ...(o.userId === undefined ? {} : { userId: o.userId }),
      ...(o.faceIds === undefined ? {} : { faceIds: o.faceIds }),
    });
    return { ...this.page(items, max, (f) => encodePageToken('ListFaces', collectionId, f.seq)), faceModelVersion: c.faceModelVersion };
  }

  /** Deletes faces (disassociating them from their users); unknown ids come back as FACE_NOT_FOUND. */
  deleteFaces(collectionId: string, faceIds: readonly string[]): { deleted: string[]; notFound: string[] } {
    const c = this.collection(collectionId);
    const ids = unique(faceIds);
    const deleted = this.store.deleteFaces(c.key, ids);
    this.indexes.removed(c.key, deleted.map((f) => f.seq));
    const gone = new Set(deleted.map((f) => f.faceId));
    return { deleted: deleted.map((f) => f.faceId), notFound: ids.filter((id) => !gone.has(id)) };
  }

  /** Faces like an indexed face (never the face itself), best first. */
  searchFaces(collectionId: string, faceId: string, o: SearchOptions = {}): { matches: FaceMatch[]; faceModelVersion: string } {
    const c = this.searchable(collectionId);
    const face = this.store.getFaces(c.key, [faceId])[0];
    if (!face) throw ResourceNotFound(`The face id: ${faceId} does not exist in collection ${collectionId}`);
    const query = this.store.embedding(c.key, face.seq)!;
    return { matches: this.faceMatches(c, query, o, face.seq), faceModelVersion: c.faceModelVersion };
  }

  /** Faces like the largest face of `img` that passes the quality bar. */
  async searchFacesByImage(collectionId: string, img: DecodedImage, o: SearchOptions = {}): Promise<{ searched: AnalyzedFace; matches: FaceMatch[]; faceModelVersion: string }> {
    const before = this.searchable(collectionId);
    const { searched } = await this.largestFace(img, o.qualityFilter);
    const c = this.searchable(collectionId);
    if (c.key !== before.key) throw this.noCollection(collectionId);
    return { searched, matches: this.faceMatches(c, searched.embedding!, o), faceModelVersion: c.faceModelVersion };
  }

  /** Faces like an embedding the caller already has (a face found in a video frame). */
  searchFacesByEmbedding(collectionId: string, embedding: Float32Array, o: SearchOptions = {}): FaceMatch[] {
    return this.faceMatches(this.searchable(collectionId), embedding, o);
  }

  // ---- users ------------------------------------------------------------------------------

  createUser(collectionId: string, userId: string): FaceUserRecord {
    const c = this.collection(collectionId);
    const user = this.store.createUser(c.key, userId);
    if (!user) throw Conflict(`A user with the id ${userId} already exists in collection ${collectionId}.`);
    return user;
  }

  deleteUser(collectionId: string, userId: string): void {
    const c = this.collection(collectionId);
    if (!this.store.deleteUser(c.key, userId)) throw this.noUser(userId, collectionId);
  }

  listUsers(collectionId: string, nextToken: string | undefined, maxResults = LIMITS.listUsers): Page<FaceUserRecord> {
    const c = this.collection(collectionId);
    const after = nextToken === undefined ? '' : decodePageToken<string>(nextToken, 'ListUsers', collectionId, 'string');
    const items = this.store.listUsers(c.key, after, maxResults + 1);
    return this.page(items, maxResults, (u) => encodePageToken('ListUsers', collectionId, u.userId));
  }

  /**
   * Associates faces with a user. Once the user has faces, a new face joins only if its best
   * similarity to them reaches `threshold` (default 75); faces already the user's are ignored.
   */
  associateFaces(collectionId: string, userId: string, faceIds: readonly string[], threshold = LIMITS.userMatchThreshold): { associated: string[]; unsuccessful: UnsuccessfulAssociation[]; status: FaceUserStatus } {
    const c = this.searchable(collectionId);
    const user = this.store.getUser(c.key, userId);
    if (!user) throw this.noUser(userId, collectionId);
    if (user.faceCount >= LIMITS.facesPerUser) throw ServiceQuotaExceeded(`User ${userId} already has ${LIMITS.facesPerUser} faces, the most a user can have.`);
    const ids = unique(faceIds);
    const found = new Map(this.store.getFaces(c.key, ids).map((f) => [f.faceId, f]));
    const own = this.store.facesOfUser(c.key, userId).map((f) => this.store.embedding(c.key, f.seq)!);
    const associated: string[] = [];
    const unsuccessful: UnsuccessfulAssociation[] = [];
    for (const id of ids) {
      const f = found.get(id);
      if (!f) unsuccessful.push({ faceId: id, userId, reasons: ['FACE_NOT_FOUND'] });
      else if (f.userId === userId) continue;
      else if (f.userId !== undefined) unsuccessful.push({ faceId: id, userId: f.userId, reasons: ['ASSOCIATED_TO_A_DIFFERENT_USER'] });
      else if (own.length > 0) {
        const e = this.store.embedding(c.key, f.seq)!;
        const similarity = this.engine.similarityFromCosine(Math.max(...own.map((o) => dot(o, e))));
        if (similarity >= threshold) associated.push(id);
        else unsuccessful.push({ faceId: id, userId, confidence: similarity, reasons: ['LOW_MATCH_CONFIDENCE'] });
      } else associated.push(id);
    }
    if (user.faceCount + associated.length > LIMITS.facesPerUser) {
      throw ServiceQuotaExceeded(`User ${userId} has ${user.faceCount} faces; ${associated.length} more would exceed ${LIMITS.facesPerUser}.`);
    }
    const updated = associated.length > 0 ? this.store.associateFaces(c.key, userId, associated) : user;
    return { associated, unsuccessful, status: updated.status };
  }

  disassociateFaces(collectionId: string, userId: string, faceIds: readonly string[]): { disassociated: string[]; unsuccessful: Omit<UnsuccessfulAssociation, 'confidence'>[]; status: FaceUserStatus } {
    const c = this.collection(collectionId);
    const user = this.store.getUser(c.key, userId);
    if (!user) throw this.noUser(userId, collectionId);
    const ids = unique(faceIds);
    const found = new Map(this.store.getFaces(c.key, ids).map((f) => [f.faceId, f]));
    const disassociated: string[] = [];
    const unsuccessful: Omit<UnsuccessfulAssociation, 'confidence'>[] = [];
    for (const id of ids) {
      const f = found.get(id);
      if (!f) unsuccessful.push({ faceId: id, userId, reasons: ['FACE_NOT_FOUND'] });
      else if (f.userId === userId) disassociated.push(id);
      else if (f.userId !== undefined) unsuccessful.push({ faceId: id, userId: f.userId, reasons: ['ASSOCIATED_TO_A_DIFFERENT_USER'] });
    }
    const updated = disassociated.length > 0 ? this.store.disassociateFaces(c.key, userId, disassociated) : user;
    return { disassociated, unsuccessful, status: updated.status };
  }

  /** Users like a face (by FaceId) or like another user (by UserId, never that user itself). */
  searchUsers(collectionId: string, by: { faceId?: string; userId?: string }, o: UserSearchOptions = {}): { matches: UserMatch[]; faceModelVersion: string } {
    const c = this.searchable(collectionId);
    if ((by.faceId === undefined) === (by.userId === undefined)) throw InvalidParameter('Provide exactly one of FaceId and UserId.');
    if (by.faceId !== undefined) {
      const face = this.store.getFaces(c.key, [by.faceId])[0];
      if (!face) throw ResourceNotFound(`The face id: ${by.faceId} does not exist in collection ${collectionId}`);
      return { matches: this.userMatches(c, [this.store.embedding(c.key, face.seq)!], o), faceModelVersion: c.faceModelVersion };
    }
    if (!this.store.getUser(c.key, by.userId!)) throw this.noUser(by.userId!, collectionId);
    const queries = this.store.facesOfUser(c.key, by.userId!).map((f) => this.store.embedding(c.key, f.seq)!);
    return { matches: this.userMatches(c, queries, o, by.userId), faceModelVersion: c.faceModelVersion };
  }

  /** Users like the largest face of `img`; the other faces come back as unsearched. */
  async searchUsersByImage(collectionId: string, img: DecodedImage, o: UserSearchOptions = {}): Promise<{ searched: AnalyzedFace; unsearched: { detail: AnalyzedFace; reasons: (QualityReason | 'FACE_NOT_LARGEST')[] }[]; matches: UserMatch[]; faceModelVersion: string }> {
    const before = this.searchable(collectionId);
    const { searched, others } = await this.largestFace(img, o.qualityFilter);
    const c = this.searchable(collectionId);
    if (c.key !== before.key) throw this.noCollection(collectionId);
    const unsearched = others.map((f) => {
      const reasons: (QualityReason | 'FACE_NOT_LARGEST')[] = qualityReasons(f, o.qualityFilter ?? 'NONE', img.width, img.height);
      if (area(f) <= area(searched)) reasons.unshift('FACE_NOT_LARGEST');
      return { detail: f, reasons };
    });
    return { searched, unsearched, matches: this.userMatches(c, [searched.embedding!], o), faceModelVersion: c.faceModelVersion };
  }

  // ---- helpers ----------------------------------------------------------------------------

  private collection(collectionId: string): CollectionRecord {
    const c = this.store.getCollection(collectionId);
    if (!c) throw this.noCollection(collectionId);
    return c;
  }

  /** A collection whose embeddings this server's face model can be compared with. */
  private searchable(collectionId: string): CollectionRecord {
    const c = this.collection(collectionId);
    if (c.faceModelVersion !== this.engine.faceModelVersion || c.dimensions !== this.engine.dimensions) {
      throw InvalidParameter(
        `Collection ${collectionId} holds embeddings of face model ${c.faceModelVersion}; this server runs ${this.engine.faceModelVersion}, ` +
          'whose embeddings cannot be compared with them. Re-index the faces into a new collection.',
      );
    }
    return c;
  }

  private noCollection(collectionId: string) {
    return ResourceNotFound(`The collection id: ${collectionId} does not exist`);
  }

  private noUser(userId: string, collectionId: string) {
    return ResourceNotFound(`The user id: ${userId} does not exist in collection ${collectionId}`);
  }

  private page<T>(items: T[], max: number, token: (last: T) => string): Page<T> {
    if (items.length <= max) return { items };
    const kept = items.slice(0, max);
    return max > 0 ? { items: kept, nextToken: token(kept[max - 1]!) } : { items: kept };
  }

  /** The largest face of `img` that passes the quality bar, with its embedding; the rest. */
  private async largestFace(img: DecodedImage, filter: QualityFilter = 'NONE'): Promise<{ searched: AnalyzedFace; others: AnalyzedFace[] }> {
    const faces = (await this.engine.analyze(img, { attributes: 'DEFAULT', embeddings: true })).sort((a, b) => area(b) - area(a));
    const searched = faces.find((f) => f.embedding && qualityReasons(f, filter, img.width, img.height).length === 0);
    if (!searched) throw InvalidParameter('There are no faces in the image. Should be at least 1.');
    return { searched, others: faces.filter((f) => f !== searched) };
  }

  /**
   * The best `maxFaces` index matches at or above a cosine, without `exclude`. Asks the index for
   * few neighbours first and more only while every answer clears the threshold, so a search with
   * MaxFaces 4096 costs what its real matches cost.
   */
  private nearest(c: CollectionRecord, query: Float32Array, maxFaces: number, minCosine: number, exclude?: number) {
    const want = maxFaces + (exclude === undefined ? 0 : 1);
    for (let k = Math.min(want, 64); ; k = Math.min(want, k * 4)) {
      const found = this.indexes.search(c.key, c.dimensions, query, k, minCosine);
      if (found.length < k || k >= want) return found.filter((m) => m.id !== exclude).slice(0, maxFaces);
    }
  }

  private faceMatches(c: CollectionRecord, query: Float32Array, o: SearchOptions, exclude?: number): FaceMatch[] {
    const threshold = o.threshold ?? LIMITS.faceMatchThreshold;
    const found = this.nearest(c, query, Math.min(o.maxFaces ?? LIMITS.maxSearchFaces, LIMITS.maxSearchFaces), this.engine.cosineForSimilarity(threshold), exclude);
    const faces = new Map(this.store.facesBySeq(c.key, found.map((m) => m.id)).map((f) => [f.seq, f]));
    return found.flatMap((m) => {
      const face = faces.get(m.id);
      const similarity = this.engine.similarityFromCosine(m.cosine);
      return face && similarity >= threshold ? [{ similarity, face }] : [];
    });
  }

  /** A user's similarity is its best face's; users are ranked by it. */
  private userMatches(c: CollectionRecord, queries: Float32Array[], o: UserSearchOptions, excludeUser?: string): UserMatch[] {
    const threshold = o.threshold ?? LIMITS.searchUsersThreshold;
    const maxUsers = Math.min(o.maxUsers ?? LIMITS.maxSearchUsers, LIMITS.maxSearchUsers);
    const minCosine = this.engine.cosineForSimilarity(threshold);
    const best = new Map<string, number>();
    for (const q of queries) {
      const found = this.nearest(c, q, LIMITS.maxSearchFaces, minCosine);
      const owners = this.store.usersOfFaces(c.key, found.map((m) => m.id));
      for (const m of found) {
        const userId = owners.get(m.id);
        if (userId === undefined || userId === excludeUser) continue;
        best.set(userId, Math.max(best.get(userId) ?? -1, m.cosine));
      }
    }
    return [...best]
      .map(([userId, cosine]) => ({ userId, similarity: this.engine.similarityFromCosine(cosine) }))
      .filter((u) => u.similarity >= threshold)
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, maxUsers)
      .map((u) => ({ ...u, status: this.store.getUser(c.key, u.userId)?.status ?? 'ACTIVE' }));
  }
}
