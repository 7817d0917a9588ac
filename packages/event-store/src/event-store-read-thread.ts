import { Worker } from 'node:worker_threads';
import { EventStoreError, type EventStoreErrorCode } from './event-store-error.ts';
import type { EventStore } from './event-store.ts';
import type { TaskSortKey } from './event-store-types.ts';
import type { EventStoreReads, ReadMethod } from './event-store-reads.ts';

/** @internal Messages between an EventStoreReadThread and its worker. */
export interface ReadThreadInit {
  dbPath: string;
  /** A fixed time for running durations (tests); absent: the clock. */
  fixedNow?: number;
}
/** @internal */
export type ReadThreadToWorker =
  | { type: 'call'; id: number; method: ReadMethod; args: unknown[] }
  | { type: 'precompute'; appId: string; stageId: number; attempt: number }
  /** Queued by the worker itself after a large attempt's precomputation. */
  | { type: 'keepOrders'; appId: string; stageId: number; attempt: number; columns: readonly TaskSortKey[] }
  | { type: 'close' };
/** @internal */
export type ReadThreadFromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; code: EventStoreErrorCode | null; message: string };

type Reads = { [M in ReadMethod]: (...a: Parameters<EventStore[M]>) => Promise<Awaited<ReturnType<EventStore[M]>>> };

/**
 * The event store's reads, answered by a worker thread with its own connection to the
 * file, so that a slow query (a stage's quantiles over 100,000 rows, a first sort by an
 * unindexed metric) takes that thread's time and never the caller's event loop: the
 * master keeps taking heartbeats and event batches meanwhile. Answers are what the
 * same EventStore method answers (structured-cloned); errors keep their EventStoreError
 * code. Calls are served one at a time in arrival order, ahead of queued
 * precomputations.
 *
 * Owns its worker; `close()` is idempotent and fails the calls still waiting (CLOSED).
 * Used from one thread.
 */
export class EventStoreReadThread implements EventStoreReads {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed = false;
  private failure: string | null = null;
  private readonly exited: Promise<number>;
  /** Attempts whose precomputation was posted and not yet asked again (the worker skips a done one cheaply). */
  private readonly precomputed = new Set<string>();

  private constructor(
    private readonly worker: Worker,
    readonly dbPath: string,
  ) {
    this.exited = new Promise((resolve) => worker.on('exit', resolve));
    worker.on('message', (m: ReadThreadFromWorker) => {
      if (m.type !== 'result' && m.type !== 'error') return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.type === 'result') w.resolve(m.value);
      else w.reject(new EventStoreError(m.code ?? 'IO', m.message));
    });
    worker.on('error', (e) => {
      this.failure = e.message;
    });
    void this.exited.then((code) => {
      this.closed = true;
      const why = this.failure ?? `it exited (code ${code})`;
      for (const w of this.waiting.values()) w.reject(new EventStoreError('CLOSED', `the event store read thread for ${dbPath} stopped: ${why}`));
      this.waiting.clear();
    });
  }

  /** Starts the thread and waits until its connection is open (its migrations checked). */
  static async open(dbPath: string, opts: { fixedNow?: number } = {}): Promise<EventStoreReadThread> {
    const entry = import.meta.url.endsWith('.ts') ? './event-store-read-worker-entry.mjs' : './event-store-read-worker.js';
    const worker = new Worker(new URL(entry, import.meta.url), { workerData: { dbPath, fixedNow: opts.fixedNow } satisfies ReadThreadInit });
    const first = await new Promise<ReadThreadFromWorker | Error>((resolve) => {
      worker.once('message', resolve);
      worker.once('error', resolve);
      worker.once('exit', (code) => resolve(new Error(`exit code ${code}`)));
    });
    if (first instanceof Error || first.type !== 'ready') {
      await worker.terminate();
      const why = first instanceof Error ? first.message : first.type === 'failed' ? first.message : first.type;
      throw new EventStoreError('IO', `cannot start the event store read thread for ${dbPath}: ${why}`);
    }
    worker.unref();
    return new EventStoreReadThread(worker, dbPath);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Asks the thread to compute and keep an ended stage attempt's aggregates (totals,
   * per-executor metrics, exact quantiles) now, so the first page that shows the stage
   * reads them from its row. Fire and forget; calls pass ahead of it.
   */
  precomputeStage(appId: string, stageId: number, attempt: number): void {
    if (this.closed) return;
    const k = `${appId}\u0000${stageId}\u0000${attempt}`;
    if (this.precomputed.size > 10_000) this.precomputed.clear();
    this.precomputed.add(k);
    this.worker.postMessage({ type: 'precompute', appId, stageId, attempt } satisfies ReadThreadToWorker);
  }

  /** Ends the thread after the calls already posted; idempotent. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.worker.postMessage({ type: 'close' } satisfies ReadThreadToWorker);
      const t = setTimeout(() => void this.worker.terminate(), 5_000);
      await this.exited;
      clearTimeout(t);
    }
    await this.exited;
  }

  private call<M extends ReadMethod>(method: M, args: Parameters<Reads[M]>): ReturnType<Reads[M]> {
    if (this.closed) return Promise.reject(new EventStoreError('CLOSED', `the event store read thread for ${this.dbPath} is closed`)) as ReturnType<Reads[M]>;
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'call', id, method, args } satisfies ReadThreadToWorker);
    }) as ReturnType<Reads[M]>;
  }

  listApps(...a: Parameters<EventStore['listApps']>) {
    return this.call('listApps', a);
  }
  getApp(...a: Parameters<EventStore['getApp']>) {
    return this.call('getApp', a);
  }
  listJobs(...a: Parameters<EventStore['listJobs']>) {
    return this.call('listJobs', a);
  }
  getJob(...a: Parameters<EventStore['getJob']>) {
    return this.call('getJob', a);
  }
  listStages(...a: Parameters<EventStore['listStages']>) {
    return this.call('listStages', a);
  }
  getStage(...a: Parameters<EventStore['getStage']>) {
    return this.call('getStage', a);
  }
  listTasks(...a: Parameters<EventStore['listTasks']>) {
    return this.call('listTasks', a);
  }
  stageTimeline(...a: Parameters<EventStore['stageTimeline']>) {
    return this.call('stageTimeline', a);
  }
  listExecutors(...a: Parameters<EventStore['listExecutors']>) {
    return this.call('listExecutors', a);
  }
  getExecutor(...a: Parameters<EventStore['getExecutor']>) {
    return this.call('getExecutor', a);
  }
  listCachedRdds(...a: Parameters<EventStore['listCachedRdds']>) {
    return this.call('listCachedRdds', a);
  }
  changesSince(...a: Parameters<EventStore['changesSince']>) {
    return this.call('changesSince', a);
  }
  latestCursor() {
    return this.call('latestCursor', []);
  }
}
