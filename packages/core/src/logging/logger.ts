/** Plain data that goes with a log line. */
export type LogFields = Record<string, unknown>;

/**
 * Where a component reports what happened: one call per event, a message and
 * plain-data fields. Injected everywhere (core, transports, executors,
 * daemons); a process that owns its output picks the implementation (the
 * daemons put pino underneath, an executor writes lines to its stdout log, a
 * driver turns warnings into process warnings).
 *
 * Implementations must not throw and must not block.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const noop = () => {};

/** Discards everything (tests, benchmarks). */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

function withFields(message: string, fields?: LogFields): string {
  return fields && Object.keys(fields).length > 0 ? `${message} ${JSON.stringify(fields)}` : message;
}

/**
 * One line per event through `write` (info and above; debug is dropped):
 * `<ISO time> <LEVEL> [<component>] message {fields}`.
 */
export function lineLogger(component: string, write: (line: string) => void): Logger {
  const at = (level: string) => (m: string, f?: LogFields) => write(`${new Date().toISOString()} ${level} [${component}] ${withFields(m, f)}\n`);
  return { debug: noop, info: at('INFO'), warn: at('WARN'), error: at('ERROR') };
}

/** `lineLogger` on stderr. */
export function stderrLogger(component: string): Logger {
  return lineLogger(component, (line) => void process.stderr.write(line));
}

/**
 * A driver's default: warnings and errors become process warnings
 * (`flint: message`), which Node prints once each and a program can observe
 * with `process.on('warning')`; info and debug are dropped.
 */
export const processWarningLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (m, f) => void process.emitWarning(`flint: ${withFields(m, f)}`),
  error: (m, f) => void process.emitWarning(`flint: ${withFields(m, f)}`),
};
