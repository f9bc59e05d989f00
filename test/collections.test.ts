/**
 * Face collections and users through the official SDK, against the real face engine and the
 * Big Bang Theory photos of eval-data (bbt4: six people posed, Amy top left; bbt1: four men).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  AssociateFacesCommand,
  CreateCollectionCommand,
  CreateUserCommand,
  DeleteCollectionCommand,
  DeleteFacesCommand,
  DeleteUserCommand,
  DescribeCollectionCommand,
  DisassociateFacesCommand,
  IndexFacesCommand,
  ListCollectionsCommand,
  ListFacesCommand,
  ListUsersCommand,
  SearchFacesByImageCommand,
  SearchFacesCommand,
  SearchUsersByImageCommand,
  SearchUsersCommand,
  type IndexFacesResponse,
} from '@aws-sdk/client-rekognition';
import { startTestServer, EVAL_DATA, hasEvalData, NO_EVAL_DATA, type TestServer } from './helpers/server.js';
import { errorOf } from './helpers/errors.js';

const group = (n: number) => readFileSync(join(EVAL_DATA, 'faces-bbt-identities', 'group', `bbt${n}.jpg`));
/** A 150x150 portrait of the identity set, enlarged onto a 640x480 canvas: a photo of one person, not a tight crop. */
async function portrait(who: string, n: number): Promise<Buffer> {
  const face = await sharp(readFileSync(join(EVAL_DATA, 'faces-bbt-identities', 'identities', who, `${who}${n}.png`))).resize(240, 240).toBuffer();
  return sharp({ create: { width: 640, height: 480, channels: 3, background: '#808080' } }).composite([{ input: face, left: 200, top: 120 }]).jpeg({ quality: 95 }).toBuffer();
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function noFace(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="640" height="480" fill="#8ec5ff"/><circle cx="520" cy="90" r="50" fill="#ffd93b"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg().toBuffer();
}

describe('face collections and users through the official SDK', { skip: !hasEvalData && NO_EVAL_DATA }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'argus-collections-'));
  let t: TestServer;
  let bbt4: IndexFacesResponse;
  let amyFaceId: string;
  let amy2: Buffer;
  const send = (command: unknown) => t.rekognition.send(command as never) as Promise<unknown>;

  before(async () => {
    t = await startTestServer({ warmUp: false, dataDir });
    amy2 = await portrait('amy', 2);
    await t.rekognition.send(new CreateCollectionCommand({ CollectionId: 'bbt' }));
    bbt4 = await t.rekognition.send(new IndexFacesCommand({ CollectionId: 'bbt', Image: { Bytes: group(4) }, ExternalImageId: 'bbt4.jpg' }));
    const amy = bbt4.FaceRecords!.find((r) => r.Face!.BoundingBox!.Left! < 0.3 && r.Face!.BoundingBox!.Top! < 0.3);
    assert.ok(amy, 'Amy is top left in bbt4');
    amyFaceId = amy.Face!.FaceId!;
  });
  after(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('CreateCollection answers the ARN and the face model, once', async () => {
    const r = await t.rekognition.send(new CreateCollectionCommand({ CollectionId: 'second' }));
    assert.equal(r.StatusCode, 200);
    assert.match(r.CollectionArn!, /^arn:aws:rekognition:[a-z0-9-]+:\d{12}:collection\/second$/);
    assert.ok(r.FaceModelVersion);
    const e = await errorOf(t.rekognition.send(new CreateCollectionCommand({ CollectionId: 'second' })));
    assert.equal(e.name, 'ResourceAlreadyExistsException');
    const list = await t.rekognition.send(new ListCollectionsCommand({}));
    assert.deepEqual(list.CollectionIds, ['bbt', 'second']);
    assert.deepEqual(list.FaceModelVersions, [r.FaceModelVersion, r.FaceModelVersion]);
    assert.equal((await t.rekognition.send(new DeleteCollectionCommand({ CollectionId: 'second' }))).StatusCode, 200);
  });

  it('IndexFaces stores the six faces of a group photo under one ImageId, largest first, with their FaceDetail', () => {
    const records = bbt4.FaceRecords!;
    assert.equal(records.length, 6);
    assert.equal(new Set(records.map((r) => r.Face!.ImageId)).size, 1);
    const areas = records.map((r) => r.Face!.BoundingBox!.Width! * r.Face!.BoundingBox!.Height!);
    assert.deepEqual(areas, [...areas].sort((a, b) => b - a));
    for (const r of records) {
      assert.match(r.Face!.FaceId!, UUID);
      assert.match(r.Face!.ImageId!, UUID);
      assert.equal(r.Face!.ExternalImageId, 'bbt4.jpg');
      assert.ok(r.Face!.Confidence! > 50);
      assert.deepEqual(r.FaceDetail!.BoundingBox, r.Face!.BoundingBox);
      assert.equal(r.FaceDetail!.Landmarks!.length, 30);
      assert.ok(r.FaceDetail!.Pose && r.FaceDetail!.Quality);
    }
    assert.deepEqual(bbt4.UnindexedFaces, []);
    assert.ok(bbt4.FaceModelVersion);
  });

  it('IndexFaces with MaxFaces keeps the largest faces and reports the others as EXCEEDS_MAX_FACES', async () => {
    const r = await t.rekognition.send(new IndexFacesCommand({ CollectionId: 'bbt', Image: { Bytes: group(1) }, MaxFaces: 2, QualityFilter: 'NONE' }));
    assert.equal(r.FaceRecords!.length, 2);
    assert.equal(r.UnindexedFaces!.length, 2);
    for (const u of r.UnindexedFaces!) assert.deepEqual(u.Reasons, ['EXCEEDS_MAX_FACES']);
    const smallestIndexed = Math.min(...r.FaceRecords!.map((f) => f.Face!.BoundingBox!.Width!));
    for (const u of r.UnindexedFaces!) assert.ok(u.FaceDetail!.BoundingBox!.Width! <= smallestIndexed);
    const d = await t.rekognition.send(new DescribeCollectionCommand({ CollectionId: 'bbt' }));
    assert.equal(d.FaceCount, 8);
    await t.rekognition.send(new DeleteFacesCommand({ CollectionId: 'bbt', FaceIds: r.FaceRecords!.map((f) => f.Face!.FaceId!) }));
  });

  it('ListFaces pages through the collection with NextToken and refuses a forged token', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await t.rekognition.send(new ListFacesCommand({ CollectionId: 'bbt', MaxResults: 4, NextToken: token }));
      assert.ok(page.Faces!.length <= 4);
      for (const f of page.Faces!) {
        assert.ok(f.IndexFacesModelVersion);
        seen.push(f.FaceId!);
      }
      token = page.NextToken;
    } while (token);
    assert.deepEqual(seen.sort(), bbt4.FaceRecords!.map((r) => r.Face!.FaceId!).sort());
    const e = await errorOf(t.rekognition.send(new ListFacesCommand({ CollectionId: 'bbt', NextToken: 'not-a-token' })));
    assert.equal(e.name, 'InvalidPaginationTokenException');
  });

  it('SearchFacesByImage finds Amy in the group from another photo of her, and no one else', async () => {
    const r = await t.rekognition.send(new SearchFacesByImageCommand({ CollectionId: 'bbt', Image: { Bytes: amy2 } }));
    assert.ok(r.SearchedFaceConfidence! > 50 && r.SearchedFaceBoundingBox!.Width! > 0);
    assert.deepEqual(r.FaceMatches!.map((m) => m.Face!.FaceId), [amyFaceId]);
    assert.ok(r.FaceMatches![0]!.Similarity! >= 80);
    assert.equal(r.FaceMatches![0]!.Face!.ExternalImageId, 'bbt4.jpg');
    const all = await t.rekognition.send(new SearchFacesByImageCommand({ CollectionId: 'bbt', Image: { Bytes: amy2 }, FaceMatchThreshold: 0, MaxFaces: 3 }));
    assert.equal(all.FaceMatches!.length, 3);
    assert.equal(all.FaceMatches![0]!.Face!.FaceId, amyFaceId);
  });

  it('SearchFaces compares an indexed face with the others, never with itself', async () => {
    const r = await t.rekognition.send(new SearchFacesCommand({ CollectionId: 'bbt', FaceId: amyFaceId, FaceMatchThreshold: 0 }));
    assert.equal(r.SearchedFaceId, amyFaceId);
    assert.equal(r.FaceMatches!.length, 5);
    assert.ok(r.FaceMatches!.every((m) => m.Face!.FaceId !== amyFaceId && m.Similarity! < 80));
  });

  it('users collect faces that match them, are searched by face, user and image, and go away', async () => {
    await t.rekognition.send(new CreateUserCommand({ CollectionId: 'bbt', UserId: 'amy' }));
    assert.equal((await errorOf(t.rekognition.send(new CreateUserCommand({ CollectionId: 'bbt', UserId: 'amy' })))).name, 'ConflictException');
    const first = await t.rekognition.send(new AssociateFacesCommand({ CollectionId: 'bbt', UserId: 'amy', FaceIds: [amyFaceId] }));
    assert.deepEqual([first.AssociatedFaces, first.UserStatus], [[{ FaceId: amyFaceId }], 'ACTIVE']);

    const amy2Id = (await t.rekognition.send(new IndexFacesCommand({ CollectionId: 'bbt', Image: { Bytes: amy2 }, ExternalImageId: 'amy2' }))).FaceRecords![0]!.Face!.FaceId!;
    const someoneElse = bbt4.FaceRecords!.find((r) => r.Face!.FaceId !== amyFaceId)!.Face!.FaceId!;
    const missing = '00000000-0000-4000-8000-000000000000';
    const second = await t.rekognition.send(new AssociateFacesCommand({ CollectionId: 'bbt', UserId: 'amy', FaceIds: [amy2Id, someoneElse, missing] }));
    assert.deepEqual(second.AssociatedFaces, [{ FaceId: amy2Id }]);
    const refused = new Map(second.UnsuccessfulFaceAssociations!.map((u) => [u.FaceId, u]));
    assert.deepEqual(refused.get(someoneElse)!.Reasons, ['LOW_MATCH_CONFIDENCE']);
    assert.ok(refused.get(someoneElse)!.Confidence! < 75);
    assert.deepEqual(refused.get(missing)!.Reasons, ['FACE_NOT_FOUND']);

    const listed = await t.rekognition.send(new ListFacesCommand({ CollectionId: 'bbt', UserId: 'amy' }));
    assert.deepEqual(listed.Faces!.map((f) => [f.FaceId, f.UserId]), [[amyFaceId, 'amy'], [amy2Id, 'amy']]);
    assert.deepEqual((await t.rekognition.send(new ListUsersCommand({ CollectionId: 'bbt' }))).Users, [{ UserId: 'amy', UserStatus: 'ACTIVE' }]);

    const byImage = await t.rekognition.send(new SearchUsersByImageCommand({ CollectionId: 'bbt', Image: { Bytes: amy2 } }));
    assert.deepEqual(byImage.UserMatches!.map((m) => [m.User!.UserId, m.User!.UserStatus]), [['amy', 'ACTIVE']]);
    assert.ok(byImage.UserMatches![0]!.Similarity! > 99, 'the same photo is associated with her');
    assert.ok(byImage.SearchedFace!.FaceDetail!.BoundingBox);
    const byFace = await t.rekognition.send(new SearchUsersCommand({ CollectionId: 'bbt', FaceId: amy2Id }));
    assert.equal(byFace.SearchedFace!.FaceId, amy2Id);
    assert.equal(byFace.UserMatches![0]!.User!.UserId, 'amy');
    const byUser = await t.rekognition.send(new SearchUsersCommand({ CollectionId: 'bbt', UserId: 'amy' }));
    assert.deepEqual([byUser.SearchedUser, byUser.UserMatches], [{ UserId: 'amy' }, []]);

    const d = await t.rekognition.send(new DisassociateFacesCommand({ CollectionId: 'bbt', UserId: 'amy', FaceIds: [amy2Id] }));
    assert.deepEqual([d.DisassociatedFaces, d.UserStatus], [[{ FaceId: amy2Id }], 'ACTIVE']);
    await t.rekognition.send(new DeleteUserCommand({ CollectionId: 'bbt', UserId: 'amy' }));
    assert.equal((await errorOf(t.rekognition.send(new DeleteUserCommand({ CollectionId: 'bbt', UserId: 'amy' })))).name, 'ResourceNotFoundException');
    const after = await t.rekognition.send(new ListFacesCommand({ CollectionId: 'bbt', FaceIds: [amyFaceId] }));
    assert.equal(after.Faces![0]!.UserId, undefined, 'deleting a user keeps its faces');

    const del = await t.rekognition.send(new DeleteFacesCommand({ CollectionId: 'bbt', FaceIds: [amy2Id, missing] }));
    assert.deepEqual(del.DeletedFaces, [amy2Id]);
    assert.deepEqual(del.UnsuccessfulFaceDeletions, [{ FaceId: missing, Reasons: ['FACE_NOT_FOUND'] }]);
  });

  it('answers Rekognition’s errors for unknown collections and images without a face', async () => {
    for (const cmd of [
      new DescribeCollectionCommand({ CollectionId: 'nope' }),
      new IndexFacesCommand({ CollectionId: 'nope', Image: { Bytes: group(4) } }),
      new ListFacesCommand({ CollectionId: 'nope' }),
      new SearchFacesCommand({ CollectionId: 'bbt', FaceId: '00000000-0000-4000-8000-000000000000' }),
      new ListUsersCommand({ CollectionId: 'nope' }),
      new DeleteCollectionCommand({ CollectionId: 'nope' }),
    ]) {
      assert.equal((await errorOf(send(cmd))).name, 'ResourceNotFoundException', cmd.constructor.name);
    }
    const e = await errorOf(t.rekognition.send(new SearchFacesByImageCommand({ CollectionId: 'bbt', Image: { Bytes: await noFace() } })));
    assert.equal(e.name, 'InvalidParameterException');
    const none = await t.rekognition.send(new IndexFacesCommand({ CollectionId: 'bbt', Image: { Bytes: await noFace() } }));
    assert.deepEqual([none.FaceRecords, none.UnindexedFaces], [[], []]);
  });

  it('keeps the collection across a restart', async () => {
    await t.close(); // the data folder is ours, so it stays
    t = await startTestServer({ warmUp: false, dataDir });
    const d = await t.rekognition.send(new DescribeCollectionCommand({ CollectionId: 'bbt' }));
    assert.equal(d.FaceCount, 6);
    const r = await t.rekognition.send(new SearchFacesCommand({ CollectionId: 'bbt', FaceId: amyFaceId, FaceMatchThreshold: 0, MaxFaces: 1 }));
    assert.equal(r.FaceMatches!.length, 1);
    await t.rekognition.send(new DeleteCollectionCommand({ CollectionId: 'bbt' }));
    assert.equal((await errorOf(t.rekognition.send(new DescribeCollectionCommand({ CollectionId: 'bbt' })))).name, 'ResourceNotFoundException');
  });
});
