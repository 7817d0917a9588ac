import {
  type MasterProtocol,
  type TransportHandler,
  AppEventsMessage,
  ClusterStateRequest,
  DriverHeartbeatRequest,
  ExecutorStateChangedMessage,
  RegisterApplicationRequest,
  RegisterWorkerRequest,
  UnregisterApplicationRequest,
  WorkerHeartbeatRequest,
  messageHandler,
} from '@flint/core';
import type { Logger } from './logger.ts';
import type { MasterEventLoop } from './master-event-loop.ts';
import { parseMessage } from './message-validation.ts';

/**
 * The master's side of `MasterProtocol`: validates every inbound message with
 * its schema from the catalogue and posts it to the event loop. A malformed
 * request fails back to its sender with INVALID_MESSAGE; a malformed one-way
 * message is logged and dropped. Stateless.
 */
export function masterHandler(loop: MasterEventLoop, log: Logger): TransportHandler {
  const executorStateChanged = (m: unknown) => loop.post({ type: 'executorStateChanged', msg: parseMessage('executorStateChanged', ExecutorStateChangedMessage, m) });
  const appEvents = (m: unknown) => {
    const msg = parseMessage('appEvents', AppEventsMessage, m);
    log.debug({ appId: msg.appId, firstSeq: msg.firstSeq, events: msg.events.length }, `app events from ${msg.appId} (not stored by this master)`);
    return { storedThrough: 0 };
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
      driverHeartbeat: (m, peer) => loop.post({ type: 'driverHeartbeat', msg: parseMessage('driverHeartbeat', DriverHeartbeatRequest, m), peerId: peer.id }),
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
