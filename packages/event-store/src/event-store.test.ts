import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { EventStore } from './event-store.ts';
import { eventStoreContract } from './event-store-contract.ts';
import { syntheticApplication } from './synthetic-application.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-event-store-'));
let n = 0;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
/** A fixed clock, so running durations are the same on every call. */
const now = () => 1_800_000_000_000;

eventStoreContract('EventStore on a file (Prisma reads)', {
  create: () => EventStore.open(path.join(dir, `e${n++}.db`), { now }),
  reopen: async (s) => {
    await s.close();
    return EventStore.open(s.dbPath, { now });
  },
});

eventStoreContract('EventStore in memory (SQL reads)', {
  create: () => EventStore.open(':memory:', { now }),
});

describe('EventStore database', () => {
  it('is created in WAL mode with its migration recorded, and a second open applies nothing', async () => {
    const file = path.join(dir, 'sub', 'events.db');
    await (await EventStore.open(file)).close();
    await (await EventStore.open(file)).close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect((db.prepare('SELECT name FROM _flint_migrations').all() as Array<{ name: string }>).map((r) => r.name)).toEqual(['0001_init', '0002_task_order_index', '0003_stage_task_version']);
    } finally {
      db.close();
    }
  });

  it('lets two stores write one file (two local drivers): each application stored whole', async () => {
    const file = path.join(dir, 'shared.db');
    const [a, b] = await Promise.all([EventStore.open(file), EventStore.open(file)]);
    try {
      const ea = syntheticApplication({ appId: 'app-a', seed: 1 });
      const eb = syntheticApplication({ appId: 'app-b', seed: 2 });
      await Promise.all([a.ingest('app-a', 1, ea), b.ingest('app-b', 1, eb)]);
      expect((await a.getApp('app-b'))!.storedThrough).toBe(eb.length);
      expect((await b.getApp('app-a'))!.storedThrough).toBe(ea.length);
      const cursors = (await a.changesSince({ cursor: 0 })).map((c) => c.cursor);
      expect(cursors).toEqual([...cursors].sort((x, y) => x - y));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('names the path when the file cannot be opened', async () => {
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, 'x');
    await expect(EventStore.open(path.join(blocker, 'events.db'))).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining(blocker) });
  });
});
