/**
 * Chaos: a series of multi-stage jobs (a join of two shuffled parents, then a
 * reduce) on a standalone cluster while random executors are SIGKILLed at
 * random moments, and one worker (with its executors) dies for good part way
 * through. Every answer is compared with plain JS; executor losses counted
 * against tasks (flint.task.maxFailures) must not fail a job that only meets
 * a few of them. Job times with and without a kill are printed, not asserted.
 * The cluster's stop() kills every process it started.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext } from '@flint/core';
import { LocalCluster } from '@flint/master';
import { ExecutorTracker, processAlive } from './cluster/test-cluster.ts';

const WORKER_TIMEOUT_MS = 3000;

/** A small deterministic generator, so a failing run can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(['tcp', 'http'] as const)('chaos on a standalone cluster over %s', (transport) => {
  let cluster: LocalCluster;
  let sc: FlintContext;
  const tracker = new ExecutorTracker();
  const { events, pids: executorPids, removed } = tracker;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ workers: 3, coresPerWorker: 1, transport, workerTimeoutMs: WORKER_TIMEOUT_MS });
    sc = await FlintContext.create({
      master: cluster.masterUrl,
      transport,
      appName: `chaos-${transport}`,
      progress: false,
      listeners: [tracker.listener],
    });
  }, 120_000);

  afterAll(async () => {
    await sc?.stop();
    await cluster?.stop();
  }, 60_000);

  it('answers every job of a series exactly while executors and a worker are killed', async () => {
    const seed = Number(process.env.FLINT_CHAOS_SEED ?? 20261205);
    const rand = mulberry32(seed);
    const rounds = 6;
    const times: string[] = [];
    let kills = 0;
    for (let round = 0; round < rounds; round++) {
      const n = 1500 + round * 100;
      const left = Array.from({ length: n }, (_, i): [number, number] => [i % 53, i]);
      const right = Array.from({ length: n / 3 }, (_, i): [number, string] => [(i * 7) % 53, `r${i}`]);
      const job = sc
        .parallelize(left, 8)
        .mapPartitions((it) => {
          const end = Date.now() + 150;
          while (Date.now() < end);
          return it;
        })
        .join(sc.parallelize(right, 4), 5)
        .map(([k, [v, w]]) => [k, v + w.length] as [number, number])
        .reduceByKey((a, b) => a + b, 3)
        .collect();
      const t0 = Date.now();
      // Kill a random live executor at a random moment of the job (rounds 1..4), and a worker once (round 3).
      let killed = '';
      if (round >= 1 && round <= 4) {
        await new Promise((r) => setTimeout(r, 200 + Math.floor(rand() * 1500)));
        const live = [...executorPids.entries()].filter(([id, pid]) => !removed.has(id) && processAlive(pid));
        if (live.length > 0) {
          const [id, pid] = live[Math.floor(rand() * live.length)]!;
          try {
            process.kill(pid, 'SIGKILL');
            killed = `executor ${id}`;
            kills++;
          } catch {
            // It ended by itself meanwhile.
          }
        }
        if (round === 3) {
          await cluster.killWorker(Math.floor(rand() * cluster.workers.length));
          killed += ' and a worker';
        }
      }
      const got = await job;
      times.push(`${Date.now() - t0} ms${killed ? ` (killed ${killed})` : ''}`);
      const expected = new Map<number, number>();
      const rightBy = new Map<number, string[]>();
      for (const [k, w] of right) rightBy.set(k, [...(rightBy.get(k) ?? []), w]);
      for (const [k, v] of left) for (const w of rightBy.get(k) ?? []) expected.set(k, (expected.get(k) ?? 0) + v + w.length);
      expect(new Map(got)).toEqual(expected);
    }
    await sc.flushEvents();
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(removed.size).toBeGreaterThanOrEqual(kills);
    console.log(`[${transport}] chaos (seed ${seed}): ${times.join(', ')}; executors lost ${removed.size}`);
  }, 600_000);
});
