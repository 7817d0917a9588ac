/**
 * The wire form of listener events in an `appEvents` batch. Task starts and task
 * ends — nearly every event of a job — travel as flat positional arrays instead
 * of maps: msgpack then carries no key names (a task end shrinks from about 770
 * bytes to about 150) and both ends skip most of the encoding and decoding work.
 * Every other event, and any task event that does not have exactly the known
 * fields, travels as the object it is. `unpackEvents(packEvents(x))` deep-equals
 * `x` for every input, so what the master stores does not depend on the form.
 *
 * Layouts (`ti` = the 10 TaskInfo fields in TASK_INFO_KEYS order, `m` = the
 * metrics in TASK_METRIC_KEYS order):
 *  - taskStart: [1, time, stageId, stageAttempt, ...ti]                      (14 items)
 *  - taskEnd:   [2, time, stageId, stageAttempt, taskType, reason, ...ti]    (16 items, metrics null)
 *               [2, time, stageId, stageAttempt, taskType, reason, ...ti, ...m]  (16 + metric count)
 *    where reason is 0 for `{ kind: 'success' }`, else the reason object.
 */
import { TASK_METRIC_KEYS, type TaskMetrics } from '../executor/task-metrics.ts';
import type { TaskInfo } from '../listener/events.ts';

export const TASK_INFO_KEYS = ['taskId', 'index', 'attempt', 'launchTime', 'finishTime', 'executorId', 'host', 'slot', 'locality', 'speculative'] as const satisfies readonly (keyof TaskInfo)[];

export { TASK_METRIC_KEYS };

// Compile-time guards: a field added to TaskInfo or TaskMetrics must be added to the lists above.
type Missing<T, K extends readonly PropertyKey[]> = Exclude<keyof T, K[number]>;
const infoComplete: Missing<TaskInfo, typeof TASK_INFO_KEYS> extends never ? true : never = true;
const metricsComplete: Missing<TaskMetrics, typeof TASK_METRIC_KEYS> extends never ? true : never = true;
void infoComplete;
void metricsComplete;

const TASK_START = 1;
const TASK_END = 2;
const NI = TASK_INFO_KEYS.length;
const NM = TASK_METRIC_KEYS.length;
const START_LEN = 4 + NI;
const END_LEN = 6 + NI;

type Obj = Record<string, unknown>;

function isPlainObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function keyCount(o: Obj): number {
  let n = 0;
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) n++;
  return n;
}

/** True when `o` has exactly the own keys `keys` (values may be anything). */
function hasExactly(o: unknown, keys: readonly string[]): o is Obj {
  if (!isPlainObject(o) || Object.getPrototypeOf(o) !== Object.prototype && Object.getPrototypeOf(o) !== null) return false;
  for (const k of keys) if (!Object.prototype.hasOwnProperty.call(o, k)) return false;
  return keyCount(o) === keys.length;
}

const START_KEYS = ['type', 'time', 'stageId', 'stageAttempt', 'taskInfo'];
const END_KEYS = ['type', 'time', 'stageId', 'stageAttempt', 'taskType', 'reason', 'taskInfo', 'metrics'];

function packOne(e: Obj): unknown {
  if (e.type === 'taskStart') {
    if (!hasExactly(e, START_KEYS) || !hasExactly(e.taskInfo, TASK_INFO_KEYS)) return e;
    const out = new Array<unknown>(START_LEN);
    out[0] = TASK_START;
    out[1] = e.time;
    out[2] = e.stageId;
    out[3] = e.stageAttempt;
    const ti = e.taskInfo;
    for (let i = 0; i < NI; i++) out[4 + i] = ti[TASK_INFO_KEYS[i]!];
    return out;
  }
  if (e.type === 'taskEnd') {
    if (!hasExactly(e, END_KEYS) || !hasExactly(e.taskInfo, TASK_INFO_KEYS)) return e;
    const m = e.metrics;
    if (m !== null && !hasExactly(m, TASK_METRIC_KEYS)) return e;
    const out = new Array<unknown>(m === null ? END_LEN : END_LEN + NM);
    out[0] = TASK_END;
    out[1] = e.time;
    out[2] = e.stageId;
    out[3] = e.stageAttempt;
    out[4] = e.taskType;
    const r = e.reason;
    out[5] = hasExactly(r, ['kind']) && r.kind === 'success' ? 0 : r;
    const ti = e.taskInfo;
    for (let i = 0; i < NI; i++) out[6 + i] = ti[TASK_INFO_KEYS[i]!];
    if (m !== null) for (let i = 0; i < NM; i++) out[END_LEN + i] = m[TASK_METRIC_KEYS[i]!];
    return out;
  }
  return e;
}

/** The wire form of a batch of events (see the file comment). Does not change its input. */
export function packEvents(events: readonly Record<string, unknown>[]): unknown[] {
  const out = new Array<unknown>(events.length);
  for (let i = 0; i < events.length; i++) out[i] = packOne(events[i]!);
  return out;
}

function taskInfoAt(a: readonly unknown[], at: number): Obj {
  const ti: Obj = {};
  for (let i = 0; i < NI; i++) ti[TASK_INFO_KEYS[i]!] = a[at + i];
  return ti;
}

/**
 * The events of a batch in the wire form, as objects. Throws an Error naming the
 * position and what is wrong when an item is neither an object nor a known packed
 * form; the values inside are checked where they are stored.
 */
export function unpackEvents(items: readonly unknown[]): Record<string, unknown>[] {
  const out = new Array<Record<string, unknown>>(items.length);
  for (let i = 0; i < items.length; i++) {
    const a = items[i];
    if (!Array.isArray(a)) {
      if (!isPlainObject(a)) throw new Error(`events[${i}]: expected an event object or a packed task event, got ${a === null ? 'null' : typeof a}`);
      out[i] = a;
      continue;
    }
    if (a[0] === TASK_START && a.length === START_LEN) {
      out[i] = { type: 'taskStart', time: a[1], stageId: a[2], stageAttempt: a[3], taskInfo: taskInfoAt(a, 4) };
    } else if (a[0] === TASK_END && (a.length === END_LEN || a.length === END_LEN + NM)) {
      let metrics: Obj | null = null;
      if (a.length > END_LEN) {
        metrics = {};
        for (let j = 0; j < NM; j++) metrics[TASK_METRIC_KEYS[j]!] = a[END_LEN + j];
      }
      out[i] = { type: 'taskEnd', time: a[1], stageId: a[2], stageAttempt: a[3], taskType: a[4], reason: a[5] === 0 ? { kind: 'success' } : a[5], taskInfo: taskInfoAt(a, 6), metrics };
    } else {
      throw new Error(
        `events[${i}]: a packed event must be [1, …] with ${START_LEN} items (taskStart) or [2, …] with ${END_LEN} or ${END_LEN + NM} items (taskEnd), got [${String(a[0])}, …] with ${a.length}; pack events with packEvents of the same @flint/core version`,
      );
    }
  }
  return out;
}
