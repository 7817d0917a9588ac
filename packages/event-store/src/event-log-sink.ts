import type { EventStore } from './event-store.ts';
import type { EventLogFromWriter, EventLogToWriter } from './event-log.ts';

/**
 * Applies an event log's messages to one EventStore, in order, one at a time, and
 * answers each through `send`: the body of the log's writer, whether it runs on its
 * own thread (event-log-worker.ts) or on the driver's (EventLog's default). Owns its
 * queue, not the store.
 */
export class EventLogSink {
  private readonly queue: EventLogToWriter[] = [];
  private busy = false;

  constructor(
    private readonly store: EventStore,
    private readonly send: (m: EventLogFromWriter) => void,
  ) {}

  post(m: EventLogToWriter): void {
    this.queue.push(m);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const { store, send } = this;
    while (this.queue.length > 0) {
      const m = this.queue.shift()!;
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
    this.busy = false;
  }
}
