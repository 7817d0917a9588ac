/**
 * Runs tasks on the current thread: caches deserialized stage plans, prepares
 * closures (modules, broadcasts), computes the partition through the plan,
 * writes shuffle output or applies the result function, and measures metrics.
 * One TaskRunner per executor thread; runs one task at a time.
 */
import fs from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { compileFn, functionInStack, prepareFns, type ClosureRuntime } from '../closure/compile.ts';
import type { FnSpec } from '../closure/ship.ts';
import { FetchFailedError, FlintError } from '../errors.ts';
import { makePartitionFn } from '../rdd/partitioner.ts';
import type { BlockRef, StagePlan } from '../plan/plan.ts';
import { deserialize, serialize } from '../serializer.ts';
import { makeAggregator } from '../shuffle/aggregator.ts';
import { ShuffleWriter } from '../shuffle/shuffle-writer.ts';
import { TaskBlockReader, type FetchRemoteBlocks } from '../shuffle/task-block-reader.ts';
import { BlockStore } from '../storage/block-store.ts';
import { computeNode } from '../plan/interpreter.ts';
import { runResultFn } from '../plan/result-functions.ts';
import { spillContext, type TaskContext } from '../plan/task-context.ts';
import type { TaskDescription, TaskOutcome } from './task-description.ts';
import { emptyTaskMetrics } from './task-metrics.ts';
import { STAGE_PLANS_PER_THREAD } from './thread-messages.ts';

export interface TaskRunnerEnv {
  executorId: string;
  localDir: string;
  memoryBudget: number;
  storageMemory: number;
  fetchBroadcast(id: number): Promise<Uint8Array>;
  /** Starts fetching remote shuffle blocks for a task (executor processes only; null in local mode). */
  fetchRemoteBlocks: FetchRemoteBlocks | null;
}

let gcTotal = 0;
try {
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcTotal += e.duration;
  });
  obs.observe({ entryTypes: ['gc'] });
} catch {
  /* GC timing not observable here */
}

let schedstatOk = true;
/** CPU time of this thread in ms, from the kernel's per-thread accounting. */
function threadCpuMs(): number {
  if (schedstatOk) {
    try {
      const s = fs.readFileSync('/proc/thread-self/schedstat', 'latin1');
      return Number(s.slice(0, s.indexOf(' '))) / 1e6;
    } catch {
      schedstatOk = false;
    }
  }
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function collectFnSpecs(v: unknown, out: FnSpec[], depth = 0): void {
  if (typeof v !== 'object' || v === null || depth > 40) return;
  if (Array.isArray(v)) {
    for (const x of v) collectFnSpecs(x, out, depth + 1);
    return;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.src === 'string' && typeof o.method === 'string' && 'special' in o) {
    out.push(o as unknown as FnSpec);
    return;
  }
  for (const x of Object.values(o)) collectFnSpecs(x, out, depth + 1);
}

export class TaskRunner implements ClosureRuntime {
  private readonly plans = new Map<string, { plan: StagePlan; fns: FnSpec[] }>();
  private readonly broadcasts = new Map<number, unknown>();
  private accums: Map<number, unknown> | null = null;
  readonly blocks: BlockStore;

  constructor(private readonly env: TaskRunnerEnv) {
    this.blocks = new BlockStore(env.localDir, env.storageMemory);
  }

  hasPlan(planId: string): boolean {
    return this.plans.has(planId);
  }

  // ClosureRuntime
  broadcastValue(id: number): unknown {
    if (!this.broadcasts.has(id)) throw new Error(`broadcast ${id} is not available on executor ${this.env.executorId}`);
    return this.broadcasts.get(id);
  }
  accumulatorAdd(id: number, value: unknown, merge: ((a: unknown, b: unknown) => unknown) | null): void {
    if (!this.accums) throw new Error(`accumulator ${id}: add() called outside a task`);
    if (!this.accums.has(id)) this.accums.set(id, value);
    else this.accums.set(id, merge ? merge(this.accums.get(id), value) : (this.accums.get(id) as number) + (value as number));
  }
  async fetchBroadcasts(ids: number[]): Promise<void> {
    for (const id of ids) {
      if (this.broadcasts.has(id)) continue;
      this.broadcasts.set(id, deserialize(await this.env.fetchBroadcast(id)));
    }
  }
  removeBroadcast(id: number): void {
    this.broadcasts.delete(id);
  }

  async run(task: TaskDescription, planBytes: Uint8Array | null): Promise<TaskOutcome> {
    const metrics = emptyTaskMetrics();
    const t0 = performance.now();
    const cpu0 = threadCpuMs();
    const gc0 = gcTotal;
    let blockReader: TaskBlockReader | null = null;
    let fnSpecs: FnSpec[] = [];
    try {
      let entry = this.plans.get(task.planId);
      if (!entry) {
        if (!planBytes) throw new Error(`stage plan ${task.planId} was not sent to executor ${this.env.executorId}`);
        const plan = deserialize<StagePlan>(planBytes);
        const fns: FnSpec[] = [];
        collectFnSpecs(plan, fns);
        entry = { plan, fns };
        this.plans.set(task.planId, entry);
        if (this.plans.size > STAGE_PLANS_PER_THREAD) this.plans.delete(this.plans.keys().next().value!);
      }
      fnSpecs = entry.fns;
      const { plan } = entry;
      // Functions live in the plan only; splits carry data (walking them would cost a pass over every record).
      await prepareFns(entry.fns, this);

      // Remote shuffle blocks are fetched while the task runs; reading one waits until it is there.
      blockReader = new TaskBlockReader(task.split, task.partition, metrics, this.env.executorId, this.env.fetchRemoteBlocks);
      const reader = blockReader;

      this.accums = new Map();
      const ctx: TaskContext = {
        taskId: task.taskId,
        stageId: task.stageId,
        stageAttempt: task.stageAttempt,
        partitionId: task.partition,
        attempt: task.attempt,
        executorId: this.env.executorId,
        localDir: this.env.localDir,
        memoryBudget: this.env.memoryBudget,
        metrics,
        runtime: this,
        blocks: this.blocks,
        blockUpdates: [],
        compile: <F>(f: FnSpec) => compileFn<F>(f, this),
        readOrder: reader.readOrder,
        readBlock: (b: BlockRef) => reader.readBlock(b),
      };
      metrics.executorDeserializeTime = performance.now() - t0;
      metrics.deserializeEndTime = Date.now();
      const tRun = performance.now();
      const records = computeNode(plan.root, task.split, ctx);
      let value: Uint8Array | null = null;
      let mapOutput = null;
      if (plan.shuffleWrite) {
        const sw = plan.shuffleWrite;
        const compile = (f: FnSpec) => compileFn(f, this);
        const writer = new ShuffleWriter(
          sw.partitioner.n,
          makePartitionFn(sw.partitioner, compile),
          sw.agg ? makeAggregator(sw.agg, compile) : null,
          {
            ...spillContext(ctx),
            // Map tasks compute while the writer takes their records: compute ends with the input.
            onInputEnd: () => {
              metrics.computeEndTime = Date.now();
            },
            ...(sw.pairsFor !== undefined ? { pairsFor: { method: sw.pairsFor, partition: task.partition, rddId: plan.root.id } } : {}),
          },
        );
        const tw = performance.now();
        mapOutput = writer.write(records, sw.shuffleId, task.partition);
        metrics.shuffleWriteTime = performance.now() - tw;
        metrics.shuffleWriteBytes = mapOutput.lengths.reduce((a, b) => a + b, 0);
        metrics.shuffleWriteRecords = mapOutput.records.reduce((a, b) => a + b, 0);
        metrics.shuffleWriteEndTime = Date.now();
        metrics.resultSerializedTime = metrics.shuffleWriteEndTime;
      } else {
        const result = runResultFn(plan.resultFn!, records, task.partition, ctx);
        metrics.computeEndTime = Date.now();
        metrics.shuffleWriteEndTime = metrics.computeEndTime;
        const ts = performance.now();
        value = serialize(result);
        metrics.resultSerializationTime = performance.now() - ts;
        metrics.resultSize = value.length;
        metrics.resultSerializedTime = Date.now();
      }
      metrics.executorRunTime = performance.now() - tRun;
      metrics.executorCpuTime = Math.max(0, threadCpuMs() - cpu0);
      metrics.gcTime = gcTotal - gc0;
      const accumUpdates = [...this.accums.entries()];
      return { status: 'success', value, mapOutput, metrics, accumUpdates, blockUpdates: ctx.blockUpdates };
    } catch (err) {
      metrics.executorRunTime = performance.now() - t0;
      metrics.executorCpuTime = Math.max(0, threadCpuMs() - cpu0);
      if (err instanceof FetchFailedError) return { status: 'failed', reason: { kind: 'fetchFailed', ...err.failure }, metrics };
      const e = err instanceof Error ? err : new Error(describeThrown(err));
      // The engine's own errors (FlintError: zip lengths, unreadable input) blame no user function.
      const spec = e instanceof FlintError ? null : (functionInStack(e.stack) ?? (fnSpecs.length === 1 ? fnSpecs[0]! : null));
      return {
        status: 'failed',
        reason: {
          kind: 'exception',
          className: e.name || 'Error',
          message: e.message,
          stack: e.stack ?? `${e.name}: ${e.message}`,
          fnMethod: spec?.method ?? null,
          fnSource: spec?.src ?? null,
        },
        metrics,
      };
    } finally {
      this.accums = null;
      blockReader?.close();
    }
  }
}

/** A readable message for a thrown value that is not an Error (`throw { code: 7 }`, `throw 'x'`). */
function describeThrown(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    const json = JSON.stringify(v);
    if (json !== undefined) return `non-Error value thrown: ${json.length > 2000 ? `${json.slice(0, 2000)}…` : json}`;
  } catch {
    /* not JSON-able */
  }
  return `non-Error value thrown: ${String(v)}`;
}
