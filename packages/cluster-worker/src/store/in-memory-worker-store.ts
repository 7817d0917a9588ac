import { type ExecutorRunRecord, type WorkerStore, StoreError, compareRuns } from './worker-store.ts';

/** A `WorkerStore` in process memory (tests, throwaway workers); copies records in and out. */
export class InMemoryWorkerStore implements WorkerStore {
  readonly description = 'in-memory store';
  private readonly runs = new Map<string, ExecutorRunRecord>();
  private closed = false;

  async load(): Promise<ExecutorRunRecord[]> {
    this.assertOpen();
    return [...this.runs.values()].map((r) => ({ ...r })).sort(compareRuns);
  }

  async saveExecutor(run: ExecutorRunRecord): Promise<void> {
    this.assertOpen();
    this.runs.set(`${run.appId}\u0000${run.executorId}`, { ...run });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('CLOSED', 'the in-memory worker store is closed');
  }
}
