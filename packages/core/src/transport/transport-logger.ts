import { type Logger, silentLogger, stderrLogger } from '../logging/logger.ts';

/**
 * Where transports report what they did to a connection (refused, closed for
 * bad input, lost): core's one `Logger`, named for the transports' options.
 */
export type TransportLogger = Logger;

/** Writes one line per event to stderr, tagged `[flint:transport]`. */
export const stderrTransportLogger: TransportLogger = stderrLogger('flint:transport');

/** Discards everything (benchmarks). */
export const silentTransportLogger: TransportLogger = silentLogger;
