import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { eventStoreContract } from './event-store-contract.ts';
import { EventStoreReadThread } from './event-store-read-thread.ts';
import { READ_METHODS } from './event-store-reads.ts';
import { EventStore } from './event-store.ts';
import { syntheticApplication } from './synthetic-application.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-read-thread-'));
let n = 0;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const NOW = 1_800_000_000_000;
const now = () => NOW;

/** A store whose writes go to `writer` and whose asynchronous reads go to the read thread. */
function split(writer: EventStore, reader: EventStoreReadThread): EventStore {
  const reads: ReadonlySet<string> = new Set(READ_METHODS.filter((m) => m !== 'latestCursor'));
  return new Proxy(writer, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && reads.has(prop)) return (reader as unknown as Record<string, (...a: unknown[]) => unknown>)[prop]!.bind(reader);
      if (prop === 'close') return async () => Promise.all([reader.close(), target.close()]);
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function openSplit(file: string): Promise<EventStore> {
  const writer = await EventStore.open(file, { now });
  return split(writer, await EventStoreReadThread.open(file, { fixedNow: NOW }));
}

eventStoreContract('EventStore read through its read thread', {
  create: () => openSplit(path.join(dir, `c${n++}.db`)),
  reopen: async (s) => {
    await s.close();
    return openSplit(s.dbPath);
  },
});

describe('EventStoreReadThread', () => {
  it('answers while the calling thread keeps running: timers fire during a stage summary over 20,000 tasks', async () => {
    const file = path.join(dir, 'loop.db');
    const store = await EventStore.open(file, { readOnlyQueriesWithoutPrisma: true });
    const reader = await EventStoreReadThread.open(file);
    try {
      const events = syntheticApplication({ appId: 'big', shape: 'oneStage', tasks: 20_000, seed: 5 });
      for (let i = 0; i < events.length; i += 10_000) await store.ingest('big', i + 1, events.slice(i, i + 10_000));
      let ticks = 0;
      let done = false;
      const tick = (): void => {
        ticks++;
        if (!done) setImmediate(tick);
      };
      setImmediate(tick);
      const viaThread = await reader.getStage('big', 0, 0);
      done = true;
      // The same summary from the store on this thread (computed there, cached by the thread's call).
      expect(viaThread).toEqual(await store.getStage('big', 0, 0));
      expect(viaThread!.quantiles.exact).toBe(true);
      // A synchronous store would have held the loop for the whole computation: no tick at all.
      expect(ticks).toBeGreaterThan(0);
      // Same for the other reads and the cursor.
      const q = { appId: 'big', stageId: 0, attempt: 0, sortBy: 'gcTime' as const, desc: true, limit: 50 };
      expect(await reader.listTasks(q)).toEqual(await store.listTasks(q));
      expect(await reader.latestCursor()).toBe(store.latestCursor());
    } finally {
      await reader.close();
      await store.close();
    }
  });

  it('keeps the EventStoreError code of a refused call, and refuses calls after close', async () => {
    const file = path.join(dir, 'errors.db');
    const reader = await EventStoreReadThread.open(file);
    await expect(reader.listTasks({ appId: 'a', stageId: 0, attempt: 0, sortBy: 'nope' as 'taskId' })).rejects.toMatchObject({ name: 'EventStoreError', code: 'INVALID_INPUT', message: expect.stringContaining('cannot sort by nope') });
    await reader.close();
    await reader.close();
    expect(reader.isClosed).toBe(true);
    await expect(reader.getApp('a')).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('precomputes an ended stage when its batch is stored (onStageEnded), so the first read finds the summary kept', async () => {
    const file = path.join(dir, 'precompute.db');
    let reader: EventStoreReadThread | null = null;
    const ended: string[] = [];
    const store = await EventStore.open(file, {
      readOnlyQueriesWithoutPrisma: true,
      onStageEnded: (appId, stageId, attempt) => {
        ended.push(`${appId}/${stageId}.${attempt}`);
        reader?.precomputeStage(appId, stageId, attempt);
      },
    });
    reader = await EventStoreReadThread.open(file);
    const db = new Database(file, { readonly: true });
    try {
      const events = syntheticApplication({ appId: 'p', seed: 9 });
      const stageEnds = events.filter((e) => e.type === 'stageCompleted').map((e) => (e.type === 'stageCompleted' ? `p/${e.stageInfo.stageId}.${e.stageInfo.attempt}` : ''));
      expect(stageEnds.length).toBeGreaterThan(1);
      await store.ingest('p', 1, events);
      expect(ended).toEqual(stageEnds);
      // Calls are answered in order after the precomputations already taken up: once a call
      // returns, poll the rows until every ended attempt has its kept summary.
      const kept = () => db.prepare(`SELECT COUNT(*) AS n FROM "StageAttempt" WHERE "appId" = 'p' AND "quantiles" IS NOT NULL`).get() as { n: number };
      for (let i = 0; i < 200 && kept().n < new Set(stageEnds).size; i++) {
        await reader.latestCursor();
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(kept().n).toBe(new Set(stageEnds).size);
      // What was kept is what a fresh computation over the rows gives.
      const fresh = await EventStore.open(':memory:', { readOnlyQueriesWithoutPrisma: true });
      try {
        await fresh.ingest('p', 1, events);
        for (const s of await fresh.listStages('p')) expect(await reader.getStage('p', s.stageId, s.attempt)).toEqual({ ...(await fresh.getStage('p', s.stageId, s.attempt))!, durationMs: expect.any(Number) });
      } finally {
        await fresh.close();
      }
    } finally {
      db.close();
      await reader.close();
      await store.close();
    }
  });
});
