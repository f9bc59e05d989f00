/** Custom Labels project versions (trained models) in SQLite. */
import type Database from 'better-sqlite3';
import type { ProjectVersionRecord, ProjectVersionRepository, ProjectVersionStatus } from './metadata.js';

interface Row {
  key: number;
  project_key: number;
  version_name: string;
  arn: string;
  status: ProjectVersionStatus;
  status_message: string;
  created_at: number;
  training_end_at: number | null;
  output_config: string;
  job_id: string | null;
  model_blob: string | null;
  evaluation: string | null;
  min_inference_units: number | null;
}

const toRecord = (r: Row): ProjectVersionRecord => ({
  key: r.key,
  projectKey: r.project_key,
  versionName: r.version_name,
  arn: r.arn,
  status: r.status,
  statusMessage: r.status_message,
  createdAt: new Date(r.created_at),
  ...(r.training_end_at === null ? {} : { trainingEndAt: new Date(r.training_end_at) }),
  outputConfig: JSON.parse(r.output_config) as ProjectVersionRecord['outputConfig'],
  ...(r.job_id === null ? {} : { jobId: r.job_id }),
  ...(r.model_blob === null ? {} : { modelBlob: r.model_blob }),
  ...(r.evaluation === null ? {} : { evaluation: JSON.parse(r.evaluation) as ProjectVersionRecord['evaluation'] }),
  ...(r.min_inference_units === null ? {} : { minInferenceUnits: r.min_inference_units }),
});

const COLUMNS: Record<string, (v: never) => unknown> = {
  status: (v) => v,
  statusMessage: (v) => v,
  trainingEndAt: (v: Date) => v.getTime(),
  outputConfig: (v) => JSON.stringify(v),
  jobId: (v) => v,
  modelBlob: (v) => v,
  evaluation: (v: { f1: number }) => JSON.stringify(v),
  minInferenceUnits: (v) => v,
};
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export class SqliteProjectVersionRepository implements ProjectVersionRepository {
  constructor(private readonly db: Database.Database) {}

  create(v: Omit<ProjectVersionRecord, 'key'>): ProjectVersionRecord | undefined {
    const r = this.db
      .prepare(
        `INSERT INTO cl_project_versions (project_key, version_name, arn, status, status_message, created_at, output_config, job_id, f1)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (project_key, version_name) DO NOTHING`,
      )
      .run(v.projectKey, v.versionName, v.arn, v.status, v.statusMessage, v.createdAt.getTime(), JSON.stringify(v.outputConfig), v.jobId ?? null);
    return r.changes ? this.getByArn(v.arn) : undefined;
  }

  getByArn(arn: string): ProjectVersionRecord | undefined {
    const r = this.db.prepare('SELECT * FROM cl_project_versions WHERE arn = ?').get(arn) as Row | undefined;
    return r && toRecord(r);
  }

  list(projectKey: number, names?: readonly string[]): ProjectVersionRecord[] {
    const rows = this.db.prepare('SELECT * FROM cl_project_versions WHERE project_key = ? ORDER BY created_at DESC, key DESC').all(projectKey) as Row[];
    return rows.map(toRecord).filter((v) => !names?.length || names.includes(v.versionName));
  }

  update(key: number, change: Partial<Omit<ProjectVersionRecord, 'key' | 'projectKey' | 'versionName' | 'arn' | 'createdAt'>>): void {
    const entries = Object.entries(change).filter(([k, v]) => v !== undefined && k in COLUMNS);
    if (!entries.length) return;
    const sets = entries.map(([k]) => `${snake(k)} = ?`);
    const values = entries.map(([k, v]) => COLUMNS[k]!(v as never));
    if (change.evaluation) (sets.push('f1 = ?'), values.push(change.evaluation.f1));
    this.db.prepare(`UPDATE cl_project_versions SET ${sets.join(', ')} WHERE key = ?`).run(...values, key);
  }

  delete(key: number): void {
    this.db.prepare('DELETE FROM cl_project_versions WHERE key = ?').run(key);
  }

  withStatus(statuses: readonly ProjectVersionStatus[]): ProjectVersionRecord[] {
    const rows = this.db.prepare(`SELECT * FROM cl_project_versions WHERE status IN (${statuses.map(() => '?').join(', ')})`).all(...statuses) as Row[];
    return rows.map(toRecord);
  }
}
