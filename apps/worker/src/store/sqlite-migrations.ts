import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from './worker-store.ts';

export interface MigrationResult {
  /** Names of the migrations applied by this call (empty when up to date). */
  applied: string[];
}

const TABLE = '_flint_migrations';

/**
 * Creates the database file readable and writable by its owner only (0600), and tightens one that
 * exists (with its WAL and shared-memory files) to the same: it holds application names, users,
 * addresses and confs. SQLite gives the WAL and shared-memory files it creates later the mode of
 * the database file.
 */
function restrictToOwner(dbPath: string): void {
  try {
    fs.closeSync(fs.openSync(dbPath, 'a', 0o600));
  } catch (cause) {
    throw new StoreError('IO', `cannot create the database ${dbPath}: ${(cause as Error).message}; check the path given with --db`, { cause });
  }
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
    try {
      if ((fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, 0o600);
    } catch {
      // absent (the WAL files until first use), or not ours to change: SQLite reports what matters
    }
  }
}

/**
 * Brings a SQLite database up to date with the SQL migrations in
 * `migrationsDir` (`<name>/migration.sql`, applied in name order), all in one
 * immediate transaction, and records each in `_flint_migrations` with a
 * checksum. A migration edited after it was applied is refused. Also turns on
 * WAL journaling, which the database keeps.
 */
export function applySqlMigrations(dbPath: string, migrationsDir: string): MigrationResult {
  if (dbPath !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true, mode: 0o700 });
    restrictToOwner(dbPath);
  }
  let db: Database.Database;
  try {
    db = new Database(dbPath, { timeout: 10_000 });
  } catch (cause) {
    throw new StoreError('IO', `cannot open the database ${dbPath}: ${(cause as Error).message}; check the path given with --db`, { cause });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS "${TABLE}" ("name" TEXT NOT NULL PRIMARY KEY, "checksum" TEXT NOT NULL, "appliedAt" TEXT NOT NULL)`);
    const names = fs
      .readdirSync(migrationsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(migrationsDir, d.name, 'migration.sql')))
      .map((d) => d.name)
      .sort();
    const applied = new Map(
      (db.prepare(`SELECT "name", "checksum" FROM "${TABLE}"`).all() as Array<{ name: string; checksum: string }>).map((r) => [r.name, r.checksum]),
    );
    const pending: Array<{ name: string; sql: string; checksum: string }> = [];
    for (const name of names) {
      const sql = fs.readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const done = applied.get(name);
      if (done === undefined) pending.push({ name, sql, checksum });
      else if (done !== checksum) {
        throw new StoreError('MIGRATION', `migration ${name} changed after it was applied to ${dbPath}: restore its migration.sql and add a new migration instead`);
      }
    }
    const unknown = [...applied.keys()].filter((n) => !names.includes(n));
    if (unknown.length > 0) {
      throw new StoreError('MIGRATION', `${dbPath} has migrations this version does not know (${unknown.join(', ')}): it was written by a newer version; use that version or another --db`);
    }
    const record = db.prepare(`INSERT INTO "${TABLE}" ("name", "checksum", "appliedAt") VALUES (?, ?, ?)`);
    db.transaction(() => {
      for (const m of pending) {
        db.exec(m.sql);
        record.run(m.name, m.checksum, new Date().toISOString());
      }
    }).immediate();
    return { applied: pending.map((m) => m.name) };
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    throw new StoreError('MIGRATION', `cannot migrate ${dbPath}: ${(cause as Error).message}`, { cause });
  } finally {
    db.close();
  }
}
