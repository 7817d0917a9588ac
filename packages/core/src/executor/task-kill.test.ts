/**
 * Killing tasks on local[2] keeps their threads (issue 13): the sibling tasks of a job that fails on
 * a user exception are killed, stop at their next record batch, and their threads run the next job
 * (the threads were terminated and replaced, and the next job waited 1–3 s for a new one). A task
 * that does not stop in time has its thread replaced. Threads are told apart by their thread id.
 */
import workerThreads from 'node:worker_threads';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { moduleRef } from '../closure/ship.ts';
import { FlintContext } from '../context.ts';
import type { FlintEvent } from '../listener/events.ts';

let sc: FlintContext;
const events: FlintEvent[] = [];
type TaskEnd = Extract<FlintEvent, { type: 'taskEnd' }>;

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'task-kill', progress: false, conf: { 'flint.task.maxFailures': 1 } });
  sc.addListener((e) => {
    events.push(e);
  });
});

afterAll(async () => {
  await sc?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The thread ids of two tasks that run at once (each waits 300 ms, so each takes a slot of its own). */
async function threadIdsOfBothSlots(): Promise<number[]> {
  // The closure's name for the module its env ships.
  const wt = workerThreads;
  const ids = await sc
    .parallelize([0, 1], 2)
    .map(
      () => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        return wt.threadId;
      },
      { wt: moduleRef('node:worker_threads') },
    )
    .collect();
  return ids.sort((a, b) => a - b);
}

/** Waits (without a time limit of its own: the test's is enough) for a job's tasks to have all ended. */
async function endsOfJob(jobId: number, tasks: number): Promise<TaskEnd[]> {
  const stages = new Set(events.flatMap((e) => (e.type === 'jobStart' && e.jobId === jobId ? e.stageIds : [])));
  for (;;) {
    const ends = events.filter((e): e is TaskEnd => e.type === 'taskEnd' && stages.has(e.stageId));
    if (ends.length >= tasks) return ends;
    await sleep(20);
  }
}

const jobIds = (): number[] => events.flatMap((e) => (e.type === 'jobStart' ? [e.jobId] : []));

/** The id of the first job started after `known` jobs had started (events arrive asynchronously: waits for it). */
async function jobAfter(known: number): Promise<number> {
  for (;;) {
    const ids = jobIds();
    if (ids.length > known) return ids[known]!;
    await sleep(20);
  }
}

test('the sibling of a task that threw is killed at its next record batch and its thread runs the next job', async () => {
  const before = await threadIdsOfBothSlots();
  expect(new Set(before).size).toBe(2);
  await sc.flushEvents();
  const known = jobIds().length;
  // Partition 0 throws at once; partition 1 would read half a billion records: it is killed mid-range.
  const err = await sc
    .range(0, 1e9, 1, 2)
    .map((x) => {
      if (x === 0) throw new Error('boom at 0');
      return x;
    })
    .count()
    .then(
      () => null,
      (e: Error) => e,
    );
  expect(err?.message).toMatch(/boom at 0/);
  const ends = await endsOfJob(await jobAfter(known), 2);
  expect(ends.map((e) => e.reason.kind).sort()).toEqual(['exception', 'killed']);
  // The same two threads (was: the killed task's thread was replaced by a new one).
  expect(await threadIdsOfBothSlots()).toEqual(before);
  expect(await sc.range(0, 10_000, 1, 4).map((x) => x * 2).sum()).toBe(10_000 * 9_999);
});

test('a killed task that stays in user code past the grace has its thread replaced, and the slot runs again', async () => {
  const before = await threadIdsOfBothSlots();
  await sc.flushEvents();
  const known = jobIds().length;
  const err = await sc
    .parallelize([0, 1], 2)
    .map((x) => {
      if (x === 0) throw new Error('boom again');
      // Never reaches a batch boundary: only terminating the thread stops it.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
      return x;
    })
    .collect()
    .then(
      () => null,
      (e: Error) => e,
    );
  expect(err?.message).toMatch(/boom again/);
  const ends = await endsOfJob(await jobAfter(known), 2);
  expect(ends.map((e) => e.reason.kind).sort()).toEqual(['exception', 'killed']);
  const after = await threadIdsOfBothSlots();
  // One thread kept, one new (the stuck one was terminated after KILL_GRACE_MS).
  expect(after.filter((id) => before.includes(id)).length).toBe(1);
  expect(after.length).toBe(2);
  expect(await sc.parallelize([1, 2, 3, 4], 2).map((x) => x * x).collect()).toEqual([1, 4, 9, 16]);
});
