'use client';
/**
 * The stage's event timeline on a canvas: one lane per executor slot, each
 * task a bar split into its phases, failed tasks red, flagged tasks outlined
 * in orange. The server lays the tasks out and answers each window with a
 * level of detail (tasks too narrow to see come as counted runs), so the
 * page receives and draws about one item per pixel per lane at any task
 * count; every task becomes its own bar when zoomed in. Gestures are
 * d3-zoom's along the time axis: wheel or pinch zooms around the pointer,
 * drag (mouse or touch) pans, double-click zooms in (shift: out); the buttons
 * zoom around the middle and Reset shows the whole run. A pan or zoom redraws
 * at once from the answer held and refines when the answer for the new window
 * arrives. Only the lanes scrolled into sight are asked for and drawn; over
 * the lane labels the wheel scrolls the lanes.
 */
import { select } from 'd3-selection';
import { zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { flagThresholds } from '../lib/flags.ts';
import { formatDuration, formatTime } from '../lib/format.ts';
import { boundsOf, covers, hitItem, laneLabel, maxZoom, phaseParts, PHASES, projectFrame, transformOfView, viewOfTransform, type SegmentKind, type TimelineFrame, type TimeView } from '../lib/timeline-view.ts';
import type { StageDetail } from '../trpc/api-types.ts';
import { stageMedians } from './use-stage-flags.ts';
import { useTimelineView } from './use-timeline-view.ts';

export const PHASE_COLOURS: Record<SegmentKind, string> = {
  schedulerDelay: '#74c0fc',
  deserialize: '#ffa94d',
  shuffleReadWait: '#e599f7',
  compute: '#69db7c',
  shuffleWrite: '#ffd43b',
  resultSerialize: '#a9e34b',
  resultFetch: '#4dabf7',
  other: '#ced4da',
  running: '#339af0',
};
const PHASE_LABELS: Record<SegmentKind, string> = {
  schedulerDelay: 'scheduler delay',
  deserialize: 'deserialize',
  shuffleReadWait: 'shuffle read wait',
  compute: 'compute',
  shuffleWrite: 'shuffle write',
  resultSerialize: 'result serialize',
  resultFetch: 'result fetch',
  other: 'unattributed',
  running: 'running',
};

const LANE_H = 16;
const LABEL_W = 150;
const AXIS_H = 22;
/** Lanes shown at once; more scroll. */
const MAX_ROWS = 30;

/** The stage's version as far as its tasks go: a change means new tasks or ends to show. */
export function stageVersion(s: StageDetail): string {
  return `${s.stageId}.${s.attempt}:${s.state}:${s.tasks.total}/${s.tasks.running}/${s.tasks.succeeded}/${s.tasks.failed}/${s.tasks.killed}/${s.quantileTaskCount}`;
}

export function Timeline({ appId, stage }: { appId: string; stage: StageDetail }) {
  const version = stageVersion(stage);
  const flagAt = useMemo(() => flagThresholds(stageMedians(stage)), [stage]);
  const wrap = useRef<HTMLDivElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  // 0 until measured: the first request waits for the real width.
  const [width, setWidth] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const [view, setView] = useState<TimeView | null>(null);
  const [tip, setTip] = useState<{ x: number; y: number; text: string } | null>(null);
  const userMoved = useRef(false);
  const plotW = width - LABEL_W;

  const [lanes, setLanes] = useState(0);
  const rows = Math.max(1, Math.min(lanes || MAX_ROWS, MAX_ROWS));
  const firstLane = Math.floor(scrollTop / LANE_H);
  const lastLane = Math.ceil((scrollTop + rows * LANE_H) / LANE_H) - 1;
  const tl = useTimelineView(appId, stage.stageId, stage.attempt, version, flagAt, { view, width: plotW, firstLane, lastLane });
  const answer = tl.answer;
  // Kept while the run's extent is the same, so a new answer for another window does not move the view.
  const boundsFrom = answer?.origin;
  const boundsTo = answer ? answer.origin + answer.end : undefined;
  const bounds = useMemo(() => (boundsFrom !== undefined && boundsTo !== undefined ? { from: boundsFrom, to: boundsTo } : null), [boundsFrom, boundsTo]);
  const viewRef = useRef(view);
  viewRef.current = view;
  const frameRef = useRef<TimelineFrame | null>(null);

  useEffect(() => {
    if (answer) setLanes(answer.laneExecutor.length);
  }, [answer]);


  // Measured before the first paint, so the first request goes out with the first effects.
  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(300, el.clientWidth)));
    ro.observe(el);
    setWidth(Math.max(300, el.clientWidth));
    return () => ro.disconnect();
  }, []);

  const plotH = rows * LANE_H;
  const height = plotH + AXIS_H;

  // d3-zoom on the canvas, along x: its transform is the view (the identity shows the whole run).
  const zoomer = useRef<ZoomBehavior<HTMLCanvasElement, unknown> | null>(null);
  const place = useRef({ bounds, plotW });
  place.current = { bounds, plotW };
  /** Set while the transform is moved to match the view (new bounds or width), so it is not taken for a gesture. */
  const syncing = useRef(false);
  const dragging = useRef(false);
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const z = zoom<HTMLCanvasElement, unknown>()
      // Gestures over the plot only: the wheel over the lane labels scrolls the lanes.
      .filter((event: MouseEvent) => !event.button && (event.type.startsWith('touch') || event.offsetX >= LABEL_W) && (event.type !== 'mousedown' || !event.ctrlKey))
      .on('start', (event: { sourceEvent: Event | null }) => {
        if (event.sourceEvent?.type === 'mousedown') ((dragging.current = true), setTip(null));
      })
      .on('end', () => {
        dragging.current = false;
      })
      .on('zoom', (event: { transform: ZoomTransform; sourceEvent: Event | null }) => {
        const { bounds: b, plotW: w } = place.current;
        if (syncing.current || !b || w <= 0) return;
        if (event.sourceEvent) userMoved.current = true;
        setView(viewOfTransform(event.transform, b, LABEL_W, w));
      });
    const sel = select(c);
    sel.call(z);
    zoomer.current = z;
    return () => {
      sel.on('.zoom', null);
      zoomer.current = null;
    };
  }, []);

  // The run's extent or the plot's size changed: keep the view (the whole run until the user zooms or pans; the run
  // grows while the stage runs) and move the transform to match it.
  useEffect(() => {
    const z = zoomer.current;
    const c = canvas.current;
    if (!z || !c || !bounds || plotW <= 0) return;
    const extent: [[number, number], [number, number]] = [
      [LABEL_W, 0],
      [LABEL_W + plotW, plotH],
    ];
    z.extent(extent).translateExtent(extent).scaleExtent([1, maxZoom(bounds)]);
    const v = userMoved.current && viewRef.current ? viewRef.current : bounds;
    const t = transformOfView(v, bounds, LABEL_W, plotW);
    syncing.current = true;
    z.transform(select(c), zoomIdentity.translate(t.x, 0).scale(t.k));
    syncing.current = false;
    setView(userMoved.current ? viewOfTransform(t, bounds, LABEL_W, plotW) : bounds);
  }, [bounds, plotW, plotH]);

  /** Zoom by k around the middle of the plot (a user's action), or back to the whole run with k = 0. */
  const zoomBy = (k: number) => {
    const z = zoomer.current;
    const c = canvas.current;
    if (!z || !c || !bounds) return;
    userMoved.current = k !== 0;
    if (k === 0) z.transform(select(c), zoomIdentity);
    else z.scaleBy(select(c), k);
    if (k === 0) setView(bounds);
  };

  useEffect(() => {
    const c = canvas.current;
    if (!c || !answer || !view) return;
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(width * dpr) || c.height !== Math.round(height * dpr)) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(height * dpr);
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
    }
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const nLanes = answer.laneExecutor.length;
    const last = Math.min(lastLane, nLanes - 1);
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, width, plotH);
    ctx.clip();
    const yOf = (lane: number) => lane * LANE_H - scrollTop;
    for (let l = firstLane; l <= last; l++) {
      ctx.fillStyle = l % 2 ? '#f8f9fa' : '#fff';
      ctx.fillRect(0, yOf(l), width, LANE_H);
      ctx.fillStyle = '#495057';
      ctx.fillText(laneLabel(answer, l), 6, yOf(l) + LANE_H / 2);
    }
    const frame = projectFrame(answer, view, plotW, firstLane, last);
    frameRef.current = frame;
    ctx.beginPath();
    ctx.rect(LABEL_W, 0, plotW, plotH);
    ctx.clip();
    for (const it of frame.items) {
      const y = yOf(it.lane) + 2;
      const h = LANE_H - 4;
      const x = LABEL_W + it.x;
      if (it.segments) {
        for (const s of it.segments) {
          ctx.fillStyle = PHASE_COLOURS[s.kind];
          ctx.fillRect(LABEL_W + s.x, y, Math.max(s.w, 0.5), h);
        }
      } else {
        ctx.fillStyle = it.failed ? '#e03131' : it.kind === 'group' ? '#5c7cfa' : it.running ? PHASE_COLOURS.running : PHASE_COLOURS.compute;
        ctx.fillRect(x, y, Math.max(it.w, 1), h);
      }
      if (it.flagged) {
        ctx.strokeStyle = '#e67700';
        ctx.lineWidth = 2;
        ctx.strokeRect(x - 1, y - 1, Math.max(it.w, 1) + 2, h + 2);
      }
    }
    ctx.restore();
    // Time axis.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, plotH, width, AXIS_H);
    ctx.fillStyle = '#868e96';
    const span = view.to - view.from;
    const b = boundsOf(answer);
    for (let k = 0; k <= 5; k++) {
      const x = LABEL_W + (k / 5) * plotW;
      ctx.fillRect(x, plotH, 1, 4);
      ctx.textAlign = k === 5 ? 'right' : k === 0 ? 'left' : 'center';
      ctx.fillText(`+${formatDuration(view.from - b.from + (k / 5) * span)}`, x, plotH + 13);
    }
    ctx.textAlign = 'left';
    const d = c.dataset;
    d.frameMs = (performance.now() - t0).toFixed(2);
    d.items = String(frame.items.length);
    d.drawnTasks = String(frame.tasks);
    d.flaggedPartitions = frame.flaggedPartitions.join(',');
    d.viewFrom = String(view.from);
    d.viewTo = String(view.to);
    d.covered = covers(answer, view, plotW, firstLane, last) ? 'true' : 'false';
    d.answerMs = tl.lastMs?.toFixed(1) ?? '';
    d.firstAnswerMs = tl.firstMs?.toFixed(1) ?? '';
    d.answerChars = String(tl.lastChars);
    d.serverBuildMs = answer.buildMs.toFixed(1);
    d.serverViewMs = answer.viewMs.toFixed(2);
    d.requests = String(tl.requests);
  }, [answer, view, width, height, plotW, plotH, firstLane, lastLane, scrollTop, tl.lastMs, tl.firstMs, tl.lastChars, tl.requests]);

  const loading = tl.error ? `could not load the timeline: ${tl.error}` : !answer ? 'laying out tasks…' : tl.answerVersion !== version ? 'loading new tasks…' : null;
  const total = answer?.totalTasks ?? 0;
  return (
    <div className="timeline" ref={wrap} data-testid="timeline" data-lanes={answer?.laneExecutor.length ?? 0} data-tasks={total} data-loading={!answer || tl.answerVersion !== version ? 'true' : 'false'}>
      <div className="row" style={{ padding: '6px 8px' }}>
        <button data-testid="timeline-zoom-in" onClick={() => zoomBy(2)}>
          Zoom in
        </button>
        <button data-testid="timeline-zoom-out" onClick={() => zoomBy(0.5)}>
          Zoom out
        </button>
        <button data-testid="timeline-reset" onClick={() => zoomBy(0)}>
          Reset
        </button>
        <span className="muted">
          {total.toLocaleString('en')} tasks · {answer?.laneExecutor.length ?? 0} executor slots · wheel or pinch to zoom, drag to pan, double-click to zoom in (shift: out)
          {lanes > MAX_ROWS ? ', scroll for more slots' : ''}
          {loading ? ` · ${loading}` : ''}
        </span>
      </div>
      <div className="legend" style={{ padding: '0 8px' }}>
        {[...PHASES, 'other' as const, 'running' as const].map((k) => (
          <span key={k}>
            <i style={{ background: PHASE_COLOURS[k] }} />
            {PHASE_LABELS[k]}
          </span>
        ))}
        <span>
          <i style={{ background: '#e03131' }} />
          failed
        </span>
        <span>
          <i style={{ background: '#5c7cfa' }} />
          tasks too narrow to show (zoom in)
        </span>
        <span>
          <i style={{ border: '2px solid #e67700' }} />
          flagged
        </span>
      </div>
      <div className="timeline-lanes" ref={scroller} style={{ height, overflowY: lanes > MAX_ROWS ? 'auto' : 'hidden' }} onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}>
        <canvas
          ref={canvas}
          data-testid="timeline-canvas"
          style={{ position: 'sticky', top: 0, cursor: 'grab' }}
          onMouseLeave={() => setTip(null)}
          onMouseMove={(e) => {
            if (dragging.current) return;
            const r = canvas.current!.getBoundingClientRect();
            const frame = frameRef.current;
            const x = e.clientX - r.left - LABEL_W;
            const y = e.clientY - r.top;
            if (!frame || !answer || x < 0 || y >= plotH) return setTip(null);
            const lane = Math.floor((y + scrollTop) / LANE_H);
            const it = hitItem(frame, lane, x);
            if (!it) return setTip(null);
            const wr = wrap.current!.getBoundingClientRect();
            setTip({ x: Math.min(e.clientX - wr.left + 12, wr.width - 260), y: e.clientY - wr.top + 12, text: tipText(answer, it.kind, it.ref, laneLabel(answer, lane)) });
          }}
        />
        {lanes > MAX_ROWS && <div style={{ height: lanes * LANE_H - plotH }} />}
      </div>
      {tip && (
        <div className="tooltip" style={{ left: tip.x, top: tip.y }} data-testid="timeline-tooltip">
          {tip.text}
        </div>
      )}
    </div>
  );
}

function tipText(a: NonNullable<ReturnType<typeof useTimelineView>['answer']>, kind: 'task' | 'group', ref: number, lane: string): string {
  if (kind === 'group') {
    const r = a.runs;
    const flags = [r.state[ref]! & 1 ? 'some failed' : '', r.state[ref]! & 2 ? 'some flagged' : '', r.state[ref]! & 4 ? 'some running' : ''].filter(Boolean);
    return [`${r.count[ref]!.toLocaleString('en')} task${r.count[ref] === 1 ? '' : 's'} too narrow to show · zoom in`, lane, `${formatTime(a.origin + r.from[ref]!)} … +${formatDuration(r.to[ref]! - r.from[ref]!)}`, ...flags].join('\n');
  }
  const b = a.bars;
  const launch = a.origin + b.launch[ref]!;
  const finish = b.finish[ref] === null ? null : a.origin + b.finish[ref]!;
  const dur = (finish ?? a.now) - launch;
  const parts = finish === null ? [] : phaseParts(b.phases[ref] ?? null, dur).filter(([, ms]) => ms > 0);
  return [
    `task ${b.taskId[ref]} · partition ${b.index[ref]} · attempt ${b.attempt[ref]}`,
    `${lane} · ${b.status[ref]}`,
    `${formatTime(launch)} · ${formatDuration(dur)}`,
    ...parts.map(([k, ms]) => `  ${PHASE_LABELS[k]}: ${formatDuration(ms)}`),
    ...(b.state[ref]! & 2 ? ['flagged: see the task table'] : []),
  ].join('\n');
}
