import { once } from 'node:events';
import { isIP, type Server } from 'node:net';
import { TransportError } from './transport-error.ts';

/** True for 127.0.0.0/8, ::1, ::ffff:127.x.y.z and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    const lower = h.toLowerCase();
    return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(lower);
  }
  return false;
}

/**
 * Refuses to start a server that would accept unauthenticated connections
 * from other machines: without a secret only loopback addresses are allowed.
 */
export function assertListenAllowed(host: string, secret: string | undefined, transportName: string): void {
  if (secret !== undefined || isLoopbackHost(host)) return;
  throw new TransportError(
    'CONFIG',
    `${transportName} transport refuses to listen on ${host} without a cluster secret: ` +
      `set FLINT_SECRET (or the flint.authenticate.secret conf) so connections authenticate, ` +
      `or listen on a loopback address such as 127.0.0.1`,
  );
}

/**
 * Binds a Node server (net or http) to host:port and returns the bound port (the real one when
 * 0 was asked). A failure to bind closes the server and is a CONFIG error naming the transport.
 */
export async function bindServer(server: Server, host: string, port: number, transportName: string): Promise<number> {
  try {
    server.listen({ host, port });
    await once(server, 'listening');
  } catch (err) {
    server.close();
    throw new TransportError('CONFIG', `${transportName} transport cannot listen on ${host}:${port}: ${(err as Error).message}`, { cause: err });
  }
  const bound = server.address();
  return typeof bound === 'object' && bound ? bound.port : port;
}
