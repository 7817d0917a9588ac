/**
 * Scheduling under executor faults on a real standalone cluster, for both
 * transports: the executor holding a finished parent stage's map output is
 * killed while a sibling parent stage runs (the outputs are recomputed and the
 * job ends with the exact answer), and a poison task that SIGKILLs every
 * executor it runs on (its job fails naming the task and the exits, after
 * flint.task.maxFailures losses; the driver's other jobs keep working; an
 * application that keeps losing executors is failed by the master's retry
 * bound); and a cancelled job whose tasks stop in their executor processes.
 * Answers are checked against plain JS; the cluster's stop() kills
 * every process it started.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext, JobCancelledError, moduleRef, type FlintEvent } from '@flint/core';
import { LocalCluster } from '@flint/cluster';
import { ExecutorTracker } from './cluster/test-cluster.ts';

const WORKER_TIMEOUT_MS = 3000;

async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

/** Resolves with the job's outcome, or rejects if it has not ended within `ms` (a hang, as a test failure). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e as Error);
      },
    );
  });
}

async function failureOf(p: Promise<unknown>): Promise<Error> {
  const r = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  if (!r) throw new Error('expected the job to fail');
  return r;
}

type Ev<T extends FlintEvent['type']> = Extract<FlintEvent, { type: T }>;

describe.each(['tcp', 'http'] as const)('scheduler faults in a standalone cluster over %s', (transport) => {
  let cluster: LocalCluster;
  let sc: FlintContext;
  const tracker = new ExecutorTracker();
  const { events, pids: executorPids } = tracker;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport, workerTimeoutMs: WORKER_TIMEOUT_MS });
    sc = await FlintContext.create({
      master: cluster.masterUrl,
      transport,
      appName: `scheduler-faults-${transport}`,
      progress: false,
      listeners: [tracker.listener],
    });
  }, 120_000);

  afterAll(async () => {
    await sc?.stop();
    await cluster?.stop();
  }, 60_000);

  it('recomputes the lost map output of a finished parent stage while a sibling parent still runs', async () => {
    const n = 400;
    const fastPairs = Array.from({ length: n }, (_, i): [number, number] => [i % 37, i]);
    const slowPairs = Array.from({ length: n }, (_, i): [number, string] => [i % 37, `s${i}`]);
    const from = events.length;
    // Parent A: 2 quick map tasks. Parent B: 6 map tasks of ~0.4 s each, so B runs long after A ends.
    const a = sc.parallelize(fastPairs, 2).mapValues((v) => v * 3);
    const b = sc.parallelize(slowPairs, 6).mapPartitions((it) => {
      const end = Date.now() + 400;
      while (Date.now() < end);
      return it;
    });
    const started = Date.now();
    const job = a.join(b, 3).collect();
    let settled = false;
    void job.then(
      () => (settled = true),
      () => (settled = true),
    );
    await waitFor('the job to start', () => events.slice(from).some((e) => e.type === 'jobStart'), 30_000);
    const start = events.slice(from).find((e): e is Ev<'jobStart'> => e.type === 'jobStart')!;
    const stageA = start.stageInfos.find((s) => s.kind === 'shuffleMap' && s.numTasks === 2)!.stageId;
    const stageB = start.stageInfos.find((s) => s.kind === 'shuffleMap' && s.numTasks === 6)!.stageId;
    await waitFor(
      'parent stage A to finish',
      () => events.slice(from).some((e) => e.type === 'stageCompleted' && e.stageInfo.stageId === stageA && e.stageInfo.failureReason === null),
      60_000,
    );
    const bDone = () => events.slice(from).some((e) => e.type === 'stageCompleted' && e.stageInfo.stageId === stageB && e.stageInfo.failureReason === null);
    expect(bDone()).toBe(false);
    // Kill an executor that holds an output of A, while B still runs.
    const aOutputs = events.slice(from).filter((e): e is Ev<'taskEnd'> => e.type === 'taskEnd' && e.stageId === stageA && e.reason.kind === 'success');
    const victim = aOutputs[0]!.taskInfo.executorId;
    const killedAt = Date.now();
    process.kill(executorPids.get(victim)!, 'SIGKILL');
    const got = await within(job, 120_000, 'the join after its parent output was lost');
    const recoveryMs = Date.now() - killedAt;
    expect(settled).toBe(true);
    // Plain-JS join over the same input.
    const right = new Map<number, string[]>();
    for (const [k, v] of slowPairs) right.set(k, [...(right.get(k) ?? []), v]);
    const expected = fastPairs.flatMap(([k, v]) => (right.get(k) ?? []).map((w) => JSON.stringify([k, [v * 3, w]])));
    expect(got.map((x) => JSON.stringify(x)).sort()).toEqual(expected.sort());
    await sc.flushEvents();
    const mine = events.slice(from);
    expect(mine.some((e) => e.type === 'executorRemoved' && e.executorId === victim)).toBe(true);
    // A ran again: a second attempt of its stage was submitted.
    expect(mine.filter((e) => e.type === 'stageSubmitted' && e.stageInfo.stageId === stageA).length).toBeGreaterThanOrEqual(2);
    console.log(`[${transport}] lost finished-parent output: job ${Date.now() - started} ms, ${recoveryMs} ms from the kill to the answer`);
  }, 180_000);

  it('fails a job whose task kills every executor it runs on, naming the task and the exits; other jobs keep working', async () => {
    const from = events.length;
    const other = sc
      .parallelize(Array.from({ length: 3000 }, (_, i) => i), 6)
      .mapPartitions((it) => {
        const end = Date.now() + 300;
        while (Date.now() < end);
        return it;
      })
      .map((x) => [x % 11, x] as [number, number])
      .reduceByKey((p, q) => p + q, 3)
      .collect();
    const started = Date.now();
    const err = await within(
      failureOf(
        sc
          .parallelize([1, 2, 3, 4, 5, 6], 3)
          .map((x) => {
            if (x === 3) process.kill(process.pid, 'SIGKILL');
            return x;
          })
          .collect(),
      ),
      180_000,
      'the poison job',
    );
    const failedAfterMs = Date.now() - started;
    expect(err.message).toMatch(/Task 1 in stage \d+\.\d+ failed 4 times/);
    expect(err.message).toMatch(/executor was lost while running it/);
    const exits = err.message.split('\n').filter((l) => /^ {2}attempt \d+ \(task \d+\) on executor \S+: /.test(l));
    expect(exits.length).toBe(4);
    for (const l of exits) expect(l).toMatch(/SIGKILL|signal|137|exit/i);
    // The concurrent job got the right answer.
    const sums = new Map<number, number>();
    for (let x = 0; x < 3000; x++) sums.set(x % 11, (sums.get(x % 11) ?? 0) + x);
    expect(new Map(await within(other, 120_000, 'the concurrent job'))).toEqual(sums);
    // The next job runs normally.
    expect(await within(sc.range(0, 1000, 1, 4).map((x) => x * 2).sum(), 60_000, 'the next job')).toBe(999_000);
    await sc.flushEvents();
    const lostDuringPoison = events.slice(from).filter((e) => e.type === 'executorRemoved').length;
    expect(lostDuringPoison).toBe(4);
    const app = (await cluster.clusterState()).applications.find((x) => x.name === `scheduler-faults-${transport}`);
    expect(app?.state).toBe('RUNNING');
    console.log(`[${transport}] poison task: job failed after ${failedAfterMs} ms, ${lostDuringPoison} executors lost`);
  }, 240_000);

  it('cancels a job: its tasks stop in their executor processes, its jobEnd says cancelled, and the next job runs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-cancel-cluster-'));
    try {
      const fsm = fs;
      const pathm = path;
      const files = () => new Map(fs.readdirSync(dir).map((f) => [f, fs.statSync(path.join(dir, f)).size]));
      const from = events.length;
      sc.setJobGroup('cluster-cancel', 'ticks until cancelled');
      const job = sc
        .parallelize([0, 1], 2)
        .map(
          (x) => {
            const nap = new Int32Array(new SharedArrayBuffer(4));
            const end = Date.now() + 120_000;
            while (Date.now() < end) {
              fsm.appendFileSync(pathm.join(dir, `tick-${x}`), 't\n');
              Atomics.wait(nap, 0, 0, 20);
            }
            return x;
          },
          { dir, fsm: moduleRef('node:fs'), pathm: moduleRef('node:path') },
        )
        .collect();
      sc.clearJobGroup();
      await waitFor('both tasks ticking in their executors', () => files().size === 2, 60_000);
      const ids = sc.statusTracker.jobIdsForGroup('cluster-cancel');
      expect(ids.length).toBe(1);
      const cancelledAt = Date.now();
      expect(sc.cancelJob(ids[0]!, 'cancelled by the test')).toBe(true);
      const err = await within(failureOf(job), 30_000, 'the cancelled job');
      const rejectMs = Date.now() - cancelledAt;
      expect(err).toBeInstanceOf(JobCancelledError);
      expect((err as JobCancelledError).jobGroup).toBe('cluster-cancel');
      // The tasks' side effects stop (ticks come every 20 ms).
      let stopMs = -1;
      await waitFor(
        'the ticks to stop',
        async () => {
          const a = files();
          await new Promise((r) => setTimeout(r, 500));
          const same = JSON.stringify([...a]) === JSON.stringify([...files()]);
          if (same && stopMs < 0) stopMs = Date.now() - cancelledAt - 500;
          return same;
        },
        10_000,
      );
      await sc.flushEvents();
      const mine = events.slice(from);
      const end = mine.find((e): e is Ev<'jobEnd'> => e.type === 'jobEnd' && e.jobId === ids[0]);
      expect(end?.result.status).toBe('cancelled');
      const startEv = mine.find((e): e is Ev<'jobStart'> => e.type === 'jobStart' && e.jobId === ids[0])!;
      expect(startEv.jobGroup).toBe('cluster-cancel');
      const ends = mine.filter((e): e is Ev<'taskEnd'> => e.type === 'taskEnd' && startEv.stageIds.includes(e.stageId));
      expect(ends.map((e) => e.reason.kind)).toEqual(['killed', 'killed']);
      // No executor was lost for it, and the next job runs on the same executors.
      expect(mine.filter((e) => e.type === 'executorRemoved')).toEqual([]);
      expect(await within(sc.range(0, 500, 1, 4).map((x) => x + 1).sum(), 60_000, 'the next job')).toBe(125_250);
      expect(sc._schedulerTables()).toEqual({ stages: 0, shuffleStages: 0, jobs: 0, waiting: 0, running: 0, failed: 0, taskSets: 0, runningTasks: 0 });
      console.log(`[${transport}] cancel: job rejected ${rejectMs} ms after cancelJob, side effects stopped within ~${stopMs} ms`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("has the master fail an application that keeps losing executors (the driver's task bound set past the master's)", async () => {
    // The cluster's cores go to this application alone.
    await sc.stop();
    const poisoned = await FlintContext.create({
      master: cluster.masterUrl,
      transport,
      appName: `keeps-losing-${transport}`,
      progress: false,
      conf: { 'flint.task.maxFailures': 1000 },
    });
    try {
      const job = poisoned
        .parallelize([1, 2, 3, 4], 2)
        .map((x) => {
          if (x === 3) process.kill(process.pid, 'SIGKILL');
          return x;
        })
        .collect();
      const err = await within(failureOf(job), 240_000, 'the job of an application the master gives up on');
      const app = (await cluster.clusterState()).applications.find((x) => x.name === `keeps-losing-${transport}`);
      expect(app?.state).toBe('FAILED');
      const failed = (await cluster.clusterState()).executors.filter((e) => e.appId === app!.appId && e.state === 'FAILED');
      // 10 in a row after the last executor seen working: the one that ran partition 0 finished a task,
      // which starts the master's count again, so the poison task's first victim is forgiven when it
      // died before the driver told the master (10 or 11 in all; 12 or more would be a row past the bound).
      expect(failed.length).toBeGreaterThanOrEqual(10);
      expect(failed.length).toBeLessThanOrEqual(11);
      expect(err.message.length).toBeGreaterThan(0);
      console.log(`[${transport}] master retry bound: ${failed.length} executors failed, driver saw: ${err.message.split('\n')[0]}`);
    } finally {
      await poisoned.stop();
    }
  }, 300_000);
});
