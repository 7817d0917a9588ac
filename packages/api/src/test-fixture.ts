/** A made-up application for the API's unit tests: two jobs, three stages, seeded metrics. Not exported. */
import { type EventLike, InMemoryFlintQueries, type MetricsLike, type StageInfoLike } from './in-memory-queries.ts';
import { TASK_METRIC_NAMES } from './queries.ts';

export const APP = 'app-20261205000000-0000';

export interface FixtureTask {
  stageId: number;
  taskId: number;
  index: number;
  executorId: string;
  launchTime: number;
  finishTime: number;
  status: 'success' | 'failed';
  metrics: MetricsLike;
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function stageInfo(stageId: number, numTasks: number, parentIds: number[], kind: 'shuffleMap' | 'result'): StageInfoLike {
  return {
    stageId,
    attempt: 0,
    name: `stage ${stageId}`,
    numTasks,
    parentIds,
    kind,
    rddInfos: [
      { id: stageId * 10, name: `rdd ${stageId * 10}`, scope: 'map', parentIds: [], numPartitions: numTasks, storageLevel: 'NONE' },
      { id: stageId * 10 + 1, name: `rdd ${stageId * 10 + 1}`, scope: 'reduceByKey', parentIds: [stageId * 10], numPartitions: numTasks, storageLevel: 'NONE' },
    ],
    submissionTime: null,
    completionTime: null,
    failureReason: null,
  };
}

/**
 * Records: app start, executors 0 and 1, job 0 (stages 0 → 1, 1 fails one task),
 * job 1 (stage 2, still running with `running` tasks unfinished).
 */
export function buildFixture(opts: { tasksPerStage?: number; running?: number; seed?: number } = {}): { q: InMemoryFlintQueries; tasks: FixtureTask[]; events: EventLike[] } {
  const n = opts.tasksPerStage ?? 40;
  const running = opts.running ?? 3;
  const rand = rng(opts.seed ?? 7);
  const q = new InMemoryFlintQueries({ now: () => 2_000_000 });
  const events: EventLike[] = [];
  const tasks: FixtureTask[] = [];
  const rec = (e: EventLike) => {
    events.push(e);
    q.record(APP, e);
  };
  rec({ type: 'applicationStart', time: 1_000_000, appId: APP, appName: 'fixture', master: 'flint://127.0.0.1:7077', user: 'test', conf: { 'flint.app.name': 'fixture' } });
  rec({ type: 'executorAdded', time: 1_000_010, executorId: '0', host: 'h0', totalCores: 2, workerId: 'worker-a' });
  rec({ type: 'executorAdded', time: 1_000_020, executorId: '1', host: 'h1', totalCores: 2, workerId: 'worker-b' });
  const s0 = stageInfo(0, n, [], 'shuffleMap');
  const s1 = stageInfo(1, n, [0], 'result');
  const s2 = stageInfo(2, n, [], 'result');
  let taskId = 0;
  let clock = 1_001_000;
  const runStage = (si: StageInfoLike, finished: number, failOne: boolean) => {
    rec({ type: 'stageSubmitted', time: clock, stageInfo: { ...si, submissionTime: clock } });
    for (let i = 0; i < n; i++) {
      const id = taskId++;
      const launch = clock + Math.floor(rand() * 1000);
      const executorId = String(i % 2);
      const info = { taskId: id, index: i, attempt: 0, launchTime: launch, finishTime: null, executorId, host: `h${executorId}`, slot: i % 2, locality: 'PROCESS_LOCAL', speculative: false };
      rec({ type: 'taskStart', time: launch, stageId: si.stageId, stageAttempt: 0, taskInfo: info });
      if (i >= finished) continue;
      const m = {} as MetricsLike;
      for (const k of TASK_METRIC_NAMES) m[k] = Math.floor(rand() * 10_000);
      const received = launch + 1 + Math.floor(rand() * 20);
      m.executorReceivedTime = received;
      m.deserializeEndTime = received + Math.floor(rand() * 10);
      m.computeEndTime = m.deserializeEndTime + Math.floor(rand() * 500);
      m.shuffleWriteEndTime = m.computeEndTime + Math.floor(rand() * 50);
      m.resultSerializedTime = m.shuffleWriteEndTime + Math.floor(rand() * 5);
      const finish = m.resultSerializedTime + Math.floor(rand() * 30);
      const failed = failOne && i === 3;
      rec({
        type: 'taskEnd',
        time: finish,
        stageId: si.stageId,
        stageAttempt: 0,
        reason: failed ? { kind: 'exception', message: 'boom' } : { kind: 'success' },
        taskInfo: { ...info, finishTime: finish },
        metrics: m,
      });
      tasks.push({ stageId: si.stageId, taskId: id, index: i, executorId, launchTime: launch, finishTime: finish, status: failed ? 'failed' : 'success', metrics: m });
    }
    clock += 2000;
    if (finished === n) rec({ type: 'stageCompleted', time: clock, stageInfo: { ...si, submissionTime: clock - 2000, completionTime: clock } });
  };
  rec({ type: 'jobStart', time: clock, jobId: 0, description: 'count at fixture', stageIds: [0, 1], stageInfos: [s0, s1], jobGroup: 'g', traceId: 'a'.repeat(32) });
  runStage(s0, n, false);
  runStage(s1, n, true);
  rec({ type: 'jobEnd', time: clock, jobId: 0, result: { status: 'succeeded' } });
  rec({ type: 'jobStart', time: clock, jobId: 1, description: 'collect at fixture', stageIds: [2], stageInfos: [s2] });
  runStage(s2, n - running, false);
  rec({ type: 'executorRemoved', time: clock, executorId: '1', reason: 'killed by the test' });
  return { q, tasks, events };
}
