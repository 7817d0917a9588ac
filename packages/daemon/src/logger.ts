import { type LevelWithSilent, type Logger, pino } from 'pino';
import type { TransportLogger } from '@flint/core';

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

/** Routes a component's reports (message first, fields second) into a daemon's log, tagged with `component`. */
export function componentLogger(log: Logger, component: string): TransportLogger {
  const child = log.child({ component });
  return {
    info: (m, f) => child.info(f ?? {}, m),
    warn: (m, f) => child.warn(f ?? {}, m),
    error: (m, f) => child.error(f ?? {}, m),
  };
}
