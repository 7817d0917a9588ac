import { type Transport, type TransportLogger, type TransportOptions, loadTransport } from '@flint/core/transport';
import type { Logger } from 'pino';
import { componentLogger } from './logger.ts';

/**
 * A transport by name. The implementations the daemons ship with are imported
 * from here (so they resolve from this package); other names fall back to
 * core's registry, which imports `@flint/transport-<name>`.
 */
export async function loadNamedTransport(name: string, options: TransportOptions): Promise<Transport> {
  if (name === 'tcp') await import('@flint/transport-tcp');
  else if (name === 'http') await import('@flint/transport-http');
  return loadTransport(name, options);
}

/** Routes a transport's reports into the daemon's log. */
export function transportLogger(log: Logger): TransportLogger {
  return componentLogger(log, 'transport');
}
