/**
 * The web console end to end, in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against a real Argus on 127.0.0.1: the console signs its calls with the keys typed
 * at login, through the official AWS SDK, like any other client.
 * ARGUS_SCREENSHOTS=1 writes a screenshot of each page into docs/screenshots/ (for the README).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { get } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeDatasetCommand, DescribeProjectsCommand, ListDatasetEntriesCommand } from '@aws-sdk/client-rekognition';
import { startTestServer, TEST_KEY, EVAL_DATA, hasEvalData, NO_EVAL_DATA, type TestServer } from './helpers/server.js';
import { shapeImage } from './helpers/shapes.js';
import { makeVideo } from './helpers/video.js';
import { writeManifest } from '../src/vision/custom-labels/manifest.js';

const CHROMIUM = process.env.ARGUS_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENSHOTS = process.env.ARGUS_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : undefined;
// CI installs Chromium (.ci/run): there a missing browser fails; elsewhere the test skips and says why.
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `no Chromium at ${CHROMIUM} (apt-get install chromium, or set ARGUS_CHROMIUM)` : false;

function rawGet(url: string): Promise<{ status: number; body: string }> {
  const { host, port } = new URL(url);
  const path = url.slice(url.indexOf('/', 'http://'.length));
  return new Promise((resolve, reject) => {
    get({ host: host.split(':')[0], port, path }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** A portrait of the identity set on a larger canvas: a photo of one person (as test/collections.test.ts makes them). */
async function portrait(who: string, n: number): Promise<Buffer> {
  const face = await sharp(readFileSync(join(EVAL_DATA, 'faces-bbt-identities', 'identities', who, `${who}${n}.png`))).resize(240, 240).toBuffer();
  return sharp({ create: { width: 640, height: 480, channels: 3, background: '#808080' } }).composite([{ input: face, left: 200, top: 120 }]).jpeg({ quality: 95 }).toBuffer();
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe('console static files', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ warmUp: false });
  });
  after(async () => {
    await t?.close();
  });

  it('serves the console only to unsigned requests, and nothing outside its folder', async () => {
    const root = await fetch(`${t.argus.url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/console/');
    const index = await fetch(`${t.argus.url}/console/faces`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type')!, /text\/html/);
    const html = await index.text();
    const asset = /src="\/console\/(assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${t.argus.url}/console/${asset}`);
    assert.match(js.headers.get('content-type')!, /javascript/);
    assert.match(js.headers.get('cache-control')!, /immutable/);
    // Sent as written (fetch would resolve the dots itself).
    for (const bad of ['/console/..%2f..%2fpackage.json', '/console/%2e%2e/%2e%2e/package.json', '/console/../../package.json', '/console/assets/nope.js']) {
      const res = await rawGet(`${t.argus.url}${bad}`);
      assert.ok(res.status === 400 || res.status === 404, `${bad}: ${res.status}`);
      assert.doesNotMatch(res.body, /"name": "argus"/);
    }
    // A signed request for /console/ is S3: a bucket may be called `console`.
    const presigned = await rawGet(`${t.argus.url}/console/index.html?X-Amz-Signature=0&X-Amz-Credential=x`);
    assert.ok(presigned.status >= 400 && /<Error>/.test(presigned.body), `${presigned.status} ${presigned.body}`);
    await t.s3.send(new CreateBucketCommand({ Bucket: 'console' }));
    await t.s3.send(new PutObjectCommand({ Bucket: 'console', Key: 'index.html', Body: 'mine' }));
    const mine = await t.s3.send(new GetObjectCommand({ Bucket: 'console', Key: 'index.html' }));
    assert.equal(await mine.Body!.transformToString(), 'mine');
  });
});

describe('web console in headless Chromium', { skip }, () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  before(async () => {
    t = await startTestServer({ warmUp: false });
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(60_000);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('refuses a wrong key with the API\'s message, then logs in', async () => {
    await page.goto(`${t.argus.url}/`);
    await page.fill('input[name=accessKeyId]', TEST_KEY.accessKeyId);
    await page.fill('input[name=secretAccessKey]', 'wrong-secret');
    await page.click('button[type=submit]');
    const error = await page.locator('.error').textContent();
    assert.match(error!, /signature/i);
    await screenshot(page, 'login');
    await page.fill('input[name=secretAccessKey]', TEST_KEY.secretAccessKey);
    await page.click('button[type=submit]');
    await page.locator('header nav').waitFor();
    assert.equal(await page.locator('.error').count(), 0);
  });

  it('analyses a photo: boxes drawn with names and confidences, the slider filters, JSON and CLI shown', { skip: !hasEvalData && NO_EVAL_DATA }, async () => {
    await page.click('nav >> text=Analyse');
    await page.setInputFiles('input[name=analyse-image]', join(EVAL_DATA, 'labels-classics-unannotated', 'bus.jpg'));
    await page.locator('.shape-box').first().waitFor();
    const tags = await page.locator('.shape-tag').allTextContents();
    assert.ok(tags.some((x) => /^Bus \d+\.\d%$/.test(x)), tags.join(' | '));
    assert.ok(tags.some((x) => /^Person /.test(x)), tags.join(' | '));
    assert.match((await page.locator('.cli code').textContent())!, /^aws rekognition detect-labels --image-bytes fileb:\/\/bus\.jpg .*--endpoint-url http:\/\/127\.0\.0\.1:\d+/);
    await screenshot(page, 'analyse');
    const before = await page.locator('.shape-box').count();
    await page.locator('input[aria-label="minimum confidence"]').fill('99');
    assert.ok((await page.locator('.shape-box').count()) < before);
    await page.locator('input[aria-label="minimum confidence"]').fill('50');
    await page.click('text=Raw JSON');
    assert.match((await page.locator('pre.json').textContent())!, /"Labels"/);
    // An object in a bucket: the CLI command names it instead of the bytes.
    await t.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    await t.s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'street/bus.jpg', Body: readFileSync(join(EVAL_DATA, 'labels-classics-unannotated', 'bus.jpg')) }));
    await page.reload();
    await page.selectOption('.picker select[aria-label=bucket]', 'photos');
    await page.fill('.picker input[aria-label="object key"]', 'street/bus.jpg');
    await page.click('.picker button:text-is("Load")');
    await page.locator('.cli code', { hasText: '"S3Object":{"Bucket":"photos","Name":"street/bus.jpg"}' }).waitFor();
    assert.ok((await page.locator('.shape-box').count()) > 0);
    await page.selectOption('select[aria-label=operation]', 'DetectFaces');
    await page.setInputFiles('input[name=analyse-image]', join(EVAL_DATA, 'faces-bbt-identities', 'group', 'bbt4.jpg'));
    await page.locator('.shape-point').first().waitFor();
    assert.ok((await page.locator('.shape-tag', { hasText: /^Face \d/ }).count()) >= 2);
  });

  it('builds a face collection, indexes a face, finds it by searching with another photo, compares two faces', { skip: !hasEvalData && NO_EVAL_DATA }, async () => {
    await page.click('nav >> text=Faces');
    await page.fill('input[aria-label="new collection id"]', 'friends');
    await page.click('text=Create');
    await page.locator('.collection h2', { hasText: 'friends' }).waitFor();
    await page.setInputFiles('input[name=index-image]', { name: 'penny1.jpg', mimeType: 'image/jpeg', buffer: await portrait('penny', 1) });
    await page.locator('.indexed', { hasText: 'Indexed 1 face(s)' }).waitFor();
    await page.setInputFiles('input[name=index-image]', { name: 'sheldon1.jpg', mimeType: 'image/jpeg', buffer: await portrait('sheldon', 1) });
    await page.locator('.faces .thumb', { hasText: 'sheldon1.jpg' }).waitFor();
    assert.equal(await page.locator('.faces .thumb canvas').count(), 2, 'both faces cropped from their photos');
    await page.setInputFiles('input[name=search-image]', { name: 'penny2.jpg', mimeType: 'image/jpeg', buffer: await portrait('penny', 2) });
    const match = page.locator('.matches .thumb').first();
    await match.waitFor();
    assert.match((await match.textContent())!, /^\d+\.\d% penny1\.jpg$/);
    await page.setInputFiles('input[name=compare-source]', { name: 'penny3.jpg', mimeType: 'image/jpeg', buffer: await portrait('penny', 3) });
    await page.setInputFiles('input[name=compare-target]', { name: 'group.jpg', mimeType: 'image/jpeg', buffer: readFileSync(join(EVAL_DATA, 'faces-bbt-identities', 'group', 'bbt4.jpg')) });
    await page.locator('.similarity').waitFor();
    await screenshot(page, 'faces');
    // A user, and a face associated with it.
    await page.fill('input[aria-label="new user id"]', 'penny');
    await page.click('text=Create user');
    await page.locator('.faces .thumb', { hasText: 'penny1.jpg' }).locator('input[type=checkbox]').check();
    await page.click('text=Associate with user');
    await page.locator('.faces .thumb', { hasText: 'user: penny' }).waitFor();
  });

  it('buckets: creates a bucket, uploads an object, browses and deletes it', async () => {
    page.on('dialog', (d) => void d.accept());
    await page.click('nav >> text=Buckets');
    await page.fill('input[aria-label="new bucket name"]', 'uploads');
    await page.click('text=Create');
    await page.click('.list a >> text=uploads');
    await page.setInputFiles('input[name=upload]', [
      { name: 'disc.jpg', mimeType: 'image/jpeg', buffer: await shapeImage('disc', 1) },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') },
    ]);
    await page.locator('.objects td', { hasText: 'notes.txt' }).waitFor();
    const listed = await t.s3.send(new ListObjectsV2Command({ Bucket: 'uploads' }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), ['disc.jpg', 'notes.txt']);
    await screenshot(page, 'buckets');
    await page.locator('.objects tr', { hasText: 'notes.txt' }).locator('button', { hasText: 'Delete' }).click();
    await page.locator('.objects td', { hasText: 'notes.txt' }).waitFor({ state: 'detached' });
    assert.deepEqual((await t.s3.send(new ListObjectsV2Command({ Bucket: 'uploads' }))).Contents?.map((o) => o.Key), ['disc.jpg']);
    // Deleting a bucket that is not empty shows S3's own error in words.
    await page.locator('.list li', { hasText: 'uploads' }).locator('button', { hasText: 'Delete' }).click();
    assert.match((await page.locator('.error').first().textContent())!, /BucketNotEmpty/);
  });

  it('Custom Labels: labels images with keys and boxes, trains, reads the evaluation, runs the model on an image', { timeout: 180_000 }, async () => {
    const started = Date.now();
    await page.click('nav >> text=Buckets');
    await page.fill('input[aria-label="new bucket name"]', 'shapes');
    await page.click('text=Create');
    await page.locator('.list a', { hasText: 'shapes' }).waitFor();

    await page.click('nav >> text=Custom Labels');
    await page.fill('input[aria-label="new project name"]', 'shapes');
    await page.click('text=Create project');
    const train = page.locator('.dataset-train');
    await train.locator('text=Create an empty TRAIN dataset').click();
    await train.locator('.stats').waitFor();
    await train.locator('select[aria-label="image bucket"]').selectOption('shapes');
    const files = [];
    for (let i = 0; i < 10; i++) for (const kind of ['disc', 'square'] as const) files.push({ name: `${kind}${i}.jpg`, mimeType: 'image/jpeg', buffer: await shapeImage(kind, i) });
    await page.setInputFiles('input[name=add-images-train]', files);
    await train.locator('.progress', { hasText: 'Added 20 image(s).' }).waitFor();
    assert.match((await train.locator('.stats').textContent())!, /20 images, 0 labelled/);

    // Image-level labels, one key per image, j for the next one.
    await train.locator('text=Label images').click();
    for (const name of ['disc', 'square']) {
      await page.fill('input[aria-label="new label"]', name);
      await page.click('text=Add label');
    }
    await page.locator('.label-svg').waitFor();
    for (let i = 0; i < files.length; i++) {
      await page.locator('.position', { hasText: `Image ${i + 1} of 20` }).waitFor();
      await page.keyboard.press(files[i]!.name.startsWith('disc') ? '1' : '2');
      if (i < files.length - 1) await page.keyboard.press('j');
    }
    await page.keyboard.press('k');
    await page.locator('.position', { hasText: 'Image 19 of 20' }).waitFor();
    await page.keyboard.press('ArrowRight');
    await page.locator('.position', { hasText: 'Image 20 of 20' }).waitFor();

    // Boxes: b switches mode, drag draws with the current label, drag moves, a corner resizes, Delete removes.
    await page.keyboard.press('b');
    await page.keyboard.press('2');
    const svg = page.locator('.label-svg');
    await page.locator('.label-svg image').waitFor();
    const r = (await svg.boundingBox())!;
    await page.mouse.move(r.x + r.width * 0.2, r.y + r.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(r.x + r.width * 0.4, r.y + r.height * 0.4, { steps: 4 });
    await page.mouse.move(r.x + r.width * 0.5, r.y + r.height * 0.6, { steps: 4 });
    await page.mouse.up();
    const box = page.locator('.label-svg .box rect');
    assert.equal(await box.count(), 1);
    const x0 = Number(await box.getAttribute('x'));
    await page.mouse.move(r.x + r.width * 0.35, r.y + r.height * 0.4);
    await page.mouse.down();
    await page.mouse.move(r.x + r.width * 0.45, r.y + r.height * 0.4, { steps: 4 });
    await page.mouse.up();
    const x1 = Number(await box.getAttribute('x'));
    assert.ok(x1 > x0 + 10, `moved from ${x0} to ${x1}`);
    const handle = (await page.locator('.label-svg .handle').nth(3).boundingBox())!;
    const w0 = Number(await box.getAttribute('width'));
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + 40, handle.y + handle.height / 2, { steps: 4 });
    await page.mouse.up();
    assert.ok(Number(await box.getAttribute('width')) > w0, 'resized wider');
    await screenshot(page, 'custom-labels-labelling');
    await page.click('button:text-is("Save")');
    await page.locator('.status', { hasText: 'Saved square9.jpg' }).waitFor();
    const DatasetArn = (await t.rekognition.send(new DescribeProjectsCommand({ ProjectNames: ['shapes'] }))).ProjectDescriptions![0]!.Datasets![0]!.DatasetArn!;
    const { DatasetDescription } = await t.rekognition.send(new DescribeDatasetCommand({ DatasetArn }));
    assert.equal(DatasetDescription!.DatasetStats!.LabeledEntries, 20);
    const lines = (await t.rekognition.send(new ListDatasetEntriesCommand({ DatasetArn, SourceRefContains: 'square9' }))).DatasetEntries!;
    const saved = JSON.parse(lines[0]!);
    assert.equal(saved['bounding-box'].annotations.length, 1);
    assert.equal(saved['bounding-box-metadata']['class-map'][String(saved['bounding-box'].annotations[0].class_id)], 'square');
    // Remove the box again: this project trains a classifier.
    await page.keyboard.press('Delete');
    assert.equal(await box.count(), 0);
    await page.click('button:text-is("Save")');
    await page.locator('.status', { hasText: 'Saved square9.jpg' }).waitFor();
    await page.locator('button', { hasText: /^Save$/ }).and(page.locator('[disabled]')).waitFor();

    // A TEST dataset from a Ground Truth manifest in the bucket.
    const test = [];
    for (let i = 20; i < 24; i++) {
      const kind = i % 2 ? 'square' : 'disc';
      await t.s3.send(new PutObjectCommand({ Bucket: 'shapes', Key: `test/${kind}${i}.jpg`, Body: await shapeImage(kind, i) }));
      test.push({ sourceRef: `s3://shapes/test/${kind}${i}.jpg`, labels: [kind] });
    }
    await t.s3.send(new PutObjectCommand({ Bucket: 'shapes', Key: 'test.manifest', Body: writeManifest(test) }));
    await page.click('.tabs >> text=Datasets');
    const testSet = page.locator('.dataset-test');
    await testSet.locator('select[aria-label="manifest bucket"]').selectOption('shapes');
    await testSet.locator('input[aria-label="manifest key"]').fill('test.manifest');
    await testSet.locator('text=Create from manifest').click();
    await testSet.locator('.stats', { hasText: '4 images, 4 labelled, 2 labels' }).waitFor();

    // Train, watching DescribeProjectVersions.
    await page.click('.tabs >> text=Models');
    await page.locator('select[aria-label="output bucket"]').selectOption('shapes');
    await page.click('button:text-is("Train")');
    const row = page.locator('.versions tr[data-version=v1]');
    await row.locator('.status', { hasText: 'TRAINING_IN_PROGRESS' }).waitFor();
    await screenshot(page, 'custom-labels-training');
    await row.locator('.status', { hasText: /TRAINING_COMPLETED|TRAINING_FAILED/ }).waitFor({ timeout: 150_000 });
    assert.match((await row.locator('.status').textContent())!, /TRAINING_COMPLETED/);
    const trainedIn = Date.now();

    await row.locator('text=Evaluation').click();
    const evaluation = page.locator('.evaluation');
    await evaluation.locator('.per-label tbody tr').first().waitFor();
    assert.deepEqual((await evaluation.locator('.per-label tbody tr td:first-child').allTextContents()).sort(), ['disc', 'square']);
    assert.match((await evaluation.locator('.aggregate').textContent())!, /20 training and 4 test images/);
    assert.equal(await evaluation.locator('.confusion tbody tr').count(), 2);
    assert.equal(await evaluation.locator('.pr-curve polyline').count(), 1);
    const slider = evaluation.locator('input[aria-label=threshold]');
    await slider.fill('0.01');
    const low = await evaluation.locator('.at-threshold').textContent();
    await slider.fill('0.99');
    assert.notEqual(await evaluation.locator('.at-threshold').textContent(), low, 'the slider moves precision and recall');
    assert.ok((await evaluation.locator('.per-image tbody tr').count()) >= 1);
    await screenshot(page, 'custom-labels-evaluation');

    await row.locator('button:text-is("Start")').click();
    await row.locator('.status', { hasText: 'RUNNING' }).waitFor();
    await row.locator('text=Try it').click();
    await page.setInputFiles('input[name=analyse-image]', { name: 'disc.jpg', mimeType: 'image/jpeg', buffer: await shapeImage('disc', 101) });
    await page.locator('.findings tbody tr').first().waitFor();
    assert.equal(await page.locator('.findings tbody tr td:first-child').first().textContent(), 'disc');
    await page.locator('input[aria-label="minimum confidence"]').fill('0');
    assert.deepEqual((await page.locator('.findings tbody tr td:first-child').allTextContents()).sort(), ['disc', 'square'], 'MinConfidence 0 lists every label');
    await screenshot(page, 'custom-labels-try');

    // Pre-labels from the running model: take the first image's label off, then let the model put it back.
    await page.click('.tabs >> text=Label images');
    await page.locator('select[aria-label="pre-label model"]').waitFor();
    await page.locator('.label-svg image').waitFor();
    await page.keyboard.press('1');
    await page.locator('.label-chip.on').waitFor({ state: 'detached' });
    await page.keyboard.press('p');
    await page.locator('.status', { hasText: /^The model found disc \d+%/ }).waitFor();
    assert.equal(await page.locator('.label-chip.on').textContent(), '1 disc');
    console.log(`custom labels: ${Math.round((trainedIn - started) / 1000)} s to label and train, ${Math.round((Date.now() - started) / 1000)} s in all`);
  });

  it('health shows the version and each model with its backend and state', async () => {
    await page.click('nav >> text=Health');
    await page.locator('.models tbody tr').first().waitFor();
    const health = (await (await fetch(`${t.argus.url}/health`)).json()) as { version: string; models: { id: string }[] };
    assert.match((await page.locator('.facts').textContent())!, new RegExp(`Version${health.version.replace(/\./g, '\\.')}`));
    const ids = await page.locator('.models tbody tr td:first-child').allTextContents();
    assert.ok(health.models.every((m) => ids.includes(m.id)), ids.join(', '));
    await screenshot(page, 'health');
  });

  it('video: starts jobs on a video in a bucket, follows them, shows the timeline and the people over the frame', { timeout: 120_000 }, async () => {
    const started = Date.now();
    const dir = mkdtempSync(join(tmpdir(), 'argus-console-video-'));
    await t.s3.send(new CreateBucketCommand({ Bucket: 'videos' }));
    await t.s3.send(new PutObjectCommand({ Bucket: 'videos', Key: 'clip.mp4', Body: readFileSync(makeVideo(join(dir, 'clip.mp4'))) }));
    rmSync(dir, { recursive: true, force: true });
    await page.click('nav >> text=Video');
    await page.locator('select[aria-label="video bucket"]').selectOption('videos');
    await page.fill('input[aria-label="video key"]', 'clip.mp4');
    for (const kind of ['segments', 'people']) {
      await page.locator('select[aria-label=analysis]').selectOption(kind);
      await page.click('button:text-is("Start")');
    }
    const rows = page.locator('.jobs tbody tr');
    assert.equal(await rows.count(), 2);
    for (const row of [rows.nth(1), rows.nth(0)]) {
      await row.locator('.status', { hasText: /SUCCEEDED|FAILED/ }).waitFor({ timeout: 100_000 });
      assert.match((await row.locator('.status').textContent())!, /SUCCEEDED/);
    }
    await rows.nth(1).locator('text=View').click();
    await page.locator('.timeline-row', { hasText: 'Shot' }).waitFor();
    assert.equal(await page.locator('.timeline-row', { hasText: 'Shot' }).locator('.timeline-span').count(), 3, 'black, then two pictures');
    await rows.nth(0).locator('text=View').click();
    await page.locator('.timeline-row', { hasText: 'Person' }).first().waitFor();
    // Seeking from the timeline draws that moment's people, with their paths so far.
    await page.locator('.timeline-row', { hasText: 'Person' }).first().locator('.timeline-mark').last().click();
    await page.locator('.video-results .shape-box').first().waitFor();
    assert.ok((await page.locator('.video-results polyline').count()) >= 1);
    await screenshot(page, 'video');
    // The jobs are remembered by this browser.
    await page.reload();
    assert.equal(await page.locator('.jobs tbody tr').count(), 2);
    console.log(`video: ${Math.round((Date.now() - started) / 1000)} s`);
  });

  it('logs out: the keys are gone and the console asks for them again', async () => {
    await page.click('text=Log out');
    await page.locator('input[name=accessKeyId]').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.goto(`${t.argus.url}/console/faces`);
    await page.locator('input[name=accessKeyId]').waitFor();
  });
});
