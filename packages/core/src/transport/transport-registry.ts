import { TransportError } from './transport-error.ts';
import type { Transport, TransportFactory } from './interface.ts';
import type { TransportOptions } from './transport-options.ts';

/**
 * Name → factory registry for transports. Core imports no implementation:
 * an unknown name is resolved by importing `@flint/transport-<name>`, whose
 * index registers itself (or exports `transportFactory`, registered here).
 * Module-level state; registration is synchronous and last write wins.
 */
const factories = new Map<string, TransportFactory>();

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function registerTransport(name: string, factory: TransportFactory): void {
  if (!NAME.test(name)) throw new TransportError('CONFIG', `invalid transport name: ${JSON.stringify(name)}`);
  factories.set(name, factory);
}

export function registeredTransports(): string[] {
  return [...factories.keys()].sort();
}

/** The factory registered under `name`, importing its package on first use. */
export async function loadTransportFactory(name: string): Promise<TransportFactory> {
  const known = factories.get(name);
  if (known) return known;
  if (!NAME.test(name)) throw new TransportError('UNKNOWN_TRANSPORT', `invalid transport name: ${JSON.stringify(name)}`);
  const specifier = `@flint/transport-${name}`;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  } catch (cause) {
    throw new TransportError(
      'UNKNOWN_TRANSPORT',
      `no transport named '${name}': could not import ${specifier} (is it installed?)`,
      { cause },
    );
  }
  const exported = mod.transportFactory;
  if (!factories.has(name) && typeof exported === 'function') {
    registerTransport(name, exported as TransportFactory);
  }
  const factory = factories.get(name);
  if (!factory) {
    throw new TransportError('UNKNOWN_TRANSPORT', `${specifier} neither registered '${name}' nor exports transportFactory`);
  }
  return factory;
}

/** A new transport instance of the named implementation (`'tcp'`, `'http'`, ...). */
export async function loadTransport(name: 'tcp' | 'http' | (string & {}), options?: TransportOptions): Promise<Transport> {
  return (await loadTransportFactory(name))(options);
}
