import type { LevelWithSilent } from 'pino';
import { FLINT_SETTINGS, compileSetting, type FlintSettings } from '@flint/core';
import { readSecretFile } from '@flint/core/internal';
import type { Clock } from '@flint/daemon';
import { systemClock } from '@flint/daemon';
import { readMasterEnv } from './env.ts';
import { DaemonError } from '@flint/daemon';
import type { DaemonLogger as Logger } from '@flint/daemon';
import type { MasterStore } from './store/master-store.ts';

export interface MasterOptions {
  /**
   * Address the cluster transport listens on. Anything but loopback needs a
   * cluster secret (FLINT_SECRET).
   * @default '127.0.0.1'
   */
  host?: string;
  /** @default 7077 (0 picks a free port) */
  port?: number;
  /**
   * Port of the UI/API server (`/api/trpc`, `/metrics`, the web UI); 0 picks
   * a free port, `null` serves none.
   * @default 8080
   */
  uiPort?: number | null;
  /**
   * Address the UI/API port binds. Anything but loopback needs the cluster
   * secret, which every request must then carry.
   * @default '127.0.0.1'
   */
  uiHost?: string;
  /** The web UI: handles every path the API does not own. Absent: a small 404 page. */
  ui?: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void | Promise<void>) | null;
  /** UI paths served without the secret (its login page and assets). */
  isPublicUiPath?: (pathname: string) => boolean;
  /**
   * SQLite database of the cluster state.
   * @default ~/.flint/master.db
   */
  dbPath?: string;
  /** A ready store instead of the database at `dbPath` (tests). The master closes it on stop. */
  store?: MasterStore;
  /**
   * SQLite file of the event store (every application's listener events);
   * ':memory:' keeps them in memory.
   * @default beside the cluster database: `<dbPath without .db>-events.db` (~/.flint/master-events.db);
   *   ':memory:' when a ready `store` is given
   */
  eventsDbPath?: string;
  /** @default 'tcp' */
  transport?: 'tcp' | 'http' | (string & {});
  /** @default FLINT_SECRET, then conf `flint.authenticate.secret` */
  secret?: string;
  /**
   * Silence after which a worker is declared DEAD.
   * @default FLINT_WORKER_TIMEOUT_MS, then conf `flint.worker.timeout`, then 60 000
   */
  workerTimeoutMs?: number;
  /**
   * Silence (no driverHeartbeat) after which an application is declared FAILED.
   * @default FLINT_DRIVER_TIMEOUT_MS, then conf `flint.driver.timeout`, then workerTimeoutMs
   */
  driverTimeoutMs?: number;
  /**
   * How often workers are told to heartbeat.
   * @default workerTimeoutMs / 4
   */
  heartbeatIntervalMs?: number;
  /**
   * Spread each application's executors over as many workers as possible.
   * @default conf `flint.deploy.spreadOut`, then true
   */
  spreadOut?: boolean;
  /**
   * Cores an application gets when it sets no maximum.
   * @default conf `flint.deploy.defaultCores`, then unlimited (null)
   */
  defaultCores?: number | null;
  /**
   * Abnormal executor exits in a row after which an application with no
   * healthy executor (one running for 30 s) is declared FAILED, and one with
   * a healthy executor gets no more executors; an executor that reaches
   * RUNNING and then dies still counts. Negative never gives up.
   * @default conf `flint.deploy.maxExecutorRetries`, then 10
   */
  maxExecutorRetries?: number;
  /** Settings in `flint.*` form, below explicit options and the environment. */
  conf?: Record<string, unknown>;
  /** @default the system clock */
  clock?: Clock;
  /** @default a pino logger on stdout at FLINT_LOG_LEVEL or 'info' */
  logger?: Logger;
  /** @default FLINT_LOG_LEVEL, then 'info' */
  logLevel?: LevelWithSilent;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface CompiledMasterOptions {
  readonly host: string;
  readonly port: number;
  readonly uiPort: number | null;
  readonly uiHost: string;
  readonly ui: MasterOptions['ui'];
  readonly isPublicUiPath: MasterOptions['isPublicUiPath'];
  readonly dbPath: string | null;
  readonly store: MasterStore | null;
  /** Null: beside the cluster database (see `defaultEventsDb`). */
  readonly eventsDbPath: string | null;
  readonly transport: string;
  readonly secret: string | undefined;
  readonly workerTimeoutMs: number;
  readonly driverTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly spreadOut: boolean;
  readonly defaultCores: number | null;
  readonly maxExecutorRetries: number;
  readonly clock: Clock;
  readonly logger: Logger | null;
  readonly logLevel: LevelWithSilent;
}

export const MASTER_DEFAULTS = {
  host: '127.0.0.1',
  port: 7077,
  uiPort: 8080,
  uiHost: '127.0.0.1',
  transport: 'tcp',
  workerTimeoutMs: 60_000,
  maxExecutorRetries: 10,
} as const;

function port(name: string, v: number, allowZero: boolean): number {
  if (!Number.isInteger(v) || v < (allowZero ? 0 : 1) || v > 65535) {
    throw new DaemonError('CONFIG', `${name} must be a port number${allowZero ? ' (0 for any free port)' : ''}, got ${v}`);
  }
  return v;
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new DaemonError('CONFIG', `${name} must be a positive number of milliseconds, got ${v}`);
  return v;
}

/** A `flint.*` setting of the master's conf (validated by core's settings table); undefined when unset. */
function confSetting<F extends 'workerTimeoutMs' | 'driverTimeoutMs' | 'deploySpreadOut' | 'deployDefaultCores' | 'deployMaxExecutorRetries'>(conf: Record<string, unknown>, field: F): FlintSettings[F] | undefined {
  if (conf[FLINT_SETTINGS[field].key] === undefined) return undefined;
  try {
    return compileSetting(conf, field) as FlintSettings[F];
  } catch (e) {
    throw new DaemonError('CONFIG', (e as Error).message, { cause: e });
  }
}

/** The event store's file beside a cluster database: `/a/master.db` → `/a/master-events.db`. */
export function defaultEventsDb(dbPath: string): string {
  return `${dbPath.replace(/\.db$/, '')}-events.db`;
}

/** Applies defaults and checks every option once; the master reads only the result. */
export function compileMasterOptions(opts: MasterOptions = {}): CompiledMasterOptions {
  const env = readMasterEnv(opts.env);
  const conf = opts.conf ?? {};
  const workerTimeoutMs = positive('workerTimeoutMs', opts.workerTimeoutMs ?? env.FLINT_WORKER_TIMEOUT_MS ?? confSetting(conf, 'workerTimeoutMs') ?? MASTER_DEFAULTS.workerTimeoutMs);
  const driverTimeoutMs = positive('driverTimeoutMs', opts.driverTimeoutMs ?? env.FLINT_DRIVER_TIMEOUT_MS ?? confSetting(conf, 'driverTimeoutMs') ?? workerTimeoutMs);
  const heartbeatIntervalMs = positive('heartbeatIntervalMs', opts.heartbeatIntervalMs ?? Math.max(50, Math.floor(workerTimeoutMs / 4)));
  if (heartbeatIntervalMs >= workerTimeoutMs) {
    throw new DaemonError('CONFIG', `heartbeatIntervalMs (${heartbeatIntervalMs}) must be shorter than workerTimeoutMs (${workerTimeoutMs}), or every worker would be declared dead`);
  }
  const defaultCores = opts.defaultCores !== undefined ? opts.defaultCores : (confSetting(conf, 'deployDefaultCores') ?? null);
  if (defaultCores !== null && (!Number.isInteger(defaultCores) || defaultCores < 1)) {
    throw new DaemonError('CONFIG', `defaultCores must be a positive integer or null (unlimited), got ${defaultCores}`);
  }
  const transport = opts.transport ?? MASTER_DEFAULTS.transport;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(transport)) throw new DaemonError('CONFIG', `transport must be a transport name such as tcp or http, got ${JSON.stringify(transport)}`);
  const secretFromConf = typeof conf['flint.authenticate.secret'] === 'string' ? (conf['flint.authenticate.secret'] as string) : undefined;
  const secret = opts.secret ?? env.FLINT_SECRET ?? (env.FLINT_SECRET_FILE ? readSecretFile(env.FLINT_SECRET_FILE) : undefined) ?? secretFromConf;
  return Object.freeze({
    host: opts.host ?? MASTER_DEFAULTS.host,
    port: port('port', opts.port ?? MASTER_DEFAULTS.port, true),
    uiPort: opts.uiPort === null ? null : port('uiPort', opts.uiPort ?? MASTER_DEFAULTS.uiPort, true),
    uiHost: opts.uiHost ?? MASTER_DEFAULTS.uiHost,
    ui: opts.ui ?? null,
    isPublicUiPath: opts.isPublicUiPath,
    dbPath: opts.store ? null : (opts.dbPath ?? null),
    store: opts.store ?? null,
    eventsDbPath: opts.eventsDbPath ?? (opts.store ? ':memory:' : null),
    transport,
    secret: secret === '' ? undefined : secret,
    workerTimeoutMs,
    driverTimeoutMs,
    heartbeatIntervalMs,
    spreadOut: opts.spreadOut ?? confSetting(conf, 'deploySpreadOut') ?? true,
    defaultCores,
    maxExecutorRetries: opts.maxExecutorRetries ?? confSetting(conf, 'deployMaxExecutorRetries') ?? MASTER_DEFAULTS.maxExecutorRetries,
    clock: opts.clock ?? systemClock,
    logger: opts.logger ?? null,
    logLevel: opts.logLevel ?? env.FLINT_LOG_LEVEL ?? 'info',
  });
}
