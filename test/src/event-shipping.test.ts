/**
 * Events leave the driver losslessly, on a real local cluster (master, two
 * workers, executor processes) over tcp, read back from the master's event store
 * file with @flint/event-store's own queries:
 * - a 20,000-tiny-task job stores exactly 20,000 successful task rows, and every
 *   event the driver posted is stored (storedThrough = events posted, none dropped);
 * - a master SIGKILLed and restarted mid-job still ends with complete rows;
 * - a driver SIGKILLed before its batch left shows a non-zero dropped count;
 * - sc.applicationId is the id in the master's cluster state.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { EventStore } from '@flint/event-store';
import { LocalCluster } from '@flint/cluster';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const LOSING_DRIVER = fileURLToPath(new URL('./fixtures/event-losing-driver.ts', import.meta.url));

type Ev<T extends FlintEvent['type']> = Extract<FlintEvent, { type: T }>;

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('event shipping to the master', () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport: 'tcp', workerTimeoutMs: 5000, driverTimeoutMs: 3000 });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  /** The master's event store, opened as a second reader of its file. */
  async function withStore<T>(fn: (store: EventStore) => Promise<T>): Promise<T> {
    const store = await EventStore.open(path.join(cluster.baseDir, 'master-events.db'), { readOnlyQueriesWithoutPrisma: true });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }

  /** Successful task rows of every stage attempt of an application, and its stored/posted/dropped counts. */
  async function storedCounts(appId: string): Promise<{ successRows: number; allRows: number; storedThrough: number; eventsPosted: number | null; droppedEvents: number }> {
    return withStore(async (store) => {
      let successRows = 0;
      let allRows = 0;
      for (const st of await store.listStages(appId)) {
        successRows += (await store.listTasks({ appId, stageId: st.stageId, attempt: st.attempt, status: 'SUCCESS', limit: 1 })).total;
        allRows += (await store.listTasks({ appId, stageId: st.stageId, attempt: st.attempt, limit: 1 })).total;
      }
      const app = (await store.getApp(appId))!;
      expect(app).not.toBeNull();
      const a = app as unknown as { storedThrough: number; eventsPosted: number | null; droppedEvents: number };
      return { successRows, allRows, storedThrough: a.storedThrough, eventsPosted: a.eventsPosted ?? null, droppedEvents: a.droppedEvents };
    });
  }

  it('stores exactly 20,000 successful task rows for a 20,000-task job, and every event posted; sc.applicationId is the master\'s id', async () => {
    const events: FlintEvent[] = [];
    const sc = await FlintContext.create({ master: cluster.masterUrl, appName: 'events-20k', transport: 'tcp', progress: false, listeners: [(e) => void events.push(e)] });
    const appId = sc.applicationId;
    try {
      const st = await cluster.clusterState();
      const registered = st.applications.filter((a) => a.name === 'events-20k');
      expect(registered).toHaveLength(1);
      expect(appId).toBe(registered[0]!.appId);
      expect(sc.appId).toBe(appId);
      expect(appId).toMatch(/^app-/);
      expect(path.basename(sc.localDir)).toContain(appId);

      const data = Array.from({ length: 20_000 }, (_, i) => i);
      const sum = await sc.parallelize(data, 20_000).map((x) => x * 3).reduce((a, b) => a + b);
      expect(sum).toBe(data.reduce((a, x) => a + x * 3, 0));
    } finally {
      await sc.stop();
    }
    const start = events.find((e): e is Ev<'applicationStart'> => e.type === 'applicationStart')!;
    expect(start.appId).toBe(appId);
    expect(events[0]).toBe(start);
    const okEnds = events.filter((e) => e.type === 'taskEnd' && e.reason.kind === 'success').length;
    expect(okEnds).toBe(20_000);
    const c = await storedCounts(appId);
    expect(c.successRows).toBe(20_000);
    expect(c.allRows).toBe(events.filter((e) => e.type === 'taskEnd').length);
    expect(c.storedThrough).toBe(events.length);
    expect(c.droppedEvents).toBe(0);
  }, 300_000);

  it('ends with complete rows when the master is SIGKILLed and restarted mid-job', async () => {
    const events: FlintEvent[] = [];
    const sc = await FlintContext.create({ master: cluster.masterUrl, appName: 'events-restart', transport: 'tcp', progress: false, listeners: [(e) => void events.push(e)] });
    const appId = sc.applicationId;
    let restarted = false;
    try {
      const data = Array.from({ length: 3000 }, (_, i) => i);
      const job = sc
        .parallelize(data, 3000)
        .map((x) => {
          const until = Date.now() + 5;
          while (Date.now() < until);
          return x + 1;
        })
        .reduce((a, b) => a + b);
      await waitFor('a sixth of the tasks', () => events.filter((e) => e.type === 'taskEnd').length >= 500, 120_000);
      // The master dies mid-job: events keep being posted while it is down and restarting.
      const doneAtKill = events.filter((e) => e.type === 'taskEnd').length;
      await cluster.restartMaster();
      restarted = true;
      expect(doneAtKill).toBeLessThan(3000);
      expect(await job).toBe(data.reduce((a, x) => a + x + 1, 0));
      await waitFor('both workers back', async () => (await cluster.clusterState().catch(() => null))?.workers.filter((w) => w.state === 'ALIVE').length === 2, 30_000);
    } finally {
      await sc.stop();
    }
    expect(restarted).toBe(true);
    const okEnds = events.filter((e) => e.type === 'taskEnd' && e.reason.kind === 'success').length;
    expect(okEnds).toBe(3000);
    const c = await storedCounts(appId);
    expect(c.successRows).toBe(3000);
    expect(c.allRows).toBe(events.filter((e) => e.type === 'taskEnd').length);
    expect(c.storedThrough).toBe(events.length);
    expect(c.droppedEvents).toBe(0);
  }, 300_000);

  it('counts the events of a driver SIGKILLed before its batch left as dropped', async () => {
    const child = spawn(process.execPath, ['--import', TSX, LOSING_DRIVER, cluster.masterUrl, 'tcp'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    try {
      await waitFor('the driver to report', () => out.includes('\n'), 120_000);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const line = JSON.parse(out.trim().split('\n').pop()!) as { appId: string; count: number; posted: number };
    expect(line.count).toBe(40);
    expect(line.posted).toBeGreaterThan(8 * 2);
    await waitFor('the master to end the application', async () => {
      const app = (await cluster.clusterState()).applications.find((a) => a.appId === line.appId);
      return !!app && app.state !== 'RUNNING' && app.state !== 'WAITING';
    }, 60_000);
    let c = await storedCounts(line.appId);
    await waitFor('the dropped count', async () => {
      c = await storedCounts(line.appId);
      return c.droppedEvents > 0;
    }, 10_000);
    // Nothing was sent: every event the driver numbered (and reported) is missing.
    expect(c.storedThrough).toBe(0);
    expect(c.eventsPosted).toBe(line.posted);
    expect(c.droppedEvents).toBe(line.posted);
  }, 180_000);

  // Last: it leaves the master dead (the cluster's stop() still ends every process).
  it('stops within the flush timeout when the master is gone, warning with the number of events not delivered', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(w.message);
    process.on('warning', onWarning);
    const sc = await FlintContext.create({
      master: cluster.masterUrl,
      appName: 'events-master-gone',
      transport: 'tcp',
      progress: false,
      conf: { 'flint.eventLog.flushTimeout': '1500ms', 'flint.eventLog.linger': '10ms' },
    });
    try {
      expect(await sc.parallelize([1, 2, 3, 4, 5, 6], 3).map((x) => x * x).collect()).toEqual([1, 4, 9, 16, 25, 36]);
      await sc.flushEvents();
      await new Promise((r) => setTimeout(r, 300)); // the job's events are acknowledged
      process.kill(cluster.masterPid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      await sc.stop();
      await new Promise((r) => setImmediate(r));
      const w = warnings.find((m) => m.includes('could not be delivered'));
      expect(w).toBeDefined();
      // applicationEnd at least was posted after the master died.
      const n = Number(/(\d+) of (\d+) events of application/.exec(w!)?.[1]);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(w).toContain(sc.applicationId);
    } finally {
      process.off('warning', onWarning);
      await sc.stop();
    }
  }, 120_000);
});
