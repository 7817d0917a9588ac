'use client';
/**
 * A DAG laid out by ELK (layered, left to right; compound nodes so the RDD
 * operations sit inside their stage's box) and drawn as SVG. Used for a
 * job's stage DAG and a stage's RDD operation graph. The layout runs in a
 * web worker (elk-layout.worker.ts) started on first use: ELK is 1.5 MB of
 * script, and parsing it and laying out on the page's main thread held the
 * stage page's timeline and table back by about a second and a half of CPU
 * on a loaded machine. Where a worker cannot start, ELK is loaded into the
 * page instead (`data-layout` on the graph says which ran). Pan and zoom come from d3-zoom on the
 * SVG: drag pans, ctrl+wheel (or a pinch) and the buttons zoom, a plain wheel
 * keeps scrolling the page, double-click or "Fit" shows the whole graph.
 */
import { select } from 'd3-selection';
import { zoom, zoomIdentity, type ZoomBehavior } from 'd3-zoom';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk.bundled.js';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';

export interface DagChild {
  id: string;
  label: string;
  sublabel?: string;
}

export interface DagNode {
  id: string;
  label: string;
  sublabel?: string;
  /** pending | active | complete | failed | skipped (colours the box). */
  state?: string;
  href?: string;
  /** Flag texts shown as badges on the node. */
  flags?: Array<{ kind: string; text: string }>;
  children?: DagChild[];
  childEdges?: Array<{ from: string; to: string }>;
  testId?: string;
  data?: Record<string, string | number>;
}

export interface DagEdge {
  from: string;
  to: string;
}

const FILL: Record<string, string> = { complete: '#ebfbee', active: '#e7f5ff', failed: '#fff0f0', skipped: '#f1f3f5', pending: '#fff' };
const STROKE: Record<string, string> = { complete: '#2b8a3e', active: '#1971c2', failed: '#c92a2a', skipped: '#adb5bd', pending: '#868e96' };
const LEAF_W = 160;
const LEAF_H = 36;

type Where = 'worker' | 'page';

/** ELK in the page's own thread, loaded on first need. */
let inPage: Promise<{ layout(graph: ElkNode): Promise<ElkNode> }> | null = null;
function layoutInPage(graph: ElkNode): Promise<ElkNode> {
  return (inPage ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default())).then((e) => e.layout(graph));
}

/** The layout worker, started on first use; null once it failed to start or run (the page lays out itself from then on). */
let worker: { post(graph: ElkNode): Promise<ElkNode> } | null | undefined;
function layoutWorker(): typeof worker {
  if (worker !== undefined) return worker;
  try {
    const w = new Worker(new URL('./elk-layout.worker.ts', import.meta.url));
    const waiting = new Map<number, { resolve(g: ElkNode): void; reject(e: Error): void }>();
    let nextId = 0;
    w.onmessage = (e: MessageEvent<{ id: number; graph?: ElkNode; error?: string }>) => {
      const p = waiting.get(e.data.id);
      waiting.delete(e.data.id);
      if (e.data.graph) p?.resolve(e.data.graph);
      else p?.reject(new Error(e.data.error ?? 'layout failed'));
    };
    w.onerror = (e) => {
      e.preventDefault();
      worker = null;
      w.terminate();
      for (const p of waiting.values()) p.reject(new Error(`layout worker failed: ${e.message || 'could not start'}`));
      waiting.clear();
    };
    worker = {
      post: (graph) =>
        new Promise<ElkNode>((resolve, reject) => {
          const id = nextId++;
          waiting.set(id, { resolve, reject });
          w.postMessage({ id, graph });
        }),
    };
  } catch {
    worker = null;
  }
  return worker;
}

/** Lays `graph` out in the worker, or in the page where the worker cannot run. */
async function layout(graph: ElkNode): Promise<{ graph: ElkNode; where: Where }> {
  const w = layoutWorker();
  if (w) {
    try {
      return { graph: await w.post(graph), where: 'worker' };
    } catch (err) {
      // ELK's own refusal of a graph would be the same in the page: only a worker that is gone falls back.
      if (worker) throw err;
    }
  }
  return { graph: await layoutInPage(graph), where: 'page' };
}

/** Zoom limits relative to the fitted graph. */
const MIN_SCALE = 0.25;
const MAX_SCALE = 8;

/**
 * d3-zoom on `svg`, applied to `viewport`'s transform. A plain wheel is left
 * to the page (the graph sits inside a long page); ctrl/meta+wheel and
 * pinches (which browsers send as ctrl+wheel) zoom. The current transform is
 * mirrored on the viewport as data-k/data-x/data-y for tests.
 */
function useDagZoom(svg: SVGSVGElement | null, viewport: SVGGElement | null) {
  const behavior = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  useEffect(() => {
    if (!svg || !viewport) return;
    const z = zoom<SVGSVGElement, unknown>()
      .scaleExtent([MIN_SCALE, MAX_SCALE])
      .filter((event: Event) => (event.type === 'wheel' ? (event as WheelEvent).ctrlKey || (event as WheelEvent).metaKey : !(event as MouseEvent).button))
      .on('zoom', (event: { transform: { x: number; y: number; k: number; toString(): string } }) => {
        const t = event.transform;
        viewport.setAttribute('transform', t.toString());
        viewport.dataset.k = String(t.k);
        viewport.dataset.x = String(t.x);
        viewport.dataset.y = String(t.y);
      });
    const sel = select(svg);
    sel.call(z).on('dblclick.zoom', () => z.transform(sel, zoomIdentity));
    behavior.current = z;
    return () => {
      sel.on('.zoom', null);
      behavior.current = null;
    };
  }, [svg, viewport]);
  return {
    zoomBy: (k: number) => svg && behavior.current?.scaleBy(select(svg), k),
    fit: () => svg && behavior.current?.transform(select(svg), zoomIdentity),
  };
}

interface Laid {
  graph: ElkNode;
  where: Where;
}

export function Dag({ nodes, edges, testId, direction = 'RIGHT' }: { nodes: DagNode[]; edges: DagEdge[]; testId: string; direction?: 'RIGHT' | 'DOWN' }) {
  const [laid, setLaid] = useState<Laid | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [svg, setSvg] = useState<SVGSVGElement | null>(null);
  const [viewport, setViewport] = useState<SVGGElement | null>(null);
  const pz = useDagZoom(svg, viewport);
  const key = JSON.stringify([nodes.map((n) => [n.id, n.children?.map((c) => c.id), n.childEdges]), edges, direction]);
  useEffect(() => {
    let live = true;
    const graph: ElkNode = {
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': direction,
        'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
        'elk.spacing.nodeNode': '24',
        'elk.layered.spacing.nodeNodeBetweenLayers': '48',
        'elk.padding': '[top=12,left=12,bottom=12,right=12]',
      },
      children: nodes.map((n) =>
        n.children && n.children.length > 0
          ? {
              id: n.id,
              layoutOptions: { 'elk.padding': '[top=44,left=12,bottom=12,right=12]', 'elk.direction': 'DOWN' },
              children: n.children.map((c) => ({ id: c.id, width: LEAF_W, height: LEAF_H })),
              edges: (n.childEdges ?? []).map((e, i) => ({ id: `${n.id}-ce${i}`, sources: [e.from], targets: [e.to] })),
            }
          : { id: n.id, width: LEAF_W + 20, height: n.flags?.length ? 70 : 54 },
      ),
      edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
    };
    layout(graph).then(
      (g) => live && (setLaid(g), setError(null)),
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (error) return <div className="banner bad">Could not lay out the graph: {error}</div>;
  if (!laid) return <div className="muted">Laying out the graph…</div>;
  const g = laid.graph;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const w = Math.ceil(g.width ?? 400);
  const h = Math.ceil(g.height ?? 200);
  return (
    <div className="dag" data-testid={testId} data-nodes={nodes.length} data-edges={edges.length} data-layout={laid.where}>
      <div className="row dag-tools">
        <button data-testid={`${testId}-zoom-in`} onClick={() => pz.zoomBy(1.5)} title="Zoom in (or ctrl+wheel)">
          +
        </button>
        <button data-testid={`${testId}-zoom-out`} onClick={() => pz.zoomBy(1 / 1.5)} title="Zoom out (or ctrl+wheel)">
          −
        </button>
        <button data-testid={`${testId}-fit`} onClick={() => pz.fit()} title="Show the whole graph (or double-click)">
          Fit
        </button>
        <span className="muted">drag to pan · ctrl+wheel to zoom</span>
      </div>
      <svg ref={setSvg} width={Math.min(w, 1460)} viewBox={`0 0 ${w} ${h}`} style={{ maxWidth: '100%' }} data-testid={`${testId}-svg`}>
        <defs>
          <marker id={`${testId}-arrow`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#495057" />
          </marker>
        </defs>
        <g ref={setViewport} data-testid={`${testId}-viewport`} data-k="1" data-x="0" data-y="0">
        {(g.edges ?? []).map((e) => (
          <EdgePath key={e.id} e={e} dx={0} dy={0} marker={`${testId}-arrow`} testId={`${testId}-edge`} />
        ))}
        {(g.children ?? []).map((c) => {
          const n = byId.get(c.id)!;
          const state = n.state ?? 'pending';
          const box = (
            <g transform={`translate(${c.x ?? 0},${c.y ?? 0})`} data-testid={n.testId ?? `${testId}-node`} data-state={state} data-flagged={n.flags?.length ? 'true' : 'false'} {...Object.fromEntries(Object.entries(n.data ?? {}).map(([k, v]) => [`data-${k}`, String(v)]))}>
              <rect width={c.width} height={c.height} rx={6} fill={FILL[state] ?? '#fff'} stroke={n.flags?.length ? '#e67700' : (STROKE[state] ?? '#868e96')} strokeWidth={n.flags?.length ? 3 : 1.5} strokeDasharray={state === 'skipped' ? '5 4' : undefined} />
              <text x={10} y={18} fontSize={13} fontWeight={600} fill={state === 'skipped' ? '#868e96' : '#1d2330'}>
                {n.label}
              </text>
              {n.sublabel && (
                <text x={10} y={34} fontSize={11} fill="#6a7282">
                  {n.sublabel}
                </text>
              )}
              {n.flags?.map((f, i) => (
                <g key={i} data-testid="dag-flag" data-kind={f.kind} data-text={f.text}>
                  <rect x={(c.width ?? 100) - 78 - i * 80} y={4} width={72} height={16} rx={3} fill={f.kind === 'straggler' ? '#862e9c' : '#e67700'} />
                  <text x={(c.width ?? 100) - 42 - i * 80} y={16} fontSize={10} fontWeight={700} fill="#fff" textAnchor="middle">
                    {f.kind}
                  </text>
                  <title>{f.text}</title>
                </g>
              ))}
              {(c.edges ?? []).map((e) => (
                <EdgePath key={e.id} e={e} dx={0} dy={0} marker={`${testId}-arrow`} testId={`${testId}-inner-edge`} />
              ))}
              {(c.children ?? []).map((leaf) => {
                const info = n.children!.find((x) => x.id === leaf.id)!;
                return (
                  <g key={leaf.id} transform={`translate(${leaf.x ?? 0},${leaf.y ?? 0})`} data-testid={`${testId}-op`}>
                    <rect width={leaf.width} height={leaf.height} rx={4} fill="#fff" stroke="#adb5bd" />
                    <text x={8} y={15} fontSize={12} fill="#1d2330">
                      {info.label}
                    </text>
                    {info.sublabel && (
                      <text x={8} y={29} fontSize={10} fill="#868e96">
                        {info.sublabel}
                      </text>
                    )}
                  </g>
                );
              })}
            </g>
          );
          return n.href ? (
            <Link key={c.id} href={n.href}>
              {box}
            </Link>
          ) : (
            <g key={c.id}>{box}</g>
          );
        })}
        </g>
      </svg>
    </div>
  );
}

function EdgePath({ e, dx, dy, marker, testId }: { e: ElkExtendedEdge; dx: number; dy: number; marker: string; testId: string }) {
  const d = (e.sections ?? [])
    .map((s) => {
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      return pts.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x + dx} ${p.y + dy}`).join(' ');
    })
    .join(' ');
  return <path d={d} fill="none" stroke="#495057" strokeWidth={1.5} markerEnd={`url(#${marker})`} data-testid={testId} />;
}
