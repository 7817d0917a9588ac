import { TransportError } from './transport-error.ts';
import type { TransportAddress } from './interface.ts';

/**
 * Accepts `{ host, port }`, `host:port`, `[v6]:port` or `scheme://host:port`
 * (any scheme: `flint://`, `tcp://`, `http://`).
 */
export function parseTransportAddress(address: TransportAddress | string): TransportAddress {
  if (typeof address !== 'string') return checkPort(address.host, address.port, `${address.host}:${address.port}`);
  const text = address.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text);
  if (!m) throw new TransportError('CONFIG', `not a host:port address: ${address}`);
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  return checkPort(host, Number(m[2]), address);
}

function checkPort(host: string, port: number, text: string): TransportAddress {
  if (!Number.isInteger(port) || port < 1 || port > 65535 || host === '') {
    throw new TransportError('CONFIG', `not a usable address: ${text}`);
  }
  return { host, port };
}

export function formatTransportAddress(a: TransportAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
