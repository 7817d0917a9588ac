import { describe, expect, it } from 'vitest';
import { timelineTasksFromColumns, type TimelineColumns } from './timeline-columns.ts';

/** Columns of three tasks: one with every timestamp, one with shuffle wait and a skewed input, one running. */
function columns(): TimelineColumns {
  return {
    executors: ['e1', 'e2'],
    taskId: [10, 11, 12],
    index: [0, 1, 2],
    attempt: [0, 0, 1],
    executor: [0, 1, 0],
    slot: [0, 0, 1],
    status: ['success', 'success', 'running'],
    launchTime: [1000, 1000, 1500],
    finishTime: [1100, 2000, null],
    executorReceivedTime: [1005, 1010, null],
    deserializeEndTime: [1015, 1020, null],
    computeEndTime: [1080, 1900, null],
    shuffleWriteEndTime: [1090, 1950, null],
    resultSerializedTime: [1095, 0, null],
    shuffleFetchWaitTime: [0, 300, null],
    inputBytes: [100, 1e9, null],
    inputRecords: [1, 2, null],
    shuffleReadRecords: [0, 0, null],
  };
}

describe('timelineTasksFromColumns', () => {
  it('turns columns into bars with phases from the timestamps, shuffle wait carved out of compute', () => {
    const out = timelineTasksFromColumns(columns(), null, 5000);
    expect(out.map((t) => [t.taskId, t.index, t.attempt, t.executorId, t.slot, t.status, t.launchTime, t.finishTime, t.flagged])).toEqual([
      [10, 0, 0, 'e1', 0, 'success', 1000, 1100, false],
      [11, 1, 0, 'e2', 0, 'success', 1000, 2000, false],
      [12, 2, 1, 'e1', 1, 'running', 1500, null, false],
    ]);
    expect(out[0]!.phases).toEqual({ schedulerDelay: 5, deserialize: 10, shuffleReadWait: 0, compute: 65, shuffleWrite: 10, resultSerialize: 5, resultFetch: 5 });
    // 880 ms between deserialize end and compute end, 300 of them waiting for shuffle blocks; a 0 timestamp is unknown.
    expect(out[1]!.phases).toEqual({ schedulerDelay: 10, deserialize: 10, shuffleReadWait: 300, compute: 580, shuffleWrite: 50, resultSerialize: null, resultFetch: null });
    expect(out[2]!.phases).toEqual({});
  });

  it('flags the task whose measure is far above the stage median, appending to the list it is given', () => {
    const acc = timelineTasksFromColumns({ ...columns(), taskId: [1], index: [9], attempt: [0], executor: [1], slot: [0], status: ['success'], launchTime: [0], finishTime: [10], executorReceivedTime: [1], deserializeEndTime: [2], computeEndTime: [8], shuffleWriteEndTime: [9], resultSerializedTime: [9], shuffleFetchWaitTime: [0], inputBytes: [5], inputRecords: [1], shuffleReadRecords: [0] }, null, 0);
    const medians = { duration: 100, values: { inputBytes: 100, inputRecords: 1, shuffleReadRecords: 0 }, doneFraction: 1 };
    const out = timelineTasksFromColumns(columns(), medians, 5000, acc);
    expect(out.map((t) => [t.taskId, t.flagged])).toEqual([
      [1, false],
      [10, false],
      [11, true],
      [12, true],
    ]);
  });
});
