/** TagResource, UntagResource, ListTagsForResource and the Tags of Create calls, through the official SDK. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateCollectionCommand, CreateProjectCommand, DeleteCollectionCommand, ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-rekognition';
import { startTestServer, type TestServer } from './helpers/server.js';
import { errorOf } from './helpers/errors.js';

describe('tags', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer({ warmUp: false })));
  after(async () => t.close());

  it('tags a collection at creation and after; untags; forgets them when the collection is deleted', async () => {
    const rk = t.rekognition;
    const { CollectionArn } = await rk.send(new CreateCollectionCommand({ CollectionId: 'tagged', Tags: { team: 'door', env: 'test' } }));
    const list = async () => (await rk.send(new ListTagsForResourceCommand({ ResourceArn: CollectionArn }))).Tags;
    assert.deepEqual(await list(), { env: 'test', team: 'door' });
    await rk.send(new TagResourceCommand({ ResourceArn: CollectionArn, Tags: { env: 'prod', owner: 'ana' } }));
    assert.deepEqual(await list(), { env: 'prod', owner: 'ana', team: 'door' });
    await rk.send(new UntagResourceCommand({ ResourceArn: CollectionArn, TagKeys: ['team', 'not-there'] }));
    assert.deepEqual(await list(), { env: 'prod', owner: 'ana' });

    const tooMany = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
    const e = await errorOf(rk.send(new TagResourceCommand({ ResourceArn: CollectionArn, Tags: tooMany })));
    assert.equal(e.name, 'ServiceQuotaExceededException');
    assert.match(e.message, /at most 50 tags/);

    await rk.send(new DeleteCollectionCommand({ CollectionId: 'tagged' }));
    assert.equal((await errorOf(list())).name, 'ResourceNotFoundException');
    await rk.send(new CreateCollectionCommand({ CollectionId: 'tagged' }));
    assert.deepEqual(await list(), {}, 'a collection made again under the old ARN starts untagged');
  });

  it('tags a Custom Labels project; an ARN that names nothing is ResourceNotFoundException', async () => {
    const { ProjectArn } = await t.rekognition.send(new CreateProjectCommand({ ProjectName: 'tagged-project', Tags: { cost: 'lab' } }));
    assert.deepEqual((await t.rekognition.send(new ListTagsForResourceCommand({ ResourceArn: ProjectArn }))).Tags, { cost: 'lab' });
    const e = await errorOf(t.rekognition.send(new TagResourceCommand({ ResourceArn: 'arn:aws:rekognition:us-east-1:000000000000:collection/none', Tags: { a: 'b' } })));
    assert.equal(e.name, 'ResourceNotFoundException');
  });
});
