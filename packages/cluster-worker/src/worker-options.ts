import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LevelWithSilent } from 'pino';
import { parseSize } from '@flint/core';
import { readSecretFile } from '@flint/core/internal';
import { inheritedEnv, readWorkerEnv } from './env.ts';
import type { DaemonLogger as Logger } from '@flint/daemon';
import type { WorkerStore } from './store/worker-store.ts';
import { DaemonError } from '@flint/daemon';

/** The executor process entry shipped with this package. */
export const DEFAULT_EXECUTOR_ENTRY = fileURLToPath(new URL('./executor-main.ts', import.meta.url));

export const DEFAULT_WORK_DIR = path.join(os.homedir(), '.flint', 'work');

export interface WorkerOptions {
  /** The master: `flint://host:port` (or `host:port`). Required. */
  master: string;
  /**
   * Address the worker's transport listens on and gives to the master.
   * Anything but loopback needs a cluster secret (FLINT_SECRET).
   * @default '127.0.0.1'
   */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /**
   * Port of the worker's own HTTP server (`/metrics`); 0 picks a free port,
   * null serves none. Reported to the master as `webPort`.
   * @default null
   */
  webPort?: number | null;
  /**
   * Cores offered to executors.
   * @default every core of the machine (os.availableParallelism())
   */
  cores?: number;
  /**
   * Memory offered to executors, in MB, or a size such as '2g' / '512m'.
   * @default the machine's memory less 1 GB (at least 1 GB)
   */
  memory?: number | string;
  /**
   * Where executors run: `<workDir>/<appId>/<executorId>/` holds each one's
   * files and its stdout/stderr logs.
   * @default ~/.flint/work
   */
  workDir?: string;
  /**
   * SQLite database of this worker's executors.
   * @default ~/.flint/worker-<port>.db
   */
  dbPath?: string;
  /** A ready store instead of the database (tests). The worker closes it on stop. */
  store?: WorkerStore;
  /** @default 'tcp' */
  transport?: 'tcp' | 'http' | (string & {});
  /** @default FLINT_SECRET */
  secret?: string;
  /**
   * Module each executor process runs (under tsx).
   * @default FLINT_EXECUTOR_ENTRY, then this package's src/executor-main.ts
   */
  executorEntry?: string;
  /**
   * Time an executor gets between SIGTERM and SIGKILL.
   * @default FLINT_WORKER_KILL_GRACE_MS, then 5 000
   */
  killGraceMs?: number;
  /**
   * First wait before retrying to reach the master; doubles up to `registrationRetryMaxMs`.
   * @default 250
   */
  registrationRetryMinMs?: number;
  /** @default 5 000 */
  registrationRetryMaxMs?: number;
  /** @default a pino logger on stdout at FLINT_LOG_LEVEL or 'info' */
  logger?: Logger;
  /** @default FLINT_LOG_LEVEL, then 'info' */
  logLevel?: LevelWithSilent;
  /** @default process.env (also the base of every executor's environment) */
  env?: NodeJS.ProcessEnv;
}

export interface CompiledWorkerOptions {
  readonly masterAddress: string;
  readonly host: string;
  readonly port: number;
  readonly webPort: number | null;
  readonly cores: number;
  readonly memoryMb: number;
  readonly workDir: string;
  readonly dbPath: string | null;
  readonly store: WorkerStore | null;
  readonly transport: string;
  readonly secret: string | undefined;
  readonly executorEntry: string;
  readonly killGraceMs: number;
  readonly registrationRetryMinMs: number;
  readonly registrationRetryMaxMs: number;
  readonly logger: Logger | null;
  readonly logLevel: LevelWithSilent;
  readonly env: NodeJS.ProcessEnv;
}

/** `flint://host:port`, `spark://host:port` or `host:port` → `host:port`. */
export function parseMasterUrl(url: string): string {
  const m = /^(?:(?:flint|spark):\/\/)?([^\s:/]+):(\d{1,5})\/?$/.exec(url.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new DaemonError('CONFIG', `not a master URL: ${JSON.stringify(url)}; expected flint://HOST:PORT, as printed by \`flint master\``);
  }
  return `${m[1]}:${m[2]}`;
}

/** A memory amount: a number is MB; a string is a size ('2g', '512m', '1024' = MB). */
export function parseMemoryMb(v: number | string, what = 'memory'): number {
  const mb = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : Math.floor(parseSize(v, what) / (1024 * 1024));
  if (!Number.isInteger(mb) || mb < 1) throw new DaemonError('CONFIG', `${what} must be at least 1 MB (like 2g or 512m), got ${JSON.stringify(v)}`);
  return mb;
}

export function defaultMemoryMb(): number {
  return Math.max(1024, Math.floor(os.totalmem() / (1024 * 1024)) - 1024);
}

/** Applies defaults and checks every option once; the worker reads only the result. */
export function compileWorkerOptions(opts: WorkerOptions): CompiledWorkerOptions {
  const env = opts.env ?? inheritedEnv();
  const fromEnv = readWorkerEnv(env);
  if (!opts.master) throw new DaemonError('CONFIG', 'the worker needs the master URL (flint://HOST:PORT)');
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DaemonError('CONFIG', `port must be a port number (0 for any free port), got ${port}`);
  const cores = opts.cores ?? os.availableParallelism();
  if (!Number.isInteger(cores) || cores < 1) throw new DaemonError('CONFIG', `cores must be a positive integer, got ${cores}`);
  const killGraceMs = opts.killGraceMs ?? fromEnv.FLINT_WORKER_KILL_GRACE_MS ?? 5_000;
  const min = opts.registrationRetryMinMs ?? 250;
  const max = opts.registrationRetryMaxMs ?? 5_000;
  if (!(min > 0 && max >= min)) throw new DaemonError('CONFIG', `registration retry must satisfy 0 < min (${min}) <= max (${max})`);
  const transport = opts.transport ?? 'tcp';
  if (!/^[a-z0-9][a-z0-9-]*$/.test(transport)) throw new DaemonError('CONFIG', `transport must be a transport name such as tcp or http, got ${JSON.stringify(transport)}`);
  const secret = opts.secret ?? fromEnv.FLINT_SECRET ?? (fromEnv.FLINT_SECRET_FILE ? readSecretFile(fromEnv.FLINT_SECRET_FILE) : undefined);
  return Object.freeze({
    masterAddress: parseMasterUrl(opts.master),
    host: opts.host ?? '127.0.0.1',
    port,
    webPort: opts.webPort ?? null,
    cores,
    memoryMb: opts.memory === undefined ? defaultMemoryMb() : parseMemoryMb(opts.memory),
    workDir: path.resolve(opts.workDir ?? DEFAULT_WORK_DIR),
    dbPath: opts.store ? null : opts.dbPath === undefined ? null : path.resolve(opts.dbPath),
    store: opts.store ?? null,
    transport,
    secret: secret === '' ? undefined : secret,
    executorEntry: path.resolve(opts.executorEntry ?? fromEnv.FLINT_EXECUTOR_ENTRY ?? DEFAULT_EXECUTOR_ENTRY),
    killGraceMs,
    registrationRetryMinMs: min,
    registrationRetryMaxMs: max,
    logger: opts.logger ?? null,
    logLevel: opts.logLevel ?? fromEnv.FLINT_LOG_LEVEL ?? 'info',
    env,
  });
}
