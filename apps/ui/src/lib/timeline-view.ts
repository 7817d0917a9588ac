/**
 * The stage timeline's drawing model over the server's level-of-detail
 * answers (`tasks.timelineView`): the server lays the tasks out in lanes and
 * answers a window with exact bars (tasks wide enough to see) and runs of
 * pixel columns (narrower tasks, counted); this projects an answer onto the
 * view on screen, which may have moved since (the canvas redraws at once on
 * pan and zoom and refines when the answer for the new window arrives), and
 * decides when a new answer is needed. Pure data: no DOM, no canvas.
 */
import type { TimedTimelineView } from '../trpc/api-types.ts';

export const PHASES = ['schedulerDelay', 'deserialize', 'shuffleReadWait', 'compute', 'shuffleWrite', 'resultSerialize', 'resultFetch'] as const;
export type Phase = (typeof PHASES)[number];
export type SegmentKind = Phase | 'other' | 'running';

/** From this width (px) a bar is drawn split into its phases. */
export const PHASE_MIN_PX = 6;
/** State bits of runs and bars (as the API sends them). */
export const FAILED = 1;
export const FLAGGED = 2;
export const RUNNING = 4;
/** An answer is reused while the scale on screen is within this factor of the one it was made for. */
export const SCALE_SLACK = 1.5;

export type TimelineAnswer = TimedTimelineView;

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
  /** 'task': one task (`ref` indexes the answer's bars); 'group': a run of `count` narrow tasks (`ref` indexes its runs). */
  kind: 'task' | 'group';
  ref: number;
  count: number;
  failed: boolean;
  flagged: boolean;
  running: boolean;
  segments: Segment[] | null;
}

export interface TimelineFrame {
  items: DrawItem[];
  /** Tasks the drawn items stand for. */
  tasks: number;
  /** Partitions of the flagged single-task bars drawn, ascending. */
  flaggedPartitions: number[];
}

/** The whole run in epoch ms. */
export function boundsOf(a: TimelineAnswer): TimeView {
  return { from: a.origin, to: a.origin + a.end };
}

export function laneLabel(a: TimelineAnswer, lane: number): string {
  return `executor ${a.executors[a.laneExecutor[lane]!]} · slot ${a.laneSlot[lane]}`;
}

/** What to draw of answer `a` for `view` at `width` px, lanes firstLane..lastLane. */
export function projectFrame(a: TimelineAnswer, view: TimeView, width: number, firstLane: number, lastLane: number): TimelineFrame {
  const scale = width / Math.max(view.to - view.from, 1e-6);
  const shift = a.origin - view.from;
  const items: DrawItem[] = [];
  const flaggedPartitions: number[] = [];
  let tasks = 0;
  const r = a.runs;
  for (let k = 0; k < r.lane.length; k++) {
    const lane = r.lane[k]!;
    if (lane < firstLane || lane > lastLane) continue;
    const x0 = (r.from[k]! + shift) * scale;
    const x1 = (r.to[k]! + shift) * scale;
    if (x1 < 0 || x0 > width) continue;
    const s = r.state[k]!;
    tasks += r.count[k]!;
    items.push({ lane, x: x0, w: Math.max(x1 - x0, 1), kind: 'group', ref: k, count: r.count[k]!, failed: !!(s & FAILED), flagged: !!(s & FLAGGED), running: !!(s & RUNNING), segments: null });
  }
  const b = a.bars;
  const now = a.now - a.origin;
  for (let k = 0; k < b.lane.length; k++) {
    const lane = b.lane[k]!;
    if (lane < firstLane || lane > lastLane) continue;
    const start = b.launch[k]!;
    const end = Math.max(b.finish[k] ?? now, start);
    const x0 = (start + shift) * scale;
    const x1 = (end + shift) * scale;
    if (x1 < 0 || x0 > width) continue;
    const s = b.state[k]!;
    tasks++;
    const w = x1 - x0;
    const running = !!(s & RUNNING);
    const failed = !!(s & FAILED);
    let segments: Segment[] | null = null;
    if (w >= PHASE_MIN_PX && !failed) segments = running ? [{ kind: 'running', x: x0, w }] : segmentsOf(b.phases[k] ?? null, end - start, x0, scale);
    if (s & FLAGGED) flaggedPartitions.push(b.index[k]!);
    items.push({ lane, x: x0, w: Math.max(w, 1), kind: 'task', ref: k, count: 1, failed, flagged: !!(s & FLAGGED), running, segments });
  }
  flaggedPartitions.sort((x, y) => x - y);
  return { items, tasks, flaggedPartitions };
}

function segmentsOf(phases: number[] | null, duration: number, x0: number, scale: number): Segment[] {
  const parts = phaseParts(phases, duration);
  const out: Segment[] = [];
  let cursor = x0;
  for (const [kind, ms] of parts) {
    if (ms <= 0) continue;
    out.push({ kind, x: cursor, w: ms * scale });
    cursor += ms * scale;
  }
  return out;
}

/** A finished task's duration split into its phases (PHASES order), scaled down if they add up to more; the rest is 'other'. */
export function phaseParts(phases: readonly number[] | null, duration: number): Array<[SegmentKind, number]> {
  const raw = PHASES.map((_, i) => Math.max(0, phases?.[i] ?? 0));
  const sum = raw.reduce((x, y) => x + y, 0);
  const k = sum > duration && sum > 0 ? duration / sum : 1;
  const parts: Array<[SegmentKind, number]> = PHASES.map((p, i) => [p, raw[i]! * k]);
  const rest = duration - sum * k;
  if (rest > 1e-9) parts.push(['other', rest]);
  return parts;
}

/** The item of `frame` under pixel x of `lane` within tolerancePx (the nearest; single tasks before runs), or null. */
export function hitItem(frame: TimelineFrame, lane: number, x: number, tolerancePx = 3): DrawItem | null {
  let best: DrawItem | null = null;
  let bestDist = Infinity;
  for (const it of frame.items) {
    if (it.lane !== lane) continue;
    const d = x < it.x ? it.x - x : x > it.x + it.w ? x - (it.x + it.w) : 0;
    if (d > tolerancePx) continue;
    const rank = d + (it.kind === 'group' ? 0.5 : 0);
    if (rank < bestDist) {
      bestDist = rank;
      best = it;
    }
  }
  return best;
}

/** Lanes, the flag thresholds and the stage's data version an answer was asked with, beside the window. */
export interface ViewRequest {
  from: number;
  to: number;
  width: number;
  firstLane: number;
  lastLane: number;
}

/**
 * The request for `view` drawn at `width` px over lanes visibleFirst..visibleLast:
 * one more screen of time on each side and one more screen of lanes below and
 * above, so pans within them need no new answer.
 */
export function requestFor(view: TimeView, bounds: TimeView | null, width: number, visibleFirst: number, visibleLast: number): ViewRequest {
  const span = Math.max(view.to - view.from, 1e-3);
  const from = bounds ? Math.max(bounds.from, view.from - span) : view.from - span;
  const to = bounds ? Math.min(bounds.to, view.to + span) : view.to + span;
  const rows = visibleLast - visibleFirst + 1;
  return { from, to, width: Math.max(1, Math.min(12_000, Math.round(((to - from) / span) * width))), firstLane: Math.max(0, visibleFirst - rows), lastLane: visibleLast + rows };
}

/** True when answer `a` can draw `view` at `width` px over those lanes as well as a new one would. */
export function covers(a: TimelineAnswer, view: TimeView, width: number, visibleFirst: number, visibleLast: number): boolean {
  const from = a.origin + a.from;
  const to = a.origin + a.to;
  const eps = 1e-6 * Math.max(1, to - from);
  if (view.from < from - eps || view.to > to + eps) return false;
  if (visibleFirst < a.firstLane || Math.min(visibleLast, a.laneExecutor.length - 1) > a.lastLane) return false;
  const answered = a.width / Math.max(to - from, 1e-6);
  const shown = width / Math.max(view.to - view.from, 1e-6);
  return shown <= answered * SCALE_SLACK && shown >= answered / SCALE_SLACK;
}

/** A zoom transform along x (d3-zoom's k and x; y is not used): canvas x = k * x0 + x. */
export interface XTransform {
  k: number;
  x: number;
}

/**
 * The time window a zoom transform shows, where the plot spans canvas pixels
 * [left, left + width) and the identity transform shows `bounds` across it.
 */
export function viewOfTransform(t: XTransform, bounds: TimeView, left: number, width: number): TimeView {
  if (t.k === 1 && t.x === 0) return { ...bounds };
  const span = bounds.to - bounds.from;
  const x0 = (left - t.x) / t.k - left;
  const x1 = (left + width - t.x) / t.k - left;
  return { from: bounds.from + (x0 / width) * span, to: bounds.from + (x1 / width) * span };
}

/** The zoom transform that shows `view` (the inverse of viewOfTransform), view kept inside bounds. */
export function transformOfView(view: TimeView, bounds: TimeView, left: number, width: number): XTransform {
  const span = Math.max(bounds.to - bounds.from, 1e-9);
  const v = clampView(view, bounds);
  const k = span / Math.max(v.to - v.from, 1e-9);
  const x0 = ((v.from - bounds.from) / span) * width;
  return { k, x: left - k * (left + x0) };
}

/** Most zoom (as a factor over the whole run) that still shows at least minSpan ms. */
export function maxZoom(bounds: TimeView, minSpan = 0.01): number {
  return Math.max(1, (bounds.to - bounds.from) / minSpan);
}

function clampView(v: TimeView, b: TimeView): TimeView {
  const span = v.to - v.from;
  if (span >= b.to - b.from) return { ...b };
  if (v.from < b.from) return { from: b.from, to: b.from + span };
  if (v.to > b.to) return { from: b.to - span, to: b.to };
  return v;
}
