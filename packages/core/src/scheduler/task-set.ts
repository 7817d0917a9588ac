/**
 * A TaskSet: the tasks of one stage attempt, as the DAGScheduler hands them to
 * the TaskScheduler. Splits are built at launch time, so reduce tasks see the
 * newest map outputs.
 */
import type { Split } from '../plan/plan.ts';
import type { TaskLocation } from './lineage.ts';

export interface PendingTask {
  partition: number;
  prefs: TaskLocation[];
}

export type SplitOrMissing = { split: Split } | { missing: { shuffleId: number; mapId: number } };

export interface TaskSet {
  stageId: number;
  stageAttempt: number;
  jobId: number;
  kind: 'shuffleMap' | 'result';
  planId: string;
  plan: () => Uint8Array;
  tasks: PendingTask[];
  makeSplit(partition: number): SplitOrMissing;
  /** W3C traceparent of the stage attempt's span, when the job is traced: its tasks' spans go under it. */
  traceParent?: string | null;
}
