/**
 * @flint/scheduler — SchedulerBackend implementations: `local[N]` (worker
 * threads in the driver) and standalone (executors from a master).
 */
import { registerSchedulerBackend, type SchedulerBackend } from '@flint/core';
import { LocalBackend, parseLocalMaster } from './local-backend.ts';

export { LocalBackend, parseLocalMaster, LOCAL_EXECUTOR_ID } from './local-backend.ts';

/** Creates the backend for a master URL, or null when it is not one of ours. */
export function createSchedulerBackend(master: string, _conf: Record<string, unknown>): SchedulerBackend | null {
  const n = parseLocalMaster(master);
  if (n !== null) return new LocalBackend(n);
  return null;
}

registerSchedulerBackend(createSchedulerBackend);
