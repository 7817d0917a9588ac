/**
 * The behaviour every event store must have, checked against plain-JS
 * computations over the same events (never against the store's own helpers):
 * each store flavour's test runs it.
 */
import type { FlintEvent, TaskMetrics } from '@flint/core';
import { describe, expect, it } from 'vitest';
import type { EventStore } from './event-store.ts';
import { QUANTILE_NAMES, TASK_METRIC_NAMES, type QuantileName, type TaskRow } from './event-store-types.ts';
import { syntheticApplication } from './synthetic-application.ts';
import { storesClosedAfterEach } from '@flint/daemon/testing';

export interface EventStoreFactory {
  create(): Promise<EventStore>;
  /** Closes `store` and opens its file again (file-backed flavours only). */
  reopen?(store: EventStore): Promise<EventStore>;
}

type TaskEnd = Extract<FlintEvent, { type: 'taskEnd' }>;
type TaskStart = Extract<FlintEvent, { type: 'taskStart' }>;

/** Plain-JS model of the tasks: the last event of each task id wins. */
function referenceTasks(events: FlintEvent[]) {
  const tasks = new Map<number, { start: TaskStart | null; end: TaskEnd | null }>();
  for (const e of events) {
    if (e.type === 'taskStart') tasks.set(e.taskInfo.taskId, { start: e, end: tasks.get(e.taskInfo.taskId)?.end ?? null });
    if (e.type === 'taskEnd') tasks.set(e.taskInfo.taskId, { start: tasks.get(e.taskInfo.taskId)?.start ?? null, end: e });
  }
  return [...tasks.entries()].map(([taskId, { start, end }]) => {
    const stageId = (end ?? start)!.stageId;
    const stageAttempt = (end ?? start)!.stageAttempt;
    const info = (end ?? start)!.taskInfo;
    const status = !end ? 'RUNNING' : end.reason.kind === 'success' ? 'SUCCESS' : end.reason.kind === 'killed' ? 'KILLED' : 'FAILED';
    const m = end?.metrics ?? null;
    const finish = end ? (end.taskInfo.finishTime ?? end.time) : null;
    return { taskId, stageId, stageAttempt, executorId: info.executorId, index: info.index, attempt: info.attempt, slot: info.slot, status, m, launch: info.launchTime, finish };
  });
}

type RefTask = ReturnType<typeof referenceTasks>[number];

/** Phase values written out from the definitions in TaskMetrics' documentation, independently of the store. */
function referenceValue(t: RefTask, name: QuantileName): number | null {
  const m = t.m;
  const duration = t.finish === null ? null : t.finish - t.launch;
  if (name === 'duration') return duration;
  if (!m) return null;
  if ((TASK_METRIC_NAMES as readonly string[]).includes(name)) return m[name as keyof TaskMetrics];
  if (name === 'shuffleReadBytes') return m.shuffleReadLocalBytes + m.shuffleReadRemoteBytes;
  const span = (to: number, from: number) => (to > 0 && from > 0 ? Math.max(0, to - from) : null);
  switch (name) {
    case 'schedulerDelay':
      return span(m.executorReceivedTime, t.launch);
    case 'deserialize':
      return span(m.deserializeEndTime, m.executorReceivedTime);
    case 'shuffleReadWait':
      return m.shuffleFetchWaitTime;
    case 'compute': {
      const c = span(m.computeEndTime, m.deserializeEndTime);
      return c === null ? null : Math.max(0, c - m.shuffleFetchWaitTime);
    }
    case 'shuffleWrite':
      return span(m.shuffleWriteEndTime, m.computeEndTime);
    case 'resultSerialize':
      return span(m.resultSerializedTime, m.shuffleWriteEndTime);
    case 'resultFetch':
      return span(t.finish ?? 0, m.resultSerializedTime);
  }
  return null;
}

/** Nearest rank by counting: the smallest value with at least ⌈q·n⌉ values at or below it. */
function referenceQuantile(values: number[], q: number): number {
  const need = Math.max(1, Math.ceil(q * values.length));
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  for (const v of distinct) if (values.filter((x) => x <= v).length >= need) return v;
  throw new Error('unreachable');
}

function countsOf(ts: RefTask[]) {
  return {
    total: ts.length,
    running: ts.filter((t) => t.status === 'RUNNING').length,
    success: ts.filter((t) => t.status === 'SUCCESS').length,
    failed: ts.filter((t) => t.status === 'FAILED').length,
    killed: ts.filter((t) => t.status === 'KILLED').length,
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export function eventStoreContract(name: string, factory: EventStoreFactory): void {
  describe(`${name} (EventStore contract)`, () => {
    const make = storesClosedAfterEach(() => factory.create());
    const APP = 'app-synthetic';
    const events = syntheticApplication({ appId: APP, tasks: 8, seed: 7 });
    const ref = referenceTasks(events);
    const loaded = async () => {
      const s = await make();
      const r = await s.ingest(APP, 1, events);
      expect(r).toEqual({ storedThrough: events.length, stored: events.length, gap: false });
      return s;
    };

    it('stores an application and answers getApp with redacted conf, counts and state', async () => {
      const s = await loaded();
      const app = (await s.getApp(APP))!;
      const start = events.find((e) => e.type === 'applicationStart')!;
      const end = events.find((e) => e.type === 'applicationEnd')!;
      expect(app).toMatchObject({ appId: APP, name: 'synthetic', user: 'tester', master: 'flint://127.0.0.1:7077', state: 'FINISHED', startTime: start.time, endTime: end.time, durationMs: end.time - start.time, storedThrough: events.length });
      expect(app.conf).toEqual({ 'flint.task.maxFailures': 3, 'flint.authenticate.secret': '[redacted]', 'db.Password': '[redacted]', 'api.token': '[redacted]', 'flint.app.name': 'synthetic' });
      expect(JSON.stringify(app)).not.toContain('s3cr3t');
      expect(app.tasks).toEqual(countsOf(ref));
      expect(app.jobs).toEqual({ total: 3, running: 0, succeeded: 1, failed: 1, cancelled: 1 });
      const attempts = new Set(events.filter((e) => e.type === 'stageSubmitted').map((e) => `${e.stageInfo.stageId}:${e.stageInfo.attempt}`));
      expect(app.stages.total).toBe(attempts.size);
      expect(app.executors).toEqual({ total: 3, active: 2 });
      expect(await s.getApp('nope')).toBeNull();
    });

    it('lists jobs with state, error, group, trace id and task counts of the stage attempts each submitted', async () => {
      const s = await loaded();
      const jobs = await s.listJobs(APP);
      expect(jobs.map((j) => [j.jobId, j.state, j.jobGroup])).toEqual([
        [2, 'CANCELLED', 'adhoc'],
        [1, 'FAILED', null],
        [0, 'SUCCEEDED', 'etl'],
      ]);
      const byJob = new Map<number, number[]>([
        [0, [0, 1, 2]],
        [1, [3]],
        [2, [4]],
      ]);
      for (const j of jobs) {
        const js = events.find((e): e is Extract<FlintEvent, { type: 'jobStart' }> => e.type === 'jobStart' && e.jobId === j.jobId)!;
        const je = events.find((e): e is Extract<FlintEvent, { type: 'jobEnd' }> => e.type === 'jobEnd' && e.jobId === j.jobId)!;
        expect(j.submissionTime).toBe(js.time);
        expect(j.completionTime).toBe(je.time);
        expect(j.durationMs).toBe(je.time - js.time);
        expect(j.stageIds).toEqual(js.stageIds);
        expect(j.error).toBe(je.result.status === 'succeeded' ? null : je.result.error);
        expect(j.taskCounts).toEqual(countsOf(ref.filter((t) => byJob.get(j.jobId)!.includes(t.stageId))));
      }
      expect(jobs.find((j) => j.jobId === 0)!.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    });

    it('gives a job its stage DAG with parents, skipped stages, RDD infos and latest-attempt counts', async () => {
      const s = await loaded();
      const j0 = (await s.getJob(APP, 0))!;
      expect(j0.stages.map((st) => [st.stageId, st.attempt, st.state, st.parentIds])).toEqual([
        [0, 0, 'complete', []],
        [1, 1, 'complete', [0]],
        [2, 1, 'complete', [1]],
      ]);
      expect(j0.stages[2].taskCounts).toEqual(countsOf(ref.filter((t) => t.stageId === 2 && t.stageAttempt === 1)));
      expect(j0.stages[0].rddInfos.map((r) => r.scope)).toEqual(['textFile', 'map']);
      const j1 = (await s.getJob(APP, 1))!;
      expect(j1.stages.map((st) => [st.stageId, st.state])).toEqual([
        [0, 'skipped'],
        [1, 'skipped'],
        [3, 'failed'],
      ]);
      expect(j1.numTasks).toBe(2);
      const j2 = (await s.getJob(APP, 2))!;
      expect(j2.stages[0]).toMatchObject({ stageId: 4, state: 'active', taskCounts: { total: 2, running: 1, killed: 1, success: 0, failed: 0 } });
      expect(await s.getJob(APP, 99)).toBeNull();
    });

    it('lists stage attempts with task counts and totals equal to sums over the raw tasks', async () => {
      const s = await loaded();
      const stages = await s.listStages(APP);
      const submitted = events.filter((e): e is Extract<FlintEvent, { type: 'stageSubmitted' }> => e.type === 'stageSubmitted');
      expect(stages.map((x) => `${x.stageId}:${x.attempt}`)).toEqual(
        submitted.map((e) => `${e.stageInfo.stageId}:${e.stageInfo.attempt}`).sort((a, b) => {
          const [sa, aa] = a.split(':').map(Number);
          const [sb, ab] = b.split(':').map(Number);
          return sb - sa || ab - aa;
        }),
      );
      for (const st of stages) {
        const ts = ref.filter((t) => t.stageId === st.stageId && t.stageAttempt === st.attempt);
        expect(st.taskCounts).toEqual(countsOf(ts));
        const mm = (f: (m: TaskMetrics) => number) => sum(ts.map((t) => (t.m ? f(t.m) : 0)));
        expect(st.totals.inputBytes).toBe(mm((m) => m.inputBytes));
        expect(st.totals.shuffleReadBytes).toBe(mm((m) => m.shuffleReadLocalBytes + m.shuffleReadRemoteBytes));
        expect(st.totals.shuffleWriteBytes).toBe(mm((m) => m.shuffleWriteBytes));
        expect(st.totals.gcTime).toBe(mm((m) => m.gcTime));
        expect(st.totals.duration).toBe(sum(ts.map((t) => (t.finish === null ? 0 : t.finish - t.launch))));
        const done = events.find((e): e is Extract<FlintEvent, { type: 'stageCompleted' }> => e.type === 'stageCompleted' && e.stageInfo.stageId === st.stageId && e.stageInfo.attempt === st.attempt);
        expect(st.state).toBe(!done ? 'ACTIVE' : done.stageInfo.failureReason ? 'FAILED' : 'COMPLETE');
      }
      expect((await s.listStages(APP, 1)).map((x) => x.stageId)).toEqual([3]);
      expect((await s.listStages(APP, 0)).map((x) => `${x.stageId}:${x.attempt}`)).toEqual(['2:1', '2:0', '1:1', '1:0', '0:0']);
      expect(stages.find((x) => x.stageId === 1)!.jobIds).toEqual([0, 1]);
    });

    it('summarises a stage with nearest-rank quantiles equal to a computation over the raw rows, and caches them once it ended', async () => {
      const s = await loaded();
      for (const [stageId, attempt] of [
        [0, 0],
        [2, 1],
        [3, 0],
      ]) {
        const st = (await s.getStage(APP, stageId, attempt))!;
        const ok = ref.filter((t) => t.stageId === stageId && t.stageAttempt === attempt && t.status === 'SUCCESS');
        expect(st.quantiles.count).toBe(ok.length);
        expect(st.quantiles.final).toBe(true);
        expect(st.quantiles.exact).toBe(true);
        for (const name of QUANTILE_NAMES) {
          const values = ok.map((t) => referenceValue(t, name)).filter((v): v is number => v !== null);
          if (values.length === 0) {
            expect(st.quantiles.metrics[name], name).toBeNull();
            continue;
          }
          expect(st.quantiles.metrics[name], name).toEqual({
            min: Math.min(...values),
            p25: referenceQuantile(values, 0.25),
            p50: referenceQuantile(values, 0.5),
            p75: referenceQuantile(values, 0.75),
            p95: referenceQuantile(values, 0.95),
            max: Math.max(...values),
          });
        }
        // Per-executor metrics.
        const all = ref.filter((t) => t.stageId === stageId && t.stageAttempt === attempt);
        for (const e of st.executors) {
          const mine = all.filter((t) => t.executorId === e.executorId);
          expect(e.taskCounts).toEqual(countsOf(mine));
          expect(e.shuffleReadBytes).toBe(sum(mine.map((t) => (t.m ? t.m.shuffleReadLocalBytes + t.m.shuffleReadRemoteBytes : 0))));
        }
        expect(st.executors.map((e) => e.executorId)).toEqual([...new Set(all.map((t) => t.executorId))].sort());
        // Cached: a second call answers the same.
        expect((await s.getStage(APP, stageId, attempt))!.quantiles).toEqual(st.quantiles);
      }
      const s0 = (await s.getStage(APP, 1, 0))!;
      expect(s0.rddGraph).toEqual({ nodes: s0.rddGraph.nodes, edges: [{ from: 2, to: 3 }] });
      expect(await s.getStage(APP, 1, 7)).toBeNull();
    });

    it('pages and sorts tasks by several metrics and phases, with filters', async () => {
      const s = await loaded();
      const stage = (t: RefTask) => t.stageId === 0 && t.stageAttempt === 0;
      const rows = ref.filter(stage);
      for (const [sortBy, desc] of [
        ['executorRunTime', true],
        ['shuffleWriteBytes', false],
        ['duration', true],
        ['schedulerDelay', false],
        ['schedulerDelay', true],
        ['gcTime', true],
        ['taskId', true],
      ] as const) {
        const key = (t: RefTask) => (sortBy === 'taskId' ? t.taskId : referenceValue(t, sortBy as QuantileName));
        const expected = [...rows]
          .sort((a, b) => {
            const ka = key(a);
            const kb = key(b);
            if (ka === null || kb === null) return ka === kb ? (desc ? b.taskId - a.taskId : a.taskId - b.taskId) : ka === null ? 1 : -1;
            return (desc ? kb - ka : ka - kb) || (desc ? b.taskId - a.taskId : a.taskId - b.taskId);
          })
          .map((t) => t.taskId);
        const got: number[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await s.listTasks({ appId: APP, stageId: 0, attempt: 0, sortBy, desc, limit: 3, cursor });
          expect(page.total).toBe(rows.length);
          got.push(...page.items.map((r: TaskRow) => r.taskId));
          cursor = page.nextCursor;
          pages++;
        } while (cursor !== null && pages < 100);
        expect(got, `${sortBy} ${desc ? 'desc' : 'asc'}`).toEqual(expected);
      }
      // Stage 2 attempt 0 has a task without metrics (its fetch failed): NULLs last both ways, across page boundaries.
      const s2 = ref.filter((t) => t.stageId === 2 && t.stageAttempt === 0);
      expect(s2.some((t) => t.m === null)).toBe(true);
      for (const desc of [false, true]) {
        const got: number[] = [];
        let cursor: string | null = null;
        do {
          const p: Awaited<ReturnType<EventStore['listTasks']>> = await s.listTasks({ appId: APP, stageId: 2, attempt: 0, sortBy: 'executorRunTime', desc, limit: 1, cursor });
          got.push(...p.items.map((r) => r.taskId));
          cursor = p.nextCursor;
        } while (cursor !== null);
        const valued = s2.filter((t) => t.m !== null).sort((a, b) => (desc ? b.m!.executorRunTime - a.m!.executorRunTime || b.taskId - a.taskId : a.m!.executorRunTime - b.m!.executorRunTime || a.taskId - b.taskId));
        expect(got, desc ? 'desc' : 'asc').toEqual([...valued, ...s2.filter((t) => t.m === null)].map((t) => t.taskId));
      }
      const failed = await s.listTasks({ appId: APP, stageId: 0, attempt: 0, status: 'FAILED' });
      expect(failed.items.map((t) => t.taskId)).toEqual(rows.filter((t) => t.status === 'FAILED').map((t) => t.taskId));
      expect(failed.items[0]).toMatchObject({ status: 'FAILED', failureKind: 'exception', failureMessage: 'boom in map', attempt: 0 });
      const onE2 = await s.listTasks({ appId: APP, stageId: 0, attempt: 0, executorId: 'exec-2', offset: 1, limit: 2 });
      expect(onE2.total).toBe(rows.filter((t) => t.executorId === 'exec-2').length);
      expect(onE2.items.map((t) => t.taskId)).toEqual(rows.filter((t) => t.executorId === 'exec-2').map((t) => t.taskId).slice(1, 3));
      // Every metric comes back as stored.
      const one = (await s.listTasks({ appId: APP, stageId: 0, attempt: 0, limit: 1 })).items[0];
      expect(one.metrics).toEqual(rows[0].m);
      await expect(s.listTasks({ appId: APP, stageId: 0, attempt: 0, sortBy: 'duration; DROP TABLE "Task"' as never })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(s.listTasks({ appId: APP, stageId: 0, attempt: 0, cursor: 'x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });

    it('gives a stage attempt\'s timeline column-wise, equal to the raw task rows, in one page or many', async () => {
      const s = await loaded();
      const attempts = [...new Set(ref.map((t) => `${t.stageId}:${t.stageAttempt}`))].map((k) => k.split(':').map(Number) as [number, number]);
      expect(attempts.length).toBeGreaterThan(1);
      let withoutMetrics = 0;
      for (const [stageId, attempt] of attempts) {
        const rows = ref.filter((t) => t.stageId === stageId && t.stageAttempt === attempt).sort((a, b) => a.taskId - b.taskId);
        const tl = await s.stageTimeline({ appId: APP, stageId, attempt });
        expect(tl.nextAfterTaskId).toBeNull();
        expect(tl.taskId).toEqual(rows.map((t) => t.taskId));
        expect(tl.index).toEqual(rows.map((t) => t.index));
        expect(tl.attempt).toEqual(rows.map((t) => t.attempt));
        expect(tl.executor.map((e) => tl.executors[e])).toEqual(rows.map((t) => t.executorId));
        expect(new Set(tl.executors).size).toBe(tl.executors.length);
        expect(tl.slot).toEqual(rows.map((t) => t.slot));
        expect(tl.status).toEqual(rows.map((t) => t.status));
        expect(tl.launchTime).toEqual(rows.map((t) => t.launch));
        expect(tl.finishTime).toEqual(rows.map((t) => t.finish));
        for (const f of ['executorReceivedTime', 'deserializeEndTime', 'computeEndTime', 'shuffleWriteEndTime', 'resultSerializedTime', 'shuffleFetchWaitTime', 'inputBytes', 'inputRecords', 'shuffleReadRecords'] as const) {
          expect(tl[f], f).toEqual(rows.map((t) => (t.m ? t.m[f] : null)));
        }
        withoutMetrics += rows.filter((t) => t.m === null).length;
        // The same columns as the store's own full rows.
        const full = await s.listTasks({ appId: APP, stageId, attempt, limit: 1000 });
        expect(full.items.map((r) => [r.taskId, r.index, r.executorId, r.slot, r.status, r.launchTime, r.finishTime, r.metrics?.computeEndTime ?? null])).toEqual(
          tl.taskId.map((id, i) => [id, tl.index[i], tl.executors[tl.executor[i]!], tl.slot[i], tl.status[i], tl.launchTime[i], tl.finishTime[i], tl.computeEndTime[i]]),
        );
        // Pages of 2 joined give the same columns.
        const paged: number[] = [];
        const finishes: Array<number | null> = [];
        let after: number | null = null;
        let pages = 0;
        do {
          const p: Awaited<ReturnType<EventStore['stageTimeline']>> = await s.stageTimeline({ appId: APP, stageId, attempt, afterTaskId: after, limit: 2 });
          expect(p.taskId.length).toBeLessThanOrEqual(2);
          paged.push(...p.taskId);
          finishes.push(...p.finishTime);
          after = p.nextAfterTaskId;
          pages++;
        } while (after !== null && pages < 100);
        expect(paged).toEqual(tl.taskId);
        expect(finishes).toEqual(tl.finishTime);
      }
      expect(withoutMetrics).toBeGreaterThan(0);
      const none = await s.stageTimeline({ appId: APP, stageId: 999, attempt: 0 });
      expect(none).toMatchObject({ taskId: [], executors: [], nextAfterTaskId: null });
      await expect(s.stageTimeline({ appId: APP, stageId: 0, attempt: 0, limit: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(s.stageTimeline({ appId: APP, stageId: 0, attempt: 0, afterTaskId: 1.5 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });

    it('lists executors with removal reasons, task totals and cached blocks', async () => {
      const s = await loaded();
      const ex = await s.listExecutors(APP);
      expect(ex.map((e) => [e.executorId, e.active, e.removalReason, e.workerId])).toEqual([
        ['exec-1', true, null, 'worker-a'],
        ['exec-2', true, null, 'worker-b'],
        ['exec-3', false, 'worker lost: heartbeat timed out', 'worker-a'],
      ]);
      for (const e of ex) {
        const mine = ref.filter((t) => t.executorId === e.executorId);
        const c = countsOf(mine);
        expect(e.totals).toMatchObject({ tasks: c.total, activeTasks: c.running, succeededTasks: c.success, failedTasks: c.failed, killedTasks: c.killed });
        expect(e.totals.gcTime).toBe(sum(mine.map((t) => t.m?.gcTime ?? 0)));
        expect(e.totals.duration).toBe(sum(mine.map((t) => (t.finish === null ? 0 : t.finish - t.launch))));
      }
      expect(ex[1].storage).toEqual({ blocks: 1, memSize: 2000, diskSize: 0 });
      expect(await s.getExecutor(APP, 'exec-3')).toEqual(ex[2]);
      expect(await s.getExecutor(APP, 'exec-9')).toBeNull();
      expect(await s.listCachedRdds(APP)).toEqual([{ rddId: 3, storageLevel: 'MEMORY_ONLY', cachedPartitions: 2, memSize: 3000, diskSize: 0, executors: 2 }]);
    });

    it('is idempotent under resends and overlapping batches, and refuses a gap', async () => {
      const s = await make();
      const a = events.slice(0, 50);
      expect(await s.ingest(APP, 1, a)).toEqual({ storedThrough: 50, stored: 50, gap: false });
      expect(await s.ingest(APP, 1, a)).toEqual({ storedThrough: 50, stored: 0, gap: false });
      // A gap: events 61.. while 51..60 are missing.
      expect(await s.ingest(APP, 61, events.slice(60, 80))).toEqual({ storedThrough: 50, stored: 0, gap: true });
      // Overlap: 41..100 stores 51..100 only.
      expect(await s.ingest(APP, 41, events.slice(40, 100))).toEqual({ storedThrough: 100, stored: 50, gap: false });
      expect(await s.ingest(APP, 101, events.slice(100))).toEqual({ storedThrough: events.length, stored: events.length - 100, gap: false });
      expect(await s.ingest(APP, 1, events)).toEqual({ storedThrough: events.length, stored: 0, gap: false });
      // Same answers as one clean ingest.
      const clean = await make();
      await clean.ingest(APP, 1, events);
      expect(await s.listStages(APP)).toEqual(await clean.listStages(APP));
      expect((await s.getApp(APP))!.tasks).toEqual(countsOf(ref));
    });

    it('refuses bad input with clear errors and stores nothing of a batch with a broken event', async () => {
      const s = await make();
      await expect(s.ingest('', 1, [])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(s.ingest(APP, 0, events.slice(0, 1))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(s.ingest(APP, 1, new Array(10_001).fill(events[0]))).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('at most 10000') });
      const broken = [...events.slice(0, 5), { type: 'taskEnd', time: 1 } as unknown as FlintEvent];
      await expect(s.ingest(APP, 1, broken)).rejects.toMatchObject({ code: 'INVALID_EVENT', message: expect.stringContaining('event #6 (taskEnd)') });
      expect(s.storedThrough(APP)).toBe(0);
      // Unknown event types (a newer driver) count as stored and keep the sequence whole.
      expect(await s.ingest(APP, 1, [{ type: 'somethingNew', time: 1 } as unknown as FlintEvent])).toMatchObject({ storedThrough: 1 });
    });

    it('records events posted and stores the proven loss when the application ends', async () => {
      const s = await make();
      await s.ingest(APP, 1, events.slice(0, 30));
      s.recordEventsPosted(APP, 45);
      s.recordEventsPosted(APP, 40); // never lowered
      expect((await s.getApp(APP))!.eventsPosted).toBe(45);
      expect(s.finishApplication(APP, 'FAILED', 123)).toEqual({ droppedEvents: 15 });
      expect(await s.getApp(APP)).toMatchObject({ state: 'FAILED', droppedEvents: 15, storedThrough: 30 });
      // The last batch racing the end still counts: the proven loss shrinks to what is really missing.
      await s.ingest(APP, 31, events.slice(30, 40));
      expect(await s.getApp(APP)).toMatchObject({ state: 'FAILED', droppedEvents: 5, storedThrough: 40 });
      s.recordEventsPosted(APP, 50);
      expect((await s.getApp(APP))!.droppedEvents).toBe(10);
      // A complete application has no loss; a lost driver keeps its reason.
      await s.ingest('app-b', 1, events.slice(0, 10));
      s.recordEventsPosted('app-b', 10);
      expect(s.markApplicationLost('app-b', 'driver heartbeat timed out', 500)).toEqual({ droppedEvents: 0 });
      expect(await s.getApp('app-b')).toMatchObject({ state: 'LOST', endReason: 'driver heartbeat timed out', droppedEvents: 0, endTime: 500 });
    });

    it('lists applications newest first, by state, paged by cursor', async () => {
      const s = await make();
      for (let i = 0; i < 5; i++) {
        await s.ingest(`app-${i}`, 1, [{ type: 'applicationStart', time: 100 + i, appId: `app-${i}`, appName: `n${i}`, master: 'local', user: 'u', conf: {} }]);
        if (i % 2 === 0) s.finishApplication(`app-${i}`, 'FINISHED', 200 + i);
      }
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const p: Awaited<ReturnType<EventStore['listApps']>> = await s.listApps({ limit: 2, cursor });
        all.push(...p.items.map((a) => a.appId));
        cursor = p.nextCursor;
      } while (cursor);
      expect(all).toEqual(['app-4', 'app-3', 'app-2', 'app-1', 'app-0']);
      expect((await s.listApps({ state: 'RUNNING', limit: 10 })).items.map((a) => a.appId)).toEqual(['app-3', 'app-1']);
      await expect(s.listApps({ state: 'BOGUS' as never })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });

    it('records one change row per stored batch, resumable by cursor with no gap', async () => {
      const s = await make();
      const c0 = s.latestCursor();
      const chunks = [events.slice(0, 40), events.slice(40, 90), events.slice(90)];
      let seq = 1;
      for (const c of chunks) {
        await s.ingest(APP, seq, c);
        seq += c.length;
      }
      await s.ingest(APP, 1, events.slice(0, 10)); // a resend changes nothing
      s.finishApplication(APP, 'FINISHED', 1);
      const rows = await s.changesSince({ cursor: c0, limit: 100 });
      expect(rows.map((r) => r.kind)).toEqual(['events', 'events', 'events', 'appState']);
      expect(rows.map((r) => [r.firstSeq, r.lastSeq])).toEqual([
        [1, 40],
        [41, 90],
        [91, events.length],
        [0, 0],
      ]);
      for (let i = 1; i < rows.length; i++) expect(rows[i].cursor).toBeGreaterThan(rows[i - 1].cursor);
      expect(sum(rows.map((r) => r.tasksEnded))).toBe(events.filter((e) => e.type === 'taskEnd').length);
      expect(sum(rows.map((r) => r.tasksStarted))).toBe(events.filter((e) => e.type === 'taskStart').length);
      expect(rows[0].executorIds).toEqual(expect.arrayContaining(['exec-1', 'exec-2', 'exec-3']));
      expect(rows[0].jobIds).toContain(0);
      // Resume after the second row: the rest, nothing lost.
      expect((await s.changesSince({ cursor: rows[1].cursor })).map((r) => r.cursor)).toEqual(rows.slice(2).map((r) => r.cursor));
      expect((await s.changesSince({ appId: 'other', cursor: 0 })).length).toBe(0);
      expect(s.latestCursor()).toBe(rows[rows.length - 1].cursor);
    });

    it('clears cached quantiles when a task of an ended stage attempt ends late', async () => {
      const s = await loaded();
      const before = (await s.getStage(APP, 0, 0))!.quantiles;
      const late: FlintEvent = {
        type: 'taskEnd',
        time: 10,
        stageId: 0,
        stageAttempt: 0,
        taskType: 'shuffleMap',
        reason: { kind: 'success' },
        taskInfo: { taskId: 9999, index: 0, attempt: 5, launchTime: 1, finishTime: 1_000_000_000, executorId: 'exec-1', host: 'h', slot: 0, locality: 'ANY', speculative: true },
        metrics: null,
      };
      const byGc = async () => (await s.listTasks({ appId: APP, stageId: 0, attempt: 0, sortBy: 'shuffleWriteBytes', desc: false, limit: 1000 })).items.map((t) => t.taskId);
      const beforeOrder = await byGc();
      expect(beforeOrder).not.toContain(9999);
      await s.ingest(APP, events.length + 1, [late]);
      // The kept sorted order of the ended attempt is not reused: the late task (no metrics) comes last.
      expect(await byGc()).toEqual([...beforeOrder, 9999]);
      const after = (await s.getStage(APP, 0, 0))!.quantiles;
      expect(after.count).toBe(before.count + 1);
      expect(after.metrics.duration!.max).toBe(1_000_000_000 - 1);
    });

    it('closes idempotently and refuses use after close', async () => {
      const s = await factory.create();
      await s.close();
      await s.close();
      await expect(s.getApp(APP)).rejects.toMatchObject({ code: 'CLOSED' });
      await expect(s.ingest(APP, 1, [])).rejects.toMatchObject({ code: 'CLOSED' });
    });

    if (factory.reopen) {
      it('keeps everything across a reopen: history is the same rows', async () => {
        const s = await loaded();
        const before = { app: await s.getApp(APP), stages: await s.listStages(APP), ex: await s.listExecutors(APP) };
        const r = await make(() => factory.reopen!(s));
        expect(await r.getApp(APP)).toEqual(before.app);
        expect(await r.listStages(APP)).toEqual(before.stages);
        expect(await r.listExecutors(APP)).toEqual(before.ex);
        expect(await r.ingest(APP, 1, events)).toMatchObject({ stored: 0, storedThrough: events.length });
      });
    }
  });
}
