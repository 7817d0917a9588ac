/**
 * The DAGScheduler alone, as Spark's DAGSchedulerSuite tests it: a fake task
 * scheduler records the task sets it is given, and the test ends each task with
 * the outcome it chooses. RDDs are plain objects satisfying LineageRdd (no
 * context, no executor), so every stage the scheduler cuts and every split it
 * builds is visible. After every job ends, each internal table of the scheduler
 * is checked empty (`assertEmpty`).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { JobCancelledError, JobFailedError } from '../errors.ts';
import type { TaskFailureReason, TaskOutcome } from '../executor/task-description.ts';
import { emptyTaskMetrics } from '../executor/task-metrics.ts';
import type { FlintEvent, TaskInfo } from '../listener/events.ts';
import { ListenerBus } from '../listener/listener-bus.ts';
import type { BlockRef, Split } from '../plan/plan.ts';
import { serialize } from '../serializer.ts';
import { DAGScheduler } from './dag-scheduler.ts';
import type { LineageDependency, LineageRdd, LineageShuffleDependency, SplitBuilder, TaskLocation } from './lineage.ts';
import type { MapStatus } from './map-output-tracker.ts';
import type { ExecutorDescription } from './scheduler-backend.ts';
import type { TaskSchedulerControl } from './task-scheduler.ts';
import type { TaskSet } from './task-set.ts';

// ---- a lineage of plain objects -------------------------------------------------------------

let rddSeq = 0;
let shuffleSeq = 0;

class FakeRdd implements LineageRdd {
  readonly id = rddSeq++;
  readonly name = null;
  readonly storageLevel = 'NONE' as const;
  prepared = 0;
  constructor(
    readonly numPartitions: number,
    readonly deps: LineageDependency[] = [],
    readonly scope = 'fake',
    readonly locations: TaskLocation[][] = [],
  ) {}
  getNumPartitions(): number {
    return this.numPartitions;
  }
  dependencies(): LineageDependency[] {
    return this.deps;
  }
  /** Reads partition i of every narrow parent and reduce partition i of every shuffle. */
  split(i: number, b: SplitBuilder): Split {
    const parents = this.deps.map((d): Split => (d.kind === 'shuffle' ? { t: 'shuffled', i, blocks: b.blocksFor(d.shuffleId, i) } : d.rdd.split(i, b)));
    return parents.length === 0 ? { t: 'empty', i } : { t: 'zip', i, parents };
  }
  preferredLocations(i: number): TaskLocation[] {
    return this.locations[i] ?? [];
  }
  narrowParent(i: number): { rdd: LineageRdd; partition: number } | null {
    const d = this.deps[0];
    return d?.kind === 'narrow' ? { rdd: d.rdd, partition: i } : null;
  }
  _plan() {
    return { t: 'empty' as const, id: this.id };
  }
  async _prepare(): Promise<void> {
    this.prepared++;
  }
}

const source = (n: number, locations: TaskLocation[][] = []): FakeRdd => new FakeRdd(n, [], undefined, locations);
const narrow = (parent: FakeRdd, n = parent.numPartitions): FakeRdd => new FakeRdd(n, [{ kind: 'narrow', rdd: parent }]);
function shuffleDep(parent: FakeRdd, reducers: number): LineageShuffleDependency {
  return { kind: 'shuffle', rdd: parent, shuffleId: shuffleSeq++, partitioner: { spec: () => ({ kind: 'hash', n: reducers }) }, mapAgg: null };
}
const shuffled = (parents: FakeRdd[], reducers: number): FakeRdd => new FakeRdd(reducers, parents.map((p) => shuffleDep(p, reducers)));

// ---- the fake task scheduler --------------------------------------------------------------

class FakeTaskScheduler implements TaskSchedulerControl {
  readonly taskSets: TaskSet[] = [];
  readonly zombies: string[] = [];
  readonly cancelled: number[] = [];
  readonly executors = new Map<string, ExecutorDescription>();
  submitTasks(ts: TaskSet): void {
    this.taskSets.push(ts);
  }
  markZombie(stageId: number, stageAttempt: number): void {
    this.zombies.push(`${stageId}.${stageAttempt}`);
  }
  cancelStage(stageId: number): void {
    this.cancelled.push(stageId);
  }
  executor(id: string): ExecutorDescription | undefined {
    return this.executors.get(id);
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Harness {
  dag: DAGScheduler;
  fake: FakeTaskScheduler;
  bus: ListenerBus;
  events: FlintEvent[];
  removed: { shuffleId: number; outputs: MapStatus[] }[];
  accumulated: [number, unknown][];
  addExecutor(id: string): void;
  loseExecutor(id: string, resubmitted?: { stageId: number; partitions: number[] }[]): void;
  /** Task sets submitted since the last call. */
  newTaskSets(): TaskSet[];
  /** Runs one task of a set: builds its split, reports start and end. */
  run(ts: TaskSet, partition: number, executorId: string, outcome: TaskOutcome, countsAsSuccess?: boolean): TaskInfo;
  /** Runs every task of a set to success on the executors given, round robin. */
  complete(ts: TaskSet, executors: string[], value?: (partition: number) => unknown): void;
  /** The block references the split of `partition` reads (throws if it cannot be built). */
  blocksOf(ts: TaskSet, partition: number): BlockRef[];
  assertEmpty(): Promise<void>;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) h.dag.stop();
});

function harness(opts: { maxStageAttempts?: number; maxResultSize?: number } = {}): Harness {
  const bus = new ListenerBus();
  const events: FlintEvent[] = [];
  bus.addListener((e) => {
    events.push(e);
  });
  const removed: Harness['removed'] = [];
  const accumulated: [number, unknown][] = [];
  const dag = new DAGScheduler({
    bus,
    maxStageAttempts: opts.maxStageAttempts ?? 4,
    maxResultSize: opts.maxResultSize ?? 1 << 30,
    applyAccumulatorUpdates: (u) => accumulated.push(...u),
    removeShuffleFiles: (shuffleId, outputs) => removed.push({ shuffleId, outputs }),
    clock: () => 5_000,
  });
  const fake = new FakeTaskScheduler();
  dag.attach(fake);
  let seen = 0;
  let taskSeq = 0;
  const h: Harness = {
    dag,
    fake,
    bus,
    events,
    removed,
    accumulated,
    addExecutor(id) {
      const e = { executorId: id, host: `host-${id}`, cores: 2, address: `addr-${id}` };
      fake.executors.set(id, e);
      dag.executorAdded(e);
    },
    loseExecutor(id, resubmitted = []) {
      fake.executors.delete(id);
      dag.executorLost(id, `${id} lost`, resubmitted);
    },
    newTaskSets() {
      const out = fake.taskSets.slice(seen);
      seen = fake.taskSets.length;
      return out;
    },
    run(ts, partition, executorId, outcome, countsAsSuccess = outcome.status === 'success') {
      const sm = ts.makeSplit(partition);
      if ('missing' in sm) throw new Error(`split of partition ${partition} misses map ${sm.missing.mapId} of shuffle ${sm.missing.shuffleId}`);
      const info: TaskInfo = {
        taskId: taskSeq++,
        index: partition,
        attempt: 0,
        launchTime: 5_000,
        finishTime: 5_010,
        executorId,
        host: `host-${executorId}`,
        slot: 0,
        locality: 'ANY',
        speculative: false,
      };
      dag.taskStarted(ts, info);
      dag.taskEnded(ts, info, outcome, countsAsSuccess);
      return info;
    },
    complete(ts, executors, value = (p) => [p]) {
      ts.tasks.forEach((t, k) => {
        const e = executors[k % executors.length]!;
        h.run(ts, t.partition, e, ts.kind === 'shuffleMap' ? mapSuccess(e, ts, t.partition) : resultSuccess(value(t.partition)));
      });
    },
    blocksOf(ts, partition) {
      const sm = ts.makeSplit(partition);
      if ('missing' in sm) throw new Error('missing');
      const out: BlockRef[] = [];
      const walk = (s: unknown): void => {
        if (Array.isArray(s)) s.forEach(walk);
        else if (s && typeof s === 'object') {
          const o = s as Record<string, unknown>;
          if (Array.isArray(o.blocks)) out.push(...(o.blocks as BlockRef[]));
          if (o.parents) walk(o.parents);
        }
      };
      walk(sm.split);
      return out;
    },
    async assertEmpty() {
      await tick();
      expect(dag.tableSizes()).toEqual({ stages: 0, shuffleStages: 0, jobs: 0, waiting: 0, running: 0, failed: 0 });
      expect(dag.activeJobIds()).toEqual([]);
    },
  };
  harnesses.push(h);
  return h;
}

/** Four reducers, ten bytes each, written by a map task on `executorId`. */
function mapSuccess(executorId: string, ts: TaskSet, partition: number): TaskOutcome {
  return {
    status: 'success',
    value: null,
    mapOutput: { path: `/${executorId}/shuffle-${ts.stageId}-${partition}`, offsets: [0, 10, 20, 30], lengths: [10, 10, 10, 10], records: [1, 1, 1, 1] },
    metrics: emptyTaskMetrics(),
    accumUpdates: [],
    blockUpdates: [],
  };
}
function resultSuccess(value: unknown, accumUpdates: [number, unknown][] = []): Extract<TaskOutcome, { status: 'success' }> {
  return { status: 'success', value: serialize(value), mapOutput: null, metrics: emptyTaskMetrics(), accumUpdates, blockUpdates: [] };
}
const failed = (reason: TaskFailureReason): TaskOutcome => ({ status: 'failed', reason, metrics: null });

const collect = { name: 'collect', args: {} } as const;

function settle<T>(p: Promise<T>): { value: () => T | undefined; error: () => unknown; done: () => boolean } {
  let v: T | undefined;
  let e: unknown;
  let d = false;
  p.then(
    (x) => ((v = x), (d = true)),
    (x: unknown) => ((e = x), (d = true)),
  );
  return { value: () => v, error: () => e, done: () => d };
}

const ofType = <K extends FlintEvent['type']>(events: FlintEvent[], type: K): Extract<FlintEvent, { type: K }>[] =>
  events.filter((e): e is Extract<FlintEvent, { type: K }> => e.type === type);

// ---- stage cutting -------------------------------------------------------------------------

describe('stage cutting', () => {
  test('a narrow chain is one result stage; its lineage is prepared once and its results come back in partition order', async () => {
    const h = harness();
    h.addExecutor('e1');
    const base = source(3);
    const rdd = narrow(narrow(base));
    const job = h.dag.runJob(rdd, collect, undefined, 'narrow');
    await tick();
    const [ts, ...more] = h.newTaskSets();
    expect(more).toEqual([]);
    expect(ts).toMatchObject({ kind: 'result', stageAttempt: 0 });
    expect(ts!.tasks.map((t) => t.partition)).toEqual([0, 1, 2]);
    expect(rdd.prepared).toBe(1);
    h.complete(ts!, ['e1'], (p) => `part ${p}`);
    expect(await job).toEqual(['part 0', 'part 1', 'part 2']);
    await h.bus.flush();
    const start = ofType(h.events, 'jobStart')[0]!;
    expect(start.stageIds).toHaveLength(1);
    expect(start.stageInfos[0]!.rddInfos.map((r) => r.id)).toEqual([base.id, base.id + 1, rdd.id]);
    await h.assertEmpty();
  });

  test('a chain of two shuffles is cut into three stages, each submitted when its parent is done', async () => {
    const h = harness();
    h.addExecutor('e1');
    h.addExecutor('e2');
    const a = source(2);
    const b = shuffled([a], 4);
    const c = shuffled([narrow(b)], 4);
    const job = h.dag.runJob(c, collect, undefined, 'two shuffles');
    await tick();
    const first = h.newTaskSets();
    expect(first.map((t) => t.kind)).toEqual(['shuffleMap']);
    expect(first[0]!.tasks).toHaveLength(2);
    h.complete(first[0]!, ['e1', 'e2']);
    await tick();
    const second = h.newTaskSets();
    expect(second.map((t) => [t.kind, t.tasks.length])).toEqual([['shuffleMap', 4]]);
    // Each reduce task of the middle stage reads its reduce id from both map outputs.
    expect(h.blocksOf(second[0]!, 3).map((blk) => [blk.mapId, blk.address, blk.offset])).toEqual([
      [0, 'addr-e1', 30],
      [1, 'addr-e2', 30],
    ]);
    h.complete(second[0]!, ['e2']);
    await tick();
    const third = h.newTaskSets();
    expect(third.map((t) => [t.kind, t.tasks.length])).toEqual([['result', 4]]);
    h.complete(third[0]!, ['e1']);
    expect(await job).toEqual([[0], [1], [2], [3]]);
    await h.bus.flush();
    const start = ofType(h.events, 'jobStart')[0]!;
    expect(start.stageInfos.map((s) => s.kind).sort()).toEqual(['result', 'shuffleMap', 'shuffleMap']);
    const resultInfo = start.stageInfos.find((s) => s.kind === 'result')!;
    const middle = start.stageInfos.find((s) => s.stageId === resultInfo.parentIds[0])!;
    expect(middle.parentIds).toHaveLength(1);
    expect(start.stageInfos.find((s) => s.stageId === middle.parentIds[0])!.parentIds).toEqual([]);
    expect(ofType(h.events, 'stageCompleted').map((e) => e.stageInfo.failureReason)).toEqual([null, null, null]);
    await h.assertEmpty();
  });

  test('two shuffle parents run side by side; the child waits for both', async () => {
    const h = harness();
    h.addExecutor('e1');
    const job = settle(h.dag.runJob(shuffled([source(2), source(3)], 2), collect, undefined, 'cogroup'));
    await tick();
    const parents = h.newTaskSets();
    expect(parents.map((t) => t.tasks.length).sort()).toEqual([2, 3]);
    h.complete(parents[0]!, ['e1']);
    await tick();
    expect(h.newTaskSets()).toEqual([]);
    h.complete(parents[1]!, ['e1']);
    await tick();
    const [result] = h.newTaskSets();
    expect(h.blocksOf(result!, 1)).toHaveLength(5);
    h.complete(result!, ['e1']);
    await tick();
    expect(job.value()).toEqual([[0], [1]]);
    await h.assertEmpty();
  });

  test('a job over existing map outputs skips the map stage; the shuffle is removed only once no job uses it', async () => {
    const h = harness();
    h.addExecutor('e1');
    const reduced = shuffled([source(2)], 2);
    const first = h.dag.runJob(reduced, collect, undefined, 'first');
    await tick();
    const [maps] = h.newTaskSets();
    h.complete(maps!, ['e1']);
    await tick();
    h.complete(h.newTaskSets()[0]!, ['e1']);
    await first;
    await h.assertEmpty();

    const second = h.dag.runJob(narrow(reduced), collect, [1], 'second');
    await tick();
    const sets = h.newTaskSets();
    expect(sets.map((t) => [t.kind, t.tasks.map((x) => x.partition)])).toEqual([['result', [1]]]);
    h.complete(sets[0]!, ['e1']);
    expect(await second).toEqual([[1]]);
    await h.bus.flush();
    // The map stage is in the second job's graph but never submitted again.
    const starts = ofType(h.events, 'jobStart');
    expect(starts[1]!.stageIds).toHaveLength(2);
    expect(ofType(h.events, 'stageSubmitted')).toHaveLength(3);
    await h.assertEmpty();

    const shuffleId = (reduced.deps[0] as LineageShuffleDependency).shuffleId;
    h.dag.removeShuffle(shuffleId);
    await tick();
    expect(h.removed).toEqual([{ shuffleId, outputs: [expect.objectContaining({ executorId: 'e1' }), expect.objectContaining({ executorId: 'e1' })] }]);
  });

  test('a partition that does not exist is refused before any job starts', async () => {
    const h = harness();
    await expect(h.dag.runJob(source(2), collect, [2], 'bad')).rejects.toThrow(/partition 2 does not exist in RDD \d+ \(it has 2\)/);
    expect(await h.dag.runJob(source(2), collect, [], 'none')).toEqual([]);
    await h.assertEmpty();
  });
});

// ---- failures ------------------------------------------------------------------------------

describe('fetch failures', () => {
  test('a reduce task that cannot fetch resubmits the lost map outputs, then the rest of the reduce stage', async () => {
    const h = harness();
    h.addExecutor('e1');
    h.addExecutor('e2');
    const reduced = shuffled([source(4)], 2);
    const shuffleId = (reduced.deps[0] as LineageShuffleDependency).shuffleId;
    const job = settle(h.dag.runJob(reduced, collect, undefined, 'fetch'));
    await tick();
    const [maps] = h.newTaskSets();
    h.complete(maps!, ['e1', 'e2']);
    await tick();
    const [reduce] = h.newTaskSets();
    expect(reduce!.stageAttempt).toBe(0);
    h.run(reduce!, 0, 'e1', resultSuccess('r0'));
    h.run(reduce!, 1, 'e1', failed({ kind: 'fetchFailed', shuffleId, mapId: 1, executorId: 'e2', reduceId: 1, message: 'connection refused by e2' }));
    await tick();
    expect(h.fake.zombies).toContain(`${reduce!.stageId}.0`);
    await new Promise((r) => setTimeout(r, 300));
    // Every output on e2 (maps 1 and 3) is recomputed, not just the one that failed.
    const [remap] = h.newTaskSets();
    expect(remap).toMatchObject({ kind: 'shuffleMap', stageId: maps!.stageId, stageAttempt: 1 });
    expect(remap!.tasks.map((t) => t.partition)).toEqual([1, 3]);
    h.complete(remap!, ['e1']);
    await tick();
    const [retry] = h.newTaskSets();
    expect(retry).toMatchObject({ kind: 'result', stageId: reduce!.stageId, stageAttempt: 1 });
    expect(retry!.tasks.map((t) => t.partition)).toEqual([1]);
    expect(h.blocksOf(retry!, 1).every((b) => b.address === 'addr-e1')).toBe(true);
    h.complete(retry!, ['e1'], () => 'r1');
    await tick();
    expect(job.value()).toEqual(['r0', 'r1']);
    await h.bus.flush();
    const completed = ofType(h.events, 'stageCompleted').filter((e) => e.stageInfo.stageId === reduce!.stageId);
    expect(completed.map((e) => e.stageInfo.failureReason)).toEqual(['fetch failure: connection refused by e2', null]);
    await h.assertEmpty();
  });

  test('a map output found missing at launch resubmits its map stage', async () => {
    const h = harness();
    h.addExecutor('e1');
    h.addExecutor('e2');
    const job = settle(h.dag.runJob(shuffled([source(2)], 1), collect, undefined, 'missing'));
    await tick();
    const [maps] = h.newTaskSets();
    h.complete(maps!, ['e1', 'e2']);
    await tick();
    const [reduce] = h.newTaskSets();
    // e2 goes: its output is gone from the tracker, so the reduce split cannot be built.
    h.loseExecutor('e2');
    await tick();
    const sm = reduce!.makeSplit(0);
    expect(sm).toEqual({ missing: { shuffleId: expect.any(Number), mapId: 1 } });
    if (!('missing' in sm)) throw new Error('unreachable');
    h.dag.missingMapOutput(reduce!, sm.missing.shuffleId, sm.missing.mapId);
    await new Promise((r) => setTimeout(r, 300));
    const [remap] = h.newTaskSets();
    expect(remap!.tasks.map((t) => t.partition)).toEqual([1]);
    h.complete(remap!, ['e1']);
    await tick();
    const [retry] = h.newTaskSets();
    h.complete(retry!, ['e1'], () => 'ok');
    await tick();
    expect(job.value()).toEqual(['ok']);
    await h.assertEmpty();
  });

  test('fetch failures past flint.stage.maxConsecutiveAttempts fail the job with the stage named', async () => {
    const h = harness({ maxStageAttempts: 2 });
    h.addExecutor('e1');
    const job = settle(h.dag.runJob(shuffled([source(1)], 1), collect, undefined, 'doomed'));
    await tick();
    for (let attempt = 0; attempt < 2; attempt++) {
      const [maps] = h.newTaskSets();
      expect(maps!.kind).toBe('shuffleMap');
      h.complete(maps!, ['e1']);
      await tick();
      const [reduce] = h.newTaskSets();
      expect(reduce!.stageAttempt).toBe(attempt);
      h.run(reduce!, 0, 'e1', failed({ kind: 'fetchFailed', shuffleId: 0, mapId: 0, executorId: 'e1', reduceId: 0, message: `lost ${attempt}` }));
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(job.done()).toBe(true);
    const err = job.error() as JobFailedError;
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err.message).toMatch(/^Job \d+ aborted due to stage failure: stage (\d+) failed 2 times because of fetch failures; most recent: lost 1$/);
    expect(err.executorStack).toBeNull();
    await h.assertEmpty();
  });
});

describe('executor loss', () => {
  test('loses the map outputs on it: a waiting child recomputes them before it runs, and reads none of them', async () => {
    const h = harness();
    h.addExecutor('e1');
    h.addExecutor('e2');
    const job = settle(h.dag.runJob(shuffled([source(2), source(2)], 2), collect, undefined, 'loss'));
    await tick();
    const [p1, p2] = h.newTaskSets();
    h.complete(p1!, ['e1', 'e2']);
    await tick();
    h.loseExecutor('e2');
    await tick();
    // p1's output on e2 is resubmitted at once, beside p2 still running.
    const [again] = h.newTaskSets();
    expect(again).toMatchObject({ stageId: p1!.stageId, stageAttempt: 1 });
    expect(again!.tasks.map((t) => t.partition)).toEqual([1]);
    h.complete(p2!, ['e1']);
    await tick();
    expect(h.newTaskSets()).toEqual([]);
    h.complete(again!, ['e1']);
    await tick();
    const [result] = h.newTaskSets();
    for (const p of [0, 1]) expect(h.blocksOf(result!, p).map((b) => b.address)).toEqual(['addr-e1', 'addr-e1', 'addr-e1', 'addr-e1']);
    h.complete(result!, ['e1']);
    await tick();
    expect(job.value()).toEqual([[0], [1]]);
    await h.bus.flush();
    expect(ofType(h.events, 'executorRemoved')).toEqual([expect.objectContaining({ executorId: 'e2', reason: 'e2 lost', time: 5_000 })]);
    await h.assertEmpty();
  });

  test('map tasks the task scheduler resubmits after a loss keep their stage running until they end', async () => {
    const h = harness();
    h.addExecutor('e1');
    h.addExecutor('e2');
    const job = settle(h.dag.runJob(shuffled([source(2)], 1), collect, undefined, 'redo'));
    await tick();
    const [maps] = h.newTaskSets();
    h.run(maps!, 0, 'e2', mapSuccess('e2', maps!, 0));
    // Before map 1 ends, e2 is lost and the task set runs map 0 again (as the TaskScheduler reports).
    h.loseExecutor('e2', [{ stageId: maps!.stageId, partitions: [0] }]);
    await tick();
    h.run(maps!, 1, 'e1', mapSuccess('e1', maps!, 1));
    await tick();
    expect(h.newTaskSets()).toEqual([]);
    h.run(maps!, 0, 'e1', mapSuccess('e1', maps!, 0));
    await tick();
    const [result] = h.newTaskSets();
    expect(result!.kind).toBe('result');
    h.complete(result!, ['e1'], () => 'done');
    await tick();
    expect(job.value()).toEqual(['done']);
    await h.assertEmpty();
  });
});

describe('task set failure and result limits', () => {
  test('a task set that gives up fails its job with the typed failure shown as text, stack and source attached', async () => {
    const h = harness();
    h.addExecutor('e1');
    const job = settle(h.dag.runJob(source(2), collect, undefined, 'throws'));
    await tick();
    const [ts] = h.newTaskSets();
    h.dag.taskSetFailed(ts!, {
      kind: 'taskFailures',
      stageId: ts!.stageId,
      stageAttempt: 0,
      partition: 1,
      failures: 4,
      taskId: 9,
      executorId: 'e1',
      exception: { kind: 'exception', className: 'RangeError', message: 'too far', stack: 'RangeError: too far\n    at f', fnMethod: 'map', fnSource: 'x => x[99]' },
    });
    await tick();
    const err = job.error() as JobFailedError;
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err.message).toBe(
      `Job 0 aborted due to stage failure: Task 1 in stage ${ts!.stageId}.0 failed 4 times; most recent failure: task 9 on executor e1: RangeError: too far\n` +
        `  in the function given to map(): x => x[99]\nExecutor stack:\nRangeError: too far\n    at f`,
    );
    expect(err).toMatchObject({ jobId: 0, stageId: ts!.stageId, executorStack: 'RangeError: too far\n    at f', functionSource: 'x => x[99]' });
    expect(h.fake.zombies).toContain(`${ts!.stageId}.0`);
    await h.bus.flush();
    expect(ofType(h.events, 'stageCompleted')[0]!.stageInfo.failureReason).toBe(err.message.replace(/^Job 0 aborted due to stage failure: /, ''));
    expect(ofType(h.events, 'jobEnd')[0]!.result).toEqual({ status: 'failed', error: err.message });
    await h.assertEmpty();
  });

  test('results past flint.driver.maxResultSize fail the job; accumulator updates count only from counted successes', async () => {
    const h = harness({ maxResultSize: 40 });
    h.addExecutor('e1');
    const job = settle(h.dag.runJob(source(3), collect, undefined, 'big'));
    await tick();
    const [ts] = h.newTaskSets();
    h.run(ts!, 0, 'e1', resultSuccess('x'.repeat(10), [[7, 1]]));
    h.run(ts!, 0, 'e1', resultSuccess('x'.repeat(10), [[7, 100]]), false);
    await tick();
    expect(h.accumulated).toEqual([[7, 1]]);
    h.run(ts!, 1, 'e1', resultSuccess('x'.repeat(30), [[7, 2]]));
    await tick();
    expect((job.error() as Error).message).toMatch(/^Job 0: total size of serialized results \(\d+ bytes after 2 of 3 tasks\) is bigger than flint.driver.maxResultSize \(40 bytes\)/);
    expect(h.accumulated).toEqual([[7, 1]]);
    await h.assertEmpty();
  });
});

describe('cancellation', () => {
  test('cancelling a job stops its stages, rejects it, posts a cancelled jobEnd, and leaves nothing behind', async () => {
    const h = harness();
    h.addExecutor('e1');
    const job = settle(h.dag.runJob(shuffled([source(2)], 2), collect, undefined, 'cancel me', 'group-a'));
    await tick();
    const [maps] = h.newTaskSets();
    const [jobId] = h.dag.activeJobIds('group-a');
    expect(h.dag.cancelJob(jobId!, 'not needed')).toBe(true);
    await tick();
    expect(job.error()).toBeInstanceOf(JobCancelledError);
    expect((job.error() as Error).message).toBe(`job ${jobId} (job group group-a) was cancelled: not needed`);
    expect(h.fake.cancelled.sort()).toEqual([maps!.stageId, maps!.stageId + 1].sort());
    // A late task end of the cancelled stage changes nothing.
    h.run(maps!, 0, 'e1', mapSuccess('e1', maps!, 0));
    await tick();
    expect(h.newTaskSets()).toEqual([]);
    await h.bus.flush();
    expect(ofType(h.events, 'jobEnd')).toEqual([expect.objectContaining({ jobId, result: { status: 'cancelled', error: (job.error() as Error).message } })]);
    expect(h.dag.cancelJob(jobId!, 'again')).toBe(false);
    await h.assertEmpty();
  });

  test('cancelling a group and all jobs; an application the cluster ended fails every job, later ones too', async () => {
    const h = harness();
    h.addExecutor('e1');
    const a = settle(h.dag.runJob(source(1), collect, undefined, 'a', 'g'));
    const b = settle(h.dag.runJob(source(1), collect, undefined, 'b', 'g'));
    const c = settle(h.dag.runJob(source(1), collect, undefined, 'c', null));
    await tick();
    expect(h.dag.cancelJobGroup('g', 'group off')).toEqual([0, 1]);
    await tick();
    expect([a.error(), b.error(), c.done()]).toEqual([expect.any(JobCancelledError), expect.any(JobCancelledError), false]);
    h.dag.cancelAllJobs('everything off');
    await tick();
    expect(c.error()).toBeInstanceOf(JobCancelledError);
    await h.assertEmpty();

    const d = settle(h.dag.runJob(source(1), collect, undefined, 'd'));
    await tick();
    h.dag.applicationKilled('the master killed it');
    await tick();
    expect((d.error() as Error).message).toContain('the master killed it');
    await expect(h.dag.runJob(source(1), collect, undefined, 'e')).rejects.toThrow(/the cluster ended this application \(the master killed it\)/);
    await h.assertEmpty();
  });
});

describe('locality and block state through the loop', () => {
  test('cached blocks are preferred locations until their slot is reset or the RDD unpersisted', async () => {
    const h = harness();
    h.addExecutor('e1');
    const cached = source(1);
    /** Runs a job over `cached` whose task reports its partition cached in memory on e1's slot 0. */
    const cacheIt = async (): Promise<void> => {
      const j = h.dag.runJob(cached, collect, undefined, 'cache it');
      await tick();
      const [ts] = h.newTaskSets();
      const block = { blockId: `rdd_${cached.id}_0`, rddId: cached.id, partition: 0, level: 'MEMORY_ONLY' as const, memSize: 10, diskSize: 0 };
      h.run(ts!, 0, 'e1', { ...resultSuccess(1), blockUpdates: [block] });
      await j;
    };
    const prefsOfNextJob = async (): Promise<TaskLocation[]> => {
      const j = h.dag.runJob(narrow(cached), collect, undefined, 'read');
      await tick();
      const [ts] = h.newTaskSets();
      const prefs = ts!.tasks[0]!.prefs;
      h.complete(ts!, ['e1']);
      await j;
      return prefs;
    };
    expect(await prefsOfNextJob()).toEqual([]);
    await cacheIt();
    expect(await prefsOfNextJob()).toEqual([{ executorId: 'e1', slot: 0 }]);
    h.dag.slotReset('e1', 0);
    expect(await prefsOfNextJob()).toEqual([]);
    await cacheIt();
    expect(await prefsOfNextJob()).toEqual([{ executorId: 'e1', slot: 0 }]);
    h.dag.unpersist(cached.id);
    expect(await prefsOfNextJob()).toEqual([]);
    await h.assertEmpty();
  });

  test('input locations are preferred when nothing is cached', async () => {
    const h = harness();
    const rdd = narrow(source(2, [[{ executorId: 'e7', slot: null }], []]));
    const job = h.dag.runJob(rdd, collect, undefined, 'local input');
    await tick();
    const [ts] = h.newTaskSets();
    expect(ts!.tasks.map((t) => t.prefs)).toEqual([[{ executorId: 'e7', slot: null }], []]);
    h.complete(ts!, ['e7']);
    await job;
    await h.assertEmpty();
  });
});
