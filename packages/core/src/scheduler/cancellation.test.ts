/**
 * Cancelling jobs on local[2]: by id, by group and all at once. A cancelled job's
 * promise rejects with a JobCancelledError, its tasks stop on their threads (their
 * side effects stop), its jobEnd says `cancelled`, the schedulers' tables empty,
 * and the next job runs and answers right.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { moduleRef } from '../closure/ship.ts';
import { FlintContext } from '../context.ts';
import { FlintErrorCode, JobCancelledError } from '../errors.ts';
import { KILL_GRACE_MS } from '../executor/thread-pool.ts';
import type { FlintEvent } from '../listener/events.ts';
import type { RDD } from '../rdd/rdd.ts';
import { bag, reducePairs } from '../testing/plain.ts';

let sc: FlintContext;
let tmp: string;
const events: FlintEvent[] = [];

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'cancellation-test', progress: false });
  sc.addListener((e) => {
    events.push(e);
  });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-cancel-'));
});

afterAll(async () => {
  await sc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function eventually(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Each element's task appends a line to `<dir>/<tag>-<x>` every 20 ms for up to 60 s: a side effect that shows whether it still runs. */
function ticking(dir: string, tag: string, xs: number[]): RDD<number> {
  // The closure's names for the modules its env ships.
  const fsm = fs;
  const pathm = path;
  return sc.parallelize(xs, xs.length).map(
    (x) => {
      const file = pathm.join(dir, `${tag}-${x}`);
      const nap = new Int32Array(new SharedArrayBuffer(4));
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        fsm.appendFileSync(file, 't\n');
        Atomics.wait(nap, 0, 0, 20);
      }
      return x;
    },
    { dir, tag, fsm: moduleRef('node:fs'), pathm: moduleRef('node:path') },
  );
}

function tickFiles(tag: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of fs.readdirSync(tmp)) if (f.startsWith(`${tag}-`)) m.set(f, fs.statSync(path.join(tmp, f)).size);
  return m;
}

/**
 * The side effects of `tag`'s tasks have stopped: no file grows over half a second (ticks come every
 * 20 ms). These tasks never return from user code, so their threads are replaced once the kill's
 * grace has passed.
 */
async function expectStopped(tag: string): Promise<void> {
  await sleep(KILL_GRACE_MS + 200);
  const before = tickFiles(tag);
  await sleep(500);
  expect(tickFiles(tag)).toEqual(before);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const r = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  if (!r) throw new Error('expected the job to be cancelled');
  return r;
}

function jobStart(jobId: number): Extract<FlintEvent, { type: 'jobStart' }> | undefined {
  return events.find((e): e is Extract<FlintEvent, { type: 'jobStart' }> => e.type === 'jobStart' && e.jobId === jobId);
}
function jobEnd(jobId: number): Extract<FlintEvent, { type: 'jobEnd' }> | undefined {
  return events.find((e): e is Extract<FlintEvent, { type: 'jobEnd' }> => e.type === 'jobEnd' && e.jobId === jobId);
}

const EMPTY = { stages: 0, shuffleStages: 0, jobs: 0, waiting: 0, running: 0, failed: 0, taskSets: 0, runningTasks: 0 };

async function expectNextJobRuns(): Promise<void> {
  const pairs = Array.from({ length: 300 }, (_, i): [number, number] => [i % 13, i]);
  expect(bag(await sc.parallelize(pairs, 4).reduceByKey((a, b) => a + b, 3).collect())).toEqual(bag(reducePairs(pairs, (a, b) => a + b)));
}

describe('cancelJob', () => {
  test('rejects the job with a JobCancelledError, stops its tasks, posts a cancelled jobEnd, and the next job runs', async () => {
    expect(sc.statusTracker.activeJobIds()).toEqual([]);
    const job = ticking(tmp, 'one', [0, 1]).collect();
    await eventually('both tasks ticking', () => tickFiles('one').size === 2);
    const ids = sc.statusTracker.activeJobIds();
    expect(ids.length).toBe(1);
    const id = ids[0]!;
    await sc.flushEvents();
    expect(jobStart(id)?.jobGroup).toBeNull();
    expect(sc.cancelJob(id, 'the user asked')).toBe(true);
    const err = await rejection(job);
    expect(err).toBeInstanceOf(JobCancelledError);
    const ce = err as JobCancelledError;
    expect(ce.code).toBe(FlintErrorCode.JOB_CANCELLED);
    expect(ce.jobId).toBe(id);
    expect(ce.reason).toBe('the user asked');
    expect(ce.message).toContain(`job ${id} was cancelled: the user asked`);
    await expectStopped('one');
    await sc.flushEvents();
    expect(jobEnd(id)?.result).toEqual({ status: 'cancelled', error: ce.message });
    const killed = events.filter((e) => e.type === 'taskEnd' && jobStart(id)!.stageIds.includes(e.stageId));
    expect(killed.map((e) => (e as Extract<FlintEvent, { type: 'taskEnd' }>).reason.kind)).toEqual(['killed', 'killed']);
    await eventually('empty scheduler tables', () => JSON.stringify(sc._schedulerTables()) === JSON.stringify(EMPTY));
    expect(sc.statusTracker.activeJobIds()).toEqual([]);
    expect(sc.cancelJob(id)).toBe(false);
    expect(sc.cancelJob(12345)).toBe(false);
    await expectNextJobRuns();
  });

  test('of a job in a shuffle stage kills its map tasks, and the same RDD later computes the exact answer', async () => {
    const pairs = Array.from({ length: 40 }, (_, i): [number, number] => [i % 5, i]);
    const [dir, fsm, pathm] = [tmp, fs, path];
    const slowMaps = sc.parallelize(pairs, 2).map(
      (kv) => {
        fsm.appendFileSync(pathm.join(dir, `shuffle-${kv[1] % 2}`), 't\n');
        const nap = new Int32Array(new SharedArrayBuffer(4));
        if (!fsm.existsSync(pathm.join(dir, 'fast'))) Atomics.wait(nap, 0, 0, 100);
        return kv;
      },
      { dir, fsm: moduleRef('node:fs'), pathm: moduleRef('node:path') },
    );
    const reduced = slowMaps.reduceByKey((a, b) => a + b, 2);
    const job = reduced.collect();
    await eventually('map tasks running', () => tickFiles('shuffle').size === 2);
    const [id] = sc.statusTracker.activeJobIds();
    expect(sc.cancelJob(id!)).toBe(true);
    expect(await rejection(job)).toBeInstanceOf(JobCancelledError);
    await expectStopped('shuffle');
    await eventually('empty scheduler tables', () => JSON.stringify(sc._schedulerTables()) === JSON.stringify(EMPTY));
    fs.writeFileSync(path.join(tmp, 'fast'), '');
    expect(bag(await reduced.collect())).toEqual(bag(reducePairs(pairs, (a, b) => a + b)));
  });
});

describe('job groups', () => {
  test('cancelJobGroup cancels the jobs of that group only; jobStart carries the group', async () => {
    const other = (async () => {
      // Started by independent code: not in the group even though it runs meanwhile.
      await sleep(1);
      return sc.parallelize([1, 2, 3, 4, 5], 1).map((x) => x * 10).collect();
    })();
    sc.setJobGroup('nightly', 'nightly report');
    expect(sc.jobGroup).toBe('nightly');
    const a = ticking(tmp, 'ga', [0]).collect();
    const b = ticking(tmp, 'gb', [0]).collect();
    sc.clearJobGroup();
    expect(sc.jobGroup).toBeNull();
    await eventually('both group jobs ticking', () => tickFiles('ga').size === 1 && tickFiles('gb').size === 1);
    const groupIds = sc.statusTracker.jobIdsForGroup('nightly');
    expect(groupIds.length).toBe(2);
    const cancelled = sc.cancelJobGroup('nightly');
    expect(cancelled.sort()).toEqual([...groupIds].sort());
    for (const p of [a, b]) {
      const err = await rejection(p);
      expect(err).toBeInstanceOf(JobCancelledError);
      expect((err as JobCancelledError).jobGroup).toBe('nightly');
      expect(err.message).toContain('job group nightly');
    }
    expect(await other).toEqual([10, 20, 30, 40, 50]);
    await expectStopped('ga');
    await expectStopped('gb');
    await sc.flushEvents();
    for (const id of groupIds) {
      expect(jobStart(id)?.jobGroup).toBe('nightly');
      expect(jobStart(id)?.description).toContain('nightly report');
      expect(jobEnd(id)?.result.status).toBe('cancelled');
    }
    const otherStart = events.filter((e): e is Extract<FlintEvent, { type: 'jobStart' }> => e.type === 'jobStart' && !groupIds.includes(e.jobId)).pop();
    expect(otherStart?.jobGroup ?? null).toBeNull();
    expect(sc.cancelJobGroup('nightly')).toEqual([]);
    await eventually('empty scheduler tables', () => JSON.stringify(sc._schedulerTables()) === JSON.stringify(EMPTY));
    await expectNextJobRuns();
  });

  test('cancelAllJobs cancels every running job and the context stays usable', async () => {
    const jobs = [ticking(tmp, 'all-a', [0]).collect(), ticking(tmp, 'all-b', [0]).count()];
    await eventually('both jobs ticking', () => tickFiles('all-a').size === 1 && tickFiles('all-b').size === 1);
    expect(sc.cancelAllJobs().length).toBe(2);
    for (const p of jobs) expect(await rejection(p)).toBeInstanceOf(JobCancelledError);
    await expectStopped('all-a');
    await expectStopped('all-b');
    await eventually('empty scheduler tables', () => JSON.stringify(sc._schedulerTables()) === JSON.stringify(EMPTY));
    await expectNextJobRuns();
    expect(() => sc.setJobGroup('')).toThrow(/non-empty string/);
  });
});
