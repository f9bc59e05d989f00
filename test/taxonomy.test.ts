/**
 * The label taxonomy (src/vision/taxonomy.ts): COCO mapping, closure and shape of the table,
 * expansion of detections into Rekognition labels, and Settings.GeneralLabels filters.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EVAL_DATA } from './helpers/eval-data.js';
import { existsSync, readFileSync } from 'node:fs';
import {
  COCO_CLASSES,
  LABELS,
  allCategories,
  applyGeneralLabelsFilter,
  expandLabels,
  isKnownCategory,
  labelForCocoClass,
  labelInfo,
  resolveLabel,
  unknownFilterValues,
  type ExpandedLabel,
  type FoundLabel,
} from '../src/vision/taxonomy.js';

const CLASSES_TXT = join(EVAL_DATA, 'coco8-yolo', 'classes.txt');
const box = (left = 0.1, top = 0.1, width = 0.2, height = 0.2) => ({ left, top, width, height });
const names = (ls: ExpandedLabel[]) => ls.map((l) => l.name);
const byName = (ls: ExpandedLabel[], n: string) => ls.find((l) => l.name === n);

describe('the COCO mapping', () => {
  it('has the 80 COCO classes in detector order, from person to toothbrush', () => {
    assert.equal(COCO_CLASSES.length, 80);
    assert.equal(COCO_CLASSES[0], 'person');
    assert.equal(COCO_CLASSES[2], 'car');
    assert.equal(COCO_CLASSES[67], 'cell phone');
    assert.equal(COCO_CLASSES[79], 'toothbrush');
    assert.equal(new Set(COCO_CLASSES).size, 80);
  });

  it('matches the class list shipped with the coco8 data when it is there', (t) => {
    if (!existsSync(CLASSES_TXT)) return t.skip(`${CLASSES_TXT} not present`);
    const fromFile = readFileSync(CLASSES_TXT, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.trim().replace(/^\d+\s+/, ''));
    assert.deepEqual([...COCO_CLASSES], fromFile);
  });

  it('maps every COCO class to a known label that Rekognition gives boxes for', () => {
    for (let i = 0; i < 80; i++) {
      const info = labelForCocoClass(i);
      assert.equal(LABELS.get(info.name), info, `${COCO_CLASSES[i]} -> ${info.name}`);
      assert.ok(info.instances, `${info.name} has instances`);
      assert.ok(info.categories.length > 0, `${info.name} has a category`);
    }
  });

  it('uses distinct labels for distinct classes', () => {
    const labels = COCO_CLASSES.map((_, i) => labelForCocoClass(i).name);
    assert.equal(new Set(labels).size, 80);
  });

  it('refuses an index outside 0..79', () => {
    assert.throws(() => labelForCocoClass(80), RangeError);
    assert.throws(() => labelForCocoClass(-1), RangeError);
    assert.throws(() => labelForCocoClass(1.5), RangeError);
  });

  it('names the classics the way Rekognition does', () => {
    const person = labelForCocoClass(0);
    assert.equal(person.name, 'Person');
    assert.deepEqual(person.parents, []);
    assert.deepEqual(person.aliases, ['Human']);
    assert.deepEqual(person.categories, ['Person Description']);

    const car = labelForCocoClass(2);
    assert.equal(car.name, 'Car');
    assert.deepEqual(car.parents, ['Transportation', 'Vehicle']);
    assert.deepEqual(car.categories, ['Vehicles and Automotive']);

    assert.deepEqual(labelForCocoClass(16).parents, ['Animal', 'Canine', 'Mammal', 'Pet']);
    assert.deepEqual(labelForCocoClass(16).categories, ['Animals and Pets']);

    const phone = labelForCocoClass(67);
    assert.equal(phone.name, 'Mobile Phone');
    assert.deepEqual(phone.aliases, ['Cell Phone']);
    assert.deepEqual(phone.parents, ['Phone']);

    assert.deepEqual(labelForCocoClass(60).parents, ['Furniture', 'Table']);
    assert.deepEqual(labelForCocoClass(27).parents, ['Accessories', 'Clothing', 'Formal Wear']);
    assert.deepEqual(labelForCocoClass(77).parents, ['Toy']);
  });
});

describe('the label table', () => {
  it('gives every parent a label of its own (the table is closed)', () => {
    for (const info of LABELS.values()) {
      for (const p of [...info.parents, ...info.directParents]) assert.ok(LABELS.has(p), `${info.name}: parent ${p} has no entry`);
    }
  });

  it('lists all ancestors: the parents of each parent are parents too', () => {
    for (const info of LABELS.values()) {
      for (const p of info.parents) {
        for (const gp of LABELS.get(p)!.parents) assert.ok(info.parents.includes(gp), `${info.name} lacks ${gp} (via ${p})`);
      }
      for (const d of info.directParents) assert.ok(info.parents.includes(d));
    }
  });

  it('has no cycles: no label is its own ancestor', () => {
    for (const info of LABELS.values()) assert.ok(!info.parents.includes(info.name), info.name);
  });

  it('sorts parents alphabetically, as Rekognition 3.0 does, without duplicates', () => {
    for (const info of LABELS.values()) {
      assert.deepEqual(info.parents, [...info.parents].sort(), info.name);
      assert.equal(new Set(info.parents).size, info.parents.length, info.name);
    }
    assert.deepEqual(labelInfo('Woman')!.parents, ['Adult', 'Female', 'Person']);
    assert.deepEqual(labelInfo('Smile')!.parents, ['Face', 'Happy', 'Head', 'Person']);
  });

  it('has the labels face, text and image-type evidence will add', () => {
    for (const n of ['Text', 'Document', 'Drawing', 'Art', 'Painting', 'Illustration', 'Face', 'Head', 'Adult', 'Male', 'Man', 'Female', 'Woman', 'Child', 'Crowd', 'People']) {
      assert.ok(labelInfo(n), n);
    }
    assert.deepEqual(labelInfo('Face')!.parents, ['Head', 'Person']);
    assert.deepEqual(labelInfo('Text')!.parents, []);
    assert.deepEqual(labelInfo('Document')!.parents, ['Text']);
  });

  it('gives every label at least one known category and no alias that is another label', () => {
    for (const info of LABELS.values()) {
      assert.ok(info.categories.length > 0, info.name);
      for (const c of info.categories) assert.ok(isKnownCategory(c), c);
      for (const a of info.aliases) assert.equal(labelInfo(a), undefined, `${info.name}: alias ${a} is also a label`);
    }
  });

  it('looks labels up case-insensitively, and aliases only through resolveLabel', () => {
    assert.equal(labelInfo('dining table')?.name, 'Dining Table');
    assert.equal(labelInfo('Cell Phone'), undefined);
    assert.equal(resolveLabel('cell phone')?.name, 'Mobile Phone');
    assert.equal(labelInfo('Unicorn'), undefined);
  });

  it('is read-only', () => {
    assert.throws(() => (LABELS as Map<string, unknown>).set('Unicorn', {}), TypeError);
    assert.throws(() => (LABELS as Map<string, unknown>).delete('Car'), TypeError);
    assert.ok(Object.isFrozen(LABELS.get('Car')));
    assert.ok(Object.isFrozen(LABELS.get('Car')!.parents));
  });

  it('lists categories sorted and once each', () => {
    const cats = allCategories();
    assert.deepEqual(cats, [...new Set(cats)].sort());
    for (const c of ['Vehicles and Automotive', 'Person Description', 'Animals and Pets', 'Technology and Computing']) assert.ok(cats.includes(c), c);
  });
});

describe('expanding detections into labels', () => {
  it('expands a car into Car, Vehicle and Transportation with the car confidence, boxes only on Car', () => {
    const labels = expandLabels([{ name: 'Car', confidence: 91, instance: { box: box(), confidence: 91 } }]);
    assert.deepEqual(names(labels), ['Car', 'Transportation', 'Vehicle']);
    for (const l of labels) assert.equal(l.confidence, 91);
    assert.equal(byName(labels, 'Car')!.instances.length, 1);
    assert.deepEqual(byName(labels, 'Vehicle')!.instances, []);
    assert.deepEqual(byName(labels, 'Vehicle')!.parents, ['Transportation']);
    assert.deepEqual(byName(labels, 'Transportation')!.parents, []);
    assert.deepEqual(byName(labels, 'Car')!.aliases, ['Automobile']);
    assert.deepEqual(byName(labels, 'Vehicle')!.categories, ['Vehicles and Automotive']);
  });

  it('gives a shared parent the highest confidence of its children', () => {
    const labels = expandLabels([
      { name: 'Car', confidence: 80, instance: { box: box(), confidence: 80 } },
      { name: 'Truck', confidence: 95, instance: { box: box(0.5), confidence: 95 } },
    ]);
    assert.equal(byName(labels, 'Vehicle')!.confidence, 95);
    assert.equal(byName(labels, 'Transportation')!.confidence, 95);
    assert.equal(byName(labels, 'Car')!.confidence, 80);
  });

  it('groups instances of one label under it, highest confidence first, label confidence the highest', () => {
    const found: FoundLabel[] = [60, 97, 75].map((c, i) => ({ name: 'Person', confidence: c, instance: { box: box(i * 0.3), confidence: c } }));
    const labels = expandLabels(found);
    assert.deepEqual(names(labels), ['Person']);
    assert.equal(labels[0]!.confidence, 97);
    assert.deepEqual(labels[0]!.instances.map((i) => i.confidence), [97, 75, 60]);
  });

  it('sorts labels by confidence, then by name', () => {
    const labels = expandLabels([
      { name: 'Dog', confidence: 70 },
      { name: 'Person', confidence: 99 },
    ]);
    assert.deepEqual(names(labels), ['Person', 'Animal', 'Canine', 'Dog', 'Mammal', 'Pet']);
  });

  it('accepts names in any case and by alias, and keeps an unknown name without taxonomy', () => {
    const labels = expandLabels([
      { name: 'cell phone', confidence: 88 },
      { name: 'Unicorn', confidence: 60, instance: { box: box(), confidence: 60 } },
    ]);
    assert.deepEqual(names(labels), ['Mobile Phone', 'Phone', 'Unicorn']);
    const u = byName(labels, 'Unicorn')!;
    assert.deepEqual([u.parents, u.aliases, u.categories], [[], [], []]);
    assert.equal(u.instances.length, 1);
  });

  it('drops boxes for labels Rekognition gives no instances', () => {
    const labels = expandLabels([{ name: 'Face', confidence: 90, instance: { box: box(), confidence: 90 } }]);
    assert.deepEqual(byName(labels, 'Face')!.instances, []);
    assert.deepEqual(names(labels), ['Face', 'Head', 'Person']);
  });

  it('returns copies, so changing a result leaves the table alone', () => {
    const [car] = expandLabels([{ name: 'Car', confidence: 90 }]);
    car!.parents.push('Spaceship');
    car!.categories.length = 0;
    assert.deepEqual(labelInfo('Car')!.parents, ['Transportation', 'Vehicle']);
    assert.deepEqual(labelInfo('Car')!.categories, ['Vehicles and Automotive']);
  });

  it('returns nothing for nothing found', () => {
    assert.deepEqual(expandLabels([]), []);
  });
});

describe('GeneralLabels filters', () => {
  const scene = () =>
    expandLabels([
      { name: 'Car', confidence: 90 },
      { name: 'Dog', confidence: 85 },
      { name: 'Person', confidence: 99 },
      { name: 'Mobile Phone', confidence: 70 },
    ]);

  it('keeps everything when no filter is given', () => {
    assert.deepEqual(names(applyGeneralLabelsFilter(scene(), {})), names(scene()));
    assert.deepEqual(names(applyGeneralLabelsFilter(scene(), { labelInclusion: [], categoryExclusion: [] })), names(scene()));
  });

  it('keeps only the labels an inclusion filter names', () => {
    assert.deepEqual(names(applyGeneralLabelsFilter(scene(), { labelInclusion: ['Dog', 'Car'] })), ['Car', 'Dog']);
  });

  it('removes the labels an exclusion filter names', () => {
    const out = names(applyGeneralLabelsFilter(scene(), { labelExclusion: ['Person', 'Vehicle'] }));
    assert.ok(!out.includes('Person') && !out.includes('Vehicle'));
    assert.ok(out.includes('Car') && out.includes('Transportation'));
  });

  it('keeps only labels of an included category', () => {
    assert.deepEqual(names(applyGeneralLabelsFilter(scene(), { categoryInclusion: ['Animals and Pets'] })), ['Animal', 'Canine', 'Dog', 'Mammal', 'Pet']);
  });

  it('removes labels of an excluded category', () => {
    const out = names(applyGeneralLabelsFilter(scene(), { categoryExclusion: ['Vehicles and Automotive', 'Person Description'] }));
    assert.deepEqual(out, ['Animal', 'Canine', 'Dog', 'Mammal', 'Pet', 'Mobile Phone', 'Phone']);
  });

  it('keeps a label an inclusion filter names even when its category is excluded', () => {
    const out = names(applyGeneralLabelsFilter(scene(), { labelInclusion: ['Dog'], categoryExclusion: ['Animals and Pets'] }));
    assert.deepEqual(out, ['Dog']);
  });

  it('unites label and category inclusion filters', () => {
    const out = names(applyGeneralLabelsFilter(scene(), { labelInclusion: ['Person'], categoryInclusion: ['Technology and Computing'] }));
    assert.deepEqual(out, ['Person', 'Mobile Phone', 'Phone']);
  });

  it('lets a label exclusion win over a category inclusion and over a label inclusion', () => {
    const out = names(applyGeneralLabelsFilter(scene(), { categoryInclusion: ['Animals and Pets'], labelExclusion: ['Pet'] }));
    assert.deepEqual(out, ['Animal', 'Canine', 'Dog', 'Mammal']);
    assert.deepEqual(names(applyGeneralLabelsFilter(scene(), { labelInclusion: ['Dog'], labelExclusion: ['dog'] })), []);
  });

  it('compares names and categories case-insensitively, and label filters match aliases', () => {
    assert.deepEqual(names(applyGeneralLabelsFilter(scene(), { labelInclusion: ['mobile PHONE', 'human'] })), ['Person', 'Mobile Phone']);
    assert.deepEqual(names(applyGeneralLabelsFilter(scene(), { labelInclusion: ['Cell Phone'] })), ['Mobile Phone']);
    assert.deepEqual(names(applyGeneralLabelsFilter(scene(), { categoryInclusion: ['vehicles AND automotive'] })), ['Car', 'Transportation', 'Vehicle']);
  });

  it('leaves Parents lists untouched when a parent label is filtered out', () => {
    const [car] = applyGeneralLabelsFilter(scene(), { labelInclusion: ['Car'] });
    assert.deepEqual(car!.parents, ['Transportation', 'Vehicle']);
  });

  it('reports filter values that name no known label or category', () => {
    const r = unknownFilterValues({ labelInclusion: ['Dog', 'Unicorn', 'cell phone'], labelExclusion: ['Unicorn'], categoryInclusion: ['animals and pets', 'Spaceships'], categoryExclusion: ['Popular Landmarks'] });
    assert.deepEqual(r, { labels: ['Unicorn'], categories: ['Spaceships'] });
    assert.deepEqual(unknownFilterValues({}), { labels: [], categories: [] });
  });
});
