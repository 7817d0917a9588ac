import type { AppState, ExecutorState } from '@flint/core/protocol';
export { StoreError } from '@flint/daemon/sqlite';

/** Worker states that are stored (UNKNOWN exists only in memory, after a restart). */
export type StoredWorkerState = 'ALIVE' | 'DEAD' | 'DECOMMISSIONED';

/** Times are milliseconds since the epoch. */
export interface WorkerRecord {
  workerId: string;
  host: string;
  /** host:port of the worker's transport server. */
  address: string;
  cores: number;
  memoryMb: number;
  webPort: number | null;
  state: StoredWorkerState;
  registeredAt: number;
  lastHeartbeat: number;
  endedAt: number | null;
}

export interface ApplicationRecord {
  appId: string;
  name: string;
  user: string;
  driverAddress: string;
  coresPerExecutor: number | null;
  memoryPerExecutorMb: number;
  maxCores: number | null;
  transport: string;
  conf: Record<string, unknown>;
  state: AppState;
  submittedAt: number;
  endedAt: number | null;
  endReason: string | null;
  /** Abnormal executor exits since the application last had a running executor. */
  executorFailures: number;
}

export interface ExecutorRecord {
  appId: string;
  executorId: string;
  workerId: string;
  cores: number;
  memoryMb: number;
  state: ExecutorState;
  launchedAt: number;
  endedAt: number | null;
  exitCode: number | null;
  message: string | null;
}

/** Everything a master stored, in a stable order (by start time, then id). */
export interface MasterSnapshot {
  workers: WorkerRecord[];
  applications: ApplicationRecord[];
  executors: ExecutorRecord[];
}

/**
 * Durable cluster state of a master: workers, applications and executors.
 *
 * Owns the storage; does not decide anything — the master's event loop keeps
 * the live state in memory and writes every change through here, so a
 * restarted master can recover. Saves are upserts of whole records. An
 * executor names an application and a worker that must already be saved
 * (`StoreError` otherwise). Calls may overlap; each call is atomic.
 */
export interface MasterStore {
  /** What `InMemory…` / `Prisma…` this is, for log lines. */
  readonly description: string;
  load(): Promise<MasterSnapshot>;
  saveWorker(worker: WorkerRecord): Promise<void>;
  saveApplication(app: ApplicationRecord): Promise<void>;
  saveExecutor(executor: ExecutorRecord): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

export function compareWorkers(a: WorkerRecord, b: WorkerRecord): number {
  return a.registeredAt - b.registeredAt || (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0);
}

export function compareApplications(a: ApplicationRecord, b: ApplicationRecord): number {
  return a.submittedAt - b.submittedAt || (a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : 0);
}

/** Executor ids are decimal counters per application: compare them as numbers when they are. */
export function compareExecutors(a: ExecutorRecord, b: ExecutorRecord): number {
  if (a.appId !== b.appId) return a.appId < b.appId ? -1 : 1;
  const na = Number(a.executorId);
  const nb = Number(b.executorId);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a.executorId < b.executorId ? -1 : a.executorId > b.executorId ? 1 : 0;
}
