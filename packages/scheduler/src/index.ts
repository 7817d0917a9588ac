/**
 * @flint/scheduler — SchedulerBackend implementations: `local[N]` (worker
 * threads in the driver) and standalone (executors from a master).
 */
import { registerSchedulerBackend, type FlintSettings, type SchedulerBackend } from '@flint/core';
import { LocalBackend, parseLocalMaster } from './local-backend.ts';
import { StandaloneBackend, parseStandaloneMaster } from './standalone-backend.ts';
import { LocalClusterBackend, parseLocalClusterMaster } from './local-cluster-backend.ts';

export { LocalBackend, parseLocalMaster, LOCAL_EXECUTOR_ID } from './local-backend.ts';
export { StandaloneBackend, parseStandaloneMaster } from './standalone-backend.ts';
export { LocalClusterBackend, parseLocalClusterMaster } from './local-cluster-backend.ts';

/** Creates the backend for a master URL, or null when it is not one of ours. */
export function createSchedulerBackend(master: string, settings: FlintSettings): SchedulerBackend | null {
  const n = parseLocalMaster(master);
  if (n !== null) return new LocalBackend(n);
  if (parseStandaloneMaster(master)) return new StandaloneBackend(master, settings);
  const lc = parseLocalClusterMaster(master);
  if (lc) return new LocalClusterBackend(lc, settings);
  return null;
}

registerSchedulerBackend(createSchedulerBackend);
