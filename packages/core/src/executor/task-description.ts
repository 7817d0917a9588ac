/**
 * The messages of task execution between a scheduler backend and an executor:
 * what a task is, and how it ended. Plain data; task results are msgpack bytes.
 */
import type { Split } from '../plan/plan.ts';
import type { BlockFetchFailure } from '../shuffle/fetch-failure.ts';
import type { MapOutput } from '../shuffle/map-output.ts';
import type { BlockUpdate } from '../storage/block-store.ts';
import type { TaskMetrics } from './task-metrics.ts';

export interface TaskDescription {
  taskId: number;
  jobId: number;
  stageId: number;
  stageAttempt: number;
  /** Partition index within the stage's RDD. */
  partition: number;
  /** Attempt number of this task within its task set (0 first). */
  attempt: number;
  /** Key of the serialized StagePlan the task runs (sent once per executor thread). */
  planId: string;
  split: Split;
  /** Trace context of the stage span, when tracing is on. */
  traceParent?: string | null;
}

export type TaskFailureReason =
  | { kind: 'exception'; className: string; message: string; stack: string; fnMethod: string | null; fnSource: string | null }
  | ({ kind: 'fetchFailed' } & BlockFetchFailure)
  | { kind: 'killed'; reason: string }
  | { kind: 'executorLost'; executorId: string; message: string }
  | { kind: 'resultLost'; message: string };

export type TaskOutcome =
  | {
      status: 'success';
      /** Serialized result of a result task, null for shuffle map tasks. */
      value: Uint8Array | null;
      mapOutput: MapOutput | null;
      metrics: TaskMetrics;
      accumUpdates: [number, unknown][];
      blockUpdates: BlockUpdate[];
      /** Set instead of `value` when the result is large: where the driver pulls it from. */
      resultRef?: { address: string; size: number } | null;
    }
  | { status: 'failed'; reason: TaskFailureReason; metrics: TaskMetrics | null };

