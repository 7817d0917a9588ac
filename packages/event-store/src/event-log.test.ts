import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@flint/core';
import { EventLog, eventLogFile } from './event-log.ts';
import { EventStore } from './event-store.ts';
import { syntheticApplication } from './synthetic-application.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-event-log-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

for (const thread of [false, true]) describe(`EventLog (local mode), writing ${thread ? 'from a worker thread' : "on the driver's thread"}`, () => {
  it('stores every event a driver posts, in batches, and ends the application', async () => {
    const logDir = path.join(dir, `one-${thread}`);
    const events = syntheticApplication({ appId: 'local-1', tasks: 40 });
    const log = EventLog.open({ dir: logDir, appId: 'local-1', batchEvents: 64, thread });
    for (const e of events) log.listener(e);
    expect(log.eventsPosted).toBe(events.length);
    expect(await log.close()).toEqual({ storedThrough: events.length, droppedEvents: 0 });
    expect(await log.close()).toEqual({ storedThrough: events.length, droppedEvents: 0 });
    const store = await EventStore.open(eventLogFile(logDir));
    try {
      const app = (await store.getApp('local-1'))!;
      expect(app).toMatchObject({ state: 'FINISHED', storedThrough: events.length, eventsPosted: events.length, droppedEvents: 0 });
      const ends = events.filter((e) => e.type === 'taskEnd').length;
      expect(app.tasks.total - app.tasks.running).toBe(ends);
      // One change row per batch the writer stored.
      const changes = await store.changesSince({ appId: 'local-1', cursor: 0, limit: 5000 });
      expect(changes.filter((c) => c.kind === 'events').reduce((n, c) => n + c.lastSeq - c.firstSeq + 1, 0)).toBe(events.length);
    } finally {
      await store.close();
    }
  });

  it('lets several drivers log into one directory at once', async () => {
    const logDir = path.join(dir, `shared-${thread}`);
    const apps = ['local-a', 'local-b', 'local-c'];
    const logs = apps.map((appId) => EventLog.open({ dir: logDir, appId, batchEvents: 50, flushIntervalMs: 5, thread }));
    const all = apps.map((appId, i) => syntheticApplication({ appId, seed: i + 1, tasks: 30 }));
    for (let k = 0; k < Math.max(...all.map((a) => a.length)); k++) for (let i = 0; i < logs.length; i++) if (k < all[i].length) logs[i].listener(all[i][k]);
    await Promise.all(logs.map((l) => l.close()));
    const store = await EventStore.open(eventLogFile(logDir));
    try {
      for (let i = 0; i < apps.length; i++) expect((await store.getApp(apps[i]))!.storedThrough).toBe(all[i].length);
    } finally {
      await store.close();
    }
  });

  it('refuses a directory it cannot write, naming the setting to change', async () => {
    const blocker = path.join(dir, `not-a-dir-${thread}`);
    fs.writeFileSync(blocker, '');
    expect(() => EventLog.open({ dir: blocker, appId: 'x', thread })).toThrow(expect.objectContaining({ code: 'IO', message: expect.stringContaining('flint.eventLog.dir') }));
  });

  it("reports a writer that cannot open its file through the driver's logger, not as a process warning", async () => {
    const logDir = path.join(dir, `garbage-${thread}`);
    fs.mkdirSync(logDir, { recursive: true });
    // Not a SQLite file: the writer fails to open the store.
    fs.writeFileSync(eventLogFile(logDir), 'this is not a database '.repeat(200));
    const warned: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => void warned.push(m) };
    const processWarnings: string[] = [];
    const onWarning = (w: Error) => void processWarnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const log = EventLog.open({ dir: logDir, appId: 'local-garbage', logger, thread });
      for (const e of syntheticApplication({ appId: 'local-garbage', tasks: 2 })) log.listener(e);
      await expect(log.close()).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining('before storing every event of local-garbage') });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warned.length).toBeGreaterThan(0);
    expect(warned.every((m) => m.startsWith(`the event log ${eventLogFile(logDir)} could not store events`))).toBe(true);
    expect(processWarnings.filter((m) => m.includes(logDir))).toEqual([]);
  });
});
