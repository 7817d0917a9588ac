/**
 * Listener events of real jobs: job/stage/task counts for a job with two
 * shuffles, their order, and task metrics that add up across a shuffle
 * (bytes and records written by a map stage are the bytes and records read by
 * the next stage). One local[2] context for the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import type { FlintEvent } from './events.ts';

type Ev<T extends FlintEvent['type']> = Extract<FlintEvent, { type: T }>;

let sc: FlintContext;
const events: FlintEvent[] = [];

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'events-test', progress: false });
  sc.addListener((e) => {
    events.push(e);
  });
});

afterAll(async () => {
  await sc?.stop();
});

function ofType<T extends FlintEvent['type']>(type: T, list: FlintEvent[] = events): Ev<T>[] {
  return list.filter((e): e is Ev<T> => e.type === type);
}

/** The events of one job: from its jobStart to its jobEnd, restricted to its stages. */
async function eventsOfLastJob(): Promise<{ start: Ev<'jobStart'>; list: FlintEvent[] }> {
  await sc.flushEvents();
  const start = ofType('jobStart').at(-1)!;
  const from = events.indexOf(start);
  const end = events.findIndex((e, i) => i > from && e.type === 'jobEnd' && e.jobId === start.jobId);
  const list = events.slice(from, end + 1).filter((e) => !('stageId' in e) || start.stageIds.includes(e.stageId));
  return { start, list };
}

describe('a job with two shuffles', () => {
  test('has three stages, one task end per task, and metrics that add up', async () => {
    const data = Array.from({ length: 3000 }, (_, i) => i);
    const result = await sc
      .parallelize(data, 3)
      .map((x) => [x % 100, x] as [number, number])
      .reduceByKey((a, b) => a + b, 4)
      .map(([k, s]) => [k % 7, s] as [number, number])
      .groupByKey(2)
      .collect();
    // The answer, against plain JS.
    const sums = new Map<number, number>();
    for (const x of data) sums.set(x % 100, (sums.get(x % 100) ?? 0) + x);
    const groups = new Map<number, number[]>();
    for (const [k, s] of sums) groups.set(k % 7, [...(groups.get(k % 7) ?? []), s]);
    expect(new Map(result.map(([k, vs]) => [k, [...vs].sort((a, b) => a - b)]))).toEqual(
      new Map([...groups].map(([k, vs]) => [k, vs.sort((a, b) => a - b)])),
    );

    const { start, list } = await eventsOfLastJob();
    expect(start.stageIds.length).toBe(3);
    expect(start.stageInfos.map((s) => s.kind).sort()).toEqual(['result', 'shuffleMap', 'shuffleMap']);
    const submitted = ofType('stageSubmitted', list);
    const completed = ofType('stageCompleted', list);
    expect(submitted.length).toBe(3);
    expect(completed.length).toBe(3);
    expect(completed.every((c) => c.stageInfo.failureReason === null)).toBe(true);
    const [mapA, mapB, result3] = submitted.map((s) => s.stageInfo);
    expect([mapA!.numTasks, mapB!.numTasks, result3!.numTasks]).toEqual([3, 4, 2]);
    expect(result3!.kind).toBe('result');
    expect(mapB!.parentIds).toEqual([mapA!.stageId]);
    expect(result3!.parentIds).toEqual([mapB!.stageId]);

    const starts = ofType('taskStart', list);
    const ends = ofType('taskEnd', list);
    expect(starts.length).toBe(9);
    expect(ends.length).toBe(9);
    expect(ends.every((e) => e.reason.kind === 'success' && e.metrics !== null)).toBe(true);
    for (const st of [mapA!, mapB!, result3!]) {
      const mine = ends.filter((e) => e.stageId === st.stageId);
      expect(mine.map((e) => e.taskInfo.index).sort()).toEqual(Array.from({ length: st.numTasks }, (_, i) => i));
      expect(mine.every((e) => e.taskType === (st.kind === 'result' ? 'result' : 'shuffleMap'))).toBe(true);
    }
    const sum = (stageId: number, f: (m: NonNullable<Ev<'taskEnd'>['metrics']>) => number): number =>
      ends.filter((e) => e.stageId === stageId).reduce((s, e) => s + f(e.metrics!), 0);
    // Bytes and records written by each map stage are read by the stage after it.
    for (const [w, r] of [
      [mapA!, mapB!],
      [mapB!, result3!],
    ]) {
      const written = sum(w.stageId, (m) => m.shuffleWriteBytes);
      expect(written).toBeGreaterThan(0);
      expect(sum(r.stageId, (m) => m.shuffleReadLocalBytes + m.shuffleReadRemoteBytes)).toBe(written);
      expect(sum(r.stageId, (m) => m.shuffleReadRecords)).toBe(sum(w.stageId, (m) => m.shuffleWriteRecords));
    }
    // Map-side combine: stage A writes at most one record per key per task; stage B one per key.
    expect(sum(mapA!.stageId, (m) => m.shuffleWriteRecords)).toBe(300);
    expect(sum(mapB!.stageId, (m) => m.shuffleWriteRecords)).toBe(100);
    expect(sum(result3!.stageId, (m) => m.resultSize)).toBeGreaterThan(0);

    // Order: jobStart, then each stage submitted before its tasks, tasks end before the stage completes, jobEnd last.
    expect(list[0]!.type).toBe('jobStart');
    expect(list.at(-1)!.type).toBe('jobEnd');
    expect((list.at(-1) as Ev<'jobEnd'>).result.status).toBe('succeeded');
    for (const st of [mapA!, mapB!, result3!]) {
      const iSub = list.findIndex((e) => e.type === 'stageSubmitted' && e.stageInfo.stageId === st.stageId);
      const iDone = list.findIndex((e) => e.type === 'stageCompleted' && e.stageInfo.stageId === st.stageId);
      const taskIdx = list.flatMap((e, i) => ((e.type === 'taskStart' || e.type === 'taskEnd') && e.stageId === st.stageId ? [i] : []));
      expect(Math.min(...taskIdx)).toBeGreaterThan(iSub);
      expect(Math.max(...taskIdx)).toBeLessThan(iDone);
    }
  });

  test('input metrics of textFile count lines and bytes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-events-'));
    try {
      const f = path.join(dir, 'in.txt');
      const text = Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n') + '\n';
      fs.writeFileSync(f, text);
      expect(await sc.textFile(f, 3).count()).toBe(500);
      const { list } = await eventsOfLastJob();
      const ends = ofType('taskEnd', list);
      expect(ends.reduce((s, e) => s + e.metrics!.inputRecords, 0)).toBe(500);
      expect(ends.reduce((s, e) => s + e.metrics!.inputBytes, 0)).toBeGreaterThanOrEqual(Buffer.byteLength(text));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('saveAsTextFile reports output records and bytes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-events-'));
    try {
      const lines = Array.from({ length: 100 }, (_, i) => `r${i}`);
      await sc.parallelize(lines, 4).saveAsTextFile(path.join(dir, 'out'));
      const { list } = await eventsOfLastJob();
      const ends = ofType('taskEnd', list);
      expect(ends.reduce((s, e) => s + e.metrics!.outputRecords, 0)).toBe(100);
      expect(ends.reduce((s, e) => s + e.metrics!.outputBytes, 0)).toBe(lines.reduce((s, l) => s + l.length + 1, 0));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the listener bus', () => {
  test('a listener that throws or is slow does not lose events or block jobs', async () => {
    const slow: FlintEvent[] = [];
    const offThrow = sc.addListener(() => {
      throw new Error('listener failure');
    });
    const offSlow = sc.addListener(async (e) => {
      await new Promise((r) => setTimeout(r, 1));
      slow.push(e);
    });
    const onWarn = (): void => undefined; // the failing listener is reported as a process warning
    process.on('warning', onWarn);
    try {
      expect(await sc.parallelize([1, 2, 3, 4], 4).map((x) => x * 2).sum()).toBe(20);
      await sc.flushEvents();
      const types = slow.map((e) => e.type);
      expect(types.filter((t) => t === 'taskEnd').length).toBe(4);
      expect(types[0]).toBe('jobStart');
      expect(types.at(-1)).toBe('jobEnd');
    } finally {
      offThrow();
      offSlow();
      process.off('warning', onWarn);
    }
  });

  test('a job over zero partitions still posts jobStart and jobEnd', async () => {
    expect(await sc.emptyRDD<number>().collect()).toEqual([]);
    await sc.flushEvents();
    const start = ofType('jobStart').at(-1)!;
    expect(start.stageIds).toEqual([]);
    expect(ofType('jobEnd').at(-1)!.jobId).toBe(start.jobId);
  });
});
