/**
 * The event log's writer thread: owns one EventStore on the log's file and
 * stores the numbered batches its parent posts, in order, one at a time, for
 * every application of its process that logs to that file. Runs off the
 * driver's main thread so a slow disk delays only this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EventStore } from './event-store.ts';
import { EventLogSink } from './event-log-sink.ts';
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

const sink = new EventLogSink(store, send);
port.on('message', (m: EventLogToWriter) => sink.post(m));
