import { describe, expect, it } from 'vitest';
import { zoomIdentity } from 'd3-zoom';
import { covers, FAILED, FLAGGED, hitItem, maxZoom, phaseParts, PHASES, projectFrame, requestFor, RUNNING, SCALE_SLACK, transformOfView, viewOfTransform, type TimelineAnswer } from './timeline-view.ts';

/** An answer as the API sends it: lanes of executors 1 and 2, a run and three bars. */
function answer(over: Partial<TimelineAnswer> = {}): TimelineAnswer {
  return {
    origin: 10_000,
    end: 1000,
    now: 11_000,
    totalTasks: 53,
    executors: ['1', '2'],
    laneExecutor: [0, 0, 1],
    laneSlot: [0, 1, 0],
    from: 0,
    to: 1000,
    width: 1000,
    firstLane: 0,
    lastLane: 2,
    tasksInView: 53,
    runs: { lane: [0], from: [0], to: [100], count: [50], state: [FAILED] },
    bars: {
      lane: [0, 1, 2],
      taskId: [7, 8, 9],
      index: [3, 4, 5],
      attempt: [0, 0, 1],
      status: ['success', 'success', 'running'],
      state: [0, FLAGGED, RUNNING],
      launch: [200, 300, 900],
      finish: [300, 600, null],
      phases: [[10, 5, 0, 60, 5, 0, 0], null, null],
    },
    buildMs: 1,
    viewMs: 0.1,
    ...over,
  };
}

describe('timeline view model', () => {
  it('projects runs and bars onto the view in pixels, phases split in order, running bars to now, flagged partitions named', () => {
    const a = answer();
    const f = projectFrame(a, { from: 10_000, to: 11_000 }, 1000, 0, 2);
    expect(f.tasks).toBe(53);
    expect(f.items.map((it) => [it.kind, it.lane, it.x, it.w, it.count])).toEqual([
      ['group', 0, 0, 100, 50],
      ['task', 0, 200, 100, 1],
      ['task', 1, 300, 300, 1],
      ['task', 2, 900, 100, 1],
    ]);
    expect(f.items[0]).toMatchObject({ failed: true, flagged: false });
    expect(f.items[1]!.segments!.map((s) => [s.kind, s.x, s.w])).toEqual([
      ['schedulerDelay', 200, 10],
      ['deserialize', 210, 5],
      ['compute', 215, 60],
      ['shuffleWrite', 275, 5],
      ['other', 280, 20],
    ]);
    expect(f.items[2]!.segments!.map((s) => s.kind)).toEqual(['other']);
    expect(f.items[3]).toMatchObject({ running: true, segments: [{ kind: 'running', x: 900, w: 100 }] });
    expect(f.flaggedPartitions).toEqual([4]);
    // Zoomed 2× on the second half before a new answer: the same items, twice as wide and shifted.
    const z = projectFrame(a, { from: 10_500, to: 11_000 }, 1000, 0, 2);
    expect(z.items.map((it) => [it.ref, it.x, it.w])).toEqual([
      [1, 600 - 1000, 1200 - 600],
      [2, 1800 - 1000, 200],
    ]);
    // Only the lanes asked for.
    expect(projectFrame(a, { from: 10_000, to: 11_000 }, 1000, 1, 1).items.map((it) => it.ref)).toEqual([1]);
  });

  it('phase parts sum to the duration: excess scaled down, missing time is "other"', () => {
    const over = phaseParts([0, 0, 0, 150, 0, 0, 50], 100);
    expect(over.reduce((x, [, ms]) => x + ms, 0)).toBeCloseTo(100);
    expect(Object.fromEntries(over)).toMatchObject({ compute: 75, resultFetch: 25 });
    expect(over.map(([k]) => k)).toEqual([...PHASES]);
    expect(phaseParts(null, 40)).toEqual([...PHASES.map((p) => [p, 0]), ['other', 40]]);
  });

  it('hit testing prefers a single task to a run at the same spot and misses empty space', () => {
    const f = projectFrame(answer(), { from: 10_000, to: 11_000 }, 1000, 0, 2);
    expect(hitItem(f, 0, 250)).toMatchObject({ kind: 'task', ref: 0 });
    expect(hitItem(f, 0, 50)).toMatchObject({ kind: 'group', ref: 0, count: 50 });
    expect(hitItem(f, 0, 150)).toBeNull();
    expect(hitItem(f, 2, 899)).toMatchObject({ kind: 'task', ref: 2 });
    expect(hitItem(f, 5, 10)).toBeNull();
  });

  it('an answer covers views inside its window, lanes and scale slack, and no others; requests add a screen of margin', () => {
    const a = answer({ from: 0, to: 1000, width: 1000, firstLane: 0, lastLane: 2 });
    expect(covers(a, { from: 10_000, to: 11_000 }, 1000, 0, 2)).toBe(true);
    expect(covers(a, { from: 10_000, to: 11_000 }, 1000, 0, 40)).toBe(true); // lanes past the last do not exist
    expect(covers(a, { from: 10_000, to: 11_000 }, 1000 * SCALE_SLACK * 1.01, 0, 2)).toBe(false);
    expect(covers(a, { from: 10_200, to: 10_900 }, 1000, 0, 2)).toBe(true);
    expect(covers(a, { from: 10_200, to: 10_500 }, 1000, 0, 2)).toBe(false); // 3.3× zoom
    const part = answer({ from: 400, to: 700, width: 900, firstLane: 1, lastLane: 2 });
    expect(covers(part, { from: 10_500, to: 10_600 }, 300, 1, 2)).toBe(true);
    expect(covers(part, { from: 10_300, to: 10_400 }, 300, 1, 2)).toBe(false);
    expect(covers(part, { from: 10_500, to: 10_600 }, 300, 0, 1)).toBe(false);
    const bounds = { from: 10_000, to: 11_000 };
    expect(requestFor({ from: 10_500, to: 10_600 }, bounds, 300, 10, 19)).toEqual({ from: 10_400, to: 10_700, width: 900, firstLane: 0, lastLane: 29 });
    expect(requestFor({ from: 10_000, to: 11_000 }, bounds, 1200, 0, 29)).toEqual({ from: 10_000, to: 11_000, width: 1200, firstLane: 0, lastLane: 59 });
    // What a request asks for is covered by its answer.
    const r = requestFor({ from: 10_500, to: 10_600 }, bounds, 300, 10, 19);
    expect(covers(answer({ from: r.from - 10_000, to: r.to - 10_000, width: r.width, firstLane: r.firstLane, lastLane: r.lastLane, laneExecutor: new Array(40).fill(0) }), { from: 10_500, to: 10_600 }, 300, 10, 19)).toBe(true);
  });

  it('zoom transforms map to time windows and back: identity is the whole run, the time under the pointer stays put, views stay inside the run', () => {
    const bounds = { from: 1_700_000_000_000, to: 1_700_000_060_000 };
    const left = 150;
    const w = 1250;
    // The time at canvas x under transform t, computed from d3-zoom's own inverse.
    const timeAt = (t: ReturnType<typeof zoomIdentity.scale>, x: number) => bounds.from + ((t.invertX(x) - left) / w) * (bounds.to - bounds.from);
    expect(viewOfTransform(zoomIdentity, bounds, left, w)).toEqual(bounds);
    for (const [k, px] of [
      [2, 150],
      [8, 700],
      [1000, 1399],
      [3.7, 401.5],
    ] as const) {
      // d3-zoom's scale by k around canvas pixel px (what a wheel or pinch does).
      const t = zoomIdentity.translate(px, 0).scale(k).translate(-px, 0);
      const v = viewOfTransform(t, bounds, left, w);
      expect(v.from).toBeCloseTo(timeAt(t, left), 3);
      expect(v.to).toBeCloseTo(timeAt(t, left + w), 3);
      expect(v.to - v.from).toBeCloseTo((bounds.to - bounds.from) / k, 3);
      // The time under the pointer is the one under it before the zoom.
      expect(v.from + ((px - left) / w) * (v.to - v.from)).toBeCloseTo(timeAt(zoomIdentity, px), 3);
      const back = transformOfView(v, bounds, left, w);
      expect(back.k / k).toBeCloseTo(1, 6);
      expect(back.x).toBeCloseTo(t.x, 1); // pixels; epoch-ms times carry about 1e-12 relative error
    }
    // A view past the run's end comes back inside it, its span kept.
    const late = transformOfView({ from: bounds.to - 1000, to: bounds.to + 1000 }, bounds, left, w);
    const v = viewOfTransform(late, bounds, left, w);
    expect(v.to).toBeCloseTo(bounds.to, 3);
    expect(v.to - v.from).toBeCloseTo(2000, 3);
    expect(transformOfView(bounds, bounds, left, w)).toEqual({ k: 1, x: 0 });
    expect(maxZoom(bounds)).toBe(6_000_000);
  });
});
