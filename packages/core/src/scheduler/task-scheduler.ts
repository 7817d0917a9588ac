/**
 * Turns TaskSets into task launches on the slots a SchedulerBackend offers, and
 * routes task ends back to the DAGScheduler. Owns the active TaskSetManagers
 * (FIFO by job, then stage), the task id counter and the set of live executors.
 * Does not own stages, map outputs or broadcasts. Built after the DAGScheduler,
 * which it reports to as its TaskSchedulerListener.
 * Single-threaded: every call happens on the driver's event loop.
 */
import type { TaskDescription, TaskFailureReason, TaskOutcome } from '../executor/task-description.ts';
import type { TaskInfo } from '../listener/events.ts';
import type { ExecutorDescription, SchedulerBackend, TaskLaunch, TaskSchedulerPort, WorkerOffer } from './scheduler-backend.ts';
import type { StageFailure } from './stage-failure.ts';
import type { TaskSet } from './task-set.ts';
import { TaskSetManager } from './task-set-manager.ts';

/** What the TaskScheduler reports to the DAGScheduler. */
export interface TaskSchedulerListener {
  taskStarted(ts: TaskSet, info: TaskInfo): void;
  taskEnded(ts: TaskSet, info: TaskInfo, outcome: TaskOutcome, countsAsSuccess: boolean): void;
  /** The task set gave up (a task failed flint.task.maxFailures times): the stage aborts. */
  taskSetFailed(ts: TaskSet, failure: StageFailure): void;
  /** A fetch failure detected at launch time: a map output the task needs is gone. */
  missingMapOutput(ts: TaskSet, shuffleId: number, mapId: number): void;
  executorAdded(e: ExecutorDescription): void;
  executorLost(executorId: string, reason: string, resubmittedMapTasks: { stageId: number; partitions: number[] }[]): void;
  slotReset(executorId: string, slot: number): void;
  applicationKilled(reason: string): void;
}

/** What the DAGScheduler asks of the task level: the TaskScheduler, or a fake in unit tests. */
export interface TaskSchedulerControl {
  submitTasks(ts: TaskSet): void;
  /** Makes a stage attempt a zombie (no new launches) but lets running tasks finish. */
  markZombie(stageId: number, stageAttempt: number): void;
  /** Stops every attempt of a stage: no new launches, and their running tasks are killed. */
  cancelStage(stageId: number, reason: string): void;
  executor(id: string): ExecutorDescription | undefined;
}

export interface TaskSchedulerOptions {
  maxFailures: number;
  localityWaitMs: number;
  /** Milliseconds since the epoch; a manual clock in tests. @default Date.now */
  clock?: () => number;
}

export class TaskScheduler implements TaskSchedulerPort, TaskSchedulerControl {
  private readonly managers: TaskSetManager[] = [];
  private readonly taskToManager = new Map<number, TaskSetManager>();
  private readonly executors = new Map<string, ExecutorDescription>();
  private taskIdSeq = 0;
  private backend: SchedulerBackend | null = null;
  private reviveTimer: NodeJS.Timeout | null = null;
  private readonly clock: () => number;

  constructor(private readonly opts: TaskSchedulerOptions, private readonly listener: TaskSchedulerListener) {
    this.clock = opts.clock ?? Date.now;
  }

  setBackend(b: SchedulerBackend): void {
    this.backend = b;
  }

  executorIds(): string[] {
    return [...this.executors.keys()];
  }
  executor(id: string): ExecutorDescription | undefined {
    return this.executors.get(id);
  }

  submitTasks(ts: TaskSet): void {
    const m = new TaskSetManager(ts, this.opts.maxFailures, this.opts.localityWaitMs, {
      nextTaskId: () => this.taskIdSeq++,
      executorCount: () => this.executors.size,
      clock: this.clock,
    });
    this.managers.push(m);
    this.managers.sort((a, b) => a.taskSet.jobId - b.taskSet.jobId || a.taskSet.stageId - b.taskSet.stageId);
    this.backend?.reviveOffers();
  }

  /** Stops launching tasks of a stage attempt and kills those running. */
  cancelTaskSet(stageId: number, stageAttempt: number, reason: string): void {
    for (const m of this.managers) {
      if (m.taskSet.stageId === stageId && m.taskSet.stageAttempt === stageAttempt) {
        m.zombie = true;
        for (const t of m.runningTaskIds()) this.backend?.killTask(t.taskId, t.executorId, reason);
      }
    }
    this.cleanup();
  }

  /** Stops every attempt of a stage: no new launches, and their running tasks are killed. */
  cancelStage(stageId: number, reason: string): void {
    for (const m of this.managers) {
      if (m.taskSet.stageId === stageId) {
        m.zombie = true;
        for (const t of m.runningTaskIds()) this.backend?.killTask(t.taskId, t.executorId, reason);
      }
    }
    this.cleanup();
  }

  /** Makes a stage attempt a zombie (no new launches) but lets running tasks finish. */
  markZombie(stageId: number, stageAttempt: number): void {
    for (const m of this.managers) if (m.taskSet.stageId === stageId && m.taskSet.stageAttempt === stageAttempt) m.zombie = true;
    this.cleanup();
  }

  private cleanup(): void {
    for (let i = this.managers.length - 1; i >= 0; i--) {
      const m = this.managers[i]!;
      if ((m.zombie || m.isDone) && m.runningCount === 0) this.managers.splice(i, 1);
    }
  }

  // ---- TaskSchedulerPort ------------------------------------------------------------------

  resourceOffers(offers: WorkerOffer[]): TaskLaunch[] {
    const launches: TaskLaunch[] = [];
    if (this.managers.length === 0 || offers.length === 0) return launches;
    let declinedForLocality = false;
    const shuffled = spreadOffers(offers);
    for (const offer of shuffled) {
      for (const m of this.managers) {
        if (m.zombie) continue;
        const pick = m.resourceOffer(offer);
        if (!pick) {
          if (m.hasPending()) declinedForLocality = true;
          continue;
        }
        const ts = m.taskSet;
        const info = m.launched(pick.index, offer, pick.locality);
        const partition = ts.tasks[pick.index]!.partition;
        const sm = ts.makeSplit(partition);
        if ('missing' in sm) {
          m.unlaunch(info.taskId);
          m.zombie = true;
          this.listener.missingMapOutput(ts, sm.missing.shuffleId, sm.missing.mapId);
          continue;
        }
        this.taskToManager.set(info.taskId, m);
        const task: TaskDescription = {
          taskId: info.taskId,
          jobId: ts.jobId,
          stageId: ts.stageId,
          stageAttempt: ts.stageAttempt,
          partition,
          attempt: info.attempt,
          planId: ts.planId,
          split: sm.split,
        };
        if (ts.traceParent) task.traceParent = ts.traceParent;
        this.listener.taskStarted(ts, info);
        launches.push({ offer, task, plan: ts.plan });
        break;
      }
    }
    this.cleanup();
    if (declinedForLocality && !this.reviveTimer) {
      this.reviveTimer = setTimeout(() => {
        this.reviveTimer = null;
        this.backend?.reviveOffers();
      }, Math.max(50, Math.min(this.opts.localityWaitMs, 1000)));
      this.reviveTimer.unref();
    }
    return launches;
  }

  statusUpdate(taskId: number, outcome: TaskOutcome): void {
    const m = this.taskToManager.get(taskId);
    if (!m) return;
    this.taskToManager.delete(taskId);
    const r = m.handleEnd(taskId, outcome);
    if (!r) return;
    this.listener.taskEnded(m.taskSet, r.info, outcome, r.countsAsSuccess);
    if (r.abort) {
      for (const t of m.runningTaskIds()) this.backend?.killTask(t.taskId, t.executorId, 'stage aborted');
      this.listener.taskSetFailed(m.taskSet, r.abort);
    }
    this.cleanup();
    if (this.managers.some((x) => x.hasPending())) this.backend?.reviveOffers();
  }

  executorAdded(e: ExecutorDescription): void {
    this.executors.set(e.executorId, e);
    this.listener.executorAdded(e);
    this.backend?.reviveOffers();
  }

  executorLost(executorId: string, reason: string): void {
    if (!this.executors.delete(executorId)) return;
    const resubmitted: { stageId: number; partitions: number[] }[] = [];
    // Running tasks there end as executorLost, which counts against each of them (bounded by maxFailures).
    for (const [taskId, m] of [...this.taskToManager]) {
      const r = m.runningTask(taskId);
      if (r && r.info.executorId === executorId) {
        const lost: TaskFailureReason = { kind: 'executorLost', executorId, message: reason };
        this.statusUpdate(taskId, { status: 'failed', reason: lost, metrics: null });
      }
    }
    for (const m of this.managers) {
      const redo = m.executorLost(executorId);
      if (redo.length > 0) resubmitted.push({ stageId: m.taskSet.stageId, partitions: redo });
    }
    this.listener.executorLost(executorId, reason, resubmitted);
    this.backend?.reviveOffers();
  }

  slotReset(executorId: string, slot: number): void {
    this.listener.slotReset(executorId, slot);
  }

  applicationKilled(reason: string): void {
    this.listener.applicationKilled(reason);
  }

  /** @internal Task sets held and tasks running (all zero when no job runs), for tests and diagnostics. */
  tableSizes(): { taskSets: number; runningTasks: number } {
    return { taskSets: this.managers.length, runningTasks: this.taskToManager.size };
  }

  stop(): void {
    if (this.reviveTimer) clearTimeout(this.reviveTimer);
    this.reviveTimer = null;
  }
}

/** Orders offers round-robin across executors, so tasks spread out. */
function spreadOffers(offers: WorkerOffer[]): WorkerOffer[] {
  const byExec = new Map<string, WorkerOffer[]>();
  for (const o of offers) {
    const l = byExec.get(o.executorId);
    if (l) l.push(o);
    else byExec.set(o.executorId, [o]);
  }
  if (byExec.size <= 1) return offers;
  const lists = [...byExec.values()];
  const out: WorkerOffer[] = [];
  for (let i = 0; out.length < offers.length; i++) for (const l of lists) if (i < l.length) out.push(l[i]!);
  return out;
}
