/**
 * `FlintQueries` over plain objects in memory, fed with listener events (the
 * same shapes core's scheduler posts) and a cluster snapshot. For unit tests
 * of the routers and for clients' tests; not for production (it keeps every
 * task in the heap and sorts on each call). Single-threaded; every call sees
 * the events recorded before it.
 */
import {
  type AppDetail,
  type AppState,
  type AppSummary,
  ApiRefusal,
  type ChangeRecord,
  type ClusterOverview,
  type ExecutorState,
  type ExecutorSummary,
  type FlintQueries,
  type JobDetail,
  type JobState,
  type JobSummary,
  type ListAppsQuery,
  type ListTasksQuery,
  type LogChunk,
  type Page,
  QUANTILE_FIELDS,
  type QuantileField,
  type Quantiles,
  type ReadLogQuery,
  type StageDetail,
  type StageExecutorMetrics,
  type StageState,
  type StageSummary,
  TASK_METRIC_NAMES,
  TASK_PHASE_NAMES,
  type TaskMetricName,
  type TaskPhaseName,
  type TaskCounts,
  type TaskMetricValues,
  type TaskRow,
  type TaskTimeline,
  type TaskTimelineQuery,
  type TaskSortKey,
  type WorkerDetail,
  type WorkerState,
  type WorkerSummary,
  exactQuantiles,
  taskPhases,
} from './queries.ts';

/** The listener events this store understands (structurally core's FlintEvent). */
export interface RddInfoLike {
  id: number;
  name: string;
  scope: string;
  parentIds: number[];
  numPartitions: number;
  storageLevel: string;
}
export interface StageInfoLike {
  stageId: number;
  attempt: number;
  name: string;
  numTasks: number;
  parentIds: number[];
  rddInfos: RddInfoLike[];
  kind: 'shuffleMap' | 'result';
  submissionTime: number | null;
  completionTime: number | null;
  failureReason: string | null;
}
export interface TaskInfoLike {
  taskId: number;
  index: number;
  attempt: number;
  launchTime: number;
  finishTime: number | null;
  executorId: string;
  host: string;
  slot: number;
  locality: string;
  speculative: boolean;
}
export type MetricsLike = TaskMetricValues & {
  executorReceivedTime: number;
  deserializeEndTime: number;
  computeEndTime: number;
  shuffleWriteEndTime: number;
  resultSerializedTime: number;
};
export type EventLike =
  | { type: 'applicationStart'; time: number; appId: string; appName: string; master: string; user: string; conf: Record<string, unknown> }
  | { type: 'applicationEnd'; time: number; appId: string }
  | { type: 'jobStart'; time: number; jobId: number; description: string; stageIds: number[]; stageInfos: StageInfoLike[]; jobGroup?: string | null; traceId?: string | null }
  | { type: 'jobEnd'; time: number; jobId: number; result: { status: 'succeeded' } | { status: 'failed' | 'cancelled'; error: string } }
  | { type: 'stageSubmitted' | 'stageCompleted'; time: number; stageInfo: StageInfoLike }
  | { type: 'taskStart'; time: number; stageId: number; stageAttempt: number; taskInfo: TaskInfoLike }
  | { type: 'taskEnd'; time: number; stageId: number; stageAttempt: number; reason: { kind: string; message?: string }; taskInfo: TaskInfoLike; metrics: MetricsLike | null }
  | { type: 'executorAdded'; time: number; executorId: string; host: string; totalCores: number; workerId: string | null }
  | { type: 'executorRemoved'; time: number; executorId: string; reason: string };

export interface ClusterSnapshotLike {
  masterId: string;
  workers: Array<Omit<WorkerSummary, 'state'> & { state: WorkerState }>;
  applications: Array<{ appId: string; name: string; state: AppState; cores: number; startTime: number; endTime: number | null; user: string; endReason: string | null }>;
  executors: Array<{ appId: string; executorId: string; workerId: string; cores: number; memoryMb: number; state: ExecutorState; exitCode: number | null; message: string | null }>;
}

interface TaskRec {
  info: TaskInfoLike;
  stageId: number;
  stageAttempt: number;
  status: TaskRow['status'];
  failureReason: string | null;
  metrics: MetricsLike | null;
}
interface StageRec {
  info: StageInfoLike;
  jobIds: number[];
  state: StageState;
  tasks: Map<number, TaskRec>;
}
interface JobRec {
  jobId: number;
  description: string;
  stageIds: number[];
  stageInfos: StageInfoLike[];
  submissionTime: number;
  completionTime: number | null;
  state: JobState;
  error: string | null;
  jobGroup: string | null;
  traceId: string | null;
}
interface AppRec {
  appId: string;
  name: string;
  user: string;
  master: string;
  conf: Record<string, unknown>;
  startTime: number;
  endTime: number | null;
  jobs: Map<number, JobRec>;
  stages: Map<string, StageRec>;
  executors: Map<string, { executorId: string; host: string; cores: number; workerId: string | null; addedTime: number; removedTime: number | null; removedReason: string | null }>;
  droppedEvents: number;
}

export interface InMemoryFlintQueriesOptions {
  mode?: 'master' | 'history';
  now?: () => number;
  /** Answers logs.read; default refuses. */
  readLog?: (q: ReadLogQuery) => Promise<LogChunk>;
  cancelJob?: (appId: string, jobId: number) => Promise<{ cancelled: boolean; message: string }>;
  killApp?: (appId: string, reason: string) => Promise<{ killed: boolean; message: string }>;
}

export class InMemoryFlintQueries implements FlintQueries {
  readonly mode: 'master' | 'history';
  private readonly apps = new Map<string, AppRec>();
  private cluster: ClusterSnapshotLike = { masterId: 'in-memory', workers: [], applications: [], executors: [] };
  private readonly changes: ChangeRecord[] = [];
  private readonly startedAt: number;
  private readonly now: () => number;

  constructor(private readonly opts: InMemoryFlintQueriesOptions = {}) {
    this.mode = opts.mode ?? 'master';
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
  }

  setCluster(snapshot: ClusterSnapshotLike): void {
    this.cluster = snapshot;
  }

  setDroppedEvents(appId: string, n: number): void {
    this.app(appId).droppedEvents = n;
    this.change({ appId, kind: 'app' });
  }

  /** Records one listener event of `appId`. */
  record(appId: string, ev: EventLike): void {
    if (ev.type === 'applicationStart') {
      this.apps.set(appId, { appId, name: ev.appName, user: ev.user, master: ev.master, conf: ev.conf, startTime: ev.time, endTime: null, jobs: new Map(), stages: new Map(), executors: new Map(), droppedEvents: 0 });
      return this.change({ appId, kind: 'app' });
    }
    const app = this.app(appId);
    switch (ev.type) {
      case 'applicationEnd':
        app.endTime = ev.time;
        return this.change({ appId, kind: 'app' });
      case 'jobStart': {
        app.jobs.set(ev.jobId, { jobId: ev.jobId, description: ev.description, stageIds: ev.stageIds, stageInfos: ev.stageInfos, submissionTime: ev.time, completionTime: null, state: 'running', error: null, jobGroup: ev.jobGroup ?? null, traceId: ev.traceId ?? null });
        for (const s of ev.stageInfos) {
          const k = `${s.stageId}:${s.attempt}`;
          const existing = app.stages.get(k);
          if (existing) existing.jobIds.push(ev.jobId);
          else app.stages.set(k, { info: s, jobIds: [ev.jobId], state: 'pending', tasks: new Map() });
        }
        return this.change({ appId, kind: 'job', jobId: ev.jobId });
      }
      case 'jobEnd': {
        const job = app.jobs.get(ev.jobId);
        if (!job) return;
        job.completionTime = ev.time;
        job.state = ev.result.status;
        job.error = 'error' in ev.result ? ev.result.error : null;
        for (const s of app.stages.values()) if (s.jobIds.includes(ev.jobId) && s.state === 'pending') s.state = 'skipped';
        return this.change({ appId, kind: 'job', jobId: ev.jobId });
      }
      case 'stageSubmitted':
      case 'stageCompleted': {
        const k = `${ev.stageInfo.stageId}:${ev.stageInfo.attempt}`;
        const s = app.stages.get(k) ?? { info: ev.stageInfo, jobIds: this.jobsOfStage(app, ev.stageInfo.stageId), state: 'pending' as StageState, tasks: new Map() };
        s.info = ev.stageInfo;
        s.state = ev.type === 'stageSubmitted' ? 'active' : ev.stageInfo.failureReason ? 'failed' : 'complete';
        app.stages.set(k, s);
        return this.change({ appId, kind: 'stage', stageId: ev.stageInfo.stageId, stageAttempt: ev.stageInfo.attempt });
      }
      case 'taskStart':
      case 'taskEnd': {
        const s = app.stages.get(`${ev.stageId}:${ev.stageAttempt}`);
        if (!s) throw new Error(`task event for unknown stage ${ev.stageId}.${ev.stageAttempt}`);
        const rec: TaskRec = { info: ev.taskInfo, stageId: ev.stageId, stageAttempt: ev.stageAttempt, status: 'running', failureReason: null, metrics: null };
        if (ev.type === 'taskEnd') {
          rec.status = ev.reason.kind === 'success' ? 'success' : ev.reason.kind === 'killed' ? 'killed' : 'failed';
          rec.failureReason = ev.reason.kind === 'success' ? null : (ev.reason.message ?? ev.reason.kind);
          rec.metrics = ev.metrics;
        }
        s.tasks.set(ev.taskInfo.taskId, rec);
        return this.change({ appId, kind: 'task', stageId: ev.stageId, stageAttempt: ev.stageAttempt, started: ev.type === 'taskStart' });
      }
      case 'executorAdded':
        app.executors.set(ev.executorId, { executorId: ev.executorId, host: ev.host, cores: ev.totalCores, workerId: ev.workerId, addedTime: ev.time, removedTime: null, removedReason: null });
        return this.change({ appId, kind: 'executor', executorId: ev.executorId });
      case 'executorRemoved': {
        const e = app.executors.get(ev.executorId);
        if (e) {
          e.removedTime = ev.time;
          e.removedReason = ev.reason;
        }
        return this.change({ appId, kind: 'executor', executorId: ev.executorId });
      }
    }
  }

  // ---- FlintQueries ----------------------------------------------------------------------

  async overview(): Promise<ClusterOverview> {
    const w = this.cluster.workers;
    const alive = w.filter((x) => x.state === 'ALIVE');
    const states = this.appSummaries().map((a) => a.state);
    return {
      mode: this.mode,
      masterId: this.mode === 'master' ? this.cluster.masterId : null,
      version: '0.1.0',
      startedAt: this.startedAt,
      uptimeMs: this.now() - this.startedAt,
      workers: { alive: alive.length, dead: w.filter((x) => x.state === 'DEAD').length, unknown: w.filter((x) => x.state === 'UNKNOWN').length },
      cores: { total: sum(alive.map((x) => x.cores)), used: sum(alive.map((x) => x.coresUsed)) },
      memoryMb: { total: sum(alive.map((x) => x.memoryMb)), used: sum(alive.map((x) => x.memoryUsedMb)) },
      applications: { waiting: states.filter((s) => s === 'WAITING').length, running: states.filter((s) => s === 'RUNNING').length, finished: states.filter((s) => s !== 'WAITING' && s !== 'RUNNING').length },
    };
  }

  async listWorkers(): Promise<WorkerSummary[]> {
    return this.cluster.workers.map((w) => ({ ...w }));
  }

  async getWorker(workerId: string): Promise<WorkerDetail | null> {
    const w = this.cluster.workers.find((x) => x.workerId === workerId);
    if (!w) return null;
    return {
      ...w,
      executors: this.cluster.executors
        .filter((e) => e.workerId === workerId)
        .map((e) => ({ appId: e.appId, executorId: e.executorId, cores: e.cores, memoryMb: e.memoryMb, state: e.state, exitCode: e.exitCode, message: e.message, logs: logRefs(workerId, e.appId, e.executorId) })),
    };
  }

  async listApps(q: ListAppsQuery): Promise<Page<AppSummary>> {
    const all = this.appSummaries()
      .filter((a) => !q.state || (q.state === 'active' ? a.state === 'WAITING' || a.state === 'RUNNING' : q.state === 'ended' ? a.state !== 'WAITING' && a.state !== 'RUNNING' : a.state === q.state))
      .sort((a, b) => b.startTime - a.startTime || (a.appId < b.appId ? 1 : -1));
    return page(all, q.cursor, q.limit);
  }

  async getApp(appId: string): Promise<AppDetail | null> {
    const summary = this.appSummaries().find((a) => a.appId === appId);
    const app = this.apps.get(appId);
    if (!summary) return null;
    const jobs = app ? [...app.jobs.values()] : [];
    const execs = app ? [...app.executors.values()] : [];
    return {
      ...summary,
      conf: app?.conf ?? {},
      master: app?.master ?? '',
      droppedEvents: app?.droppedEvents ?? 0,
      jobs: { total: jobs.length, running: jobs.filter((j) => j.state === 'running').length, succeeded: jobs.filter((j) => j.state === 'succeeded').length, failed: jobs.filter((j) => j.state === 'failed').length, cancelled: jobs.filter((j) => j.state === 'cancelled').length },
      executors: { total: execs.length, active: execs.filter((e) => e.removedTime === null).length },
    };
  }

  async killApp(appId: string, reason: string): Promise<{ killed: boolean; message: string }> {
    if (!this.opts.killApp) throw new ApiRefusal('PRECONDITION_FAILED', `cannot kill ${appId}: this server has no cluster`);
    return this.opts.killApp(appId, reason);
  }

  async listJobs(appId: string): Promise<JobSummary[]> {
    const app = this.apps.get(appId);
    if (!app) return [];
    return [...app.jobs.values()].sort((a, b) => a.jobId - b.jobId).map((j) => this.jobSummary(app, j));
  }

  async getJob(appId: string, jobId: number): Promise<JobDetail | null> {
    const app = this.apps.get(appId);
    const job = app?.jobs.get(jobId);
    if (!app || !job) return null;
    return {
      ...this.jobSummary(app, job),
      stages: job.stageInfos.map((si) => {
        const latest = this.latestAttempt(app, si.stageId) ?? { info: si, state: 'pending' as StageState };
        return { stageId: si.stageId, attempt: latest.info.attempt, name: si.name, kind: si.kind, parentIds: si.parentIds, numTasks: si.numTasks, state: latest.state };
      }),
    };
  }

  async cancelJob(appId: string, jobId: number): Promise<{ cancelled: boolean; message: string }> {
    if (!this.opts.cancelJob) throw new ApiRefusal('PRECONDITION_FAILED', `cannot cancel job ${jobId} of ${appId}: this server has no running drivers`);
    return this.opts.cancelJob(appId, jobId);
  }

  async listStages(appId: string, jobId?: number): Promise<StageSummary[]> {
    const app = this.apps.get(appId);
    if (!app) return [];
    return [...app.stages.values()]
      .filter((s) => jobId === undefined || s.jobIds.includes(jobId))
      .sort((a, b) => a.info.stageId - b.info.stageId || a.info.attempt - b.info.attempt)
      .map((s) => stageSummary(s));
  }

  async getStage(appId: string, stageId: number, attempt: number): Promise<StageDetail | null> {
    const s = this.apps.get(appId)?.stages.get(`${stageId}:${attempt}`);
    if (!s) return null;
    const ok = [...s.tasks.values()].filter((t) => t.status === 'success' && t.metrics);
    const rows = ok.map(toRow);
    const quantiles = {} as Record<QuantileField, Quantiles | null>;
    for (const f of QUANTILE_FIELDS) {
      const vals = rows.map((r) => fieldOf(r, f)).filter((v): v is number => v !== null);
      quantiles[f] = exactQuantiles(vals);
    }
    const byExec = new Map<string, StageExecutorMetrics>();
    for (const t of s.tasks.values()) {
      const id = t.info.executorId;
      let e = byExec.get(id);
      if (!e) byExec.set(id, (e = { executorId: id, host: t.info.host, tasks: emptyCounts(), durationMs: 0, inputBytes: 0, shuffleReadBytes: 0, shuffleWriteBytes: 0, memoryBytesSpilled: 0, diskBytesSpilled: 0, gcTime: 0 }));
      e.tasks.total++;
      if (t.status === 'running') e.tasks.running++;
      else if (t.status === 'success') e.tasks.succeeded++;
      else if (t.status === 'killed') e.tasks.killed++;
      else e.tasks.failed++;
      if (t.status !== 'running' && t.info.finishTime !== null) e.durationMs += t.info.finishTime - t.info.launchTime;
      if (t.metrics) {
        e.inputBytes += t.metrics.inputBytes;
        e.shuffleReadBytes += t.metrics.shuffleReadRemoteBytes + t.metrics.shuffleReadLocalBytes;
        e.shuffleWriteBytes += t.metrics.shuffleWriteBytes;
        e.memoryBytesSpilled += t.metrics.memoryBytesSpilled;
        e.diskBytesSpilled += t.metrics.diskBytesSpilled;
        e.gcTime += t.metrics.gcTime;
      }
    }
    return {
      ...stageSummary(s),
      executors: [...byExec.values()].sort((a, b) => (a.executorId < b.executorId ? -1 : 1)),
      rdds: s.info.rddInfos.map((r) => ({ rddId: r.id, name: r.name, scope: r.scope, parentIds: r.parentIds, numPartitions: r.numPartitions, storageLevel: r.storageLevel })),
      quantiles,
      quantilesExact: s.state === 'complete' || s.state === 'failed',
      quantileTaskCount: ok.length,
    };
  }

  async listTasks(q: ListTasksQuery): Promise<Page<TaskRow>> {
    const s = this.apps.get(q.appId)?.stages.get(`${q.stageId}:${q.attempt}`);
    if (!s) return { items: [], nextCursor: null };
    const rows = [...s.tasks.values()]
      .map(toRow)
      .filter((r) => (!q.status || r.status === q.status) && (!q.executorId || r.executorId === q.executorId))
      .sort((a, b) => compareRows(a, b, q.sortBy, q.desc));
    return page(rows, q.cursor, q.limit);
  }

  async taskTimeline(q: TaskTimelineQuery): Promise<TaskTimeline> {
    const s = this.apps.get(q.appId)?.stages.get(`${q.stageId}:${q.attempt}`);
    const after = q.afterTaskId ?? -1;
    const tasks = s ? [...s.tasks.values()].filter((t) => t.info.taskId > after).sort((a, b) => a.info.taskId - b.info.taskId) : [];
    const taken = tasks.slice(0, q.limit);
    const executors = [...new Set(taken.map((t) => t.info.executorId))];
    const m = <K extends 'executorReceivedTime' | 'deserializeEndTime' | 'computeEndTime' | 'shuffleWriteEndTime' | 'resultSerializedTime' | 'shuffleFetchWaitTime' | 'inputBytes' | 'inputRecords' | 'shuffleReadRecords'>(k: K) => taken.map((t) => (t.metrics ? t.metrics[k] : null));
    return {
      executors,
      taskId: taken.map((t) => t.info.taskId),
      index: taken.map((t) => t.info.index),
      attempt: taken.map((t) => t.info.attempt),
      executor: taken.map((t) => executors.indexOf(t.info.executorId)),
      slot: taken.map((t) => t.info.slot),
      status: taken.map((t) => t.status),
      launchTime: taken.map((t) => t.info.launchTime),
      finishTime: taken.map((t) => (t.status === 'running' ? null : t.info.finishTime)),
      executorReceivedTime: m('executorReceivedTime'),
      deserializeEndTime: m('deserializeEndTime'),
      computeEndTime: m('computeEndTime'),
      shuffleWriteEndTime: m('shuffleWriteEndTime'),
      resultSerializedTime: m('resultSerializedTime'),
      shuffleFetchWaitTime: m('shuffleFetchWaitTime'),
      inputBytes: m('inputBytes'),
      inputRecords: m('inputRecords'),
      shuffleReadRecords: m('shuffleReadRecords'),
      nextAfterTaskId: tasks.length > q.limit ? taken[taken.length - 1]!.info.taskId : null,
    };
  }

  async listExecutors(appId: string): Promise<ExecutorSummary[]> {
    const app = this.apps.get(appId);
    if (!app) return [];
    return [...app.executors.values()].map((e) => this.executorSummary(app, e.executorId)!);
  }

  async getExecutor(appId: string, executorId: string): Promise<ExecutorSummary | null> {
    const app = this.apps.get(appId);
    return app ? this.executorSummary(app, executorId) : null;
  }

  async readLog(q: ReadLogQuery): Promise<LogChunk> {
    if (!this.opts.readLog) throw new ApiRefusal('PRECONDITION_FAILED', 'this server reads no executor logs');
    return this.opts.readLog(q);
  }

  async changesSince(q: { appId?: string; cursor: number; limit: number }): Promise<ChangeRecord[]> {
    const out: ChangeRecord[] = [];
    for (const c of this.changes) {
      if (c.cursor <= q.cursor || (q.appId && c.appId !== q.appId)) continue;
      out.push(c);
      if (out.length >= q.limit) break;
    }
    return out;
  }

  async latestCursor(): Promise<number> {
    return this.changes.length === 0 ? 0 : this.changes[this.changes.length - 1].cursor;
  }

  // ---- helpers ---------------------------------------------------------------------------

  private app(appId: string): AppRec {
    const a = this.apps.get(appId);
    if (!a) throw new Error(`event for application ${appId} before its applicationStart`);
    return a;
  }

  /** One change record per event (the real store gives one per stored batch). */
  private change(c: { appId: string; kind: 'app' | 'job' | 'stage' | 'task' | 'executor'; jobId?: number; stageId?: number; stageAttempt?: number; executorId?: string; started?: boolean }): void {
    this.changes.push({
      cursor: this.changes.length + 1,
      appId: c.appId,
      kind: c.kind === 'app' ? 'app' : 'events',
      time: this.now(),
      appChanged: c.kind === 'app',
      jobIds: c.jobId === undefined ? [] : [c.jobId],
      stageIds: c.stageId === undefined ? [] : [c.stageId],
      executorIds: c.executorId === undefined ? [] : [c.executorId],
      tasksStarted: c.kind === 'task' && c.started ? 1 : 0,
      tasksEnded: c.kind === 'task' && !c.started ? 1 : 0,
    });
  }

  private jobsOfStage(app: AppRec, stageId: number): number[] {
    return [...app.jobs.values()].filter((j) => j.stageInfos.some((s) => s.stageId === stageId)).map((j) => j.jobId);
  }

  private latestAttempt(app: AppRec, stageId: number): StageRec | undefined {
    let best: StageRec | undefined;
    for (const s of app.stages.values()) if (s.info.stageId === stageId && (!best || s.info.attempt > best.info.attempt)) best = s;
    return best;
  }

  private appSummaries(): AppSummary[] {
    const now = this.now();
    const byId = new Map<string, AppSummary>();
    for (const a of this.apps.values()) {
      byId.set(a.appId, { appId: a.appId, name: a.name, state: a.endTime === null ? 'RUNNING' : 'FINISHED', user: a.user, startTime: a.startTime, endTime: a.endTime, durationMs: (a.endTime ?? now) - a.startTime, cores: 0, endReason: null });
    }
    if (this.mode === 'master') {
      for (const c of this.cluster.applications) {
        byId.set(c.appId, { appId: c.appId, name: c.name, state: c.state, user: c.user, startTime: c.startTime, endTime: c.endTime, durationMs: (c.endTime ?? now) - c.startTime, cores: c.cores, endReason: c.endReason });
      }
    }
    return [...byId.values()];
  }

  private jobSummary(app: AppRec, j: JobRec): JobSummary {
    const tasks = emptyCounts();
    for (const s of app.stages.values()) if (s.jobIds.includes(j.jobId)) addCounts(tasks, s);
    return {
      jobId: j.jobId,
      description: j.description,
      state: j.state,
      submissionTime: j.submissionTime,
      completionTime: j.completionTime,
      durationMs: (j.completionTime ?? this.now()) - j.submissionTime,
      stageIds: j.stageIds,
      jobGroup: j.jobGroup,
      traceId: j.traceId,
      error: j.error,
      tasks,
    };
  }

  private executorSummary(app: AppRec, executorId: string): ExecutorSummary | null {
    const e = app.executors.get(executorId);
    if (!e) return null;
    const out: ExecutorSummary = {
      executorId,
      host: e.host,
      workerId: e.workerId,
      cores: e.cores,
      addedTime: e.addedTime,
      removedTime: e.removedTime,
      removedReason: e.removedReason,
      active: e.removedTime === null,
      tasks: { completed: 0, failed: 0, active: 0 },
      totals: { durationMs: 0, gcTime: 0, shuffleReadBytes: 0, shuffleWriteBytes: 0, inputBytes: 0 },
      logs: e.workerId ? logRefs(e.workerId, app.appId, executorId) : [],
    };
    for (const s of app.stages.values()) {
      for (const t of s.tasks.values()) {
        if (t.info.executorId !== executorId) continue;
        if (t.status === 'running') out.tasks.active++;
        else if (t.status === 'success') out.tasks.completed++;
        else out.tasks.failed++;
        if (t.info.finishTime !== null) out.totals.durationMs += t.info.finishTime - t.info.launchTime;
        if (t.metrics) {
          out.totals.gcTime += t.metrics.gcTime;
          out.totals.shuffleReadBytes += t.metrics.shuffleReadRemoteBytes + t.metrics.shuffleReadLocalBytes;
          out.totals.shuffleWriteBytes += t.metrics.shuffleWriteBytes;
          out.totals.inputBytes += t.metrics.inputBytes;
        }
      }
    }
    return out;
  }
}

function logRefs(workerId: string, appId: string, executorId: string): ExecutorSummary['logs'] {
  return (['stdout', 'stderr'] as const).map((stream) => ({ workerId, appId, executorId, stream }));
}

function emptyCounts(): TaskCounts {
  return { total: 0, running: 0, succeeded: 0, failed: 0, killed: 0 };
}

function addCounts(c: TaskCounts, s: StageRec): void {
  for (const t of s.tasks.values()) {
    c.total++;
    if (t.status === 'running') c.running++;
    else if (t.status === 'success') c.succeeded++;
    else if (t.status === 'killed') c.killed++;
    else c.failed++;
  }
}

function stageSummary(s: StageRec): StageSummary {
  const tasks = emptyCounts();
  addCounts(tasks, s);
  const totals = { durationMs: 0, executorRunTime: 0, executorCpuTime: 0, gcTime: 0, inputBytes: 0, inputRecords: 0, outputBytes: 0, outputRecords: 0, shuffleReadBytes: 0, shuffleReadRecords: 0, shuffleWriteBytes: 0, shuffleWriteRecords: 0, memoryBytesSpilled: 0, diskBytesSpilled: 0 };
  for (const t of s.tasks.values()) {
    if (!t.metrics) continue;
    const m = t.metrics;
    totals.durationMs += (t.info.finishTime ?? t.info.launchTime) - t.info.launchTime;
    totals.executorRunTime += m.executorRunTime;
    totals.executorCpuTime += m.executorCpuTime;
    totals.gcTime += m.gcTime;
    totals.inputBytes += m.inputBytes;
    totals.inputRecords += m.inputRecords;
    totals.outputBytes += m.outputBytes;
    totals.outputRecords += m.outputRecords;
    totals.shuffleReadBytes += m.shuffleReadRemoteBytes + m.shuffleReadLocalBytes;
    totals.shuffleReadRecords += m.shuffleReadRecords;
    totals.shuffleWriteBytes += m.shuffleWriteBytes;
    totals.shuffleWriteRecords += m.shuffleWriteRecords;
    totals.memoryBytesSpilled += m.memoryBytesSpilled;
    totals.diskBytesSpilled += m.diskBytesSpilled;
  }
  const i = s.info;
  return { stageId: i.stageId, attempt: i.attempt, jobIds: s.jobIds, name: i.name, kind: i.kind, numTasks: i.numTasks, state: s.state, submissionTime: i.submissionTime, completionTime: i.completionTime, failureReason: i.failureReason, tasks, totals };
}

function toRow(t: TaskRec): TaskRow {
  const i = t.info;
  let metrics: TaskMetricValues | null = null;
  if (t.metrics) {
    metrics = {} as TaskMetricValues;
    for (const k of TASK_METRIC_NAMES) metrics[k] = t.metrics[k];
  }
  return {
    taskId: i.taskId,
    index: i.index,
    attempt: i.attempt,
    status: t.status,
    executorId: i.executorId,
    host: i.host,
    slot: i.slot,
    locality: i.locality,
    speculative: i.speculative,
    launchTime: i.launchTime,
    finishTime: t.status === 'running' ? null : i.finishTime,
    durationMs: t.status === 'running' || i.finishTime === null ? null : i.finishTime - i.launchTime,
    failureReason: t.failureReason,
    metrics,
    phases: t.metrics ? taskPhases(i.launchTime, i.finishTime, t.metrics) : null,
  };
}

/** A row's value for a sort key or quantile field (null when it has none). */
export function fieldOf(r: TaskRow, f: TaskSortKey | QuantileField): number | null {
  switch (f) {
    case 'taskId':
    case 'index':
    case 'launchTime':
      return r[f];
    case 'finishTime':
      return r.finishTime;
    case 'duration':
      return r.durationMs;
    case 'shuffleReadBytes':
      return r.metrics ? r.metrics.shuffleReadRemoteBytes + r.metrics.shuffleReadLocalBytes : null;
  }
  if ((TASK_PHASE_NAMES as readonly string[]).includes(f)) return r.phases?.[f as TaskPhaseName] ?? null;
  return r.metrics?.[f as TaskMetricName] ?? null;
}

/** Nulls last in either direction; ties by taskId in the same direction. */
function compareRows(a: TaskRow, b: TaskRow, key: TaskSortKey, desc: boolean): number {
  const x = fieldOf(a, key);
  const y = fieldOf(b, key);
  if (x === null || y === null) {
    if (x !== y) return x === null ? 1 : -1;
  } else if (x !== y) return desc ? y - x : x - y;
  return desc ? b.taskId - a.taskId : a.taskId - b.taskId;
}

/** Offset cursors: fine for an in-memory list. */
function page<T>(all: T[], cursor: string | undefined, limit: number): Page<T> {
  const from = cursor ? Number.parseInt(cursor, 10) : 0;
  if (!Number.isInteger(from) || from < 0) throw new ApiRefusal('BAD_REQUEST', `bad cursor ${JSON.stringify(cursor)}: pass back a nextCursor this API gave`);
  const items = all.slice(from, from + limit);
  return { items, nextCursor: from + limit < all.length ? String(from + limit) : null, total: all.length };
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
