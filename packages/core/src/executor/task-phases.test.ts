/**
 * Task phase timestamps of real tasks (local[2]): for every successful task of a
 * job with a shuffle, launch ≤ received ≤ deserialized ≤ compute end ≤ shuffle
 * write end ≤ result serialized ≤ finish (clock equality allowed), map tasks
 * with their own shuffle write end, and result tasks with none of it.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import type { FlintEvent } from '../listener/events.ts';

type TaskEnd = Extract<FlintEvent, { type: 'taskEnd' }>;

let sc: FlintContext;
const ends: TaskEnd[] = [];

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'task-phases', progress: false });
  sc.addListener((e) => {
    if (e.type === 'taskEnd') ends.push(e);
  });
});

afterAll(async () => {
  await sc?.stop();
});

test('phases of map and result tasks are ordered and inside [launchTime, finishTime]', async () => {
  const data = Array.from({ length: 20_000 }, (_, i) => i);
  const counts = await sc
    .parallelize(data, 6)
    .map((x) => [x % 13, 1] as [number, number])
    .reduceByKey((a, b) => a + b, 4)
    .collect();
  const expected = new Map<number, number>();
  for (const x of data) expected.set(x % 13, (expected.get(x % 13) ?? 0) + 1);
  expect(new Map(counts)).toEqual(expected);
  await sc.flushEvents();

  const ok = ends.filter((e) => e.reason.kind === 'success');
  expect(ok.filter((e) => e.taskType === 'shuffleMap')).toHaveLength(6);
  expect(ok.filter((e) => e.taskType === 'result')).toHaveLength(4);
  for (const e of ok) {
    const m = e.metrics!;
    const info = e.taskInfo;
    const seq = [info.launchTime, m.executorReceivedTime, m.deserializeEndTime, m.computeEndTime, m.shuffleWriteEndTime, m.resultSerializedTime, info.finishTime!];
    for (let i = 1; i < seq.length; i++) {
      if (!(seq[i]! >= seq[i - 1]!)) throw new Error(`task ${info.taskId} (${e.taskType}): phase ${i} at ${seq[i]} is before phase ${i - 1} at ${seq[i - 1]}: ${JSON.stringify(seq)}`);
    }
    expect(m.executorReceivedTime).toBeGreaterThan(0);
    expect(e.time).toBe(info.finishTime);
    if (e.taskType === 'result') expect(m.shuffleWriteEndTime).toBe(m.computeEndTime);
    else expect(m.resultSerializedTime).toBe(m.shuffleWriteEndTime);
  }
});
