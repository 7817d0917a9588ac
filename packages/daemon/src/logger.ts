import { type LevelWithSilent, type Logger, pino } from 'pino';
import type { Logger as FlintLogger } from '@flint/core';

export type { Logger as DaemonLogger, LevelWithSilent } from 'pino';

/** Log levels a daemon accepts (FLINT_LOG_LEVEL). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * A daemon's logger: one JSON line per event on stdout, with `event` naming
 * lifecycle events so scripts (and the local cluster) can follow them. Only a
 * process that owns its output (a daemon) creates one.
 */
export function createLogger(name: string, level: LevelWithSilent = 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger that writes nothing (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Core's `Logger` over a daemon's pino log: a component's reports (message
 * first, fields second) become JSON lines tagged with `component`.
 */
export function componentLogger(log: Logger, component: string): FlintLogger {
  const child = log.child({ component });
  return {
    debug: (m, f) => child.debug(f ?? {}, m),
    info: (m, f) => child.info(f ?? {}, m),
    warn: (m, f) => child.warn(f ?? {}, m),
    error: (m, f) => child.error(f ?? {}, m),
  };
}
