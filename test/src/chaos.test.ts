/**
 * Chaos on a standalone cluster (one suite; it replaces the two that overlapped): a series of
 * multi-stage jobs — reduceByKey, a join against a small table, groupByKey then sortByKey,
 * distinct, two shuffles in a row, and a join of two shuffled parents then a reduce — on a
 * 3-worker cluster over each transport. During every round but the first and the last (up to
 * MAX_EXECUTOR_KILLS) a random live executor is SIGKILLed at a random moment; halfway through, a worker daemon is SIGKILLed
 * too, alone (its executor must notice and exit by itself). Checked: every answer equals plain JS
 * over the same input; executor losses counted against tasks (flint.task.maxFailures) fail no job
 * that only meets a few of them; the driver saw at least as many executors lost as were killed;
 * no executor the driver removed is left running. Each round's job, time and kill are printed
 * with the seed (FLINT_CHAOS_SEED replays a run). The cluster's stop() kills every process it started.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext } from '@flint/core';
import { LocalCluster } from '@flint/cluster';
import { ExecutorTracker, processAlive } from './cluster/test-cluster.ts';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Job {
  name: string;
  run(sc: FlintContext, data: number[]): Promise<unknown>;
  expected(data: number[]): unknown;
}

/** A map that takes ~1 ms per record, so that kills land while tasks run. */
function slowPairs(sc: FlintContext, data: number[], mod: number) {
  return sc.parallelize(data, 12).map(
    (x) => {
      const end = Date.now() + 1;
      while (Date.now() < end);
      return [x % mod, x] as [number, number];
    },
    { mod },
  );
}

const sortPairs = <T>(a: [number, T][]) => [...a].sort((x, y) => x[0] - y[0]);

const JOBS: Job[] = [
  {
    name: 'reduceByKey',
    run: async (sc, data) => sortPairs(await slowPairs(sc, data, 31).reduceByKey((a, b) => a + b, 5).collect()),
    expected: (data) => {
      const m = new Map<number, number>();
      for (const x of data) m.set(x % 31, (m.get(x % 31) ?? 0) + x);
      return sortPairs([...m]);
    },
  },
  {
    name: 'join',
    run: async (sc, data) => {
      const right = sc.parallelize(Array.from({ length: 50 }, (_, k) => [k, `r${k}`] as [number, string]), 3);
      const joined = slowPairs(sc, data, 70).join(right, 6).map(([k, [v, r]]) => [k, `${r}:${v % 10}`] as [number, string]);
      return (await joined.collect()).map(([k, s]) => `${k}/${s}`).sort();
    },
    expected: (data) =>
      data
        .filter((x) => x % 70 < 50)
        .map((x) => `${x % 70}/r${x % 70}:${x % 10}`)
        .sort(),
  },
  {
    name: 'groupByKey+sortByKey',
    run: async (sc, data) =>
      slowPairs(sc, data, 13)
        .groupByKey(4)
        .map(([k, vs]) => [k, vs.length * 1000 + Math.max(...vs)] as [number, number])
        .sortByKey(true, 3)
        .collect(),
    expected: (data) => {
      const m = new Map<number, number[]>();
      for (const x of data) m.set(x % 13, [...(m.get(x % 13) ?? []), x]);
      return sortPairs([...m].map(([k, vs]) => [k, vs.length * 1000 + Math.max(...vs)] as [number, number]));
    },
  },
  {
    name: 'distinct',
    run: async (sc, data) => (await slowPairs(sc, data, 997).map(([, v]) => v % 997).distinct(7).collect()).sort((a, b) => a - b),
    expected: (data) => [...new Set(data.map((x) => x % 997))].sort((a, b) => a - b),
  },
  {
    name: 'two shuffles',
    run: async (sc, data) =>
      sortPairs(
        await slowPairs(sc, data, 101)
          .reduceByKey((a, b) => a + b, 6)
          .map(([k, v]) => [k % 9, v] as [number, number])
          .reduceByKey((a, b) => a + b, 3)
          .collect(),
      ),
    expected: (data) => {
      const m = new Map<number, number>();
      for (const x of data) m.set((x % 101) % 9, (m.get((x % 101) % 9) ?? 0) + x);
      return sortPairs([...m]);
    },
  },
  {
    // Two shuffled parents (each slow: 150 ms a partition) joined, then reduced.
    name: 'join of two shuffled parents, then reduce',
    run: async (sc, data) => {
      const left = data.map((x, i): [number, number] => [x % 53, i]);
      const right = data.slice(0, Math.floor(data.length / 3)).map((x, i): [number, string] => [(x * 7) % 53, `r${i}`]);
      return sortPairs(
        await sc
          .parallelize(left, 8)
          .mapPartitions((it) => {
            const end = Date.now() + 150;
            while (Date.now() < end);
            return it;
          })
          .join(sc.parallelize(right, 4), 5)
          .map(([k, [v, w]]) => [k, v + w.length] as [number, number])
          .reduceByKey((a, b) => a + b, 3)
          .collect(),
      );
    },
    expected: (data) => {
      const rightBy = new Map<number, string[]>();
      data.slice(0, Math.floor(data.length / 3)).forEach((x, i) => rightBy.set((x * 7) % 53, [...(rightBy.get((x * 7) % 53) ?? []), `r${i}`]));
      const m = new Map<number, number>();
      data.forEach((x, i) => {
        for (const w of rightBy.get(x % 53) ?? []) m.set(x % 53, (m.get(x % 53) ?? 0) + i + w.length);
      });
      return sortPairs([...m]);
    },
  },
];

/** Every job twice; no kill in the first and last rounds (their times are the reference). */
const ROUNDS = 12;
const WORKER_ROUND = 6;
const WORKER_TIMEOUT_MS = 3000;
/**
 * Executors SIGKILLed per run: one in each of rounds 1–10, as many as the master's
 * flint.deploy.maxExecutorRetries (10). The application survives them because each replacement
 * finishes tasks between kills, which the driver tells the master, and a working executor starts
 * the master's count of failures in a row again (it would otherwise end the application at 10).
 */
const MAX_EXECUTOR_KILLS = 10;

describe.each(['tcp', 'http'] as const)('chaos over %s', (transport) => {
  let cluster: LocalCluster;
  let sc: FlintContext;
  const tracker = new ExecutorTracker();
  const { pids, removed } = tracker;
  const seed = Number(process.env.FLINT_CHAOS_SEED ?? Date.now() % 1_000_000);
  const rand = mulberry32(seed);

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

  it('answers every job exactly while executors and a worker are killed (seed printed)', async () => {
    process.stdout.write(`[chaos ${transport}] seed ${seed} (FLINT_CHAOS_SEED=${seed} replays it)\n`);
    let kills = 0;
    const times: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const job = JOBS[round % JOBS.length]!;
      const data = Array.from({ length: 1500 + Math.floor(rand() * 2000) }, () => Math.floor(rand() * 100_000));
      const started = Date.now();
      const answer = job.run(sc, data);
      const killed: string[] = [];
      let delay = 0;
      if (round > 0 && round < ROUNDS - 1) {
        delay = 200 + Math.floor(rand() * 1300);
        await sleep(delay);
        const live = [...pids.entries()].filter(([id, pid]) => !removed.has(id) && processAlive(pid));
        if (live.length > 0 && kills < MAX_EXECUTOR_KILLS) {
          const [id, pid] = live[Math.floor(rand() * live.length)]!;
          try {
            process.kill(pid, 'SIGKILL');
            killed.push(`executor ${id} (pid ${pid})`);
            kills++;
          } catch {
            // It ended by itself meanwhile.
          }
        }
        if (round === WORKER_ROUND) {
          // A worker daemon alone, not its process group: its executor must notice and exit by itself.
          const victim = cluster.workerPids.findIndex((p) => processAlive(p));
          process.kill(cluster.workerPids[victim]!, 'SIGKILL');
          killed.push(`worker daemon ${victim} (pid ${cluster.workerPids[victim]})`);
        }
      }
      const got = await answer;
      const ms = Date.now() - started;
      times.push(`${ms} ms${killed.length ? ' (kill)' : ''}`);
      process.stdout.write(`[chaos ${transport}] round ${round} ${job.name} over ${data.length} records: killed ${killed.join(' and ') || 'nothing'}${killed.length ? ` at ${delay} ms` : ''}; answered in ${ms} ms\n`);
      expect(got, `round ${round} (${job.name}), seed ${seed}`).toEqual(job.expected(data));
    }
    await sc.flushEvents();
    expect(kills, `seed ${seed}`).toBeGreaterThanOrEqual(3);
    expect(removed.size, `seed ${seed}`).toBeGreaterThanOrEqual(kills);
    // Every executor the driver lost is gone, none left running.
    await sleep(3000);
    const lingering = [...pids.entries()].filter(([id, pid]) => removed.has(id) && processAlive(pid));
    expect(lingering, `executors removed but still running; seed ${seed}`).toEqual([]);
    console.log(`[chaos ${transport}] seed ${seed}: ${times.join(', ')}; executors killed ${kills}, lost ${removed.size}`);
  }, 900_000);
});
