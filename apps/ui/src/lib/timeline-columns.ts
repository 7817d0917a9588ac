/**
 * Timeline bars from the API's column-wise `tasks.timeline` answer: phases from
 * the five phase timestamps (a span is unknown when either end is 0 or null),
 * shuffle read wait carved out of compute, and each task's flag from the
 * stage's medians.
 */
import { taskFlags, type StageMedians } from './flags.ts';
import type { TimelineTask } from './timeline-layout.ts';

/** The columns this reads (the shape of `tasks.timeline`'s answer). */
export interface TimelineColumns {
  executors: string[];
  taskId: number[];
  index: number[];
  attempt: number[];
  executor: number[];
  slot: number[];
  status: string[];
  launchTime: number[];
  finishTime: Array<number | null>;
  executorReceivedTime: Array<number | null>;
  deserializeEndTime: Array<number | null>;
  computeEndTime: Array<number | null>;
  shuffleWriteEndTime: Array<number | null>;
  resultSerializedTime: Array<number | null>;
  shuffleFetchWaitTime: Array<number | null>;
  inputBytes: Array<number | null>;
  inputRecords: Array<number | null>;
  shuffleReadRecords: Array<number | null>;
}

const span = (from: number | null | undefined, to: number | null | undefined): number | null => (from && to ? Math.max(0, to - from) : null);

/** Appends one TimelineTask per row of `c` to `out`; flagged by `taskFlags` when medians are given. */
export function timelineTasksFromColumns(c: TimelineColumns, medians: StageMedians | null, now: number, out: TimelineTask[] = []): TimelineTask[] {
  for (let i = 0; i < c.taskId.length; i++) {
    const executorId = c.executors[c.executor[i]!] ?? '?';
    const launchTime = c.launchTime[i]!;
    const finishTime = c.finishTime[i] ?? null;
    const status = c.status[i]!;
    const received = c.executorReceivedTime[i];
    let phases: TimelineTask['phases'] = {};
    if (received != null) {
      const computeAll = span(c.deserializeEndTime[i], c.computeEndTime[i]);
      const wait = c.shuffleFetchWaitTime[i] ?? 0;
      phases = {
        schedulerDelay: span(launchTime, received),
        deserialize: span(received, c.deserializeEndTime[i]),
        // Shuffle read wait happens inside compute; shown as its own phase.
        shuffleReadWait: computeAll === null ? null : Math.min(wait, computeAll),
        compute: computeAll === null ? null : Math.max(0, computeAll - wait),
        shuffleWrite: span(c.computeEndTime[i], c.shuffleWriteEndTime[i]),
        resultSerialize: span(c.shuffleWriteEndTime[i], c.resultSerializedTime[i]),
        resultFetch: span(c.resultSerializedTime[i], finishTime),
      };
    }
    let flagged = false;
    if (medians) {
      const values: Record<string, number> = {};
      const ib = c.inputBytes[i];
      const ir = c.inputRecords[i];
      const sr = c.shuffleReadRecords[i];
      if (ib != null) values.inputBytes = ib;
      if (ir != null) values.inputRecords = ir;
      if (sr != null) values.shuffleReadRecords = sr;
      flagged = taskFlags({ index: c.index[i]!, executorId, status, launchTime, duration: finishTime === null ? null : finishTime - launchTime, values }, medians, now).length > 0;
    }
    out.push({ taskId: c.taskId[i]!, index: c.index[i]!, attempt: c.attempt[i]!, executorId, slot: c.slot[i]!, status, launchTime, finishTime, phases, flagged });
  }
  return out;
}
