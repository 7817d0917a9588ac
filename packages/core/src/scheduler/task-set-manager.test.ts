/**
 * The TaskSetManager on its own, with a manual clock: retries up to the bound and
 * away from executors a task failed on, delay scheduling (slot-local, then
 * executor-local, then anywhere once the locality wait has passed), kills, fetch
 * failures and executor losses. Then the TaskScheduler over it with a recording
 * backend: kills reach the backend, zombie sets let running tasks finish, and
 * every table is empty afterwards. Speculation does not exist yet, so it has no
 * test. No timers run: time moves only when a test moves it.
 */
import { describe, expect, test } from 'vitest';
import type { TaskFailureReason, TaskOutcome } from '../executor/task-description.ts';
import { emptyTaskMetrics } from '../executor/task-metrics.ts';
import type { TaskInfo } from '../listener/events.ts';
import type { TaskLocation } from './lineage.ts';
import type { ExecutorDescription, SchedulerBackend, WorkerOffer } from './scheduler-backend.ts';
import type { StageFailure } from './stage-failure.ts';
import { TaskScheduler, type TaskSchedulerListener } from './task-scheduler.ts';
import { TaskSetManager } from './task-set-manager.ts';
import type { TaskSet } from './task-set.ts';

class ManualClock {
  constructor(public now = 1_000_000) {}
  advance(ms: number): void {
    this.now += ms;
  }
  readonly read = (): number => this.now;
}

function taskSet(prefs: TaskLocation[][], kind: TaskSet['kind'] = 'result', stageId = 1, stageAttempt = 0): TaskSet {
  return {
    stageId,
    stageAttempt,
    jobId: 0,
    kind,
    planId: `${stageId}.${stageAttempt}`,
    plan: () => new Uint8Array(0),
    tasks: prefs.map((p, i) => ({ partition: i, prefs: p })),
    makeSplit: (p) => ({ split: { t: 'empty', i: p } }),
  };
}

interface Fixture {
  clock: ManualClock;
  tsm: TaskSetManager;
  executors: { n: number };
}

function fixture(ts: TaskSet, opts: { maxFailures?: number; localityWaitMs?: number; executors?: number } = {}): Fixture {
  const clock = new ManualClock();
  const executors = { n: opts.executors ?? 2 };
  let seq = 0;
  const tsm = new TaskSetManager(ts, opts.maxFailures ?? 4, opts.localityWaitMs ?? 3000, {
    nextTaskId: () => seq++,
    executorCount: () => executors.n,
    clock: clock.read,
  });
  return { clock, tsm, executors };
}

const offer = (executorId: string, slot = 0): WorkerOffer => ({ executorId, host: `host-${executorId}`, slot });

/** Offers one slot; launches what the manager picks. */
function launch(tsm: TaskSetManager, o: WorkerOffer): TaskInfo | null {
  const pick = tsm.resourceOffer(o);
  return pick ? tsm.launched(pick.index, o, pick.locality) : null;
}

const success = (): TaskOutcome => ({ status: 'success', value: null, mapOutput: null, metrics: emptyTaskMetrics(), accumUpdates: [], blockUpdates: [] });
const failed = (reason: TaskFailureReason): TaskOutcome => ({ status: 'failed', reason, metrics: null });
const boom = (msg = 'boom'): TaskFailureReason => ({ kind: 'exception', className: 'Error', message: msg, stack: `Error: ${msg}\n    at task`, fnMethod: 'map', fnSource: 'x => f(x)' });

describe('retries', () => {
  test('a failing task is retried up to maxFailures, then the set aborts with the typed failure of its last attempt', () => {
    const { tsm } = fixture(taskSet([[], []]), { maxFailures: 3, localityWaitMs: 0 });
    const attempts: TaskInfo[] = [];
    let abort: StageFailure | null = null;
    for (let round = 0; round < 10 && abort === null; round++) {
      const info = launch(tsm, offer(round % 2 === 0 ? 'e1' : 'e2'));
      expect(info).not.toBeNull();
      if (info!.index === 1) {
        tsm.handleEnd(info!.taskId, success());
        continue;
      }
      attempts.push(info!);
      abort = tsm.handleEnd(info!.taskId, failed(boom(`boom ${attempts.length}`)))!.abort;
    }
    expect(attempts.map((a) => a.attempt)).toEqual([0, 1, 2]);
    expect(tsm.failuresOf(0)).toBe(3);
    expect(tsm.zombie).toBe(true);
    expect(tsm.hasPending()).toBe(false);
    const last = attempts[2]!;
    expect(abort).toEqual({
      kind: 'taskFailures',
      stageId: 1,
      stageAttempt: 0,
      partition: 0,
      failures: 3,
      taskId: last.taskId,
      executorId: last.executorId,
      exception: boom('boom 3'),
    });
    // No further launches once aborted.
    expect(tsm.resourceOffer(offer('e1'))).toBeNull();
  });

  test('a retry avoids the executor it failed on while another exists, and runs there again when none does', () => {
    const { tsm, executors } = fixture(taskSet([[]]), { localityWaitMs: 0 });
    const first = launch(tsm, offer('e1'))!;
    tsm.handleEnd(first.taskId, failed(boom()));
    expect(tsm.resourceOffer(offer('e1'))).toBeNull();
    expect(tsm.hasPending()).toBe(true);
    const second = launch(tsm, offer('e2'))!;
    expect(second.executorId).toBe('e2');
    expect(second.attempt).toBe(1);
    tsm.handleEnd(second.taskId, failed(boom()));
    // It has now failed on both known executors: any executor will do.
    const third = launch(tsm, offer('e1'))!;
    expect(third.attempt).toBe(2);
    tsm.handleEnd(third.taskId, failed(boom()));
    // With e2 gone, the only executor left is one it failed on: it runs there.
    executors.n = 1;
    const fourth = launch(tsm, offer('e1'));
    expect(fourth?.attempt).toBe(3);
  });

  test('killed tasks do not count against the bound; a fetch failure makes the set a zombie without aborting it', () => {
    const { tsm } = fixture(taskSet([[], []]), { maxFailures: 1, localityWaitMs: 0 });
    for (let i = 0; i < 3; i++) {
      const info = launch(tsm, offer('e1'))!;
      expect(info.index).toBe(0);
      const r = tsm.handleEnd(info.taskId, failed({ kind: 'killed', reason: 'another attempt won' }))!;
      expect(r.abort).toBeNull();
    }
    expect(tsm.failuresOf(0)).toBe(0);
    const a = launch(tsm, offer('e1'))!;
    const b = launch(tsm, offer('e1', 1))!;
    const r = tsm.handleEnd(a.taskId, failed({ kind: 'fetchFailed', shuffleId: 0, mapId: 1, executorId: 'e9', reduceId: 0, message: 'gone' }))!;
    expect(r).toMatchObject({ abort: null, countsAsSuccess: false });
    expect(tsm.zombie).toBe(true);
    expect(tsm.resourceOffer(offer('e2'))).toBeNull();
    // The other running task still ends normally.
    expect(tsm.handleEnd(b.taskId, success())).toMatchObject({ abort: null, countsAsSuccess: true });
    expect(tsm.runningCount).toBe(0);
  });

  test('a task whose executor is lost each time aborts after maxFailures naming every exit', () => {
    const { tsm } = fixture(taskSet([[]]), { maxFailures: 2, localityWaitMs: 0, executors: 5 });
    const a = launch(tsm, offer('e1'))!;
    expect(tsm.handleEnd(a.taskId, failed({ kind: 'executorLost', executorId: 'e1', message: 'exit code 137' }))!.abort).toBeNull();
    const b = launch(tsm, offer('e2'))!;
    const abort = tsm.handleEnd(b.taskId, failed({ kind: 'executorLost', executorId: 'e2', message: 'signal SIGKILL' }))!.abort;
    expect(abort).toEqual({
      kind: 'executorLosses',
      stageId: 1,
      stageAttempt: 0,
      partition: 0,
      failures: 2,
      taskId: b.taskId,
      executorId: 'e2',
      exits: [
        { attempt: 0, taskId: a.taskId, executorId: 'e1', message: 'exit code 137' },
        { attempt: 1, taskId: b.taskId, executorId: 'e2', message: 'signal SIGKILL' },
      ],
    });
  });

  test('a second success of the same task does not count; the set is done when every task succeeded once', () => {
    const { tsm } = fixture(taskSet([[], []]), { localityWaitMs: 0 });
    const a = launch(tsm, offer('e1'))!;
    const b = launch(tsm, offer('e2'))!;
    expect(tsm.handleEnd(a.taskId, success())!.countsAsSuccess).toBe(true);
    expect(tsm.isDone).toBe(false);
    expect(tsm.handleEnd(b.taskId, success())!.countsAsSuccess).toBe(true);
    expect(tsm.isDone).toBe(true);
    expect(tsm.handleEnd(a.taskId, success())).toBeNull();
    expect(tsm.numSucceeded).toBe(2);
  });
});

describe('locality waits (manual clock)', () => {
  test('a task preferring an executor waits for it until the locality wait expires, then runs anywhere', () => {
    const { tsm, clock } = fixture(taskSet([[{ executorId: 'e1', slot: null }]]), { localityWaitMs: 3000 });
    expect(tsm.resourceOffer(offer('e2'))).toBeNull();
    clock.advance(2999);
    expect(tsm.resourceOffer(offer('e2'))).toBeNull();
    clock.advance(1);
    const info = launch(tsm, offer('e2'))!;
    expect(info).toMatchObject({ executorId: 'e2', locality: 'ANY', launchTime: clock.now });
  });

  test('slot-local before executor-local before anywhere; a memory block on one thread is not local to another', () => {
    const ts = taskSet([[{ executorId: 'e1', slot: 1 }], [{ executorId: 'e1', slot: null }], []]);
    const { tsm } = fixture(ts, { localityWaitMs: 3000 });
    // Slot 0 of e1: the executor-local task (the slot-1 task is not local here), then the one without preferences.
    expect(launch(tsm, offer('e1', 0))).toMatchObject({ index: 1, locality: 'NODE_LOCAL' });
    expect(launch(tsm, offer('e1', 0))).toMatchObject({ index: 2, locality: 'ANY' });
    expect(tsm.resourceOffer(offer('e1', 0))).toBeNull();
    expect(launch(tsm, offer('e1', 1))).toMatchObject({ index: 0, locality: 'PROCESS_LOCAL' });
  });

  test('each local launch restarts the wait; it expires only after a full wait without one', () => {
    const ts = taskSet([[{ executorId: 'e1', slot: null }], [{ executorId: 'e1', slot: null }], [{ executorId: 'e1', slot: null }]]);
    const { tsm, clock } = fixture(ts, { localityWaitMs: 1000 });
    clock.advance(900);
    expect(launch(tsm, offer('e1', 0))?.locality).toBe('NODE_LOCAL');
    clock.advance(900);
    // 1,800 ms since the set began, 900 since the last local launch: still waiting.
    expect(tsm.resourceOffer(offer('e2'))).toBeNull();
    clock.advance(100);
    expect(launch(tsm, offer('e2'))).toMatchObject({ locality: 'ANY', executorId: 'e2' });
  });

  test('with a zero wait, preferences only order the launches', () => {
    const { tsm } = fixture(taskSet([[{ executorId: 'e1', slot: null }]]), { localityWaitMs: 0 });
    expect(launch(tsm, offer('e2'))).toMatchObject({ locality: 'ANY' });
  });

  test('launch and finish times come from the injected clock', () => {
    const { tsm, clock } = fixture(taskSet([[]]), { localityWaitMs: 0 });
    const info = launch(tsm, offer('e1'))!;
    expect(info.launchTime).toBe(1_000_000);
    clock.advance(1234);
    const r = tsm.handleEnd(info.taskId, success())!;
    expect(r.info.finishTime).toBe(1_001_234);
  });
});

describe('executor loss', () => {
  test('finished map tasks that ran on a lost executor run again; result tasks do not', () => {
    const { tsm } = fixture(taskSet([[], [], []], 'shuffleMap'), { localityWaitMs: 0 });
    const a = launch(tsm, offer('e1'))!;
    const b = launch(tsm, offer('e2'))!;
    const c = launch(tsm, offer('e1', 1))!;
    for (const t of [a, b, c]) tsm.handleEnd(t.taskId, success());
    expect(tsm.isDone).toBe(true);
    expect(tsm.executorLost('e1').sort()).toEqual([a.index, c.index].sort());
    expect(tsm.numSucceeded).toBe(1);
    expect(tsm.hasPending()).toBe(true);
    const again = [launch(tsm, offer('e2'))!, launch(tsm, offer('e2', 1))!];
    expect(again.map((t) => t.index).sort()).toEqual([a.index, c.index].sort());
    expect(again.map((t) => t.attempt)).toEqual([1, 1]);

    const result = fixture(taskSet([[]], 'result'), { localityWaitMs: 0 }).tsm;
    const r = launch(result, offer('e1'))!;
    result.handleEnd(r.taskId, success());
    expect(result.executorLost('e1')).toEqual([]);
    expect(result.isDone).toBe(true);
  });

  test('unlaunch puts a task back as if it never ran', () => {
    const { tsm } = fixture(taskSet([[]]), { localityWaitMs: 0 });
    const a = launch(tsm, offer('e1'))!;
    tsm.unlaunch(a.taskId);
    expect(tsm.runningCount).toBe(0);
    expect(launch(tsm, offer('e1'))?.attempt).toBe(0);
  });
});

/** Records what the TaskScheduler asks of a backend. */
class RecordingBackend implements SchedulerBackend {
  readonly kills: { taskId: number; executorId: string; reason: string }[] = [];
  revives = 0;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  reviveOffers(): void {
    this.revives++;
  }
  killTask(taskId: number, executorId: string, reason: string): void {
    this.kills.push({ taskId, executorId, reason });
  }
  defaultParallelism(): number {
    return 1;
  }
  removeRdd(): void {}
  removeBroadcast(): void {}
  removeShuffle(): void {}
}

class RecordingListener implements TaskSchedulerListener {
  readonly calls: string[] = [];
  readonly failures: StageFailure[] = [];
  taskStarted(_ts: TaskSet, info: TaskInfo): void {
    this.calls.push(`start ${info.taskId}`);
  }
  taskEnded(_ts: TaskSet, info: TaskInfo, outcome: TaskOutcome, countsAsSuccess: boolean): void {
    this.calls.push(`end ${info.taskId} ${outcome.status}${countsAsSuccess ? '' : ' (not counted)'}`);
  }
  taskSetFailed(ts: TaskSet, failure: StageFailure): void {
    this.calls.push(`failed ${ts.stageId}.${ts.stageAttempt}`);
    this.failures.push(failure);
  }
  missingMapOutput(ts: TaskSet, shuffleId: number, mapId: number): void {
    this.calls.push(`missing ${ts.stageId} ${shuffleId}/${mapId}`);
  }
  executorAdded(e: ExecutorDescription): void {
    this.calls.push(`added ${e.executorId}`);
  }
  executorLost(executorId: string, _reason: string, resubmitted: { stageId: number; partitions: number[] }[]): void {
    this.calls.push(`lost ${executorId} ${JSON.stringify(resubmitted)}`);
  }
  slotReset(): void {}
  applicationKilled(): void {}
}

function scheduler(maxFailures = 4): { ts: TaskScheduler; backend: RecordingBackend; listener: RecordingListener; clock: ManualClock } {
  const clock = new ManualClock();
  const listener = new RecordingListener();
  const ts = new TaskScheduler({ maxFailures, localityWaitMs: 0, clock: clock.read }, listener);
  const backend = new RecordingBackend();
  ts.setBackend(backend);
  ts.executorAdded({ executorId: 'e1', host: 'h1', cores: 2, address: 'a1' });
  return { ts, backend, listener, clock };
}

describe('TaskScheduler kills', () => {
  test('cancelStage kills every running task of the stage on its executor and leaves no table behind', () => {
    const { ts, backend } = scheduler();
    ts.submitTasks(taskSet([[], [], []]));
    const launched = ts.resourceOffers([offer('e1', 0), offer('e1', 1)]);
    expect(launched.map((l) => l.task.partition)).toEqual([0, 1]);
    ts.cancelStage(1, 'job 0 cancelled');
    expect(backend.kills).toEqual(launched.map((l) => ({ taskId: l.task.taskId, executorId: 'e1', reason: 'job 0 cancelled' })));
    expect(ts.resourceOffers([offer('e1', 2)])).toEqual([]);
    for (const l of launched) ts.statusUpdate(l.task.taskId, failed({ kind: 'killed', reason: 'job 0 cancelled' }));
    expect(ts.tableSizes()).toEqual({ taskSets: 0, runningTasks: 0 });
    ts.stop();
  });

  test('a zombie set launches nothing more but its running tasks finish and are reported', () => {
    const { ts, backend, listener } = scheduler();
    ts.submitTasks(taskSet([[], []]));
    const [first] = ts.resourceOffers([offer('e1', 0)]);
    ts.markZombie(1, 0);
    expect(ts.resourceOffers([offer('e1', 1)])).toEqual([]);
    expect(ts.tableSizes()).toEqual({ taskSets: 1, runningTasks: 1 });
    ts.statusUpdate(first!.task.taskId, success());
    expect(listener.calls).toContain(`end ${first!.task.taskId} success`);
    expect(backend.kills).toEqual([]);
    expect(ts.tableSizes()).toEqual({ taskSets: 0, runningTasks: 0 });
    ts.stop();
  });

  test('an aborted set kills its other running tasks and reports the typed failure once', () => {
    const { ts, backend, listener } = scheduler(1);
    ts.submitTasks(taskSet([[], []]));
    const [a, b] = ts.resourceOffers([offer('e1', 0), offer('e1', 1)]);
    ts.statusUpdate(a!.task.taskId, failed(boom()));
    expect(backend.kills).toEqual([{ taskId: b!.task.taskId, executorId: 'e1', reason: 'stage aborted' }]);
    expect(listener.failures).toHaveLength(1);
    expect(listener.failures[0]).toMatchObject({ kind: 'taskFailures', partition: 0, failures: 1, executorId: 'e1' });
    ts.statusUpdate(b!.task.taskId, failed({ kind: 'killed', reason: 'stage aborted' }));
    expect(listener.failures).toHaveLength(1);
    expect(ts.tableSizes()).toEqual({ taskSets: 0, runningTasks: 0 });
    ts.stop();
  });

  test('tasks on a lost executor end as executorLost, and finished map tasks there are resubmitted', () => {
    const { ts, listener } = scheduler();
    ts.executorAdded({ executorId: 'e2', host: 'h2', cores: 1, address: 'a2' });
    ts.submitTasks(taskSet([[], [], []], 'shuffleMap', 4));
    const launched = ts.resourceOffers([offer('e1', 0), offer('e2', 0), offer('e1', 1)]);
    expect(launched).toHaveLength(3);
    const onE1 = launched.filter((l) => l.offer.executorId === 'e1');
    ts.statusUpdate(onE1[0]!.task.taskId, success());
    ts.executorLost('e1', 'gone');
    expect(listener.calls).toContain(`end ${onE1[1]!.task.taskId} failed (not counted)`);
    expect(listener.calls).toContain(`lost e1 ${JSON.stringify([{ stageId: 4, partitions: [onE1[0]!.task.partition] }])}`);
    expect(ts.executorIds()).toEqual(['e2']);
    ts.stop();
  });
});
