/**
 * Executors do not outlive the processes that own them: an executor whose
 * worker daemon is SIGKILLed exits (its launch pipe closes), and an executor
 * its driver has declared lost (frozen past the peer timeout, then thawed)
 * exits and gives its worker's core back. Real master, workers, executors and
 * driver on 127.0.0.1; every answer is checked against plain JS.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { LocalCluster } from '@flint/cluster';
import { processAlive } from './cluster/test-cluster.ts';

const WORKER_TIMEOUT_MS = 3000;

/** The parent pid of `pid`, from /proc. */
function parentOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

function sumsByKey(n: number, mod: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let x = 0; x < n; x++) m.set(x % mod, (m.get(x % mod) ?? 0) + x);
  return m;
}

function job(sc: FlintContext, n: number, mod: number) {
  return sc
    .parallelize(Array.from({ length: n }, (_, i) => i), 8)
    .map((x) => [x % mod, x] as [number, number], { mod })
    .reduceByKey((a, b) => a + b, 4)
    .collect();
}

describe('executor lifecycle', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  }, 60_000);

  async function setUp(transport: 'tcp' | 'http', workerTimeoutMs = WORKER_TIMEOUT_MS) {
    const cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport, workerTimeoutMs });
    cleanups.push(() => cluster.stop());
    const events: FlintEvent[] = [];
    const pids = new Map<string, number>();
    const sc = await FlintContext.create({
      master: cluster.masterUrl,
      transport,
      appName: `lifecycle-${transport}`,
      progress: false,
      listeners: [
        (e) => {
          events.push(e);
          if (e.type === 'executorAdded' && e.pid !== null) pids.set(e.executorId, e.pid);
        },
      ],
    });
    cleanups.push(() => sc.stop());
    expect(new Map(await job(sc, 1000, 7))).toEqual(sumsByKey(1000, 7));
    await waitFor('two executors', () => pids.size >= 2, 30_000);
    return { cluster, sc, events, pids };
  }

  it.each(['tcp', 'http'] as const)('an executor exits when its worker daemon is SIGKILLed (%s)', async (transport) => {
    // The master must not declare the worker dead during the test (that removes its executors
    // another way): only the closed launch pipe can end the executor here.
    const { cluster, sc, pids } = await setUp(transport, 120_000);
    const workerPid = cluster.workerPids[0]!;
    const orphans = [...pids.values()].filter((p) => parentOf(p) === workerPid);
    expect(orphans.length).toBe(1);
    // The daemon alone, not its process group: its executors are left to notice.
    process.kill(workerPid, 'SIGKILL');
    const ms = await waitFor('the executor of the killed worker to exit', () => orphans.every((p) => !processAlive(p)), 15_000);
    process.stdout.write(`[lifecycle ${transport}] executor of a SIGKILLed worker exited after ${ms} ms\n`);
    expect(new Map(await job(sc, 3000, 11))).toEqual(sumsByKey(3000, 11));
  }, 120_000);

  it.each(['tcp', 'http'] as const)('an executor the driver declared lost while frozen exits once thawed, and its core is freed (%s)', async (transport) => {
    const { cluster, sc, events, pids } = await setUp(transport);
    const [victimId, victimPid] = [...pids.entries()][0]!;
    process.kill(victimPid, 'SIGSTOP');
    try {
      await waitFor('the driver to declare the frozen executor lost', () => events.some((e) => e.type === 'executorRemoved' && e.executorId === victimId), 90_000);
    } finally {
      process.kill(victimPid, 'SIGCONT');
    }
    const thawed = Date.now();
    await waitFor('the thawed executor to exit', () => !processAlive(victimPid), 20_000);
    const exitMs = Date.now() - thawed;
    await waitFor(
      'the master to see the executor gone',
      async () => {
        const st = await cluster.clusterState();
        const e = st.executors.find((x) => x.executorId === victimId);
        return !!e && e.state !== 'RUNNING' && e.state !== 'LAUNCHING';
      },
      20_000,
    );
    process.stdout.write(`[lifecycle ${transport}] thawed executor exited ${exitMs} ms after SIGCONT\n`);
    expect(new Map(await job(sc, 2000, 13))).toEqual(sumsByKey(2000, 13));
  }, 180_000);
});
