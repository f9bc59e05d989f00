/**
 * Rekognition's label taxonomy for what Argus can detect: the COCO classes of the object
 * detector, every ancestor label they imply, and the labels other evidence adds (faces, text,
 * art). Expands detections into DetectLabels' Labels[] and applies Settings.GeneralLabels filters.
 *
 * Conventions, as in real DetectLabels (LabelModelVersion 3.0) responses:
 *  - `parents` lists *all* ancestors, sorted alphabetically (e.g. Woman -> Adult, Female, Person;
 *    Smile -> Face, Happy, Head, Person), not nearest first; `directParents` keeps the edges.
 *  - Every ancestor of a found label is returned as a label of its own, with no instances and the
 *    highest confidence among its found descendants.
 *  - Labels come out sorted by confidence (descending), ties by name.
 * The table itself lives in taxonomy-data.ts (with notes on where each part comes from).
 */
import type { ColorResult } from './colors.js';
import { COCO_TO_LABEL, OTHER_KNOWN_CATEGORIES, RAW_LABELS } from './taxonomy-data.js';

export interface LabelInfo {
  name: string;
  /** All ancestors, alphabetical (Rekognition's order). */
  parents: string[];
  aliases: string[];
  categories: string[];
  /** Whether Rekognition returns boxes (Instances) for this label. */
  instances: boolean;
  /** The label's own parents only (the edges of the hierarchy). */
  directParents: string[];
}

export interface BoxRatio {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface LabelInstance {
  box: BoxRatio;
  confidence: number;
  /** Filled in by the caller when IMAGE_PROPERTIES is requested. */
  dominantColors?: ColorResult[];
}

export interface ExpandedLabel {
  name: string;
  confidence: number;
  instances: LabelInstance[];
  parents: string[];
  aliases: string[];
  categories: string[];
}

export interface FoundLabel {
  name: string;
  confidence: number;
  instance?: { box: BoxRatio; confidence: number };
}

/** Settings.GeneralLabels in internal form. */
export interface GeneralLabelsFilter {
  labelInclusion?: readonly string[];
  labelExclusion?: readonly string[];
  categoryInclusion?: readonly string[];
  categoryExclusion?: readonly string[];
}

// ---- the table ----------------------------------------------------------------------------------

class FrozenMap<K, V> extends Map<K, V> {
  #sealed = false;
  constructor(entries: Iterable<readonly [K, V]>) {
    super(); // Map's constructor would call the overridden set() before #sealed exists.
    for (const [k, v] of entries) super.set(k, v);
    this.#sealed = true;
  }
  override set(key: K, value: V): this {
    if (this.#sealed) throw new TypeError('LABELS is read-only');
    return super.set(key, value);
  }
  override delete(): boolean {
    throw new TypeError('LABELS is read-only');
  }
  override clear(): void {
    throw new TypeError('LABELS is read-only');
  }
}

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function build(): Map<string, LabelInfo> {
  const raw = new Map<string, (typeof RAW_LABELS)[number]>();
  for (const r of RAW_LABELS) {
    if (raw.has(r[0])) throw new Error(`taxonomy: duplicate label ${r[0]}`);
    raw.set(r[0], r);
  }
  const ancestors = new Map<string, Set<string>>();
  const visiting = new Set<string>();
  const walk = (name: string): Set<string> => {
    const done = ancestors.get(name);
    if (done) return done;
    if (visiting.has(name)) throw new Error(`taxonomy: cycle through ${name}`);
    const r = raw.get(name);
    if (!r) throw new Error(`taxonomy: unknown parent ${name}`);
    visiting.add(name);
    const out = new Set<string>();
    for (const p of r[1]) {
      out.add(p);
      for (const a of walk(p)) out.add(a);
    }
    visiting.delete(name);
    ancestors.set(name, out);
    return out;
  };
  const table = new Map<string, LabelInfo>();
  for (const [name, direct, aliases, categories, instances] of RAW_LABELS) {
    table.set(
      name,
      Object.freeze({
        name,
        parents: Object.freeze([...walk(name)].sort(byCode)) as string[],
        aliases: Object.freeze([...aliases]) as string[],
        categories: Object.freeze([...categories]) as string[],
        instances,
        directParents: Object.freeze([...direct]) as string[],
      }),
    );
  }
  return table;
}

/** Every label Argus can emit, by exact name. Read-only; entries are frozen. */
export const LABELS: ReadonlyMap<string, LabelInfo> = new FrozenMap(build());

/** The 80 COCO class names in the detector's order (0 = person ... 79 = toothbrush). */
export const COCO_CLASSES: readonly string[] = Object.freeze(COCO_TO_LABEL.map(([coco]) => coco));

const COCO_LABELS: readonly LabelInfo[] = Object.freeze(
  COCO_TO_LABEL.map(([coco, label]) => {
    const info = LABELS.get(label);
    if (!info) throw new Error(`taxonomy: COCO class ${coco} maps to unknown label ${label}`);
    return info;
  }),
);

const byLowerName = new Map<string, LabelInfo>();
const byLowerAlias = new Map<string, LabelInfo>();
for (const info of LABELS.values()) byLowerName.set(info.name.toLowerCase(), info);
for (const info of LABELS.values()) for (const a of info.aliases) if (!byLowerName.has(a.toLowerCase())) byLowerAlias.set(a.toLowerCase(), info);

const CATEGORIES: readonly string[] = Object.freeze(
  [...new Set([...[...LABELS.values()].flatMap((l) => l.categories), ...OTHER_KNOWN_CATEGORIES])].sort(byCode),
);
const lowerCategories = new Set(CATEGORIES.map((c) => c.toLowerCase()));

/** The label for a COCO class index; RangeError outside 0..79. */
export function labelForCocoClass(index: number): LabelInfo {
  const info = Number.isInteger(index) ? COCO_LABELS[index] : undefined;
  if (!info) throw new RangeError(`no COCO class ${index}`);
  return info;
}

/** A label by name, case-insensitively; undefined when unknown. Aliases are not names (see resolveLabel). */
export function labelInfo(name: string): LabelInfo | undefined {
  return byLowerName.get(name.toLowerCase());
}

/** A label by name or alias (e.g. "Cell Phone" -> Mobile Phone), case-insensitively. */
export function resolveLabel(nameOrAlias: string): LabelInfo | undefined {
  const key = nameOrAlias.toLowerCase();
  return byLowerName.get(key) ?? byLowerAlias.get(key);
}

/** All category names: those of Argus' labels plus other Rekognition categories, sorted. */
export function allCategories(): string[] {
  return [...CATEGORIES];
}

export function isKnownCategory(name: string): boolean {
  return lowerCategories.has(name.toLowerCase());
}

// ---- expansion ----------------------------------------------------------------------------------

/**
 * Expands found labels into Rekognition labels: one per name (the highest confidence among its
 * entries), its instances grouped under it (only for labels Rekognition boxes; highest first),
 * and every ancestor added as a label with no instances and the highest confidence of its found
 * descendants. Names are matched case-insensitively (aliases too); an unknown name is kept as a
 * label without parents, aliases or categories. Sorted by confidence, then name.
 */
export function expandLabels(found: readonly FoundLabel[]): ExpandedLabel[] {
  const out = new Map<string, ExpandedLabel>();
  const touch = (name: string, info: LabelInfo | undefined, confidence: number): ExpandedLabel => {
    let l = out.get(name);
    if (!l) {
      l = {
        name,
        confidence,
        instances: [],
        parents: info ? [...info.parents] : [],
        aliases: info ? [...info.aliases] : [],
        categories: info ? [...info.categories] : [],
      };
      out.set(name, l);
    } else if (confidence > l.confidence) l.confidence = confidence;
    return l;
  };
  for (const f of found) {
    if (!Number.isFinite(f.confidence)) continue;
    const info = resolveLabel(f.name);
    const label = touch(info?.name ?? f.name, info, f.confidence);
    if (f.instance && (info?.instances ?? true)) label.instances.push({ box: { ...f.instance.box }, confidence: f.instance.confidence });
    for (const p of info?.parents ?? []) touch(p, LABELS.get(p), f.confidence);
  }
  const labels = [...out.values()];
  for (const l of labels) l.instances.sort((a, b) => b.confidence - a.confidence);
  return labels.sort((a, b) => b.confidence - a.confidence || byCode(a.name, b.name));
}

// ---- GeneralLabels filters ----------------------------------------------------------------------

const lowerSet = (xs: readonly string[] | undefined) => new Set((xs ?? []).map((x) => x.toLowerCase()));

/**
 * Settings.GeneralLabels, as documented ("inclusive, exclusive, or a combination of both ...
 * applied to individual labels or entire label categories"), with these precedences where the
 * documentation is silent:
 *  1. a label named by LabelExclusionFilters is dropped (even if also included);
 *  2. a label named by LabelInclusionFilters is kept (even if its category is excluded);
 *  3. a label with a category in LabelCategoryExclusionFilters is dropped;
 *  4. with no inclusion filter at all, everything else is kept; otherwise only labels with a
 *     category in LabelCategoryInclusionFilters are kept.
 * Names and categories are compared case-insensitively; a label filter matches a label's name or
 * one of its aliases. Empty lists count as absent. Parents lists are left as they are, even when
 * a parent label itself is filtered out.
 */
export function applyGeneralLabelsFilter(labels: ExpandedLabel[], f: GeneralLabelsFilter): ExpandedLabel[] {
  const incL = lowerSet(f.labelInclusion);
  const excL = lowerSet(f.labelExclusion);
  const incC = lowerSet(f.categoryInclusion);
  const excC = lowerSet(f.categoryExclusion);
  if (!incL.size && !excL.size && !incC.size && !excC.size) return labels;
  const anyInclusion = incL.size > 0 || incC.size > 0;
  const names = (l: ExpandedLabel) => [l.name, ...l.aliases].map((n) => n.toLowerCase());
  return labels.filter((l) => {
    const ns = names(l);
    if (ns.some((n) => excL.has(n))) return false;
    if (ns.some((n) => incL.has(n))) return true;
    const cats = l.categories.map((c) => c.toLowerCase());
    if (cats.some((c) => excC.has(c))) return false;
    if (!anyInclusion) return true;
    return cats.some((c) => incC.has(c));
  });
}

/**
 * Filter values that name no known label (or alias) / category, for the caller to decide on
 * (Rekognition's behaviour for unknown names is not documented; Argus' table is also smaller
 * than Rekognition's, so an unknown name is not necessarily a client error).
 */
export function unknownFilterValues(f: GeneralLabelsFilter): { labels: string[]; categories: string[] } {
  const labels = [...(f.labelInclusion ?? []), ...(f.labelExclusion ?? [])].filter((n) => !resolveLabel(n));
  const categories = [...(f.categoryInclusion ?? []), ...(f.categoryExclusion ?? [])].filter((c) => !isKnownCategory(c));
  return { labels: [...new Set(labels)], categories: [...new Set(categories)] };
}
