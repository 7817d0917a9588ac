import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageClient, loadTransport } from '@flint/core/transport';
import { type MasterProtocol } from '@flint/core/protocol';
import { packEvents } from '@flint/core/internal';
import '@flint/transport-tcp';
import { syntheticApplication } from '@flint/event-store';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@flint/daemon';
import { Master } from './master.ts';
import { InMemoryMasterStore } from './store/in-memory-master-store.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-master-events-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

async function startMaster(over: Parameters<typeof Master.create>[0] = {}) {
  const m = await Master.create({ port: 0, uiPort: null, workerTimeoutMs: 3_000, store: new InMemoryMasterStore(), logger: silentLogger(), ...over });
  cleanup.push(() => m.stop());
  return m;
}

/** A driver's side of the protocol, by hand: registers an application and returns its client. */
async function driver(master: Master) {
  const t = await loadTransport('tcp');
  cleanup.push(() => t.close());
  const own = await t.listen({}, { host: '127.0.0.1', port: 0 });
  cleanup.push(() => own.close());
  const conn = await t.connect(master.address);
  const client = new MessageClient<MasterProtocol>(conn);
  const { appId } = await client.request('registerApplication', {
    appName: 'events',
    user: 'test',
    driverAddress: `127.0.0.1:${own.address.port}`,
    coresPerExecutor: null,
    memoryPerExecutorMb: 128,
    maxCores: null,
    transport: 'tcp',
    conf: {},
  });
  return { client, appId, conn };
}

describe('Master event store', () => {
  it('stores numbered batches idempotently, refuses a gap, and proves the loss when the application ends', async () => {
    const eventsDbPath = path.join(root, 'a-events.db');
    const master = await startMaster({ eventsDbPath });
    const { client, appId } = await driver(master);
    const events = syntheticApplication({ appId, tasks: 8 }) as unknown as Array<Record<string, unknown>>;
    const n = events.length;
    expect(await client.request('appEvents', { appId, firstSeq: 1, events: events.slice(0, 40) })).toEqual({ storedThrough: 40 });
    // A resend of the same batch, and a batch past a hole.
    expect(await client.request('appEvents', { appId, firstSeq: 1, events: events.slice(0, 40) })).toEqual({ storedThrough: 40 });
    expect(await client.request('appEvents', { appId, firstSeq: 61, events: events.slice(60) })).toEqual({ storedThrough: 40 });
    expect(await client.request('appEvents', { appId, firstSeq: 41, events: events.slice(40) })).toEqual({ storedThrough: n });
    // The driver numbered 7 more that never arrived (killed between batches).
    expect(await client.request('driverHeartbeat', { appId, eventsPosted: n + 7 })).toEqual({ known: true });
    // An oversized batch is refused by the protocol's bound, and the master keeps serving.
    await expect(client.request('appEvents', { appId, firstSeq: n + 1, events: new Array(10_001).fill({ type: 'x' }) })).rejects.toThrow();
    expect(await client.request('unregisterApplication', { appId, state: 'FINISHED' })).toEqual({ ok: true });
    const app = (await master.eventStore.getApp(appId))!;
    expect(app).toMatchObject({ appId, state: 'FINISHED', storedThrough: n, eventsPosted: n + 7, droppedEvents: 7 });
    const taskEnds = events.filter((e) => e.type === 'taskEnd').length;
    expect(app.tasks.total - app.tasks.running).toBe(taskEnds);
    await master.stop();

    // History is the same rows after a restart: no replay.
    const again = await startMaster({ eventsDbPath });
    expect(await again.eventStore.getApp(appId)).toEqual({ ...app, durationMs: app.durationMs });
    expect((await again.eventStore.listJobs(appId)).length).toBe(3);
  });

  it('stores packed task events as the same rows as the plain ones, and refuses a malformed packed item while serving on', async () => {
    const master = await startMaster({ eventsDbPath: path.join(root, 'packed-events.db') });
    const a = await driver(master);
    const b = await driver(master);
    const plainA = syntheticApplication({ appId: a.appId, tasks: 12 }) as unknown as Array<Record<string, unknown>>;
    const plainB = syntheticApplication({ appId: b.appId, tasks: 12 }) as unknown as Array<Record<string, unknown>>;
    const packed = packEvents(plainB);
    expect(packed.filter((e) => Array.isArray(e)).length).toBe(plainB.filter((e) => e.type === 'taskStart' || e.type === 'taskEnd').length);
    expect(await a.client.request('appEvents', { appId: a.appId, firstSeq: 1, events: plainA })).toEqual({ storedThrough: plainA.length });
    expect(await b.client.request('appEvents', { appId: b.appId, firstSeq: 1, events: packed.slice(0, 30) })).toEqual({ storedThrough: 30 });
    await expect(b.client.request('appEvents', { appId: b.appId, firstSeq: 31, events: [[2, 1, 2]] })).rejects.toThrow(/INVALID_MESSAGE.*events\[0\]: a packed event must be/);
    expect(await b.client.request('appEvents', { appId: b.appId, firstSeq: 31, events: packed.slice(30) })).toEqual({ storedThrough: plainB.length });
    const s = master.eventStore;
    // The two applications' rows, with B's id read as A's, and the durations of still-running stages (they grow with the clock) left out.
    const strip = <T>(x: T): T => JSON.parse(JSON.stringify(x).replaceAll(b.appId, a.appId), (k, v: unknown) => (k === 'durationMs' ? undefined : v)) as T;
    expect(strip(await s.listJobs(b.appId))).toEqual(strip(await s.listJobs(a.appId)));
    const stages = await s.listStages(a.appId);
    expect(stages.length).toBeGreaterThan(0);
    expect(strip(await s.listStages(b.appId))).toEqual(strip(stages));
    let rows = 0;
    for (const st of stages) {
      const q = { stageId: st.stageId, attempt: st.attempt, limit: 1000 };
      const ta = await s.listTasks({ appId: a.appId, ...q });
      rows += ta.items.length;
      expect(strip(await s.listTasks({ appId: b.appId, ...q }))).toEqual(strip(ta));
    }
    expect(rows).toBe(plainA.filter((e) => e.type === 'taskStart').length);
    expect(strip(await s.listExecutors(b.appId))).toEqual(strip(await s.listExecutors(a.appId)));
  });

  it('marks the application lost when its driver stops heartbeating, with the proven loss', async () => {
    const master = await startMaster({ driverTimeoutMs: 200, workerTimeoutMs: 2_000 });
    const { client, appId } = await driver(master);
    const events = syntheticApplication({ appId, tasks: 4 }) as unknown as Array<Record<string, unknown>>;
    expect(await client.request('appEvents', { appId, firstSeq: 1, events: events.slice(0, 20) })).toEqual({ storedThrough: 20 });
    await client.request('driverHeartbeat', { appId, eventsPosted: 25 });
    await new Promise((r) => setTimeout(r, 400));
    await master.checkTimeouts();
    expect(await master.eventStore.getApp(appId)).toMatchObject({ state: 'LOST', droppedEvents: 5, endReason: expect.stringContaining('no heartbeat from the driver') });
  });

  it('keeps the events database beside the cluster database by default', async () => {
    const dbPath = path.join(root, 'cluster.db');
    const master = await Master.create({ port: 0, uiPort: null, dbPath, logger: silentLogger() });
    cleanup.push(() => master.stop());
    expect(master.eventStore.dbPath).toBe(path.join(root, 'cluster-events.db'));
    expect(fs.existsSync(path.join(root, 'cluster-events.db'))).toBe(true);
  });
});
