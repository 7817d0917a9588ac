/**
 * Layout of the stage's event timeline: one lane per executor slot, every task
 * a bar split into its phases, and a level of detail that keeps a frame small
 * at any task count.
 *
 * `TimelineLayout` owns the lanes (built once per task set, O(n log n)); each
 * `frame(view, width)` returns only what the canvas must draw for that view:
 * tasks at least MIN_TASK_PX wide as bars (with phase segments once
 * PHASE_MIN_PX wide), and runs of narrower neighbouring tasks merged into one
 * group bar per pixel run. A frame therefore holds at most about
 * lanes × width / 1 items, however many tasks there are, and every task
 * becomes its own bar when the view is zoomed to its extent. Pure data: no
 * DOM, no canvas; the component draws what this returns.
 */

export const PHASES = ['schedulerDelay', 'deserialize', 'shuffleReadWait', 'compute', 'shuffleWrite', 'resultSerialize', 'resultFetch'] as const;
export type Phase = (typeof PHASES)[number];
export type SegmentKind = Phase | 'other' | 'running';

/** Below this width (px) a task is merged with touching narrow neighbours. */
export const MIN_TASK_PX = 2;
/** From this width (px) a task bar is drawn split into its phases. */
export const PHASE_MIN_PX = 6;

export interface TimelineTask {
  taskId: number;
  /** Partition index. */
  index: number;
  attempt: number;
  executorId: string;
  /** Core slot on its executor; tasks without one (or overlapping in it) get a free lane of their executor. */
  slot: number | null;
  status: string;
  launchTime: number;
  /** Null while running: the bar ends at the layout's `now`. */
  finishTime: number | null;
  phases: Partial<Record<Phase, number | null>>;
  flagged?: boolean;
}

export interface Lane {
  executorId: string;
  slot: number;
  label: string;
}

export interface TimeView {
  from: number;
  to: number;
}

export interface Segment {
  kind: SegmentKind;
  x: number;
  w: number;
}

export interface DrawItem {
  lane: number;
  x: number;
  w: number;
  /** 'task': one task (index into the layout's tasks); 'group': `count` merged narrow tasks. */
  kind: 'task' | 'group';
  task: number;
  count: number;
  failed: boolean;
  flagged: boolean;
  running: boolean;
  segments: Segment[] | null;
}

export interface TimelineFrame {
  view: TimeView;
  width: number;
  items: DrawItem[];
  /** Tasks represented (individually or in groups) in this frame. */
  tasksInView: number;
}

interface LaneIndex {
  /** Task indices (into tasks), sorted by start; tasks in one lane never overlap, so ends are sorted too. */
  order: Int32Array;
  starts: Float64Array;
  ends: Float64Array;
}

export class TimelineLayout {
  readonly lanes: Lane[] = [];
  readonly start: number;
  readonly end: number;
  private readonly index: LaneIndex[] = [];
  private readonly laneOf: Int32Array;

  constructor(
    readonly tasks: readonly TimelineTask[],
    readonly now: number,
  ) {
    this.laneOf = new Int32Array(tasks.length);
    const byExec = new Map<string, number[]>();
    for (let i = 0; i < tasks.length; i++) {
      const e = tasks[i]!.executorId;
      let list = byExec.get(e);
      if (!list) byExec.set(e, (list = []));
      list.push(i);
    }
    const execs = [...byExec.keys()].sort(naturalCompare);
    let start = Infinity;
    let end = -Infinity;
    for (const exec of execs) {
      const ids = byExec.get(exec)!;
      ids.sort((a, b) => tasks[a]!.launchTime - tasks[b]!.launchTime || tasks[a]!.taskId - tasks[b]!.taskId);
      // Lanes of this executor: slot → free-from time; overflow lanes for overlaps.
      const laneSlots: number[] = [];
      const laneFree: number[] = [];
      const laneMembers: number[][] = [];
      for (const i of ids) {
        const t = tasks[i]!;
        const s = t.launchTime;
        const e = this.endOf(t);
        start = Math.min(start, s);
        end = Math.max(end, e);
        let lane = t.slot != null && t.slot >= 0 ? laneSlots.indexOf(t.slot) : -1;
        if (lane >= 0 && laneFree[lane]! > s) lane = -1;
        if (lane < 0 && t.slot != null && t.slot >= 0 && !laneSlots.includes(t.slot)) {
          lane = laneSlots.length;
          laneSlots.push(t.slot);
          laneFree.push(-Infinity);
          laneMembers.push([]);
        }
        if (lane < 0) lane = laneFree.findIndex((f) => f <= s);
        if (lane < 0) {
          lane = laneSlots.length;
          laneSlots.push(nextFreeSlot(laneSlots));
          laneFree.push(-Infinity);
          laneMembers.push([]);
        }
        laneFree[lane] = Math.max(e, s);
        laneMembers[lane]!.push(i);
      }
      const sorted = laneSlots.map((slot, k) => ({ slot, k })).sort((a, b) => a.slot - b.slot);
      for (const { slot, k } of sorted) {
        const members = laneMembers[k]!;
        const laneNo = this.lanes.length;
        this.lanes.push({ executorId: exec, slot, label: `executor ${exec} · slot ${slot}` });
        const order = Int32Array.from(members);
        const starts = new Float64Array(members.length);
        const ends = new Float64Array(members.length);
        members.forEach((i, j) => {
          starts[j] = tasks[i]!.launchTime;
          ends[j] = Math.max(this.endOf(tasks[i]!), tasks[i]!.launchTime);
          this.laneOf[i] = laneNo;
        });
        this.index.push({ order, starts, ends });
      }
    }
    this.start = Number.isFinite(start) ? start : now;
    this.end = Number.isFinite(end) ? Math.max(end, this.start + 1) : now + 1;
  }

  /** The lane a task (by index into tasks) was put in. */
  laneOfTask(task: number): number {
    return this.laneOf[task]!;
  }

  /** The full extent, for the initial view. */
  fullView(): TimeView {
    return { from: this.start, to: this.end };
  }

  /** What to draw for `view` at `width` pixels, for lanes firstLane..lastLane (default all: the canvas passes the lanes scrolled into sight). */
  frame(view: TimeView, width: number, firstLane = 0, lastLane = this.index.length - 1): TimelineFrame {
    const span = Math.max(view.to - view.from, 1e-6);
    const scale = width / span;
    const items: DrawItem[] = [];
    let tasksInView = 0;
    for (let lane = Math.max(0, firstLane); lane <= Math.min(lastLane, this.index.length - 1); lane++) {
      const { order, starts, ends } = this.index[lane]!;
      let j = lowerBound(ends, view.from);
      let group: DrawItem | null = null;
      for (; j < order.length && starts[j]! <= view.to; j++) {
        const ti = order[j]!;
        const t = this.tasks[ti]!;
        tasksInView++;
        const x0 = (starts[j]! - view.from) * scale;
        const x1 = (ends[j]! - view.from) * scale;
        const w = x1 - x0;
        const failed = isFailed(t.status);
        const running = t.finishTime == null;
        if (w < MIN_TASK_PX) {
          if (group && x0 <= group.x + group.w + 1) {
            group.w = Math.max(group.w, x1 - group.x);
            group.count++;
            group.kind = 'group';
            group.failed ||= failed;
            group.flagged ||= !!t.flagged;
            group.running ||= running;
            continue;
          }
          group = { lane, x: x0, w: Math.max(w, 1), kind: 'task', task: ti, count: 1, failed, flagged: !!t.flagged, running, segments: null };
          items.push(group);
          continue;
        }
        group = null;
        items.push({
          lane,
          x: x0,
          w,
          kind: 'task',
          task: ti,
          count: 1,
          failed,
          flagged: !!t.flagged,
          running,
          segments: w >= PHASE_MIN_PX ? this.segments(t, view.from, scale) : null,
        });
      }
    }
    return { view, width, items, tasksInView };
  }

  /**
   * The task under pixel `x` of `lane` in a frame of `view`/`width`, within
   * `tolerancePx`; the nearest one when several are. -1 when none.
   */
  hit(lane: number, x: number, view: TimeView, width: number, tolerancePx = 2): number {
    const idx = this.index[lane];
    if (!idx) return -1;
    const scale = width / Math.max(view.to - view.from, 1e-6);
    const t = view.from + x / scale;
    const tol = tolerancePx / scale;
    let j = lowerBound(idx.ends, t - tol);
    let best = -1;
    let bestDist = Infinity;
    for (; j < idx.order.length && idx.starts[j]! <= t + tol; j++) {
      const d = t < idx.starts[j]! ? idx.starts[j]! - t : t > idx.ends[j]! ? t - idx.ends[j]! : 0;
      if (d < bestDist) {
        bestDist = d;
        best = idx.order[j]!;
      }
    }
    return best;
  }

  /** Phase segments of a task in pixels; the time its phases do not account for is 'other'. */
  segments(t: TimelineTask, from: number, scale: number): Segment[] {
    const s = t.launchTime;
    const e = Math.max(this.endOf(t), s);
    if (t.finishTime == null) return [{ kind: 'running', x: (s - from) * scale, w: (e - s) * scale }];
    const parts = phaseParts(t, e - s);
    const out: Segment[] = [];
    let cursor = s;
    for (const [kind, ms] of parts) {
      if (ms <= 0) continue;
      out.push({ kind, x: (cursor - from) * scale, w: ms * scale });
      cursor += ms;
    }
    return out;
  }

  private endOf(t: TimelineTask): number {
    return t.finishTime ?? Math.max(this.now, t.launchTime);
  }
}

/** A finished task's duration split into its phases, in order, scaled down if they add up to more than it. */
export function phaseParts(t: Pick<TimelineTask, 'phases'>, duration: number): Array<[SegmentKind, number]> {
  const raw = PHASES.map((p) => Math.max(0, t.phases[p] ?? 0));
  const sum = raw.reduce((a, b) => a + b, 0);
  const k = sum > duration && sum > 0 ? duration / sum : 1;
  const parts: Array<[SegmentKind, number]> = PHASES.map((p, i) => [p, raw[i]! * k]);
  const rest = duration - sum * k;
  if (rest > 1e-9) parts.push(['other', rest]);
  return parts;
}

export function isFailed(status: string): boolean {
  const s = status.toLowerCase();
  return s === 'failed' || s === 'killed';
}

/** Zoom `view` by `factor` (<1 zooms in) around time `at`, kept inside [min, max] and no narrower than minSpan. */
export function zoomView(view: TimeView, factor: number, at: number, bounds: TimeView, minSpan = 0.01): TimeView {
  const span = Math.max(minSpan, Math.min(bounds.to - bounds.from, (view.to - view.from) * factor));
  const ratio = (at - view.from) / Math.max(view.to - view.from, 1e-9);
  return clampView({ from: at - ratio * span, to: at - ratio * span + span }, bounds);
}

/** Pan `view` by `dt` ms, kept inside bounds. */
export function panView(view: TimeView, dt: number, bounds: TimeView): TimeView {
  return clampView({ from: view.from + dt, to: view.to + dt }, bounds);
}

function clampView(v: TimeView, b: TimeView): TimeView {
  const span = v.to - v.from;
  if (span >= b.to - b.from) return { ...b };
  if (v.from < b.from) return { from: b.from, to: b.from + span };
  if (v.to > b.to) return { from: b.to - span, to: b.to };
  return v;
}

/** First index i with a[i] >= x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function nextFreeSlot(used: number[]): number {
  let s = 0;
  while (used.includes(s)) s++;
  return s;
}

/** "2" < "10"; ids that are not numbers compare as text. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
