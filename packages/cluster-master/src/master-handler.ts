import { type TransportHandler, messageHandler } from '@flint/core/transport';
import { type MasterProtocol, MasterMessages } from '@flint/core/protocol';
import { unpackEvents } from '@flint/core/internal';
import type { EventStore } from '@flint/event-store';
import type { DaemonLogger as Logger } from '@flint/daemon';
import { DaemonError } from '@flint/daemon';
import type { MasterEventLoop } from './master-event-loop.ts';

/**
 * The master's side of `MasterProtocol`: every inbound message is checked
 * against its schema from the catalogue at the network edge (MasterMessages)
 * and then posted to the event loop. A malformed request fails back to its
 * sender with INVALID_MESSAGE and no handler runs; a malformed one-way message
 * is logged by the transport and dropped. Stateless. Event batches (`appEvents`) go
 * straight to the event store, not through the loop: storing them touches no
 * cluster state, and the loop keeps serving while a batch is written.
 */
export function masterHandler(loop: MasterEventLoop, log: Logger, events?: EventStore): TransportHandler {
  const executorStateChanged = (msg: MasterProtocol['executorStateChanged']['request']) => loop.post({ type: 'executorStateChanged', msg });
  const appEvents = async (msg: MasterProtocol['appEvents']['request']) => {
    let unpacked: Record<string, unknown>[];
    try {
      unpacked = unpackEvents(msg.events);
    } catch (err) {
      throw new DaemonError('INVALID_MESSAGE', `malformed appEvents message: ${(err as Error).message}`);
    }
    if (!events) return { storedThrough: 0 };
    const r = await events.ingest(msg.appId, msg.firstSeq, unpacked);
    if (r.gap) {
      log.warn(
        { event: 'eventsGap', appId: msg.appId, firstSeq: msg.firstSeq, storedThrough: r.storedThrough },
        `events of ${msg.appId} from #${msg.firstSeq} refused: #${r.storedThrough + 1} has not arrived; the driver resends from there`,
      );
    }
    return { storedThrough: r.storedThrough };
  };
  const driverHeartbeat = (msg: MasterProtocol['driverHeartbeat']['request'], peerId: string) => {
    if (events && msg.eventsPosted !== undefined) {
      try {
        events.recordEventsPosted(msg.appId, msg.eventsPosted);
      } catch (err) {
        log.warn({ event: 'eventStoreError', appId: msg.appId, err: (err as Error).message }, `cannot record events posted by ${msg.appId}: ${(err as Error).message}`);
      }
    }
    return loop.post({ type: 'driverHeartbeat', msg, peerId });
  };
  const oneWay = <M>(kind: string, fn: (m: M) => unknown) => async (m: M) => {
    try {
      await fn(m);
    } catch (err) {
      log.warn({ kind, err: (err as Error).message }, `dropped a ${kind} message: ${(err as Error).message}`);
    }
  };
  return messageHandler<MasterProtocol>(
    {
      requests: {
        registerWorker: (msg) => loop.post({ type: 'registerWorker', msg }),
        workerHeartbeat: (msg) => loop.post({ type: 'workerHeartbeat', msg }),
        executorStateChanged,
        registerApplication: (msg, peer) => loop.post({ type: 'registerApplication', msg, peerId: peer.id }),
        unregisterApplication: (msg) => loop.post({ type: 'unregisterApplication', msg }),
        driverHeartbeat: (msg, peer) => driverHeartbeat(msg, peer.id),
        appEvents,
        clusterState: () => loop.post({ type: 'clusterState' }),
      },
      messages: {
        executorStateChanged: oneWay('executorStateChanged', executorStateChanged),
        appEvents: oneWay('appEvents', appEvents),
      },
    },
    { schemas: MasterMessages },
  );
}
