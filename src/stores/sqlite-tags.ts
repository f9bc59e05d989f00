/** Tags in SQLite: one row per (ARN, key). */
import type Database from 'better-sqlite3';
import type { TagRepository } from './metadata.js';

export class SqliteTagRepository implements TagRepository {
  constructor(private readonly db: Database.Database) {}

  get(arn: string): Record<string, string> {
    const rows = this.db.prepare('SELECT key, value FROM tags WHERE arn = ? ORDER BY key').all(arn) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  put(arn: string, tags: Readonly<Record<string, string>>): void {
    const upsert = this.db.prepare('INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(tags)) upsert.run(arn, k, v);
    })();
  }

  remove(arn: string, keys: readonly string[]): void {
    const del = this.db.prepare('DELETE FROM tags WHERE arn = ? AND key = ?');
    this.db.transaction(() => {
      for (const k of keys) del.run(arn, k);
    })();
  }

  clear(arn: string): void {
    this.db.prepare('DELETE FROM tags WHERE arn = ?').run(arn);
  }
}
