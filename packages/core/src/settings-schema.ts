/**
 * The one table of Flint's settings: every `flint.*` key an application, the
 * master or an executor reads, with its type, unit, default and a one-line doc.
 * `compileSettings` (conf.ts) validates a conf against it once; the settings
 * doc (docs/settings.md) is generated from it. Owns no state.
 *
 * A value may be given as its type or as a string (`"4"`, `"true"`, `"64m"`,
 * `"3s"`), as conf often comes from the command line or the environment.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** Where a setting is read: by the driver, the executors or the master. */
export type SettingScope = 'driver' | 'executor' | 'master';

/** What the defaults may depend on besides the conf: the environment, read once in env.ts. */
export interface SettingsEnvironment {
  FLINT_SECRET?: string | undefined;
  FLINT_TRANSPORT?: string | undefined;
  FLINT_LOCAL_DIRS?: string | undefined;
  FLINT_EVENT_LOG_DIR?: string | undefined;
  FLINT_EVENT_LOG_ENABLED?: string | undefined;
  /** Whether stderr is a terminal (the progress bar's default). */
  stderrIsTTY?: boolean | undefined;
}

export interface SettingSpec<T> {
  key: `flint.${string}`;
  /** Accepts the raw value (any type), outputs the compiled one; any issue is reported as `expects`. */
  schema: z.ZodType<T, unknown>;
  /** What a valid value looks like, for the error message (`expected <expects>, got <value>`). */
  expects: string;
  /** The value when the key is unset (and its env variable, if any, too). */
  default: (env: SettingsEnvironment) => T;
  /** How the default reads in the doc. */
  defaultDoc: string;
  /** An environment variable read when the key is unset, validated like the key. */
  env?: keyof SettingsEnvironment & `FLINT_${string}`;
  unit: 'count' | 'bytes' | 'ms' | 'boolean' | 'text' | 'port';
  scope: SettingScope;
  doc: string;
}

const SIZE_STRING = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i;
const TIME_STRING = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/i;
const SIZE_UNITS = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 } as const;

/** Bytes of a size: a number of bytes, or a string like "64m" / "1g" / "512kb"; null when it is neither. */
export function sizeInBytes(v: unknown): number | null {
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v !== 'string') return null;
  const m = SIZE_STRING.exec(v);
  if (!m) return null;
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase() as keyof typeof SIZE_UNITS]);
}

/** Milliseconds of a time: a number of ms, or a string like "50ms" / "3s" / "2min" / "1h"; null when it is neither. */
export function timeInMs(v: unknown): number | null {
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v !== 'string') return null;
  const m = TIME_STRING.exec(v);
  if (!m) return null;
  const unit = (m[2] ?? 'ms').toLowerCase();
  const mult = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' || unit === 'min' ? 60_000 : 3_600_000;
  return Number(m[1]) * mult;
}

const intIn = (min: number, max?: number) =>
  z
    .union([z.number(), z.string().trim().min(1).transform(Number)])
    .pipe(max === undefined ? z.number().int().min(min) : z.number().int().min(min).max(max));
const intExpects = (min: number, max?: number) => (max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
const size = z.union([z.number(), z.string()]).transform((v, ctx) => sizeInBytes(v) ?? (ctx.addIssue({ code: 'custom', message: 'not a size' }), z.NEVER));
const time = z.union([z.number(), z.string()]).transform((v, ctx) => timeInMs(v) ?? (ctx.addIssue({ code: 'custom', message: 'not a time' }), z.NEVER));
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);
const text = z.string();
const nonEmptyText = z.string().min(1);

const SIZE_EXPECTS = 'a size in bytes or like "64m"/"1g"';
const TIME_EXPECTS = 'a time in ms or like "3s"';
const BOOL_EXPECTS = 'true or false';

function setting<T>(s: SettingSpec<T>): SettingSpec<T> {
  return s;
}
const fixed =
  <T>(v: T) =>
  (): T =>
    v;

/**
 * Every setting, by the field it compiles to. Order is the doc's order: the
 * driver's scheduling and memory first, then the cluster, the event log and the master.
 */
export const FLINT_SETTINGS = {
  maxTaskFailures: setting({
    key: 'flint.task.maxFailures',
    schema: intIn(1),
    expects: intExpects(1),
    default: fixed(4),
    defaultDoc: '4',
    unit: 'count',
    scope: 'driver',
    doc: 'Attempts of a task before its job fails.',
  }),
  maxStageAttempts: setting({
    key: 'flint.stage.maxConsecutiveAttempts',
    schema: intIn(1),
    expects: intExpects(1),
    default: fixed(4),
    defaultDoc: '4',
    unit: 'count',
    scope: 'driver',
    doc: 'Fetch-failure resubmissions of a stage before it aborts.',
  }),
  localityWaitMs: setting({
    key: 'flint.locality.wait',
    schema: time,
    expects: TIME_EXPECTS,
    default: fixed(3000),
    defaultDoc: '3s',
    unit: 'ms',
    scope: 'driver',
    doc: 'How long a task waits for a slot holding its data before it runs elsewhere.',
  }),
  defaultParallelism: setting<number | null>({
    key: 'flint.default.parallelism',
    schema: intIn(1),
    expects: intExpects(1),
    default: fixed(null),
    defaultDoc: "unset: the parent RDD's partition count",
    unit: 'count',
    scope: 'driver',
    doc: 'Partitions of shuffles without an explicit count, and the context\'s defaultParallelism.',
  }),
  maxResultSize: setting({
    key: 'flint.driver.maxResultSize',
    schema: size,
    expects: SIZE_EXPECTS,
    default: fixed(1024 ** 3),
    defaultDoc: '1g',
    unit: 'bytes',
    scope: 'driver',
    doc: 'Bytes of task results an action may collect on the driver; past it the job fails.',
  }),
  memoryBudget: setting({
    key: 'flint.shuffle.memoryBudget',
    schema: size,
    expects: SIZE_EXPECTS,
    default: fixed(256 * 1024 ** 2),
    defaultDoc: '256m',
    unit: 'bytes',
    scope: 'executor',
    doc: 'Bytes a task buffers in shuffle writes, aggregations and sorts before it spills to disk.',
  }),
  storageMemory: setting({
    key: 'flint.storage.memory',
    schema: size,
    expects: SIZE_EXPECTS,
    default: fixed(1024 ** 3),
    defaultDoc: '1g in local mode; in a cluster, half of flint.executor.memory split over its task threads',
    unit: 'bytes',
    scope: 'executor',
    doc: 'Bytes of cached blocks each executor thread keeps in memory.',
  }),
  localDir: setting({
    key: 'flint.local.dir',
    schema: nonEmptyText,
    expects: 'a directory path',
    env: 'FLINT_LOCAL_DIRS',
    default: fixed(os.tmpdir()),
    defaultDoc: "FLINT_LOCAL_DIRS, then the system's temporary directory",
    unit: 'text',
    scope: 'driver',
    doc: 'Where the driver and local-mode executors put shuffle files, spills and disk blocks.',
  }),
  showProgress: setting({
    key: 'flint.ui.showProgress',
    schema: bool,
    expects: BOOL_EXPECTS,
    default: (env) => !!env.stderrIsTTY,
    defaultDoc: 'true when stderr is a terminal',
    unit: 'boolean',
    scope: 'driver',
    doc: 'Draw the console progress bar.',
  }),
  secret: setting<string | null>({
    key: 'flint.authenticate.secret',
    schema: text,
    expects: 'a string',
    env: 'FLINT_SECRET',
    default: fixed(null),
    defaultDoc: 'FLINT_SECRET, then none',
    unit: 'text',
    scope: 'driver',
    doc: 'The cluster secret every connection authenticates with (never shipped to the master).',
  }),
  transport: setting({
    key: 'flint.transport',
    schema: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    expects: 'a transport name such as tcp or http',
    env: 'FLINT_TRANSPORT',
    default: fixed('tcp'),
    defaultDoc: "FlintContext's `transport` option, then FLINT_TRANSPORT, then tcp",
    unit: 'text',
    scope: 'driver',
    doc: 'The transport the driver and its executors talk over.',
  }),
  driverHost: setting({
    key: 'flint.driver.host',
    schema: nonEmptyText,
    expects: 'a host name or address',
    default: fixed('127.0.0.1'),
    defaultDoc: '127.0.0.1',
    unit: 'text',
    scope: 'driver',
    doc: 'Address the driver serves its executors on (cluster mode).',
  }),
  driverPort: setting({
    key: 'flint.driver.port',
    schema: intIn(0, 65535),
    expects: intExpects(0, 65535),
    default: fixed(0),
    defaultDoc: '0 (any free port)',
    unit: 'port',
    scope: 'driver',
    doc: 'Port the driver serves its executors on (cluster mode).',
  }),
  driverHeartbeatIntervalMs: setting({
    key: 'flint.driver.heartbeatInterval',
    schema: time,
    expects: TIME_EXPECTS,
    default: fixed(1000),
    defaultDoc: '1s',
    unit: 'ms',
    scope: 'driver',
    doc: 'How often the driver heartbeats the master.',
  }),
  maxRegisteredResourcesWaitingTimeMs: setting({
    key: 'flint.scheduler.maxRegisteredResourcesWaitingTime',
    schema: time,
    expects: TIME_EXPECTS,
    default: fixed(30_000),
    defaultDoc: '30s',
    unit: 'ms',
    scope: 'driver',
    doc: 'How long a cluster application waits at start for its first executors to register.',
  }),
  executorCores: setting<number | null>({
    key: 'flint.executor.cores',
    schema: intIn(1),
    expects: intExpects(1),
    default: fixed(null),
    defaultDoc: "unset: all of a worker's free cores",
    unit: 'count',
    scope: 'driver',
    doc: 'Task threads of each executor the master launches for the application.',
  }),
  maxCores: setting<number | null>({
    key: 'flint.cores.max',
    schema: intIn(1),
    expects: intExpects(1),
    default: fixed(null),
    defaultDoc: "unset: the master's flint.deploy.defaultCores",
    unit: 'count',
    scope: 'driver',
    doc: 'Most cores the application takes over the whole cluster.',
  }),
  executorMemory: setting({
    key: 'flint.executor.memory',
    schema: size,
    expects: SIZE_EXPECTS,
    default: fixed(1024 ** 3),
    defaultDoc: '1g (local-cluster: its MEM argument)',
    unit: 'bytes',
    scope: 'driver',
    doc: "Memory of each executor process, split into its threads' heap limits.",
  }),
  executorHeartbeatIntervalMs: setting({
    key: 'flint.executor.heartbeatInterval',
    schema: time,
    expects: TIME_EXPECTS,
    default: fixed(2000),
    defaultDoc: '2s',
    unit: 'ms',
    scope: 'executor',
    doc: 'How often an executor asks its driver whether it still counts on it.',
  }),
  eventLogEnabled: setting({
    key: 'flint.eventLog.enabled',
    schema: bool,
    expects: BOOL_EXPECTS,
    env: 'FLINT_EVENT_LOG_ENABLED',
    default: fixed(true),
    defaultDoc: 'FLINT_EVENT_LOG_ENABLED, then true',
    unit: 'boolean',
    scope: 'driver',
    doc: "Record the application's events: to the master in a cluster, to the event store in flint.eventLog.dir in local mode.",
  }),
  eventLogDir: setting({
    key: 'flint.eventLog.dir',
    schema: nonEmptyText,
    expects: 'a directory path',
    env: 'FLINT_EVENT_LOG_DIR',
    default: fixed(path.join(os.homedir(), '.flint', 'events')),
    defaultDoc: 'FLINT_EVENT_LOG_DIR, then ~/.flint/events',
    unit: 'text',
    scope: 'driver',
    doc: 'Directory of the local-mode event store (events.db); a set directory that cannot be written is an error.',
  }),
  eventLogBatchEvents: setting({
    key: 'flint.eventLog.batchEvents',
    schema: intIn(1, 10_000),
    expects: intExpects(1, 10_000),
    default: fixed(1000),
    defaultDoc: '1000',
    unit: 'count',
    scope: 'driver',
    doc: 'Most events in one batch shipped to the master.',
  }),
  eventLogMaxBatchesInFlight: setting({
    key: 'flint.eventLog.maxBatchesInFlight',
    schema: intIn(1, 64),
    expects: intExpects(1, 64),
    default: fixed(4),
    defaultDoc: '4',
    unit: 'count',
    scope: 'driver',
    doc: 'Event batches sent to the master and not yet acknowledged.',
  }),
  eventLogLingerMs: setting({
    key: 'flint.eventLog.linger',
    schema: time,
    expects: TIME_EXPECTS,
    default: fixed(50),
    defaultDoc: '50ms',
    unit: 'ms',
    scope: 'driver',
    doc: 'How long a partial event batch waits for more events.',
  }),
  eventLogFlushTimeoutMs: setting({
    key: 'flint.eventLog.flushTimeout',
    schema: time,
    expects: TIME_EXPECTS,
    default: fixed(10_000),
    defaultDoc: '10s',
    unit: 'ms',
    scope: 'driver',
    doc: 'How long stop() waits for the master to store the events still held.',
  }),
  workerTimeoutMs: setting({
    key: 'flint.worker.timeout',
    schema: time,
    expects: TIME_EXPECTS,
    default: fixed(60_000),
    defaultDoc: 'FLINT_WORKER_TIMEOUT_MS, then 60s',
    unit: 'ms',
    scope: 'master',
    doc: 'Silence after which the master declares a worker dead.',
  }),
  driverTimeoutMs: setting<number | null>({
    key: 'flint.driver.timeout',
    schema: time,
    expects: TIME_EXPECTS,
    default: fixed(null),
    defaultDoc: 'FLINT_DRIVER_TIMEOUT_MS, then flint.worker.timeout',
    unit: 'ms',
    scope: 'master',
    doc: 'Silence (no driver heartbeat) after which the master fails an application.',
  }),
  deploySpreadOut: setting({
    key: 'flint.deploy.spreadOut',
    schema: bool,
    expects: BOOL_EXPECTS,
    default: fixed(true),
    defaultDoc: 'true',
    unit: 'boolean',
    scope: 'master',
    doc: "Spread each application's executors over as many workers as possible.",
  }),
  deployDefaultCores: setting<number | null>({
    key: 'flint.deploy.defaultCores',
    schema: intIn(1),
    expects: intExpects(1),
    default: fixed(null),
    defaultDoc: 'unset: unlimited',
    unit: 'count',
    scope: 'master',
    doc: 'Cores an application gets when it sets no flint.cores.max.',
  }),
  deployMaxExecutorRetries: setting({
    key: 'flint.deploy.maxExecutorRetries',
    schema: intIn(Number.MIN_SAFE_INTEGER),
    expects: 'an integer (negative: never give up)',
    default: fixed(10),
    defaultDoc: '10',
    unit: 'count',
    scope: 'master',
    doc: 'Abnormal executor exits in a row after which the master stops launching executors for an application.',
  }),
} as const;

export type FlintSettingField = keyof typeof FLINT_SETTINGS;
export type FlintSettingKey = (typeof FLINT_SETTINGS)[FlintSettingField]['key'];
type Output<S> = S extends SettingSpec<infer T> ? T : never;
/** The compiled value of every setting, by field. */
export type FlintSettingValues = { -readonly [F in FlintSettingField]: Output<(typeof FLINT_SETTINGS)[F]> };
