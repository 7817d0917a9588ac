/**
 * @flint/cluster-master — the master daemon of a standalone Flint cluster:
 * its event loop, state stores, cluster RPC, the API and UI it serves, its
 * environment, and the `master` and `history` commands. The process entry is
 * src/main.ts (`MASTER_MAIN`); apps/master runs it.
 */
import { fileURLToPath } from 'node:url';

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
export { masterCommand, runMasterCommand } from './master-command.ts';
export { readMasterEnv, type MasterEnv } from './env.ts';
export { startHistoryServer, historyCommand, DEFAULT_EVENT_LOG_DIR, type HistoryServer, type HistoryServerOptions } from './history-command.ts';
export { MasterFlintQueries, type MasterQueriesDeps } from './api/master-queries.ts';
export { loadUiHandler, isPublicUiPath, defaultUiDir, UiUnavailableError, type UiHandler } from './ui-handler.ts';

/** The master daemon's entry module (what `flint master` runs): for starting masters as child processes. */
export const MASTER_MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
