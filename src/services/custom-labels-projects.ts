/**
 * Custom Labels projects and datasets: Rekognition's CreateProject, DescribeProjects,
 * DeleteProject, CreateDataset, DescribeDataset, DeleteDataset, ListDatasetEntries,
 * ListDatasetLabels, UpdateDatasetEntries, DistributeDatasetEntries and Put/List/
 * DeleteProjectPolicy, over the custom-labels repository (the source of truth) and the manifests
 * in Argus's own buckets. Dataset work finishes within the call, so a dataset is CREATE_COMPLETE
 * (or CREATE_FAILED with a reason) when CreateDataset answers. Bad manifest lines never fail a
 * dataset: each becomes an entry with errors (ErrorEntries), and the status message names them
 * by line number and Rekognition's error code.
 *
 *   const cl = new CustomLabelsProjectsService({ store: metadata.customLabels, readObject });
 *   const p = cl.createProject('parts');
 *   await cl.createDataset(p.arn, 'TRAIN', { manifest: { bucket: 'b', key: 'train.manifest' } });
 */
import { randomBytes } from 'node:crypto';
import { InvalidParameter, InvalidS3Object, ResourceAlreadyExists, ResourceInUse, ResourceNotFound, ServiceError } from '../edge/errors.js';
import type {
  CustomLabelsRepository,
  DatasetEntryRecord,
  DatasetLabelStat,
  DatasetRecord,
  DatasetStatsRecord,
  DatasetType,
  NewDatasetEntry,
  ProjectFeature,
  ProjectPolicyRecord,
  ProjectRecord,
} from '../stores/metadata.js';
import { MANIFEST_LIMITS, entryLabels, isLabeled, parseManifest, parseS3Uri, type LineError, type ParsedLine } from '../vision/custom-labels/manifest.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { rng } from '../vision/random.js';

export const LimitExceeded = (message: string) => new ServiceError('LimitExceededException', message);
export const InvalidPolicyRevisionId = (message: string) => new ServiceError('InvalidPolicyRevisionIdException', message);
export const MalformedPolicyDocument = (message: string) => new ServiceError('MalformedPolicyDocumentException', message);

/** Rekognition's limits and page sizes for these operations. */
export const CUSTOM_LABELS_LIMITS = Object.freeze({
  describeProjects: 100,
  listDatasetEntries: 100,
  listDatasetLabels: 100,
  listProjectPolicies: 5,
  policiesPerProject: 5,
  /** Images per dataset (classification default and detection). */
  entriesPerDataset: 250_000,
  /** Share of TRAIN that DistributeDatasetEntries moves to TEST. */
  testShare: 0.2,
  /** Lines named one by one in a dataset's status message. */
  errorsInStatusMessage: 10,
});

export interface CustomLabelsProjectsOptions {
  store: CustomLabelsRepository;
  /** The bytes of an object in an Argus bucket (at most maxBytes), or undefined when there is none. */
  readObject(bucket: string, key: string, maxBytes: number): Promise<Buffer | undefined>;
  /** Whether an object exists; when given, entries whose image is missing from an Argus bucket get an error. */
  objectExists?(bucket: string, key: string): boolean;
  /** How many model versions a project has (DeleteProject refuses while it has any); none when not given. */
  versionCount?(project: ProjectRecord): number;
  region?: string;
  accountId?: string;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export interface DatasetSourceInput {
  manifest?: { bucket?: string; key?: string };
  datasetArn?: string;
}

export interface DatasetInfo {
  dataset: DatasetRecord;
  stats: DatasetStatsRecord;
}

export interface EntryFilters {
  containsLabels?: readonly string[];
  labeled?: boolean;
  sourceRefContains?: string;
  hasErrors?: boolean;
  nextToken?: string;
  maxResults?: number;
}

/** What a batch of manifest lines turned into. */
interface Ingested {
  entries: NewDatasetEntry[];
  unparsed: number;
  errors: LineError[];
}


export class CustomLabelsProjectsService {
  private readonly store: CustomLabelsRepository;
  private readonly arnPrefix: string;
  /** Last timestamp put in an ARN: strictly increasing, so a re-created project or dataset never gets an old ARN. */
  private lastStamp = 0;

  constructor(private readonly o: CustomLabelsProjectsOptions) {
    this.store = o.store;
    this.arnPrefix = `arn:aws:rekognition:${o.region ?? 'us-east-1'}:${o.accountId ?? '000000000000'}:project/`;
  }

  // ---- projects ---------------------------------------------------------------------------

  createProject(name: string, feature: ProjectFeature = 'CUSTOM_LABELS', autoUpdate?: 'ENABLED' | 'DISABLED'): ProjectRecord {
    if (autoUpdate !== undefined && feature !== 'CONTENT_MODERATION') throw InvalidParameter('AutoUpdate applies only to projects with the CONTENT_MODERATION feature.');
    const createdAt = this.stamp();
    const created = this.store.createProject({
      name,
      arn: `${this.arnPrefix}${name}/${createdAt.getTime()}`,
      feature,
      ...(feature === 'CONTENT_MODERATION' ? { autoUpdate: autoUpdate ?? 'DISABLED' } : {}),
      status: 'CREATED',
      createdAt,
    });
    // Rekognition answers a taken name with ResourceInUseException.
    if (!created) throw ResourceInUse(`A project with the name ${name} already exists.`);
    return created;
  }

  /** Projects (with their datasets) in creation order; Features defaults to CUSTOM_LABELS, as in Rekognition. */
  describeProjects(o: { names?: readonly string[]; features?: readonly ProjectFeature[]; nextToken?: string; maxResults?: number } = {}): Page<{ project: ProjectRecord; datasets: DatasetRecord[] }> {
    const features = o.features && o.features.length > 0 ? [...new Set(o.features)].sort() : ['CUSTOM_LABELS' as const];
    const scope = JSON.stringify([o.names ? [...o.names].sort() : null, features]);
    const max = o.maxResults ?? CUSTOM_LABELS_LIMITS.describeProjects;
    const after = o.nextToken === undefined ? 0 : decodePageToken<number>(o.nextToken, 'DescribeProjects', scope, 'number');
    const rows = this.store.listProjects({ afterKey: after, limit: max + 1, ...(o.names ? { names: o.names } : {}), features });
    const items = rows.slice(0, max).map((project) => ({ project, datasets: this.store.datasetsOf(project.key) }));
    return { items, ...(rows.length > max ? { nextToken: encodePageToken('DescribeProjects', scope, rows[max - 1]!.key) } : {}) };
  }

  /** Deletes the project with its datasets and policies; refused while it has model versions. */
  deleteProject(projectArn: string): 'DELETING' {
    const p = this.project(projectArn);
    const versions = this.o.versionCount?.(p) ?? 0;
    if (versions > 0) throw ResourceInUse(`The project ${p.name} has ${versions} model version${versions > 1 ? 's' : ''}; delete them (DeleteProjectVersion) before the project.`);
    if (!this.store.deleteProject(p.key)) throw this.noProject(projectArn);
    return 'DELETING';
  }

  project(projectArn: string): ProjectRecord {
    const p = this.store.getProjectByArn(projectArn);
    if (!p) throw this.noProject(projectArn);
    return p;
  }

  // ---- datasets ---------------------------------------------------------------------------

  async createDataset(projectArn: string, type: DatasetType, source: DatasetSourceInput = {}): Promise<DatasetRecord> {
    const p = this.project(projectArn);
    if (p.feature !== 'CUSTOM_LABELS') throw InvalidParameter(`Project ${p.name} is a ${p.feature} project; datasets belong to CUSTOM_LABELS projects.`);
    if (this.store.datasetsOf(p.key).some((d) => d.type === type)) throw this.datasetExists(p, type);
    if (source.manifest && source.datasetArn) throw InvalidParameter('DatasetSource takes either GroundTruthManifest or DatasetArn, not both.');

    let ingested: Ingested = { entries: [], unparsed: 0, errors: [] };
    if (source.manifest) {
      ingested = this.ingest(await this.readManifest(source.manifest));
    } else if (source.datasetArn) {
      const from = this.dataset(source.datasetArn);
      ingested.entries = this.allEntries(from.key).map(({ seq: _seq, ...e }) => e);
    }
    const now = this.stamp();
    const failure = this.terminalProblem(ingested, source.manifest !== undefined);
    const record = this.store.createDataset(
      {
        projectKey: p.key,
        type,
        arn: `${p.arn.slice(0, p.arn.lastIndexOf('/'))}/dataset/${type.toLowerCase()}/${now.getTime()}`,
        status: failure ? 'CREATE_FAILED' : 'CREATE_COMPLETE',
        statusMessage: failure ?? this.statusMessage('The dataset was created successfully.', ingested),
        statusMessageCode: failure ? 'CLIENT_ERROR' : 'SUCCESS',
        unparsedLines: failure ? 0 : ingested.unparsed,
        createdAt: now,
        updatedAt: now,
      },
      failure ? [] : ingested.entries,
    );
    if (!record) throw this.datasetExists(p, type);
    return record;
  }

  describeDataset(datasetArn: string): DatasetInfo {
    const dataset = this.dataset(datasetArn);
    return { dataset, stats: this.store.datasetStats(dataset.key) };
  }

  deleteDataset(datasetArn: string): void {
    const d = this.dataset(datasetArn);
    if (d.status === 'CREATE_IN_PROGRESS' || d.status === 'UPDATE_IN_PROGRESS') throw ResourceInUse(`The dataset ${datasetArn} is ${d.status}; try again when it is done.`);
    if (!this.store.deleteDataset(d.key)) throw this.noDataset(datasetArn);
  }

  listDatasetEntries(datasetArn: string, f: EntryFilters = {}): Page<DatasetEntryRecord> {
    const d = this.readyDataset(datasetArn);
    const max = f.maxResults ?? CUSTOM_LABELS_LIMITS.listDatasetEntries;
    const scope = JSON.stringify([datasetArn, f.containsLabels ?? null, f.labeled ?? null, f.sourceRefContains ?? null, f.hasErrors ?? null]);
    const after = f.nextToken === undefined ? 0 : decodePageToken<number>(f.nextToken, 'ListDatasetEntries', scope, 'number');
    const rows = this.store.listEntries(d.key, {
      afterSeq: after,
      limit: max + 1,
      ...(f.containsLabels ? { containsLabels: f.containsLabels } : {}),
      ...(f.labeled === undefined ? {} : { labeled: f.labeled }),
      ...(f.sourceRefContains === undefined ? {} : { sourceRefContains: f.sourceRefContains }),
      ...(f.hasErrors === undefined ? {} : { hasErrors: f.hasErrors }),
    });
    return { items: rows.slice(0, max), ...(rows.length > max ? { nextToken: encodePageToken('ListDatasetEntries', scope, rows[max - 1]!.seq) } : {}) };
  }

  listDatasetLabels(datasetArn: string, o: { nextToken?: string; maxResults?: number } = {}): Page<DatasetLabelStat> {
    const d = this.readyDataset(datasetArn);
    const max = o.maxResults ?? CUSTOM_LABELS_LIMITS.listDatasetLabels;
    const after = o.nextToken === undefined ? undefined : decodePageToken<string>(o.nextToken, 'ListDatasetLabels', datasetArn, 'string');
    const rows = this.store.listLabels(d.key, after, max + 1);
    return { items: rows.slice(0, max), ...(rows.length > max ? { nextToken: encodePageToken('ListDatasetLabels', datasetArn, rows[max - 1]!.label) } : {}) };
  }

  /** Adds JSON lines to a dataset, replacing the entries with the same source-ref. */
  updateDatasetEntries(datasetArn: string, groundTruth: Buffer): { replaced: number; added: number; errors: LineError[] } {
    const d = this.dataset(datasetArn);
    if (d.status === 'CREATE_IN_PROGRESS' || d.status === 'UPDATE_IN_PROGRESS' || d.status === 'DELETE_IN_PROGRESS') throw ResourceInUse(`The dataset ${datasetArn} is ${d.status}; try again when it is done.`);
    const text = groundTruth.toString('utf8');
    const ingested = this.ingest(text);
    if (ingested.entries.length === 0 && ingested.unparsed === 0) throw InvalidParameter('Changes.GroundTruth has no JSON lines.');
    // Limits are checked against the dataset as it would be after the change.
    const labels = new Set(this.allLabels(d.key));
    for (const e of ingested.entries) for (const l of e.labels) labels.add(l.label);
    if (labels.size > MANIFEST_LIMITS.maxLabels) throw LimitExceeded(`The dataset would have ${labels.size} labels; at most ${MANIFEST_LIMITS.maxLabels} are allowed.`);
    const stats = this.store.datasetStats(d.key);
    if (stats.totalEntries + ingested.entries.length > CUSTOM_LABELS_LIMITS.entriesPerDataset) {
      // Replacements do not add entries, but a cheap upper bound is enough to refuse only near the limit.
      const refs = new Set(this.allEntries(d.key).map((e) => e.sourceRef));
      const added = ingested.entries.filter((e) => e.sourceRef === null || !refs.has(e.sourceRef)).length;
      if (stats.totalEntries + added > CUSTOM_LABELS_LIMITS.entriesPerDataset) throw LimitExceeded(`The dataset would have more than ${CUSTOM_LABELS_LIMITS.entriesPerDataset} entries.`);
    }
    const replaced = this.store.upsertEntries(d.key, ingested.entries);
    this.store.updateDataset(d.key, {
      status: 'UPDATE_COMPLETE',
      statusMessage: this.statusMessage('The dataset was updated successfully.', ingested),
      statusMessageCode: 'SUCCESS',
      unparsedLines: d.unparsedLines + ingested.unparsed,
      updatedAt: new Date(),
    });
    return { replaced, added: ingested.entries.length - replaced, errors: ingested.errors };
  }

  /**
   * Moves 20 % of the TRAIN dataset's entries to the project's empty TEST dataset, keeping each
   * label's share (entries are grouped by their first label and drawn with a fixed seed), as
   * Rekognition's DistributeDatasetEntries does.
   */
  distributeDatasetEntries(datasetArns: readonly string[]): void {
    if (datasetArns.length !== 2) throw InvalidParameter('Datasets must name the TRAIN and the TEST dataset of one project.');
    const ds = datasetArns.map((arn) => this.dataset(arn));
    const train = ds.find((d) => d.type === 'TRAIN');
    const test = ds.find((d) => d.type === 'TEST');
    if (!train || !test) throw InvalidParameter('Datasets must name one TRAIN and one TEST dataset.');
    if (train.projectKey !== test.projectKey) throw InvalidParameter('The TRAIN and TEST datasets must belong to the same project.');
    for (const d of ds) if (!d.status.endsWith('_COMPLETE')) throw new ServiceError('ResourceNotReadyException', `The dataset ${d.arn} is ${d.status}.`);
    if (this.store.datasetStats(test.key).totalEntries > 0) throw InvalidParameter('The TEST dataset must be empty to distribute the TRAIN dataset into it.');
    const entries = this.allEntries(train.key).filter((e) => !e.hasErrors);
    if (entries.length < 2) throw InvalidParameter(`The TRAIN dataset has ${entries.length} valid entr${entries.length === 1 ? 'y' : 'ies'}; distributing needs at least 2.`);

    const random = rng(train.key * 7919 + entries.length);
    const groups = new Map<string, DatasetEntryRecord[]>();
    for (const e of entries) {
      const key = e.labels.length ? [...e.labels].map((l) => l.label).sort()[0]! : '';
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(e);
    }
    const target = Math.max(1, Math.round(entries.length * CUSTOM_LABELS_LIMITS.testShare));
    // Largest-remainder allocation of the target over the groups, then a seeded draw within each.
    const quotas = [...groups.entries()].map(([label, list]) => {
      const exact = (list.length * target) / entries.length;
      return { label, list, exact, n: Math.floor(exact) };
    });
    let left = target - quotas.reduce((s, q) => s + q.n, 0);
    for (const q of [...quotas].sort((a, b) => b.exact - b.n - (a.exact - a.n) || a.label.localeCompare(b.label))) {
      if (left <= 0) break;
      q.n++;
      left--;
    }
    const moved: number[] = [];
    for (const q of quotas) {
      const list = [...q.list];
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
      moved.push(...list.slice(0, q.n).map((e) => e.seq));
    }
    this.store.moveEntries(train.key, test.key, moved);
    const now = new Date();
    this.store.updateDataset(train.key, { status: 'UPDATE_COMPLETE', statusMessage: `${moved.length} entries were moved to the TEST dataset.`, statusMessageCode: 'SUCCESS', updatedAt: now });
    this.store.updateDataset(test.key, { status: 'UPDATE_COMPLETE', statusMessage: `${moved.length} entries were moved from the TRAIN dataset.`, statusMessageCode: 'SUCCESS', updatedAt: now });
  }

  /** Every entry of a dataset, in order (for training and copies). */
  allEntries(datasetKey: number): DatasetEntryRecord[] {
    const out: DatasetEntryRecord[] = [];
    for (let after = 0; ; ) {
      const page = this.store.listEntries(datasetKey, { afterSeq: after, limit: 4096 });
      out.push(...page);
      if (page.length < 4096) return out;
      after = page[page.length - 1]!.seq;
    }
  }

  dataset(datasetArn: string): DatasetRecord {
    const d = this.store.getDatasetByArn(datasetArn);
    if (!d) throw this.noDataset(datasetArn);
    return d;
  }

  // ---- project policies -------------------------------------------------------------------

  putProjectPolicy(projectArn: string, name: string, document: string, revisionId?: string): string {
    const p = this.project(projectArn);
    try {
      const doc: unknown = JSON.parse(document);
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not an object');
    } catch {
      throw MalformedPolicyDocument('The policy document is not a JSON object.');
    }
    const existing = this.store.getPolicy(p.key, name);
    if (existing && revisionId === undefined) throw ResourceAlreadyExists(`The project policy ${name} already exists; pass its PolicyRevisionId to replace it.`);
    if (existing && existing.revisionId !== revisionId) throw InvalidPolicyRevisionId(`The revision id ${revisionId} does not match the current revision of policy ${name}.`);
    if (!existing && revisionId !== undefined) throw ResourceNotFound(`The project policy ${name} does not exist.`);
    if (!existing && this.store.countPolicies(p.key) >= CUSTOM_LABELS_LIMITS.policiesPerProject) throw LimitExceeded(`A project can have at most ${CUSTOM_LABELS_LIMITS.policiesPerProject} policies.`);
    const now = new Date();
    const rev = randomBytes(16).toString('hex');
    this.store.putPolicy({ projectKey: p.key, name, revisionId: rev, document, createdAt: existing?.createdAt ?? now, updatedAt: now });
    return rev;
  }

  listProjectPolicies(projectArn: string, o: { nextToken?: string; maxResults?: number } = {}): Page<ProjectPolicyRecord> & { project: ProjectRecord } {
    const p = this.project(projectArn);
    const max = o.maxResults ?? CUSTOM_LABELS_LIMITS.listProjectPolicies;
    const after = o.nextToken === undefined ? undefined : decodePageToken<string>(o.nextToken, 'ListProjectPolicies', projectArn, 'string');
    const rows = this.store.listPolicies(p.key, after, max + 1);
    return { project: p, items: rows.slice(0, max), ...(rows.length > max ? { nextToken: encodePageToken('ListProjectPolicies', projectArn, rows[max - 1]!.name) } : {}) };
  }

  deleteProjectPolicy(projectArn: string, name: string, revisionId?: string): void {
    const p = this.project(projectArn);
    const existing = this.store.getPolicy(p.key, name);
    if (!existing) throw ResourceNotFound(`The project policy ${name} does not exist.`);
    if (revisionId !== undefined && existing.revisionId !== revisionId) throw InvalidPolicyRevisionId(`The revision id ${revisionId} does not match the current revision of policy ${name}.`);
    this.store.deletePolicy(p.key, name);
  }

  // ---- internals --------------------------------------------------------------------------

  private async readManifest(m: { bucket?: string; key?: string }): Promise<string> {
    if (!m.bucket || !m.key) throw InvalidS3Object('GroundTruthManifest.S3Object needs Bucket and Name.');
    const bytes = await this.o.readObject(m.bucket, m.key, MANIFEST_LIMITS.maxManifestBytes).catch((err: Error) => {
      throw InvalidS3Object(`Unable to read the manifest s3://${m.bucket}/${m.key}: ${err.message}`);
    });
    if (!bytes) throw InvalidS3Object(`Unable to get object metadata from S3. Check object key, region and/or access permissions. (No manifest at s3://${m.bucket}/${m.key}.)`);
    return bytes.toString('utf8').replace(/^\uFEFF/, '');
  }

  /** Manifest text → entries with their labels and errors (missing images count as errors). */
  private ingest(text: string): Ingested {
    const { lines } = parseManifest(text);
    const out: Ingested = { entries: [], unparsed: 0, errors: [] };
    for (const l of lines) {
      this.checkImage(l);
      out.errors.push(...l.errors);
      if (!l.json) {
        out.unparsed++;
        continue;
      }
      const e = l.entry;
      const boxes = new Map<string, number>();
      if (e) {
        for (const label of entryLabels(e)) boxes.set(label, 0);
        for (const b of e.detection?.boxes ?? []) boxes.set(b.label, boxes.get(b.label)! + 1);
      }
      out.entries.push({
        sourceRef: l.sourceRef ?? null,
        line: l.text,
        labels: [...boxes].map(([label, n]) => ({ label, boxes: n })),
        labeled: e ? isLabeled(e) : false,
        hasErrors: l.errors.length > 0,
      });
    }
    return out;
  }

  private checkImage(l: ParsedLine): void {
    if (!this.o.objectExists || !l.sourceRef) return;
    const s3 = parseS3Uri(l.sourceRef);
    if (s3 && !this.o.objectExists(s3.bucket, s3.key)) l.errors.push({ line: l.line, code: 'ERROR_INVALID_IMAGE', message: `The image ${l.sourceRef} does not exist.` });
  }

  /** A reason to fail the whole dataset (Rekognition's terminal manifest errors), if any. */
  private terminalProblem(i: Ingested, fromManifest: boolean): string | undefined {
    if (fromManifest && i.entries.every((e) => e.hasErrors)) {
      const first = i.errors.slice(0, 3).map((e) => `line ${e.line}: ${e.code}`).join('; ');
      return `ERROR_MANIFEST_NO_VALID_ENTRIES: the manifest has no valid JSON line${first ? ` (${first})` : ''}.`;
    }
    const labels = new Set(i.entries.flatMap((e) => e.labels.map((l) => l.label)));
    if (labels.size > MANIFEST_LIMITS.maxLabels) return `ERROR_TOO_MANY_LABELS: the manifest has ${labels.size} labels; at most ${MANIFEST_LIMITS.maxLabels} are allowed.`;
    if (i.entries.length > CUSTOM_LABELS_LIMITS.entriesPerDataset) return `ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM: the manifest has ${i.entries.length} entries; at most ${CUSTOM_LABELS_LIMITS.entriesPerDataset} are allowed.`;
    return undefined;
  }

  private statusMessage(ok: string, i: Ingested): string {
    if (i.errors.length === 0) return ok;
    const lines = new Set(i.errors.map((e) => e.line));
    const shown = i.errors.slice(0, CUSTOM_LABELS_LIMITS.errorsInStatusMessage).map((e) => `line ${e.line}: ${e.code} (${e.message})`);
    const more = i.errors.length > shown.length ? `; and ${i.errors.length - shown.length} more` : '';
    return `${ok} ${lines.size} line${lines.size > 1 ? 's have' : ' has'} errors and will not be used for training: ${shown.join('; ')}${more}.`;
  }

  private allLabels(datasetKey: number): string[] {
    const out: string[] = [];
    for (let after: string | undefined; ; ) {
      const page = this.store.listLabels(datasetKey, after, 1000);
      out.push(...page.map((l) => l.label));
      if (page.length < 1000) return out;
      after = page[page.length - 1]!.label;
    }
  }

  private readyDataset(datasetArn: string): DatasetRecord {
    const d = this.dataset(datasetArn);
    if (d.status === 'CREATE_IN_PROGRESS') throw new ServiceError('ResourceNotReadyException', `The dataset ${datasetArn} is still being created.`);
    return d;
  }

  private stamp(): Date {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return new Date(this.lastStamp);
  }

  private noProject = (arn: string) => ResourceNotFound(`The project ${arn} does not exist.`);
  private noDataset = (arn: string) => ResourceNotFound(`The dataset ${arn} does not exist.`);
  private datasetExists = (p: ProjectRecord, type: DatasetType) => ResourceAlreadyExists(`The project ${p.name} already has a ${type} dataset.`);
}
