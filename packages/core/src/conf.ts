/**
 * Flint's settings: user conf (Spark-style dotted keys) compiled once into typed
 * options with documented defaults. Sizes accept numbers (bytes) or strings
 * like "64m", "1g"; times accept numbers (ms) or "3s".
 */
import os from 'node:os';
import path from 'node:path';
import { FlintError, FlintErrorCode } from './errors.ts';

export interface FlintSettings {
  /** `flint.task.maxFailures` — attempts of a task before its job fails. @default 4 */
  maxTaskFailures: number;
  /** `flint.stage.maxConsecutiveAttempts` — fetch-failure resubmissions of a stage before it aborts. @default 4 */
  maxStageAttempts: number;
  /** `flint.locality.wait` — how long a task waits for a slot holding its data. @default 3s */
  localityWaitMs: number;
  /** `flint.shuffle.memoryBudget` — bytes a task buffers in shuffle writes, aggregations and sorts before spilling. @default 256m */
  memoryBudget: number;
  /** `flint.storage.memory` — bytes of cached blocks each executor thread keeps in memory. @default 1g */
  storageMemory: number;
  /** `flint.local.dir` — where shuffle files, spills and disk blocks go. @default os.tmpdir() */
  localDir: string;
  /** `flint.default.parallelism` — partitions of shuffles without an explicit count (unset: the parent's count). */
  defaultParallelism: number | null;
  /** `flint.driver.maxResultSize` — bytes of task results an action may collect on the driver. @default 1g */
  maxResultSize: number;
  /** `flint.ui.showProgress` — draw the console progress bar. @default true on a terminal */
  showProgress: boolean;
  /** `flint.authenticate.secret` — the cluster secret (also FLINT_SECRET). */
  secret: string | null;
  /**
   * `flint.eventLog.enabled` — a local-mode driver writes its events to the event store in
   * `eventLogDir`, browsable live and afterwards (also FLINT_EVENT_LOG_ENABLED). @default true
   */
  eventLogEnabled: boolean;
  /** `flint.eventLog.dir` — directory of the local event store, `events.db` (also FLINT_EVENT_LOG_DIR). @default ~/.flint/events */
  eventLogDir: string;
  /** Whether `eventLogDir` was set (then a directory it cannot write is an error, not a warning). */
  eventLogDirExplicit: boolean;
}

export function parseSize(v: unknown, key: string): number {
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(v);
    if (m) {
      const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
      return Math.round(Number(m[1]) * mult);
    }
  }
  throw new FlintError(FlintErrorCode.CONFIG, `${key}: expected a size in bytes or like "64m"/"1g", got ${JSON.stringify(v)}`);
}

export function parseTime(v: unknown, key: string): number {
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/i.exec(v);
    if (m) {
      const unit = (m[2] ?? 'ms').toLowerCase();
      const mult = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' || unit === 'min' ? 60_000 : 3_600_000;
      return Number(m[1]) * mult;
    }
  }
  throw new FlintError(FlintErrorCode.CONFIG, `${key}: expected a time in ms or like "3s", got ${JSON.stringify(v)}`);
}

function int(v: unknown, key: string, min: number): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new FlintError(FlintErrorCode.CONFIG, `${key}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

function bool(v: unknown, key: string): boolean {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new FlintError(FlintErrorCode.CONFIG, `${key}: expected true or false, got ${JSON.stringify(v)}`);
}

export function compileSettings(conf: Record<string, unknown>): FlintSettings {
  const get = (k: string) => conf[k];
  const eventLogDir = get('flint.eventLog.dir') ?? process.env.FLINT_EVENT_LOG_DIR;
  if (eventLogDir !== undefined && (typeof eventLogDir !== 'string' || eventLogDir === '')) {
    throw new FlintError(FlintErrorCode.CONFIG, `flint.eventLog.dir: expected a directory path, got ${JSON.stringify(eventLogDir)}`);
  }
  return {
    maxTaskFailures: get('flint.task.maxFailures') === undefined ? 4 : int(get('flint.task.maxFailures'), 'flint.task.maxFailures', 1),
    maxStageAttempts: get('flint.stage.maxConsecutiveAttempts') === undefined ? 4 : int(get('flint.stage.maxConsecutiveAttempts'), 'flint.stage.maxConsecutiveAttempts', 1),
    localityWaitMs: get('flint.locality.wait') === undefined ? 3000 : parseTime(get('flint.locality.wait'), 'flint.locality.wait'),
    memoryBudget: get('flint.shuffle.memoryBudget') === undefined ? 256 * 1024 ** 2 : parseSize(get('flint.shuffle.memoryBudget'), 'flint.shuffle.memoryBudget'),
    storageMemory: get('flint.storage.memory') === undefined ? 1024 ** 3 : parseSize(get('flint.storage.memory'), 'flint.storage.memory'),
    localDir: typeof get('flint.local.dir') === 'string' ? (get('flint.local.dir') as string) : (process.env.FLINT_LOCAL_DIRS ?? os.tmpdir()),
    defaultParallelism: get('flint.default.parallelism') === undefined ? null : int(get('flint.default.parallelism'), 'flint.default.parallelism', 1),
    maxResultSize: get('flint.driver.maxResultSize') === undefined ? 1024 ** 3 : parseSize(get('flint.driver.maxResultSize'), 'flint.driver.maxResultSize'),
    showProgress: get('flint.ui.showProgress') === undefined ? !!process.stderr.isTTY : get('flint.ui.showProgress') === true || get('flint.ui.showProgress') === 'true',
    secret: typeof get('flint.authenticate.secret') === 'string' ? (get('flint.authenticate.secret') as string) : (process.env.FLINT_SECRET ?? null),
    eventLogEnabled: bool(get('flint.eventLog.enabled') ?? process.env.FLINT_EVENT_LOG_ENABLED ?? true, 'flint.eventLog.enabled'),
    eventLogDir: (eventLogDir as string | undefined) ?? path.join(os.homedir(), '.flint', 'events'),
    eventLogDirExplicit: eventLogDir !== undefined,
  };
}
