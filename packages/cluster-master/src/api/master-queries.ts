import type {
  AppDetail,
  AppSummary,
  ChangeRecord,
  ClusterOverview,
  ExecutorSummary,
  FlintQueries,
  JobDetail,
  JobState,
  JobSummary,
  ListAppsQuery,
  ListTasksQuery,
  LogChunk,
  LogRef,
  Page,
  QuantileField,
  Quantiles,
  ReadLogQuery,
  StageDetail,
  StageState,
  StageSummary,
  TaskCounts,
  TaskMetricValues,
  TaskRow,
  TaskTimeline,
  TaskTimelineQuery,
  WorkerDetail,
  WorkerSummary,
} from '@flint/api';
import { ApiRefusal, QUANTILE_FIELDS, TASK_METRIC_NAMES } from '@flint/api';
import type { MasterProtocol } from '@flint/core/protocol';
import {
  type AppState as StoreAppState,
  EventStoreError,
  type EventStoreReads,
  type ExecutorSummary as StoreExecutor,
  type JobSummary as StoreJob,
  type StageAttemptSummary as StoreStage,
  type TaskCounts as StoreCounts,
  type TaskRow as StoreTaskRow,
  type TaskSortKey as StoreSortKey,
} from '@flint/event-store';

type ClusterState = MasterProtocol['clusterState']['response'];

/** How long a running stage's answer (with its quantiles) is reused. */
export const RUNNING_STAGE_TTL_MS = 2_000;

export interface MasterQueriesDeps {
  mode: 'master' | 'history';
  masterId: string | null;
  version: string;
  startedAt: number;
  now?: () => number;
  /** The master's live cluster state; null in history mode. */
  clusterState: (() => Promise<ClusterState>) | null;
  /**
   * The event store's reads, when one is open (a getter: the master may open it after the
   * API starts): the master gives its read thread, so no query runs on its event loop.
   */
  events: () => EventStoreReads | null;
  readLog?: (q: ReadLogQuery) => Promise<LogChunk>;
  killApp?: (appId: string, reason: string) => Promise<{ killed: boolean; message: string }>;
  cancelJob?: (appId: string, jobId: number) => Promise<{ cancelled: boolean; message: string }>;
}

/**
 * `FlintQueries` for the master and for `flint history`: cluster data
 * (workers, applications' cluster state, executors per worker) from the
 * master's event loop, everything an application did from the event store,
 * translated into the API's shapes. Holds no data of its own; every call
 * reads its sources afresh. Safe to call concurrently.
 */
export class MasterFlintQueries implements FlintQueries {
  readonly mode: 'master' | 'history';
  private readonly now: () => number;

  constructor(private readonly deps: MasterQueriesDeps) {
    this.mode = deps.mode;
    this.now = deps.now ?? Date.now;
  }

  private async cluster(): Promise<ClusterState | null> {
    if (!this.deps.clusterState) return null;
    try {
      return await this.deps.clusterState();
    } catch (err) {
      throw new ApiRefusal('UNAVAILABLE', `the master cannot answer now: ${(err as Error).message}`);
    }
  }

  private store(): EventStoreReads | null {
    const s = this.deps.events();
    return s && !s.isClosed ? s : null;
  }

  /** Runs a store read, turning its input errors into 400s and a closed store into 503. */
  private async read<T>(fn: (s: EventStoreReads) => Promise<T> | T, empty: T): Promise<T> {
    const s = this.store();
    if (!s) return empty;
    try {
      return await fn(s);
    } catch (err) {
      if (err instanceof EventStoreError && err.code === 'INVALID_INPUT') throw new ApiRefusal('BAD_REQUEST', err.message);
      if (err instanceof EventStoreError && err.code === 'CLOSED') throw new ApiRefusal('UNAVAILABLE', 'the event store is closed (the server is stopping)');
      throw err;
    }
  }

  async overview(): Promise<ClusterOverview> {
    const c = await this.cluster();
    const workers = c?.workers ?? [];
    const alive = workers.filter((w) => w.state === 'ALIVE');
    let apps: Array<{ state: string }> = c?.applications ?? [];
    if (!c) apps = await this.read(async (s): Promise<Array<{ state: string }>> => (await s.listApps({ limit: 500 })).items, []);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      mode: this.mode,
      masterId: this.deps.masterId,
      version: this.deps.version,
      startedAt: this.deps.startedAt,
      uptimeMs: this.now() - this.deps.startedAt,
      workers: { alive: alive.length, dead: workers.filter((w) => w.state === 'DEAD').length, unknown: workers.filter((w) => w.state === 'UNKNOWN').length },
      cores: { total: sum(alive.map((w) => w.cores)), used: sum(alive.map((w) => w.coresUsed)) },
      memoryMb: { total: sum(alive.map((w) => w.memoryMb)), used: sum(alive.map((w) => w.memoryUsedMb)) },
      applications: {
        waiting: apps.filter((a) => a.state === 'WAITING').length,
        running: apps.filter((a) => a.state === 'RUNNING').length,
        finished: apps.filter((a) => a.state !== 'WAITING' && a.state !== 'RUNNING').length,
      },
    };
  }

  async listWorkers(): Promise<WorkerSummary[]> {
    const c = await this.cluster();
    return (c?.workers ?? []).map(workerSummary);
  }

  async getWorker(workerId: string): Promise<WorkerDetail | null> {
    const c = await this.cluster();
    const w = c?.workers.find((x) => x.workerId === workerId);
    if (!c || !w) return null;
    return {
      ...workerSummary(w),
      executors: c.executors
        .filter((e) => e.workerId === workerId)
        .map((e) => ({ appId: e.appId, executorId: e.executorId, cores: e.cores, memoryMb: e.memoryMb, state: e.state, exitCode: e.exitCode, message: e.message, logs: logRefs(workerId, e.appId, e.executorId) })),
    };
  }

  async listApps(q: ListAppsQuery): Promise<Page<AppSummary>> {
    const c = await this.cluster();
    if (c) {
      // The master's own application table is the list; offsets page it.
      const now = this.now();
      const all = c.applications
        .map(
          (a): AppSummary => ({ appId: a.appId, name: a.name, state: a.state, user: a.user, startTime: a.startTime, endTime: a.endTime, durationMs: (a.endTime ?? now) - a.startTime, cores: a.cores, endReason: a.endReason }),
        )
        .filter((a) => matchesState(a.state, q.state))
        .sort((a, b) => b.startTime - a.startTime || (a.appId < b.appId ? 1 : -1));
      const from = q.cursor ? Number(q.cursor) : 0;
      if (!Number.isSafeInteger(from) || from < 0) throw new ApiRefusal('BAD_REQUEST', `bad cursor ${JSON.stringify(q.cursor)}: pass back a nextCursor this API gave`);
      return { items: all.slice(from, from + q.limit), nextCursor: from + q.limit < all.length ? String(from + q.limit) : null, total: all.length };
    }
    return this.read(
      async (s) => {
        const state = q.state === undefined || q.state === 'active' || q.state === 'ended' || q.state === 'WAITING' ? undefined : (q.state as StoreAppState);
        if (q.state === 'WAITING') return { items: [], nextCursor: null };
        // 'active'/'ended' filter after reading; a short page can still have a next one.
        const p = await s.listApps({ state, cursor: q.cursor ?? null, limit: Math.min(q.limit, 500) });
        return { items: p.items.map((a) => storeAppSummary(a, this.now())).filter((a) => matchesState(a.state, q.state)), nextCursor: p.nextCursor };
      },
      { items: [], nextCursor: null },
    );
  }

  async getApp(appId: string): Promise<AppDetail | null> {
    const c = await this.cluster();
    const live = c?.applications.find((a) => a.appId === appId);
    const stored = await this.read((s) => s.getApp(appId), null);
    if (!live && !stored) return null;
    const now = this.now();
    const base: AppSummary = live
      ? { appId, name: live.name, state: live.state, user: live.user, startTime: live.startTime, endTime: live.endTime, durationMs: (live.endTime ?? now) - live.startTime, cores: live.cores, endReason: live.endReason }
      : { ...storeAppSummary(stored!, now), endReason: stored!.endReason };
    return {
      ...base,
      conf: stored?.conf ?? {},
      master: stored?.master ?? '',
      droppedEvents: stored?.droppedEvents ?? 0,
      jobs: stored?.jobs ?? { total: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 },
      executors: stored?.executors ?? { total: 0, active: 0 },
    };
  }

  async killApp(appId: string, reason: string): Promise<{ killed: boolean; message: string }> {
    if (this.mode === 'history' || !this.deps.killApp) throw new ApiRefusal('PRECONDITION_FAILED', `cannot kill ${appId}: this server shows history and has no cluster; kill it on its master`);
    return this.deps.killApp(appId, reason);
  }

  async listJobs(appId: string): Promise<JobSummary[]> {
    const jobs = await this.read((s) => s.listJobs(appId), []);
    return jobs.map((j) => jobSummary(j, this.now())).sort((a, b) => a.jobId - b.jobId);
  }

  async getJob(appId: string, jobId: number): Promise<JobDetail | null> {
    const j = await this.read((s) => s.getJob(appId, jobId), null);
    if (!j) return null;
    return {
      ...jobSummary(j, this.now()),
      stages: j.stages.map((s) => ({ stageId: s.stageId, attempt: s.attempt, name: s.name, kind: s.kind, parentIds: s.parentIds, numTasks: s.numTasks, state: s.state })),
    };
  }

  async cancelJob(appId: string, jobId: number): Promise<{ cancelled: boolean; message: string }> {
    if (this.mode === 'history' || !this.deps.cancelJob) throw new ApiRefusal('PRECONDITION_FAILED', `cannot cancel job ${jobId} of ${appId}: this server shows history and reaches no driver`);
    return this.deps.cancelJob(appId, jobId);
  }

  async listStages(appId: string, jobId?: number): Promise<StageSummary[]> {
    const rows = await this.read((s) => s.listStages(appId, jobId), []);
    return rows.map(stageSummary).sort((a, b) => a.stageId - b.stageId || a.attempt - b.attempt);
  }

  /**
   * Quantiles of a running stage are recomputed from its task rows on every store call
   * (seconds at 100,000 tasks, on the master's thread): answers for running stages are
   * reused for RUNNING_STAGE_TTL_MS, so many open pages cost one computation.
   */
  private readonly runningStages = new Map<string, { at: number; detail: StageDetail }>();

  async getStage(appId: string, stageId: number, attempt: number): Promise<StageDetail | null> {
    const k = `${appId}\u0000${stageId}\u0000${attempt}`;
    const hit = this.runningStages.get(k);
    if (hit && this.now() - hit.at < RUNNING_STAGE_TTL_MS) return hit.detail;
    const detail = await this.readStage(appId, stageId, attempt);
    if (detail && !detail.quantilesExact) {
      if (this.runningStages.size >= 64) this.runningStages.delete(this.runningStages.keys().next().value!);
      this.runningStages.set(k, { at: this.now(), detail });
    } else this.runningStages.delete(k);
    return detail;
  }

  private async readStage(appId: string, stageId: number, attempt: number): Promise<StageDetail | null> {
    const d = await this.read((s) => s.getStage(appId, stageId, attempt), null);
    if (!d) return null;
    const quantiles = {} as Record<QuantileField, Quantiles | null>;
    for (const f of QUANTILE_FIELDS) {
      const q = d.quantiles.metrics[f];
      quantiles[f] = q ? { min: q.min, p25: q.p25, median: q.p50, p75: q.p75, p95: q.p95, max: q.max } : null;
    }
    return {
      ...stageSummary(d),
      rdds: d.rddGraph.nodes.map((r) => ({ rddId: r.id, name: r.name, scope: r.scope, parentIds: r.parentIds, numPartitions: r.numPartitions, storageLevel: r.storageLevel })),
      executors: d.executors.map((e) => ({
        executorId: e.executorId,
        host: e.host,
        tasks: counts(e.taskCounts),
        durationMs: e.duration,
        inputBytes: e.inputBytes,
        shuffleReadBytes: e.shuffleReadBytes,
        shuffleWriteBytes: e.shuffleWriteBytes,
        memoryBytesSpilled: e.memoryBytesSpilled,
        diskBytesSpilled: e.diskBytesSpilled,
        gcTime: e.gcTime,
      })),
      quantiles,
      quantilesExact: d.quantiles.final,
      quantileTaskCount: d.quantiles.count,
    };
  }

  async listTasks(q: ListTasksQuery): Promise<Page<TaskRow>> {
    const p = await this.read(
      (s) =>
        s.listTasks({
          appId: q.appId,
          stageId: q.stageId,
          attempt: q.attempt,
          sortBy: q.sortBy as StoreSortKey,
          desc: q.desc,
          status: q.status ? (q.status.toUpperCase() as StoreTaskRow['status']) : undefined,
          executorId: q.executorId,
          cursor: q.cursor ?? null,
          limit: q.limit,
        }),
      null,
    );
    if (!p) return { items: [], nextCursor: null, total: 0 };
    return { items: p.items.map(taskRow), nextCursor: p.nextCursor, total: p.total };
  }

  async taskTimeline(q: TaskTimelineQuery): Promise<TaskTimeline> {
    const t = await this.read((s) => s.stageTimeline({ appId: q.appId, stageId: q.stageId, attempt: q.attempt, afterTaskId: q.afterTaskId ?? null, limit: q.limit }), null);
    if (!t) {
      const none: TaskTimeline = { executors: [], taskId: [], index: [], attempt: [], executor: [], slot: [], status: [], launchTime: [], finishTime: [], executorReceivedTime: [], deserializeEndTime: [], computeEndTime: [], shuffleWriteEndTime: [], resultSerializedTime: [], shuffleFetchWaitTime: [], inputBytes: [], inputRecords: [], shuffleReadRecords: [], nextAfterTaskId: null };
      return none;
    }
    const status = t.status.map((x) => x.toLowerCase() as TaskRow['status']);
    return { ...t, status };
  }

  async listExecutors(appId: string): Promise<ExecutorSummary[]> {
    const rows = await this.read((s) => s.listExecutors(appId), []);
    return rows.map((e) => executorSummary(appId, e));
  }

  async getExecutor(appId: string, executorId: string): Promise<ExecutorSummary | null> {
    const e = await this.read((s) => s.getExecutor(appId, executorId), null);
    return e ? executorSummary(appId, e) : null;
  }

  async readLog(q: ReadLogQuery): Promise<LogChunk> {
    if (this.mode === 'history' || !this.deps.readLog) throw new ApiRefusal('PRECONDITION_FAILED', 'this server shows history and reaches no worker: read executor logs through the master that ran them');
    return this.deps.readLog(q);
  }

  async changesSince(q: { appId?: string; cursor: number; limit: number }): Promise<ChangeRecord[]> {
    const rows = await this.read((s) => s.changesSince(q), []);
    return rows.map((r) => ({
      cursor: r.cursor,
      appId: r.appId,
      kind: r.kind === 'appState' ? 'app' : 'events',
      time: r.time,
      appChanged: r.appChanged,
      jobIds: r.jobIds,
      stageIds: r.stageIds,
      executorIds: r.executorIds,
      tasksStarted: r.tasksStarted,
      tasksEnded: r.tasksEnded,
    }));
  }

  async latestCursor(): Promise<number> {
    return this.read((s) => s.latestCursor(), 0);
  }
}

function matchesState(state: string, want: ListAppsQuery['state']): boolean {
  if (!want) return true;
  const active = state === 'WAITING' || state === 'RUNNING';
  if (want === 'active') return active;
  if (want === 'ended') return !active;
  return state === want;
}

function workerSummary(w: ClusterState['workers'][number]): WorkerSummary {
  return { workerId: w.workerId, host: w.host, address: w.address, state: w.state, cores: w.cores, coresUsed: w.coresUsed, memoryMb: w.memoryMb, memoryUsedMb: w.memoryUsedMb, lastHeartbeat: w.lastHeartbeat, webPort: w.webPort ?? null };
}

function logRefs(workerId: string, appId: string, executorId: string): LogRef[] {
  return (['stdout', 'stderr'] as const).map((stream) => ({ workerId, appId, executorId, stream }));
}

function storeAppSummary(a: { appId: string; name: string; state: StoreAppState; user: string; startTime: number | null; endTime: number | null; durationMs: number | null }, now: number): AppSummary {
  const start = a.startTime ?? 0;
  return { appId: a.appId, name: a.name, state: a.state, user: a.user, startTime: start, endTime: a.endTime, durationMs: a.durationMs ?? (a.endTime ?? now) - start, cores: 0, endReason: null };
}

function counts(c: StoreCounts): TaskCounts {
  return { total: c.total, running: c.running, succeeded: c.success, failed: c.failed, killed: c.killed };
}

function jobSummary(j: StoreJob, now: number): JobSummary {
  return {
    jobId: j.jobId,
    description: j.description,
    state: j.state.toLowerCase() as JobState,
    submissionTime: j.submissionTime,
    completionTime: j.completionTime,
    durationMs: j.durationMs ?? now - j.submissionTime,
    stageIds: j.stageIds,
    jobGroup: j.jobGroup,
    traceId: j.traceId,
    error: j.error,
    tasks: counts(j.taskCounts),
  };
}

function stageSummary(s: StoreStage): StageSummary {
  const t = s.totals;
  return {
    stageId: s.stageId,
    attempt: s.attempt,
    jobIds: s.jobIds,
    name: s.name,
    kind: s.kind,
    numTasks: s.numTasks,
    state: s.state.toLowerCase() as StageState,
    submissionTime: s.submissionTime,
    completionTime: s.completionTime,
    failureReason: s.failureReason,
    tasks: counts(s.taskCounts),
    totals: {
      durationMs: t.duration,
      executorRunTime: t.executorRunTime,
      executorCpuTime: t.executorCpuTime,
      gcTime: t.gcTime,
      inputBytes: t.inputBytes,
      inputRecords: t.inputRecords,
      outputBytes: t.outputBytes,
      outputRecords: t.outputRecords,
      shuffleReadBytes: t.shuffleReadBytes,
      shuffleReadRecords: t.shuffleReadRecords,
      shuffleWriteBytes: t.shuffleWriteBytes,
      shuffleWriteRecords: t.shuffleWriteRecords,
      memoryBytesSpilled: t.memoryBytesSpilled,
      diskBytesSpilled: t.diskBytesSpilled,
    },
  };
}

function taskRow(r: StoreTaskRow): TaskRow {
  let metrics: TaskMetricValues | null = null;
  if (r.metrics) {
    metrics = {} as TaskMetricValues;
    for (const k of TASK_METRIC_NAMES) metrics[k] = r.metrics[k] ?? 0;
  }
  const p = r.phases;
  return {
    taskId: r.taskId,
    index: r.index,
    attempt: r.attempt,
    status: r.status.toLowerCase() as TaskRow['status'],
    executorId: r.executorId,
    host: r.host,
    slot: r.slot,
    locality: r.locality,
    speculative: r.speculative,
    launchTime: r.launchTime,
    finishTime: r.finishTime,
    durationMs: r.duration,
    failureReason: r.failureMessage ?? r.failureKind,
    metrics,
    phases: r.metrics
      ? { schedulerDelay: p.schedulerDelay, deserialize: p.deserialize, shuffleReadWait: p.shuffleReadWait, compute: p.compute, shuffleWrite: p.shuffleWrite, resultSerialize: p.resultSerialize, resultFetch: p.resultFetch }
      : null,
  };
}

function executorSummary(appId: string, e: StoreExecutor): ExecutorSummary {
  const t = e.totals;
  return {
    executorId: e.executorId,
    host: e.host,
    workerId: e.workerId,
    cores: e.cores,
    addedTime: e.addedTime ?? 0,
    removedTime: e.removedTime,
    removedReason: e.removalReason,
    active: e.active,
    tasks: { completed: t.succeededTasks, failed: t.failedTasks + t.killedTasks, active: t.activeTasks },
    totals: { durationMs: t.duration, gcTime: t.gcTime, shuffleReadBytes: t.shuffleReadBytes, shuffleWriteBytes: t.shuffleWriteBytes, inputBytes: t.inputBytes },
    logs: e.workerId ? logRefs(e.workerId, appId, e.executorId) : [],
  };
}
