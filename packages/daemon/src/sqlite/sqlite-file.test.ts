import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateSqliteFile } from './sqlite-file.ts';
import { StoreError } from './store-error.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-sqlite-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const fail = (code: 'IO' | 'MIGRATION', message: string, options?: { cause?: unknown }) => new StoreError(code, message, options);

function migrations(name: string, files: Record<string, string>): string {
  const root = path.join(dir, name);
  fs.mkdirSync(root, { recursive: true });
  for (const [m, sql] of Object.entries(files)) {
    fs.mkdirSync(path.join(root, m), { recursive: true });
    fs.writeFileSync(path.join(root, m, 'migration.sql'), sql);
  }
  return root;
}

const tables = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return {
      applied: (db.prepare('SELECT name FROM _flint_migrations ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name),
      rows: (db.prepare('SELECT v FROM t ORDER BY v').all() as Array<{ v: number }>).map((r) => r.v),
      journal: db.pragma('journal_mode', { simple: true }),
    };
  } finally {
    db.close();
  }
};

describe('migrateSqliteFile', () => {
  it('applies pending migrations in name order once, records them, and leaves the file WAL and owner-only', () => {
    const m = migrations('ordered', { '0002_rows': 'INSERT INTO t (v) VALUES (1), (2);', '0001_table': 'CREATE TABLE t (v INTEGER NOT NULL);' });
    const file = path.join(dir, 'a', 'b', 'ordered.db');
    expect(migrateSqliteFile(file, m, fail, 'fix it')).toEqual(['0001_table', '0002_rows']);
    expect(migrateSqliteFile(file, m, fail, 'fix it')).toEqual([]);
    expect(tables(file)).toEqual({ applied: ['0001_table', '0002_rows'], rows: [1, 2], journal: 'wal' });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    fs.mkdirSync(path.join(m, '0003_more'));
    fs.writeFileSync(path.join(m, '0003_more', 'migration.sql'), 'INSERT INTO t (v) VALUES (3);');
    expect(migrateSqliteFile(file, m, fail, 'fix it')).toEqual(['0003_more']);
    expect(tables(file).rows).toEqual([1, 2, 3]);
  });

  it('tightens an existing file readable by others to 0600', () => {
    const m = migrations('modes', { '0001_table': 'CREATE TABLE t (v INTEGER);' });
    const file = path.join(dir, 'loose.db');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o644);
    migrateSqliteFile(file, m, fail, 'fix it');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a migration edited after it was applied, and a database from a newer version, applying nothing', () => {
    const m = migrations('edited', { '0001_table': 'CREATE TABLE t (v INTEGER);' });
    const file = path.join(dir, 'edited.db');
    migrateSqliteFile(file, m, fail, 'fix it');
    fs.writeFileSync(path.join(m, '0001_table', 'migration.sql'), 'CREATE TABLE t (v TEXT);');
    expect(() => migrateSqliteFile(file, m, fail, 'fix it')).toThrow(expect.objectContaining({ name: 'StoreError', code: 'MIGRATION', message: expect.stringContaining('migration 0001_table changed after it was applied') }));
    const newer = migrations('newer', {});
    expect(() => migrateSqliteFile(file, newer, fail, 'fix it')).toThrow(expect.objectContaining({ code: 'MIGRATION', message: expect.stringContaining('(0001_table)') }));
    expect(tables(file).applied).toEqual(['0001_table']);
  });

  it('rolls back every migration of a call when one fails, and says which file', () => {
    const m = migrations('broken', { '0001_table': 'CREATE TABLE t (v INTEGER);', '0002_bad': 'INSERT INTO nowhere VALUES (1);' });
    const file = path.join(dir, 'broken.db');
    expect(() => migrateSqliteFile(file, m, fail, 'fix it')).toThrow(expect.objectContaining({ code: 'MIGRATION', message: expect.stringContaining(`cannot migrate ${file}`) }));
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('t', '_flint_migrations')").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('names the path and the fix when the file cannot be created', () => {
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, 'x');
    const m = migrations('io', { '0001_table': 'CREATE TABLE t (v INTEGER);' });
    expect(() => migrateSqliteFile(path.join(blocker, 'x.db'), m, fail, 'check the path given with --db')).toThrow(
      expect.objectContaining({ code: 'IO', message: expect.stringMatching(/a-file.*check the path given with --db/) }),
    );
  });
});
