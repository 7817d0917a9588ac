import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { type TaskRow, type TaskTimeline, TASK_METRIC_NAMES } from './queries.ts';
import { createCaller } from './root.ts';
import { APP, buildFixture } from './test-fixture.ts';
import type { ApiContext } from './trpc.ts';

const loopback = { authenticated: false, loopback: true };

function caller(q: ApiContext['queries'], over: Partial<ApiContext> = {}) {
  return createCaller({ queries: q, caller: loopback, secretConfigured: false, ...over });
}

/** Quantile by sorting and picking the nearest rank, written apart from the implementation. */
function nearestRank(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(q * s.length)) - 1];
}

async function allTasks(c: ReturnType<typeof caller>, stageId: number, sortBy: 'taskId' | 'duration' | 'gcTime' | 'shuffleWriteBytes' | 'schedulerDelay' | 'executorRunTime' = 'taskId', desc = false, limit = 7): Promise<TaskRow[]> {
  const rows: TaskRow[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const p = await c.tasks.list({ appId: APP, stageId, attempt: 0, sortBy, desc, limit, cursor });
    expect(p.items.length).toBeLessThanOrEqual(limit);
    rows.push(...p.items);
    if (!p.nextCursor) return rows;
    cursor = p.nextCursor;
  }
  throw new Error('paging did not end');
}

describe('API routers over InMemoryFlintQueries', () => {
  it('jobs.list and jobs.get answer what the recorded job did: states, task counts, the stage DAG', async () => {
    const { q, tasks } = buildFixture({ tasksPerStage: 40, running: 3 });
    const c = caller(q);
    const jobs = await c.jobs.list({ appId: APP });
    expect(jobs.map((j) => [j.jobId, j.state])).toEqual([
      [0, 'succeeded'],
      [1, 'running'],
    ]);
    const ended0 = tasks.filter((t) => t.stageId <= 1);
    expect(jobs[0].tasks).toEqual({ total: 80, running: 0, succeeded: ended0.filter((t) => t.status === 'success').length, failed: 1, killed: 0 });
    expect(jobs[1].tasks).toEqual({ total: 40, running: 3, succeeded: 37, failed: 0, killed: 0 });
    expect(jobs[0].traceId).toBe('a'.repeat(32));
    expect(jobs[0].jobGroup).toBe('g');
    const j0 = await c.jobs.get({ appId: APP, jobId: 0 });
    expect(j0.stages.map((s) => ({ id: s.stageId, parents: s.parentIds, state: s.state }))).toEqual([
      { id: 0, parents: [], state: 'complete' },
      { id: 1, parents: [0], state: 'complete' },
    ]);
    const j1 = await c.jobs.get({ appId: APP, jobId: 1 });
    expect(j1.stages[0].state).toBe('active');
  });

  it('stages.list counts tasks per stage and sums totals over ended tasks', async () => {
    const { q, tasks } = buildFixture();
    const stages = await caller(q).stages.list({ appId: APP });
    expect(stages.map((s) => s.stageId)).toEqual([0, 1, 2]);
    for (const s of stages) {
      const mine = tasks.filter((t) => t.stageId === s.stageId);
      expect(s.tasks.succeeded).toBe(mine.filter((t) => t.status === 'success').length);
      expect(s.tasks.failed).toBe(mine.filter((t) => t.status === 'failed').length);
      const ok = mine;
      expect(s.totals.shuffleWriteBytes).toBe(ok.reduce((a, t) => a + t.metrics.shuffleWriteBytes, 0));
      expect(s.totals.shuffleReadBytes).toBe(ok.reduce((a, t) => a + t.metrics.shuffleReadLocalBytes + t.metrics.shuffleReadRemoteBytes, 0));
      expect(s.totals.durationMs).toBe(ok.reduce((a, t) => a + t.finishTime - t.launchTime, 0));
    }
    expect((await caller(q).stages.list({ appId: APP, jobId: 1 })).map((s) => s.stageId)).toEqual([2]);
  });

  it('stages.get quantiles equal those computed from the tasks.list rows, for every metric and phase', async () => {
    const { q } = buildFixture({ tasksPerStage: 53 });
    const c = caller(q);
    for (const stageId of [0, 1, 2]) {
      const stage = await c.stages.get({ appId: APP, stageId, attempt: 0 });
      const rows = (await allTasks(c, stageId)).filter((r) => r.status === 'success');
      expect(stage.quantileTaskCount).toBe(rows.length);
      expect(stage.quantilesExact).toBe(stageId !== 2);
      const fields: Array<[string, (r: TaskRow) => number]> = [
        ['duration', (r) => r.finishTime! - r.launchTime],
        ...TASK_METRIC_NAMES.map((m) => [m, (r: TaskRow) => r.metrics![m]] as [string, (r: TaskRow) => number]),
        ['schedulerDelay', (r) => r.phases!.schedulerDelay!],
        ['compute', (r) => r.phases!.compute!],
        ['shuffleReadWait', (r) => r.metrics!.shuffleFetchWaitTime],
        ['shuffleReadBytes', (r) => r.metrics!.shuffleReadLocalBytes + r.metrics!.shuffleReadRemoteBytes],
        ['resultFetch', (r) => r.phases!.resultFetch!],
      ];
      for (const [name, get] of fields) {
        const vals = rows.map(get);
        const got = stage.quantiles[name as keyof typeof stage.quantiles]!;
        expect(got, name).toEqual({ min: Math.min(...vals), p25: nearestRank(vals, 0.25), median: nearestRank(vals, 0.5), p75: nearestRank(vals, 0.75), p95: nearestRank(vals, 0.95), max: Math.max(...vals) });
      }
      expect(stage.rdds.map((r) => r.scope)).toEqual(['map', 'reduceByKey']);
      const all = await allTasks(c, stageId);
      for (const e of stage.executors) {
        const mine = all.filter((r) => r.executorId === e.executorId);
        expect(e.tasks.total).toBe(mine.length);
        expect(e.shuffleWriteBytes).toBe(mine.reduce((a, r) => a + (r.metrics?.shuffleWriteBytes ?? 0), 0));
      }
      expect(stage.executors.reduce((a, e) => a + e.tasks.total, 0)).toBe(all.length);
    }
  });

  it('tasks.list pages through every task exactly once, sorted by several metrics both ways', async () => {
    const { q, tasks } = buildFixture({ tasksPerStage: 45, running: 5 });
    const c = caller(q);
    const stage2 = tasks.filter((t) => t.stageId === 2);
    for (const [key, get] of [
      ['gcTime', (t: (typeof tasks)[0]) => t.metrics.gcTime],
      ['shuffleWriteBytes', (t: (typeof tasks)[0]) => t.metrics.shuffleWriteBytes],
      ['duration', (t: (typeof tasks)[0]) => t.finishTime - t.launchTime],
      ['schedulerDelay', (t: (typeof tasks)[0]) => t.metrics.executorReceivedTime - t.launchTime],
    ] as const) {
      for (const desc of [false, true]) {
        const rows = await allTasks(c, 2, key, desc, 8);
        expect(rows.length).toBe(45);
        expect(new Set(rows.map((r) => r.taskId)).size).toBe(45);
        // Running tasks have no value: they come last either way.
        expect(rows.slice(40).every((r) => r.status === 'running')).toBe(true);
        const expected = [...stage2].sort((a, b) => (desc ? get(b) - get(a) || b.taskId - a.taskId : get(a) - get(b) || a.taskId - b.taskId)).map((t) => t.taskId);
        expect(rows.slice(0, 40).map((r) => r.taskId), `${key} ${desc}`).toEqual(expected);
      }
    }
    const failed = await c.tasks.list({ appId: APP, stageId: 1, attempt: 0, status: 'failed' });
    expect(failed.items.map((r) => [r.index, r.failureReason])).toEqual([[3, 'boom']]);
    const onOne = await c.tasks.list({ appId: APP, stageId: 0, attempt: 0, executorId: '1', limit: 1000 });
    expect(onOne.items.map((r) => r.taskId)).toEqual(tasks.filter((t) => t.stageId === 0 && t.executorId === '1').map((t) => t.taskId));
  });

  it('tasks.timeline gives every task column-wise, equal to the tasks.list rows and the recorded tasks, in one page or many', async () => {
    const { q, tasks } = buildFixture({ tasksPerStage: 30, running: 3 });
    const c = caller(q);
    for (const stageId of [0, 1, 2]) {
      const rows = await allTasks(c, stageId, 'taskId', false, 1000);
      const answer = await c.tasks.timeline({ appId: APP, stageId, attempt: 0 });
      const tl = JSON.parse(answer.columns) as TaskTimeline;
      expect(answer).toMatchObject({ tasks: rows.length, nextAfterTaskId: null });
      expect(tl.nextAfterTaskId).toBeNull();
      expect(tl.taskId).toEqual(rows.map((r) => r.taskId));
      expect(tl.index).toEqual(rows.map((r) => r.index));
      expect(tl.attempt).toEqual(rows.map((r) => r.attempt));
      expect(tl.executor.map((e) => tl.executors[e])).toEqual(rows.map((r) => r.executorId));
      expect(tl.slot).toEqual(rows.map((r) => r.slot));
      expect(tl.status).toEqual(rows.map((r) => r.status));
      expect(tl.launchTime).toEqual(rows.map((r) => r.launchTime));
      expect(tl.finishTime).toEqual(rows.map((r) => r.finishTime));
      for (const f of ['shuffleFetchWaitTime', 'inputBytes', 'inputRecords', 'shuffleReadRecords'] as const) expect(tl[f], f).toEqual(rows.map((r) => r.metrics?.[f] ?? null));
      // Phase timestamps against the recorded tasks (tasks.list gives only the phases).
      const recorded = new Map(tasks.filter((t) => t.stageId === stageId).map((t) => [t.taskId, t]));
      for (const f of ['executorReceivedTime', 'deserializeEndTime', 'computeEndTime', 'shuffleWriteEndTime', 'resultSerializedTime'] as const) {
        expect(tl[f], f).toEqual(tl.taskId.map((id, i) => (tl.status[i] === 'running' ? null : (recorded.get(id)?.metrics[f] ?? null))));
      }
      // Pages of 4 joined give the same tasks.
      const paged: number[] = [];
      let after: number | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const p = JSON.parse((await c.tasks.timeline({ appId: APP, stageId, attempt: 0, afterTaskId: after, limit: 4 })).columns) as TaskTimeline;
        expect(p.taskId.length).toBeLessThanOrEqual(4);
        paged.push(...p.taskId);
        if (p.nextAfterTaskId === null) break;
        after = p.nextAfterTaskId;
      }
      expect(paged).toEqual(tl.taskId);
    }
    expect((JSON.parse((await c.tasks.timeline({ appId: APP, stageId: 2, attempt: 0 })).columns) as TaskTimeline).status.filter((x) => x === 'running').length).toBe(3);
    await expect(c.tasks.timeline({ appId: APP, stageId: 0, attempt: 0, limit: 100_001 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.tasks.timeline({ appId: '../etc', stageId: 0, attempt: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('executors.list totals equal sums over the tasks each ran; a removed executor keeps its reason', async () => {
    const { q, tasks } = buildFixture();
    const execs = await caller(q).executors.list({ appId: APP });
    expect(execs.map((e) => e.executorId)).toEqual(['0', '1']);
    for (const e of execs) {
      const mine = tasks.filter((t) => t.executorId === e.executorId);
      expect(e.tasks.completed).toBe(mine.filter((t) => t.status === 'success').length);
      expect(e.tasks.failed).toBe(mine.filter((t) => t.status === 'failed').length);
      expect(e.totals.gcTime).toBe(mine.reduce((a, t) => a + t.metrics.gcTime, 0));
      expect(e.totals.durationMs).toBe(mine.reduce((a, t) => a + t.finishTime - t.launchTime, 0));
    }
    expect(execs[1]).toMatchObject({ active: false, removedReason: 'killed by the test' });
    expect(execs[1].logs.map((l) => l.stream)).toEqual(['stdout', 'stderr']);
    expect(await caller(q).executors.get({ appId: APP, executorId: '0' })).toEqual(execs[0]);
  });

  it('apps.list pages and filters; apps.get counts jobs and executors', async () => {
    const { q } = buildFixture();
    q.setCluster({
      masterId: 'm',
      workers: [],
      executors: [],
      applications: [
        { appId: APP, name: 'fixture', state: 'RUNNING', cores: 4, startTime: 1_000_000, endTime: null, user: 'test', endReason: null },
        { appId: 'app-2', name: 'old', state: 'FINISHED', cores: 0, startTime: 900_000, endTime: 950_000, user: 'test', endReason: 'done' },
        { appId: 'app-3', name: 'newer', state: 'KILLED', cores: 0, startTime: 1_500_000, endTime: 1_600_000, user: 'test', endReason: 'killed' },
      ],
    });
    const c = caller(q);
    const p1 = await c.apps.list({ limit: 2 });
    const p2 = await c.apps.list({ limit: 2, cursor: p1.nextCursor! });
    expect([...p1.items, ...p2.items].map((a) => a.appId)).toEqual(['app-3', APP, 'app-2']);
    expect(p2.nextCursor).toBeNull();
    expect((await c.apps.list({ state: 'active' })).items.map((a) => a.appId)).toEqual([APP]);
    expect((await c.apps.list({ state: 'ended' })).items.map((a) => a.appId)).toEqual(['app-3', 'app-2']);
    const app = await c.apps.get({ appId: APP });
    expect(app).toMatchObject({ state: 'RUNNING', cores: 4, droppedEvents: 0, jobs: { total: 2, running: 1, succeeded: 1 }, executors: { total: 2, active: 1 } });
    q.setDroppedEvents(APP, 12);
    expect((await c.apps.get({ appId: APP })).droppedEvents).toBe(12);
  });

  it('workers.get lists the worker executors with exit codes and log names; cluster.overview sums live workers', async () => {
    const { q } = buildFixture();
    const w = (workerId: string, state: 'ALIVE' | 'DEAD', coresUsed: number) => ({ workerId, host: 'h', address: 'h:1', state, cores: 4, coresUsed, memoryMb: 1024, memoryUsedMb: 512, lastHeartbeat: 1, webPort: null });
    q.setCluster({
      masterId: 'm1',
      workers: [w('worker-a', 'ALIVE', 2), w('worker-b', 'ALIVE', 1), w('worker-c', 'DEAD', 0)],
      applications: [],
      executors: [{ appId: APP, executorId: '1', workerId: 'worker-b', cores: 2, memoryMb: 512, state: 'KILLED', exitCode: 137, message: 'killed' }],
    });
    const c = caller(q);
    const o = await c.cluster.overview();
    expect(o).toMatchObject({ masterId: 'm1', workers: { alive: 2, dead: 1, unknown: 0 }, cores: { total: 8, used: 3 }, memoryMb: { total: 2048, used: 1024 } });
    const b = await c.workers.get({ workerId: 'worker-b' });
    expect(b.executors).toEqual([{ appId: APP, executorId: '1', cores: 2, memoryMb: 512, state: 'KILLED', exitCode: 137, message: 'killed', logs: [
      { workerId: 'worker-b', appId: APP, executorId: '1', stream: 'stdout' },
      { workerId: 'worker-b', appId: APP, executorId: '1', stream: 'stderr' },
    ] }]);
    expect((await c.workers.list()).length).toBe(3);
  });

  it('unknown ids answer NOT_FOUND naming the thing; garbage input answers BAD_REQUEST', async () => {
    const { q } = buildFixture();
    const c = caller(q);
    await expect(c.jobs.get({ appId: APP, jobId: 99 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: `no job 99 in application ${APP}` });
    await expect(c.stages.get({ appId: APP, stageId: 0, attempt: 5 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(c.workers.get({ workerId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no worker nope' });
    const bad: unknown[] = [
      () => c.jobs.get({ appId: '../../etc/passwd', jobId: 0 }),
      () => c.jobs.get({ appId: APP, jobId: -1 }),
      () => c.jobs.get({ appId: 'x'.repeat(10_000), jobId: 0 }),
      () => c.tasks.list({ appId: APP, stageId: 0, attempt: 0, sortBy: 'nope' as never }),
      () => c.tasks.list({ appId: APP, stageId: 0, attempt: 0, limit: 1_000_000 }),
      () => c.logs.read({ workerId: 'w', appId: APP, executorId: '0/../../x', stream: 'stdout' }),
      () => c.logs.read({ workerId: 'w', appId: APP, executorId: '0', stream: 'stdin' as never }),
      () => c.apps.list({ state: 'BOGUS' as never }),
    ];
    for (const f of bad) await expect((f as () => Promise<unknown>)()).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.tasks.list({ appId: APP, stageId: 0, attempt: 0, cursor: 'garbage' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('bad cursor') });
  });

  it('apps.kill and jobs.cancel: secret required when set, loopback only when not, refused clearly in history', async () => {
    const calls: string[] = [];
    const { q } = buildFixture();
    const withOps = Object.assign(Object.create(Object.getPrototypeOf(q)), q, {
      killApp: async (appId: string) => (calls.push(`kill ${appId}`), { killed: true, message: 'ok' }),
      cancelJob: async (appId: string, jobId: number) => (calls.push(`cancel ${appId}/${jobId}`), { cancelled: true, message: 'ok' }),
    });
    await expect(caller(withOps, { secretConfigured: true, caller: { authenticated: false, loopback: true } }).apps.kill({ appId: APP })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(caller(withOps, { secretConfigured: false, caller: { authenticated: false, loopback: false } }).jobs.cancel({ appId: APP, jobId: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(calls).toEqual([]);
    await caller(withOps, { secretConfigured: true, caller: { authenticated: true, loopback: false } }).apps.kill({ appId: APP });
    await caller(withOps).jobs.cancel({ appId: APP, jobId: 1 });
    expect(calls).toEqual([`kill ${APP}`, `cancel ${APP}/1`]);
    // The in-memory store has no cluster: a refusal with its reason, as PRECONDITION_FAILED.
    const err = await caller(q).apps.kill({ appId: APP }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect(err).toMatchObject({ code: 'PRECONDITION_FAILED', message: expect.stringContaining('no cluster') });
  });
});
