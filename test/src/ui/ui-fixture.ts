/**
 * A master's HTTP front (the API's handler and the UI's) over an in-memory
 * store filled with a synthetic application: for browser tests of the pages'
 * logic without a cluster, and for the UI benchmark at 100,000 tasks.
 *
 * The application: job 0 with stages 0 → 1 → 2 (two shuffles), each with
 * `tasks` tasks on `executors` executors × 2 slots; partition `skewed` of
 * stage 1 reads 20× the median shuffle records; one task of stage 2 failed
 * once; executor 1 was lost at the end. Everything here is deterministic.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFlintHttpHandler, InMemoryFlintQueries, type EventLike, type MetricsLike, type StageInfoLike } from '@flint/api';
import { loadUiHandler } from '@flint/cluster-master';

export const FIXTURE_APP = 'app-20261205120000-0001';

export interface UiFixtureOptions {
  tasks?: number;
  executors?: number;
  skewed?: number;
  secret?: string;
}

export interface UiFixture {
  url: string;
  queries: InMemoryFlintQueries;
  /** Task rows recorded per stage, for checks computed independently. */
  recorded: Map<number, Array<{ index: number; executorId: string; status: 'success' | 'failed'; durationMs: number; shuffleReadRecords: number; slot: number }>>;
  close(): Promise<void>;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function stage(stageId: number, numTasks: number, parentIds: number[], kind: 'shuffleMap' | 'result', ops: string[]): StageInfoLike {
  const base = stageId * 10;
  return {
    stageId,
    attempt: 0,
    name: `${ops[ops.length - 1]} at fixture.ts:${10 + stageId}`,
    numTasks,
    parentIds,
    kind,
    rddInfos: ops.map((op, i) => ({ id: base + i, name: `${op}RDD`, scope: op, parentIds: i === 0 ? [] : [base + i - 1], numPartitions: numTasks, storageLevel: 'NONE' })),
    submissionTime: null,
    completionTime: null,
    failureReason: null,
  };
}

export function fillFixture(q: InMemoryFlintQueries, opts: UiFixtureOptions = {}): UiFixture['recorded'] {
  const n = opts.tasks ?? 24;
  const nExec = opts.executors ?? 2;
  const skewed = opts.skewed ?? 5;
  const rand = rng(11);
  const recorded: UiFixture['recorded'] = new Map();
  const rec = (e: EventLike) => q.record(FIXTURE_APP, e);
  const t0 = Date.now() - 120_000;
  rec({ type: 'applicationStart', time: t0, appId: FIXTURE_APP, appName: 'skewed-wordcount', master: 'flint://127.0.0.1:7077', user: 'flint', conf: { 'flint.app.name': 'skewed-wordcount', 'flint.executor.cores': 2 } });
  for (let e = 0; e < nExec; e++) rec({ type: 'executorAdded', time: t0 + 100 + e, executorId: String(e), host: '127.0.0.1', totalCores: 2, workerId: `worker-${e % 2}` });
  const stages = [stage(0, n, [], 'shuffleMap', ['textFile', 'flatMap', 'map']), stage(1, n, [0], 'shuffleMap', ['reduceByKey', 'map']), stage(2, n, [1], 'result', ['groupByKey', 'mapValues'])];
  rec({ type: 'jobStart', time: t0 + 500, jobId: 0, description: 'collect at fixture.ts:30', stageIds: [0, 1, 2], stageInfos: stages });
  let taskId = 0;
  let clock = t0 + 1000;
  for (const s of stages) {
    rec({ type: 'stageSubmitted', time: clock, stageInfo: { ...s, submissionTime: clock } });
    const rows: NonNullable<ReturnType<UiFixture['recorded']['get']>> = [];
    const slots = nExec * 2;
    const free = new Array<number>(slots).fill(clock);
    for (let i = 0; i < n; i++) {
      let lane = 0;
      for (let l = 1; l < slots; l++) if (free[l]! < free[lane]!) lane = l;
      const executorId = String(Math.floor(lane / 2));
      const slot = lane % 2;
      const launch = free[lane]! + 1;
      const isSkew = s.stageId === 1 && i === skewed;
      const records = s.stageId === 0 ? 0 : isSkew ? 400_000 : 20_000 + Math.floor(rand() * 500);
      const work = isSkew ? 3000 : 40 + Math.floor(rand() * 20);
      const received = launch + 2;
      const m = { executorDeserializeTime: 3, executorRunTime: work, executorCpuTime: work, resultSize: 500, resultSerializationTime: 1, gcTime: 1, peakExecutionMemory: 1 << 20, memoryBytesSpilled: 0, diskBytesSpilled: 0, inputBytes: s.stageId === 0 ? 1 << 20 : 0, inputRecords: s.stageId === 0 ? 10_000 : 0, outputBytes: 0, outputRecords: 0, shuffleReadRemoteBytes: records * 10, shuffleReadLocalBytes: records * 10, shuffleReadRecords: records, shuffleReadRemoteBlocks: 1, shuffleReadLocalBlocks: 1, shuffleFetchWaitTime: 2, shuffleWriteBytes: s.kind === 'shuffleMap' ? 200_000 : 0, shuffleWriteRecords: s.kind === 'shuffleMap' ? 1000 : 0, shuffleWriteTime: 3, executorReceivedTime: received, deserializeEndTime: received + 3, computeEndTime: received + 3 + work, shuffleWriteEndTime: received + 6 + work, resultSerializedTime: received + 7 + work } as MetricsLike;
      const finish = received + 9 + work;
      const info = { taskId: taskId++, index: i, attempt: 0, launchTime: launch, finishTime: null, executorId, host: '127.0.0.1', slot, locality: 'PROCESS_LOCAL', speculative: false };
      rec({ type: 'taskStart', time: launch, stageId: s.stageId, stageAttempt: 0, taskInfo: info });
      const failed = s.stageId === 2 && i === 3;
      rec({ type: 'taskEnd', time: finish, stageId: s.stageId, stageAttempt: 0, reason: failed ? { kind: 'exception', message: 'Error: parse failure in record 17 (task 3 of stage 2)' } : { kind: 'success' }, taskInfo: { ...info, finishTime: finish }, metrics: m });
      rows.push({ index: i, executorId, status: failed ? 'failed' : 'success', durationMs: finish - launch, shuffleReadRecords: records, slot });
      free[lane] = finish;
      if (failed) {
        // The retry succeeds on another slot.
        const l2 = (lane + 1) % slots;
        const launch2 = Math.max(free[l2]!, finish) + 1;
        const info2 = { ...info, taskId: taskId++, attempt: 1, launchTime: launch2, executorId: String(Math.floor(l2 / 2)), slot: l2 % 2 };
        rec({ type: 'taskStart', time: launch2, stageId: s.stageId, stageAttempt: 0, taskInfo: info2 });
        const m2 = { ...m, executorReceivedTime: launch2 + 2, deserializeEndTime: launch2 + 5, computeEndTime: launch2 + 5 + work, shuffleWriteEndTime: launch2 + 8 + work, resultSerializedTime: launch2 + 9 + work };
        rec({ type: 'taskEnd', time: launch2 + 11 + work, stageId: s.stageId, stageAttempt: 0, reason: { kind: 'success' }, taskInfo: { ...info2, finishTime: launch2 + 11 + work }, metrics: m2 });
        rows.push({ index: i, executorId: info2.executorId, status: 'success', durationMs: 11 + work, shuffleReadRecords: records, slot: info2.slot });
        free[l2] = launch2 + 11 + work;
      }
    }
    clock = Math.max(...free) + 5;
    rec({ type: 'stageCompleted', time: clock, stageInfo: { ...s, submissionTime: rows.length ? clock - 1 : clock, completionTime: clock } });
    recorded.set(s.stageId, rows);
  }
  rec({ type: 'jobEnd', time: clock + 1, jobId: 0, result: { status: 'succeeded' } });
  if (nExec > 1) rec({ type: 'executorRemoved', time: clock + 2, executorId: '1', reason: 'worker worker-1 lost: no heartbeat for 60 s' });
  q.setCluster({
    masterId: 'master-fixture',
    workers: [0, 1].map((w) => ({ workerId: `worker-${w}`, host: '127.0.0.1', address: `127.0.0.1:${7100 + w}`, state: w === 1 ? 'DEAD' : 'ALIVE', cores: 4, coresUsed: w === 0 ? 2 : 0, memoryMb: 4096, memoryUsedMb: w === 0 ? 1024 : 0, lastHeartbeat: Date.now() - 1000, webPort: null })),
    applications: [{ appId: FIXTURE_APP, name: 'skewed-wordcount', state: 'RUNNING', cores: 2, startTime: t0, endTime: null, user: 'flint', endReason: null }],
    executors: Array.from({ length: nExec }, (_, e) => ({ appId: FIXTURE_APP, executorId: String(e), workerId: `worker-${e % 2}`, cores: 2, memoryMb: 1024, state: e === 1 ? 'LOST' : 'RUNNING', exitCode: e === 1 ? 137 : null, message: e === 1 ? 'worker lost' : null })),
  });
  return recorded;
}

/** Log text each executor "wrote", for logs.read. */
export function fixtureLog(executorId: string, stream: string): string {
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) lines.push(`${new Date(1_700_000_000_000 + i * 1000).toISOString()} INFO executor ${executorId} ${stream}: finished task ${i} in stage 0`);
  lines.push(`ERROR task 3 failed: parse failure in record 17`);
  return `${lines.join('\n')}\n`;
}

export async function startUiFixture(opts: UiFixtureOptions = {}): Promise<UiFixture> {
  const queries = new InMemoryFlintQueries({
    readLog: async (r) => {
      const buf = Buffer.from(fixtureLog(r.executorId, r.stream));
      const start = r.offset < 0 ? Math.max(0, buf.length + r.offset) : Math.min(r.offset, buf.length);
      const end = Math.min(buf.length, start + r.length);
      return { data: buf.subarray(start, end).toString('utf8'), offset: start, nextOffset: end, size: buf.length, eof: end === buf.length };
    },
  });
  const recorded = fillFixture(queries, opts);
  const ui = await loadUiHandler();
  const handler = createFlintHttpHandler({ queries, secret: opts.secret ?? null, ui: (req, res) => ui.handle(req, res), isPublicUiPath: ui.isPublicPath });
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    recorded,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await ui.close();
    },
  };
}
