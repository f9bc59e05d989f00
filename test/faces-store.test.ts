import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SqliteMetadataStore } from '../src/stores/sqlite.js';
import type { CollectionRecord, NewFace } from '../src/stores/metadata.js';
import { VectorIndexes } from '../src/stores/vector-index/indexes.js';

const DIMS = 8;

function newFace(imageId = randomUUID(), i = 0): NewFace {
  const embedding = new Float32Array(DIMS);
  embedding[i % DIMS] = 1;
  return {
    faceId: randomUUID(),
    imageId,
    externalImageId: 'photo.jpg',
    box: { width: 0.2, height: 0.3, left: 0.1, top: 0.1 },
    confidence: 99.5,
    indexFacesModelVersion: 'test-1',
    embedding,
  };
}

const collection = (store: SqliteMetadataStore, id = 'staff'): CollectionRecord =>
  store.faces.createCollection({ collectionId: id, arn: `arn:aws:rekognition:us-east-1:000000000000:collection/${id}`, createdAt: new Date(), faceModelVersion: 'test-1', dimensions: DIMS })!;

describe('the face repository in SQLite', () => {
  let store: SqliteMetadataStore;
  beforeEach(() => {
    store = new SqliteMetadataStore(':memory:');
  });
  afterEach(() => store.close());

  it('creates a collection once and lists collections in creation order, page by page', () => {
    const a = collection(store, 'b-first');
    assert.equal(store.faces.createCollection({ ...a }), undefined, 'a second collection with the same id is refused');
    collection(store, 'a-second');
    collection(store, 'c-third');
    const first = store.faces.listCollections(0, 2);
    assert.deepEqual(first.map((c) => c.collectionId), ['b-first', 'a-second']);
    const rest = store.faces.listCollections(first[1]!.key, 2);
    assert.deepEqual(rest.map((c) => c.collectionId), ['c-third']);
    assert.equal(store.faces.getCollection('b-first')?.faceModelVersion, 'test-1');
  });

  it('stores the faces of one call with increasing sequence numbers and returns their embeddings as stored', () => {
    const c = collection(store);
    const imageId = randomUUID();
    const faces = [newFace(imageId, 0), newFace(imageId, 1), newFace(imageId, 2)];
    const stored = store.faces.insertFaces(c.key, faces);
    assert.equal(stored.length, 3);
    assert.ok(stored[0]!.seq < stored[1]!.seq && stored[1]!.seq < stored[2]!.seq);
    assert.deepEqual(store.faces.embedding(c.key, stored[1]!.seq), faces[1]!.embedding);
    assert.equal(store.faces.countFaces(c.key), 3);
    const [got] = store.faces.getFaces(c.key, [faces[2]!.faceId]);
    assert.deepEqual(got, { seq: stored[2]!.seq, faceId: faces[2]!.faceId, imageId, externalImageId: 'photo.jpg', box: faces[2]!.box, confidence: 99.5, indexFacesModelVersion: 'test-1' });
  });

  it('writes all faces of a call or none: a failing row rolls the whole call back', () => {
    const c = collection(store);
    const dup = newFace();
    store.faces.insertFaces(c.key, [dup]);
    assert.throws(() => store.faces.insertFaces(c.key, [newFace(), { ...newFace(), faceId: dup.faceId }]), /UNIQUE/);
    assert.equal(store.faces.countFaces(c.key), 1);
  });

  it('never reuses a sequence number, even after the newest face is deleted', () => {
    const c = collection(store);
    const [a] = store.faces.insertFaces(c.key, [newFace()]);
    store.faces.deleteFaces(c.key, [a!.faceId]);
    const [b] = store.faces.insertFaces(c.key, [newFace()]);
    assert.ok(b!.seq > a!.seq);
  });

  it('pages ListFaces by sequence number and filters by face ids and by user', () => {
    const c = collection(store);
    const stored = store.faces.insertFaces(c.key, Array.from({ length: 7 }, (_, i) => newFace(undefined, i)));
    const page1 = store.faces.listFaces(c.key, { limit: 3 });
    const page2 = store.faces.listFaces(c.key, { limit: 3, afterSeq: page1[2]!.seq });
    const page3 = store.faces.listFaces(c.key, { limit: 3, afterSeq: page2[2]!.seq });
    assert.deepEqual([...page1, ...page2, ...page3].map((f) => f.faceId), stored.map((f) => f.faceId));
    const wanted = [stored[5]!.faceId, stored[1]!.faceId];
    assert.deepEqual(store.faces.listFaces(c.key, { limit: 10, faceIds: wanted }).map((f) => f.faceId), [stored[1]!.faceId, stored[5]!.faceId]);
    store.faces.createUser(c.key, 'alice');
    store.faces.associateFaces(c.key, 'alice', [stored[3]!.faceId, stored[4]!.faceId]);
    assert.deepEqual(store.faces.listFaces(c.key, { limit: 10, userId: 'alice' }).map((f) => [f.faceId, f.userId]), [
      [stored[3]!.faceId, 'alice'],
      [stored[4]!.faceId, 'alice'],
    ]);
  });

  it('keeps a user CREATED without faces and ACTIVE with them', () => {
    const c = collection(store);
    const [f1, f2] = store.faces.insertFaces(c.key, [newFace(), newFace()]);
    assert.equal(store.faces.createUser(c.key, 'bob')?.status, 'CREATED');
    assert.equal(store.faces.createUser(c.key, 'bob'), undefined, 'a user id is unique in its collection');
    const active = store.faces.associateFaces(c.key, 'bob', [f1!.faceId, f2!.faceId]);
    assert.deepEqual([active.status, active.faceCount], ['ACTIVE', 2]);
    const one = store.faces.disassociateFaces(c.key, 'bob', [f1!.faceId]);
    assert.deepEqual([one.status, one.faceCount], ['ACTIVE', 1]);
    assert.equal(store.faces.usersOfFaces(c.key, [f1!.seq, f2!.seq]).get(f2!.seq), 'bob');
    assert.equal(store.faces.usersOfFaces(c.key, [f1!.seq]).size, 0);
    // DeleteFaces unassociates the face and leaves the user without faces.
    store.faces.deleteFaces(c.key, [f2!.faceId]);
    assert.deepEqual([store.faces.getUser(c.key, 'bob')?.status, store.faces.getUser(c.key, 'bob')?.faceCount], ['CREATED', 0]);
  });

  it('deleting a user keeps its faces, unassociated', () => {
    const c = collection(store);
    const [f] = store.faces.insertFaces(c.key, [newFace()]);
    store.faces.createUser(c.key, 'carol');
    store.faces.associateFaces(c.key, 'carol', [f!.faceId]);
    assert.equal(store.faces.deleteUser(c.key, 'carol'), true);
    assert.equal(store.faces.deleteUser(c.key, 'carol'), false);
    assert.equal(store.faces.getFaces(c.key, [f!.faceId])[0]?.userId, undefined);
  });

  it('deleting a collection deletes its faces and users, and no other collection’s', () => {
    const a = collection(store, 'a');
    const b = collection(store, 'b');
    store.faces.insertFaces(a.key, [newFace(), newFace()]);
    store.faces.insertFaces(b.key, [newFace()]);
    store.faces.createUser(a.key, 'u1');
    store.faces.createUser(b.key, 'u1');
    assert.equal(store.faces.deleteCollection('a'), true);
    assert.equal(store.faces.deleteCollection('a'), false);
    assert.equal(store.faces.countFaces(a.key), 0);
    assert.equal(store.faces.countUsers(a.key), 0);
    assert.equal(store.faces.countFaces(b.key), 1);
    assert.equal(store.faces.countUsers(b.key), 1);
    const again = collection(store, 'a');
    assert.ok(again.key > b.key, 'a re-created collection gets a new key');
  });

  it('streams a collection’s sequence numbers and embeddings in order, across pages', () => {
    const c = collection(store);
    const n = 5000;
    const stored = store.faces.insertFaces(c.key, Array.from({ length: n }, (_, i) => newFace(undefined, i)));
    assert.deepEqual([...store.faces.faceSeqs(c.key)], stored.map((f) => f.seq));
    const after = stored[99]!.seq;
    const tail = [...store.faces.embeddingsAfter(c.key, after)];
    assert.equal(tail.length, n - 100);
    assert.equal(tail[0]!.seq, stored[100]!.seq);
    assert.equal(tail[0]!.embedding[100 % DIMS], 1);
  });
});

describe('a process killed in the middle of IndexFaces', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'argus-crash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loses no acknowledged face and leaves no call half-written', async () => {
    const dbPath = join(dir, 'metadata.sqlite');
    const store = new SqliteMetadataStore(dbPath);
    collection(store);
    store.close();

    // A child process indexes 4-face "images" as fast as it can and acknowledges each call on
    // stdout after its transaction commits; it is killed with SIGKILL mid-stream.
    const storeModule = new URL('../src/stores/sqlite.js', import.meta.url).href;
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      import { SqliteMetadataStore } from ${JSON.stringify(storeModule)};
      import { randomUUID } from 'node:crypto';
      const store = new SqliteMetadataStore(${JSON.stringify(dbPath)});
      const c = store.faces.getCollection('staff');
      for (let i = 0; ; i++) {
        const imageId = randomUUID();
        const faces = Array.from({ length: 4 }, (_, j) => ({ faceId: randomUUID(), imageId, box: { width: 0.1, height: 0.1, left: 0, top: 0 },
          confidence: 99, indexFacesModelVersion: 'test-1', embedding: Float32Array.from({ length: ${DIMS} }, (_, d) => (d === (i + j) % ${DIMS} ? 1 : 0)) }));
        const stored = store.faces.insertFaces(c.key, faces);
        process.stdout.write(imageId + ' ' + stored.map((f) => f.faceId).join(',') + '\\n');
      }`]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const acked = out.split('\n').filter((l) => /^\S+ \S+$/.test(l)).map((l) => l.split(' ')[1]!.split(','));
    assert.ok(acked.length > 10, `the child acknowledged only ${acked.length} calls`);
    const reopened = new SqliteMetadataStore(dbPath);
    try {
      const c = reopened.faces.getCollection('staff')!;
      const all = reopened.faces.listFaces(c.key, { limit: 1_000_000 });
      const present = new Set(all.map((f) => f.faceId));
      for (const ids of acked) for (const id of ids) assert.ok(present.has(id), `acknowledged face ${id} is missing`);
      const perImage = new Map<string, number>();
      for (const f of all) perImage.set(f.imageId, (perImage.get(f.imageId) ?? 0) + 1);
      for (const [imageId, n] of perImage) assert.equal(n, 4, `image ${imageId} has ${n} of its 4 faces`);
      // The vector index built from what survived agrees with the store.
      const indexes = new VectorIndexes(reopened.faces, { dir: join(dir, 'vectors') });
      assert.equal(indexes.get(c.key, DIMS).size, all.length);
      indexes.close();
    } finally {
      reopened.close();
    }
  });
});
