/**
 * Where transports report what they did to a connection (refused, closed for
 * bad input, lost). One line per event; fields are plain data.
 * Implementations must not throw and must not block.
 */
export interface TransportLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function line(level: string, message: string, fields?: Record<string, unknown>): string {
  const extra = fields && Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields) : '';
  return `${new Date().toISOString()} ${level} [flint:transport] ${message}${extra}\n`;
}

/** Writes one line per event to stderr. */
export const stderrTransportLogger: TransportLogger = {
  info: (m, f) => void process.stderr.write(line('INFO', m, f)),
  warn: (m, f) => void process.stderr.write(line('WARN', m, f)),
  error: (m, f) => void process.stderr.write(line('ERROR', m, f)),
};

/** Discards everything (benchmarks). */
export const silentTransportLogger: TransportLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
