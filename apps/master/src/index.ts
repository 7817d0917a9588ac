/**
 * @flint/master — the master daemon of a standalone Flint cluster, its state
 * stores, and the local cluster used by the CLI and the integration tests.
 */
export { Master, startMaster, type MasterState } from './master.ts';
export { compileMasterOptions, MASTER_DEFAULTS, type MasterOptions, type CompiledMasterOptions } from './master-options.ts';
export { MasterEventLoop, type MasterEventLoopDeps, type MasterEventLoopSettings } from './master-event-loop.ts';
export type { MasterEvent, MasterEventResults, MasterEventType } from './master-event.ts';
export { allocateExecutors, type AllocationRequest, type AllocatorWorker, type ExecutorAllocation } from './executor-allocator.ts';
export { TransportClusterMessenger, type ClusterMessenger } from './cluster-messenger.ts';
export {
  StoreError,
  type MasterStore,
  type MasterSnapshot,
  type WorkerRecord,
  type ApplicationRecord,
  type ExecutorRecord,
  type StoredWorkerState,
} from './store/master-store.ts';
export { InMemoryMasterStore } from './store/in-memory-master-store.ts';
export { PrismaMasterStore, DEFAULT_MASTER_DB } from './store/prisma-master-store.ts';
export { startHistoryServer, historyCommand, DEFAULT_EVENT_LOG_DIR, type HistoryServer, type HistoryServerOptions } from './history-command.ts';
export { MasterFlintQueries, type MasterQueriesDeps } from './api/master-queries.ts';
export { LocalCluster, type LocalClusterOptions, type DaemonInfo } from './local-cluster.ts';
export { loadUiHandler, isPublicUiPath, defaultUiDir, UiUnavailableError, type UiHandler } from './ui-handler.ts';
