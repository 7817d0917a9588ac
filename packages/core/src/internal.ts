/**
 * @flint/core/internal — what Flint's own packages (backends, daemons, the event
 * store, the API) share with core and applications should not use: the event
 * packing of the driver-to-master protocol, the names of the task metrics, and
 * the executor runtime (the thread pool of local mode, the executor process a
 * worker starts), value serialization, and the handling of secrets (redacting
 * settings for display, the cluster secret's file).
 * No compatibility promise; the public API is `@flint/core`.
 */
export { packEvents, unpackEvents, TASK_INFO_KEYS } from './protocol/event-packing.ts';
export { TASK_METRIC_NAMES, TASK_PHASE_TIMESTAMP_NAMES, TASK_METRIC_KEYS, type TaskMetricName } from './executor/task-metrics.ts';
export { ExecutorThreadPool, type ExecutorThreadPoolOptions } from './executor/thread-pool.ts';
export { ExecutorProcess, runExecutorFromEnv, followLaunchPipe, executorHeapLimits, EXECUTOR_LAUNCH_PIPE, DIRECT_RESULT_MAX_BYTES, type ExecutorLaunchSecrets, type ExecutorProcessOptions } from './executor/executor-process.ts';
export { serialize, deserialize } from './serializer.ts';
export { REDACTED, SECRET_KEY_PATTERN, isSecretKey, redactConf, withoutSecrets } from './util/redact.ts';
export { readSecretFile, writeSecretFile } from './util/secret-file.ts';
