/**
 * @flint/api — the typed API of a Flint master (and of `flint history`).
 * Servers: `createFlintHttpHandler` / `listenFlintHttp` over a `FlintQueries`.
 * Clients: `createFlintClient` and the `AppRouter` / `RouterOutputs` types.
 */
export * from './queries.ts';
export { appRouter, createCaller, type AppRouter, type RouterInputs, type RouterOutputs } from './root.ts';
export { type ApiCaller, type ApiContext, SSE_PING_MS } from './trpc.ts';
export { createFlintClient, type FlintClient, type FlintClientOptions } from './client.ts';
export { createFlintHttpHandler, listenFlintHttp, isLoopbackHost, DEFAULT_CSP, SESSION_COOKIE, type FlintHttpOptions, type FlintHttpServer, type HttpRoute } from './http-server.ts';
export { InMemoryFlintQueries, fieldOf, type EventLike, type ClusterSnapshotLike, type InMemoryFlintQueriesOptions, type StageInfoLike, type TaskInfoLike, type MetricsLike } from './in-memory-queries.ts';
export { LIVE_POLL_MS, type LiveBatch } from './routers/events.ts';
export { MAX_LOG_READ } from './routers/logs.ts';
export { TimelineCache, timelineCacheFor, type TimelineCacheOptions, type TimedTimelineView } from './timeline-cache.ts';
export {
  TimelineIndex,
  MIN_TASK_PX,
  TIMELINE_PHASES,
  TIMELINE_FAILED,
  TIMELINE_FLAGGED,
  TIMELINE_RUNNING,
  TIMELINE_VIEW_MAX_LANES,
  TIMELINE_VIEW_MAX_WIDTH,
  type TimelineFlagThresholds,
  type TimelinePhase,
  type TimelineView,
  type TimelineViewQuery,
} from './timeline-index.ts';
