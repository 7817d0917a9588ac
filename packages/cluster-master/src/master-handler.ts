import { type TransportHandler, messageHandler } from '@flint/core/transport';
import {
  type MasterProtocol,
  AppEventsMessage,
  ClusterStateRequest,
  DriverHeartbeatRequest,
  ExecutorStateChangedMessage,
  RegisterApplicationRequest,
  RegisterWorkerRequest,
  UnregisterApplicationRequest,
  WorkerHeartbeatRequest,
} from '@flint/core/protocol';
import { unpackEvents } from '@flint/core/internal';
import type { EventStore } from '@flint/event-store';
import type { DaemonLogger as Logger } from '@flint/daemon';
import { DaemonError } from '@flint/daemon';
import type { MasterEventLoop } from './master-event-loop.ts';
import { parseMessage } from '@flint/daemon';

/**
 * The master's side of `MasterProtocol`: validates every inbound message with
 * its schema from the catalogue and posts it to the event loop. A malformed
 * request fails back to its sender with INVALID_MESSAGE; a malformed one-way
 * message is logged and dropped. Stateless. Event batches (`appEvents`) go
 * straight to the event store, not through the loop: storing them touches no
 * cluster state, and the loop keeps serving while a batch is written.
 */
export function masterHandler(loop: MasterEventLoop, log: Logger, events?: EventStore): TransportHandler {
  const executorStateChanged = (m: unknown) => loop.post({ type: 'executorStateChanged', msg: parseMessage('executorStateChanged', ExecutorStateChangedMessage, m) });
  const appEvents = async (m: unknown) => {
    const msg = parseMessage('appEvents', AppEventsMessage, m);
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
  const driverHeartbeat = (m: unknown, peerId: string) => {
    const msg = parseMessage('driverHeartbeat', DriverHeartbeatRequest, m);
    if (events && msg.eventsPosted !== undefined) {
      try {
        events.recordEventsPosted(msg.appId, msg.eventsPosted);
      } catch (err) {
        log.warn({ event: 'eventStoreError', appId: msg.appId, err: (err as Error).message }, `cannot record events posted by ${msg.appId}: ${(err as Error).message}`);
      }
    }
    return loop.post({ type: 'driverHeartbeat', msg, peerId });
  };
  const oneWay = (kind: string, fn: (m: unknown) => unknown) => async (m: unknown) => {
    try {
      await fn(m);
    } catch (err) {
      log.warn({ kind, err: (err as Error).message }, `dropped a ${kind} message: ${(err as Error).message}`);
    }
  };
  return messageHandler<MasterProtocol>({
    requests: {
      registerWorker: (m) => loop.post({ type: 'registerWorker', msg: parseMessage('registerWorker', RegisterWorkerRequest, m) }),
      workerHeartbeat: (m) => loop.post({ type: 'workerHeartbeat', msg: parseMessage('workerHeartbeat', WorkerHeartbeatRequest, m) }),
      executorStateChanged,
      registerApplication: (m, peer) => loop.post({ type: 'registerApplication', msg: parseMessage('registerApplication', RegisterApplicationRequest, m), peerId: peer.id }),
      unregisterApplication: (m) => loop.post({ type: 'unregisterApplication', msg: parseMessage('unregisterApplication', UnregisterApplicationRequest, m) }),
      driverHeartbeat: (m, peer) => driverHeartbeat(m, peer.id),
      appEvents,
      clusterState: (m) => {
        parseMessage('clusterState', ClusterStateRequest, m ?? {});
        return loop.post({ type: 'clusterState' });
      },
    },
    messages: {
      executorStateChanged: oneWay('executorStateChanged', executorStateChanged),
      appEvents: oneWay('appEvents', appEvents),
    },
  });
}
