/**
 * The typed API against a real local cluster (master, two workers, executor
 * processes) and a real job with two shuffles, over both transports: every
 * procedure's answer is checked against what the job did as the driver's own
 * listener saw it (jobs, stages, task counts per stage, executors) and
 * against the master's cluster state (workers); quantiles against a
 * computation over the tasks.list rows; paging and sorting against a plain
 * sort; a killed executor shows as removed with its reason and its log still
 * reads; logs of another worker's executor are refused; garbage input is
 * answered with validation errors while the master keeps serving; /metrics
 * parses as Prometheus text and its task counters match the job.
 */
import { type FlintClient, type TaskRow, createFlintClient } from '@flint/api';
import { FlintContext, type FlintEvent } from '@flint/core';
import fs from 'node:fs';
import path from 'node:path';
import { LocalCluster } from '@flint/cluster';
import { InMemoryMasterStore, startHistoryServer, startMaster } from '@flint/cluster-master';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Ev<T extends FlintEvent['type']> = Extract<FlintEvent, { type: T }>;

async function eventually<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  let last: T | undefined;
  let lastErr: unknown;
  for (;;) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)?.slice(0, 500)} ${String(lastErr ?? '')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Nearest rank, written apart from the store's: the value at rank ceil(q·n). */
function nearestRank(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(q * s.length)) - 1];
}

async function allTasks(api: FlintClient, appId: string, stageId: number, attempt: number, sortBy: 'taskId' | 'duration' | 'executorRunTime' | 'shuffleWriteBytes' | 'resultSize' = 'taskId', desc = false, limit = 3): Promise<TaskRow[]> {
  const rows: TaskRow[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const p = await api.tasks.list.query({ appId, stageId, attempt, sortBy, desc, limit, cursor });
    expect(p.items.length).toBeLessThanOrEqual(limit);
    rows.push(...p.items);
    if (!p.nextCursor) return rows;
    cursor = p.nextCursor;
  }
  throw new Error('paging never ended');
}

/** Minimal Prometheus text-format reader: every sample line, with HELP and TYPE before its family. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(meta[3]);
        typed.add(meta[2]);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)( \d+)?$/.exec(line);
    expect(m, `not a Prometheus sample line: ${line}`).not.toBeNull();
    const family = m![1].replace(/_(bucket|sum|count|total|created)$/, '');
    expect(typed.has(m![1]) || typed.has(family), `sample before its TYPE: ${line}`).toBe(true);
    samples.set(m![1] + (m![2] ?? ''), Number(m![3]));
  }
  return samples;
}

describe.each(['tcp', 'http'] as const)('the API on a real cluster over %s', (transport) => {
  let cluster: LocalCluster;
  let api: FlintClient;
  let url: string;
  let appId: string;
  const events: FlintEvent[] = [];
  let sc: FlintContext;
  let result: Array<[number, number[]]>;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport, uiPort: 0, workerTimeoutMs: 5000, driverTimeoutMs: 5000 });
    url = `http://127.0.0.1:${cluster.uiPort}`;
    api = createFlintClient({ url });
    sc = await FlintContext.create({ master: cluster.masterUrl, appName: `api-${transport}`, transport, progress: false, listeners: [(e) => void events.push(e)] });
    appId = sc.applicationId;
    // Two shuffles: reduceByKey, then groupByKey over new keys.
    const data = Array.from({ length: 3000 }, (_, i) => i);
    result = (await sc
      .parallelize(data, 6)
      .map((x) => [x % 40, x] as [number, number])
      .reduceByKey((a, b) => a + b, 4)
      .map(([k, v]) => [k % 5, v] as [number, number])
      .groupByKey(3)
      .collect()) as Array<[number, number[]]>;
    // The listener bus delivers after the job's promise resolves: wait for the job's end and all 13 task ends.
    await eventually('the driver listener to see the job end', async () => events, (es) => es.some((e) => e.type === 'jobEnd') && es.filter((e) => e.type === 'taskEnd').length >= 13, 20_000);
  }, 180_000);

  afterAll(async () => {
    await sc?.stop().catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  it('the job answered correctly (the reference for everything below)', () => {
    const sums = new Map<number, number>();
    for (let x = 0; x < 3000; x++) sums.set(x % 40, (sums.get(x % 40) ?? 0) + x);
    const groups = new Map<number, number[]>();
    for (const [k, v] of sums) groups.set(k % 5, [...(groups.get(k % 5) ?? []), v]);
    expect(new Map(result.map(([k, vs]) => [k, [...vs].sort((a, b) => a - b)]))).toEqual(new Map([...groups].map(([k, vs]) => [k, vs.sort((a, b) => a - b)])));
  });

  it('jobs, stages, task counts per stage and executors equal what the driver saw', { timeout: 120_000 }, async () => {
    const jobStarts = events.filter((e): e is Ev<'jobStart'> => e.type === 'jobStart');
    const taskEnds = events.filter((e): e is Ev<'taskEnd'> => e.type === 'taskEnd');
    expect(jobStarts).toHaveLength(1);
    // Wait until every task end has been stored.
    const jobs = await eventually(
      'the job stored as succeeded with all its tasks',
      () => api.jobs.list.query({ appId }),
      (js) => js.length === 1 && js[0].state === 'succeeded' && js[0].tasks.running === 0,
      20_000,
    );
    expect(jobs[0]).toMatchObject({ jobId: jobStarts[0].jobId, stageIds: jobStarts[0].stageIds, tasks: { total: taskEnds.length, succeeded: taskEnds.filter((e) => e.reason.kind === 'success').length, running: 0 } });
    const job = await api.jobs.get.query({ appId, jobId: jobStarts[0].jobId });
    expect(job.stages.map((s) => ({ stageId: s.stageId, parentIds: [...s.parentIds].sort(), numTasks: s.numTasks }))).toEqual(
      jobStarts[0].stageInfos.map((s) => ({ stageId: s.stageId, parentIds: [...s.parentIds].sort(), numTasks: s.numTasks })).sort((a, b) => a.stageId - b.stageId),
    );
    expect(job.stages.every((s) => s.state === 'complete')).toBe(true);
    expect(job.stages).toHaveLength(3);

    const stages = await api.stages.list.query({ appId });
    const submitted = events.filter((e): e is Ev<'stageCompleted'> => e.type === 'stageCompleted');
    expect(stages.map((s) => [s.stageId, s.attempt]).sort()).toEqual(submitted.map((e) => [e.stageInfo.stageId, e.stageInfo.attempt]).sort());
    for (const s of stages) {
      const mine = taskEnds.filter((e) => e.stageId === s.stageId && e.stageAttempt === s.attempt);
      expect(s.tasks.total, `stage ${s.stageId}`).toBe(mine.length);
      expect(s.tasks.succeeded).toBe(mine.filter((e) => e.reason.kind === 'success').length);
      expect(s.numTasks).toBe(submitted.find((e) => e.stageInfo.stageId === s.stageId)!.stageInfo.numTasks);
      expect(s.totals.shuffleWriteBytes).toBe(mine.reduce((a, e) => a + (e.metrics?.shuffleWriteBytes ?? 0), 0));
      expect(s.totals.shuffleReadBytes).toBe(mine.reduce((a, e) => a + (e.metrics ? e.metrics.shuffleReadLocalBytes + e.metrics.shuffleReadRemoteBytes : 0), 0));
    }
    expect(stages.map((s) => s.numTasks).sort()).toEqual([3, 4, 6]);

    const added = events.filter((e): e is Ev<'executorAdded'> => e.type === 'executorAdded');
    const execs = await api.executors.list.query({ appId });
    expect(execs.map((e) => e.executorId).sort()).toEqual(added.map((e) => e.executorId).sort());
    for (const e of execs) {
      const mine = taskEnds.filter((t) => t.taskInfo.executorId === e.executorId);
      expect(e.tasks.completed).toBe(mine.filter((t) => t.reason.kind === 'success').length);
      expect(e.workerId).toBe(added.find((a) => a.executorId === e.executorId)!.workerId);
      expect(e.logs.map((l) => l.stream)).toEqual(['stdout', 'stderr']);
    }
    expect(execs.reduce((a, e) => a + e.tasks.completed, 0)).toBe(taskEnds.length);

    const app = await api.apps.get.query({ appId });
    expect(app).toMatchObject({ appId, name: `api-${transport}`, state: 'RUNNING', droppedEvents: 0, jobs: { total: 1, succeeded: 1 } });
    const listed = await api.apps.list.query({ state: 'active' });
    expect(listed.items.map((a) => a.appId)).toEqual([appId]);
  });

  it('workers and the overview equal the master cluster state', async () => {
    const state = await cluster.clusterState();
    const workers = await api.workers.list.query();
    expect(workers.map((w) => [w.workerId, w.state, w.cores, w.coresUsed]).sort()).toEqual(state.workers.map((w) => [w.workerId, w.state, w.cores, w.coresUsed]).sort());
    for (const w of state.workers) {
      const d = await api.workers.get.query({ workerId: w.workerId });
      expect(d.executors.map((e) => [e.appId, e.executorId, e.state]).sort()).toEqual(
        state.executors.filter((e) => e.workerId === w.workerId).map((e) => [e.appId, e.executorId, e.state]).sort(),
      );
    }
    // Each worker serves its own /metrics on the webPort it reported.
    for (const w of workers) {
      expect(w.webPort).toBeGreaterThan(0);
      const r = await fetch(`http://127.0.0.1:${w.webPort}/metrics`);
      expect(r.status).toBe(200);
      const m = parsePrometheus(await r.text());
      const get = (name: string, label: string) => [...m].find(([k]) => k.startsWith(`${name}{`) && k.includes(label) && k.includes(`worker="${w.workerId}"`))?.[1];
      expect(get('flint_worker_cores', 'kind="total"')).toBe(w.cores);
      expect(get('flint_worker_cores', 'kind="used"')).toBe(w.coresUsed);
      expect(get('flint_worker_executors', 'state="RUNNING"')).toBe(state.executors.filter((e) => e.workerId === w.workerId && e.state === 'RUNNING').length);
      expect((await fetch(`http://127.0.0.1:${w.webPort}/etc/passwd`)).status).toBe(404);
    }
    const o = await api.cluster.overview.query();
    expect(o).toMatchObject({ mode: 'master', masterId: state.masterId, workers: { alive: 2, dead: 0 }, cores: { total: 2, used: 2 }, applications: { running: 1 } });
  });

  it('stage quantiles equal those computed from the tasks.list rows; paging and sorting by several metrics', async () => {
    for (const s of await api.stages.list.query({ appId })) {
      const stage = await api.stages.get.query({ appId, stageId: s.stageId, attempt: s.attempt });
      const rows = await allTasks(api, appId, s.stageId, s.attempt);
      expect(rows.map((r) => r.taskId)).toEqual([...rows.map((r) => r.taskId)].sort((a, b) => a - b));
      expect(new Set(rows.map((r) => r.index)).size).toBe(s.numTasks);
      const ok = rows.filter((r) => r.status === 'success');
      expect(stage.quantilesExact).toBe(true);
      expect(stage.quantileTaskCount).toBe(ok.length);
      const fields: Array<[keyof typeof stage.quantiles, (r: TaskRow) => number | null]> = [
        ['duration', (r) => r.durationMs],
        ['executorRunTime', (r) => r.metrics!.executorRunTime],
        ['resultSize', (r) => r.metrics!.resultSize],
        ['shuffleWriteBytes', (r) => r.metrics!.shuffleWriteBytes],
        ['shuffleReadBytes', (r) => r.metrics!.shuffleReadLocalBytes + r.metrics!.shuffleReadRemoteBytes],
        ['schedulerDelay', (r) => r.phases!.schedulerDelay],
        ['compute', (r) => r.phases!.compute],
        ['resultFetch', (r) => r.phases!.resultFetch],
      ];
      for (const [name, get] of fields) {
        const vals = ok.map(get).filter((v): v is number => v !== null);
        const q = stage.quantiles[name];
        if (vals.length === 0) {
          expect(q, name).toBeNull();
          continue;
        }
        expect(q, `${name} of stage ${s.stageId}`).toEqual({ min: Math.min(...vals), p25: nearestRank(vals, 0.25), median: nearestRank(vals, 0.5), p75: nearestRank(vals, 0.75), p95: nearestRank(vals, 0.95), max: Math.max(...vals) });
      }
      expect(stage.rdds.length).toBeGreaterThan(0);
      for (const [key, get] of [
        ['duration', (r: TaskRow) => r.durationMs!],
        ['executorRunTime', (r: TaskRow) => r.metrics!.executorRunTime],
        ['resultSize', (r: TaskRow) => r.metrics!.resultSize],
      ] as const) {
        for (const desc of [false, true]) {
          const sorted = await allTasks(api, appId, s.stageId, s.attempt, key, desc, 2);
          const expected = [...rows].sort((a, b) => (desc ? get(b) - get(a) || b.taskId - a.taskId : get(a) - get(b) || a.taskId - b.taskId));
          expect(sorted.map((r) => r.taskId), `${key} desc=${desc}`).toEqual(expected.map((r) => r.taskId));
        }
      }
    }
  });

  it('/metrics parses as Prometheus text and its counters match the job', async () => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const m = parsePrometheus(await res.text());
    const taskEnds = events.filter((e): e is Ev<'taskEnd'> => e.type === 'taskEnd');
    expect(m.get('flint_tasks_completed_total')).toBe(taskEnds.filter((e) => e.reason.kind === 'success').length);
    expect(m.get('flint_tasks_failed_total')).toBe(taskEnds.filter((e) => e.reason.kind !== 'success' && e.reason.kind !== 'killed').length);
    expect(m.get('flint_workers{state="ALIVE"}')).toBe(2);
    expect(m.get('flint_applications{state="RUNNING"}')).toBe(1);
    expect(m.get('flint_executors{state="RUNNING"}')).toBe(2);
    expect(m.get('flint_cluster_cores{kind="total"}')).toBe(2);
    expect(m.get('flint_events_dropped_total')).toBe(0);
    expect(m.get('flint_events_stored_total')!).toBeGreaterThanOrEqual(events.length - 5);
    expect([...m.keys()].some((k) => k.startsWith('flint_master_process_cpu'))).toBe(true);
  });

  it('refuses another worker executor logs, validates garbage, and keeps serving', async () => {
    const state = await cluster.clusterState();
    const e = state.executors.find((x) => x.appId === appId && x.state === 'RUNNING')!;
    const other = state.workers.find((w) => w.workerId !== e.workerId)!;
    await expect(api.logs.read.query({ workerId: other.workerId, appId, executorId: e.executorId, stream: 'stdout' })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(api.logs.read.query({ workerId: e.workerId, appId, executorId: '../../etc', stream: 'stdout' })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    await expect(api.logs.read.query({ workerId: e.workerId, appId: 'app-none', executorId: '0', stream: 'stdout' })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    for (const bad of ['{', '%00', encodeURIComponent(JSON.stringify({ json: { appId: 'x'.repeat(100_000) } }))]) {
      const r = await fetch(`${url}/api/trpc/jobs.list?input=${bad}`);
      expect([400, 413, 414, 431]).toContain(r.status);
      await r.text();
    }
    const big = await fetch(`${url}/api/trpc/apps.kill`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2 << 20) }).catch((err: Error) => err);
    if (!(big instanceof Error)) expect(big.status).toBe(413);
    expect((await api.jobs.list.query({ appId })).length).toBe(1);
    expect((await api.cluster.overview.query()).workers.alive).toBe(2);
  });

  it.skipIf(typeof (FlintContext.prototype as { cancelJob?: unknown }).cancelJob !== 'function')(
    'jobs.cancel on a long job rejects the driver promise, leaves no task running, and the next job succeeds',
    { timeout: 120_000 },
    async () => {
      const before = events.length;
      const long = sc
        .parallelize(Array.from({ length: 16 }, (_, i) => i), 8)
        .map((x) => {
          const until = Date.now() + 3000;
          while (Date.now() < until);
          return x;
        })
        .count();
      const failed = long.then(
        () => null,
        (err: Error) => err,
      );
      const running = await eventually(
        'the long job to be stored as running',
        () => api.jobs.list.query({ appId }),
        (js) => js.some((j) => j.state === 'running' && j.tasks.running > 0),
        30_000,
      );
      const jobId = running.find((j) => j.state === 'running')!.jobId;
      expect(await api.jobs.cancel.mutate({ appId, jobId })).toMatchObject({ cancelled: true });
      const err = await failed;
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toMatch(/cancel/i);
      // Every task the job started ends (killed), and the API says so.
      await eventually('every started task of the job to end', async () => events.slice(before), (es) => {
        const started = es.filter((e) => e.type === 'taskStart').length;
        return started > 0 && es.filter((e) => e.type === 'taskEnd').length === started;
      }, 30_000);
      const stored = await eventually('the job stored as cancelled', () => api.jobs.get.query({ appId, jobId }), (j) => j.state === 'cancelled' && j.tasks.running === 0, 30_000);
      expect(stored.error).toMatch(/cancel/i);
      expect(await sc.parallelize([1, 2, 3], 2).map((x) => x * 2).collect()).toEqual([2, 4, 6]);
      await expect(api.jobs.cancel.mutate({ appId, jobId: 9999 })).resolves.toMatchObject({ cancelled: false });
    },
  );

  it('a killed executor shows as removed with its reason, and its log still reads', async () => {
    const added = events.filter((e): e is Ev<'executorAdded'> => e.type === 'executorAdded');
    const victim = added[0];
    expect(victim.pid).toBeGreaterThan(0);
    const before = await api.logs.read.query({ workerId: victim.workerId!, appId, executorId: victim.executorId, stream: 'stderr', offset: 0, length: 4096 });
    process.kill(victim.pid!, 'SIGKILL');
    const gone = await eventually(
      'the executor stored as removed',
      () => api.executors.get.query({ appId, executorId: victim.executorId }),
      (e) => !e.active && e.removedReason !== null,
    );
    expect(gone.removedReason).toMatch(/137|SIGKILL|killed|exit/i);
    const w = await eventually(
      'the worker to report the exit',
      () => api.workers.get.query({ workerId: victim.workerId! }),
      (d) => d.executors.some((x) => x.executorId === victim.executorId && x.appId === appId && x.exitCode !== null),
    );
    expect(w.executors.find((x) => x.executorId === victim.executorId && x.appId === appId)).toMatchObject({ state: 'FAILED', exitCode: 137 });
    for (const stream of ['stdout', 'stderr'] as const) {
      const log = await api.logs.read.query({ workerId: victim.workerId!, appId, executorId: victim.executorId, stream, offset: 0, length: 1 << 20 });
      expect(log.offset).toBe(0);
      expect(log.eof).toBe(true);
      expect(log.nextOffset).toBe(log.size);
      expect(Buffer.byteLength(log.data)).toBe(log.size);
      if (stream === 'stderr') expect(log.data.startsWith(before.data)).toBe(true);
    }
    const tail = await api.logs.read.query({ workerId: victim.workerId!, appId, executorId: victim.executorId, stream: 'stdout', offset: -10 });
    expect(tail.nextOffset).toBe(tail.size);
  });

  it('events.live replays the stored changes in cursor order and resumes after lastEventId with no gap', { timeout: 60_000 }, async () => {
    type Got = { id: string; cursor: number; jobIds: number[]; stageIds: number[] };
    const collect = (input: { appId: string; sinceCursor?: number; lastEventId?: string }, until: (got: Got[]) => boolean) =>
      new Promise<Got[]>((resolve, reject) => {
        const got: Got[] = [];
        const timer = setTimeout(() => reject(new Error(`events.live gave only ${JSON.stringify(got).slice(0, 400)}`)), 30_000);
        const sub = api.events.live.subscribe(input, {
          onData(ev) {
            for (const c of ev.data.changes) got.push({ id: ev.id, cursor: c.cursor, jobIds: c.jobIds, stageIds: c.stageIds });
            if (until(got)) {
              clearTimeout(timer);
              sub.unsubscribe();
              resolve(got);
            }
          },
          onError: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        });
      });
    const job = events.find((e): e is Ev<'jobStart'> => e.type === 'jobStart')!;
    // From the start: every change of the first job, in strictly increasing cursor order.
    const seen = await collect({ appId, sinceCursor: 0 }, (got) => got.some((g) => g.jobIds.includes(job.jobId)) && job.stageIds.every((id) => got.some((g) => g.stageIds.includes(id))) && got.length >= 3);
    const cursors = seen.map((g) => g.cursor);
    for (let i = 1; i < cursors.length; i++) expect(cursors[i]).toBeGreaterThan(cursors[i - 1]);
    // A reconnect with the id of an earlier message resumes right after it: the same changes, none skipped or repeated.
    const cut = seen[Math.floor(seen.length / 2) - 1];
    const last = cursors[cursors.length - 1];
    const resumed = await collect({ appId, lastEventId: cut.id }, (got) => got.some((g) => g.cursor >= last));
    expect(resumed.map((g) => g.cursor).filter((c) => c <= last)).toEqual(cursors.filter((c) => c > Number(cut.id)));
  });

  it('logs of an ended application stay readable after its work directory is removed', { timeout: 90_000 }, async () => {
    const added = events.filter((e): e is Ev<'executorAdded'> => e.type === 'executorAdded');
    const ref = (e: Ev<'executorAdded'>) => ({ workerId: e.workerId!, appId, executorId: e.executorId });
    const before = await Promise.all(added.map((e) => api.logs.read.query({ ...ref(e), stream: 'stderr', offset: 0, length: 1 << 20 })));
    await sc.stop();
    await eventually('the application to end', () => api.apps.get.query({ appId }), (a) => a.state === 'FINISHED', 30_000);
    // The worker removes the work directory when told the application finished; the logs move out first.
    await eventually('both workers to remove the application work directory', async () => [0, 1].map((i) => fs.existsSync(path.join(cluster.baseDir, `work-${i}`, appId))), (v) => v.every((x) => !x), 30_000);
    for (const [i, e] of added.entries()) {
      const after = await eventually(
        `the log of executor ${e.executorId} after the end`,
        () => api.logs.read.query({ ...ref(e), stream: 'stderr', offset: 0, length: 1 << 20 }),
        () => true,
        20_000,
      );
      expect(after.data.startsWith(before[i].data)).toBe(true);
      const out = await api.logs.read.query({ ...ref(e), stream: 'stdout' });
      expect(out.size).toBeGreaterThanOrEqual(0);
    }
  });

  it('flint history serves the same answers over the master event store file, with no cluster and refusals for actions', async () => {
    const history = await startHistoryServer({ file: path.join(cluster.baseDir, 'master-events.db'), port: 0, secret: null });
    try {
      const h = createFlintClient({ url: history.url });
      expect(await h.cluster.overview.query()).toMatchObject({ mode: 'history', workers: { alive: 0 } });
      expect(await h.workers.list.query()).toEqual([]);
      expect((await h.apps.list.query({})).items.map((a) => a.appId)).toContain(appId);
      expect(await h.jobs.list.query({ appId })).toEqual(await api.jobs.list.query({ appId }));
      const [hs, ls] = [await h.stages.list.query({ appId }), await api.stages.list.query({ appId })];
      expect(hs).toEqual(ls);
      for (const s of ls) {
        expect(await h.stages.get.query({ appId, stageId: s.stageId, attempt: s.attempt })).toEqual(await api.stages.get.query({ appId, stageId: s.stageId, attempt: s.attempt }));
        expect((await h.tasks.list.query({ appId, stageId: s.stageId, attempt: s.attempt, limit: 1000 })).items).toEqual((await api.tasks.list.query({ appId, stageId: s.stageId, attempt: s.attempt, limit: 1000 })).items);
      }
      await expect(h.jobs.cancel.mutate({ appId, jobId: 0 })).rejects.toMatchObject({ data: { code: 'PRECONDITION_FAILED' } });
      await expect(h.apps.kill.mutate({ appId })).rejects.toMatchObject({ data: { code: 'PRECONDITION_FAILED' } });
      await expect(h.logs.read.query({ workerId: 'w', appId, executorId: '0', stream: 'stdout' })).rejects.toMatchObject({ data: { code: 'PRECONDITION_FAILED' } });
    } finally {
      await history.close();
    }
    await expect(startHistoryServer({ file: path.join(cluster.baseDir, 'nope.db'), port: 0 })).rejects.toThrow(/no event log at/);
  });

  it('apps.kill ends a running application: its executors are killed and its driver refuses further jobs', { timeout: 120_000 }, async () => {
    const sc2 = await FlintContext.create({ master: cluster.masterUrl, appName: 'to-kill', transport, progress: false });
    try {
      const id2 = sc2.applicationId;
      expect(await sc2.parallelize([1, 2, 3], 2).map((x) => x + 1).collect()).toEqual([2, 3, 4]);
      const live = await cluster.clusterState();
      expect(live.executors.filter((e) => e.appId === id2 && e.state === 'RUNNING').length).toBeGreaterThan(0);
      expect(await api.apps.kill.mutate({ appId: id2 })).toMatchObject({ killed: true });
      const st = await eventually(
        'the application and its executors killed',
        () => cluster.clusterState(),
        (s) => s.applications.find((a) => a.appId === id2)?.state === 'KILLED' && s.executors.filter((e) => e.appId === id2).every((e) => e.state !== 'RUNNING' && e.state !== 'LAUNCHING'),
        30_000,
      );
      expect(st.applications.find((a) => a.appId === id2)).toMatchObject({ cores: 0, endReason: 'killed through the API' });
      expect((await api.apps.get.query({ appId: id2 })).state).toBe('KILLED');
      await eventually('the driver to learn of the kill', async () => sc2.parallelize([1], 1).count().then(() => null, (err: Error) => err), (err) => err !== null, 30_000).then((err) => expect(err!.message).toMatch(/ended this application|killed/i));
      expect(await api.apps.kill.mutate({ appId: id2 })).toMatchObject({ killed: false });
    } finally {
      await sc2.stop().catch(() => undefined);
    }
  });
});

describe('API security on a real master', () => {
  it('answers 401 and nothing else without the secret, serves with it, and refuses a public bind without one', async () => {
    await expect(startMaster({ store: new InMemoryMasterStore(), port: 0, uiPort: 0, uiHost: '0.0.0.0', secret: '' , env: {} })).rejects.toThrow(/without a cluster secret/);
    const master = await startMaster({ store: new InMemoryMasterStore(), port: 0, uiPort: 0, secret: 'top-secret-1', env: {} });
    try {
      const url = master.uiUrl!;
      for (const path of ['/api/trpc/cluster.overview', '/metrics', '/healthz', '/']) {
        const r = await fetch(url + path);
        expect(r.status, path).toBe(401);
        const body = await r.text();
        expect(body).not.toContain(master.masterId);
        expect(r.headers.get('content-security-policy')).toBeTruthy();
      }
      await expect(createFlintClient({ url }).workers.list.query()).rejects.toMatchObject({ meta: { response: { status: 401 } } });
      const ok = createFlintClient({ url, secret: 'top-secret-1' });
      expect((await ok.cluster.overview.query()).masterId).toBe(master.masterId);
      expect((await fetch(url + '/metrics', { headers: { authorization: 'Bearer top-secret-1' } })).status).toBe(200);
      // Mutations with the secret reach the master: an unknown application is answered, not refused.
      expect(await ok.apps.kill.mutate({ appId: 'app-none' })).toEqual({ killed: false, message: 'no application app-none on this master' });
    } finally {
      await master.stop();
    }
  });
});
