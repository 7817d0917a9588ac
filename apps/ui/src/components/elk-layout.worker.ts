/**
 * The DAG layout's worker: ELK's layered layout (1.5 MB of script to parse
 * and a layout to compute) off the page's main thread, so the stage and job
 * pages paint and answer input while the graph is laid out. One message in,
 * `{ id, graph }`; one message out, `{ id, graph }` laid out or `{ id, error }`.
 */
import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';

const elk = new ELK();
const scope = self as unknown as { onmessage: ((e: MessageEvent<{ id: number; graph: ElkNode }>) => void) | null; postMessage(message: unknown): void };
// Set after ELK's bundle loaded: in a worker scope the bundle installs its own message handler, which this replaces.
scope.onmessage = (e) => {
  const { id, graph } = e.data;
  elk.layout(graph).then(
    (laid) => scope.postMessage({ id, graph: laid }),
    (err: unknown) => scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) }),
  );
};
