/**
 * FlintContext: the driver's entry point. Owns the application's identity, the
 * listener bus, the DAGScheduler and TaskScheduler, the SchedulerBackend chosen
 * by the master URL, broadcasts, accumulators and the local directory.
 * Created by `FlintContext.create()`; `stop()` is idempotent. States:
 * running → stopping → stopped. Jobs may run concurrently (each action is a job).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClosureRuntime } from './closure/compile.ts';
import { compileSettings, type FlintSettings } from './conf.ts';
import { readCoreEnv } from './env.ts';
import { FlintError, FlintErrorCode } from './errors.ts';
import { computeTextSplits, listInputFiles } from './files/text-input.ts';
import type { FlintListener } from './listener/listener-bus.ts';
import { ListenerBus } from './listener/listener-bus.ts';
import type { Partitioner } from './rdd/partitioner.ts';
import type { AggregatorSpec, ResultFnSpec } from './plan/plan.ts';
import { EmptyRDD, ParallelCollectionRDD, RangeRDD, type RDD, type RddContext, type ShuffleDependency, TextFileRDD, UnionRDD, WholeTextFilesRDD } from './rdd/rdd.ts';
import { DAGScheduler } from './scheduler/dag-scheduler.ts';
import type { SchedulerBackend, SchedulerBackendFactory } from './scheduler/scheduler-backend.ts';
import { TaskScheduler } from './scheduler/task-scheduler.ts';
import { serialize } from './serializer.ts';
import { Accumulator, Broadcast } from './shared-vars.ts';
import { redactConf } from './util/redact.ts';
import { DriverMetrics } from './telemetry/driver-metrics.ts';
import { JobTracing } from './telemetry/tracing.ts';
import { ConsoleProgressBar } from './ui/console-progress-bar.ts';
import { type Logger, processWarningLogger } from './logging/logger.ts';

declare module './rdd/rdd.ts' {
  // The public face of RDD's context: rdd.ts knows only RddContext (what an RDD needs),
  // so that it does not import this file; every RDD's `sc` is the FlintContext that made it.
  interface RDD<T> {
    /** The context that made this RDD. */
    readonly sc: FlintContext;
  }
}

export interface FlintContextOptions {
  /** Where the driver reports what goes wrong beside a job (event log, listeners). @default warnings as process warnings ('flint: …') */
  logger?: Logger;
  /** `local`, `local[N]`, `local[*]`, or `flint://host:port` of a standalone master. @default FLINT_MASTER, else 'local[*]' */
  master?: string;
  /** @default 'flint' */
  appName?: string;
  /** Transport between processes in cluster mode. @default FLINT_TRANSPORT, else 'tcp' */
  transport?: 'tcp' | 'http' | (string & {});
  /** Settings such as `flint.task.maxFailures`; see FlintSettings. */
  conf?: Record<string, unknown>;
  /** Draw the console progress bar (overrides flint.ui.showProgress). */
  progress?: boolean;
  /** Listeners subscribed before the application starts (they see applicationStart and executorAdded). */
  listeners?: FlintListener[];
}

const backendFactories: SchedulerBackendFactory[] = [];

/**
 * Local dirs of the contexts of this process that have not stopped: a program that exits without
 * stop() (or calls process.exit) still leaves no shuffle or spill files behind.
 */
const liveLocalDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of liveLocalDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Registers a way to create backends; `@flint/scheduler` registers its own when imported. */
export function registerSchedulerBackend(f: SchedulerBackendFactory): void {
  backendFactories.push(f);
}

/**
 * The settings as plain data for the applicationStart event (it is stored and shipped): values
 * that are not JSON (functions, Maps, class instances) become their string form, and secrets
 * (the cluster secret, passwords, tokens) are not shipped.
 */
function plainConf(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (/secret|password|token|credential/i.test(k)) out[k] = '[redacted]';
    else if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (v === undefined) continue;
    else {
      try {
        const json = JSON.stringify(v);
        out[k] = json !== undefined && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype) ? JSON.parse(json) : String(v);
      } catch {
        out[k] = String(v);
      }
    }
  }
  return out;
}

async function resolveBackend(master: string, settings: FlintSettings): Promise<SchedulerBackend> {
  if (backendFactories.length === 0) {
    try {
      const mod = (await import('@flint/scheduler' as string)) as { createSchedulerBackend?: SchedulerBackendFactory };
      if (mod.createSchedulerBackend && !backendFactories.includes(mod.createSchedulerBackend)) backendFactories.push(mod.createSchedulerBackend);
    } catch (e) {
      throw new FlintError(FlintErrorCode.CONFIG, `cannot load @flint/scheduler to run master "${master}": ${(e as Error).message}. Add @flint/scheduler to your dependencies.`, { cause: e });
    }
  }
  for (const f of backendFactories) {
    const b = await f(master, settings);
    if (b) return b;
  }
  throw new FlintError(FlintErrorCode.CONFIG, `unknown master URL "${master}": use local, local[N], local[*], local-cluster[W,C] or flint://HOST:PORT`);
}

type State = 'running' | 'stopping' | 'stopped';

export class FlintContext implements RddContext {
  private _appId: string;
  readonly appName: string;
  readonly master: string;
  readonly transport: string;
  readonly conf: FlintSettings & { raw: Record<string, unknown>; defaultParallelismExplicit: boolean };
  readonly startTime = Date.now();
  private readonly logger: Logger;
  private readonly bus: ListenerBus;
  private state: State = 'running';
  private rddSeq = 0;
  private shuffleSeq = 0;
  private broadcastSeq = 0;
  private accumulatorSeq = 0;
  private readonly broadcasts = new Map<number, Uint8Array>();
  private readonly accumulators = new Map<number, Accumulator<unknown>>();
  private readonly persisted = new Map<number, RDD<unknown>>();
  private backend!: SchedulerBackend;
  private taskScheduler!: TaskScheduler;
  private dag!: DAGScheduler;
  private progress: ConsoleProgressBar | null = null;
  private localDirPath: string;
  private applicationStarted = false;
  private readonly tracing = new JobTracing(() => this._appId);
  private driverMetrics: DriverMetrics | null = null;
  private applicationEnded = false;
  private closureRuntime: ClosureRuntime | null = null;
  /** Local mode's event log (a writer thread of @flint/event-store), or null. */
  private eventLog: { listener: FlintListener; close(): Promise<unknown> } | null = null;
  /** The job group of the code running now (set by setJobGroup, carried through its async calls). */
  private readonly jobGroupScope = new AsyncLocalStorage<{ groupId: string; description: string | null } | null>();
  private readonly shuffleCleaner = new FinalizationRegistry<number>((shuffleId) => {
    if (this.state === 'running') this.dag.removeShuffle(shuffleId);
  });

  private constructor(opts: FlintContextOptions) {
    this.logger = opts.logger ?? processWarningLogger;
    this.bus = new ListenerBus(this.logger);
    this.master = opts.master ?? readCoreEnv().FLINT_MASTER ?? 'local[*]';
    this.appName = opts.appName ?? 'flint';
    const raw = { ...(opts.conf ?? {}) };
    const settings = compileSettings(raw, { logger: this.logger });
    if (opts.progress !== undefined) settings.showProgress = opts.progress;
    if (opts.transport !== undefined) settings.transport = opts.transport;
    this.transport = settings.transport;
    this.conf = { ...settings, raw, defaultParallelismExplicit: settings.defaultParallelism !== null };
    const ts = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    // Provisional in cluster mode: replaced by the id the master assigns when the application registers.
    this._appId = `${this.master.startsWith('local[') || this.master === 'local' ? 'local' : 'app'}-${ts}-${String(process.pid).padStart(5, '0')}${Math.floor(Math.random() * 1000)}`;
    this.localDirPath = fs.mkdtempSync(path.join(this.conf.localDir, `flint-${this._appId}-`));
    liveLocalDirs.add(this.localDirPath);
  }

  /** Starts an application: picks the backend for `master`, starts executors, returns when they can run tasks. */
  static async create(opts: FlintContextOptions = {}): Promise<FlintContext> {
    const sc = new FlintContext(opts);
    try {
      await sc.start(opts);
    } catch (e) {
      fs.rmSync(sc.localDirPath, { recursive: true, force: true });
      liveLocalDirs.delete(sc.localDirPath);
      throw e;
    }
    return sc;
  }

  private async start(opts: FlintContextOptions): Promise<void> {
    for (const l of opts.listeners ?? []) this.bus.addListener(l);
    if (this.conf.showProgress) {
      this.progress = new ConsoleProgressBar();
      this.bus.addListener(this.progress.listener);
    }
    this.backend = await resolveBackend(this.master, this.conf);
    if (!this.backend.registersApplication) await this.openEventLog();
    this.dag = new DAGScheduler({
      bus: this.bus,
      logger: this.logger,
      maxStageAttempts: this.conf.maxStageAttempts,
      maxResultSize: this.conf.maxResultSize,
      applyAccumulatorUpdates: (u) => {
        for (const [id, v] of u) this.accumulators.get(id)?._merge(v);
      },
      removeShuffleFiles: (shuffleId, outputs) => this.backend.removeShuffle(shuffleId, outputs),
      tracing: this.tracing,
    });
    this.taskScheduler = new TaskScheduler({ maxFailures: this.conf.maxTaskFailures, localityWaitMs: this.conf.localityWaitMs }, this.dag);
    this.dag.attach(this.taskScheduler);
    this.driverMetrics = DriverMetrics.create(() => this._appId);
    if (this.driverMetrics) this.bus.addListener(this.driverMetrics.listener);
    this.taskScheduler.setBackend(this.backend);
    if (!this.backend.registersApplication) this.postApplicationStart();
    await this.backend.start(this.taskScheduler, {
      registered: (appId) => this.adoptApplicationId(appId),
      // A cluster manager relays cancel requests (the master's jobs.cancel) here.
      cancelJob: (jobId, reason) =>
        this.cancelJob(jobId, reason) ? { cancelled: true, message: `job ${jobId} cancelled: ${reason}` } : { cancelled: false, message: `job ${jobId} is not running in ${this._appId}` },
      addListener: (l) => this.bus.addListener(l),
      logger: this.logger,
      ...(this.driverMetrics ? { telemetry: this.driverMetrics } : {}),
      appId: this.appId,
      appName: this.appName,
      conf: { ...this.conf.raw, 'flint.transport': this.transport },
      localDir: this.localDirPath,
      settings: this.conf,
      broadcasts: { broadcastBytes: (id) => this.broadcastBytes(id) },
    });
    this.postApplicationStart();
  }

  /** The id the cluster manager assigned: it names the local dir, and applicationStart carries it. */
  private adoptApplicationId(appId: string): void {
    if (this.applicationStarted) return;
    if (appId !== this._appId) {
      const dir = fs.mkdtempSync(path.join(this.conf.localDir, `flint-${appId}-`));
      fs.rmSync(this.localDirPath, { recursive: true, force: true });
      liveLocalDirs.delete(this.localDirPath);
      liveLocalDirs.add(dir);
      this.localDirPath = dir;
      this._appId = appId;
    }
    this.postApplicationStart();
  }

  private postApplicationStart(): void {
    if (this.applicationStarted) return;
    this.applicationStarted = true;
    this.bus.post({
      type: 'applicationStart',
      time: this.startTime,
      appId: this._appId,
      appName: this.appName,
      master: this.master,
      user: os.userInfo().username,
      // Events are logged, stored and shown: secrets are redacted.
      conf: redactConf(plainConf(this.conf.raw)),
    });
  }

  /**
   * Local mode keeps the application's events in the event store under `flint.eventLog.dir`,
   * as the master does for a cluster: @flint/event-store, loaded by name like the backends,
   * writes them from its own thread. Without the package the run goes on, with a warning.
   */
  private async openEventLog(): Promise<void> {
    if (!this.conf.eventLogEnabled) return;
    type EventLogModule = { EventLog: { open(o: { dir: string; appId: string; logger: Logger }): { listener: FlintListener; close(): Promise<unknown> } } };
    let mod: EventLogModule;
    try {
      mod = (await import('@flint/event-store' as string)) as EventLogModule;
    } catch (e) {
      this.logger.warn(`${this._appId} keeps no event log: cannot load @flint/event-store (${(e as Error).message}); add it to your dependencies, or set flint.eventLog.enabled=false`);
      return;
    }
    try {
      this.eventLog = mod.EventLog.open({ dir: this.conf.eventLogDir, appId: this._appId, logger: this.logger });
    } catch (e) {
      if (this.conf.eventLogDirExplicit) throw new FlintError(FlintErrorCode.CONFIG, (e as Error).message, { cause: e });
      this.logger.warn(`${this._appId} keeps no event log: ${(e as Error).message}`);
      return;
    }
    this.bus.addListener(this.eventLog.listener);
  }

  private postApplicationEnd(): void {
    if (this.applicationEnded) return;
    this.applicationEnded = true;
    this.bus.post({ type: 'applicationEnd', time: Date.now(), appId: this._appId });
  }

  /** The application's id: the one the master assigned (`app-…`) in cluster mode, `local-…` in local mode. */
  get appId(): string {
    return this._appId;
  }

  /** The application's id (as `appId`): what the master, its API and its UI show for this application. */
  get applicationId(): string {
    return this._appId;
  }

  private broadcastBytes(id: number): Uint8Array {
    const b = this.broadcasts.get(id);
    if (!b) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `broadcast ${id} does not exist or was destroyed`);
    return b;
  }

  private checkRunning(): void {
    if (this.state !== 'running') throw new FlintError(FlintErrorCode.CONTEXT_STOPPED, `FlintContext ${this.appId} is stopped; create a new one`);
  }

  /** The local directory of this application (shuffle files, spills, disk blocks in local mode). */
  get localDir(): string {
    return this.localDirPath;
  }

  get defaultParallelism(): number {
    return this.conf.defaultParallelism ?? this.backend.defaultParallelism();
  }

  /** Subscribes to listener events; returns a function that unsubscribes. */
  addListener(listener: FlintListener): () => void {
    return this.bus.addListener(listener);
  }

  /** Waits until listeners have seen every event posted so far. */
  flushEvents(): Promise<void> {
    return this.bus.flush();
  }

  // ---- creating RDDs ----------------------------------------------------------------------

  parallelize<T>(data: Iterable<T>, numSlices?: number): RDD<T> {
    this.checkRunning();
    const arr = Array.isArray(data) ? data : Array.from(data);
    return new ParallelCollectionRDD<T>(this, arr, numSlices ?? this.defaultParallelism);
  }

  range(start: number, end?: number, step = 1, numSlices?: number): RDD<number> {
    this.checkRunning();
    const [a, b] = end === undefined ? [0, start] : [start, end];
    return new RangeRDD(this, a, b, step, numSlices ?? this.defaultParallelism);
  }

  emptyRDD<T = never>(): RDD<T> {
    this.checkRunning();
    return new EmptyRDD<T>(this);
  }

  textFile(pathOrGlob: string, minPartitions?: number): RDD<string> {
    this.checkRunning();
    const files = listInputFiles(pathOrGlob);
    const splits = computeTextSplits(files, minPartitions ?? Math.min(this.defaultParallelism, 2), 32 << 20, this.defaultParallelism);
    return new TextFileRDD(this, splits);
  }

  wholeTextFiles(pathOrGlob: string, minPartitions?: number): RDD<[string, string]> {
    this.checkRunning();
    const files = listInputFiles(pathOrGlob);
    const n = Math.max(1, Math.min(files.length, minPartitions ?? this.defaultParallelism));
    const groups: string[][] = [];
    for (let i = 0; i < n; i++) groups.push(files.slice(Math.floor((i * files.length) / n), Math.floor(((i + 1) * files.length) / n)));
    return new WholeTextFilesRDD(this, files.length === 0 ? [] : groups);
  }

  union<T>(rdds: RDD<T>[]): RDD<T> {
    this.checkRunning();
    if (rdds.length === 0) return this.emptyRDD<T>();
    return new UnionRDD<T>(this, rdds);
  }

  broadcast<T>(value: T): Broadcast<T> {
    this.checkRunning();
    if (typeof value === 'object' && value !== null && typeof (value as { _plan?: unknown })._plan === 'function' && 'sc' in value) {
      // As in Spark: an RDD is not data (serializing it walked the whole context until the stack overflowed).
      throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `broadcast: cannot broadcast an RDD (RDD ${(value as { id?: unknown }).id}); broadcast the result of an action instead, e.g. sc.broadcast(await rdd.collect())`);
    }
    const id = this.broadcastSeq++;
    this.broadcasts.set(id, serialize(value));
    return new Broadcast<T>(id, value, (bid) => {
      this.backend.removeBroadcast(bid);
    });
  }

  accumulator<T = number>(initial: T, merge?: (a: T, b: T) => T): Accumulator<T> {
    this.checkRunning();
    const acc = new Accumulator<T>(this.accumulatorSeq++, initial, merge ?? null);
    this.accumulators.set(acc.id, acc as Accumulator<unknown>);
    return acc;
  }

  // ---- jobs -------------------------------------------------------------------------------

  /** Runs `resultFn` over partitions of `rdd`; results in partition order. */
  async runJob<R>(rdd: RDD<unknown>, resultFn: ResultFnSpec, partitions?: number[], description = 'job'): Promise<R[]> {
    this.checkRunning();
    const group = this.jobGroupScope.getStore() ?? null;
    const desc = group?.description ? `${description} (${group.description})` : description;
    return (await this.dag.runJob(rdd, resultFn, partitions, desc, group?.groupId ?? null)) as R[];
  }

  // ---- job groups and cancellation ----------------------------------------------------------

  /**
   * Puts the jobs that the calling code starts from now on into a group (as Spark's
   * setJobGroup does for a thread): the group, and `description` if given, show on their
   * `jobStart` events, and `cancelJobGroup(groupId)` cancels them together. The group follows
   * the calling code through its awaits and the async calls it makes; code running
   * independently (another request handler, a timer set earlier) keeps its own group.
   */
  setJobGroup(groupId: string, description?: string): void {
    if (typeof groupId !== 'string' || groupId.length === 0) {
      throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `setJobGroup: the group id must be a non-empty string, got ${JSON.stringify(groupId)}`);
    }
    this.jobGroupScope.enterWith({ groupId, description: description ?? null });
  }

  /** The calling code's jobs belong to no group from now on. */
  clearJobGroup(): void {
    this.jobGroupScope.enterWith(null);
  }

  /** The job group of the calling code, or null. */
  get jobGroup(): string | null {
    return this.jobGroupScope.getStore()?.groupId ?? null;
  }

  /**
   * Cancels a running job by id (ids are on `jobStart` events, or from `statusTracker`): its
   * promise rejects with a JobCancelledError, its running tasks are killed where they run
   * (threads or executor processes), and its `jobEnd` has status `cancelled`. Returns false
   * when no job with that id is running.
   */
  cancelJob(jobId: number, reason = 'cancelled by the program'): boolean {
    if (!Number.isInteger(jobId)) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `cancelJob: the job id must be an integer, got ${JSON.stringify(jobId)}`);
    if (this.state !== 'running') return false;
    return this.dag.cancelJob(jobId, reason);
  }

  /** Cancels every running job of a group (see setJobGroup); returns their ids. */
  cancelJobGroup(groupId: string, reason = `job group ${groupId} cancelled by the program`): number[] {
    if (this.state !== 'running') return [];
    return this.dag.cancelJobGroup(groupId, reason);
  }

  /** Cancels every running job; the context stays usable. Returns their ids. */
  cancelAllJobs(reason = 'all jobs cancelled by the program'): number[] {
    if (this.state !== 'running') return [];
    const ids = this.dag.activeJobIds();
    this.dag.cancelAllJobs(reason);
    return ids;
  }

  /** Which jobs are running: ids for cancelJob, by group or all. */
  get statusTracker(): { activeJobIds(): number[]; jobIdsForGroup(groupId: string): number[] } {
    return {
      activeJobIds: () => (this.state === 'running' ? this.dag.activeJobIds() : []),
      jobIdsForGroup: (groupId: string) => (this.state === 'running' ? this.dag.activeJobIds(groupId) : []),
    };
  }

  /** @internal Sizes of the schedulers' tables (all zero when no job runs), for tests and diagnostics. */
  _schedulerTables(): Record<string, number> {
    return { ...this.dag.tableSizes(), ...this.taskScheduler.tableSizes() };
  }

  /** @internal */
  _newRddId(): number {
    return this.rddSeq++;
  }
  /**
   * @internal A new shuffle dependency, watched: once the program can no longer reach it (it was
   * garbage-collected), the shuffle's map output files are deleted, as Spark's ContextCleaner does.
   */
  _newShuffleDependency(rdd: RDD<[unknown, unknown]>, partitioner: Partitioner, mapAgg: AggregatorSpec | null, pairsFor: string | null = null): ShuffleDependency {
    const dep: ShuffleDependency = { kind: 'shuffle', rdd, shuffleId: this.shuffleSeq++, partitioner, mapAgg, pairsFor };
    this.shuffleCleaner.register(dep, dep.shuffleId);
    return dep;
  }
  /** @internal */
  _persistRDD(rdd: RDD<unknown>): void {
    this.persisted.set(rdd.id, rdd);
  }
  /** @internal */
  async _unpersistRDD(rddId: number): Promise<void> {
    this.persisted.delete(rddId);
    this.dag.unpersist(rddId);
    this.backend.removeRdd(rddId);
    this.bus.post({ type: 'unpersistRDD', time: Date.now(), rddId });
  }
  /** @internal A closure runtime for running shipped functions on the driver (e.g. partitioners). */
  _closureRuntime(): ClosureRuntime {
    this.closureRuntime ??= {
      broadcastValue: () => {
        throw new Error('broadcast values are not available to driver-side partition functions');
      },
      accumulatorAdd: () => undefined,
      fetchBroadcasts: async () => undefined,
    };
    return this.closureRuntime;
  }

  /** Persisted RDDs of this context. */
  getPersistentRDDs(): Map<number, RDD<unknown>> {
    return new Map(this.persisted);
  }

  get isStopped(): boolean {
    return this.state !== 'running';
  }

  /** Stops the application: cancels running jobs, stops executors, removes local files. Idempotent. */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    try {
      this.dag?.cancelAllJobs('the FlintContext was stopped');
      await new Promise((r) => setImmediate(r));
      this.dag?.stop();
      this.taskScheduler?.stop();
      // applicationEnd reaches the backend's listeners (the event shipper) before it stops.
      this.postApplicationEnd();
      await this.bus.flush();
      await this.backend?.stop();
    } finally {
      this.postApplicationEnd();
      await this.bus.flush();
      await this.eventLog?.close().catch((e: Error) => this.logger.warn(`the event log of ${this._appId} is incomplete: ${e.message}`));
      this.tracing.close();
      this.progress?.stop();
      fs.rmSync(this.localDirPath, { recursive: true, force: true });
      liveLocalDirs.delete(this.localDirPath);
      this.state = 'stopped';
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
