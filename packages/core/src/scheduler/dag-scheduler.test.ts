/**
 * The DAGScheduler and TaskScheduler driven step by step through a scripted
 * backend: the test decides which slot runs which task, when each task ends and
 * with what, and when an executor goes. RDDs come from a real local context (only
 * their graph is used; no task runs in it), so every decision the schedulers
 * take is visible: which task sets are submitted, which splits reduce tasks read.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import { FlintError, JobCancelledError } from '../errors.ts';
import { emptyTaskMetrics } from '../executor/task-metrics.ts';
import type { TaskOutcome } from '../executor/task-description.ts';
import type { FlintEvent } from '../listener/events.ts';
import { ListenerBus } from '../listener/listener-bus.ts';
import type { RDD } from '../rdd/rdd.ts';
import { serialize } from '../serializer.ts';
import { DAGScheduler } from './dag-scheduler.ts';
import type { SchedulerBackend, TaskLaunch, TaskSchedulerPort, WorkerOffer } from './scheduler-backend.ts';
import { TaskScheduler } from './task-scheduler.ts';

/** Executors with slots; launches only when the test offers, and records kills. */
class ScriptedBackend implements SchedulerBackend {
  port!: TaskSchedulerPort;
  readonly executors = new Map<string, number>();
  readonly running = new Map<number, TaskLaunch>();
  readonly killed: number[] = [];
  async start(port: TaskSchedulerPort): Promise<void> {
    this.port = port;
  }
  async stop(): Promise<void> {}
  reviveOffers(): void {}
  killTask(taskId: number): void {
    this.killed.push(taskId);
  }
  defaultParallelism(): number {
    return 2;
  }
  removeRdd(): void {}
  removeBroadcast(): void {}
  removeShuffle(): void {}

  addExecutor(id: string, cores = 1): void {
    this.executors.set(id, cores);
    this.port.executorAdded({ executorId: id, host: 'h', cores, address: `addr-${id}` });
  }
  loseExecutor(id: string, reason: string): void {
    this.executors.delete(id);
    for (const [t, l] of this.running) if (l.offer.executorId === id) this.running.delete(t);
    this.port.executorLost(id, reason);
  }
  /** Offers every free slot; returns what was launched. */
  offer(): TaskLaunch[] {
    const busy = new Set([...this.running.values()].map((l) => `${l.offer.executorId}#${l.offer.slot}`));
    const offers: WorkerOffer[] = [];
    for (const [id, cores] of this.executors) for (let s = 0; s < cores; s++) if (!busy.has(`${id}#${s}`)) offers.push({ executorId: id, host: 'h', slot: s });
    const launched = this.port.resourceOffers(offers);
    for (const l of launched) this.running.set(l.task.taskId, l);
    return launched;
  }
  end(taskId: number, outcome: TaskOutcome): void {
    this.running.delete(taskId);
    this.port.statusUpdate(taskId, outcome);
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function mapSuccess(l: TaskLaunch, reducers: number): TaskOutcome {
  return {
    status: 'success',
    value: null,
    mapOutput: {
      path: `/shuffle/${l.offer.executorId}/${l.task.stageId}-${l.task.partition}`,
      offsets: Array.from({ length: reducers }, (_, i) => i * 10),
      lengths: new Array<number>(reducers).fill(10),
      records: new Array<number>(reducers).fill(1),
    },
    metrics: emptyTaskMetrics(),
    accumUpdates: [],
    blockUpdates: [],
  };
}

function resultSuccess(value: unknown): TaskOutcome {
  return { status: 'success', value: serialize(value), mapOutput: null, metrics: emptyTaskMetrics(), accumUpdates: [], blockUpdates: [] };
}

/** Every block reference a launched task's split reads, wherever it sits in the split. */
function addressesRead(split: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.address === 'string' && typeof o.path === 'string') out.push(o.address);
      Object.values(o).forEach(walk);
    }
  };
  walk(split);
  return out;
}

let sc: FlintContext;
beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[1]', appName: 'dag-scheduler-test', progress: false });
});
afterAll(async () => {
  await sc?.stop();
});

interface Harness {
  backend: ScriptedBackend;
  dag: DAGScheduler;
  taskScheduler: TaskScheduler;
  events: FlintEvent[];
}

const harnesses: Harness[] = [];
afterEach(() => {
  for (const h of harnesses.splice(0)) {
    h.dag.stop();
    h.taskScheduler.stop();
  }
});

async function harness(maxFailures = 4): Promise<Harness> {
  const bus = new ListenerBus();
  const events: FlintEvent[] = [];
  bus.addListener((e) => {
    events.push(e);
  });
  const backend = new ScriptedBackend();
  const dag = new DAGScheduler({
    bus,
    maxStageAttempts: 4,
    maxResultSize: 1 << 30,
    applyAccumulatorUpdates: () => undefined,
    removeShuffleFiles: () => undefined,
  });
  const taskScheduler = new TaskScheduler({ maxFailures, localityWaitMs: 0 }, dag);
  dag.attach(taskScheduler);
  taskScheduler.setBackend(backend);
  await backend.start(taskScheduler);
  const h = { backend, dag, taskScheduler, events };
  harnesses.push(h);
  return h;
}

/** cogroup of two unpartitioned RDDs: two shuffle map stages (2 maps each, 2 reducers) and a result stage. */
function twoParentJob(): RDD<unknown> {
  const left = sc.parallelize<[number, string]>([[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']], 2);
  const right = sc.parallelize<[number, number]>([[1, 10], [2, 20], [3, 30], [4, 40]], 2);
  return left.cogroup(right, 2) as unknown as RDD<unknown>;
}

describe('lost map outputs of a finished parent stage', () => {
  test('are recomputed before the child stage runs (the job ends, and reads no output of the lost executor)', async () => {
    const { backend, dag } = await harness();
    backend.addExecutor('e1', 2);
    const job = dag.runJob(twoParentJob(), { name: 'collect', args: {} }, undefined, 'two parents');
    let settled = false;
    void job.then(
      () => (settled = true),
      () => (settled = true),
    );
    await tick();
    // The first parent stage's two maps run on e1; then e2 comes and runs the other parent's.
    const aOnE1 = backend.offer();
    backend.addExecutor('e2', 2);
    const bTasks = backend.offer();
    expect(aOnE1.length).toBe(2);
    expect(bTasks.length).toBe(2);
    const stageA = aOnE1[0]!.task.stageId;
    const stageB = bTasks[0]!.task.stageId;
    expect(stageA).not.toBe(stageB);
    expect(aOnE1.every((l) => l.task.stageId === stageA && l.offer.executorId === 'e1')).toBe(true);
    expect(bTasks.every((l) => l.task.stageId === stageB && l.offer.executorId === 'e2')).toBe(true);
    for (const l of aOnE1) backend.end(l.task.taskId, mapSuccess(l, 2));
    await tick();
    backend.loseExecutor('e1', 'killed on purpose');
    await tick();
    for (const l of bTasks) backend.end(l.task.taskId, mapSuccess(l, 2));
    await tick();
    // Stage A is computed again on e2 (the only executor left), then the result stage runs.
    const readers: TaskLaunch[] = [];
    for (let round = 0; round < 10 && !settled; round++) {
      const launched = backend.offer();
      for (const l of launched) {
        expect(l.offer.executorId).toBe('e2');
        if (l.task.stageId === stageA) backend.end(l.task.taskId, mapSuccess(l, 2));
        else {
          readers.push(l);
          backend.end(l.task.taskId, resultSuccess([l.task.partition]));
        }
      }
      await tick();
    }
    expect(settled).toBe(true);
    expect(await job).toEqual([[0], [1]]);
    expect(readers.map((l) => l.task.partition).sort()).toEqual([0, 1]);
    for (const l of readers) {
      const addrs = addressesRead(l.task.split);
      expect(addrs.length).toBe(4);
      expect(addrs.every((a) => a === 'addr-e2')).toBe(true);
    }
  });
});

describe('a task whose executor is lost every time it runs', () => {
  test('fails its job after flint.task.maxFailures losses, naming the task and each exit; other tasks and the next job run', async () => {
    const { backend, dag, taskScheduler, events } = await harness(3);
    let n = 0;
    const exec = (): string => {
      const id = `e${n++}`;
      backend.addExecutor(id, 2);
      return id;
    };
    exec();
    const job = dag.runJob(sc.parallelize([1, 2, 3, 4], 2) as RDD<unknown>, { name: 'collect', args: {} }, undefined, 'poison');
    const failure = job.then(
      () => null,
      (e: unknown) => e as Error,
    );
    await tick();
    const losses: string[] = [];
    let good = 0;
    for (let round = 0; round < 20; round++) {
      for (const l of backend.offer()) {
        if (l.task.partition === 0) {
          backend.end(l.task.taskId, resultSuccess([1, 2]));
          good++;
        } else {
          // Partition 1 takes its executor down with it; a new executor replaces it.
          losses.push(l.offer.executorId);
          backend.loseExecutor(l.offer.executorId, `exited with signal SIGKILL (round ${round})`);
          exec();
        }
      }
      await tick();
      if (backend.executors.size > 50) break;
    }
    const err = await Promise.race([failure, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 200))]);
    expect(err).toBeInstanceOf(FlintError);
    if (!(err instanceof Error)) throw new Error('unreachable');
    expect(losses.length).toBe(3);
    expect(good).toBeGreaterThanOrEqual(1);
    expect(err.message).toMatch(/Task 1 in stage \d+\.0 failed 3 times/);
    for (const k of losses.keys()) expect(err.message).toContain(`attempt ${k} (task `);
    for (const id of losses) expect(err.message).toContain(`on executor ${id}: exited with signal SIGKILL`);
    await tick();
    const end = events.find((e): e is Extract<FlintEvent, { type: 'jobEnd' }> => e.type === 'jobEnd');
    expect(end?.result.status).toBe('failed');
    expect(dag.tableSizes()).toEqual({ stages: 0, shuffleStages: 0, jobs: 0, waiting: 0, running: 0, failed: 0 });
    expect(taskScheduler.tableSizes()).toEqual({ taskSets: 0, runningTasks: 0 });

    // The next job runs normally on the executors left.
    const next = dag.runJob(sc.parallelize([5, 6, 7], 3) as RDD<unknown>, { name: 'collect', args: {} }, undefined, 'next');
    await tick();
    for (let round = 0; round < 5; round++) {
      for (const l of backend.offer()) backend.end(l.task.taskId, resultSuccess([l.task.partition + 5]));
      await tick();
    }
    expect(await next).toEqual([[5], [6], [7]]);
  });
});

describe('an application the cluster ends', () => {
  test('fails its running jobs and every later one with a clear error, instead of waiting for executors forever', async () => {
    const { backend, dag, taskScheduler } = await harness();
    backend.addExecutor('e1', 1);
    const job = dag.runJob(sc.parallelize([1, 2, 3, 4], 2) as RDD<unknown>, { name: 'collect', args: {} }, undefined, 'running');
    const failure = job.then(
      () => null,
      (e: unknown) => e as FlintError,
    );
    await tick();
    expect(backend.offer().length).toBe(1);
    backend.loseExecutor('e1', 'application killed');
    backend.port.applicationKilled('5 executors in a row failed');
    const err = await Promise.race([failure, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 200))]);
    expect(err).toBeInstanceOf(FlintError);
    expect((err as FlintError).code).toBe('APPLICATION_KILLED');
    expect((err as FlintError).message).toContain('5 executors in a row failed');
    const later = await dag.runJob(sc.parallelize([1], 1) as RDD<unknown>, { name: 'collect', args: {} }, undefined, 'later').then(
      () => null,
      (e: unknown) => e as FlintError,
    );
    expect(later?.code).toBe('APPLICATION_KILLED');
    expect(dag.tableSizes()).toEqual({ stages: 0, shuffleStages: 0, jobs: 0, waiting: 0, running: 0, failed: 0 });
    expect(taskScheduler.tableSizes().runningTasks).toBe(0);
  });
});

describe('cancelling one of two jobs that share a shuffle stage', () => {
  test('kills only what the cancelled job alone needs: the shared map stage runs on and the other job ends', async () => {
    const { backend, dag, taskScheduler } = await harness();
    backend.addExecutor('e1', 4);
    const shared = sc.parallelize<[number, number]>([[1, 1], [2, 2], [3, 3], [4, 4]], 2).reduceByKey((a, b) => a + b, 2);
    const a = dag.runJob(shared as unknown as RDD<unknown>, { name: 'collect', args: {} }, undefined, 'a', 'g');
    const b = dag.runJob(shared.mapValues((v) => v * 2) as unknown as RDD<unknown>, { name: 'collect', args: {} }, undefined, 'b', null);
    const aFailure = a.then(
      () => null,
      (e: unknown) => e as Error,
    );
    await tick();
    const maps = backend.offer();
    expect(maps.length).toBe(2);
    expect(new Set(maps.map((l) => l.task.stageId)).size).toBe(1);
    // Job a is cancelled through its group while the shared map stage runs.
    expect(dag.activeJobIds('g').length).toBe(1);
    expect(dag.cancelJobGroup('g', 'test')).toEqual(dag.activeJobIds('g'));
    await tick();
    expect(await aFailure).toBeInstanceOf(JobCancelledError);
    expect(backend.killed).toEqual([]);
    for (const l of maps) backend.end(l.task.taskId, mapSuccess(l, 2));
    await tick();
    const results = backend.offer();
    expect(results.length).toBe(2);
    for (const l of results) backend.end(l.task.taskId, resultSuccess([l.task.partition]));
    expect(await b).toEqual([[0], [1]]);
    await tick();
    expect(dag.tableSizes()).toEqual({ stages: 0, shuffleStages: 0, jobs: 0, waiting: 0, running: 0, failed: 0 });
    expect(taskScheduler.tableSizes()).toEqual({ taskSets: 0, runningTasks: 0 });
    expect(dag.activeJobIds()).toEqual([]);
  });

  test('a cancelled job kills its running tasks on their executors', async () => {
    const { backend, dag, taskScheduler } = await harness();
    backend.addExecutor('e1', 2);
    const job = dag.runJob(sc.parallelize([1, 2, 3, 4], 2) as RDD<unknown>, { name: 'collect', args: {} }, undefined, 'c');
    const failure = job.then(
      () => null,
      (e: unknown) => e as Error,
    );
    await tick();
    const launched = backend.offer();
    const [id] = dag.activeJobIds();
    expect(dag.cancelJob(id!, 'stop it')).toBe(true);
    expect(await failure).toBeInstanceOf(JobCancelledError);
    expect(backend.killed.sort()).toEqual(launched.map((l) => l.task.taskId).sort());
    for (const l of launched) backend.end(l.task.taskId, { status: 'failed', reason: { kind: 'killed', reason: 'stop it' }, metrics: null });
    await tick();
    expect(taskScheduler.tableSizes()).toEqual({ taskSets: 0, runningTasks: 0 });
    expect(dag.tableSizes().jobs).toBe(0);
    expect(dag.cancelJob(id!, 'again')).toBe(false);
  });
});
