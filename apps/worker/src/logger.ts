import { type LevelWithSilent, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** One JSON line per event on stdout; lifecycle lines carry an `event` field. */
export function createLogger(name: string, level: LevelWithSilent = 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
