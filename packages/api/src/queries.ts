/**
 * The read (and the two write) operations the API serves, and the shapes it
 * answers with. Routers reach data only through `FlintQueries`: the master
 * implements it over its event store and its live cluster state, `flint
 * history` over a local event-store file, and the unit tests over
 * `InMemoryFlintQueries`. Times are epoch milliseconds, durations
 * milliseconds, sizes bytes, unless a name says otherwise.
 */
import { TASK_METRIC_NAMES, type TaskMetricName } from '@flint/core/internal';

/** Metrics of a task, as measured by its executor (one column each in the store): core's one list. */
export { TASK_METRIC_NAMES, type TaskMetricName };

/**
 * Phases of a task, each a duration in ms derived from its timestamps:
 * schedulerDelay = executor received − launched on the driver; deserialize =
 * deserialized − received; shuffleReadWait = shuffleFetchWaitTime (measured
 * inside compute); compute = compute end − deserialized − shuffleReadWait;
 * shuffleWrite = shuffle write end − compute end; resultSerialize = result
 * serialized − shuffle write end; resultFetch = result received by the driver
 * − result serialized. They add up to the task's duration when every
 * timestamp is known; a phase whose timestamps were not measured is null, and
 * differences are clamped at 0 (driver and executor clocks differ slightly).
 */
export const TASK_PHASE_NAMES = ['schedulerDelay', 'deserialize', 'shuffleReadWait', 'compute', 'shuffleWrite', 'resultSerialize', 'resultFetch'] as const;
export type TaskPhaseName = (typeof TASK_PHASE_NAMES)[number];

/** What a task list can be sorted by: any metric, any phase, or these (ties by taskId, same direction). */
export const TASK_SORT_KEYS = ['taskId', 'index', 'launchTime', 'finishTime', 'duration', 'shuffleReadBytes', ...TASK_METRIC_NAMES, ...TASK_PHASE_NAMES] as const;
export type TaskSortKey = (typeof TASK_SORT_KEYS)[number];

/** The quantities a stage summarises: task duration, every metric, shuffle bytes read (remote + local), every phase. */
export const QUANTILE_FIELDS = ['duration', ...TASK_METRIC_NAMES, 'shuffleReadBytes', ...TASK_PHASE_NAMES] as const;
export type QuantileField = (typeof QUANTILE_FIELDS)[number];

export type WorkerState = 'ALIVE' | 'DEAD' | 'DECOMMISSIONED' | 'UNKNOWN';
/** LOST: the driver vanished without ending the application. */
export type AppState = 'WAITING' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED' | 'LOST';
export type ExecutorState = 'LAUNCHING' | 'RUNNING' | 'KILLED' | 'FAILED' | 'EXITED' | 'LOST';
export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled';
export type StageState = 'pending' | 'active' | 'complete' | 'failed' | 'skipped';
export type TaskStatus = 'running' | 'success' | 'failed' | 'killed';
export type LogStream = 'stdout' | 'stderr';

/** A page of a list; pass `nextCursor` back as `cursor` for the next one (null: no more). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  /** Rows matching the filters over all pages, when the source counts them. */
  total?: number;
}

export interface ClusterOverview {
  /** 'master' for a live master, 'history' for `flint history` over an event log. */
  mode: 'master' | 'history';
  masterId: string | null;
  version: string;
  startedAt: number;
  uptimeMs: number;
  workers: { alive: number; dead: number; unknown: number };
  cores: { total: number; used: number };
  memoryMb: { total: number; used: number };
  applications: { waiting: number; running: number; finished: number };
}

export interface WorkerSummary {
  workerId: string;
  host: string;
  /** Cluster transport address of the worker. */
  address: string;
  state: WorkerState;
  cores: number;
  coresUsed: number;
  memoryMb: number;
  memoryUsedMb: number;
  lastHeartbeat: number;
  /** Port of the worker's own HTTP server (metrics, logs), or null. */
  webPort: number | null;
}

/** Names a log: what `logs.read` takes. Never a path. */
export interface LogRef {
  workerId: string;
  appId: string;
  executorId: string;
  stream: LogStream;
}

export interface WorkerExecutor {
  appId: string;
  executorId: string;
  cores: number;
  memoryMb: number;
  state: ExecutorState;
  exitCode: number | null;
  /** Why it ended (or null while it runs). */
  message: string | null;
  logs: LogRef[];
}

export interface WorkerDetail extends WorkerSummary {
  executors: WorkerExecutor[];
}

export interface AppSummary {
  appId: string;
  name: string;
  state: AppState;
  user: string;
  startTime: number;
  endTime: number | null;
  /** Until now while it runs. */
  durationMs: number;
  /** Cores its live executors hold (0 in history). */
  cores: number;
  endReason: string | null;
}

export interface TaskCounts {
  total: number;
  running: number;
  succeeded: number;
  failed: number;
  killed: number;
}

export interface AppDetail extends AppSummary {
  /** The driver's configuration as the application started. */
  conf: Record<string, unknown>;
  master: string;
  /** Events the master can prove were lost for this application (0: complete). */
  droppedEvents: number;
  jobs: { total: number; running: number; succeeded: number; failed: number; cancelled: number };
  executors: { total: number; active: number };
}

export interface JobSummary {
  jobId: number;
  description: string;
  state: JobState;
  submissionTime: number;
  completionTime: number | null;
  durationMs: number;
  stageIds: number[];
  jobGroup: string | null;
  /** The job's OpenTelemetry trace id, when tracing was on. */
  traceId: string | null;
  /** The failure or cancellation message. */
  error: string | null;
  /** Over the tasks of every attempt of the job's stages. */
  tasks: TaskCounts;
}

/** A stage in a job's DAG; `parentIds` are the stages it reads from. */
export interface StageNode {
  stageId: number;
  /** Latest attempt, or null when the stage never ran (skipped or pending). */
  attempt: number | null;
  name: string;
  kind: 'shuffleMap' | 'result';
  parentIds: number[];
  numTasks: number;
  state: StageState;
}

export interface JobDetail extends JobSummary {
  stages: StageNode[];
}

export interface StageTotals {
  durationMs: number;
  executorRunTime: number;
  executorCpuTime: number;
  gcTime: number;
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
}

export interface StageSummary {
  stageId: number;
  attempt: number;
  jobIds: number[];
  name: string;
  kind: 'shuffleMap' | 'result';
  numTasks: number;
  state: StageState;
  submissionTime: number | null;
  completionTime: number | null;
  failureReason: string | null;
  tasks: TaskCounts;
  /** Sums over the stage attempt's ended tasks (every status). */
  totals: StageTotals;
}

/** An RDD operation inside a stage; `parentIds` are RDD ids (possibly in parent stages). */
export interface RddNode {
  rddId: number;
  name: string;
  /** The API method that created it (map, reduceByKey, …). */
  scope: string;
  parentIds: number[];
  numPartitions: number;
  storageLevel: string;
}

/** Summary of one quantity over a stage attempt's successful tasks. */
export interface Quantiles {
  min: number;
  p25: number;
  median: number;
  p75: number;
  p95: number;
  max: number;
}

/** One executor's share of a stage attempt. */
export interface StageExecutorMetrics {
  executorId: string;
  host: string;
  tasks: TaskCounts;
  durationMs: number;
  inputBytes: number;
  shuffleReadBytes: number;
  shuffleWriteBytes: number;
  memoryBytesSpilled: number;
  diskBytesSpilled: number;
  gcTime: number;
}

export interface StageDetail extends StageSummary {
  rdds: RddNode[];
  executors: StageExecutorMetrics[];
  /** One entry per `QUANTILE_FIELDS` name; null when no successful task measured it. */
  quantiles: Record<QuantileField, Quantiles | null>;
  /** True once the stage has ended (quantiles are then over every task row). */
  quantilesExact: boolean;
  /** Successful tasks the quantiles are over. */
  quantileTaskCount: number;
}

export type TaskMetricValues = Record<TaskMetricName, number>;
export type TaskPhases = Record<TaskPhaseName, number | null>;

export interface TaskRow {
  taskId: number;
  /** Partition index within the stage. */
  index: number;
  attempt: number;
  status: TaskStatus;
  executorId: string;
  host: string;
  slot: number;
  locality: string;
  speculative: boolean;
  launchTime: number;
  finishTime: number | null;
  /** finishTime − launchTime; null while it runs. */
  durationMs: number | null;
  failureReason: string | null;
  /** Null for a task that has not ended or ended without metrics. */
  metrics: TaskMetricValues | null;
  phases: TaskPhases | null;
}

export interface ExecutorSummary {
  executorId: string;
  host: string;
  workerId: string | null;
  cores: number;
  addedTime: number;
  removedTime: number | null;
  removedReason: string | null;
  active: boolean;
  tasks: { completed: number; failed: number; active: number };
  totals: { durationMs: number; gcTime: number; shuffleReadBytes: number; shuffleWriteBytes: number; inputBytes: number };
  /** Log names for `logs.read` (empty in local mode). */
  logs: LogRef[];
}

export interface LogChunk {
  /** UTF-8 text of [offset, nextOffset); a multi-byte character cut at the end is left for the next read. */
  data: string;
  offset: number;
  nextOffset: number;
  /** Size of the whole file now. */
  size: number;
  /** True when nextOffset reached the end of the file as it is now. */
  eof: boolean;
}

/**
 * One stored change, for live pages: "these things changed, refetch them".
 * `cursor` increases strictly; changes are delivered in cursor order. A batch
 * of events gives one record naming the jobs, stages and executors it touched;
 * an application's state change gives a record of kind 'app'. Cluster state
 * (workers, cores) is not in this stream: poll cluster.overview / workers.list.
 */
export interface ChangeRecord {
  cursor: number;
  appId: string;
  kind: 'events' | 'app';
  time: number;
  appChanged: boolean;
  jobIds: number[];
  stageIds: number[];
  executorIds: string[];
  tasksStarted: number;
  tasksEnded: number;
}

export interface ListAppsQuery {
  state?: AppState | 'active' | 'ended';
  cursor?: string;
  limit: number;
}

export interface ListTasksQuery {
  appId: string;
  stageId: number;
  attempt: number;
  sortBy: TaskSortKey;
  desc: boolean;
  status?: TaskStatus;
  executorId?: string;
  cursor?: string;
  limit: number;
}

export interface TaskTimelineQuery {
  appId: string;
  stageId: number;
  attempt: number;
  /** Only tasks with a larger taskId: the previous page's nextAfterTaskId. */
  afterTaskId?: number;
  /** 1..TIMELINE_MAX_TASKS. */
  limit: number;
}
/** Most tasks one `tasks.timeline` page carries. */
export const TIMELINE_MAX_TASKS = 100_000;

/**
 * A stage attempt's tasks for the event timeline, column-wise: entry i of every
 * array is the i-th task attempt in taskId order. Phase timestamps and metrics
 * are null for a task without metrics (running, or ended without them).
 */
export interface TaskTimeline {
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
  /** Null while the task runs. */
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
  /** Pass as afterTaskId for the next page; null after the last. */
  nextAfterTaskId: number | null;
}

export interface ReadLogQuery extends LogRef {
  offset: number;
  length: number;
}

/**
 * The data side of the API. Implementations answer null for "no such thing"
 * (the routers turn it into NOT_FOUND naming the thing), and throw
 * `ApiRefusal` to refuse with a reason. Calls may come concurrently.
 */
export interface FlintQueries {
  readonly mode: 'master' | 'history';
  overview(): Promise<ClusterOverview>;
  listWorkers(): Promise<WorkerSummary[]>;
  getWorker(workerId: string): Promise<WorkerDetail | null>;
  listApps(q: ListAppsQuery): Promise<Page<AppSummary>>;
  getApp(appId: string): Promise<AppDetail | null>;
  /** Ends the application and its executors. */
  killApp(appId: string, reason: string): Promise<{ killed: boolean; message: string }>;
  listJobs(appId: string): Promise<JobSummary[]>;
  getJob(appId: string, jobId: number): Promise<JobDetail | null>;
  /** Asks the application's driver to cancel the job. */
  cancelJob(appId: string, jobId: number): Promise<{ cancelled: boolean; message: string }>;
  listStages(appId: string, jobId?: number): Promise<StageSummary[]>;
  getStage(appId: string, stageId: number, attempt: number): Promise<StageDetail | null>;
  listTasks(q: ListTasksQuery): Promise<Page<TaskRow>>;
  /** The timeline fields of a stage attempt's tasks, column-wise, in taskId order, in pages of up to `limit` tasks. */
  taskTimeline(q: TaskTimelineQuery): Promise<TaskTimeline>;
  listExecutors(appId: string): Promise<ExecutorSummary[]>;
  getExecutor(appId: string, executorId: string): Promise<ExecutorSummary | null>;
  readLog(q: ReadLogQuery): Promise<LogChunk>;
  /** Changes with cursor > `cursor`, oldest first, at most `limit`. */
  changesSince(q: { appId?: string; cursor: number; limit: number }): Promise<ChangeRecord[]>;
  /** The cursor of the newest change (0 when none). */
  latestCursor(): Promise<number>;
}

/** Why an implementation refuses a request; the API answers with the matching HTTP status. */
export type ApiRefusalCode = 'NOT_FOUND' | 'FORBIDDEN' | 'BAD_REQUEST' | 'PRECONDITION_FAILED' | 'UNAVAILABLE';

/** A refusal with a message for the caller (what is wrong, what to do). */
export class ApiRefusal extends Error {
  constructor(
    readonly code: ApiRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiRefusal';
  }
}

/** Durations of a task's phases from its timestamps (see TASK_PHASE_NAMES); null where a timestamp is missing (0). */
export function taskPhases(
  launchTime: number,
  finishTime: number | null,
  t: { executorReceivedTime: number; deserializeEndTime: number; computeEndTime: number; shuffleWriteEndTime: number; resultSerializedTime: number; shuffleFetchWaitTime: number },
): TaskPhases {
  const span = (from: number | null, to: number | null) => (from && to ? Math.max(0, to - from) : null);
  const wait = t.shuffleFetchWaitTime ?? 0;
  const computeAll = span(t.deserializeEndTime, t.computeEndTime);
  return {
    schedulerDelay: span(launchTime, t.executorReceivedTime),
    deserialize: span(t.executorReceivedTime, t.deserializeEndTime),
    shuffleReadWait: wait,
    compute: computeAll === null ? null : Math.max(0, computeAll - wait),
    shuffleWrite: span(t.computeEndTime, t.shuffleWriteEndTime),
    resultSerialize: span(t.shuffleWriteEndTime, t.resultSerializedTime),
    resultFetch: span(t.resultSerializedTime, finishTime),
  };
}

/**
 * The quantile definition every implementation uses, so tests can recompute
 * it from task rows: nearest rank — over the n values sorted ascending, the
 * q-quantile is the one at rank ⌈q·n⌉ (1-based), min the first, max the last.
 * Always a value that occurred, never an interpolation.
 */
export function quantileIndex(n: number, q: number): number {
  return Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
}

/** Quantiles of `values` (any order) by `quantileIndex`; null for none. */
export function exactQuantiles(values: number[]): Quantiles | null {
  if (values.length === 0) return null;
  const s = Float64Array.from(values).sort();
  const at = (q: number) => s[quantileIndex(s.length, q)];
  return { min: s[0], p25: at(0.25), median: at(0.5), p75: at(0.75), p95: at(0.95), max: s[s.length - 1] };
}
