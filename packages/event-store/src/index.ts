/**
 * @flint/event-store — every listener event of every application in one SQLite
 * file: used by the master (events shipped by drivers) and by local-mode
 * drivers (their own event log). See EventStore for the queries and
 * event-store-types.ts for the shapes they answer with.
 */
export { EventStore, KEPT_SORT_KEYS, MAX_BATCH_EVENTS, type EventStoreOptions } from './event-store.ts';
export { EventStoreError, type EventStoreErrorCode } from './event-store-error.ts';
export { taskPhases, nearestRankQuantiles } from './task-phases.ts';
export { redactSecrets, REDACTED_VALUE } from './redact.ts';
export * from './event-store-types.ts';
export { syntheticApplication, syntheticTaskEnd, type SyntheticApplicationOptions } from './synthetic-application.ts';
export { measureInsertPaths, type InsertPathsResult } from './insert-paths-benchmark.ts';
export { EventLog, defaultEventLogDir, eventLogFile, type EventLogOptions } from './event-log.ts';
export { EventStoreReadThread } from './event-store-read-thread.ts';
export type { EventStoreReads } from './event-store-reads.ts';
