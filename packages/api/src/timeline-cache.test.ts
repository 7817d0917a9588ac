import { describe, expect, it } from 'vitest';
import type { FlintQueries, TaskTimeline, TaskTimelineQuery } from './queries.ts';
import { createCaller } from './root.ts';
import type { TimedTimelineView } from './timeline-cache.ts';
import { TimelineCache } from './timeline-cache.ts';
import { TIMELINE_FAILED, TIMELINE_RUNNING } from './timeline-index.ts';
import { APP, buildFixture } from './test-fixture.ts';

/** The real in-memory queries, with the timeline reads they answer recorded. */
function counting(q: FlintQueries): { q: FlintQueries; reads: TaskTimelineQuery[] } {
  const reads: TaskTimelineQuery[] = [];
  const wrapped = Object.create(q) as FlintQueries;
  wrapped.taskTimeline = async (x) => {
    reads.push(x);
    return q.taskTimeline(x);
  };
  return { q: wrapped, reads };
}

const loopback = { authenticated: false, loopback: true };

describe('tasks.timelineView and its cache', () => {
  it('answers every task of an attempt once, bars equal to the recorded tasks; refuses bad input; NOT_FOUND for no attempt', async () => {
    const { q, tasks } = buildFixture({ tasksPerStage: 30, running: 3 });
    const c = createCaller({ queries: q, caller: loopback, secretConfigured: false });
    for (const stageId of [0, 1, 2]) {
      const answer = await c.tasks.timelineView({ appId: APP, stageId, attempt: 0, width: 12_000 });
      const v = JSON.parse(answer.view) as TimedTimelineView;
      const tl = JSON.parse((await c.tasks.timeline({ appId: APP, stageId, attempt: 0 })).columns) as TaskTimeline;
      expect(answer.tasks).toBe(tl.taskId.length);
      expect(v.tasksInView).toBe(tl.taskId.length);
      expect(v.runs.count.reduce((a, b) => a + b, 0) + v.bars.taskId.length).toBe(tl.taskId.length);
      const recorded = new Map(tasks.filter((t) => t.stageId === stageId).map((t) => [t.taskId, t]));
      for (let b = 0; b < v.bars.taskId.length; b++) {
        const id = v.bars.taskId[b]!;
        const i = tl.taskId.indexOf(id);
        expect(v.bars.launch[b]! + v.origin).toBe(tl.launchTime[i]);
        expect(v.bars.finish[b] === null ? null : v.bars.finish[b]! + v.origin).toBe(tl.finishTime[i]);
        expect(v.bars.status[b]).toBe(tl.status[i]);
        expect((v.bars.state[b]! & TIMELINE_FAILED) !== 0).toBe(recorded.get(id)?.status === 'failed');
        expect((v.bars.state[b]! & TIMELINE_RUNNING) !== 0).toBe(tl.status[i] === 'running');
      }
      // Lanes: unique executor slots, every slot a task named among them (overlapping tasks of one slot get more lanes of their executor).
      const lanes = v.laneExecutor.map((e, i) => `${v.executors[e]}/${v.laneSlot[i]}`);
      expect(new Set(lanes).size).toBe(lanes.length);
      for (const pair of new Set(tl.executor.map((e, i) => `${tl.executors[e]}/${tl.slot[i]}`))) expect(lanes).toContain(pair);
      expect(new Set(v.laneExecutor.map((e) => v.executors[e]))).toEqual(new Set(tl.executors));
      // Bars of one lane never overlap.
      const byLane = new Map<number, Array<[number, number]>>();
      v.bars.lane.forEach((l, b) => byLane.set(l, [...(byLane.get(l) ?? []), [v.bars.launch[b]!, v.bars.finish[b] ?? v.end]]));
      for (const list of byLane.values()) {
        list.sort((x, y) => x[0] - y[0]);
        for (let k = 1; k < list.length; k++) expect(list[k]![0]).toBeGreaterThanOrEqual(list[k - 1]![1]);
      }
    }
    const bad = { appId: APP, stageId: 0, attempt: 0 };
    await expect(c.tasks.timelineView({ ...bad, width: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.tasks.timelineView({ ...bad, width: 100, from: 10, to: 5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.tasks.timelineView({ ...bad, width: 100, firstLane: 3, lastLane: 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.tasks.timelineView({ ...bad, width: 100, flagAt: { duration: -1 } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.tasks.timelineView({ ...bad, appId: '../etc', width: 100 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.tasks.timelineView({ ...bad, stageId: 99, width: 100 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('stage 99 attempt 0') });
  });

  it('reads an ended attempt once for all its views; concurrent first views share one read', async () => {
    const { q } = buildFixture({ tasksPerStage: 50, running: 3 });
    const { q: cq, reads } = counting(q);
    const cache = new TimelineCache(cq, { pageSize: 7 });
    const [a, b] = await Promise.all([cache.view(APP, 0, 0, { width: 300 }), cache.view(APP, 0, 0, { width: 900 })]);
    expect(reads.length).toBe(Math.ceil(50 / 7));
    expect(reads.map((r) => r.limit)).toEqual(reads.map(() => 7));
    expect(a!.tasksInView).toBe(50);
    expect(b!.tasksInView).toBe(50);
    const before = reads.length;
    for (let i = 0; i < 5; i++) await cache.view(APP, 0, 0, { width: 100 + i, from: a!.origin + i * 10, to: a!.origin + 500 });
    expect(reads.length).toBe(before);
    expect(await cache.view(APP, 42, 0, { width: 100 })).toBeNull();
  });

  it('a running attempt is refreshed when its counts change, at most once per refreshMs, re-reading from its first running task', async () => {
    const { q } = buildFixture({ tasksPerStage: 20, running: 3 });
    const { q: cq, reads } = counting(q);
    let now = 1_020_000;
    const cache = new TimelineCache(cq, { refreshMs: 1000, now: () => now });
    const first = (await cache.view(APP, 2, 0, { width: 12_000 }))!;
    expect(first.bars.status.filter((s) => s === 'running').length).toBe(3);
    const tl = await q.taskTimeline({ appId: APP, stageId: 2, attempt: 0, limit: 1000 });
    const firstRunning = tl.status.indexOf('running');
    // One running task ends.
    const i = firstRunning;
    const info = { taskId: tl.taskId[i]!, index: tl.index[i]!, attempt: 0, launchTime: tl.launchTime[i]!, finishTime: tl.launchTime[i]! + 50, executorId: tl.executors[tl.executor[i]!]!, host: 'h', slot: tl.slot[i]!, locality: 'PROCESS_LOCAL', speculative: false };
    q.record(APP, { type: 'taskEnd', time: info.finishTime, stageId: 2, stageAttempt: 0, reason: { kind: 'success' }, taskInfo: info, metrics: null as never });
    const readsBefore = reads.length;
    now += 500; // within refreshMs: the laid-out answer is reused
    const stale = (await cache.view(APP, 2, 0, { width: 12_000 }))!;
    expect(stale.bars.status.filter((s) => s === 'running').length).toBe(3);
    expect(reads.length).toBe(readsBefore);
    now += 600;
    const fresh = (await cache.view(APP, 2, 0, { width: 12_000 }))!;
    expect(fresh.bars.status.filter((s) => s === 'running').length).toBe(2);
    expect(fresh.tasksInView).toBe(tl.taskId.length);
    const refreshReads = reads.slice(readsBefore);
    expect(refreshReads[0]!.afterTaskId).toBe(tl.taskId[firstRunning - 1]);
    expect(fresh.runs.count.reduce((a, b) => a + b, 0) + fresh.bars.taskId.length).toBe(tl.taskId.length);
    expect(fresh.bars.taskId).toContain(info.taskId);
    expect(fresh.bars.status[fresh.bars.taskId.indexOf(info.taskId)]).toBe('success');
  });

  it('holds at most maxTasks over all attempts, dropping the least recently used', async () => {
    const { q } = buildFixture({ tasksPerStage: 40, running: 3 });
    const { q: cq, reads } = counting(q);
    const cache = new TimelineCache(cq, { maxTasks: 90 });
    await cache.view(APP, 0, 0, { width: 100 });
    await cache.view(APP, 1, 0, { width: 100 });
    expect(cache.heldTasks()).toBe(80);
    await cache.view(APP, 0, 0, { width: 100 }); // 0 becomes the most recent
    await cache.view(APP, 2, 0, { width: 100 });
    expect(cache.heldTasks()).toBe(80);
    const n = reads.length;
    await cache.view(APP, 0, 0, { width: 100 });
    expect(reads.length).toBe(n); // kept
    await cache.view(APP, 1, 0, { width: 100 });
    expect(reads.length).toBe(n + 1); // dropped, read again
    expect(cache.heldTasks()).toBeLessThanOrEqual(90);
  });
});
