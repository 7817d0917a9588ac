import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** How a caller's store reports a failure: its own error class, one of these codes. */
export type SqliteErrorFactory = (code: 'IO' | 'MIGRATION', message: string, options?: { cause?: unknown }) => Error;

const TABLE = '_flint_migrations';

/**
 * Creates the database file (and its folders, 0700) readable and writable by
 * its owner only (0600), and tightens one that exists — with its WAL and
 * shared-memory files — to the same: these files hold application names,
 * users, addresses and confs. SQLite gives the WAL and shared-memory files it
 * creates later the mode of the database file. `':memory:'` is left alone.
 */
export function prepareSqliteFile(dbPath: string, fail: SqliteErrorFactory, fix: string): void {
  if (dbPath === ':memory:') return;
  try {
    fs.mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true, mode: 0o700 });
    fs.closeSync(fs.openSync(dbPath, 'a', 0o600));
  } catch (cause) {
    throw fail('IO', `cannot create the database ${dbPath}: ${(cause as Error).message}; ${fix}`, { cause });
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
 * Applies the SQL migrations in `migrationsDir` (`<name>/migration.sql`, name
 * order) that `db` has not recorded yet, in one immediate transaction (so two
 * processes opening one new file do not both create it), each recorded in
 * `_flint_migrations` with a checksum. An applied migration that changed, or a
 * database with migrations this version does not know, is refused. Returns the
 * names applied (empty when up to date). `dbName` names the database in messages.
 */
export function applySqlMigrations(db: Database.Database, dbName: string, migrationsDir: string, fail: SqliteErrorFactory): string[] {
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
        throw fail('MIGRATION', `${dbName} has migrations this version does not know (${unknown.join(', ')}): it was written by a newer Flint; use that version or another database file`);
      }
      const record = db.prepare(`INSERT INTO "${TABLE}" ("name", "checksum", "appliedAt") VALUES (?, ?, ?)`);
      const applied: string[] = [];
      for (const name of names) {
        const sql = fs.readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
        const checksum = createHash('sha256').update(sql).digest('hex');
        const prior = done.get(name);
        if (prior === checksum) continue;
        if (prior !== undefined) throw fail('MIGRATION', `migration ${name} changed after it was applied to ${dbName}: restore its migration.sql and add a new migration instead`);
        db.exec(sql);
        record.run(name, checksum, new Date().toISOString());
        applied.push(name);
      }
      return applied;
    })
    .immediate();
}

/**
 * Brings the database file at `dbPath` up to date with `migrationsDir` (WAL
 * journaling, which the file keeps; owner-only modes) and closes it: what a
 * store does before it opens the file through Prisma. `fix` ends the message
 * of a file that cannot be created or opened (e.g. "check the path given with --db").
 */
export function migrateSqliteFile(dbPath: string, migrationsDir: string, fail: SqliteErrorFactory, fix: string): string[] {
  const raised = new WeakSet<object>();
  const failOnce: SqliteErrorFactory = (code, message, options) => {
    const e = fail(code, message, options);
    raised.add(e);
    return e;
  };
  prepareSqliteFile(dbPath, fail, fix);
  let db: Database.Database;
  try {
    db = new Database(dbPath, { timeout: 10_000 });
  } catch (cause) {
    throw fail('IO', `cannot open the database ${dbPath}: ${(cause as Error).message}; ${fix}`, { cause });
  }
  try {
    db.pragma('journal_mode = WAL');
    return applySqlMigrations(db, dbPath, migrationsDir, failOnce);
  } catch (cause) {
    if (raised.has(cause as object)) throw cause;
    throw fail('MIGRATION', `cannot migrate ${dbPath}: ${(cause as Error).message}`, { cause });
  } finally {
    db.close();
  }
}
