import type { MasterProtocol } from '@flint/core/protocol';

type Req<K extends keyof MasterProtocol> = MasterProtocol[K]['request'];
type Res<K extends keyof MasterProtocol> = MasterProtocol[K]['response'];

/**
 * Everything that can change the master's state. Anyone may post one to the
 * `MasterEventLoop`; only the loop acts on them, one at a time, in order.
 */
export type MasterEvent =
  | { type: 'registerWorker'; msg: Req<'registerWorker'> }
  | { type: 'workerHeartbeat'; msg: Req<'workerHeartbeat'> }
  | { type: 'executorStateChanged'; msg: Req<'executorStateChanged'> }
  | { type: 'registerApplication'; msg: Req<'registerApplication'>; peerId: string }
  | { type: 'unregisterApplication'; msg: Req<'unregisterApplication'> }
  | { type: 'driverHeartbeat'; msg: Req<'driverHeartbeat'>; peerId: string }
  /** A client connection to the master ended; `lost` when the peer vanished rather than closed. */
  | { type: 'peerClosed'; peerId: string; lost: boolean }
  /** A worker refused, or could not be asked, to launch an executor. */
  | { type: 'launchFailed'; appId: string; executorId: string; reason: string }
  /** Declares silent workers dead and silent drivers' applications failed. */
  | { type: 'checkTimeouts' }
  | { type: 'clusterState' }
  /** Someone with the right (the API's apps.kill) ends a live application and its executors. */
  | { type: 'killApplication'; appId: string; reason: string };

export type MasterEventType = MasterEvent['type'];

/** What posting each event resolves with. */
export interface MasterEventResults {
  registerWorker: Res<'registerWorker'>;
  workerHeartbeat: Res<'workerHeartbeat'>;
  executorStateChanged: void;
  registerApplication: Res<'registerApplication'>;
  unregisterApplication: Res<'unregisterApplication'>;
  driverHeartbeat: Res<'driverHeartbeat'>;
  peerClosed: void;
  launchFailed: void;
  checkTimeouts: void;
  clusterState: Res<'clusterState'>;
  killApplication: { killed: boolean; message: string };
}
