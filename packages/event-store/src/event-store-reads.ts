import type { EventStore } from './event-store.ts';

/**
 * The read side of an event store: what the API asks. `EventStore` answers it on the
 * thread that holds it; `EventStoreReadThread` answers it from a worker thread with its
 * own connection, so a slow query never holds the caller's event loop.
 */
export type EventStoreReads = {
  readonly dbPath: string;
  readonly isClosed: boolean;
} & { [M in ReadMethod]: SyncOrAsync<EventStore[M]> };

/** A method that may answer at once or with a promise of the same value: callers await it. */
type SyncOrAsync<F> = F extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> | Awaited<R> : never;

/** The methods a read thread serves (every one of EventStoreReads but the two properties). */
export const READ_METHODS = [
  'listApps',
  'getApp',
  'listJobs',
  'getJob',
  'listStages',
  'getStage',
  'listTasks',
  'stageTimeline',
  'listExecutors',
  'getExecutor',
  'listCachedRdds',
  'changesSince',
  'latestCursor',
] as const satisfies ReadonlyArray<keyof EventStore>;
export type ReadMethod = (typeof READ_METHODS)[number];
