/**
 * @flint/core — the driver's API: FlintContext and its options, RDD and its
 * types, partitioners, storage levels, broadcasts and accumulators, settings,
 * the errors a driver catches, key ordering, listener events and the bus, the
 * Logger interface, and the SchedulerBackend interface a backend package
 * implements (`registerSchedulerBackend`).
 *
 * Named entries hold the rest: `@flint/core/transport` (the Transport seam and
 * the plumbing a transport package uses), `@flint/core/protocol` (the message
 * catalogue of Flint's processes), `@flint/core/internal` (what Flint's own
 * packages share and applications should not use), `@flint/core/testing`,
 * `@flint/core/backend-contract` and `@flint/core/transport-conformance`
 * (suites for implementations).
 */
export { FlintContext, registerSchedulerBackend, type FlintContextOptions } from './context.ts';
export { compileSettings, compileSetting, closestSettingKey, parseSize, parseTime, type FlintSettings, type CompileSettingsOptions } from './conf.ts';
export { FLINT_SETTINGS, type FlintSettingKey, type FlintSettingField, type SettingSpec, type SettingsEnvironment } from './settings-schema.ts';
export {
  RDD,
  type Env,
  type Dependency,
  type NarrowDependency,
  type ShuffleDependency,
} from './rdd/rdd.ts';
export type { TaskLocation } from './scheduler/lineage.ts';
export { Partitioner, HashPartitioner, RangePartitioner, FunctionPartitioner } from './rdd/partitioner.ts';
export type { PlanNode, Split, BlockRef, StagePlan, PartitionerSpec, AggregatorSpec } from './plan/plan.ts';
export { StorageLevel, type StorageLevelName } from './storage/storage-level.ts';
export { Broadcast, Accumulator } from './shared-vars.ts';
export { moduleRef, ModuleRef, type FnSpec } from './closure/ship.ts';
export { StatCounter } from './util/stat-counter.ts';
export { TELEMETRY_SCOPE, formatTraceParent, parseTraceParent } from './telemetry/tracing.ts';
export {
  FlintError,
  FlintErrorCode,
  ClosureError,
  JobFailedError,
  JobCancelledError,
  FetchFailedError,
  toError,
} from './errors.ts';
export { hashKey, canonicalKey, keyEquals } from './keys/key-hash.ts';
export { compareKeys, orderingBy } from './keys/ordering.ts';
export { KeyMap } from './keys/key-map.ts';
export type { FlintEvent, FlintEventType, StageInfo, TaskInfo, RddInfo, TaskEndReason } from './listener/events.ts';
export { ListenerBus, type FlintListener } from './listener/listener-bus.ts';
export { ConsoleProgressBar } from './ui/console-progress-bar.ts';
export type { TaskMetrics } from './executor/task-metrics.ts';
export type { TaskDescription, TaskOutcome, TaskFailureReason } from './executor/task-description.ts';
export type {
  SchedulerBackend,
  SchedulerBackendContext,
  BroadcastSource,
  SchedulerBackendFactory,
  TaskSchedulerPort,
  WorkerOffer,
  ExecutorDescription,
  TaskLaunch,
} from './scheduler/scheduler-backend.ts';
export type { MapStatus } from './scheduler/map-output-tracker.ts';
export type { StageFailure, FetchFailure, ExecutorExit } from './scheduler/stage-failure.ts';
export { type Logger, type LogFields, silentLogger, lineLogger, stderrLogger, processWarningLogger } from './logging/logger.ts';
