/**
 * Faults in a real standalone cluster, for both transports: an executor killed
 * mid-job, a master restarted while idle, a worker killed mid-job, a driver that
 * exits without stop(). Answers are checked against plain JS; every process is
 * cleaned up by the cluster's stop().
 */
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext } from '@flint/core';
import { LocalCluster } from '@flint/cluster';
import { ExecutorTracker, processAlive } from './cluster/test-cluster.ts';

const WORKER_TIMEOUT_MS = 3000;
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ABANDONING_DRIVER = fileURLToPath(new URL('./fixtures/abandoning-driver.ts', import.meta.url));

async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - start;
}

/** Sum per key of a slow two-stage job over 0..n-1 keyed by x % 40. */
function slowJob(sc: FlintContext, n: number, slices: number, ms: number) {
  return sc
    .parallelize(Array.from({ length: n }, (_, i) => i), slices)
    .map(
      (x) => {
        const end = Date.now() + ms;
        while (Date.now() < end);
        return [x % 40, x] as [number, number];
      },
      { ms },
    )
    .reduceByKey((a, b) => a + b, 4);
}

function expectedSums(n: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let x = 0; x < n; x++) m.set(x % 40, (m.get(x % 40) ?? 0) + x);
  return m;
}

describe.each(['tcp', 'http'] as const)('faults in a standalone cluster over %s', (transport) => {
  let cluster: LocalCluster;
  let sc: FlintContext;
  const tracker = new ExecutorTracker();
  const { events, pids: executorPids } = tracker;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport, workerTimeoutMs: WORKER_TIMEOUT_MS });
    sc = await FlintContext.create({
      master: cluster.masterUrl,
      transport,
      appName: `faults-${transport}`,
      progress: false,
      listeners: [tracker.listener],
    });
  }, 120_000);

  afterAll(async () => {
    await sc?.stop();
    await cluster?.stop();
  }, 60_000);

  it('returns the right answer when an executor process is killed mid-job', async () => {
    const job = slowJob(sc, 2000, 16, 2).collect();
    // Kill an executor once the first tasks have finished on it.
    await waitFor('a finished task', () => events.some((e) => e.type === 'taskEnd' && e.reason.kind === 'success'), 60_000);
    const [victimId, victimPid] = [...executorPids.entries()][0]!;
    process.kill(victimPid, 'SIGKILL');
    const got = new Map(await job);
    expect(got).toEqual(expectedSums(2000));
    await sc.flushEvents();
    expect(events.some((e) => e.type === 'executorRemoved' && e.executorId === victimId)).toBe(true);
  });

  it('runs the next job after the master restarts while idle, with workers re-registered', async () => {
    await cluster.restartMaster();
    const ms = await waitFor(
      'both workers ALIVE again',
      async () => (await cluster.clusterState().catch(() => null))?.workers.filter((w) => w.state === 'ALIVE').length === 2,
      30_000,
    );
    expect(ms).toBeLessThan(30_000);
    const got = new Map(await slowJob(sc, 400, 4, 0).collect());
    expect(got).toEqual(expectedSums(400));
  });

  it('marks a killed worker DEAD within the timeout and finishes the job on the other', async () => {
    const job = slowJob(sc, 2000, 16, 2).collect();
    await waitFor('a running job', () => events.filter((e) => e.type === 'taskEnd').length > 0, 60_000);
    const st = await cluster.clusterState();
    const victim = st.workers.find((w) => w.state === 'ALIVE')!;
    const index = cluster.workers.findIndex((w) => w.address === victim.address);
    const killedAt = Date.now();
    await cluster.killWorker(index);
    const got = new Map(await job);
    expect(got).toEqual(expectedSums(2000));
    await waitFor(
      'the worker to be DEAD',
      async () => (await cluster.clusterState()).workers.find((w) => w.address === victim.address)?.state === 'DEAD',
      WORKER_TIMEOUT_MS * 4,
    );
    expect(Date.now() - killedAt).toBeLessThan(WORKER_TIMEOUT_MS * 4 + 10_000);
  });

  it("removes a driver's executors when it exits without stop()", async () => {
    await sc.stop();
    const child = spawn(process.execPath, ['--import', TSX, ABANDONING_DRIVER, cluster.masterUrl, transport], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((res) => child.on('exit', res));
    expect(code).toBe(0);
    const line = JSON.parse(out.trim().split('\n').pop()!) as { appId: string; count: number; pids: number[]; localDir: string };
    expect(line.count).toBe(4);
    // Its local dir went with it (removed at process exit).
    expect(line.localDir.length).toBeGreaterThan(0);
    expect(fs.existsSync(line.localDir)).toBe(false);
    expect(line.pids.length).toBeGreaterThan(0);
    await waitFor('its executors to exit', () => line.pids.every((p) => !processAlive(p)), WORKER_TIMEOUT_MS * 4);
    await waitFor(
      'the application to end',
      async () => {
        const app = (await cluster.clusterState()).applications.find((a) => a.name === 'abandoning-driver');
        return !!app && app.state !== 'RUNNING' && app.state !== 'WAITING';
      },
      WORKER_TIMEOUT_MS * 4,
    );
  }, 90_000);
});
