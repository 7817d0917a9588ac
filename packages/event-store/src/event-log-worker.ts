/**
 * The event log's writer thread: owns one EventStore on the log's file and
 * stores the numbered batches its parent posts, in order, one at a time, for
 * every application of its process that logs to that file. Runs off the
 * driver's main thread so a slow disk delays only this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EventStore } from './event-store.ts';
import type { EventLogFromWriter, EventLogToWriter, EventLogWriterInit } from './event-log.ts';

const init = workerData as EventLogWriterInit;
const port = parentPort!;
const send = (m: EventLogFromWriter) => port.postMessage(m);

let store: EventStore;
try {
  store = await EventStore.open(init.dbPath, { readOnlyQueriesWithoutPrisma: true });
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'error', appId: null, message: (err as Error).message });
  process.exit(1);
}

const queue: EventLogToWriter[] = [];
let busy = false;

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  while (queue.length > 0) {
    const m = queue.shift()!;
    try {
      if (m.type === 'batch') {
        const r = await store.ingest(m.appId, m.firstSeq, m.events);
        send({ type: 'stored', appId: m.appId, storedThrough: r.storedThrough });
      } else {
        store.recordEventsPosted(m.appId, m.eventsPosted);
        const { droppedEvents } = store.finishApplication(m.appId, m.state, m.time);
        send({ type: 'finished', appId: m.appId, storedThrough: store.storedThrough(m.appId), droppedEvents });
      }
    } catch (err) {
      send({ type: 'error', appId: m.appId, message: (err as Error).message });
      if (m.type === 'finish') send({ type: 'finished', appId: m.appId, storedThrough: store.storedThrough(m.appId), droppedEvents: -1 });
    }
  }
  busy = false;
}

port.on('message', (m: EventLogToWriter) => {
  queue.push(m);
  void drain();
});
