/**
 * Schedules the tasks of one TaskSet: picks a task for each offered slot with
 * delay scheduling (slot-local, then executor-local, then anywhere after the
 * locality wait), tracks attempts, retries failures up to maxFailures on other
 * executors when it can, and reports to its TaskScheduler. Owned by the
 * TaskScheduler; single-threaded (driver event loop).
 */
import type { TaskDescription, TaskOutcome } from '../executor/task-description.ts';
import type { TaskInfo } from '../listener/events.ts';
import type { WorkerOffer } from './scheduler-backend.ts';
import type { ExecutorExit, StageFailure } from './stage-failure.ts';
import type { TaskSet } from './task-set.ts';

type State = 'pending' | 'running' | 'succeeded';

export interface TaskSetManagerHooks {
  nextTaskId(): number;
  /** Executors currently known, to decide whether a task can avoid one it failed on. */
  executorCount(): number;
  clock(): number;
}

export interface LaunchedTask {
  task: TaskDescription;
  info: TaskInfo;
}

export class TaskSetManager {
  private readonly state: State[];
  private readonly failures: number[];
  private readonly attempts: number[];
  private readonly failedOn: Set<string>[];
  /** Per task index, the executor losses its attempts ran into (sparse). */
  private readonly exits: ExecutorExit[][] = [];
  private readonly running = new Map<number, { index: number; info: TaskInfo }>();
  /** Task ids of the successful attempt per index (map outputs from those are valid). */
  readonly successfulExecutor: (string | null)[];
  private readonly bySlot = new Map<string, number[]>();
  private readonly byExecutor = new Map<string, number[]>();
  private readonly noPrefs: number[] = [];
  private readonly all: number[] = [];
  private lastLocalLaunch: number;
  numSucceeded = 0;
  /** No further tasks are launched (stage done, aborted or failed by a fetch failure). */
  zombie = false;

  constructor(
    readonly taskSet: TaskSet,
    private readonly maxFailures: number,
    private readonly localityWaitMs: number,
    private readonly hooks: TaskSetManagerHooks,
  ) {
    const n = taskSet.tasks.length;
    this.state = new Array<State>(n).fill('pending');
    this.failures = new Array<number>(n).fill(0);
    this.attempts = new Array<number>(n).fill(0);
    this.failedOn = Array.from({ length: n }, () => new Set<string>());
    this.successfulExecutor = new Array<string | null>(n).fill(null);
    for (let i = n - 1; i >= 0; i--) this.addPending(i);
    this.lastLocalLaunch = hooks.clock();
  }

  get numTasks(): number {
    return this.taskSet.tasks.length;
  }
  get runningCount(): number {
    return this.running.size;
  }
  get isDone(): boolean {
    return this.numSucceeded === this.numTasks;
  }

  private addPending(i: number): void {
    const prefs = this.taskSet.tasks[i]!.prefs;
    for (const p of prefs) {
      // A memory block lives in one thread's heap: other slots of its executor are not local to it.
      if (p.slot !== null) push(this.bySlot, `${p.executorId}#${p.slot}`, i);
      else push(this.byExecutor, p.executorId, i);
    }
    if (prefs.length === 0) this.noPrefs.push(i);
    this.all.push(i);
  }

  private pick(list: number[] | undefined, executorId: string): number | null {
    if (!list) return null;
    for (let j = list.length - 1; j >= 0; j--) {
      const i = list[j]!;
      if (this.state[i] !== 'pending') {
        list.splice(j, 1);
        continue;
      }
      // Prefer executors this task has not failed on, while any such executor exists.
      if (this.failedOn[i]!.has(executorId) && this.failedOn[i]!.size < this.hooks.executorCount()) continue;
      list.splice(j, 1);
      return i;
    }
    return null;
  }

  hasPending(): boolean {
    if (this.zombie) return false;
    return this.state.some((s) => s === 'pending');
  }

  /** A task for this offer, or null (nothing pending, or waiting for a better location). */
  resourceOffer(offer: WorkerOffer): { index: number; locality: TaskInfo['locality'] } | null {
    if (this.zombie) return null;
    const now = this.hooks.clock();
    let i = this.pick(this.bySlot.get(`${offer.executorId}#${offer.slot}`), offer.executorId);
    let locality: TaskInfo['locality'] = 'PROCESS_LOCAL';
    if (i === null) {
      i = this.pick(this.byExecutor.get(offer.executorId), offer.executorId);
      locality = 'NODE_LOCAL';
    }
    if (i === null) {
      i = this.pick(this.noPrefs, offer.executorId);
      locality = 'ANY';
      if (i !== null) this.lastLocalLaunch = now;
    }
    if (i === null && now - this.lastLocalLaunch >= this.localityWaitMs) {
      i = this.pick(this.all, offer.executorId);
      locality = 'ANY';
    }
    if (i === null) return null;
    if (locality !== 'ANY') this.lastLocalLaunch = now;
    return { index: i, locality };
  }

  /** Marks task `index` running under a new task id. */
  launched(index: number, offer: WorkerOffer, locality: TaskInfo['locality']): TaskInfo {
    const info: TaskInfo = {
      taskId: this.hooks.nextTaskId(),
      index: this.taskSet.tasks[index]!.partition,
      attempt: this.attempts[index]!++,
      launchTime: this.hooks.clock(),
      finishTime: null,
      executorId: offer.executorId,
      host: offer.host,
      slot: offer.slot,
      locality,
      speculative: false,
    };
    this.state[index] = 'running';
    this.running.set(info.taskId, { index, info });
    return info;
  }

  /** A launch could not build its split (missing map output): the attempt counts as not run. */
  unlaunch(taskId: number): void {
    const r = this.running.get(taskId);
    if (!r) return;
    this.running.delete(taskId);
    this.state[r.index] = 'pending';
    this.attempts[r.index]!--;
    this.addPending(r.index);
  }

  runningTask(taskId: number): { index: number; info: TaskInfo } | undefined {
    return this.running.get(taskId);
  }

  runningTaskIds(): { taskId: number; executorId: string }[] {
    return [...this.running.values()].map((r) => ({ taskId: r.info.taskId, executorId: r.info.executorId }));
  }

  /**
   * Records how a task ended. Returns what the TaskScheduler must do: nothing more, or abort the
   * set for the reason given (the task failed flint.task.maxFailures times).
   */
  handleEnd(taskId: number, outcome: TaskOutcome): { info: TaskInfo; index: number; abort: StageFailure | null; countsAsSuccess: boolean } | null {
    const r = this.running.get(taskId);
    if (!r) return null;
    this.running.delete(taskId);
    r.info.finishTime = this.hooks.clock();
    const i = r.index;
    if (outcome.status === 'success') {
      if (this.state[i] === 'succeeded') return { info: r.info, index: i, abort: null, countsAsSuccess: false };
      this.state[i] = 'succeeded';
      this.successfulExecutor[i] = r.info.executorId;
      this.numSucceeded++;
      return { info: r.info, index: i, abort: null, countsAsSuccess: true };
    }
    const reason = outcome.reason;
    if (this.state[i] === 'succeeded') return { info: r.info, index: i, abort: null, countsAsSuccess: false };
    if (reason.kind === 'fetchFailed') {
      this.zombie = true;
      this.state[i] = 'pending';
      return { info: r.info, index: i, abort: null, countsAsSuccess: false };
    }
    this.state[i] = 'pending';
    if (reason.kind === 'exception' || reason.kind === 'executorLost') {
      // An executor that dies while running a task counts against the task, as Spark counts it:
      // a task that kills every executor it runs on (a record that exhausts memory, a crash in
      // native code) would otherwise be retried, and lose executors, forever.
      this.failures[i]!++;
      this.failedOn[i]!.add(r.info.executorId);
      if (reason.kind === 'executorLost') (this.exits[i] ??= []).push({ attempt: r.info.attempt, taskId: r.info.taskId, executorId: reason.executorId, message: reason.message });
      if (this.failures[i]! >= this.maxFailures) {
        this.zombie = true;
        const ts = this.taskSet;
        const task = { stageId: ts.stageId, stageAttempt: ts.stageAttempt, partition: r.info.index, failures: this.failures[i]!, taskId: r.info.taskId, executorId: r.info.executorId };
        const abort: StageFailure = reason.kind === 'exception' ? { kind: 'taskFailures', exception: reason, ...task } : { kind: 'executorLosses', exits: [...this.exits[i]!], ...task };
        return { info: r.info, index: i, abort, countsAsSuccess: false };
      }
    }
    if (!this.zombie) this.addPending(i);
    return { info: r.info, index: i, abort: null, countsAsSuccess: false };
  }

  /** An executor was lost: completed shuffle map tasks that ran there must run again. */
  executorLost(executorId: string): number[] {
    const redo: number[] = [];
    if (this.taskSet.kind !== 'shuffleMap' || this.zombie) return redo;
    for (let i = 0; i < this.state.length; i++) {
      if (this.state[i] === 'succeeded' && this.successfulExecutor[i] === executorId) {
        this.state[i] = 'pending';
        this.successfulExecutor[i] = null;
        this.numSucceeded--;
        this.addPending(i);
        redo.push(this.taskSet.tasks[i]!.partition);
      }
    }
    return redo;
  }

  failuresOf(index: number): number {
    return this.failures[index]!;
  }
}

function push<K>(m: Map<K, number[]>, k: K, v: number): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}
