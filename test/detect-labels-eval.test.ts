import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import { DetectLabelsCommand } from '@aws-sdk/client-rekognition';
import { startTestServer, EVAL_DATA, hasEvalData, NO_EVAL_DATA, type TestServer } from './helpers/server.js';
import { COCO_CLASSES, labelForCocoClass } from '../src/vision/taxonomy.js';
import { iou } from '../src/vision/boxes.js';

const PEOPLE_VEHICLES_ANIMALS = new Set(['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck', 'train', 'boat', 'airplane', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe']);

describe('DetectLabels against ground truth', { skip: !hasEvalData && NO_EVAL_DATA }, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  it('finds most people, vehicles and animals of coco8 with boxes at IoU >= 0.5, with Parents and Categories', async () => {
    const root = join(EVAL_DATA, 'coco8-yolo');
    let truths = 0;
    let matched = 0;
    const misses: string[] = [];
    for (const split of ['train', 'val']) {
      for (const file of readdirSync(join(root, 'images', split))) {
        const labelFile = join(root, 'labels', split, file.replace(/\.jpg$/, '.txt'));
        if (!existsSync(labelFile)) continue;
        const r = await t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: readFileSync(join(root, 'images', split, file)) } }));
        for (const l of r.Labels ?? []) {
          if (l.Instances?.length) assert.ok(l.Categories!.length > 0, `${l.Name} has categories`);
        }
        for (const line of readFileSync(labelFile, 'utf8').trim().split('\n')) {
          const [c, cx, cy, w, h] = line.split(/\s+/).map(Number) as [number, number, number, number, number];
          if (!PEOPLE_VEHICLES_ANIMALS.has(COCO_CLASSES[c]!)) continue;
          truths++;
          const name = labelForCocoClass(c).name;
          const truth = { left: cx - w / 2, top: cy - h / 2, width: w, height: h };
          const label = r.Labels?.find((l) => l.Name === name);
          const hit = label?.Instances?.some((i) => iou(truth, { left: i.BoundingBox!.Left!, top: i.BoundingBox!.Top!, width: i.BoundingBox!.Width!, height: i.BoundingBox!.Height! }) >= 0.5);
          if (hit) matched++;
          else misses.push(`${basename(file)}:${name}`);
        }
      }
    }
    const recall = matched / truths;
    console.log(`coco8 people/vehicles/animals: ${matched}/${truths} found at IoU>=0.5 (recall ${(recall * 100).toFixed(1)} %); missed ${misses.join(' ')}`);
    assert.ok(truths > 10);
    assert.ok(recall >= 0.5, `recall ${recall}`);
  });

  it('sees the expected objects in the classic photos', async () => {
    const dir = join(EVAL_DATA, 'labels-classics-unannotated');
    const expect: Record<string, string[]> = { 'bus.jpg': ['Bus', 'Person'], 'dog.jpg': ['Dog', 'Bicycle'], 'giraffe.jpg': ['Giraffe', 'Zebra'], 'horses.jpg': ['Horse'], 'zidane.jpg': ['Person'], 'eagle.jpg': ['Bird'] };
    for (const [file, names] of Object.entries(expect)) {
      const r = await t.rekognition.send(new DetectLabelsCommand({ Image: { Bytes: readFileSync(join(dir, file)) } }));
      const got = new Set(r.Labels!.map((l) => l.Name));
      for (const n of names) assert.ok(got.has(n), `${file}: expected ${n}, got ${[...got].join(', ')}`);
      assert.ok(got.has('Animal') || !names.some((n) => ['Dog', 'Giraffe', 'Horse', 'Bird'].includes(n)), `${file}: animals carry the Animal parent`);
    }
  });
});
