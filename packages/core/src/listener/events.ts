/**
 * The listener events the schedulers post: the one record of what an application
 * did. Shaped for storage and for the UI (ids, times in epoch ms, stage DAG
 * information, per-task metrics and failure reasons). Plain data, serializable.
 */
import type { TaskFailureReason } from '../executor/task-description.ts';
import type { TaskMetrics } from '../executor/task-metrics.ts';
import type { StorageLevelName } from '../storage/storage-level.ts';

export interface RddInfo {
  id: number;
  name: string;
  /** The API method that created the RDD. */
  scope: string;
  parentIds: number[];
  numPartitions: number;
  storageLevel: StorageLevelName;
}

export interface StageInfo {
  stageId: number;
  attempt: number;
  name: string;
  numTasks: number;
  parentIds: number[];
  rddInfos: RddInfo[];
  kind: 'shuffleMap' | 'result';
  shuffleId: number | null;
  submissionTime: number | null;
  completionTime: number | null;
  failureReason: string | null;
}

export interface TaskInfo {
  taskId: number;
  /** Partition index within the stage. */
  index: number;
  attempt: number;
  launchTime: number;
  finishTime: number | null;
  executorId: string;
  host: string;
  slot: number;
  locality: 'PROCESS_LOCAL' | 'NODE_LOCAL' | 'ANY';
  speculative: boolean;
}

export type TaskEndReason = { kind: 'success' } | TaskFailureReason;

export type FlintEvent =
  | { type: 'applicationStart'; time: number; appId: string; appName: string; master: string; user: string; conf: Record<string, unknown> }
  | { type: 'applicationEnd'; time: number; appId: string }
  | {
      type: 'jobStart';
      time: number;
      jobId: number;
      description: string;
      stageIds: number[];
      stageInfos: StageInfo[];
      /** Job group set by `sc.setJobGroup`, if any. */
      jobGroup?: string | null;
      /** OpenTelemetry trace id of the job's trace (32 hex), when tracing is on. */
      traceId?: string | null;
    }
  | {
      type: 'jobEnd';
      time: number;
      jobId: number;
      result: { status: 'succeeded' } | { status: 'failed'; error: string } | { status: 'cancelled'; error: string };
    }
  | { type: 'stageSubmitted'; time: number; stageInfo: StageInfo }
  | { type: 'stageCompleted'; time: number; stageInfo: StageInfo }
  | { type: 'taskStart'; time: number; stageId: number; stageAttempt: number; taskInfo: TaskInfo }
  | {
      type: 'taskEnd';
      time: number;
      stageId: number;
      stageAttempt: number;
      taskType: 'shuffleMap' | 'result';
      reason: TaskEndReason;
      taskInfo: TaskInfo;
      metrics: TaskMetrics | null;
    }
  | {
      type: 'executorAdded';
      time: number;
      executorId: string;
      host: string;
      totalCores: number;
      logUrls: Record<string, string>;
      /** Transport address where the executor serves blocks ('' in local mode). */
      address: string;
      pid: number | null;
      workerId: string | null;
    }
  | { type: 'executorRemoved'; time: number; executorId: string; reason: string }
  | { type: 'blockUpdated'; time: number; executorId: string; blockId: string; rddId: number; storageLevel: StorageLevelName; memSize: number; diskSize: number }
  | { type: 'unpersistRDD'; time: number; rddId: number };

export type FlintEventType = FlintEvent['type'];
