import { describe, expect, it } from 'vitest';
import type { TaskStatus, TaskTimeline } from './queries.ts';
import { MIN_TASK_PX, TIMELINE_FAILED, TIMELINE_FLAGGED, TIMELINE_PHASES, TIMELINE_RUNNING, TimelineIndex, type TimelineView } from './timeline-index.ts';

/** Deterministic pseudo-random numbers (failures must replay). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface T {
  taskId: number;
  index: number;
  attempt: number;
  executorId: string;
  slot: number;
  status: TaskStatus;
  launch: number;
  finish: number | null;
  /** executorReceived, deserializeEnd, computeEnd, shuffleWriteEnd, resultSerialized, fetchWait; null = no metrics. */
  ts: [number, number, number, number, number, number] | null;
  inputBytes: number | null;
  shuffleReadRecords: number | null;
}

/** The API's column form of `tasks` (taskId order). */
function columns(tasks: T[]): TaskTimeline {
  const sorted = [...tasks].sort((a, b) => a.taskId - b.taskId);
  const executors = [...new Set(sorted.map((t) => t.executorId))];
  const m = (k: number) => sorted.map((t) => (t.ts ? t.ts[k]! : null));
  return {
    executors,
    taskId: sorted.map((t) => t.taskId),
    index: sorted.map((t) => t.index),
    attempt: sorted.map((t) => t.attempt),
    executor: sorted.map((t) => executors.indexOf(t.executorId)),
    slot: sorted.map((t) => t.slot),
    status: sorted.map((t) => t.status),
    launchTime: sorted.map((t) => t.launch),
    finishTime: sorted.map((t) => t.finish),
    executorReceivedTime: m(0),
    deserializeEndTime: m(1),
    computeEndTime: m(2),
    shuffleWriteEndTime: m(3),
    resultSerializedTime: m(4),
    shuffleFetchWaitTime: m(5),
    inputBytes: sorted.map((t) => t.inputBytes),
    inputRecords: sorted.map(() => null),
    shuffleReadRecords: sorted.map((t) => t.shuffleReadRecords),
    nextAfterTaskId: null,
  };
}

/** `n` tasks run back to back on execs × slots lanes, as a scheduler fills them; every 997th failed. */
function makeTasks(n: number, execs: number, slots: number, seed = 1): T[] {
  const rand = rng(seed);
  const free: number[] = new Array(execs * slots).fill(1_000_000);
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    let lane = 0;
    for (let l = 1; l < free.length; l++) if (free[l]! < free[lane]!) lane = l;
    const launch = free[lane]! + Math.floor(rand() * 3);
    const dur = 10 + Math.floor(rand() * 200);
    const rec = launch + 1;
    const ts: T['ts'] = [rec, rec + 2, rec + 2 + Math.floor(dur * 0.7), rec + 3 + Math.floor(dur * 0.8), rec + 4 + Math.floor(dur * 0.8), Math.floor(rand() * 4)];
    out.push({ taskId: i, index: i, attempt: 0, executorId: String(Math.floor(lane / slots) + 1), slot: lane % slots, status: i % 997 === 0 ? 'failed' : 'success', launch, finish: launch + dur, ts, inputBytes: i === 4242 ? 1e9 : 1000 + Math.floor(rand() * 100), shuffleReadRecords: 5 });
    free[lane] = launch + dur;
  }
  return out;
}

function indexOf(tasks: T[], now = 0, pageSize = Infinity): TimelineIndex {
  const idx = new TimelineIndex();
  const c = columns(tasks);
  if (pageSize === Infinity) idx.append(c);
  else
    for (let i = 0; i < c.taskId.length; i += pageSize) {
      const slice = <X,>(a: X[]) => a.slice(i, i + pageSize);
      idx.append({ ...c, taskId: slice(c.taskId), index: slice(c.index), attempt: slice(c.attempt), executor: slice(c.executor), slot: slice(c.slot), status: slice(c.status), launchTime: slice(c.launchTime), finishTime: slice(c.finishTime), executorReceivedTime: slice(c.executorReceivedTime), deserializeEndTime: slice(c.deserializeEndTime), computeEndTime: slice(c.computeEndTime), shuffleWriteEndTime: slice(c.shuffleWriteEndTime), resultSerializedTime: slice(c.resultSerializedTime), shuffleFetchWaitTime: slice(c.shuffleFetchWaitTime), inputBytes: slice(c.inputBytes), inputRecords: slice(c.inputRecords), shuffleReadRecords: slice(c.shuffleReadRecords) });
    }
  idx.layout(now);
  return idx;
}

/** Plain-JS phases of a task from its timestamps (the rule the UI shows). */
function expectedPhases(t: T): number[] | null {
  if (!t.ts) return null;
  const [rec, deser, comp, write, ser, wait] = t.ts;
  const span = (a: number, b: number | null) => (a && b ? Math.max(0, b - a) : 0);
  const all = deser && comp ? Math.max(0, comp - deser) : null;
  return [span(t.launch, rec), span(rec, deser), all === null ? 0 : Math.min(wait, all), all === null ? 0 : Math.max(0, all - wait), span(comp, write), span(write, ser), span(ser, t.finish)];
}

function barOf(v: TimelineView, taskId: number): number {
  return v.bars.taskId.indexOf(taskId);
}

describe('TimelineIndex', () => {
  it('makes one lane per executor slot, ordered by executor (naturally: 2 before 10) then slot', () => {
    const tasks = makeTasks(500, 3, 2);
    for (const t of tasks) if (t.executorId === '3') t.executorId = '10';
    const idx = indexOf(tasks);
    const lanes = idx.laneList().map((l) => `${l.executorId}/${l.slot}`);
    expect(lanes).toEqual(['1/0', '1/1', '2/0', '2/1', '10/0', '10/1']);
    // Zoomed onto each task it is its own bar in the lane of its executor and slot.
    for (const t of tasks.slice(0, 60)) {
      const v = idx.view({ from: t.launch, to: t.finish!, width: 100 });
      const b = barOf(v, t.taskId);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(lanes[v.bars.lane[b]!]).toBe(`${t.executorId}/${t.slot}`);
    }
  });

  it('puts overlapping tasks of one slot (or without one) in separate lanes, never on top of each other', () => {
    const base = { attempt: 0, executorId: '1', status: 'success' as const, ts: null, inputBytes: null, shuffleReadRecords: null };
    const tasks: T[] = [
      { ...base, taskId: 0, index: 0, slot: 0, launch: 0, finish: 100 },
      { ...base, taskId: 1, index: 1, slot: 0, launch: 50, finish: 150 }, // a retry reusing the slot
      { ...base, taskId: 2, index: 2, slot: -1, launch: 60, finish: 70 },
      { ...base, taskId: 3, index: 3, slot: -1, launch: 120, finish: 130 },
    ];
    const idx = indexOf(tasks);
    expect(idx.laneList()).toHaveLength(3);
    const v = idx.view({ width: 1500 });
    expect(v.bars.taskId.length).toBe(4);
    const byLane = new Map<number, Array<[number, number]>>();
    v.bars.lane.forEach((l, i) => byLane.set(l, [...(byLane.get(l) ?? []), [v.bars.launch[i]!, v.bars.finish[i]!]]));
    for (const list of byLane.values()) {
      list.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < list.length; i++) expect(list[i]![0]).toBeGreaterThanOrEqual(list[i - 1]![1]);
    }
  });

  it('a bar carries its identity, times and phases (shuffle read wait carved out of compute once; unknown spans 0; no metrics → null)', () => {
    const tasks = makeTasks(300, 2, 2, 5);
    tasks[7]!.ts![0] = 0; // an executor that sent no received time: those spans are unknown
    tasks[8]!.ts = null; // ended without metrics
    const idx = indexOf(tasks);
    const v = idx.view({ width: 12_000 });
    for (const t of tasks) {
      const b = barOf(v, t.taskId);
      if (b < 0) continue;
      expect([v.bars.index[b], v.bars.attempt[b], v.bars.status[b], v.bars.launch[b]! + v.origin, v.bars.finish[b]! + v.origin]).toEqual([t.index, t.attempt, t.status, t.launch, t.finish]);
      expect(v.bars.phases[b]).toEqual(expectedPhases(t));
    }
    expect(barOf(v, 7)).toBeGreaterThanOrEqual(0);
    expect(v.bars.phases[barOf(v, 8)]).toBeNull();
    expect(v.bars.phases[barOf(v, 7)]![0]).toBe(0);
    expect(TIMELINE_PHASES).toHaveLength(7);
  });

  it('a running task ends at now and is marked running; its elapsed time counts against the duration threshold', () => {
    const base = { index: 0, attempt: 0, executorId: '1', slot: 0, ts: null, inputBytes: null, shuffleReadRecords: null };
    const tasks: T[] = [
      { ...base, taskId: 0, status: 'success', launch: 1000, finish: 1100 },
      { ...base, taskId: 1, index: 1, slot: 1, status: 'running', launch: 1000, finish: null },
    ];
    const idx = indexOf(tasks, 1500);
    const v = idx.view({ width: 500, flagAt: { duration: 400 } });
    expect([v.origin, v.end]).toEqual([1000, 500]);
    const r = barOf(v, 1);
    expect(v.bars.finish[r]).toBeNull();
    expect(v.bars.state[r]).toBe(TIMELINE_RUNNING | TIMELINE_FLAGGED);
    expect(v.bars.state[barOf(v, 0)]).toBe(0);
    expect(idx.view({ width: 500, flagAt: { duration: 501 } }).bars.state[r]).toBe(TIMELINE_RUNNING);
  });

  it('level of detail at 100,000 tasks: a bounded answer that accounts for every task once, problems kept visible, every task reachable by zoom', () => {
    const n = 100_000;
    const tasks = makeTasks(n, 8, 4, 7);
    const idx = indexOf(tasks, 0, 20_000);
    const lanes = idx.laneList();
    expect(lanes).toHaveLength(32);
    const width = 1200;
    const flagAt = { inputBytes: 1e6 };
    const full = idx.view({ width, flagAt });
    expect(full.totalTasks).toBe(n);
    expect(full.tasksInView).toBe(n);
    expect(full.runs.count.reduce((a, b) => a + b, 0) + full.bars.taskId.length).toBe(n);
    expect(full.runs.lane.length + full.bars.lane.length).toBeLessThanOrEqual(32 * (width + 2));
    expect(JSON.stringify(full).length).toBeLessThan(400_000);
    // Failed and flagged tasks colour the run (or bar) that holds them, in their lane and at their time.
    const laneKey = new Map(lanes.map((l, i) => [`${l.executorId}/${l.slot}`, i]));
    const holds = (t: T, bit: number) => {
      const lane = laneKey.get(`${t.executorId}/${t.slot}`)!;
      const s = t.launch - full.origin;
      const inRun = full.runs.lane.some((l, k) => l === lane && full.runs.from[k]! <= s + 0.01 && full.runs.to[k]! >= s - 0.01 && (full.runs.state[k]! & bit) !== 0);
      const b = barOf(full, t.taskId);
      return inRun || (b >= 0 && (full.bars.state[b]! & bit) !== 0);
    };
    const failed = tasks.filter((t) => t.status === 'failed');
    expect(failed.length).toBe(Math.ceil(n / 997));
    for (const t of failed) expect(holds(t, TIMELINE_FAILED), `task ${t.taskId}`).toBe(true);
    expect(holds(tasks[4242]!, TIMELINE_FLAGGED)).toBe(true);
    const flaggedRuns = full.runs.state.filter((s) => s & TIMELINE_FLAGGED).length + full.bars.state.filter((s) => s & TIMELINE_FLAGGED).length;
    expect(flaggedRuns).toBe(1);
    const failedRunTasks = full.runs.state.filter((s) => s & TIMELINE_FAILED).length + full.bars.state.filter((s) => s & TIMELINE_FAILED).length;
    expect(failedRunTasks).toBeLessThanOrEqual(failed.length);
    // Zoomed to its own extent in its own lane, each task is its own bar with its phases.
    for (const t of tasks) {
      const pad = (t.finish! - t.launch) * 0.05;
      const lane = laneKey.get(`${t.executorId}/${t.slot}`)!;
      const v = idx.view({ from: t.launch - pad, to: t.finish! + pad, width: 800, firstLane: lane, lastLane: lane });
      const b = barOf(v, t.taskId);
      if (b < 0 || v.bars.lane[b] !== lane || !v.bars.phases[b]) throw new Error(`task ${t.taskId} not reachable`);
    }
  });

  it('a window holds exactly the tasks that overlap it in the asked lanes; a view of some lanes is that part of the whole view', () => {
    const tasks = makeTasks(5000, 2, 2, 3);
    const idx = indexOf(tasks);
    const lanes = idx.laneList();
    const laneOf = (t: T) => lanes.findIndex((l) => l.executorId === t.executorId && l.slot === t.slot);
    const from = tasks[2000]!.launch;
    const to = from + 3000;
    const v = idx.view({ from, to, width: 900, firstLane: 1, lastLane: 2 });
    const expected = tasks.filter((t) => t.finish! >= from && t.launch <= to && [1, 2].includes(laneOf(t))).length;
    expect(v.tasksInView).toBe(expected);
    expect(v.runs.count.reduce((a, b) => a + b, 0) + v.bars.taskId.length).toBe(expected);
    const all = idx.view({ from, to, width: 900 });
    const pick = (w: TimelineView) => ({
      bars: w.bars.taskId.filter((_, i) => w.bars.lane[i] === 1 || w.bars.lane[i] === 2),
      runs: w.runs.lane.map((l, i) => [l, w.runs.from[i], w.runs.to[i], w.runs.count[i], w.runs.state[i]]).filter((r) => r[0] === 1 || r[0] === 2),
    });
    expect(pick(v)).toEqual(pick(all));
    // Bars are the tasks at least MIN_TASK_PX wide at this scale, and only those.
    const scale = 900 / (to - from);
    const wide = tasks.filter((t) => t.finish! >= from && t.launch <= to && [1, 2].includes(laneOf(t)) && (t.finish! - t.launch) * scale >= MIN_TASK_PX).map((t) => t.taskId);
    expect([...v.bars.taskId].sort((a, b) => a - b)).toEqual(wide.sort((a, b) => a - b));
  });

  it('flags a task when any measure reaches its threshold (unknown measures never do)', () => {
    const tasks = makeTasks(400, 1, 2, 9);
    tasks[10]!.shuffleReadRecords = 500;
    tasks[11]!.inputBytes = null;
    tasks[12]!.finish = tasks[12]!.launch + 5000;
    const idx = indexOf(tasks);
    const flagAt = { inputBytes: 1090, shuffleReadRecords: 500, duration: 5000 };
    const v = idx.view({ width: 12_000, flagAt });
    for (const t of tasks) {
      const b = barOf(v, t.taskId);
      if (b < 0) continue;
      const expected = (t.inputBytes ?? -Infinity) >= 1090 || (t.shuffleReadRecords ?? -Infinity) >= 500 || t.finish! - t.launch >= 5000;
      expect((v.bars.state[b]! & TIMELINE_FLAGGED) !== 0, `task ${t.taskId}`).toBe(expected);
    }
    expect(v.bars.state[barOf(v, 10)]! & TIMELINE_FLAGGED).toBeTruthy();
    expect(v.bars.state[barOf(v, 12)]! & TIMELINE_FLAGGED).toBeTruthy();
    expect(idx.view({ width: 12_000 }).bars.state.some((s) => s & TIMELINE_FLAGGED)).toBe(false);
  });

  it('a kept prefix plus the re-read rest equals a fresh read', () => {
    const tasks = makeTasks(3000, 2, 2, 4);
    const whole = indexOf(tasks);
    const part = indexOf(tasks.slice(0, 1800)).prefix(1200);
    part.append(columns(tasks.filter((t) => t.taskId >= 1200)));
    part.layout(0);
    expect(part.size).toBe(3000);
    expect(part.view({ width: 700, flagAt: { inputBytes: 1050 } })).toEqual(whole.view({ width: 700, flagAt: { inputBytes: 1050 } }));
    expect(part.firstRunning()).toBe(3000);
  });
});
