/**
 * SageMaker Ground Truth manifests as Rekognition Custom Labels reads them: JSON Lines, one image per
 * line, with a `source-ref` and label attributes, each paired with a `<attribute>-metadata` object.
 *
 * - Image-level labels (classification): `"<attr>": <class id>` and `"<attr>-metadata"` with
 *   `class-name`, `confidence`, `type: groundtruth/image-classification`, `human-annotated`,
 *   `creation-date`, `job-name`; one pair per label for multi-label images. Ground Truth's own
 *   multi-label form (`"<attr>": [ids]`, metadata with `class-map`, type
 *   `groundtruth/image-classification-multilabel`) is read too.
 * - Object detection: `"<attr>": {image_size: [{width, height, depth}], annotations: [{class_id,
 *   left, top, width, height}]}` in absolute pixels, and `"<attr>-metadata"` with `objects`,
 *   `class-map`, `type: groundtruth/object-detection`, ….
 *
 * Parsing never fails a whole manifest: each line gets its own errors (Rekognition's non-terminal
 * error codes, e.g. ERROR_INVALID_JSON_LINE, ERROR_MISSING_SOURCE_REF, ERROR_INVALID_BOUNDING_BOX)
 * with its 1-based line number. Pure: no I/O.
 *
 *   const { lines } = parseManifest(text);
 *   const good = lines.filter((l) => l.errors.length === 0).map((l) => l.entry!);
 *   writeManifest(good); // the same entries, in Rekognition's format
 */

/** Rekognition Custom Labels' documented limits that concern a manifest. */
export const MANIFEST_LIMITS = Object.freeze({
  /** Unique labels in a manifest (dataset). */
  maxLabels: 250,
  /** Image-level labels plus box labels of one image. */
  maxLabelsPerImage: 50,
  /** Bounding boxes on one image. */
  maxBoxesPerImage: 50,
  /** A classification model needs at least two labels; detection at least one. */
  minClassificationLabels: 2,
  minDetectionLabels: 1,
  maxLabelNameLength: 256,
  /** Manifest size: 1 GB. */
  maxManifestBytes: 1024 * 1024 * 1024,
  /** One dataset entry (a JSON line) is at most 100,000 characters (DatasetEntry shape). */
  maxLineLength: 100_000,
});

export const CLASSIFICATION_TYPE = 'groundtruth/image-classification';
export const MULTILABEL_TYPE = 'groundtruth/image-classification-multilabel';
export const DETECTION_TYPE = 'groundtruth/object-detection';

/** Rekognition accepts JPEG and PNG images only. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png'];

export interface ImageSize {
  width: number;
  height: number;
  depth: number;
}

/** A box in absolute pixels, as the manifest stores it. */
export interface ManifestBox {
  label: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** One image of a dataset, independent of how its line spelled it. */
export interface ManifestEntry {
  sourceRef: string;
  /** Image-level labels (classification), without repeats. */
  labels: string[];
  /** Present when the image has a detection attribute, possibly with no boxes ("nothing here"). */
  detection?: { imageSize: ImageSize; boxes: ManifestBox[] };
}

export interface LineError {
  /** 1-based line number in the manifest (0 when the error concerns no single line). */
  line: number;
  /** Rekognition's validation code, e.g. ERROR_INVALID_BOUNDING_BOX. */
  code: string;
  message: string;
}

export interface ParsedLine {
  line: number;
  /** The line as given (trimmed). */
  text: string;
  /** The JSON object, when the line is one. */
  json?: Record<string, unknown>;
  sourceRef?: string;
  /** What could be read from the line; present whenever it has a usable source-ref. */
  entry?: ManifestEntry;
  /** Empty for a valid line. */
  errors: LineError[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Every label of an entry (image-level and box labels), without repeats, in first-seen order. */
export function entryLabels(e: ManifestEntry): string[] {
  return [...new Set([...e.labels, ...(e.detection?.boxes.map((b) => b.label) ?? [])])];
}

/** Whether the entry carries any labelling (an image-level label, or a detection attribute even with no boxes). */
export const isLabeled = (e: ManifestEntry): boolean => e.labels.length > 0 || e.detection !== undefined;

function extensionOf(ref: string): string {
  const path = ref.replace(/[?#].*$/, '');
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
}

/** `s3://bucket/key` → bucket and key; undefined for anything else. */
export function parseS3Uri(ref: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(ref);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

/** Parses one manifest line (1-based `line` number for the errors). */
export function parseManifestLine(text: string, line: number): ParsedLine {
  const trimmed = text.trim();
  const out: ParsedLine = { line, text: trimmed, errors: [] };
  const fail = (code: string, message: string) => {
    out.errors.push({ line, code, message });
  };
  if (trimmed.length > MANIFEST_LIMITS.maxLineLength) {
    fail('ERROR_INVALID_JSON_LINE', `The line is ${trimmed.length} characters long; at most ${MANIFEST_LIMITS.maxLineLength} are allowed.`);
    return out;
  }
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (err) {
    fail('ERROR_INVALID_JSON_LINE', `The line is not valid JSON (${(err as Error).message}).`);
    return out;
  }
  if (!isObject(json)) {
    fail('ERROR_INVALID_JSON_LINE', 'The line is not a JSON object.');
    return out;
  }
  out.json = json;

  const ref = json['source-ref'];
  if (ref === undefined) {
    fail('ERROR_MISSING_SOURCE_REF', 'The line has no source-ref.');
    return out;
  }
  if (typeof ref !== 'string' || ref.trim() === '') {
    fail('ERROR_INVALID_SOURCE_REF_FORMAT', 'source-ref must be a non-empty string.');
    return out;
  }
  out.sourceRef = ref;
  if (!parseS3Uri(ref)) fail('ERROR_INVALID_SOURCE_REF_FORMAT', `source-ref ${JSON.stringify(ref)} is not an s3://bucket/key address.`);
  const ext = extensionOf(ref);
  if (ext !== '' && !IMAGE_EXTENSIONS.includes(ext)) fail('ERROR_INVALID_IMAGE_FORMAT', `${ref} is not a JPEG or PNG image (only .jpg, .jpeg and .png are supported).`);

  const entry: ManifestEntry = { sourceRef: ref, labels: [] };
  out.entry = entry;
  const addLabel = (name: unknown, attr: string): void => {
    if (typeof name !== 'string' || name.trim() === '') {
      fail('ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `${attr}-metadata has no class-name.`);
      return;
    }
    if (name.length > MANIFEST_LIMITS.maxLabelNameLength) {
      fail('ERROR_INVALID_LABEL_NAME_LENGTH', `Label ${JSON.stringify(name.slice(0, 40))}… is longer than ${MANIFEST_LIMITS.maxLabelNameLength} characters.`);
      return;
    }
    if (!entry.labels.includes(name)) entry.labels.push(name);
  };

  // A line without label attributes is a valid, unlabelled entry (it can be labelled later).
  for (const key of Object.keys(json)) {
    if (key === 'source-ref' || key.endsWith('-metadata')) continue;
    const meta = json[`${key}-metadata`];
    if (meta === undefined) continue; // not a label attribute (Ground Truth lines may carry others)
    if (!isObject(meta)) {
      fail('ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `${key}-metadata is not an object.`);
      continue;
    }
    const value = json[key];
    const type = typeof meta.type === 'string' ? meta.type : isObject(value) ? DETECTION_TYPE : Array.isArray(value) ? MULTILABEL_TYPE : CLASSIFICATION_TYPE;
    if (type === DETECTION_TYPE) {
      if (entry.detection) {
        fail('ERROR_UNSUPPORTED_USE_CASE_TYPE', `The line has more than one object-detection attribute (${key}).`);
        continue;
      }
      const d = parseDetection(key, value, meta, fail);
      if (d) entry.detection = d;
    } else if (type === CLASSIFICATION_TYPE) {
      if (!isNumber(value) && typeof value !== 'string') fail('ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `${key} must be a class id (a number).`);
      else addLabel(meta['class-name'], key);
    } else if (type === MULTILABEL_TYPE) {
      const map = meta['class-map'];
      if (!Array.isArray(value) || !isObject(map)) {
        fail('ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `${key} must be a list of class ids with a class-map in ${key}-metadata.`);
        continue;
      }
      for (const id of value) {
        const name = map[String(id)];
        if (name === undefined) fail('ERROR_MISSING_CLASS_MAP_ID', `${key}: class id ${JSON.stringify(id)} is not in the class-map.`);
        else addLabel(name, key);
      }
    } else {
      fail('ERROR_UNSUPPORTED_USE_CASE_TYPE', `${key}-metadata has type ${JSON.stringify(type)}; Custom Labels reads ${CLASSIFICATION_TYPE} and ${DETECTION_TYPE}.`);
    }
  }
  const all = entryLabels(entry);
  if (all.length > MANIFEST_LIMITS.maxLabelsPerImage) fail('ERROR_TOO_MANY_LABELS_PER_IMAGE', `The image has ${all.length} labels; at most ${MANIFEST_LIMITS.maxLabelsPerImage} are allowed per image.`);
  return out;
}

function parseDetection(key: string, value: unknown, meta: Record<string, unknown>, fail: (code: string, message: string) => void): ManifestEntry['detection'] | undefined {
  if (!isObject(value)) {
    fail('ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `${key} must be an object with image_size and annotations.`);
    return undefined;
  }
  const sizes = value.image_size;
  const size = Array.isArray(sizes) ? sizes[0] : undefined;
  if (!isObject(size) || !isNumber(size.width) || !isNumber(size.height) || size.width <= 0 || size.height <= 0) {
    fail('ERROR_INVALID_IMAGE_DIMENSION', `${key}.image_size must be [{"width", "height", "depth"}] with positive sizes.`);
    return undefined;
  }
  const imageSize: ImageSize = { width: size.width, height: size.height, depth: isNumber(size.depth) ? size.depth : 3 };
  const annotations = value.annotations ?? [];
  if (!Array.isArray(annotations)) {
    fail('ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `${key}.annotations must be a list.`);
    return undefined;
  }
  const classMap = meta['class-map'];
  if (annotations.length > 0 && !isObject(classMap)) {
    fail('ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `${key}-metadata has no class-map.`);
    return undefined;
  }
  const objects = Array.isArray(meta.objects) ? meta.objects : undefined;
  if (annotations.length > 0 && objects && objects.length !== annotations.length) {
    fail('ERROR_MISSING_BOUNDING_BOX_CONFIDENCE', `${key}-metadata.objects has ${objects.length} entries for ${annotations.length} annotations.`);
  }
  if (annotations.length > MANIFEST_LIMITS.maxBoxesPerImage) {
    fail('ERROR_TOO_MANY_BOUNDING_BOXES', `The image has ${annotations.length} bounding boxes; at most ${MANIFEST_LIMITS.maxBoxesPerImage} are allowed.`);
  }
  const boxes: ManifestBox[] = [];
  annotations.forEach((a: unknown, i: number) => {
    if (!isObject(a) || !isNumber(a.left) || !isNumber(a.top) || !isNumber(a.width) || !isNumber(a.height)) {
      fail('ERROR_INVALID_BOUNDING_BOX', `${key}.annotations[${i}] needs numeric left, top, width and height.`);
      return;
    }
    const name = (classMap as Record<string, unknown>)[String(a.class_id)];
    if (typeof name !== 'string' || name === '') {
      fail('ERROR_MISSING_CLASS_MAP_ID', `${key}.annotations[${i}]: class_id ${JSON.stringify(a.class_id)} is not in the class-map.`);
      return;
    }
    // One pixel of slack: tools disagree on whether xmax is inclusive.
    if (a.width <= 0 || a.height <= 0 || a.left < -1 || a.top < -1 || a.left + a.width > imageSize.width + 1 || a.top + a.height > imageSize.height + 1) {
      fail('ERROR_INVALID_BOUNDING_BOX', `${key}.annotations[${i}] (${a.left},${a.top} ${a.width}x${a.height}) is empty or outside the ${imageSize.width}x${imageSize.height} image.`);
      return;
    }
    if (name.length > MANIFEST_LIMITS.maxLabelNameLength) {
      fail('ERROR_INVALID_LABEL_NAME_LENGTH', `A class-map name is longer than ${MANIFEST_LIMITS.maxLabelNameLength} characters.`);
      return;
    }
    boxes.push({ label: name, left: a.left, top: a.top, width: a.width, height: a.height });
  });
  return { imageSize, boxes };
}

/** Parses a whole manifest; blank lines are skipped (they keep their numbers for the others). */
export function parseManifest(text: string): { lines: ParsedLine[]; errors: LineError[] } {
  const lines: ParsedLine[] = [];
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]!.trim() === '') continue;
    lines.push(parseManifestLine(raw[i]!, i + 1));
  }
  return { lines, errors: lines.flatMap((l) => l.errors) };
}

export interface WriteOptions {
  /** Ground Truth job name recorded in the metadata. Default 'argus'. */
  jobName?: string;
  /** ISO creation date recorded in the metadata. Default now. */
  creationDate?: string;
  /** The detection attribute's name. Default 'bounding-box'. */
  detectionAttribute?: string;
}

const isoNoZone = (d: Date) => d.toISOString().replace(/Z$/, '');
const attributeFor = (label: string) => label.toLowerCase().replace(/[^a-z0-9_]+/g, '-').replace(/^-+|-+$/g, '') || 'label';

/** One manifest line for an entry: an attribute pair per image-level label, and one detection pair when it has boxes. */
export function writeManifestLine(e: ManifestEntry, o: WriteOptions = {}): string {
  const jobName = o.jobName ?? 'argus';
  const creationDate = o.creationDate ?? isoNoZone(new Date());
  const line: Record<string, unknown> = { 'source-ref': e.sourceRef };
  const used = new Set<string>(['source-ref', o.detectionAttribute ?? 'bounding-box']);
  e.labels.forEach((label, i) => {
    let attr = `${jobName}_${attributeFor(label)}`;
    for (let n = 2; used.has(attr); n++) attr = `${jobName}_${attributeFor(label)}-${n}`;
    used.add(attr);
    line[attr] = i;
    line[`${attr}-metadata`] = { confidence: 1, 'class-name': label, 'human-annotated': 'yes', 'creation-date': creationDate, type: CLASSIFICATION_TYPE, 'job-name': jobName };
  });
  if (e.detection) {
    const attr = o.detectionAttribute ?? 'bounding-box';
    const classes: string[] = [];
    const idOf = (label: string) => {
      let id = classes.indexOf(label);
      if (id < 0) id = classes.push(label) - 1;
      return id;
    };
    const { width: W, height: H } = e.detection.imageSize;
    // Whole pixels, as Ground Truth writes them, kept inside the image and at least 1 px.
    const annotations = e.detection.boxes.map((b) => {
      const left = Math.min(Math.max(0, Math.round(b.left)), W - 1);
      const top = Math.min(Math.max(0, Math.round(b.top)), H - 1);
      const width = Math.max(1, Math.min(W, Math.round(b.left + b.width)) - left);
      const height = Math.max(1, Math.min(H, Math.round(b.top + b.height)) - top);
      return { class_id: idOf(b.label), top, left, width, height };
    });
    line[attr] = { image_size: [{ ...e.detection.imageSize }], annotations };
    line[`${attr}-metadata`] = {
      objects: annotations.map(() => ({ confidence: 1 })),
      'class-map': Object.fromEntries(classes.map((c, i) => [String(i), c])),
      type: DETECTION_TYPE,
      'human-annotated': 'yes',
      'creation-date': creationDate,
      'job-name': jobName,
    };
  }
  return JSON.stringify(line);
}

/** A whole manifest (JSON Lines, newline-terminated). */
export function writeManifest(entries: Iterable<ManifestEntry>, o: WriteOptions = {}): string {
  let out = '';
  for (const e of entries) out += writeManifestLine(e, o) + '\n';
  return out;
}

/**
 * What keeps a set of entries from training a model of the given kind, by Rekognition's rules
 * (≥ 2 labels for classification, ≥ 1 for detection, ≤ 250 labels); empty when nothing does.
 */
export function trainingProblems(entries: readonly ManifestEntry[], kind: 'classification' | 'detection'): string[] {
  const labels = new Set<string>();
  for (const e of entries) {
    if (kind === 'classification') e.labels.forEach((l) => labels.add(l));
    else e.detection?.boxes.forEach((b) => labels.add(b.label));
  }
  const problems: string[] = [];
  const min = kind === 'classification' ? MANIFEST_LIMITS.minClassificationLabels : MANIFEST_LIMITS.minDetectionLabels;
  if (labels.size < min) problems.push(`A ${kind} model needs at least ${min} label${min > 1 ? 's' : ''}; the dataset has ${labels.size}.`);
  if (labels.size > MANIFEST_LIMITS.maxLabels) problems.push(`The dataset has ${labels.size} labels; at most ${MANIFEST_LIMITS.maxLabels} are allowed.`);
  return problems;
}

/** Classification when no entry has boxes, detection otherwise. */
export function manifestKind(entries: readonly ManifestEntry[]): 'classification' | 'detection' {
  return entries.some((e) => e.detection !== undefined) ? 'detection' : 'classification';
}
