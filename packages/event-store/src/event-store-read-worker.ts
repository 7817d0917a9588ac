/**
 * The read thread's body: owns one EventStore connection on the file (WAL lets it
 * read while another connection writes) and answers the read calls its parent
 * posts, one at a time, in arrival order. Its only write is an ended stage
 * attempt's cached aggregates (guarded by the attempt's taskVersion).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EventStoreError } from './event-store-error.ts';
import { EventStore } from './event-store.ts';
import { READ_METHODS } from './event-store-reads.ts';
import type { ReadThreadFromWorker, ReadThreadInit, ReadThreadToWorker } from './event-store-read-thread.ts';

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
let busy = false;

async function answer(m: Extract<ReadThreadToWorker, { type: 'call' }>): Promise<void> {
  try {
    if (!methods.has(m.method)) throw new EventStoreError('INVALID_INPUT', `the read thread serves no method ${m.method}`);
    const fn = (store as unknown as Record<string, (...a: unknown[]) => unknown>)[m.method]!;
    const value = await fn.apply(store, m.args);
    send({ type: 'result', id: m.id, value });
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
      } catch {
        // A cache that could not be filled is computed by the first read that needs it.
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
    const firstPrecompute = queue.findIndex((x) => x.type === 'precompute');
    if (firstPrecompute >= 0) queue.splice(firstPrecompute, 0, m);
    else queue.push(m);
  } else queue.push(m);
  void drain();
});
