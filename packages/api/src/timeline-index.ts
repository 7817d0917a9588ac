/**
 * The event timeline of one stage attempt, laid out once on the server and
 * answered view by view with a level of detail, so a browser never receives
 * more than about one item per pixel per lane however many tasks there are.
 *
 * `TimelineIndex` owns the attempt's tasks as typed columns (built from
 * `TaskTimeline` pages), their lanes (one per executor slot; a task whose slot
 * is taken at its launch, or that has none, gets a free lane of its executor)
 * and a per-lane index sorted by start. `view(q)` walks only the tasks that
 * overlap the asked window in the asked lanes: a task at least MIN_TASK_PX
 * wide at the asked width comes back exactly (identity, times, phases), the
 * narrower ones are counted into pixel columns that come back as runs of
 * columns in one state (failed, flagged, running), so every task is either
 * its own bar or counted in exactly one run, and a zoom onto any task makes
 * it its own bar. It does no I/O and holds no timers; not thread-aware (one
 * caller at a time, as Node runs it).
 */
import type { TaskStatus, TaskTimeline } from './queries.ts';

/** Below this width (px) a task is counted into its pixel column instead of coming back as its own bar. */
export const MIN_TASK_PX = 2;
/** Most pixel columns one view may ask for (three screens of a wide monitor). */
export const TIMELINE_VIEW_MAX_WIDTH = 12_000;
/** Most lanes one view may ask for. */
export const TIMELINE_VIEW_MAX_LANES = 2_000;

/** Phases of a finished task, in order (ms): the bar is split into these. */
export const TIMELINE_PHASES = ['schedulerDelay', 'deserialize', 'shuffleReadWait', 'compute', 'shuffleWrite', 'resultSerialize', 'resultFetch'] as const;
export type TimelinePhase = (typeof TIMELINE_PHASES)[number];

/** Bits of a run's `state` (and of an exact bar's). */
export const TIMELINE_FAILED = 1;
export const TIMELINE_FLAGGED = 2;
export const TIMELINE_RUNNING = 4;

/**
 * Thresholds at or above which a task is flagged (any one suffices); a
 * running task's duration is its elapsed time. The UI derives them from its
 * straggler and skew rules and the stage's medians.
 */
export interface TimelineFlagThresholds {
  duration?: number;
  inputBytes?: number;
  inputRecords?: number;
  shuffleReadRecords?: number;
}

export interface TimelineViewQuery {
  /** Window in epoch ms; default the attempt's whole extent. */
  from?: number;
  to?: number;
  /** Pixel columns the window is drawn into. */
  width: number;
  /** Lanes firstLane..lastLane (inclusive); default all. */
  firstLane?: number;
  lastLane?: number;
  flagAt?: TimelineFlagThresholds;
}

/**
 * One view, column-wise. Times are ms relative to `origin` (the attempt's
 * first launch) so the numbers stay short on the wire.
 */
export interface TimelineView {
  origin: number;
  /** The attempt's extent relative to origin: [0, end]; running tasks end at `now`. */
  end: number;
  now: number;
  totalTasks: number;
  executors: string[];
  /** Lane i is executor `executors[laneExecutor[i]]`, slot `laneSlot[i]`. */
  laneExecutor: number[];
  laneSlot: number[];
  /** The window answered (relative to origin), its width and lanes. */
  from: number;
  to: number;
  width: number;
  firstLane: number;
  lastLane: number;
  /** Tasks overlapping the window in those lanes (each in one bar or one run). */
  tasksInView: number;
  runs: { lane: number[]; from: number[]; to: number[]; count: number[]; state: number[] };
  bars: {
    lane: number[];
    taskId: number[];
    index: number[];
    attempt: number[];
    status: TaskStatus[];
    state: number[];
    launch: number[];
    /** Null while running (the bar ends at now). */
    finish: Array<number | null>;
    /** TIMELINE_PHASES order, ms (0 where unknown); null when the task has no metrics. */
    phases: Array<number[] | null>;
  };
}

const STATUS_CODES: Record<string, number> = { running: 0, success: 1, failed: 2, killed: 3 };
const STATUS_NAMES: TaskStatus[] = ['running', 'success', 'failed', 'killed'];

/** A growable column of numbers. */
class Column<A extends Float64Array | Int32Array | Uint8Array> {
  length = 0;
  constructor(
    public data: A,
    private readonly make: (n: number) => A,
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(Math.max(16, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

const f64 = (n: number) => new Float64Array(n);
const i32 = (n: number) => new Int32Array(n);
const u8 = (n: number) => new Uint8Array(n);
const PHASE_COUNT = TIMELINE_PHASES.length;

interface LaneIndex {
  /** Task rows sorted by start; tasks in one lane never overlap, so ends are sorted too. */
  order: Int32Array;
  starts: Float64Array;
  ends: Float64Array;
}

export class TimelineIndex {
  readonly executors: string[] = [];
  private readonly execIds = new Map<string, number>();
  private readonly taskId = new Column(f64(0), f64);
  private readonly index = new Column(i32(0), i32);
  private readonly attempt = new Column(i32(0), i32);
  private readonly executor = new Column(i32(0), i32);
  private readonly slot = new Column(i32(0), i32);
  private readonly status = new Column(u8(0), u8);
  private readonly launch = new Column(f64(0), f64);
  /** NaN while running. */
  private readonly finish = new Column(f64(0), f64);
  /** 1 when the task has metrics (so phases), else 0. */
  private readonly hasPhases = new Column(u8(0), u8);
  /** PHASE_COUNT per task; NaN when unknown. */
  private readonly phases = new Column(f64(0), f64);
  private readonly inputBytes = new Column(f64(0), f64);
  private readonly inputRecords = new Column(f64(0), f64);
  private readonly shuffleReadRecords = new Column(f64(0), f64);

  private laneExec: number[] = [];
  private laneSlots: number[] = [];
  private lanes: LaneIndex[] = [];
  private start = 0;
  private end = 1;
  private now = 0;
  private laidOut = false;

  /** Tasks held. */
  get size(): number {
    return this.taskId.length;
  }

  /** Largest taskId held (-1 when empty): the next page to read starts after it. */
  get lastTaskId(): number {
    return this.size ? this.taskId.data[this.size - 1]! : -1;
  }

  /**
   * Position of the first running task, or `size` when none runs: rows before
   * it are ended and never change, so a refresh keeps them and re-reads the rest.
   */
  firstRunning(): number {
    const n = this.size;
    const st = this.status.data;
    for (let i = 0; i < n; i++) if (st[i] === 0) return i;
    return n;
  }

  /** The taskId at row `i`. */
  taskIdAt(i: number): number {
    return this.taskId.data[i]!;
  }

  /** A new index holding copies of rows 0..n-1 (not laid out): a refresh keeps the ended prefix and re-reads the rest. */
  prefix(n: number): TimelineIndex {
    const p = new TimelineIndex();
    n = Math.min(n, this.size);
    for (const e of this.executors) {
      p.execIds.set(e, p.executors.length);
      p.executors.push(e);
    }
    const pairs: Array<[Column<Float64Array | Int32Array | Uint8Array>, Column<Float64Array | Int32Array | Uint8Array>, number]> = [
      [this.taskId, p.taskId, n],
      [this.index, p.index, n],
      [this.attempt, p.attempt, n],
      [this.executor, p.executor, n],
      [this.slot, p.slot, n],
      [this.status, p.status, n],
      [this.launch, p.launch, n],
      [this.finish, p.finish, n],
      [this.hasPhases, p.hasPhases, n],
      [this.phases, p.phases, n * PHASE_COUNT],
      [this.inputBytes, p.inputBytes, n],
      [this.inputRecords, p.inputRecords, n],
      [this.shuffleReadRecords, p.shuffleReadRecords, n],
    ];
    for (const [from, to, len] of pairs) {
      to.data = from.data.slice(0, len);
      to.length = len;
    }
    return p;
  }

  /** Appends one `TaskTimeline` page (tasks in taskId order, after the ones held). */
  append(page: TaskTimeline): void {
    const n = page.taskId.length;
    const span = (from: number | null | undefined, to: number | null | undefined): number => (from && to ? Math.max(0, to - from) : NaN);
    for (let i = 0; i < n; i++) {
      const execName = page.executors[page.executor[i]!] ?? '?';
      let e = this.execIds.get(execName);
      if (e === undefined) {
        e = this.executors.length;
        this.execIds.set(execName, e);
        this.executors.push(execName);
      }
      const launch = page.launchTime[i]!;
      const finish = page.finishTime[i] ?? null;
      const status = STATUS_CODES[String(page.status[i]).toLowerCase()] ?? 1;
      this.taskId.push(page.taskId[i]!);
      this.index.push(page.index[i]!);
      this.attempt.push(page.attempt[i]!);
      this.executor.push(e);
      const slot = page.slot[i];
      this.slot.push(slot != null && slot >= 0 ? slot : -1);
      this.status.push(status);
      this.launch.push(launch);
      this.finish.push(status === 0 || finish === null ? NaN : finish);
      // Tasks without metrics (running, or ended without them) have no phases; a
      // span whose either end is missing (0 or null) is unknown and drawn as unattributed time.
      const received = page.executorReceivedTime[i];
      this.hasPhases.push(received != null ? 1 : 0);
      const deser = page.deserializeEndTime[i];
      const computeAll = span(deser, page.computeEndTime[i]);
      const wait = page.shuffleFetchWaitTime[i] ?? 0;
      this.phases.push(span(launch, received));
      this.phases.push(span(received, deser));
      // Shuffle read wait happens inside compute; shown as its own phase.
      this.phases.push(Number.isNaN(computeAll) ? NaN : Math.min(wait, computeAll));
      this.phases.push(Number.isNaN(computeAll) ? NaN : Math.max(0, computeAll - wait));
      this.phases.push(span(page.computeEndTime[i], page.shuffleWriteEndTime[i]));
      this.phases.push(span(page.shuffleWriteEndTime[i], page.resultSerializedTime[i]));
      this.phases.push(span(page.resultSerializedTime[i], finish));
      this.inputBytes.push(page.inputBytes[i] ?? NaN);
      this.inputRecords.push(page.inputRecords[i] ?? NaN);
      this.shuffleReadRecords.push(page.shuffleReadRecords[i] ?? NaN);
    }
    this.laidOut = false;
  }

  /** Assigns lanes (again) with running tasks ending at `now`. O(n log n). */
  layout(now: number): void {
    this.now = now;
    // Drop the columns' growth slack: the index is kept between requests.
    for (const c of [this.taskId, this.index, this.attempt, this.executor, this.slot, this.status, this.launch, this.finish, this.hasPhases, this.phases, this.inputBytes, this.inputRecords, this.shuffleReadRecords] as Array<Column<Float64Array | Int32Array | Uint8Array>>) {
      if (c.data.length > c.length) c.data = c.data.slice(0, c.length);
    }
    const n = this.size;
    const launch = this.launch.data;
    const taskId = this.taskId.data;
    const byExec: number[][] = this.executors.map(() => []);
    for (let i = 0; i < n; i++) byExec[this.executor.data[i]!]!.push(i);
    const execOrder = this.executors.map((_, e) => e).sort((a, b) => naturalCompare(this.executors[a]!, this.executors[b]!));
    this.laneExec = [];
    this.laneSlots = [];
    this.lanes = [];
    let start = Infinity;
    let end = -Infinity;
    for (const exec of execOrder) {
      const ids = byExec[exec]!;
      if (ids.length === 0) continue;
      ids.sort((a, b) => launch[a]! - launch[b]! || taskId[a]! - taskId[b]!);
      const slots: number[] = [];
      const free: number[] = [];
      const members: number[][] = [];
      const slotLane = new Map<number, number>();
      for (const i of ids) {
        const s = launch[i]!;
        const e = this.endOf(i);
        if (s < start) start = s;
        if (e > end) end = e;
        const want = this.slot.data[i]!;
        let lane = -1;
        if (want >= 0) {
          const l = slotLane.get(want);
          if (l === undefined) {
            lane = slots.length;
            slotLane.set(want, lane);
            slots.push(want);
            free.push(-Infinity);
            members.push([]);
          } else if (free[l]! <= s) lane = l;
        }
        if (lane < 0) lane = free.findIndex((f) => f <= s);
        if (lane < 0) {
          lane = slots.length;
          let k = 0;
          while (slotLane.has(k)) k++;
          slotLane.set(k, lane);
          slots.push(k);
          free.push(-Infinity);
          members.push([]);
        }
        free[lane] = Math.max(e, s);
        members[lane]!.push(i);
      }
      const sorted = slots.map((slot, k) => ({ slot, k })).sort((a, b) => a.slot - b.slot);
      for (const { slot, k } of sorted) {
        const m = members[k]!;
        const order = Int32Array.from(m);
        const starts = new Float64Array(m.length);
        const ends = new Float64Array(m.length);
        for (let j = 0; j < m.length; j++) {
          starts[j] = launch[m[j]!]!;
          ends[j] = Math.max(this.endOf(m[j]!), starts[j]!);
        }
        this.laneExec.push(exec);
        this.laneSlots.push(slot);
        this.lanes.push({ order, starts, ends });
      }
    }
    this.start = Number.isFinite(start) ? start : now;
    this.end = Number.isFinite(end) ? Math.max(end, this.start + 1) : this.start + 1;
    this.laidOut = true;
  }

  /** Lanes as (executor id, slot), in drawing order. */
  laneList(): Array<{ executorId: string; slot: number }> {
    return this.laneExec.map((e, i) => ({ executorId: this.executors[e]!, slot: this.laneSlots[i]! }));
  }

  /** The lane row `i` was put in (for tests). */
  laneOfRow(i: number): number {
    for (let l = 0; l < this.lanes.length; l++) if (this.lanes[l]!.order.includes(i)) return l;
    return -1;
  }

  /** What to draw for one window; see the file header. */
  view(q: TimelineViewQuery): TimelineView {
    if (!this.laidOut) throw new Error('TimelineIndex.view before layout()');
    const origin = this.start;
    const from = q.from ?? this.start;
    const to = Math.max(q.to ?? this.end, from + 1e-3);
    const width = Math.max(1, Math.min(TIMELINE_VIEW_MAX_WIDTH, Math.round(q.width)));
    const firstLane = Math.max(0, q.firstLane ?? 0);
    const lastLane = Math.min(this.lanes.length - 1, q.lastLane ?? this.lanes.length - 1, firstLane + TIMELINE_VIEW_MAX_LANES - 1);
    const scale = width / (to - from);
    const flag = this.flagTest(q.flagAt);
    const out: TimelineView = {
      origin,
      end: this.end - origin,
      now: this.now,
      totalTasks: this.size,
      executors: this.executors,
      laneExecutor: this.laneExec,
      laneSlot: this.laneSlots,
      from: from - origin,
      to: to - origin,
      width,
      firstLane,
      lastLane,
      tasksInView: 0,
      runs: { lane: [], from: [], to: [], count: [], state: [] },
      bars: { lane: [], taskId: [], index: [], attempt: [], status: [], state: [], launch: [], finish: [], phases: [] },
    };
    const counts = new Int32Array(width);
    const states = new Uint8Array(width);
    const occupied = new Uint8Array(width);
    const st = this.status.data;
    const fin = this.finish.data;
    for (let lane = firstLane; lane <= lastLane; lane++) {
      const { order, starts, ends } = this.lanes[lane]!;
      let lo = width;
      let hi = -1;
      for (let j = lowerBound(ends, from); j < order.length && starts[j]! <= to; j++) {
        const i = order[j]!;
        out.tasksInView++;
        const x0 = (starts[j]! - from) * scale;
        const x1 = (ends[j]! - from) * scale;
        const s = st[i]!;
        const state = (s === 2 || s === 3 ? TIMELINE_FAILED : 0) | (s === 0 ? TIMELINE_RUNNING : 0) | (flag(i) ? TIMELINE_FLAGGED : 0);
        if (x1 - x0 >= MIN_TASK_PX) {
          const b = out.bars;
          b.lane.push(lane);
          b.taskId.push(this.taskId.data[i]!);
          b.index.push(this.index.data[i]!);
          b.attempt.push(this.attempt.data[i]!);
          b.status.push(STATUS_NAMES[s]!);
          b.state.push(state);
          b.launch.push(starts[j]! - origin);
          b.finish.push(Number.isNaN(fin[i]!) ? null : fin[i]! - origin);
          b.phases.push(this.phasesOf(i));
          continue;
        }
        const c0 = clampCol(Math.floor(x0), width);
        const c1 = clampCol(Math.floor(x1), width);
        counts[c0]!++;
        for (let c = c0; c <= c1; c++) {
          occupied[c] = 1;
          states[c]! |= state;
        }
        if (c0 < lo) lo = c0;
        if (c1 > hi) hi = c1;
      }
      // Runs: consecutive occupied columns in one state.
      let c = lo;
      while (c <= hi) {
        if (!occupied[c]) {
          c++;
          continue;
        }
        const state = states[c]!;
        let count = 0;
        let e = c;
        while (e <= hi && occupied[e] && states[e] === state) {
          count += counts[e]!;
          counts[e] = 0;
          states[e] = 0;
          occupied[e] = 0;
          e++;
        }
        const r = out.runs;
        r.lane.push(lane);
        r.from.push(round2(from + c / scale - origin));
        r.to.push(round2(from + e / scale - origin));
        r.count.push(count);
        r.state.push(state);
        c = e;
      }
    }
    return out;
  }

  private phasesOf(i: number): number[] | null {
    if (!this.hasPhases.data[i]) return null;
    const p = this.phases.data;
    const base = i * PHASE_COUNT;
    const out = new Array<number>(PHASE_COUNT);
    for (let k = 0; k < PHASE_COUNT; k++) {
      const v = p[base + k]!;
      out[k] = Number.isNaN(v) ? 0 : v;
    }
    return out;
  }

  private flagTest(t: TimelineFlagThresholds | undefined): (i: number) => boolean {
    if (!t) return () => false;
    const d = t.duration ?? Infinity;
    const ib = t.inputBytes ?? Infinity;
    const ir = t.inputRecords ?? Infinity;
    const sr = t.shuffleReadRecords ?? Infinity;
    const launch = this.launch.data;
    const fin = this.finish.data;
    const st = this.status.data;
    const ibs = this.inputBytes.data;
    const irs = this.inputRecords.data;
    const srs = this.shuffleReadRecords.data;
    const now = this.now;
    // NaN (unknown) compares false, as a missing measure should.
    return (i) => ibs[i]! >= ib || irs[i]! >= ir || srs[i]! >= sr || (st[i] === 0 ? now - launch[i]! : fin[i]! - launch[i]!) >= d;
  }

  private endOf(i: number): number {
    const f = this.finish.data[i]!;
    return Number.isNaN(f) ? Math.max(this.now, this.launch.data[i]!) : f;
  }
}

function clampCol(c: number, width: number): number {
  return c < 0 ? 0 : c >= width ? width - 1 : c;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
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

/** "2" < "10"; ids that are not numbers compare as text. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
