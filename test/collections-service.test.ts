/**
 * The collections service against the real SQLite store and vector indexes, with a stand-in face
 * engine whose "images" are lists of faces chosen by the test (the real engine is exercised
 * through the SDK in collections.test.ts). This pins down the Rekognition semantics: reasons,
 * defaults, limits, errors, user states.
 */
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteMetadataStore } from '../src/stores/sqlite.js';
import { VectorIndexes } from '../src/stores/vector-index/indexes.js';
import { CollectionsService } from '../src/services/collections.js';
import type { FaceEngine } from '../src/services/face-engine.js';
import type { DecodedImage } from '../src/media/image.js';
import type { AnalyzedFace } from '../src/vision/faces/face.js';
import { ServiceError } from '../src/edge/errors.js';

const DIMS = 16;

/** A unit vector near axis `person` (people are orthogonal; `jitter` moves a photo off the axis). */
function identity(person: number, jitter = 0): Float32Array {
  const v = new Float32Array(DIMS);
  v[person % DIMS] = 1;
  v[(person + 1) % DIMS] = jitter;
  const n = Math.hypot(1, jitter);
  return v.map((x) => x / n);
}

function face(person: number, o: { size?: number; jitter?: number; confidence?: number; yaw?: number } = {}): AnalyzedFace {
  const size = o.size ?? 0.3;
  return {
    box: { left: 0.1, top: 0.1, width: size, height: size },
    confidence: o.confidence ?? 99.9,
    landmarks: [],
    pose: { roll: 0, yaw: o.yaw ?? 0, pitch: 0 },
    quality: { brightness: 80, sharpness: 80 },
    attributes: {},
    embedding: identity(person, o.jitter ?? 0),
  };
}

/** Similarity = 100 * cosine, clamped: easy to reason about in tests. */
class FakeEngine implements FaceEngine {
  readonly dimensions = DIMS;
  constructor(readonly faceModelVersion = 'fake-1') {}
  async analyze(img: DecodedImage): Promise<AnalyzedFace[]> {
    return (img as unknown as { faces: AnalyzedFace[] }).faces;
  }
  similarityFromCosine(c: number) {
    return Math.max(0, Math.min(100, c * 100));
  }
  cosineForSimilarity(s: number) {
    return s / 100;
  }
}

const image = (...faces: AnalyzedFace[]) => ({ width: 1000, height: 800, faces }) as unknown as DecodedImage;

async function errorType(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    assert.ok(e instanceof ServiceError, `not a ServiceError: ${e}`);
    return e.type;
  }
  assert.fail('expected an error');
}

describe('the collections service', () => {
  let store: SqliteMetadataStore;
  let indexes: VectorIndexes;
  let svc: CollectionsService;
  beforeEach(() => {
    store = new SqliteMetadataStore(':memory:');
    indexes = new VectorIndexes(store.faces);
    svc = new CollectionsService({ store: store.faces, indexes, engine: new FakeEngine() });
    svc.createCollection('c');
  });
  afterEach(() => {
    indexes.close();
    store.close();
  });

  it('creates, describes, lists and deletes collections with Rekognition’s errors', async () => {
    assert.equal(await errorType(() => svc.createCollection('c')), 'ResourceAlreadyExistsException');
    assert.equal(await errorType(() => svc.describeCollection('nope')), 'ResourceNotFoundException');
    assert.equal(await errorType(() => svc.deleteCollection('nope')), 'ResourceNotFoundException');
    for (const id of ['d', 'e', 'f']) svc.createCollection(id);
    const d = svc.describeCollection('c');
    assert.deepEqual([d.faceCount, d.userCount, d.collection.faceModelVersion], [0, 0, 'fake-1']);
    assert.match(d.collection.arn, /^arn:aws:rekognition:us-east-1:\d{12}:collection\/c$/);
    const p1 = svc.listCollections(undefined, 3);
    const p2 = svc.listCollections(p1.nextToken, 3);
    assert.deepEqual([...p1.items, ...p2.items].map((c) => c.collectionId), ['c', 'd', 'e', 'f']);
    assert.equal(p2.nextToken, undefined);
    assert.equal(await errorType(() => svc.listCollections('garbage')), 'InvalidPaginationTokenException');
    svc.deleteCollection('d');
    assert.deepEqual(svc.listCollections(undefined).items.map((c) => c.collectionId), ['c', 'e', 'f']);
  });

  it('indexes the largest faces up to MaxFaces and says why the others were not indexed', async () => {
    const r = await svc.indexFaces('c', image(face(1, { size: 0.1 }), face(2, { size: 0.4 }), face(3, { size: 0.2 }), face(4, { confidence: 20 })), {
      maxFaces: 2,
      externalImageId: 'party.jpg',
    });
    // Low-quality faces are filtered out first, then the smallest beyond MaxFaces.
    assert.deepEqual(r.indexed.map((x) => x.detail.box.width), [0.4, 0.2], 'largest first');
    assert.equal(new Set(r.indexed.map((x) => x.face.imageId)).size, 1, 'one ImageId per image');
    assert.ok(r.indexed.every((x) => x.face.externalImageId === 'party.jpg'));
    assert.deepEqual(
      r.unindexed.map((u) => [u.detail.box.width, u.reasons]),
      [
        [0.3, ['LOW_CONFIDENCE']],
        [0.1, ['EXCEEDS_MAX_FACES']],
      ],
    );
    assert.equal(svc.describeCollection('c').faceCount, 2);
    // Quality bars: NONE keeps a tilted, small face, HIGH refuses it with reasons.
    const strict = await svc.indexFaces('c', image(face(5, { size: 0.03, yaw: 50, confidence: 90 })), { qualityFilter: 'HIGH' });
    assert.deepEqual(strict.unindexed[0]!.reasons, ['EXTREME_POSE', 'LOW_CONFIDENCE', 'SMALL_BOUNDING_BOX']);
    const none = await svc.indexFaces('c', image(face(5, { size: 0.03, yaw: 50, confidence: 90 })), { qualityFilter: 'NONE' });
    assert.equal(none.indexed.length, 1);
    assert.equal(await errorType(() => svc.indexFaces('nope', image(face(1)))), 'ResourceNotFoundException');
  });

  it('searches by face id (never answering the face itself) and by image (the largest face), above the threshold', async () => {
    const a1 = (await svc.indexFaces('c', image(face(1)))).indexed[0]!.face;
    const a2 = (await svc.indexFaces('c', image(face(1, { jitter: 0.3 })))).indexed[0]!.face;
    await svc.indexFaces('c', image(face(2)));
    const byId = svc.searchFaces('c', a1.faceId);
    assert.deepEqual(byId.matches.map((m) => m.face.faceId), [a2.faceId]);
    assert.ok(Math.abs(byId.matches[0]!.similarity - 100 / Math.hypot(1, 0.3)) < 1e-3);
    assert.equal(svc.searchFaces('c', a1.faceId, { threshold: 99 }).matches.length, 0);
    const byImage = await svc.searchFacesByImage('c', image(face(2, { size: 0.1 }), face(1, { size: 0.5 })));
    assert.equal(byImage.searched.box.width, 0.5);
    assert.deepEqual(byImage.matches.map((m) => m.face.faceId), [a1.faceId, a2.faceId]);
    assert.equal((await svc.searchFacesByImage('c', image(face(1)), { maxFaces: 1 })).matches.length, 1);
    assert.equal(await errorType(() => svc.searchFacesByImage('c', image())), 'InvalidParameterException');
    assert.equal(await errorType(() => svc.searchFaces('c', '00000000-0000-0000-0000-000000000000')), 'ResourceNotFoundException');
  });

  it('deletes faces, reporting unknown ones, and forgets them in searches', async () => {
    const [x, y] = (await svc.indexFaces('c', image(face(1), face(1, { jitter: 0.1, size: 0.2 })))).indexed.map((r) => r.face);
    const missing = '11111111-1111-1111-1111-111111111111';
    assert.deepEqual(svc.deleteFaces('c', [x!.faceId, missing]), { deleted: [x!.faceId], notFound: [missing] });
    assert.deepEqual(svc.searchFaces('c', y!.faceId).matches, []);
    assert.equal(svc.listFaces('c').items.length, 1);
  });

  it('pages ListFaces with tokens bound to their collection', async () => {
    for (let i = 0; i < 5; i++) await svc.indexFaces('c', image(face(i)));
    svc.createCollection('other');
    const p1 = svc.listFaces('c', { maxResults: 2 });
    const p2 = svc.listFaces('c', { maxResults: 2, nextToken: p1.nextToken! });
    const p3 = svc.listFaces('c', { maxResults: 2, nextToken: p2.nextToken! });
    assert.equal(p3.nextToken, undefined);
    assert.equal(new Set([...p1.items, ...p2.items, ...p3.items].map((f) => f.faceId)).size, 5);
    assert.equal(await errorType(() => svc.listFaces('other', { nextToken: p1.nextToken! })), 'InvalidPaginationTokenException');
    assert.equal(await errorType(() => svc.listFaces('c', { userId: 'nobody' })), 'ResourceNotFoundException');
  });

  it('refuses to compare embeddings of another face model', async () => {
    await svc.indexFaces('c', image(face(1)));
    const upgraded = new CollectionsService({ store: store.faces, indexes, engine: new FakeEngine('fake-2') });
    assert.equal(await errorType(() => upgraded.indexFaces('c', image(face(1)))), 'InvalidParameterException');
    assert.equal(await errorType(() => upgraded.searchFacesByImage('c', image(face(1)))), 'InvalidParameterException');
    assert.equal(await errorType(() => upgraded.searchFaces('c', svc.listFaces('c').items[0]!.faceId)), 'InvalidParameterException');
    assert.equal(upgraded.describeCollection('c').faceCount, 1, 'describing and listing still work');
  });

  describe('users', () => {
    it('go from CREATED to ACTIVE and back as faces are associated and disassociated', async () => {
      const [f1, f2] = (await svc.indexFaces('c', image(face(1), face(1, { jitter: 0.2, size: 0.2 })))).indexed.map((r) => r.face);
      assert.equal(svc.createUser('c', 'alice').status, 'CREATED');
      assert.equal(await errorType(() => svc.createUser('c', 'alice')), 'ConflictException');
      const a = svc.associateFaces('c', 'alice', [f1!.faceId, f2!.faceId]);
      assert.deepEqual([a.associated, a.status], [[f1!.faceId, f2!.faceId], 'ACTIVE']);
      assert.deepEqual(svc.associateFaces('c', 'alice', [f1!.faceId]).associated, [], 'faces already the user’s are ignored');
      const d = svc.disassociateFaces('c', 'alice', [f1!.faceId, f2!.faceId]);
      assert.deepEqual([d.disassociated.length, d.status], [2, 'CREATED']);
      assert.deepEqual(svc.listUsers('c', undefined).items.map((u) => [u.userId, u.status]), [['alice', 'CREATED']]);
      svc.deleteUser('c', 'alice');
      assert.equal(await errorType(() => svc.deleteUser('c', 'alice')), 'ResourceNotFoundException');
    });

    it('refuse faces that do not match, are missing or belong to someone else, saying why', async () => {
      const [a1, a2, b1] = (await svc.indexFaces('c', image(face(1, { size: 0.5 }), face(1, { jitter: 0.5, size: 0.4 }), face(2, { size: 0.3 })))).indexed.map((r) => r.face);
      svc.createUser('c', 'alice');
      svc.createUser('c', 'bob');
      svc.associateFaces('c', 'bob', [b1!.faceId]);
      svc.associateFaces('c', 'alice', [a1!.faceId]);
      const missing = '22222222-2222-2222-2222-222222222222';
      const r = svc.associateFaces('c', 'alice', [a2!.faceId, b1!.faceId, missing], 95);
      assert.deepEqual(r.associated, []);
      assert.deepEqual(
        r.unsuccessful.map((u) => [u.faceId, u.userId, u.reasons[0], u.confidence === undefined ? undefined : Math.round(u.confidence)]),
        [
          [a2!.faceId, 'alice', 'LOW_MATCH_CONFIDENCE', 89],
          [b1!.faceId, 'bob', 'ASSOCIATED_TO_A_DIFFERENT_USER', undefined],
          [missing, 'alice', 'FACE_NOT_FOUND', undefined],
        ],
      );
      assert.deepEqual(svc.associateFaces('c', 'alice', [a2!.faceId]).associated, [a2!.faceId], 'the default threshold 75 lets it in');
      assert.equal(await errorType(() => svc.associateFaces('c', 'nobody', [a1!.faceId])), 'ResourceNotFoundException');
    });

    it('hold at most 100 faces', async () => {
      svc.createUser('c', 'many');
      const ids: string[] = [];
      for (let i = 0; i < 101; i++) ids.push((await svc.indexFaces('c', image(face(3, { jitter: i / 1000 })))).indexed[0]!.face.faceId);
      assert.equal(svc.associateFaces('c', 'many', ids.slice(0, 100)).associated.length, 100);
      assert.equal(await errorType(() => svc.associateFaces('c', 'many', ids.slice(100))), 'ServiceQuotaExceededException');
    });

    it('are found by face, by user (never the user itself) and by image, scored by their best face', async () => {
      const faces = (await svc.indexFaces('c', image(face(1, { size: 0.5 }), face(1, { jitter: 0.4, size: 0.4 }), face(2, { size: 0.3 }), face(1, { jitter: 0.2, size: 0.2 })))).indexed.map((r) => r.face);
      svc.createUser('c', 'alice');
      svc.createUser('c', 'alice-twin');
      svc.createUser('c', 'bob');
      svc.associateFaces('c', 'alice', [faces[0]!.faceId, faces[1]!.faceId]);
      svc.associateFaces('c', 'bob', [faces[2]!.faceId]);
      svc.associateFaces('c', 'alice-twin', [faces[3]!.faceId]);
      const byFace = svc.searchUsers('c', { faceId: faces[1]!.faceId });
      assert.deepEqual(byFace.matches.map((m) => [m.userId, Math.round(m.similarity), m.status]), [
        ['alice', 100, 'ACTIVE'],
        ['alice-twin', 98, 'ACTIVE'],
      ]);
      const byUser = svc.searchUsers('c', { userId: 'alice' });
      assert.deepEqual(byUser.matches.map((m) => m.userId), ['alice-twin']);
      const byImage = await svc.searchUsersByImage('c', image(face(2, { size: 0.1 }), face(1, { size: 0.6 })));
      assert.deepEqual(byImage.matches.map((m) => m.userId), ['alice', 'alice-twin']);
      assert.deepEqual(byImage.unsearched.map((u) => u.reasons), [['FACE_NOT_LARGEST']]);
      assert.equal(await errorType(() => svc.searchUsers('c', {})), 'InvalidParameterException');
      // Deleting a user's face leaves the user, without it.
      svc.deleteFaces('c', [faces[2]!.faceId]);
      assert.equal(svc.listUsers('c', undefined).items.find((u) => u.userId === 'bob')?.status, 'CREATED');
    });
  });
});
