import { type Transport, type TransportLogger, type TransportOptions, loadTransport } from '@flint/core';
import type { Logger } from './logger.ts';

/** A transport by name; the implementations this app depends on resolve from here. */
export async function loadNamedTransport(name: string, options: TransportOptions): Promise<Transport> {
  if (name === 'tcp') await import('@flint/transport-tcp');
  else if (name === 'http') await import('@flint/transport-http');
  return loadTransport(name, options);
}

export function transportLogger(log: Logger): TransportLogger {
  const child = log.child({ component: 'transport' });
  return {
    info: (m, f) => child.info(f ?? {}, m),
    warn: (m, f) => child.warn(f ?? {}, m),
    error: (m, f) => child.error(f ?? {}, m),
  };
}
