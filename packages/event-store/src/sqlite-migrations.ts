import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import path from 'node:path';
import { EventStoreError } from './event-store-error.ts';

const TABLE = '_flint_migrations';

/**
 * Applies the SQL migrations in `migrationsDir` (`<name>/migration.sql`, name
 * order) that `db` has not recorded yet, in one immediate transaction (so two
 * processes opening one new file do not both create it), each recorded with a
 * checksum. An applied migration that changed, or a database with migrations
 * this version does not know, is refused. Returns the names applied.
 */
export function applySqlMigrations(db: Database.Database, dbPath: string, migrationsDir: string): string[] {
  const names = fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(migrationsDir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort();
  return db
    .transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS "${TABLE}" ("name" TEXT NOT NULL PRIMARY KEY, "checksum" TEXT NOT NULL, "appliedAt" TEXT NOT NULL)`);
      const done = new Map((db.prepare(`SELECT "name", "checksum" FROM "${TABLE}"`).all() as Array<{ name: string; checksum: string }>).map((r) => [r.name, r.checksum]));
      const unknown = [...done.keys()].filter((n) => !names.includes(n));
      if (unknown.length > 0) {
        throw new EventStoreError('MIGRATION', `the event store ${dbPath} has migrations this version does not know (${unknown.join(', ')}): it was written by a newer Flint; use that version or another file`);
      }
      const record = db.prepare(`INSERT INTO "${TABLE}" ("name", "checksum", "appliedAt") VALUES (?, ?, ?)`);
      const applied: string[] = [];
      for (const name of names) {
        const sql = fs.readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
        const checksum = createHash('sha256').update(sql).digest('hex');
        const prior = done.get(name);
        if (prior === checksum) continue;
        if (prior !== undefined) throw new EventStoreError('MIGRATION', `migration ${name} changed after it was applied to ${dbPath}: restore its migration.sql and add a new migration instead`);
        db.exec(sql);
        record.run(name, checksum, new Date().toISOString());
        applied.push(name);
      }
      return applied;
    })
    .immediate();
}
