/**
 * The stage-level scheduler. Turns each action into a job, cuts the job's RDD
 * graph into stages at shuffle dependencies, submits stages whose parents'
 * map outputs exist, tracks map outputs, resubmits parent stages after fetch
 * failures (bounded attempts), reacts to executor loss, and posts job/stage/task
 * events on the listener bus.
 *
 * Owns: stages, jobs, the MapOutputTracker and BlockManagerMaster. Does not
 * own: which slot a task runs on (TaskScheduler) or how tasks reach executors
 * (SchedulerBackend), nor broadcasts (the backend reads them from the context).
 * Built first, then attached to the TaskScheduler it drives (`attach`), which
 * reports back to it as its TaskSchedulerListener.
 * Threading: all state changes happen in one EventLoop; callers (actions, the
 * context, the TaskScheduler) post events.
 */
import { FlintError, FlintErrorCode, JobCancelledError, JobFailedError } from '../errors.ts';
import type { TaskOutcome } from '../executor/task-description.ts';
import type { FlintEvent, RddInfo, StageInfo, TaskInfo } from '../listener/events.ts';
import type { ListenerBus } from '../listener/listener-bus.ts';
import type { ResultFnSpec, StagePlan } from '../plan/plan.ts';
import type { LineageRdd, LineageShuffleDependency, TaskLocation } from './lineage.ts';
import { deserialize, serialize } from '../serializer.ts';
import { BlockManagerMaster } from './block-manager-master.ts';
import { EventLoop } from './event-loop.ts';
import { type MapStatus, MapOutputTracker } from './map-output-tracker.ts';
import type { JobTracing } from '../telemetry/tracing.ts';
import type { ExecutorDescription } from './scheduler-backend.ts';
import { type ActiveJob, Stage } from './stage.ts';
import { describeStageFailure, failureDetails, type FetchFailure, type StageFailure } from './stage-failure.ts';
import type { TaskSchedulerControl, TaskSchedulerListener } from './task-scheduler.ts';
import type { SplitOrMissing, TaskSet } from './task-set.ts';
import { type Logger, processWarningLogger } from '../logging/logger.ts';

type DagEvent =
  | { t: 'jobSubmitted'; job: Omit<ActiveJob, 'finalStage'>; rdd: LineageRdd }
  | { t: 'taskStarted'; ts: TaskSet; info: TaskInfo }
  | { t: 'taskEnded'; ts: TaskSet; info: TaskInfo; outcome: TaskOutcome; countsAsSuccess: boolean }
  | { t: 'taskSetFailed'; ts: TaskSet; failure: StageFailure }
  | { t: 'missingMapOutput'; ts: TaskSet; shuffleId: number; mapId: number }
  | { t: 'executorAdded'; e: ExecutorDescription }
  | { t: 'executorLost'; executorId: string; reason: string; resubmitted: { stageId: number; partitions: number[] }[] }
  | { t: 'resubmitFailedStages' }
  | { t: 'cancelAll'; reason: string }
  | { t: 'cancelJob'; jobId: number; reason: string }
  | { t: 'cancelJobGroup'; groupId: string; reason: string }
  | { t: 'applicationKilled'; reason: string }
  | { t: 'removeShuffle'; shuffleId: number }
  | { t: 'slotReset'; executorId: string; slot: number }
  | { t: 'unpersist'; rddId: number };

export interface DAGSchedulerHooks {
  bus: ListenerBus;
  maxStageAttempts: number;
  /** Bytes of task results one job may bring to the driver. */
  maxResultSize: number;
  applyAccumulatorUpdates(updates: [number, unknown][]): void;
  /** A shuffle no job can use any more: delete its map output files (grouped by their executor). */
  removeShuffleFiles(shuffleId: number, outputs: MapStatus[]): void;
  /** Job and stage spans (OpenTelemetry); sees every event before the bus. */
  tracing?: JobTracing;
  /** Milliseconds since the epoch, for event times; a manual clock in tests. @default Date.now */
  clock?: () => number;
  /** Where a failure of the loop's own handling is reported. @default processWarningLogger */
  logger?: Logger;
}

class MissingOutput extends Error {
  constructor(readonly shuffleId: number, readonly mapId: number) {
    super(`map output ${mapId} of shuffle ${shuffleId} is missing`);
  }
}

export class DAGScheduler implements TaskSchedulerListener {
  private readonly tracker = new MapOutputTracker();
  private readonly blockMaster = new BlockManagerMaster();
  private readonly loop: EventLoop<DagEvent>;
  private readonly stages = new Map<number, Stage>();
  private readonly shuffleStages = new Map<number, Stage>();
  private readonly jobs = new Map<number, ActiveJob>();
  private readonly waiting = new Set<Stage>();
  private readonly running = new Set<Stage>();
  private readonly failed = new Set<Stage>();
  private stageSeq = 0;
  private jobSeq = 0;
  private resubmitTimer: NodeJS.Timeout | null = null;
  /** Set once the cluster has ended the application: every job fails. */
  private killedReason: string | null = null;
  /**
   * Jobs from the moment their id is given until their promise settles, with their group: read
   * synchronously by anyone (job ids for cancellation), while the loop's own tables catch up.
   */
  private readonly activeJobs = new Map<number, string | null>();

  private taskScheduler!: TaskSchedulerControl;
  private readonly clock: () => number;

  constructor(private readonly hooks: DAGSchedulerHooks) {
    this.clock = hooks.clock ?? Date.now;
    this.loop = new EventLoop<DagEvent>('dag-scheduler', (e) => this.handle(e), (err, e) => {
      (this.hooks.logger ?? processWarningLogger).error(`DAGScheduler failed handling ${e.t}: ${(err as Error).stack ?? String(err)}`);
      if (e.t === 'jobSubmitted') e.job.reject(err instanceof Error ? err : new Error(String(err)));
    });
  }

  /** Gives the scheduler the task level it submits task sets to; called once, before any job. */
  attach(taskScheduler: TaskSchedulerControl): void {
    this.taskScheduler = taskScheduler;
  }

  private post(e: FlintEvent): void {
    this.hooks.tracing?.onEvent(e);
    this.hooks.bus.post(e);
  }

  // ---- public entry ---------------------------------------------------------------------

  async runJob(rdd: LineageRdd, resultFn: ResultFnSpec, partitions: number[] | undefined, description: string, jobGroup: string | null = null): Promise<unknown[]> {
    await rdd._prepare();
    const parts = partitions ?? Array.from({ length: rdd.getNumPartitions() }, (_, i) => i);
    for (const p of parts) {
      if (!Number.isInteger(p) || p < 0 || p >= rdd.getNumPartitions()) {
        throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `partition ${p} does not exist in RDD ${rdd.id} (it has ${rdd.getNumPartitions()})`);
      }
    }
    const jobId = this.jobSeq++;
    if (parts.length === 0) {
      const now = this.clock();
      this.post({ type: 'jobStart', time: now, jobId, description, stageIds: [], stageInfos: [], jobGroup });
      this.post({ type: 'jobEnd', time: now, jobId, result: { status: 'succeeded' } });
      return [];
    }
    this.activeJobs.set(jobId, jobGroup);
    const forget = (): void => {
      this.activeJobs.delete(jobId);
    };
    const done = new Promise<unknown[]>((resolve, reject) => {
      this.loop.post({
        t: 'jobSubmitted',
        rdd,
        job: {
          jobId,
          partitions: parts,
          resultFn,
          finished: new Array<boolean>(parts.length).fill(false),
          numFinished: 0,
          results: new Array<unknown>(parts.length),
          description,
          jobGroup,
          resolve,
          reject,
          done: false,
          resultBytes: 0,
        },
      });
    });
    done.then(forget, forget);
    return done;
  }

  /** Ids of the jobs submitted and not yet ended, oldest first; with a group, only that group's. */
  activeJobIds(jobGroup?: string): number[] {
    const ids: number[] = [];
    for (const [id, g] of this.activeJobs) if (jobGroup === undefined || g === jobGroup) ids.push(id);
    return ids;
  }

  /**
   * Cancels a job: its promise rejects with a JobCancelledError, its tasks still running are
   * killed (stages other jobs share keep running), and a `jobEnd` with status `cancelled` is
   * posted. Returns false when no such job is running.
   */
  cancelJob(jobId: number, reason: string): boolean {
    if (!this.activeJobs.has(jobId)) return false;
    this.loop.post({ t: 'cancelJob', jobId, reason });
    return true;
  }

  /** Cancels every running job of a group; returns their ids. */
  cancelJobGroup(groupId: string, reason: string): number[] {
    const ids = this.activeJobIds(groupId);
    if (ids.length > 0) this.loop.post({ t: 'cancelJobGroup', groupId, reason });
    return ids;
  }

  cancelAllJobs(reason: string): void {
    this.loop.post({ t: 'cancelAll', reason });
  }

  /** @internal How many entries each table of the scheduler holds (all zero when no job runs), for tests and diagnostics. */
  tableSizes(): Record<'stages' | 'shuffleStages' | 'jobs' | 'waiting' | 'running' | 'failed', number> {
    return {
      stages: this.stages.size,
      shuffleStages: this.shuffleStages.size,
      jobs: this.jobs.size,
      waiting: this.waiting.size,
      running: this.running.size,
      failed: this.failed.size,
    };
  }

  stop(): void {
    if (this.resubmitTimer) clearTimeout(this.resubmitTimer);
    this.loop.stop();
  }

  // ---- TaskSchedulerListener (called by the TaskScheduler; posts to the loop) -------------

  taskStarted(ts: TaskSet, info: TaskInfo): void {
    this.loop.post({ t: 'taskStarted', ts, info });
  }
  taskEnded(ts: TaskSet, info: TaskInfo, outcome: TaskOutcome, countsAsSuccess: boolean): void {
    this.loop.post({ t: 'taskEnded', ts, info, outcome, countsAsSuccess });
  }
  taskSetFailed(ts: TaskSet, failure: StageFailure): void {
    this.loop.post({ t: 'taskSetFailed', ts, failure });
  }
  missingMapOutput(ts: TaskSet, shuffleId: number, mapId: number): void {
    this.loop.post({ t: 'missingMapOutput', ts, shuffleId, mapId });
  }
  executorAdded(e: ExecutorDescription): void {
    this.loop.post({ t: 'executorAdded', e });
  }
  executorLost(executorId: string, reason: string, resubmitted: { stageId: number; partitions: number[] }[]): void {
    this.loop.post({ t: 'executorLost', executorId, reason, resubmitted });
  }
  slotReset(executorId: string, slot: number): void {
    this.loop.post({ t: 'slotReset', executorId, slot });
  }
  applicationKilled(reason: string): void {
    this.loop.post({ t: 'applicationKilled', reason });
  }

  // ---- the loop ---------------------------------------------------------------------------

  private handle(e: DagEvent): void {
    switch (e.t) {
      case 'jobSubmitted':
        return this.onJobSubmitted(e.rdd, e.job);
      case 'taskStarted':
        this.post({ type: 'taskStart', time: e.info.launchTime, stageId: e.ts.stageId, stageAttempt: e.ts.stageAttempt, taskInfo: { ...e.info } });
        return;
      case 'taskEnded':
        return this.onTaskEnded(e.ts, e.info, e.outcome, e.countsAsSuccess);
      case 'taskSetFailed': {
        const stage = this.stages.get(e.ts.stageId);
        if (stage) this.abortStage(stage, e.failure, e.ts);
        return;
      }
      case 'missingMapOutput': {
        const stage = this.stages.get(e.ts.stageId);
        if (stage) this.onFetchFailure(stage, e.ts.stageAttempt, { shuffleId: e.shuffleId, mapId: e.mapId, executorId: null, message: `map output ${e.mapId} of shuffle ${e.shuffleId} is missing` });
        return;
      }
      case 'executorAdded':
        this.post({
          type: 'executorAdded',
          time: this.clock(),
          executorId: e.e.executorId,
          host: e.e.host,
          totalCores: e.e.cores,
          logUrls: e.e.logUrls ?? {},
          address: e.e.address,
          pid: e.e.pid ?? null,
          workerId: e.e.workerId ?? null,
        });
        return;
      case 'executorLost':
        return this.onExecutorLost(e.executorId, e.reason, e.resubmitted);
      case 'resubmitFailedStages': {
        const list = [...this.failed].sort((a, b) => a.firstJobId - b.firstJobId);
        this.failed.clear();
        for (const s of list) this.submitStage(s);
        return;
      }
      case 'cancelAll':
        for (const job of [...this.jobs.values()]) this.cancel(job, e.reason);
        return;
      case 'cancelJob': {
        const job = this.jobs.get(e.jobId);
        if (job) this.cancel(job, e.reason);
        return;
      }
      case 'cancelJobGroup':
        for (const job of [...this.jobs.values()]) if (job.jobGroup === e.groupId) this.cancel(job, e.reason);
        return;
      case 'removeShuffle':
        this.handleRemoveShuffle(e.shuffleId);
        return;
      case 'slotReset':
        this.blockMaster.removeSlot(e.executorId, e.slot);
        return;
      case 'unpersist':
        this.blockMaster.removeRdd(e.rddId);
        return;
      case 'applicationKilled':
        this.killedReason ??= e.reason;
        for (const job of [...this.jobs.values()]) this.failJob(job, this.applicationKilledError(job.jobId), null);
        return;
    }
  }

  // ---- stages -----------------------------------------------------------------------------

  private shuffleDepsOf(rdd: LineageRdd): LineageShuffleDependency[] {
    const out: LineageShuffleDependency[] = [];
    const seen = new Set<number>();
    const stack: LineageRdd[] = [rdd];
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      for (const d of r.dependencies()) {
        if (d.kind === 'shuffle') out.push(d);
        else stack.push(d.rdd);
      }
    }
    return out;
  }

  private parentStages(rdd: LineageRdd, jobId: number): Stage[] {
    return this.shuffleDepsOf(rdd).map((d) => this.shuffleMapStage(d, jobId));
  }

  private shuffleMapStage(dep: LineageShuffleDependency, jobId: number): Stage {
    const existing = this.shuffleStages.get(dep.shuffleId);
    if (existing) return existing;
    const parents = this.parentStages(dep.rdd, jobId);
    const stage = new Stage(this.stageSeq++, dep.rdd, parents, jobId, dep, `${dep.rdd.scope} at stage`);
    this.stages.set(stage.id, stage);
    this.shuffleStages.set(dep.shuffleId, stage);
    this.tracker.registerShuffle(dep.shuffleId, dep.rdd.getNumPartitions());
    return stage;
  }

  private isAvailable(stage: Stage): boolean {
    return stage.shuffleDep !== null && this.tracker.isAvailable(stage.shuffleDep.shuffleId);
  }

  private missingParents(stage: Stage): Stage[] {
    return stage.parents.filter((p) => !this.isAvailable(p));
  }

  private rddInfos(stage: Stage): RddInfo[] {
    const out: RddInfo[] = [];
    const seen = new Set<number>();
    const visit = (r: LineageRdd): void => {
      if (seen.has(r.id)) return;
      seen.add(r.id);
      const deps = r.dependencies();
      out.push({
        id: r.id,
        name: r.name ?? r.constructor.name,
        scope: r.scope,
        parentIds: deps.map((d) => d.rdd.id),
        numPartitions: r.getNumPartitions(),
        storageLevel: r.storageLevel,
      });
      for (const d of deps) if (d.kind === 'narrow') visit(d.rdd);
    };
    visit(stage.rdd);
    return out.sort((a, b) => a.id - b.id);
  }

  private stageInfo(stage: Stage, attempt: number, numTasks: number): StageInfo {
    return {
      stageId: stage.id,
      attempt,
      name: stage.isShuffleMap ? `${stage.rdd.scope} (shuffle ${stage.shuffleDep!.shuffleId})` : `${stage.job?.description ?? 'result'} at ${stage.rdd.scope}`,
      numTasks,
      parentIds: stage.parents.map((p) => p.id),
      rddInfos: this.rddInfos(stage),
      kind: stage.isShuffleMap ? 'shuffleMap' : 'result',
      shuffleId: stage.shuffleDep?.shuffleId ?? null,
      submissionTime: null,
      completionTime: null,
      failureReason: null,
    };
  }

  private applicationKilledError(jobId: number): FlintError {
    return new FlintError(
      FlintErrorCode.APPLICATION_KILLED,
      `job ${jobId} failed: the cluster ended this application (${this.killedReason}); no executor will come back, so create a new FlintContext`,
    );
  }

  private onJobSubmitted(rdd: LineageRdd, j: Omit<ActiveJob, 'finalStage'>): void {
    if (this.killedReason !== null) {
      j.reject(this.applicationKilledError(j.jobId));
      return;
    }
    let finalStage: Stage;
    try {
      const parents = this.parentStages(rdd, j.jobId);
      finalStage = new Stage(this.stageSeq++, rdd, parents, j.jobId, null, j.description);
    } catch (err) {
      j.reject(err as Error);
      return;
    }
    const job = j as ActiveJob;
    job.finalStage = finalStage;
    finalStage.job = job;
    this.stages.set(finalStage.id, finalStage);
    this.jobs.set(job.jobId, job);
    const all: Stage[] = [];
    const seen = new Set<Stage>();
    const visit = (s: Stage): void => {
      if (seen.has(s)) return;
      seen.add(s);
      s.jobIds.add(job.jobId);
      all.push(s);
      s.parents.forEach(visit);
    };
    visit(finalStage);
    const infos = all.map((s) => this.stageInfo(s, Math.max(0, s.latestAttempt), s === finalStage ? job.partitions.length : s.numPartitions));
    this.post({
      type: 'jobStart',
      time: this.clock(),
      jobId: job.jobId,
      description: job.description,
      stageIds: infos.map((i) => i.stageId),
      stageInfos: infos,
      jobGroup: job.jobGroup,
    });
    this.submitStage(finalStage);
  }

  private activeJobFor(stage: Stage): ActiveJob | null {
    let best: ActiveJob | null = null;
    for (const id of stage.jobIds) {
      const j = this.jobs.get(id);
      if (j && !j.done && (!best || j.jobId < best.jobId)) best = j;
    }
    return best;
  }

  private submitStage(stage: Stage): void {
    const job = this.activeJobFor(stage);
    if (!job) return;
    if (this.waiting.has(stage) || this.running.has(stage) || this.failed.has(stage)) return;
    const missing = this.missingParents(stage);
    if (missing.length === 0) {
      this.submitMissingTasks(stage, job);
    } else {
      for (const p of missing) this.submitStage(p);
      this.waiting.add(stage);
    }
  }

  private submitMissingTasks(stage: Stage, job: ActiveJob): void {
    let partitions: number[];
    if (stage.isShuffleMap) partitions = this.tracker.missing(stage.shuffleDep!.shuffleId);
    else partitions = stage.job!.partitions.filter((_, i) => !stage.job!.finished[i]);
    if (partitions.length === 0) {
      if (stage.isShuffleMap) this.submitWaitingChildren(stage);
      return;
    }
    this.largestInputFirst(stage, partitions);
    stage.latestAttempt++;
    const attempt = stage.latestAttempt;
    stage.pendingPartitions.clear();
    for (const p of partitions) stage.pendingPartitions.add(p);
    const info = this.stageInfo(stage, attempt, partitions.length);
    info.submissionTime = this.clock();
    stage.info = info;

    let planBytes: Uint8Array;
    try {
      const plan: StagePlan = {
        stageId: stage.id,
        attempt,
        root: stage.rdd._plan(),
        shuffleWrite: stage.isShuffleMap
          ? {
              shuffleId: stage.shuffleDep!.shuffleId,
              partitioner: stage.shuffleDep!.partitioner.spec(),
              agg: stage.shuffleDep!.mapAgg,
              ...(stage.shuffleDep!.pairsFor ? { pairsFor: stage.shuffleDep!.pairsFor } : {}),
            }
          : null,
        resultFn: stage.isShuffleMap ? null : stage.job!.resultFn,
      };
      planBytes = serialize(plan);
    } catch (err) {
      this.post({ type: 'stageSubmitted', time: this.clock(), stageInfo: { ...info } });
      this.abortStage(stage, { kind: 'planNotSerializable', stageId: stage.id, message: (err as Error).message }, null);
      return;
    }
    this.running.add(stage);
    this.post({ type: 'stageSubmitted', time: this.clock(), stageInfo: { ...info } });

    const builder = {
      blocksFor: (shuffleId: number, reduceId: number) => {
        const b = this.tracker.blocksFor(shuffleId, reduceId);
        if (!Array.isArray(b)) throw new MissingOutput(shuffleId, b.missingMapId);
        return b;
      },
    };
    const ts: TaskSet = {
      stageId: stage.id,
      stageAttempt: attempt,
      jobId: job.jobId,
      kind: stage.isShuffleMap ? 'shuffleMap' : 'result',
      planId: `${stage.id}.${attempt}`,
      traceParent: this.hooks.tracing?.traceParent(stage.id, attempt) ?? null,
      plan: () => planBytes,
      tasks: partitions.map((p) => ({ partition: p, prefs: this.preferredLocs(stage.rdd, p, 0) })),
      makeSplit: (p: number): SplitOrMissing => {
        try {
          return { split: stage.rdd.split(p, builder) };
        } catch (err) {
          if (err instanceof MissingOutput) return { missing: { shuffleId: err.shuffleId, mapId: err.mapId } };
          throw err;
        }
      },
    };
    this.taskScheduler.submitTasks(ts);
  }

  /**
   * Orders a stage that reads shuffles by decreasing shuffle input (the bytes its parents' map
   * outputs hold for each partition's reduce id), so the slots start on the biggest tasks and the
   * small ones fill in at the end: with keys skewed over hash partitions, running partitions in
   * index order can leave one slot with the last big task while the others sit idle. An estimate
   * where a partition does not read its own reduce id (coalesce): it only changes the order.
   */
  private largestInputFirst(stage: Stage, partitions: number[]): void {
    const shuffles = stage.parents.filter((p) => p.isShuffleMap).map((p) => p.shuffleDep!.shuffleId);
    if (shuffles.length === 0 || partitions.length < 2) return;
    const bytes = new Map<number, number>();
    for (const p of partitions) bytes.set(p, shuffles.reduce((t, id) => t + this.tracker.reduceBytes(id, p), 0));
    partitions.sort((a, b) => bytes.get(b)! - bytes.get(a)! || a - b);
  }

  private preferredLocs(rdd: LineageRdd, p: number, depth: number): TaskLocation[] {
    if (depth > 200) return [];
    const cached = this.blockMaster.locations(rdd.id, p);
    if (cached.length > 0) return cached;
    const own = rdd.preferredLocations(p);
    if (own.length > 0) return own;
    const parent = rdd.narrowParent(p);
    return parent ? this.preferredLocs(parent.rdd, parent.partition, depth + 1) : [];
  }

  /**
   * A parent finished: its waiting children run if every parent's output now exists. A parent
   * that finished earlier may have lost outputs since (an executor went), and nothing else
   * would run it again: submitting the child afresh resubmits each parent whose outputs are
   * missing and puts the child back to wait for them.
   */
  private submitWaitingChildren(parent: Stage): void {
    for (const s of [...this.waiting]) {
      if (!this.waiting.has(s)) continue;
      if (s.parents.includes(parent) || this.missingParents(s).length === 0) {
        this.waiting.delete(s);
        this.submitStage(s);
      }
    }
  }

  /**
   * Map outputs were lost: every waiting stage resubmits the parents whose outputs are now
   * missing and that nothing is computing, so the recomputation starts now, beside the parents
   * still running, rather than after them.
   */
  private resubmitLostParents(): void {
    for (const s of [...this.waiting]) {
      if (!this.waiting.has(s)) continue;
      for (const p of this.missingParents(s)) {
        if (!this.waiting.has(p) && !this.running.has(p) && !this.failed.has(p)) this.submitStage(p);
      }
    }
  }

  private markStageFinished(stage: Stage, failure: string | null): void {
    this.running.delete(stage);
    if (stage.info) {
      stage.info.completionTime = this.clock();
      stage.info.failureReason = failure;
      this.post({ type: 'stageCompleted', time: stage.info.completionTime, stageInfo: { ...stage.info } });
    }
  }

  // ---- task ends ----------------------------------------------------------------------------

  private onTaskEnded(ts: TaskSet, info: TaskInfo, outcome: TaskOutcome, countsAsSuccess: boolean): void {
    const stage = this.stages.get(ts.stageId);
    this.post({
      type: 'taskEnd',
      time: info.finishTime ?? this.clock(),
      stageId: ts.stageId,
      stageAttempt: ts.stageAttempt,
      taskType: ts.kind,
      reason: outcome.status === 'success' ? { kind: 'success' } : outcome.reason,
      taskInfo: { ...info },
      metrics: outcome.metrics,
    });
    if (!stage) return;
    if (outcome.status === 'success') {
      for (const u of outcome.blockUpdates) {
        this.blockMaster.update(info.executorId, info.slot, u);
        this.post({ type: 'blockUpdated', time: this.clock(), executorId: info.executorId, blockId: u.blockId, rddId: u.rddId, storageLevel: u.level, memSize: u.memSize, diskSize: u.diskSize });
      }
      if (!countsAsSuccess) return;
      if (stage.isShuffleMap) {
        const mo = outcome.mapOutput!;
        this.hooks.applyAccumulatorUpdates(outcome.accumUpdates);
        this.tracker.register(stage.shuffleDep!.shuffleId, info.index, {
          executorId: info.executorId,
          address: this.taskScheduler.executor(info.executorId)?.address ?? '',
          path: mo.path,
          offsets: mo.offsets,
          lengths: mo.lengths,
          records: mo.records,
        });
        if (ts.stageAttempt === stage.latestAttempt) stage.pendingPartitions.delete(info.index);
        if (this.running.has(stage) && stage.pendingPartitions.size === 0) {
          this.markStageFinished(stage, null);
          this.taskScheduler.markZombie(stage.id, ts.stageAttempt);
          if (this.isAvailable(stage)) this.submitWaitingChildren(stage);
          else this.submitStage(stage);
        }
      } else {
        const job = stage.job;
        if (!job || job.done) return;
        // Usually partition i is the job's i-th: skip the scan (10,000 tiny tasks made it quadratic).
        const idx = job.partitions[info.index] === info.index ? info.index : job.partitions.indexOf(info.index);
        if (idx < 0 || job.finished[idx]) return;
        // A result still on its executor counts by its announced size (the backend never fetches one over the limit).
        job.resultBytes += outcome.value?.length ?? outcome.resultRef?.size ?? 0;
        if (job.resultBytes > this.hooks.maxResultSize) {
          this.failJob(
            job,
            new FlintError(
              FlintErrorCode.RESULT_TOO_LARGE,
              `Job ${job.jobId}: total size of serialized results (${job.resultBytes} bytes after ${job.numFinished + 1} of ${job.partitions.length} tasks) is bigger than flint.driver.maxResultSize (${this.hooks.maxResultSize} bytes); raise the setting or bring less data to the driver (e.g. take(), saveAsTextFile(), toLocalIterator())`,
            ),
            stage,
          );
          return;
        }
        this.hooks.applyAccumulatorUpdates(outcome.accumUpdates);
        job.finished[idx] = true;
        job.numFinished++;
        job.results[idx] = outcome.value ? deserialize(outcome.value) : null;
        stage.pendingPartitions.delete(info.index);
        if (job.numFinished === job.partitions.length) {
          job.done = true;
          this.markStageFinished(stage, null);
          this.cleanupJob(job);
          this.post({ type: 'jobEnd', time: this.clock(), jobId: job.jobId, result: { status: 'succeeded' } });
          job.resolve(job.results);
        }
      }
      return;
    }
    const reason = outcome.reason;
    if (reason.kind === 'fetchFailed') {
      this.onFetchFailure(stage, ts.stageAttempt, { shuffleId: reason.shuffleId, mapId: reason.mapId, executorId: reason.executorId, message: reason.message });
    }
  }

  private onFetchFailure(stage: Stage, attempt: number, fetch: FetchFailure): void {
    const { shuffleId, mapId, executorId } = fetch;
    const mapStage = this.shuffleStages.get(shuffleId);
    // As Spark does without an external shuffle service: a missing output means the executor's shuffle
    // files are gone, so all of them are recomputed in one resubmission rather than one file per attempt.
    if (executorId) this.tracker.removeOutputsOnExecutor(executorId);
    else this.tracker.unregister(shuffleId, mapId, null);
    if (attempt !== stage.latestAttempt && !this.running.has(stage)) return;
    this.taskScheduler.markZombie(stage.id, attempt);
    if (this.running.has(stage)) this.markStageFinished(stage, `fetch failure: ${fetch.message}`);
    stage.failedAttempts++;
    if (stage.failedAttempts >= this.hooks.maxStageAttempts) {
      this.abortStage(stage, { kind: 'fetchFailures', stageId: stage.id, failedAttempts: stage.failedAttempts, mostRecent: fetch }, null);
      return;
    }
    this.failed.add(stage);
    if (mapStage) {
      this.running.delete(mapStage);
      this.waiting.delete(mapStage);
      this.failed.add(mapStage);
    }
    if (!this.resubmitTimer) {
      this.resubmitTimer = setTimeout(() => {
        this.resubmitTimer = null;
        this.loop.post({ t: 'resubmitFailedStages' });
      }, 200);
    }
  }

  private onExecutorLost(executorId: string, reason: string, resubmitted: { stageId: number; partitions: number[] }[]): void {
    this.tracker.removeOutputsOnExecutor(executorId);
    this.blockMaster.removeExecutor(executorId);
    for (const r of resubmitted) {
      const s = this.stages.get(r.stageId);
      if (s) for (const p of r.partitions) s.pendingPartitions.add(p);
    }
    this.resubmitLostParents();
    this.post({ type: 'executorRemoved', time: this.clock(), executorId, reason });
  }

  private abortStage(stage: Stage, failure: StageFailure, ts: TaskSet | null): void {
    const message = describeStageFailure(failure);
    const jobs = [...this.jobs.values()].filter((j) => this.dependsOn(j.finalStage, stage));
    if (this.running.has(stage)) this.markStageFinished(stage, message);
    if (ts) this.taskScheduler.markZombie(ts.stageId, ts.stageAttempt);
    const details = failureDetails(failure);
    for (const job of jobs) {
      const err = new JobFailedError(`Job ${job.jobId} aborted due to stage failure: ${message}`, { jobId: job.jobId, stageId: stage.id, ...details });
      this.failJob(job, err, stage);
    }
  }

  private dependsOn(s: Stage, target: Stage): boolean {
    if (s === target) return true;
    return s.parents.some((p) => this.dependsOn(p, target));
  }

  private cancel(job: ActiveJob, reason: string): void {
    const group = job.jobGroup === null ? '' : ` (job group ${job.jobGroup})`;
    this.failJob(job, new JobCancelledError(`job ${job.jobId}${group} was cancelled: ${reason}`, { jobId: job.jobId, jobGroup: job.jobGroup, reason }), null, 'cancelled');
  }

  private failJob(job: ActiveJob, err: Error, _failedStage: Stage | null, status: 'failed' | 'cancelled' = 'failed'): void {
    if (job.done) return;
    job.done = true;
    const why = `job ${job.jobId} ${status}`;
    // Stop the stages only this job needs: no more launches, and every attempt's running tasks are
    // killed where they run (an older attempt's too, after a fetch failure). Shared stages go on.
    const seen = new Set<Stage>();
    const visit = (s: Stage): void => {
      if (seen.has(s)) return;
      seen.add(s);
      if ([...s.jobIds].every((id) => id === job.jobId || this.jobs.get(id)?.done !== false)) {
        this.taskScheduler.cancelStage(s.id, why);
        if (this.running.has(s)) this.markStageFinished(s, why);
      }
      s.parents.forEach(visit);
    };
    visit(job.finalStage);
    this.cleanupJob(job);
    this.post({ type: 'jobEnd', time: this.clock(), jobId: job.jobId, result: { status, error: err.message } });
    job.reject(err);
  }

  /**
   * Forgets the stages no running job needs, shuffle map stages included (as Spark does): their
   * map outputs stay in the tracker, so a later job over the same shuffle builds a new stage that
   * is already available and skipped. The scheduler then holds no reference to a finished job's
   * RDDs, and a shuffle whose RDDs the program dropped can be cleaned (`removeShuffle`).
   */
  private cleanupJob(job: ActiveJob): void {
    this.jobs.delete(job.jobId);
    const visit = (s: Stage): void => {
      s.jobIds.delete(job.jobId);
      if (s.jobIds.size === 0) {
        this.waiting.delete(s);
        this.failed.delete(s);
        if (!this.running.has(s)) {
          this.stages.delete(s.id);
          if (s.shuffleDep && this.shuffleStages.get(s.shuffleDep.shuffleId) === s) this.shuffleStages.delete(s.shuffleDep.shuffleId);
        }
      }
      s.parents.forEach(visit);
    };
    visit(job.finalStage);
  }

  /**
   * Called when the program can no longer reach a shuffle (its dependency was garbage-collected):
   * drops its map outputs and deletes their files on the executors holding them.
   */
  removeShuffle(shuffleId: number): void {
    this.loop.post({ t: 'removeShuffle', shuffleId });
  }

  /** An RDD was unpersisted: its cached blocks no longer give tasks a preferred location. */
  unpersist(rddId: number): void {
    this.loop.post({ t: 'unpersist', rddId });
  }

  private handleRemoveShuffle(shuffleId: number): void {
    if (this.shuffleStages.has(shuffleId)) return; // still used by a running job
    const outputs = this.tracker.files(shuffleId);
    this.tracker.removeShuffle(shuffleId);
    if (outputs.length > 0) this.hooks.removeShuffleFiles(shuffleId, outputs);
  }
}
