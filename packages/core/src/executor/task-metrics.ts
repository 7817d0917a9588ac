/**
 * Per-task metrics, measured in the executor and carried by every task end event.
 * Times are milliseconds, sizes bytes. Plain data.
 */
export interface TaskMetrics {
  executorDeserializeTime: number;
  executorRunTime: number;
  /** CPU time of the task's thread (ms); measured from the thread's own CPU clock. */
  executorCpuTime: number;
  resultSize: number;
  resultSerializationTime: number;
  /** Time the thread spent in garbage collection during the task, where observable. */
  gcTime: number;
  peakExecutionMemory: number;
  memoryBytesSpilled: number;
  diskBytesSpilled: number;
  inputBytes: number;
  inputRecords: number;
  outputBytes: number;
  outputRecords: number;
  shuffleReadRemoteBytes: number;
  shuffleReadLocalBytes: number;
  shuffleReadRecords: number;
  shuffleReadRemoteBlocks: number;
  shuffleReadLocalBlocks: number;
  shuffleFetchWaitTime: number;
  shuffleWriteBytes: number;
  shuffleWriteRecords: number;
  shuffleWriteTime: number;
  /**
   * Task phase timestamps (epoch ms, 0 when not measured), for the per-task timeline.
   * With TaskInfo.launchTime (launched on the driver) and TaskInfo.finishTime (result
   * received by the driver) they split a task into: scheduler delay (launch → received),
   * deserialize (received → deserialized), compute incl. shuffle read wait (deserialized →
   * computeEnd), shuffle write (computeEnd → shuffleWriteEnd), result serialize
   * (shuffleWriteEnd → resultSerialized) and result fetch (resultSerialized → finishTime).
   */
  executorReceivedTime: number;
  deserializeEndTime: number;
  computeEndTime: number;
  shuffleWriteEndTime: number;
  resultSerializedTime: number;
}

/**
 * The one list of TaskMetrics' measurements (every field but the five phase timestamps), in the
 * order the event packing, the event store's columns and the API use. Shared through
 * `@flint/core/internal`.
 */
export const TASK_METRIC_NAMES = [
  'executorDeserializeTime',
  'executorRunTime',
  'executorCpuTime',
  'resultSize',
  'resultSerializationTime',
  'gcTime',
  'peakExecutionMemory',
  'memoryBytesSpilled',
  'diskBytesSpilled',
  'inputBytes',
  'inputRecords',
  'outputBytes',
  'outputRecords',
  'shuffleReadRemoteBytes',
  'shuffleReadLocalBytes',
  'shuffleReadRecords',
  'shuffleReadRemoteBlocks',
  'shuffleReadLocalBlocks',
  'shuffleFetchWaitTime',
  'shuffleWriteBytes',
  'shuffleWriteRecords',
  'shuffleWriteTime',
] as const satisfies readonly (keyof TaskMetrics)[];
export type TaskMetricName = (typeof TASK_METRIC_NAMES)[number];

/** TaskMetrics' phase timestamps (epoch ms), in packing order. */
export const TASK_PHASE_TIMESTAMP_NAMES = ['executorReceivedTime', 'deserializeEndTime', 'computeEndTime', 'shuffleWriteEndTime', 'resultSerializedTime'] as const satisfies readonly (keyof TaskMetrics)[];

/** Every TaskMetrics field: the measurements, then the phase timestamps (the packed order of a task end). */
export const TASK_METRIC_KEYS = [...TASK_METRIC_NAMES, ...TASK_PHASE_TIMESTAMP_NAMES] as const;

export function emptyTaskMetrics(): TaskMetrics {
  return {
    executorDeserializeTime: 0,
    executorRunTime: 0,
    executorCpuTime: 0,
    resultSize: 0,
    resultSerializationTime: 0,
    gcTime: 0,
    peakExecutionMemory: 0,
    memoryBytesSpilled: 0,
    diskBytesSpilled: 0,
    inputBytes: 0,
    inputRecords: 0,
    outputBytes: 0,
    outputRecords: 0,
    shuffleReadRemoteBytes: 0,
    shuffleReadLocalBytes: 0,
    shuffleReadRecords: 0,
    shuffleReadRemoteBlocks: 0,
    shuffleReadLocalBlocks: 0,
    shuffleFetchWaitTime: 0,
    shuffleWriteBytes: 0,
    shuffleWriteRecords: 0,
    shuffleWriteTime: 0,
    executorReceivedTime: 0,
    deserializeEndTime: 0,
    computeEndTime: 0,
    shuffleWriteEndTime: 0,
    resultSerializedTime: 0,
  };
}
