/**
 * @flint/daemon — what the master and worker daemons share: the logger (pino
 * underneath), transport loading, the one error class, the clock, environment
 * parsing, and command-line helpers. Messages are checked against core's
 * protocol catalogue at the network edge (`messageHandler({ schemas })`). SQLite files and Prisma
 * opening are in `@flint/daemon/sqlite`.
 */
export { createLogger, silentLogger, componentLogger, LOG_LEVELS, type DaemonLogger, type LevelWithSilent } from './logger.ts';
export { loadNamedTransport, transportLogger } from './load-transport.ts';
export { DaemonError, DaemonErrorCode } from './daemon-error.ts';
export { ManualClock, systemClock, type Clock } from './clock.ts';
export { parseEnv, daemonEnvShape, envMilliseconds, envMillisecondsOrZero } from './env.ts';
export { intArg, portArg, runCommand, stopOnSignals } from './command.ts';
