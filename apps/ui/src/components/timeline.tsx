'use client';
/**
 * The stage's event timeline on a canvas: one lane per executor slot, each
 * task a bar split into its phases, failed tasks red, flagged tasks outlined
 * in orange. The server lays the tasks out and answers each window with a
 * level of detail (tasks too narrow to see come as counted runs), so the
 * page receives and draws about one item per pixel per lane at any task
 * count; every task becomes its own bar when zoomed in. Wheel zooms around
 * the pointer, drag pans, double-click resets; a pan or zoom redraws at once
 * from the answer held and refines when the answer for the new window
 * arrives. Only the lanes scrolled into sight are asked for and drawn.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { flagThresholds } from '../lib/flags.ts';
import { formatDuration, formatTime } from '../lib/format.ts';
import { boundsOf, covers, hitItem, laneLabel, panView, phaseParts, PHASES, projectFrame, zoomView, type SegmentKind, type TimelineFrame, type TimeView } from '../lib/timeline-view.ts';
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
  const bounds = useMemo(() => (answer ? boundsOf(answer) : null), [answer]);
  const viewRef = useRef(view);
  viewRef.current = view;
  const frameRef = useRef<TimelineFrame | null>(null);

  useEffect(() => {
    if (answer) setLanes(answer.laneExecutor.length);
  }, [answer]);

  // Follow the run's extent until the user zooms or pans.
  useEffect(() => {
    if (!bounds) return;
    if (!userMoved.current) setView(bounds);
    else setView((v) => (v ? { from: Math.max(v.from, bounds.from), to: Math.min(Math.max(v.to, v.from + 1), bounds.to) } : bounds));
  }, [bounds]);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(300, el.clientWidth)));
    ro.observe(el);
    setWidth(Math.max(300, el.clientWidth));
    return () => ro.disconnect();
  }, []);

  const plotH = rows * LANE_H;
  const height = plotH + AXIS_H;

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

  const timeAt = useCallback(
    (clientX: number) => {
      const r = canvas.current!.getBoundingClientRect();
      const v = viewRef.current!;
      return v.from + ((clientX - r.left - LABEL_W) / plotW) * (v.to - v.from);
    },
    [plotW],
  );

  // Wheel zoom needs a non-passive listener to keep the page from scrolling; over the labels the wheel scrolls the lanes.
  useEffect(() => {
    const c = canvas.current;
    if (!c || !bounds) return;
    const onWheel = (e: WheelEvent) => {
      if (e.offsetX < LABEL_W || !viewRef.current) return;
      e.preventDefault();
      userMoved.current = true;
      setView((v) => (v ? zoomView(v, Math.exp(e.deltaY * 0.002), timeAt(e.clientX), bounds) : v));
    };
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  }, [bounds, timeAt]);

  const drag = useRef<{ x: number; view: TimeView } | null>(null);
  const loading = tl.error ? `could not load the timeline: ${tl.error}` : !answer ? 'laying out tasks…' : tl.answerVersion !== version ? 'loading new tasks…' : null;
  const total = answer?.totalTasks ?? 0;
  return (
    <div className="timeline" ref={wrap} data-testid="timeline" data-lanes={answer?.laneExecutor.length ?? 0} data-tasks={total} data-loading={!answer || tl.answerVersion !== version ? 'true' : 'false'}>
      <div className="row" style={{ padding: '6px 8px' }}>
        <button data-testid="timeline-zoom-in" onClick={() => bounds && ((userMoved.current = true), setView((v) => (v ? zoomView(v, 0.5, (v.from + v.to) / 2, bounds) : v)))}>
          Zoom in
        </button>
        <button data-testid="timeline-zoom-out" onClick={() => bounds && setView((v) => (v ? zoomView(v, 2, (v.from + v.to) / 2, bounds) : v))}>
          Zoom out
        </button>
        <button data-testid="timeline-reset" onClick={() => bounds && ((userMoved.current = false), setView(bounds))}>
          Reset
        </button>
        <span className="muted">
          {total.toLocaleString('en')} tasks · {answer?.laneExecutor.length ?? 0} executor slots · wheel to zoom, drag to pan
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
          style={{ position: 'sticky', top: 0 }}
          onMouseDown={(e) => viewRef.current && (drag.current = { x: e.clientX, view: viewRef.current })}
          onMouseUp={() => (drag.current = null)}
          onMouseLeave={() => ((drag.current = null), setTip(null))}
          onDoubleClick={() => bounds && ((userMoved.current = false), setView(bounds))}
          onMouseMove={(e) => {
            const r = canvas.current!.getBoundingClientRect();
            if (drag.current && bounds) {
              userMoved.current = true;
              const d = drag.current;
              const dt = ((d.x - e.clientX) / plotW) * (d.view.to - d.view.from);
              setView(panView(d.view, dt, bounds));
              return;
            }
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
