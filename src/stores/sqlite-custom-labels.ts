/**
 * Custom Labels projects, datasets, dataset entries and project policies in SQLite. Each entry
 * keeps its manifest JSON line verbatim; its labels (with box counts) are also rows of
 * cl_entry_labels, so label filters and ListDatasetLabels statistics are SQL, not JSON scans.
 */
import type Database from 'better-sqlite3';
import type {
  CustomLabelsRepository,
  DatasetEntriesQuery,
  DatasetEntryRecord,
  DatasetLabelStat,
  DatasetRecord,
  DatasetStatsRecord,
  NewDatasetEntry,
  ProjectFeature,
  ProjectPolicyRecord,
  ProjectRecord,
} from './metadata.js';

interface ProjectRow {
  key: number;
  name: string;
  arn: string;
  feature: ProjectFeature;
  auto_update: 'ENABLED' | 'DISABLED' | null;
  status: ProjectRecord['status'];
  created_at: number;
}

interface DatasetRow {
  key: number;
  project_key: number;
  type: DatasetRecord['type'];
  arn: string;
  status: DatasetRecord['status'];
  status_message: string;
  status_message_code: DatasetRecord['statusMessageCode'];
  unparsed_lines: number;
  created_at: number;
  updated_at: number;
}

interface EntryRow {
  seq: number;
  source_ref: string | null;
  line: string;
  labeled: number;
  has_errors: number;
  labels: string | null;
}

interface PolicyRow {
  project_key: number;
  name: string;
  revision_id: string;
  document: string;
  created_at: number;
  updated_at: number;
}

const toProject = (r: ProjectRow): ProjectRecord => ({
  key: r.key,
  name: r.name,
  arn: r.arn,
  feature: r.feature,
  ...(r.auto_update === null ? {} : { autoUpdate: r.auto_update }),
  status: r.status,
  createdAt: new Date(r.created_at),
});

const toDataset = (r: DatasetRow): DatasetRecord => ({
  key: r.key,
  projectKey: r.project_key,
  type: r.type,
  arn: r.arn,
  status: r.status,
  statusMessage: r.status_message,
  statusMessageCode: r.status_message_code,
  unparsedLines: r.unparsed_lines,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

const toEntry = (r: EntryRow): DatasetEntryRecord => ({
  seq: r.seq,
  sourceRef: r.source_ref,
  line: r.line,
  labeled: r.labeled === 1,
  hasErrors: r.has_errors === 1,
  labels: r.labels ? (JSON.parse(r.labels) as [string, number][]).map(([label, boxes]) => ({ label, boxes })) : [],
});

const toPolicy = (r: PolicyRow): ProjectPolicyRecord => ({
  projectKey: r.project_key,
  name: r.name,
  revisionId: r.revision_id,
  document: r.document,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

const ENTRY_COLUMNS = `e.seq, e.source_ref, e.line, e.labeled, e.has_errors,
  (SELECT json_group_array(json_array(l.label, l.boxes)) FROM cl_entry_labels l WHERE l.entry_seq = e.seq) AS labels`;

export class SqliteCustomLabelsRepository implements CustomLabelsRepository {
  private readonly stmt;
  private readonly upsertTx;
  private readonly createDatasetTx;
  private readonly moveTx;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      insertProject: db.prepare(`INSERT INTO cl_projects (name, arn, feature, auto_update, status, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      projectByName: db.prepare(`SELECT * FROM cl_projects WHERE name = ?`),
      projectByArn: db.prepare(`SELECT * FROM cl_projects WHERE arn = ?`),
      deleteProject: db.prepare(`DELETE FROM cl_projects WHERE key = ?`),
      insertDataset: db.prepare(`INSERT INTO cl_datasets (project_key, type, arn, status, status_message, status_message_code, unparsed_lines, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      datasetByKey: db.prepare(`SELECT * FROM cl_datasets WHERE key = ?`),
      datasetByArn: db.prepare(`SELECT * FROM cl_datasets WHERE arn = ?`),
      datasetsOf: db.prepare(`SELECT * FROM cl_datasets WHERE project_key = ? ORDER BY type DESC`),
      deleteDataset: db.prepare(`DELETE FROM cl_datasets WHERE key = ?`),
      entryByRef: db.prepare(`SELECT seq FROM cl_entries WHERE dataset_key = ? AND source_ref = ?`),
      deleteEntry: db.prepare(`DELETE FROM cl_entries WHERE seq = ?`),
      insertEntry: db.prepare(`INSERT INTO cl_entries (dataset_key, source_ref, line, labeled, has_errors) VALUES (?, ?, ?, ?, ?)`),
      updateEntry: db.prepare(`UPDATE cl_entries SET line = ?, labeled = ?, has_errors = ? WHERE seq = ?`),
      deleteEntryLabels: db.prepare(`DELETE FROM cl_entry_labels WHERE entry_seq = ?`),
      insertLabel: db.prepare(`INSERT OR REPLACE INTO cl_entry_labels (entry_seq, dataset_key, label, boxes) VALUES (?, ?, ?, ?)`),
      moveEntry: db.prepare(`UPDATE cl_entries SET dataset_key = ? WHERE seq = ? AND dataset_key = ?`),
      moveLabels: db.prepare(`UPDATE cl_entry_labels SET dataset_key = ? WHERE entry_seq = ?`),
      stats: db.prepare(`SELECT COUNT(*) AS total, COALESCE(SUM(labeled), 0) AS labeled, COALESCE(SUM(has_errors), 0) AS errors FROM cl_entries WHERE dataset_key = ?`),
      countLabels: db.prepare(`SELECT COUNT(DISTINCT label) AS n FROM cl_entry_labels WHERE dataset_key = ?`),
      labels: db.prepare(`SELECT label, COUNT(*) AS entries, SUM(boxes) AS boxes FROM cl_entry_labels WHERE dataset_key = ? AND label > ? GROUP BY label ORDER BY label LIMIT ?`),
      putPolicy: db.prepare(`INSERT INTO cl_project_policies (project_key, name, revision_id, document, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (project_key, name) DO UPDATE SET revision_id = excluded.revision_id, document = excluded.document, updated_at = excluded.updated_at`),
      getPolicy: db.prepare(`SELECT * FROM cl_project_policies WHERE project_key = ? AND name = ?`),
      listPolicies: db.prepare(`SELECT * FROM cl_project_policies WHERE project_key = ? AND name > ? ORDER BY name LIMIT ?`),
      countPolicies: db.prepare(`SELECT COUNT(*) AS n FROM cl_project_policies WHERE project_key = ?`),
      deletePolicy: db.prepare(`DELETE FROM cl_project_policies WHERE project_key = ? AND name = ?`),
    };
    this.upsertTx = db.transaction((datasetKey: number, entries: readonly NewDatasetEntry[]) => {
      let replaced = 0;
      for (const e of entries) {
        const existing = e.sourceRef === null ? undefined : (this.stmt.entryByRef.get(datasetKey, e.sourceRef) as { seq: number } | undefined);
        let seq: number;
        if (existing) {
          replaced++;
          seq = existing.seq;
          this.stmt.updateEntry.run(e.line, e.labeled ? 1 : 0, e.hasErrors ? 1 : 0, seq);
          this.stmt.deleteEntryLabels.run(seq);
        } else {
          seq = Number(this.stmt.insertEntry.run(datasetKey, e.sourceRef, e.line, e.labeled ? 1 : 0, e.hasErrors ? 1 : 0).lastInsertRowid);
        }
        for (const l of e.labels) this.stmt.insertLabel.run(seq, datasetKey, l.label, l.boxes);
      }
      return replaced;
    });
    this.createDatasetTx = db.transaction((d: Omit<DatasetRecord, 'key'>, entries: readonly NewDatasetEntry[]) => {
      const r = this.stmt.insertDataset.run(d.projectKey, d.type, d.arn, d.status, d.statusMessage, d.statusMessageCode, d.unparsedLines, d.createdAt.getTime(), d.updatedAt.getTime());
      if (r.changes === 0) return undefined;
      const key = Number(r.lastInsertRowid);
      this.upsertTx(key, entries);
      return toDataset(this.stmt.datasetByKey.get(key) as DatasetRow);
    });
    this.moveTx = db.transaction((fromKey: number, toKey: number, seqs: readonly number[]) => {
      for (const seq of seqs) {
        if (this.stmt.moveEntry.run(toKey, seq, fromKey).changes > 0) this.stmt.moveLabels.run(toKey, seq);
      }
    });
  }

  createProject(p: Omit<ProjectRecord, 'key'>): ProjectRecord | undefined {
    const r = this.stmt.insertProject.run(p.name, p.arn, p.feature, p.autoUpdate ?? null, p.status, p.createdAt.getTime());
    return r.changes === 0 ? undefined : { ...p, key: Number(r.lastInsertRowid) };
  }

  getProject(name: string): ProjectRecord | undefined {
    const r = this.stmt.projectByName.get(name) as ProjectRow | undefined;
    return r && toProject(r);
  }

  getProjectByArn(arn: string): ProjectRecord | undefined {
    const r = this.stmt.projectByArn.get(arn) as ProjectRow | undefined;
    return r && toProject(r);
  }

  listProjects(q: { afterKey: number; limit: number; names?: readonly string[]; features?: readonly ProjectFeature[] }): ProjectRecord[] {
    const where = ['key > ?'];
    const args: unknown[] = [q.afterKey];
    if (q.names) {
      where.push(`name IN (${q.names.map(() => '?').join(', ') || 'NULL'})`);
      args.push(...q.names);
    }
    if (q.features) {
      where.push(`feature IN (${q.features.map(() => '?').join(', ') || 'NULL'})`);
      args.push(...q.features);
    }
    const rows = this.db.prepare(`SELECT * FROM cl_projects WHERE ${where.join(' AND ')} ORDER BY key LIMIT ?`).all(...args, q.limit) as ProjectRow[];
    return rows.map(toProject);
  }

  deleteProject(key: number): boolean {
    return this.stmt.deleteProject.run(key).changes > 0;
  }

  createDataset(d: Omit<DatasetRecord, 'key'>, entries: readonly NewDatasetEntry[]): DatasetRecord | undefined {
    return this.createDatasetTx(d, entries);
  }

  getDatasetByArn(arn: string): DatasetRecord | undefined {
    const r = this.stmt.datasetByArn.get(arn) as DatasetRow | undefined;
    return r && toDataset(r);
  }

  datasetsOf(projectKey: number): DatasetRecord[] {
    return (this.stmt.datasetsOf.all(projectKey) as DatasetRow[]).map(toDataset);
  }

  updateDataset(key: number, change: Partial<Pick<DatasetRecord, 'status' | 'statusMessage' | 'statusMessageCode' | 'updatedAt' | 'unparsedLines'>>): void {
    const cols: Record<string, unknown> = {
      status: change.status,
      status_message: change.statusMessage,
      status_message_code: change.statusMessageCode,
      updated_at: change.updatedAt?.getTime(),
      unparsed_lines: change.unparsedLines,
    };
    const set = Object.entries(cols).filter(([, v]) => v !== undefined);
    if (set.length === 0) return;
    this.db.prepare(`UPDATE cl_datasets SET ${set.map(([k]) => `${k} = ?`).join(', ')} WHERE key = ?`).run(...set.map(([, v]) => v), key);
  }

  deleteDataset(key: number): boolean {
    return this.stmt.deleteDataset.run(key).changes > 0;
  }

  upsertEntries(datasetKey: number, entries: readonly NewDatasetEntry[]): number {
    return this.upsertTx(datasetKey, entries);
  }

  listEntries(datasetKey: number, q: DatasetEntriesQuery): DatasetEntryRecord[] {
    const where = ['e.dataset_key = ?', 'e.seq > ?'];
    const args: unknown[] = [datasetKey, q.afterSeq ?? 0];
    if (q.containsLabels && q.containsLabels.length > 0) {
      where.push(`EXISTS (SELECT 1 FROM cl_entry_labels l WHERE l.entry_seq = e.seq AND l.label IN (${q.containsLabels.map(() => '?').join(', ')}))`);
      args.push(...q.containsLabels);
    }
    if (q.labeled !== undefined) {
      where.push('e.labeled = ?');
      args.push(q.labeled ? 1 : 0);
    }
    if (q.hasErrors !== undefined) {
      where.push('e.has_errors = ?');
      args.push(q.hasErrors ? 1 : 0);
    }
    if (q.sourceRefContains !== undefined) {
      where.push(`instr(e.source_ref, ?) > 0`);
      args.push(q.sourceRefContains);
    }
    const rows = this.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM cl_entries e WHERE ${where.join(' AND ')} ORDER BY e.seq LIMIT ?`).all(...args, q.limit) as EntryRow[];
    return rows.map(toEntry);
  }

  moveEntries(fromKey: number, toKey: number, seqs: readonly number[]): void {
    this.moveTx(fromKey, toKey, seqs);
  }

  datasetStats(datasetKey: number): DatasetStatsRecord {
    const s = this.stmt.stats.get(datasetKey) as { total: number; labeled: number; errors: number };
    const unparsed = (this.stmt.datasetByKey.get(datasetKey) as DatasetRow | undefined)?.unparsed_lines ?? 0;
    const labels = (this.stmt.countLabels.get(datasetKey) as { n: number }).n;
    return { totalEntries: s.total + unparsed, labeledEntries: s.labeled, errorEntries: s.errors + unparsed, totalLabels: labels };
  }

  listLabels(datasetKey: number, after: string | undefined, limit: number): DatasetLabelStat[] {
    const rows = this.stmt.labels.all(datasetKey, after ?? '', limit) as { label: string; entries: number; boxes: number }[];
    return rows.map((r) => ({ label: r.label, entryCount: r.entries, boxCount: r.boxes }));
  }

  putPolicy(p: ProjectPolicyRecord): void {
    this.stmt.putPolicy.run(p.projectKey, p.name, p.revisionId, p.document, p.createdAt.getTime(), p.updatedAt.getTime());
  }

  getPolicy(projectKey: number, name: string): ProjectPolicyRecord | undefined {
    const r = this.stmt.getPolicy.get(projectKey, name) as PolicyRow | undefined;
    return r && toPolicy(r);
  }

  listPolicies(projectKey: number, after: string | undefined, limit: number): ProjectPolicyRecord[] {
    return (this.stmt.listPolicies.all(projectKey, after ?? '', limit) as PolicyRow[]).map(toPolicy);
  }

  countPolicies(projectKey: number): number {
    return (this.stmt.countPolicies.get(projectKey) as { n: number }).n;
  }

  deletePolicy(projectKey: number, name: string): boolean {
    return this.stmt.deletePolicy.run(projectKey, name).changes > 0;
  }
}
