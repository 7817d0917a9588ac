import { type FlintEvent } from '@flint/core';
import { EventStore, syntheticApplication } from '@flint/event-store';
import { afterEach, describe, expect, it } from 'vitest';
import { MasterFlintQueries, RUNNING_STAGE_TTL_MS } from './master-queries.ts';

type Ev<T extends FlintEvent['type']> = Extract<FlintEvent, { type: T }>;
const stores: EventStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function storeWith(appId: string, events: FlintEvent[]): Promise<EventStore> {
  const s = await EventStore.open(':memory:');
  stores.push(s);
  await s.ingest(appId, 1, events);
  return s;
}

describe('MasterFlintQueries over the event store', () => {
  it('translates jobs, stages, tasks and executors into the API shapes, equal to the events', async () => {
    const events = syntheticApplication({ appId: 'app-x', seed: 5, tasks: 8 });
    const store = await storeWith('app-x', events);
    const q = new MasterFlintQueries({ mode: 'history', masterId: null, version: 't', startedAt: 0, clusterState: null, events: () => store });
    const jobEnds = events.filter((e): e is Ev<'jobEnd'> => e.type === 'jobEnd');
    const jobs = await q.listJobs('app-x');
    expect(jobs.map((j) => [j.jobId, j.state])).toEqual(jobEnds.map((e) => [e.jobId, e.result.status]).sort((a, b) => (a[0] as number) - (b[0] as number)));
    const taskEnds = events.filter((e): e is Ev<'taskEnd'> => e.type === 'taskEnd');
    for (const s of await q.listStages('app-x')) {
      const mine = taskEnds.filter((e) => e.stageId === s.stageId && e.stageAttempt === s.attempt);
      const ids = new Set(events.flatMap((e) => ((e.type === 'taskStart' || e.type === 'taskEnd') && e.stageId === s.stageId && e.stageAttempt === s.attempt ? [e.taskInfo.taskId] : [])));
      expect(s.tasks.total).toBe(ids.size);
      expect(s.tasks.running).toBe(ids.size - mine.length);
      expect(s.tasks.succeeded).toBe(mine.filter((e) => e.reason.kind === 'success').length);
      expect(s.tasks.killed).toBe(mine.filter((e) => e.reason.kind === 'killed').length);
      const page = await q.listTasks({ appId: 'app-x', stageId: s.stageId, attempt: s.attempt, sortBy: 'taskId', desc: false, limit: 1000 });
      expect(page.total).toBe(ids.size);
      for (const r of page.items) {
        const e = mine.find((x) => x.taskInfo.taskId === r.taskId);
        if (!e) {
          expect(r.status).toBe('running');
          continue;
        }
        expect(r.status).toBe(e.reason.kind === 'success' ? 'success' : e.reason.kind === 'killed' ? 'killed' : 'failed');
        expect(r.durationMs).toBe(e.taskInfo.finishTime! - e.taskInfo.launchTime);
        if (e.metrics) expect(r.metrics!.executorRunTime).toBe(e.metrics.executorRunTime);
      }
      const tl = await q.taskTimeline({ appId: 'app-x', stageId: s.stageId, attempt: s.attempt, limit: 100_000 });
      expect(tl.taskId).toEqual(page.items.map((r) => r.taskId));
      expect(tl.status).toEqual(page.items.map((r) => r.status));
      expect(tl.executor.map((e) => tl.executors[e])).toEqual(page.items.map((r) => r.executorId));
      expect(tl.finishTime).toEqual(page.items.map((r) => r.finishTime));
      expect(tl.computeEndTime).toEqual(page.items.map((r) => mine.find((x) => x.taskInfo.taskId === r.taskId)?.metrics?.computeEndTime ?? null));
      const d = (await q.getStage('app-x', s.stageId, s.attempt))!;
      const ok = page.items.filter((r) => r.status === 'success').map((r) => r.durationMs!).sort((a, b) => a - b);
      if (ok.length > 0) expect(d.quantiles.duration).toMatchObject({ min: ok[0], median: ok[Math.ceil(ok.length / 2) - 1], max: ok[ok.length - 1] });
    }
    const removed = events.filter((e): e is Ev<'executorRemoved'> => e.type === 'executorRemoved');
    const execs = await q.listExecutors('app-x');
    expect(execs.filter((e) => !e.active).map((e) => [e.executorId, e.removedReason])).toEqual(removed.map((e) => [e.executorId, e.reason]));
    expect(await q.getJob('app-x', 999)).toBeNull();
    await expect(q.listTasks({ appId: 'app-x', stageId: 0, attempt: 0, sortBy: 'taskId', desc: false, cursor: 'bogus', limit: 10 })).rejects.toMatchObject({ name: 'ApiRefusal', code: 'BAD_REQUEST' });
    await expect(q.cancelJob('app-x', 0)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('reuses a running stage answer for a short while, and an ended stage never', async () => {
    const events = syntheticApplication({ appId: 'app-r', shape: 'oneStage', tasks: 50, seed: 2 }).filter((e) => e.type !== 'stageCompleted' && e.type !== 'jobEnd');
    const store = await storeWith('app-r', events);
    let now = 1_000;
    let reads = 0;
    const counting = new Proxy(store, { get: (t, p) => (p === 'getStage' ? (...a: Parameters<EventStore['getStage']>) => (reads++, t.getStage(...a)) : Reflect.get(t, p).bind?.(t) ?? Reflect.get(t, p)) });
    const q = new MasterFlintQueries({ mode: 'history', masterId: null, version: 't', startedAt: 0, now: () => now, clusterState: null, events: () => counting });
    const a = (await q.getStage('app-r', 0, 0))!;
    expect(a.quantilesExact).toBe(false);
    await q.getStage('app-r', 0, 0);
    expect(reads).toBe(1);
    now += RUNNING_STAGE_TTL_MS;
    await q.getStage('app-r', 0, 0);
    expect(reads).toBe(2);
  });
});
