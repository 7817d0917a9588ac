/**
 * The shapes the event store answers with: plain typed objects, times in epoch
 * milliseconds (null when not known yet), sizes in bytes, durations in ms.
 * The API (`@flint/api`) serves exactly these; keep names stable.
 *
 * Queries (methods of `EventStore`):
 * - `listApps({ state?, cursor?, limit })` → `Page<AppSummary>`, newest start first.
 * - `getApp(appId)` → `AppDetail | null`: conf (secrets redacted), duration, state,
 *   droppedEvents, job/stage/task counts.
 * - `listJobs(appId)` → `JobSummary[]`, newest job first.
 * - `getJob(appId, jobId)` → `JobDetail | null`: the job's stage DAG (`stages`, each with
 *   parentIds, state, rddInfos and task counts of its latest attempt).
 * - `listStages(appId, jobId?)` → `StageAttemptSummary[]`, one row per stage attempt,
 *   newest stage first.
 * - `getStage(appId, stageId, attempt)` → `StageDetail | null`: RDD operation graph, totals,
 *   per-executor metrics and `quantiles` of every task metric and phase over successful tasks.
 * - `listTasks(TaskQuery)` → `TaskPage`: one row per task attempt, sorted by any
 *   `TaskSortKey`, filtered by status/executor, paged by offset or cursor.
 * - `stageTimeline({ appId, stageId, attempt, afterTaskId?, limit? })` → `StageTimeline`: the
 *   timeline fields of a stage attempt's tasks column-wise, in taskId order, in large pages.
 * - `listExecutors(appId)` → `ExecutorSummary[]`; `getExecutor(appId, executorId)`.
 * - `listCachedRdds(appId)` → `CachedRddSummary[]`.
 * - `changesSince({ appId?, cursor, limit })` → `ChangeRow[]` with cursors above `cursor`;
 *   `latestCursor()` → the newest cursor (0 when empty).
 */
import type { RddInfo, TaskMetrics } from '@flint/core';
import { TASK_METRIC_NAMES, TASK_PHASE_TIMESTAMP_NAMES, type TaskMetricName } from '@flint/core/internal';

export type { RddInfo, TaskMetrics };

/** RUNNING until the application ends; LOST when its driver died without saying so. */
export type AppState = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED' | 'LOST';
export const APP_STATES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED', 'LOST'] as const;

export type JobState = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
/** State of a stage attempt as stored. */
export type StageAttemptState = 'PENDING' | 'ACTIVE' | 'COMPLETE' | 'FAILED';
/** State of a stage inside one job's DAG: `skipped` = its output already existed, never run for this job. */
export type JobStageState = 'pending' | 'active' | 'complete' | 'failed' | 'skipped';
export type TaskStatus = 'RUNNING' | 'SUCCESS' | 'FAILED' | 'KILLED';
export const TASK_STATUSES = ['RUNNING', 'SUCCESS', 'FAILED', 'KILLED'] as const;

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface TaskCounts {
  total: number;
  running: number;
  success: number;
  failed: number;
  killed: number;
}

export interface AppSummary {
  appId: string;
  name: string;
  user: string;
  master: string;
  state: AppState;
  startTime: number | null;
  endTime: number | null;
  /** endTime − startTime, or now − startTime while running. */
  durationMs: number | null;
  /** Events the driver said it numbered (its heartbeat). */
  eventsPosted: number;
  /** Highest event number stored with every one below it stored too. */
  storedThrough: number;
  /** Events proven lost: eventsPosted − storedThrough at the end, when positive. */
  droppedEvents: number;
}

export interface AppDetail extends AppSummary {
  /** The driver's configuration; values of keys containing secret/password/token are '[redacted]'. */
  conf: Record<string, unknown>;
  /** Why the application ended abnormally (driver lost, killed), or null. */
  endReason: string | null;
  jobs: { total: number; running: number; succeeded: number; failed: number; cancelled: number };
  stages: { total: number; active: number; complete: number; failed: number; pending: number };
  tasks: TaskCounts;
  executors: { total: number; active: number };
}

export interface JobSummary {
  appId: string;
  jobId: number;
  description: string;
  jobGroup: string | null;
  state: JobState;
  error: string | null;
  submissionTime: number;
  completionTime: number | null;
  durationMs: number | null;
  traceId: string | null;
  stageIds: number[];
  /** Tasks of the job's stages (every attempt), by status. */
  taskCounts: TaskCounts;
  /** Sum of numTasks over the job's stages (latest attempts, skipped stages excluded). */
  numTasks: number;
}

export interface JobStageNode {
  stageId: number;
  /** Latest attempt, or null when the stage never ran. */
  attempt: number | null;
  name: string;
  kind: 'shuffleMap' | 'result';
  numTasks: number;
  parentIds: number[];
  state: JobStageState;
  rddInfos: RddInfo[];
  /** Task counts of the latest attempt. */
  taskCounts: TaskCounts;
}

export interface JobDetail extends JobSummary {
  stages: JobStageNode[];
}

/** Sums over the stage attempt's tasks (every status). */
export interface StageTotals {
  inputBytes: number;
  inputRecords: number;
  outputBytes: number;
  outputRecords: number;
  shuffleReadBytes: number;
  shuffleReadRecords: number;
  shuffleWriteBytes: number;
  shuffleWriteRecords: number;
  memoryBytesSpilled: number;
  diskBytesSpilled: number;
  executorRunTime: number;
  executorCpuTime: number;
  gcTime: number;
  /** Sum of task durations (finish − launch). */
  duration: number;
}

export interface StageAttemptSummary {
  appId: string;
  stageId: number;
  attempt: number;
  name: string;
  kind: 'shuffleMap' | 'result';
  numTasks: number;
  parentIds: number[];
  jobIds: number[];
  state: StageAttemptState;
  submissionTime: number | null;
  completionTime: number | null;
  durationMs: number | null;
  failureReason: string | null;
  taskCounts: TaskCounts;
  totals: StageTotals;
}

export interface QuantileStat {
  min: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  max: number;
}

/** Task phases (ms), derived from TaskMetrics' phase timestamps; see `taskPhases`. */
export interface TaskPhases {
  schedulerDelay: number | null;
  deserialize: number | null;
  shuffleReadWait: number | null;
  compute: number | null;
  shuffleWrite: number | null;
  resultSerialize: number | null;
  resultFetch: number | null;
  duration: number | null;
}
export type PhaseName = keyof TaskPhases;
export const PHASE_NAMES = ['schedulerDelay', 'deserialize', 'shuffleReadWait', 'compute', 'shuffleWrite', 'resultSerialize', 'resultFetch', 'duration'] as const satisfies readonly PhaseName[];

/** Every numeric TaskMetrics field that is a measurement (the five phase timestamps are excluded): core's one list. */
export { TASK_METRIC_NAMES, type TaskMetricName };
export const PHASE_TIMESTAMP_NAMES = TASK_PHASE_TIMESTAMP_NAMES;

/** The quantities summarised by quantiles: every task metric, shuffleReadBytes (remote + local) and every phase. */
export type QuantileName = TaskMetricName | 'shuffleReadBytes' | PhaseName;
export const QUANTILE_NAMES: readonly QuantileName[] = [...TASK_METRIC_NAMES, 'shuffleReadBytes', ...PHASE_NAMES];

export interface StageQuantiles {
  /** Successful tasks summarised (the sample's size when not exact). */
  count: number;
  /** True once the stage attempt has ended (the answer is then cached). */
  final: boolean;
  /**
   * True when computed over every successful task: always once the attempt has ended; while
   * it runs, past 20,000 successful tasks, the figures come from every k-th of them.
   */
  exact: boolean;
  /** Nearest-rank quantiles over successful tasks; null when no task has a value. */
  metrics: Record<QuantileName, QuantileStat | null>;
}

export interface ExecutorStageMetrics {
  executorId: string;
  host: string;
  taskCounts: TaskCounts;
  duration: number;
  inputBytes: number;
  shuffleReadBytes: number;
  shuffleWriteBytes: number;
  memoryBytesSpilled: number;
  diskBytesSpilled: number;
  gcTime: number;
}

export interface RddGraph {
  nodes: RddInfo[];
  /** parent → child RDD id. */
  edges: Array<{ from: number; to: number }>;
}

export interface StageDetail extends StageAttemptSummary {
  rddGraph: RddGraph;
  executors: ExecutorStageMetrics[];
  quantiles: StageQuantiles;
}

export interface TaskRow {
  appId: string;
  taskId: number;
  stageId: number;
  stageAttempt: number;
  /** Partition index within the stage. */
  index: number;
  attempt: number;
  executorId: string;
  host: string;
  slot: number;
  locality: string;
  speculative: boolean;
  status: TaskStatus;
  /** Failure reason kind (exception, fetchFailed, killed, executorLost, resultLost) or null. */
  failureKind: string | null;
  failureMessage: string | null;
  launchTime: number;
  finishTime: number | null;
  duration: number | null;
  /** Null while running, or when the task ended without metrics. */
  metrics: TaskMetrics | null;
  phases: TaskPhases;
}

/** Columns `listTasks` sorts by (a whitelist: nothing from the request reaches SQL). */
export const TASK_SORT_KEYS = [
  'taskId',
  'index',
  'attempt',
  'launchTime',
  'finishTime',
  'status',
  'executorId',
  'host',
  ...TASK_METRIC_NAMES,
  ...PHASE_TIMESTAMP_NAMES,
  'shuffleReadBytes',
  ...PHASE_NAMES,
] as const;
export type TaskSortKey = (typeof TASK_SORT_KEYS)[number];

export interface TaskQuery {
  appId: string;
  stageId: number;
  attempt: number;
  /** Default taskId. */
  sortBy?: TaskSortKey;
  desc?: boolean;
  status?: TaskStatus;
  executorId?: string;
  /** Opaque, from a previous page's nextCursor (wins over offset). */
  cursor?: string | null;
  offset?: number;
  /** 1..1000, default 100. */
  limit?: number;
}

export interface TaskPage {
  items: TaskRow[];
  /** Rows matching the filters. */
  total: number;
  nextCursor: string | null;
}

export interface StageTimelineQuery {
  appId: string;
  stageId: number;
  attempt: number;
  /** Only tasks with a larger taskId (the previous page's `nextAfterTaskId`). */
  afterTaskId?: number | null;
  /** 1..STAGE_TIMELINE_MAX_LIMIT, default STAGE_TIMELINE_MAX_LIMIT. */
  limit?: number;
}
export const STAGE_TIMELINE_MAX_LIMIT = 100_000;

/**
 * What the event timeline draws, column-wise: entry i of every array is the i-th
 * task attempt in taskId order. Metric columns are null for a task without metrics.
 */
export interface StageTimeline {
  /** Executor ids; `executor[i]` indexes this list. */
  executors: string[];
  taskId: number[];
  /** Partition index. */
  index: number[];
  attempt: number[];
  executor: number[];
  slot: number[];
  status: TaskStatus[];
  launchTime: number[];
  finishTime: Array<number | null>;
  executorReceivedTime: Array<number | null>;
  deserializeEndTime: Array<number | null>;
  computeEndTime: Array<number | null>;
  shuffleWriteEndTime: Array<number | null>;
  resultSerializedTime: Array<number | null>;
  shuffleFetchWaitTime: Array<number | null>;
  /** The measures the straggler and skew flags compare with the stage's medians. */
  inputBytes: Array<number | null>;
  inputRecords: Array<number | null>;
  shuffleReadRecords: Array<number | null>;
  /** Pass as `afterTaskId` for the next page; null after the last. */
  nextAfterTaskId: number | null;
}

export interface ExecutorTotals {
  tasks: number;
  activeTasks: number;
  succeededTasks: number;
  failedTasks: number;
  killedTasks: number;
  /** Sum of task durations. */
  duration: number;
  executorRunTime: number;
  gcTime: number;
  inputBytes: number;
  shuffleReadBytes: number;
  shuffleWriteBytes: number;
  memoryBytesSpilled: number;
  diskBytesSpilled: number;
}

export interface ExecutorSummary {
  appId: string;
  executorId: string;
  host: string;
  address: string;
  cores: number;
  pid: number | null;
  workerId: string | null;
  addedTime: number | null;
  removedTime: number | null;
  removalReason: string | null;
  active: boolean;
  logUrls: Record<string, string>;
  totals: ExecutorTotals;
  /** Cached blocks this executor holds now. */
  storage: { blocks: number; memSize: number; diskSize: number };
}

export interface CachedRddSummary {
  rddId: number;
  storageLevel: string;
  cachedPartitions: number;
  memSize: number;
  diskSize: number;
  executors: number;
}

/** What one stored batch (or an application state change) touched: the live page's cue to refetch. */
export interface ChangeRow {
  /** Strictly increasing over the whole store. */
  cursor: number;
  appId: string;
  kind: 'events' | 'appState';
  time: number;
  /** Event numbers stored by this batch (0, 0 for appState). */
  firstSeq: number;
  lastSeq: number;
  appChanged: boolean;
  jobIds: number[];
  stageIds: number[];
  executorIds: string[];
  tasksStarted: number;
  tasksEnded: number;
}

export interface IngestResult {
  /** Highest event number stored contiguously from 1 after this call. */
  storedThrough: number;
  /** Events of this batch newly stored (0 for a full resend). */
  stored: number;
  /** True when the batch started above storedThrough + 1 and was refused so no gap is skipped. */
  gap: boolean;
}
