import { describe, expect, it } from 'vitest';
import { MIN_TASK_PX, panView, PHASES, phaseParts, TimelineLayout, zoomView, type TimelineTask } from './timeline-layout.ts';

/** Deterministic pseudo-random numbers (no Math.random: failures must replay). */
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

/** `n` tasks run back to back on execs × slots lanes, as a real scheduler fills them. */
function makeTasks(n: number, execs: number, slots: number, seed = 1): TimelineTask[] {
  const rand = rng(seed);
  const free: number[] = new Array(execs * slots).fill(1_000_000);
  const tasks: TimelineTask[] = [];
  for (let i = 0; i < n; i++) {
    let lane = 0;
    for (let l = 1; l < free.length; l++) if (free[l]! < free[lane]!) lane = l;
    const launch = free[lane]! + Math.floor(rand() * 3);
    const dur = 1 + Math.floor(rand() * 200);
    const phases = { schedulerDelay: dur * 0.1, deserialize: dur * 0.05, shuffleReadWait: 0, compute: dur * 0.7, shuffleWrite: dur * 0.1, resultSerialize: dur * 0.02, resultFetch: dur * 0.03 };
    tasks.push({ taskId: i, index: i, attempt: 0, executorId: String(Math.floor(lane / slots) + 1), slot: lane % slots, status: i % 997 === 0 ? 'FAILED' : 'SUCCESS', launchTime: launch, finishTime: launch + dur, phases, flagged: i === 4242 });
    free[lane] = launch + dur;
  }
  return tasks;
}

describe('TimelineLayout', () => {
  it('makes one lane per executor slot, ordered by executor then slot, each task in its own slot', () => {
    const tasks = makeTasks(500, 3, 2);
    const layout = new TimelineLayout(tasks, 0);
    const expected = [...new Set(tasks.map((t) => `${t.executorId}/${t.slot}`))].sort();
    expect(layout.lanes.map((l) => `${l.executorId}/${l.slot}`)).toEqual(expected);
    tasks.forEach((t, i) => {
      const lane = layout.lanes[layout.laneOfTask(i)]!;
      expect([lane.executorId, lane.slot]).toEqual([t.executorId, t.slot]);
    });
  });

  it('orders executors naturally (2 before 10)', () => {
    const t = (id: number, exec: string): TimelineTask => ({ taskId: id, index: id, attempt: 0, executorId: exec, slot: 0, status: 'SUCCESS', launchTime: 0, finishTime: 10, phases: {} });
    const layout = new TimelineLayout([t(0, '10'), t(1, '2'), t(2, 'driver')], 0);
    expect(layout.lanes.map((l) => l.executorId)).toEqual(['2', '10', 'driver']);
  });

  it('puts overlapping tasks of one slot (or without a slot) in separate lanes, never on top of each other', () => {
    const base = { attempt: 0, executorId: '1', status: 'SUCCESS', phases: {} };
    const tasks: TimelineTask[] = [
      { ...base, taskId: 0, index: 0, slot: 0, launchTime: 0, finishTime: 100 },
      { ...base, taskId: 1, index: 1, slot: 0, launchTime: 50, finishTime: 150 }, // a retry reusing the slot
      { ...base, taskId: 2, index: 2, slot: null, launchTime: 60, finishTime: 70 },
      { ...base, taskId: 3, index: 3, slot: null, launchTime: 120, finishTime: 130 },
    ];
    const layout = new TimelineLayout(tasks, 0);
    const byLane = new Map<number, TimelineTask[]>();
    tasks.forEach((t, i) => byLane.set(layout.laneOfTask(i), [...(byLane.get(layout.laneOfTask(i)) ?? []), t]));
    for (const list of byLane.values()) {
      list.sort((a, b) => a.launchTime - b.launchTime);
      for (let i = 1; i < list.length; i++) expect(list[i]!.launchTime).toBeGreaterThanOrEqual(list[i - 1]!.finishTime!);
    }
    expect(layout.lanes.length).toBe(3);
  });

  it('splits a bar into its phases in order, summing to the bar; extra time is "other", excess is scaled', () => {
    const t: TimelineTask = { taskId: 0, index: 0, attempt: 0, executorId: '1', slot: 0, status: 'SUCCESS', launchTime: 1000, finishTime: 1100, phases: { schedulerDelay: 10, deserialize: 5, compute: 60, shuffleWrite: 5 } };
    const layout = new TimelineLayout([t], 0);
    const f = layout.frame({ from: 1000, to: 1100 }, 1000);
    expect(f.items).toHaveLength(1);
    const segs = f.items[0]!.segments!;
    expect(segs.map((s) => s.kind)).toEqual(['schedulerDelay', 'deserialize', 'compute', 'shuffleWrite', 'other']);
    expect(segs.map((s) => Math.round(s.w))).toEqual([100, 50, 600, 50, 200]);
    for (let i = 1; i < segs.length; i++) expect(segs[i]!.x).toBeCloseTo(segs[i - 1]!.x + segs[i - 1]!.w);
    const over = phaseParts({ phases: { compute: 150, resultFetch: 50 } }, 100);
    expect(over.reduce((a, [, ms]) => a + ms, 0)).toBeCloseTo(100);
    expect(Object.fromEntries(over)).toMatchObject({ compute: 75, resultFetch: 25 });
    expect(over.map(([k]) => k)).toEqual([...PHASES]);
  });

  it('a running task ends at now and is drawn as running', () => {
    const t: TimelineTask = { taskId: 0, index: 0, attempt: 0, executorId: '1', slot: 0, status: 'RUNNING', launchTime: 1000, finishTime: null, phases: {} };
    const layout = new TimelineLayout([t], 1500);
    expect(layout.fullView()).toEqual({ from: 1000, to: 1500 });
    const item = layout.frame(layout.fullView(), 500).items[0]!;
    expect(item).toMatchObject({ running: true, x: 0, w: 500 });
    expect(item.segments).toEqual([{ kind: 'running', x: 0, w: 500 }]);
  });

  it('level of detail at 100,000 tasks: a bounded frame that accounts for every task, and every task reachable by zoom', () => {
    const n = 100_000;
    const tasks = makeTasks(n, 8, 4, 7);
    const layout = new TimelineLayout(tasks, 0);
    expect(layout.lanes).toHaveLength(32);
    const width = 1200;
    const full = layout.frame(layout.fullView(), width);
    expect(full.tasksInView).toBe(n);
    expect(full.items.reduce((a, it) => a + it.count, 0)).toBe(n);
    expect(full.items.length).toBeLessThanOrEqual(32 * (width / 1 + 2));
    expect(full.items.length).toBeLessThan(n / 2);
    // Problems stay visible when merged: failed and flagged tasks colour their group.
    const failedLanes = new Set(tasks.map((t, i) => (t.status === 'FAILED' ? layout.laneOfTask(i) : -1)).filter((l) => l >= 0));
    expect(new Set(full.items.filter((it) => it.failed).map((it) => it.lane))).toEqual(failedLanes);
    expect(full.items.filter((it) => it.flagged)).toHaveLength(1);
    // Zoomed to each task's own extent, that task is its own bar with its phases.
    for (let i = 0; i < n; i++) {
      const t = tasks[i]!;
      const pad = (t.finishTime! - t.launchTime) * 0.05;
      const lane = layout.laneOfTask(i);
      const f = layout.frame({ from: t.launchTime - pad, to: t.finishTime! + pad }, 800, lane, lane);
      const own = f.items.find((it) => it.task === i);
      if (!own || own.kind !== 'task' || own.w < MIN_TASK_PX || !own.segments || own.lane !== layout.laneOfTask(i)) throw new Error(`task ${i} not reachable: ${JSON.stringify(own)}`);
    }
  });

  it('hit testing finds the task under the pointer', () => {
    const tasks = makeTasks(2000, 2, 2, 3);
    const layout = new TimelineLayout(tasks, 0);
    const view = { from: tasks[1000]!.launchTime - 50, to: tasks[1000]!.launchTime + 400 };
    const f = layout.frame(view, 900);
    const singles = f.items.filter((it) => it.kind === 'task' && it.w > 4);
    expect(singles.length).toBeGreaterThan(5);
    for (const it of singles) expect(layout.hit(it.lane, it.x + it.w / 2, view, 900)).toBe(it.task);
    expect(layout.hit(99, 10, view, 900)).toBe(-1);
    // A frame of some lanes holds exactly those lanes' items.
    const part = layout.frame(view, 900, 1, 2);
    expect(part.items).toEqual(f.items.filter((it) => it.lane === 1 || it.lane === 2));
  });

  it('zoom and pan stay inside the run', () => {
    const bounds = { from: 0, to: 1000 };
    const z = zoomView(bounds, 0.5, 250, bounds);
    expect(z).toEqual({ from: 125, to: 625 });
    expect(zoomView(z, 10, 300, bounds)).toEqual(bounds);
    expect(panView(z, -1000, bounds)).toEqual({ from: 0, to: 500 });
    expect(panView(z, 1000, bounds)).toEqual({ from: 500, to: 1000 });
  });
});
