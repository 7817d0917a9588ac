import {
  type ApplicationRecord,
  type ExecutorRecord,
  type MasterSnapshot,
  type MasterStore,
  type WorkerRecord,
  StoreError,
  compareApplications,
  compareExecutors,
  compareWorkers,
} from './master-store.ts';

/**
 * A `MasterStore` in process memory, for tests and for masters that need no
 * recovery. Copies records in and out so callers cannot alias its state.
 */
export class InMemoryMasterStore implements MasterStore {
  readonly description = 'in-memory store';
  private readonly workers = new Map<string, WorkerRecord>();
  private readonly applications = new Map<string, ApplicationRecord>();
  private readonly executors = new Map<string, ExecutorRecord>();
  private closed = false;

  async load(): Promise<MasterSnapshot> {
    this.assertOpen();
    return {
      workers: [...this.workers.values()].map(copy).sort(compareWorkers),
      applications: [...this.applications.values()].map(copyApp).sort(compareApplications),
      executors: [...this.executors.values()].map(copy).sort(compareExecutors),
    };
  }

  async saveWorker(worker: WorkerRecord): Promise<void> {
    this.assertOpen();
    this.workers.set(worker.workerId, copy(worker));
  }

  async saveApplication(app: ApplicationRecord): Promise<void> {
    this.assertOpen();
    this.applications.set(app.appId, copyApp(app));
  }

  async saveExecutor(executor: ExecutorRecord): Promise<void> {
    this.assertOpen();
    if (!this.applications.has(executor.appId)) {
      throw new StoreError('MISSING_REFERENCE', `executor ${executor.executorId} names application ${executor.appId}, which is not stored: save the application first`);
    }
    if (!this.workers.has(executor.workerId)) {
      throw new StoreError('MISSING_REFERENCE', `executor ${executor.executorId} names worker ${executor.workerId}, which is not stored: save the worker first`);
    }
    this.executors.set(`${executor.appId}\u0000${executor.executorId}`, copy(executor));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('CLOSED', 'the in-memory master store is closed');
  }
}

function copy<T extends object>(r: T): T {
  return { ...r };
}

function copyApp(a: ApplicationRecord): ApplicationRecord {
  return { ...a, conf: structuredClone(a.conf) };
}
