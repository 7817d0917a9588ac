import type { FlintEvent, RddInfo, StageInfo, TaskInfo, TaskMetrics } from '@flint/core';

/**
 * Listener events of a made-up application, as a driver would post them, for
 * the store's tests and benchmarks (deterministic for a seed). The `full` shape
 * has three executors (one removed midway), a job over two shuffles with
 * failed and retried tasks and a fetch failure that resubmits a stage, a job
 * that reuses a shuffle (skipped stages) and fails, a cancelled job with killed
 * tasks, cached blocks and an unpersist. The `oneStage` shape is one job of
 * one result stage of `tasks` successful tasks (benchmarks).
 */
export interface SyntheticApplicationOptions {
  appId?: string;
  seed?: number;
  /** Tasks per stage of the first job (full), or of the one stage (oneStage). */
  tasks?: number;
  shape?: 'full' | 'oneStage';
  startTime?: number;
}

export function syntheticApplication(opts: SyntheticApplicationOptions = {}): FlintEvent[] {
  const g = new Generator(opts.seed ?? 1, opts.startTime ?? 1_760_000_000_000);
  const appId = opts.appId ?? 'app-synthetic';
  return opts.shape === 'oneStage' ? g.oneStage(appId, opts.tasks ?? 1000) : g.full(appId, opts.tasks ?? 8);
}

/** A task-end event with plausible metrics (benchmarks build millions of these). */
export function syntheticTaskEnd(taskId: number, stageId: number, index: number, launchTime: number, seed = taskId): FlintEvent {
  const g = new Generator(seed, launchTime);
  const info = g.taskInfo(taskId, index, 0, 'exec-1', launchTime);
  return g.taskEnd(stageId, 0, 'result', info, { kind: 'success' });
}

class Generator {
  private taskSeq = 0;
  constructor(
    private seed: number,
    private t: number,
  ) {}

  rand(): number {
    // mulberry32
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let x = this.seed;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.rand() * max);
  }
  tick(ms = 1 + this.int(5)): number {
    this.t += ms;
    return this.t;
  }

  rdd(id: number, scope: string, parentIds: number[], numPartitions: number): RddInfo {
    return { id, name: `${scope}#${id}`, scope, parentIds, numPartitions, storageLevel: 'NONE' } as RddInfo;
  }

  stage(stageId: number, attempt: number, kind: 'shuffleMap' | 'result', numTasks: number, parentIds: number[], rddInfos: RddInfo[], shuffleId: number | null): StageInfo {
    return { stageId, attempt, name: `${kind === 'result' ? 'collect' : 'reduceByKey'} at stage ${stageId}`, numTasks, parentIds, rddInfos, kind, shuffleId, submissionTime: null, completionTime: null, failureReason: null };
  }

  taskInfo(taskId: number, index: number, attempt: number, executorId: string, launchTime: number): TaskInfo {
    return { taskId, index, attempt, launchTime, finishTime: null, executorId, host: `host-${executorId}`, slot: this.int(2), locality: this.rand() < 0.5 ? 'PROCESS_LOCAL' : 'ANY', speculative: false };
  }

  metrics(launch: number, kind: 'shuffleMap' | 'result'): { m: TaskMetrics; finish: number } {
    const received = launch + this.int(6);
    const deser = received + this.int(4);
    const wait = this.int(3);
    const computeEnd = deser + wait + 2 + this.int(40);
    const writeEnd = kind === 'shuffleMap' ? computeEnd + this.int(8) : computeEnd;
    const serialized = writeEnd + this.int(3);
    const finish = serialized + this.int(5);
    const big = () => this.int(5_000_000) + (this.rand() < 0.05 ? 3_000_000_000 : 0);
    const m: TaskMetrics = {
      executorDeserializeTime: deser - received,
      executorRunTime: computeEnd - deser,
      executorCpuTime: this.int(30),
      resultSize: this.int(10_000),
      resultSerializationTime: serialized - writeEnd,
      gcTime: this.int(4),
      peakExecutionMemory: big(),
      memoryBytesSpilled: this.rand() < 0.2 ? big() : 0,
      diskBytesSpilled: this.rand() < 0.2 ? this.int(1_000_000) : 0,
      inputBytes: big(),
      inputRecords: this.int(100_000),
      outputBytes: this.int(1000),
      outputRecords: this.int(100),
      shuffleReadRemoteBytes: this.int(1_000_000),
      shuffleReadLocalBytes: this.int(1_000_000),
      shuffleReadRecords: this.int(50_000),
      shuffleReadRemoteBlocks: this.int(8),
      shuffleReadLocalBlocks: this.int(8),
      shuffleFetchWaitTime: wait,
      shuffleWriteBytes: kind === 'shuffleMap' ? this.int(2_000_000) : 0,
      shuffleWriteRecords: kind === 'shuffleMap' ? this.int(60_000) : 0,
      shuffleWriteTime: writeEnd - computeEnd,
      executorReceivedTime: received,
      deserializeEndTime: deser,
      computeEndTime: computeEnd,
      shuffleWriteEndTime: writeEnd,
      resultSerializedTime: serialized,
    };
    // A few tasks without phase timestamps (an older executor): their phases are null.
    if (this.rand() < 0.05) m.executorReceivedTime = 0;
    return { m, finish };
  }

  taskEnd(stageId: number, stageAttempt: number, kind: 'shuffleMap' | 'result', info: TaskInfo, reason: Extract<FlintEvent, { type: 'taskEnd' }>['reason']): FlintEvent {
    const { m, finish } = this.metrics(info.launchTime, kind);
    const withMetrics = reason.kind === 'success' || reason.kind === 'exception' ? m : null;
    return { type: 'taskEnd', time: finish, stageId, stageAttempt, taskType: kind, reason, taskInfo: { ...info, finishTime: finish }, metrics: withMetrics };
  }

  /** Runs a stage attempt: start/end events for each partition in `partitions`; failures as `fail` says. */
  runStage(
    out: FlintEvent[],
    si: StageInfo,
    partitions: number[],
    executors: string[],
    fail: (index: number, attempt: number) => Extract<FlintEvent, { type: 'taskEnd' }>['reason'] | null,
    maxAttempts = 3,
  ): boolean {
    out.push({ type: 'stageSubmitted', time: this.tick(), stageInfo: { ...si, submissionTime: this.t } });
    const submitted = this.t;
    let ok = true;
    for (const index of partitions) {
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const info = this.taskInfo(this.taskSeq++, index, attempt, executors[(index + attempt) % executors.length], this.tick());
        out.push({ type: 'taskStart', time: info.launchTime, stageId: si.stageId, stageAttempt: si.attempt, taskInfo: info });
        const reason = fail(index, attempt) ?? { kind: 'success' as const };
        const end = this.taskEnd(si.stageId, si.attempt, si.kind, info, reason);
        out.push(end);
        this.t = Math.max(this.t, end.time);
        if (reason.kind === 'success') break;
        if (reason.kind === 'fetchFailed' || attempt === maxAttempts - 1) {
          ok = false;
          break;
        }
      }
      if (!ok) break;
    }
    out.push({
      type: 'stageCompleted',
      time: this.tick(),
      stageInfo: { ...si, submissionTime: submitted, completionTime: this.t, failureReason: ok ? null : 'a task of the stage failed' },
    });
    return ok;
  }

  full(appId: string, n: number): FlintEvent[] {
    const out: FlintEvent[] = [];
    const range = (k: number) => Array.from({ length: k }, (_, i) => i);
    // An executor before the application starts (the store must create the app row).
    out.push({ type: 'executorAdded', time: this.tick(), executorId: 'exec-1', host: 'host-exec-1', totalCores: 2, logUrls: { stdout: 'log://1/stdout' }, address: '127.0.0.1:4001', pid: 1001, workerId: 'worker-a' });
    out.push({
      type: 'applicationStart',
      time: this.tick(),
      appId,
      appName: 'synthetic',
      master: 'flint://127.0.0.1:7077',
      user: 'tester',
      conf: { 'flint.task.maxFailures': 3, 'flint.authenticate.secret': 's3cr3t', 'db.Password': 'pw', 'api.token': 'tok', 'flint.app.name': 'synthetic' },
    });
    out.push({ type: 'executorAdded', time: this.tick(), executorId: 'exec-2', host: 'host-exec-2', totalCores: 2, logUrls: {}, address: '127.0.0.1:4002', pid: 1002, workerId: 'worker-b' });
    out.push({ type: 'executorAdded', time: this.tick(), executorId: 'exec-3', host: 'host-exec-3', totalCores: 1, logUrls: {}, address: '127.0.0.1:4003', pid: 1003, workerId: 'worker-a' });
    const ex = ['exec-1', 'exec-2', 'exec-3'];

    // Job 0: textFile → map → reduceByKey → map → groupByKey → collect (two shuffles).
    const r0 = [this.rdd(0, 'textFile', [], n), this.rdd(1, 'map', [0], n)];
    const r1 = [this.rdd(2, 'reduceByKey', [1], n), this.rdd(3, 'map', [2], n)];
    const r2 = [this.rdd(4, 'groupByKey', [3], n), this.rdd(5, 'collect', [4], n)];
    const s0 = this.stage(0, 0, 'shuffleMap', n, [], r0, 0);
    const s1 = this.stage(1, 0, 'shuffleMap', n, [0], r1, 1);
    const s2 = this.stage(2, 0, 'result', n, [1], r2, null);
    out.push({ type: 'jobStart', time: this.tick(), jobId: 0, description: 'collect at synthetic.ts:10', stageIds: [0, 1, 2], stageInfos: [s0, s1, s2], jobGroup: 'etl', traceId: '0af7651916cd43dd8448eb211c80319c' });
    // Stage 0: partition 1 fails once with an exception, then succeeds.
    this.runStage(out, s0, range(n), ex, (i, a) => (i === 1 && a === 0 ? { kind: 'exception', className: 'Error', message: 'boom in map', stack: 'Error: boom', fnMethod: 'map', fnSource: null } : null));
    // Stage 1 attempt 0 all good.
    this.runStage(out, s1, range(n), ex, () => null);
    // exec-3 is lost; stage 2 attempt 0 hits a fetch failure on partition 2.
    out.push({ type: 'executorRemoved', time: this.tick(), executorId: 'exec-3', reason: 'worker lost: heartbeat timed out' });
    const ex2 = ['exec-1', 'exec-2'];
    this.runStage(out, s2, range(n), ex2, (i) => (i === 2 ? { kind: 'fetchFailed', shuffleId: 1, mapId: 0, executorId: 'exec-3', reduceId: 2, message: 'fetch from exec-3 failed' } : null));
    // Stage 1 attempt 1 recomputes the lost map outputs, then stage 2 attempt 1.
    this.runStage(out, { ...s1, attempt: 1, numTasks: 2 }, [0, 3], ex2, () => null);
    this.runStage(out, { ...s2, attempt: 1 }, range(n), ex2, () => null);
    out.push({ type: 'jobEnd', time: this.tick(), jobId: 0, result: { status: 'succeeded' } });

    out.push({ type: 'blockUpdated', time: this.tick(), executorId: 'exec-1', blockId: 'rdd_3_0', rddId: 3, storageLevel: 'MEMORY_ONLY', memSize: 1000, diskSize: 0 } as FlintEvent);
    out.push({ type: 'blockUpdated', time: this.tick(), executorId: 'exec-2', blockId: 'rdd_3_1', rddId: 3, storageLevel: 'MEMORY_ONLY', memSize: 2000, diskSize: 0 } as FlintEvent);
    out.push({ type: 'blockUpdated', time: this.tick(), executorId: 'exec-2', blockId: 'rdd_1_0', rddId: 1, storageLevel: 'MEMORY_AND_DISK', memSize: 0, diskSize: 500 } as FlintEvent);

    // Job 1 reads shuffle 1 again (stages 0 and 1 skipped); its result task fails 3 times.
    const s3 = this.stage(3, 0, 'result', 2, [1], [this.rdd(6, 'mapValues', [3], 2)], null);
    out.push({ type: 'jobStart', time: this.tick(), jobId: 1, description: 'count at synthetic.ts:20', stageIds: [0, 1, 3], stageInfos: [s0, s1, s3] });
    this.runStage(out, s3, [0, 1], ex2, (i) => (i === 1 ? { kind: 'exception', className: 'TypeError', message: 'x is undefined', stack: 'TypeError', fnMethod: 'mapValues', fnSource: null } : null));
    out.push({ type: 'jobEnd', time: this.tick(), jobId: 1, result: { status: 'failed', error: 'stage 3 failed: x is undefined' } });
    out.push({ type: 'unpersistRDD', time: this.tick(), rddId: 1 });

    // Job 2: cancelled; one task killed, one still running when the log ends.
    const s4 = this.stage(4, 0, 'result', 3, [], [this.rdd(7, 'parallelize', [], 3)], null);
    out.push({ type: 'jobStart', time: this.tick(), jobId: 2, description: 'foreach at synthetic.ts:30', stageIds: [4], stageInfos: [s4], jobGroup: 'adhoc' });
    out.push({ type: 'stageSubmitted', time: this.tick(), stageInfo: { ...s4, submissionTime: this.t } });
    const k = this.taskInfo(this.taskSeq++, 0, 0, 'exec-1', this.tick());
    out.push({ type: 'taskStart', time: k.launchTime, stageId: 4, stageAttempt: 0, taskInfo: k });
    const r = this.taskInfo(this.taskSeq++, 1, 0, 'exec-2', this.tick());
    out.push({ type: 'taskStart', time: r.launchTime, stageId: 4, stageAttempt: 0, taskInfo: r });
    out.push(this.taskEnd(4, 0, 'result', k, { kind: 'killed', reason: 'job 2 cancelled' }));
    out.push({ type: 'jobEnd', time: this.tick(100), jobId: 2, result: { status: 'cancelled', error: 'job 2 cancelled by the user' } });
    out.push({ type: 'applicationEnd', time: this.tick(), appId });
    return out;
  }

  oneStage(appId: string, n: number): FlintEvent[] {
    const out: FlintEvent[] = [];
    out.push({ type: 'applicationStart', time: this.tick(), appId, appName: 'bench', master: 'local[4]', user: 'bench', conf: {} });
    out.push({ type: 'executorAdded', time: this.tick(), executorId: 'exec-1', host: 'h', totalCores: 4, logUrls: {}, address: '', pid: null, workerId: null });
    const s = this.stage(0, 0, 'result', n, [], [this.rdd(0, 'range', [], n), this.rdd(1, 'map', [0], n)], null);
    out.push({ type: 'jobStart', time: this.tick(), jobId: 0, description: 'count', stageIds: [0], stageInfos: [s] });
    this.runStage(out, s, Array.from({ length: n }, (_, i) => i), ['exec-1'], () => null);
    out.push({ type: 'jobEnd', time: this.tick(), jobId: 0, result: { status: 'succeeded' } });
    return out;
  }
}
