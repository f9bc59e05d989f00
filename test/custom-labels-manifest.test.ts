/**
 * Ground Truth manifests (both formats, per-line errors) and the VOC / COCO / YOLO / folder
 * importers: inline fixtures always, the eval-data sets when they are present.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  DETECTION_TYPE,
  CLASSIFICATION_TYPE,
  MANIFEST_LIMITS,
  entryLabels,
  manifestKind,
  parseManifest,
  parseManifestLine,
  trainingProblems,
  writeManifest,
  writeManifestLine,
  type ManifestEntry,
} from '../src/vision/custom-labels/manifest.js';
import { parseVocXml, vocEntry, importVocFolder } from '../src/vision/custom-labels/importers/voc.js';
import { importCoco } from '../src/vision/custom-labels/importers/coco.js';
import { parseYoloClasses, parseYoloLabels, importYoloFolder } from '../src/vision/custom-labels/importers/yolo.js';
import { importLabelFolders, labelFolderEntries } from '../src/vision/custom-labels/importers/folders.js';
import { detectFormat, importAnnotations } from '../src/vision/custom-labels/importers/index.js';
import { EVAL_DATA, hasEvalData, NO_EVAL_DATA } from './helpers/eval-data.js';

const DOC_DETECTION = `{"source-ref":"s3://bucket/images/IMG_1186.png","bounding-box":{"image_size":[{"width":640,"height":480,"depth":3}],"annotations":[{"class_id":1,"top":251,"left":399,"width":155,"height":101},{"class_id":0,"top":65,"left":86,"width":220,"height":334}]},"bounding-box-metadata":{"objects":[{"confidence":1},{"confidence":1}],"class-map":{"0":"Echo","1":"Echo Dot"},"type":"groundtruth/object-detection","human-annotated":"yes","creation-date":"2013-11-18T02:53:27","job-name":"my job"}}`;
const DOC_MULTI = `{"source-ref":"s3://b/1.jpg","sport0":0,"sport0-metadata":{"class-name":"football","confidence":0.8,"type":"groundtruth/image-classification","human-annotated":"yes","creation-date":"2018-10-18T22:18:13.527256"},"sport1":1,"sport1-metadata":{"class-name":"ball","confidence":0.8,"type":"groundtruth/image-classification","human-annotated":"yes","creation-date":"2018-10-18T22:18:13.527256"}}`;

const VOC = `<annotation><folder>images</folder><filename>cat &amp; dog.jpg</filename>
  <size><width>200</width><height>100</height><depth>3</depth></size>
  <object><name>cat</name><difficult>0</difficult><bndbox><xmin>10</xmin><ymin>20</ymin><xmax>60</xmax><ymax>90</ymax></bndbox></object>
  <object><name>dog</name><bndbox><xmin>150</xmin><ymin>0</ymin><xmax>230</xmax><ymax>50</ymax></bndbox>
    <part><name>head</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></part></object>
</annotation>`;

describe('Ground Truth manifest lines', () => {
  it('reads the documented object-detection line', () => {
    const l = parseManifestLine(DOC_DETECTION, 1);
    assert.deepEqual(l.errors, []);
    assert.equal(l.entry!.sourceRef, 's3://bucket/images/IMG_1186.png');
    assert.deepEqual(l.entry!.detection!.imageSize, { width: 640, height: 480, depth: 3 });
    assert.deepEqual(l.entry!.detection!.boxes, [
      { label: 'Echo Dot', left: 399, top: 251, width: 155, height: 101 },
      { label: 'Echo', left: 86, top: 65, width: 220, height: 334 },
    ]);
    assert.deepEqual(entryLabels(l.entry!), ['Echo Dot', 'Echo']);
  });

  it('reads multi-label classification, as attribute pairs and as Ground Truth multilabel', () => {
    assert.deepEqual(parseManifestLine(DOC_MULTI, 1).entry!.labels, ['football', 'ball']);
    const gt = `{"source-ref":"s3://b/2.png","cls":[0,2],"cls-metadata":{"class-map":{"0":"cat","1":"dog","2":"bird"},"type":"groundtruth/image-classification-multilabel","human-annotated":"yes"}}`;
    const l = parseManifestLine(gt, 1);
    assert.deepEqual(l.errors, []);
    assert.deepEqual(l.entry!.labels, ['cat', 'bird']);
  });

  it('writes lines that read back to the same entries, with the documented metadata', () => {
    const entries: ManifestEntry[] = [
      { sourceRef: 's3://b/a.jpg', labels: ['healthy', 'leaf'] },
      { sourceRef: 's3://b/b.png', labels: [], detection: { imageSize: { width: 100, height: 80, depth: 3 }, boxes: [{ label: 'bolt', left: 1, top: 2, width: 30, height: 40 }, { label: 'nut', left: 50, top: 10, width: 20, height: 20 }, { label: 'bolt', left: 60, top: 40, width: 10, height: 10 }] } },
      { sourceRef: 's3://b/c.jpg', labels: [], detection: { imageSize: { width: 100, height: 80, depth: 3 }, boxes: [] } },
    ];
    const text = writeManifest(entries, { jobName: 'job', creationDate: '2024-01-02T03:04:05' });
    const { lines, errors } = parseManifest(text);
    assert.deepEqual(errors, []);
    assert.deepEqual(lines.map((l) => l.entry), entries);
    const cls = JSON.parse(text.split('\n')[0]!) as Record<string, Record<string, unknown>>;
    const meta = cls['job_healthy-metadata']!;
    assert.deepEqual(meta, { confidence: 1, 'class-name': 'healthy', 'human-annotated': 'yes', 'creation-date': '2024-01-02T03:04:05', type: CLASSIFICATION_TYPE, 'job-name': 'job' });
    const det = JSON.parse(text.split('\n')[1]!) as Record<string, Record<string, unknown>>;
    assert.deepEqual(det['bounding-box-metadata']!['class-map'], { '0': 'bolt', '1': 'nut' });
    assert.equal(det['bounding-box-metadata']!.type, DETECTION_TYPE);
    assert.equal((det['bounding-box-metadata']!.objects as unknown[]).length, 3);
    assert.deepEqual((det['bounding-box'] as { annotations: { class_id: number }[] }).annotations.map((a) => a.class_id), [0, 1, 0]);
  });

  it('reports each bad line with its number and reason, and keeps the good ones', () => {
    const good = writeManifestLine({ sourceRef: 's3://b/ok.jpg', labels: ['a'] });
    const many = writeManifestLine({ sourceRef: 's3://b/many.jpg', labels: Array.from({ length: 51 }, (_, i) => `l${i}`) });
    const text = [
      good,
      '{not json',
      '',
      '{"bounding-box":{}}',
      DOC_DETECTION.replace('"class_id":1', '"class_id":7'),
      DOC_DETECTION.replace('"left":399', '"left":600'),
      good.replace('ok.jpg', 'anim.gif'),
      many,
      '{"source-ref":"s3://b/unlabelled.jpg"}',
    ].join('\n');
    const { lines, errors } = parseManifest(text);
    assert.equal(lines.length, 8, 'the blank line is skipped');
    const codes = Object.fromEntries(errors.map((e) => [e.line, e.code]));
    assert.deepEqual(codes, {
      2: 'ERROR_INVALID_JSON_LINE',
      4: 'ERROR_MISSING_SOURCE_REF',
      5: 'ERROR_MISSING_CLASS_MAP_ID',
      6: 'ERROR_INVALID_BOUNDING_BOX',
      7: 'ERROR_INVALID_IMAGE_FORMAT',
      8: 'ERROR_TOO_MANY_LABELS_PER_IMAGE',
    });
    assert.deepEqual(lines[0]!.errors, []);
    assert.deepEqual(lines[7]!.errors, [], 'a line without labels is a valid unlabelled entry');
    assert.deepEqual(lines[7]!.entry, { sourceRef: 's3://b/unlabelled.jpg', labels: [] });
    // The bad box is dropped; the other box of the line still reads.
    assert.deepEqual(lines[4]!.entry!.detection!.boxes.map((b) => b.label), ['Echo']);
  });

  it('knows Rekognition’s training limits', () => {
    const one: ManifestEntry[] = [{ sourceRef: 's3://b/1.jpg', labels: ['x'] }];
    assert.equal(trainingProblems(one, 'classification').length, 1);
    assert.deepEqual(trainingProblems([...one, { sourceRef: 's3://b/2.jpg', labels: ['y'] }], 'classification'), []);
    const det: ManifestEntry[] = [{ sourceRef: 's3://b/1.jpg', labels: [], detection: { imageSize: { width: 10, height: 10, depth: 3 }, boxes: [{ label: 'x', left: 0, top: 0, width: 5, height: 5 }] } }];
    assert.deepEqual(trainingProblems(det, 'detection'), []);
    assert.equal(manifestKind(det), 'detection');
    const tooMany = Array.from({ length: MANIFEST_LIMITS.maxLabels + 1 }, (_, i) => ({ sourceRef: `s3://b/${i}.jpg`, labels: [`l${i}`] }));
    assert.match(trainingProblems(tooMany, 'classification')[0]!, /at most 250/);
  });
});

describe('annotation importers (inline fixtures)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'argus-importers-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const jpeg = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#468' } }).jpeg().toBuffer();

  it('Pascal VOC: boxes clipped to the image, parts ignored, entities decoded', () => {
    const a = parseVocXml(VOC);
    assert.equal(a.filename, 'cat & dog.jpg');
    assert.equal(a.objects.length, 2);
    const { entry, dropped } = vocEntry(a, 's3://b/cat & dog.jpg', a.size!);
    assert.deepEqual(dropped, []);
    assert.deepEqual(entry.detection!.boxes, [
      { label: 'cat', left: 10, top: 20, width: 50, height: 70 },
      { label: 'dog', left: 150, top: 0, width: 50, height: 50 },
    ]);
    assert.deepEqual(parseManifestLine(writeManifestLine(entry), 1).errors, []);
    assert.throws(() => parseVocXml('<foo/>'), /annotation/);
  });

  it('Pascal VOC folder: images found in a sibling images/ folder, sizes read when absent', async () => {
    const root = join(dir, 'voc');
    mkdirSync(join(root, 'annotations'), { recursive: true });
    mkdirSync(join(root, 'images'), { recursive: true });
    writeFileSync(join(root, 'images', 'a.jpg'), await jpeg(120, 90));
    writeFileSync(join(root, 'annotations', 'a.xml'), `<annotation><filename>a.jpg</filename><size><width>0</width><height>0</height></size><object><name>thing</name><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>50</xmax><ymax>40</ymax></bndbox></object></annotation>`);
    writeFileSync(join(root, 'annotations', 'missing.xml'), `<annotation><filename>nope.jpg</filename><object><name>x</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>`);
    const r = await importVocFolder(root, { sourceRefPrefix: 's3://bk/voc/' });
    assert.equal(r.entries.length, 1);
    assert.equal(r.entries[0]!.sourceRef, 's3://bk/voc/images/a.jpg');
    assert.deepEqual(r.entries[0]!.detection!.imageSize, { width: 120, height: 90, depth: 3 });
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!.message, /not found/);
  });

  it('COCO JSON', () => {
    const r = importCoco(
      {
        images: [{ id: 1, file_name: 'x.jpg', width: 100, height: 100 }, { id: 2, file_name: 'y.jpg', width: 50, height: 50 }],
        annotations: [{ image_id: 1, category_id: 3, bbox: [10, 10, 20, 30] }, { image_id: 1, category_id: 9, bbox: [0, 0, 1, 1] }, { image_id: 2, category_id: 3, bbox: [40, 40, 20, 20] }],
        categories: [{ id: 3, name: 'cup' }],
      },
      { sourceRefPrefix: 's3://b/coco' },
    );
    assert.deepEqual(r.entries.map((e) => e.sourceRef), ['s3://b/coco/x.jpg', 's3://b/coco/y.jpg']);
    assert.deepEqual(r.entries[0]!.detection!.boxes, [{ label: 'cup', left: 10, top: 10, width: 20, height: 30 }]);
    assert.deepEqual(r.entries[1]!.detection!.boxes, [{ label: 'cup', left: 40, top: 40, width: 10, height: 10 }], 'clipped to the image');
    assert.equal(r.problems.length, 1);
    assert.equal(importCoco({}, { sourceRefPrefix: '' }).problems.length, 1);
  });

  it('YOLO txt with classes.txt (plain names or "id name")', async () => {
    assert.deepEqual([...parseYoloClasses('cat\ndog\n')], [[0, 'cat'], [1, 'dog']]);
    assert.deepEqual([...parseYoloClasses('0 person\n1 bicycle\n')], [[0, 'person'], [1, 'bicycle']]);
    const { boxes, problems } = parseYoloLabels('0 0.5 0.5 0.5 0.25\n5 0.1 0.1 0.1 0.1\nbad\n', new Map([[0, 'cat']]), { width: 200, height: 100, depth: 3 });
    assert.deepEqual(boxes, [{ label: 'cat', left: 50, top: 37.5, width: 100, height: 25 }]);
    assert.equal(problems.length, 2);

    const root = join(dir, 'yolo');
    mkdirSync(join(root, 'images', 'train'), { recursive: true });
    mkdirSync(join(root, 'labels', 'train'), { recursive: true });
    writeFileSync(join(root, 'classes.txt'), 'cat\ndog\n');
    writeFileSync(join(root, 'images', 'train', 'p.jpg'), await jpeg(100, 100));
    writeFileSync(join(root, 'images', 'train', 'q.jpg'), await jpeg(100, 50));
    writeFileSync(join(root, 'labels', 'train', 'p.txt'), '1 0.5 0.5 0.2 0.2\n');
    const r = await importYoloFolder(root, { sourceRefPrefix: 's3://b/y/' });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.entries.map((e) => [e.sourceRef, e.detection!.boxes.map((b) => b.label)]), [['s3://b/y/images/train/p.jpg', ['dog']], ['s3://b/y/images/train/q.jpg', []]]);
  });

  it('detects the format of a folder or file', async () => {
    assert.equal(await detectFormat(join(dir, 'voc')), 'voc');
    assert.equal(await detectFormat(join(dir, 'yolo')), 'yolo');
    const coco = join(dir, 'coco.json');
    writeFileSync(coco, JSON.stringify({ images: [{ id: 1, file_name: 'a.jpg', width: 10, height: 10 }], annotations: [], categories: [] }));
    const r = await importAnnotations(coco, { sourceRefPrefix: 's3://b/' });
    assert.equal(r.format, 'coco');
    assert.deepEqual(r.entries.map((e) => e.sourceRef), ['s3://b/a.jpg']);
    const folders = join(dir, 'folders');
    mkdirSync(join(folders, 'red'), { recursive: true });
    writeFileSync(join(folders, 'red', 'x.png'), await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } }).png().toBuffer());
    const f = await importAnnotations(folders, { sourceRefPrefix: 's3://b/' });
    assert.equal(f.format, 'folders');
    assert.deepEqual(f.entries, [{ sourceRef: 's3://b/red/x.png', labels: ['red'] }]);
  });

  it('folder per label', async () => {
    const r = labelFolderEntries(['cats/1.jpg', 'dogs/2.PNG', 'dogs/notes.gif', 'loose.jpg'], { sourceRefPrefix: 's3://b/f/' });
    assert.deepEqual(r.entries, [
      { sourceRef: 's3://b/f/cats/1.jpg', labels: ['cats'] },
      { sourceRef: 's3://b/f/dogs/2.PNG', labels: ['dogs'] },
      { sourceRef: 's3://b/f/loose.jpg', labels: [] },
    ]);
    assert.equal(r.problems.length, 1);
  });
});

describe('annotation importers on eval-data', { skip: !hasEvalData && NO_EVAL_DATA }, () => {
  const roundTrip = (entries: ManifestEntry[]) => {
    const { lines, errors } = parseManifest(writeManifest(entries));
    assert.deepEqual(errors, []);
    return lines.map((l) => l.entry!);
  };
  const labelsOf = (entries: ManifestEntry[]) => [...new Set(entries.flatMap(entryLabels))].sort();

  it('det-raccoon (VOC): 160 images, one label', async () => {
    const r = await importVocFolder(join(EVAL_DATA, 'det-raccoon'), { sourceRefPrefix: 's3://b/raccoon/' });
    assert.equal(r.entries.length, 160);
    assert.deepEqual(labelsOf(roundTrip(r.entries)), ['raccoon']);
    assert.ok(r.entries.every((e) => e.detection!.boxes.length >= 1));
    assert.ok(r.entries[0]!.sourceRef.startsWith('s3://b/raccoon/images/'));
  });

  it('det-playing-cards/train (VOC): 148 images, six labels', async () => {
    const r = await importVocFolder(join(EVAL_DATA, 'det-playing-cards', 'train'), { sourceRefPrefix: 's3://b/cards/' });
    assert.equal(r.entries.length, 148);
    assert.deepEqual(labelsOf(roundTrip(r.entries)), ['ace', 'jack', 'king', 'nine', 'queen', 'ten']);
  });

  it('coco8-yolo (YOLO): 8 images with COCO names', async () => {
    const r = await importYoloFolder(join(EVAL_DATA, 'coco8-yolo'), { sourceRefPrefix: 's3://b/coco8/' });
    assert.deepEqual(r.problems, []);
    assert.equal(r.entries.length, 8);
    const labels = labelsOf(roundTrip(r.entries));
    assert.ok(labels.includes('person') && labels.includes('giraffe'), labels.join(','));
  });

  it('cls-face-mask (folders): two labels, 97 images each', async () => {
    const r = await importLabelFolders(join(EVAL_DATA, 'cls-face-mask'), { sourceRefPrefix: 's3://b/mask/' });
    const entries = roundTrip(r.entries);
    assert.equal(entries.length, 194);
    assert.deepEqual(labelsOf(entries), ['with_mask', 'without_mask']);
    assert.deepEqual(trainingProblems(entries, 'classification'), []);
  });
});

