/**
 * @flint/cluster-worker — the worker daemon of a standalone Flint cluster:
 * registers with the master, launches and kills executor processes, keeps
 * their records; its environment and the `worker` command. The process entry
 * is src/main.ts (`WORKER_MAIN`, run by apps/worker); the executor process
 * entry is src/executor-main.ts.
 */
import { fileURLToPath } from 'node:url';

export { Worker, startWorker, type WorkerState } from './worker.ts';
export {
  compileWorkerOptions,
  parseMasterUrl,
  parseMemoryMb,
  DEFAULT_EXECUTOR_ENTRY,
  DEFAULT_WORK_DIR,
  type WorkerOptions,
  type CompiledWorkerOptions,
} from './worker-options.ts';
export { ExecutorRunner, executorCommand, executorEnv, TSX_LOADER_URL, type ExecutorLaunchSpec, type ExecutorChange } from './executor-runner.ts';
export { MasterLink, type MasterLinkOptions, type MasterLinkState } from './master-link.ts';
export { StoreError, type WorkerStore, type ExecutorRunRecord } from './store/worker-store.ts';
export { InMemoryWorkerStore } from './store/in-memory-worker-store.ts';
export { PrismaWorkerStore, defaultWorkerDb } from './store/prisma-worker-store.ts';
export { workerCommand, runWorkerCommand } from './worker-command.ts';
export { readWorkerEnv, type WorkerEnv } from './env.ts';

/** A stand-in executor entry for tests: prints its environment and sleeps (see src/testing/stub-executor.ts). */
export const STUB_EXECUTOR_ENTRY = fileURLToPath(new URL('./testing/stub-executor.ts', import.meta.url));
/** The worker daemon's entry module (what `flint worker` runs): for starting workers as child processes. */
export const WORKER_MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
