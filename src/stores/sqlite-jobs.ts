/** Jobs (services/jobs.ts) in SQLite: one row per job, its input and result as JSON. */
import type Database from 'better-sqlite3';
import type { JobRecord, JobRepository, JobStatus } from './metadata.js';

interface JobRow {
  id: string;
  kind: string;
  status: JobStatus;
  progress: number;
  message: string | null;
  client_request_token: string | null;
  input: string;
  result: string | null;
  created_at: number;
  updated_at: number;
}

const toJob = (r: JobRow): JobRecord => ({
  id: r.id,
  kind: r.kind,
  status: r.status,
  progress: r.progress,
  ...(r.message === null ? {} : { message: r.message }),
  ...(r.client_request_token === null ? {} : { clientRequestToken: r.client_request_token }),
  input: JSON.parse(r.input) as unknown,
  ...(r.result === null ? {} : { result: JSON.parse(r.result) as unknown }),
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

export class SqliteJobRepository implements JobRepository {
  constructor(private readonly db: Database.Database) {}

  insert(j: JobRecord): void {
    this.db
      .prepare(
        `INSERT INTO jobs (id, kind, status, progress, message, client_request_token, input, result, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(j.id, j.kind, j.status, j.progress, j.message ?? null, j.clientRequestToken ?? null, JSON.stringify(j.input ?? null), j.result === undefined ? null : JSON.stringify(j.result), j.createdAt.getTime(), j.updatedAt.getTime());
  }

  get(id: string): JobRecord | undefined {
    const r = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return r && toJob(r);
  }

  byToken(kind: string, token: string): JobRecord | undefined {
    const r = this.db.prepare('SELECT * FROM jobs WHERE kind = ? AND client_request_token = ?').get(kind, token) as JobRow | undefined;
    return r && toJob(r);
  }

  update(id: string, c: Partial<Pick<JobRecord, 'status' | 'progress' | 'message' | 'result'>> & { updatedAt: Date }): void {
    const sets: string[] = ['updated_at = @updatedAt'];
    const params: Record<string, unknown> = { id, updatedAt: c.updatedAt.getTime() };
    if (c.status !== undefined) (sets.push('status = @status'), (params.status = c.status));
    if (c.progress !== undefined) (sets.push('progress = @progress'), (params.progress = c.progress));
    if (c.message !== undefined) (sets.push('message = @message'), (params.message = c.message));
    if (c.result !== undefined) (sets.push('result = @result'), (params.result = JSON.stringify(c.result)));
    this.db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = @id`).run(params);
  }

  list(kind: string, offset: number, limit: number): JobRecord[] {
    return (this.db.prepare('SELECT * FROM jobs WHERE kind = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?').all(kind, limit, offset) as JobRow[]).map(toJob);
  }

  inProgress(): JobRecord[] {
    return (this.db.prepare("SELECT * FROM jobs WHERE status = 'IN_PROGRESS' ORDER BY created_at").all() as JobRow[]).map(toJob);
  }
}
