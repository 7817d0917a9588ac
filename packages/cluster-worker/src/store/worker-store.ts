import type { ExecutorState } from '@flint/core/protocol';
export { StoreError } from '@flint/daemon/sqlite';

/** One executor process this worker launched. Times are milliseconds since the epoch. */
export interface ExecutorRunRecord {
  appId: string;
  executorId: string;
  /** Null until the process has started (or when it never did). */
  pid: number | null;
  state: ExecutorState;
  cores: number;
  memoryMb: number;
  workDir: string;
  stdoutPath: string;
  stderrPath: string;
  startedAt: number;
  endedAt: number | null;
  exitCode: number | null;
  message: string | null;
}

/**
 * Durable record of a worker's executors: what ran, where its logs are, how
 * it ended. Owns the storage only; the `Worker` decides and writes every
 * change through here. Saves are upserts keyed by (appId, executorId); each
 * call is atomic and calls may overlap.
 */
export interface WorkerStore {
  readonly description: string;
  /** Every executor stored, oldest first. */
  load(): Promise<ExecutorRunRecord[]>;
  saveExecutor(run: ExecutorRunRecord): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

export function compareRuns(a: ExecutorRunRecord, b: ExecutorRunRecord): number {
  if (a.startedAt !== b.startedAt) return a.startedAt - b.startedAt;
  if (a.appId !== b.appId) return a.appId < b.appId ? -1 : 1;
  const na = Number(a.executorId);
  const nb = Number(b.executorId);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a.executorId < b.executorId ? -1 : a.executorId > b.executorId ? 1 : 0;
}
