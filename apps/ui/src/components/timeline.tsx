'use client';
/**
 * The stage's event timeline on a canvas: one lane per executor slot, each
 * task a bar split into its phases, failed tasks red, flagged tasks outlined
 * in orange. Wheel zooms around the pointer, drag pans, double-click resets;
 * the layout's level of detail keeps each frame to about one item per pixel
 * per lane, so 100,000 tasks draw as fast as 1,000 and every one is reachable
 * by zooming in.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { formatDuration, formatTime } from '../lib/format.ts';
import { panView, phaseParts, TimelineLayout, zoomView, type SegmentKind, type TimelineTask, type TimeView } from '../lib/timeline-layout.ts';

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

export function Timeline({ tasks, now, loading }: { tasks: TimelineTask[]; now: number; loading?: string | null }) {
  const layout = useMemo(() => new TimelineLayout(tasks, now), [tasks, now]);
  const bounds = useMemo(() => layout.fullView(), [layout]);
  const [view, setView] = useState<TimeView>(bounds);
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(1000);
  const [tip, setTip] = useState<{ x: number; y: number; text: string } | null>(null);
  const stats = useRef({ frameMs: 0, items: 0, flagged: '' });
  const viewRef = useRef(view);
  viewRef.current = view;
  const userMoved = useRef(false);

  // Follow the data's extent until the user zooms or pans.
  useEffect(() => {
    if (!userMoved.current) setView(bounds);
    else setView((v) => ({ from: Math.max(v.from, bounds.from), to: Math.min(Math.max(v.to, v.from + 1), bounds.to) }));
  }, [bounds]);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(300, el.clientWidth)));
    ro.observe(el);
    setWidth(Math.max(300, el.clientWidth));
    return () => ro.disconnect();
  }, []);

  const plotW = width - LABEL_W;
  const height = layout.lanes.length * LANE_H + AXIS_H;

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(height * dpr);
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    layout.lanes.forEach((l, i) => {
      ctx.fillStyle = i % 2 ? '#f8f9fa' : '#fff';
      ctx.fillRect(0, i * LANE_H, width, LANE_H);
      ctx.fillStyle = '#495057';
      ctx.fillText(l.label, 6, i * LANE_H + LANE_H / 2);
    });
    const frame = layout.frame(view, plotW);
    const flaggedParts: number[] = [];
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL_W, 0, plotW, height);
    ctx.clip();
    for (const it of frame.items) {
      const y = it.lane * LANE_H + 2;
      const h = LANE_H - 4;
      const x = LABEL_W + it.x;
      if (it.segments && !it.failed) {
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
        if (it.kind === 'task') flaggedParts.push(layout.tasks[it.task]!.index);
      }
    }
    ctx.restore();
    // Time axis.
    const axisY = layout.lanes.length * LANE_H;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, axisY, width, AXIS_H);
    ctx.fillStyle = '#868e96';
    const span = view.to - view.from;
    for (let k = 0; k <= 5; k++) {
      const x = LABEL_W + (k / 5) * plotW;
      ctx.fillRect(x, axisY, 1, 4);
      const text = `+${formatDuration(view.from - bounds.from + (k / 5) * span)}`;
      ctx.textAlign = k === 5 ? 'right' : k === 0 ? 'left' : 'center';
      ctx.fillText(text, x, axisY + 13);
    }
    ctx.textAlign = 'left';
    stats.current = { frameMs: performance.now() - t0, items: frame.items.length, flagged: flaggedParts.sort((a, b) => a - b).join(',') };
    c.dataset.frameMs = stats.current.frameMs.toFixed(2);
    c.dataset.items = String(frame.items.length);
    c.dataset.flaggedPartitions = stats.current.flagged;
    c.dataset.viewFrom = String(view.from);
    c.dataset.viewTo = String(view.to);
  }, [layout, view, width, height, plotW, bounds]);

  const timeAt = useCallback((clientX: number) => {
    const r = canvas.current!.getBoundingClientRect();
    const v = viewRef.current;
    return v.from + ((clientX - r.left - LABEL_W) / plotW) * (v.to - v.from);
  }, [plotW]);

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const onWheel = (e: WheelEvent) => {
      if (e.offsetX < LABEL_W) return;
      e.preventDefault();
      userMoved.current = true;
      setView((v) => zoomView(v, Math.exp(e.deltaY * 0.002), timeAt(e.clientX), bounds));
    };
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  }, [bounds, timeAt]);

  const drag = useRef<{ x: number; view: TimeView } | null>(null);
  return (
    <div className="timeline" ref={wrap} data-testid="timeline" data-lanes={layout.lanes.length} data-tasks={tasks.length} data-loading={loading ? 'true' : 'false'}>
      <div className="row" style={{ padding: '6px 8px' }}>
        <button data-testid="timeline-zoom-in" onClick={() => ((userMoved.current = true), setView((v) => zoomView(v, 0.5, (v.from + v.to) / 2, bounds)))}>
          Zoom in
        </button>
        <button data-testid="timeline-zoom-out" onClick={() => setView((v) => zoomView(v, 2, (v.from + v.to) / 2, bounds))}>
          Zoom out
        </button>
        <button data-testid="timeline-reset" onClick={() => ((userMoved.current = false), setView(bounds))}>
          Reset
        </button>
        <span className="muted">
          {tasks.length.toLocaleString('en')} tasks · {layout.lanes.length} executor slots · wheel to zoom, drag to pan{loading ? ` · ${loading}` : ''}
        </span>
      </div>
      <div className="legend" style={{ padding: '0 8px' }}>
        {(Object.keys(PHASE_LABELS) as SegmentKind[]).map((k) => (
          <span key={k}>
            <i style={{ background: PHASE_COLOURS[k] }} />
            {PHASE_LABELS[k]}
          </span>
        ))}
        <span><i style={{ background: '#e03131' }} />failed</span>
        <span><i style={{ background: '#5c7cfa' }} />many tasks (zoom in)</span>
        <span><i style={{ border: '2px solid #e67700' }} />flagged</span>
      </div>
      <canvas
        ref={canvas}
        data-testid="timeline-canvas"
        onMouseDown={(e) => (drag.current = { x: e.clientX, view: viewRef.current })}
        onMouseUp={() => (drag.current = null)}
        onMouseLeave={() => ((drag.current = null), setTip(null))}
        onDoubleClick={() => ((userMoved.current = false), setView(bounds))}
        onMouseMove={(e) => {
          const r = canvas.current!.getBoundingClientRect();
          if (drag.current) {
            userMoved.current = true;
            const d = drag.current;
            const dt = ((d.x - e.clientX) / plotW) * (d.view.to - d.view.from);
            setView(panView(d.view, dt, bounds));
            return;
          }
          const x = e.clientX - r.left - LABEL_W;
          const lane = Math.floor((e.clientY - r.top) / LANE_H);
          const hit = x >= 0 && lane < layout.lanes.length ? layout.hit(lane, x, viewRef.current, plotW, 3) : -1;
          if (hit < 0) return setTip(null);
          const t = layout.tasks[hit]!;
          const dur = (t.finishTime ?? now) - t.launchTime;
          const parts = t.finishTime == null ? [] : phaseParts(t, dur).filter(([, ms]) => ms > 0);
          const wr = wrap.current!.getBoundingClientRect();
          setTip({
            x: Math.min(e.clientX - wr.left + 12, wr.width - 260),
            y: e.clientY - wr.top + 12,
            text: [`task ${t.taskId} · partition ${t.index} · attempt ${t.attempt}`, `executor ${t.executorId} slot ${t.slot ?? '?'} · ${t.status.toLowerCase()}`, `${formatTime(t.launchTime)} · ${formatDuration(dur)}`, ...parts.map(([k, ms]) => `  ${PHASE_LABELS[k]}: ${formatDuration(ms)}`), ...(t.flagged ? ['flagged: see the task table'] : [])].join('\n'),
          });
        }}
      />
      {tip && (
        <div className="tooltip" style={{ left: tip.x, top: tip.y }} data-testid="timeline-tooltip">
          {tip.text}
        </div>
      )}
    </div>
  );
}
