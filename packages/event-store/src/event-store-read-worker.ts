/**
 * The read thread's body: owns one EventStore connection on the file (WAL lets it
 * read while another connection writes) and answers the read calls its parent
 * posts, one at a time, in arrival order. Its only write is an ended stage
 * attempt's cached aggregates (guarded by the attempt's taskVersion).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EventStoreError } from './event-store-error.ts';
import { EventStore, KEPT_SORT_KEYS } from './event-store.ts';
import { READ_METHODS } from './event-store-reads.ts';
import type { TaskQuery } from './event-store-types.ts';
import type { ReadThreadFromWorker, ReadThreadInit, ReadThreadToWorker } from './event-store-read-thread.ts';

/**
 * Attempts with at least this many tasks have every sortable column's order built when they
 * end (or, seen ended, when first sorted): at 100,000 tasks a first sort by a new column
 * built its order in 60-100 ms of CPU (p95 1 s wall at load 19) and all 37 orders take about
 * 2.1 s of CPU. Below this size a first sort costs under half that, and the master spends
 * nothing on orders of stages like the 20,000-task jobs of the observer-effect benchmark.
 */
const KEEP_ORDERS_MIN_TASKS = 50_000;
/** Columns read in one scan of a turn: 4 columns of 100,000 rows ≈ 230 ms of CPU, the longest a call waits behind one. */
const KEEP_ORDERS_COLUMNS_A_TURN = 4;

const init = workerData as ReadThreadInit;
const port = parentPort!;
const send = (m: ReadThreadFromWorker) => port.postMessage(m);
const methods: ReadonlySet<string> = new Set(READ_METHODS);

let store: EventStore;
try {
  const fixed = init.fixedNow;
  store = await EventStore.open(init.dbPath, { readOnlyQueriesWithoutPrisma: true, ...(fixed === undefined ? {} : { now: () => fixed }) });
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'failed', message: (err as Error).message });
  process.exit(1);
}

const queue: ReadThreadToWorker[] = [];
/** Attempts whose orders were queued (bounded: forgotten wholesale, a repeat is cheap). */
const ordersQueued = new Set<string>();

/** Queues the building of a large ended attempt's sorted orders, a few columns a turn so calls pass between. */
function queueOrders(appId: string, stageId: number, attempt: number): void {
  const key = JSON.stringify([appId, stageId, attempt]);
  if (ordersQueued.has(key)) return;
  if ((store.keptTaskTotal(appId, stageId, attempt) ?? 0) < KEEP_ORDERS_MIN_TASKS) return;
  if (ordersQueued.size >= 10_000) ordersQueued.clear();
  ordersQueued.add(key);
  for (let i = 0; i < KEPT_SORT_KEYS.length; i += KEEP_ORDERS_COLUMNS_A_TURN) {
    queue.push({ type: 'keepOrders', appId, stageId, attempt, columns: KEPT_SORT_KEYS.slice(i, i + KEEP_ORDERS_COLUMNS_A_TURN) });
  }
}
let busy = false;

async function answer(m: Extract<ReadThreadToWorker, { type: 'call' }>): Promise<void> {
  try {
    if (!methods.has(m.method)) throw new EventStoreError('INVALID_INPUT', `the read thread serves no method ${m.method}`);
    const fn = (store as unknown as Record<string, (...a: unknown[]) => unknown>)[m.method]!;
    const value = await fn.apply(store, m.args);
    send({ type: 'result', id: m.id, value });
    // A sort of an attempt that ended before this thread saw it end (history, a restarted
    // master): the other columns' orders are built next, behind later calls.
    if (m.method === 'listTasks') {
      const q = m.args[0] as TaskQuery;
      if (q.sortBy !== undefined && KEPT_SORT_KEYS.includes(q.sortBy)) queueOrders(q.appId, q.stageId, q.attempt);
    }
  } catch (err) {
    const e = err as Error;
    send({ type: 'error', id: m.id, code: err instanceof EventStoreError ? err.code : null, message: e.message });
  }
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  while (queue.length > 0) {
    const m = queue.shift()!;
    if (m.type === 'call') await answer(m);
    else if (m.type === 'precompute') {
      try {
        store.precomputeStage(m.appId, m.stageId, m.attempt);
        queueOrders(m.appId, m.stageId, m.attempt);
      } catch {
        // A cache that could not be filled is computed by the first read that needs it.
      }
    } else if (m.type === 'keepOrders') {
      try {
        store.keepStageOrders(m.appId, m.stageId, m.attempt, m.columns);
      } catch {
        // An order that could not be kept is built by the first page that sorts by it.
      }
    } else {
      await store.close();
      process.exit(0);
    }
  }
  busy = false;
}

port.on('message', (m: ReadThreadToWorker) => {
  // Calls go before precomputations: a page waiting behind a stage summary nobody asked for yet is worse.
  if (m.type === 'call') {
    const firstPrecompute = queue.findIndex((x) => x.type === 'precompute' || x.type === 'keepOrders');
    if (firstPrecompute >= 0) queue.splice(firstPrecompute, 0, m);
    else queue.push(m);
  } else queue.push(m);
  void drain();
});
