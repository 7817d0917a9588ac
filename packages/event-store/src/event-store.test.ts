import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { EventStore, KEPT_SORT_KEYS } from './event-store.ts';
import type { TaskRow } from './event-store-types.ts';
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

  it("keeps an ended stage attempt's orders by every unindexed column at once (keepStageOrders), paging as a plain sort of its rows does", async () => {
    const store = await EventStore.open(':memory:', { now });
    try {
      const tasks = 3000;
      const events = syntheticApplication({ appId: 'k', shape: 'oneStage', tasks, seed: 4 });
      await store.ingest('k', 1, events);
      const q = { appId: 'k', stageId: 0, attempt: 0 };
      expect(store.keepStageOrders('k', 0, 0)).toBe(KEPT_SORT_KEYS.length);
      expect(store.keepStageOrders('k', 0, 0)).toBe(0);
      // Every row, read in taskId order (an index walk, no kept order involved).
      const all: TaskRow[] = [];
      for (let cursor: string | null = null; ; ) {
        const page = await store.listTasks({ ...q, sortBy: 'taskId', limit: 1000, cursor });
        all.push(...page.items);
        if (!(cursor = page.nextCursor)) break;
      }
      expect(all).toHaveLength(tasks);
      // Rows arrived in taskId order here, so ties in row order are ties in taskId order.
      const valueOf = (t: TaskRow, key: string): number | null => {
        const v = key in t ? (t as unknown as Record<string, unknown>)[key] : (t.metrics as unknown as Record<string, unknown> | null)?.[key] ?? (t.phases as unknown as Record<string, unknown> | null)?.[key];
        return typeof v === 'number' ? v : null;
      };
      let checked = 0;
      for (const key of ['gcTime', 'resultSize', 'schedulerDelay', 'memoryBytesSpilled', 'index', 'finishTime'] as const) {
        if (!KEPT_SORT_KEYS.includes(key)) continue;
        const sorted = [...all].sort((a, b) => {
          const va = valueOf(a, key);
          const vb = valueOf(b, key);
          if (va === null || vb === null) return va === vb ? a.taskId - b.taskId : va === null ? 1 : -1;
          return va === vb ? a.taskId - b.taskId : va - vb;
        });
        expect(sorted.some((t) => valueOf(t, key) !== null)).toBe(true);
        for (const [offset, desc] of [[0, false], [1234, false], [0, true], [2950, true]] as const) {
          const page = await store.listTasks({ ...q, sortBy: key, desc, offset, limit: 100 });
          const valued = sorted.filter((t) => valueOf(t, key) !== null);
          const want = desc ? [...valued.reverse(), ...sorted.filter((t) => valueOf(t, key) === null).reverse()] : sorted;
          expect(page.items.map((t) => t.taskId)).toEqual(want.slice(offset, offset + 100).map((t) => t.taskId));
        }
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(5);
    } finally {
      await store.close();
    }
  });

  it('writes a task whose start and end share a batch once, leaving the same rows in the same row order as one batch per event', async () => {
    const events = syntheticApplication({ appId: 'w', seed: 6, tasks: 40 });
    expect(events.filter((e) => e.type === 'taskStart').length).toBeGreaterThan(100);
    const files = [path.join(dir, 'whole.db'), path.join(dir, 'single.db')];
    const whole = await EventStore.open(files[0]!, { now, readOnlyQueriesWithoutPrisma: true });
    const single = await EventStore.open(files[1]!, { now, readOnlyQueriesWithoutPrisma: true });
    try {
      await whole.ingest('w', 1, events);
      for (let i = 0; i < events.length; i++) await single.ingest('w', i + 1, [events[i]]);
    } finally {
      await whole.close();
      await single.close();
    }
    const [a, b] = files.map((f) => {
      const db = new Database(f, { readonly: true });
      try {
        return db.prepare(`SELECT rowid AS r, * FROM "Task" ORDER BY rowid`).all();
      } finally {
        db.close();
      }
    });
    expect(a!.length).toBeGreaterThan(100);
    expect(a).toEqual(b);
  });
});
