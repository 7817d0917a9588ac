/**
 * What a running task can reach on its executor thread: identity, metrics being
 * measured, closure compilation, the thread's block store, shuffle block access
 * and local disk. Created per task by the task runner and passed through the
 * plan's interpretation; single-threaded.
 */
import type { ClosureRuntime } from '../closure/compile.ts';
import type { FnSpec } from '../closure/ship.ts';
import type { TaskMetrics } from '../executor/task-metrics.ts';
import type { SpillContext } from '../shuffle/external-aggregator.ts';
import type { BlockStore, BlockUpdate } from '../storage/block-store.ts';
import type { BlockRef } from './plan.ts';

export interface TaskContext {
  taskId: number;
  stageId: number;
  stageAttempt: number;
  partitionId: number;
  attempt: number;
  executorId: string;
  localDir: string;
  memoryBudget: number;
  metrics: TaskMetrics;
  runtime: ClosureRuntime;
  blocks: BlockStore;
  blockUpdates: BlockUpdate[];
  compile<F = (...a: never[]) => unknown>(f: FnSpec): F;
  /** Records of one shuffle block (local file or a block prefetched from a remote executor). */
  readBlock(block: BlockRef): Iterable<unknown>;
  /**
   * The order to read a shuffle input's blocks in: blocks on this executor first, then remote
   * ones in the order they are fetched, so local reading overlaps the fetches (as Spark's fetcher
   * does). Absent when every block is local.
   */
  readOrder?(blocks: BlockRef[]): BlockRef[];
}

/** What spilling code (aggregation, sorting, the shuffle writer) gets from a task: its disk and budget, and the metrics its spills and peak memory go to. */
export function spillContext(ctx: TaskContext): SpillContext {
  const metrics = ctx.metrics;
  return {
    localDir: ctx.localDir,
    memoryBudget: ctx.memoryBudget,
    taskId: ctx.taskId,
    onSpill: (bytes: number, mem: number) => {
      metrics.diskBytesSpilled += bytes;
      metrics.memoryBytesSpilled += mem;
    },
    onPeakMemory: (bytes: number) => {
      if (bytes > metrics.peakExecutionMemory) metrics.peakExecutionMemory = Math.round(bytes);
    },
  };
}
