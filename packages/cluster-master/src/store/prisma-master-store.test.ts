import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { masterStoreContract } from './master-store-contract.ts';
import type { MasterStore } from './master-store.ts';
import { PrismaMasterStore } from './prisma-master-store.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-master-store-'));
let n = 0;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

masterStoreContract('PrismaMasterStore', {
  create: () => PrismaMasterStore.open(path.join(dir, `m${n++}.db`)),
  reopen: (s: MasterStore) => PrismaMasterStore.open((s as PrismaMasterStore).dbPath),
});

describe('PrismaMasterStore database', () => {
  it('creates the file and its folders, in WAL mode, with the migrations recorded once', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'master.db');
    const s = await PrismaMasterStore.open(file);
    await s.close();
    await (await PrismaMasterStore.open(file)).close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const rows = db.prepare('SELECT name FROM _flint_migrations').all() as Array<{ name: string }>;
      expect(rows.map((r) => r.name)).toEqual(['0001_init']);
    } finally {
      db.close();
    }
  });

  it('refuses a database whose applied migration was edited since', async () => {
    const file = path.join(dir, 'edited.db');
    await (await PrismaMasterStore.open(file)).close();
    const db = new Database(file);
    db.prepare("UPDATE _flint_migrations SET checksum = 'x' WHERE name = '0001_init'").run();
    db.close();
    await expect(PrismaMasterStore.open(file)).rejects.toThrow(/migration 0001_init changed after it was applied/);
  });
});
