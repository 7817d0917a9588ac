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
}

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
  };
}
