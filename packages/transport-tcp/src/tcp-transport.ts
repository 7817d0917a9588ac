import {
  ConnectionPool,
  compileTransportOptions,
  parseTransportAddress,
  type CompiledTransportOptions,
  type ConnectOptions,
  type ListenOptions,
  type Transport,
  type TransportAddress,
  type TransportHandler,
  type TransportOptions,
} from '@flint/core/transport';
import { TcpConnection } from './tcp-connection.ts';
import { TcpServer } from './tcp-server.ts';

/**
 * The TCP transport: length-prefixed binary frames over Node `net` sockets,
 * every call multiplexed over one authenticated connection per peer.
 *
 * Owns its pooled client connections and the servers it started; `close()`
 * closes all of them and is idempotent. Safe to use from anywhere on the
 * event loop.
 */
export class TcpTransport implements Transport {
  readonly name = 'tcp';
  readonly options: CompiledTransportOptions;
  private readonly pool: ConnectionPool<TcpConnection>;
  private readonly servers = new Set<TcpServer>();

  constructor(options: TransportOptions = {}) {
    this.options = compileTransportOptions(options);
    this.pool = new ConnectionPool((address) => TcpConnection.open(address, this.options));
  }

  async listen(handler: TransportHandler, options: ListenOptions = {}): Promise<TcpServer> {
    const server = await TcpServer.create(handler, this.options, options);
    this.servers.add(server);
    return server;
  }

  connect(address: TransportAddress | string, options: ConnectOptions = {}): Promise<TcpConnection> {
    const target = parseTransportAddress(address);
    if (options.timeoutMs !== undefined) {
      return this.pool.get(target, { ...options, signal: anySignal(options.signal, AbortSignal.timeout(options.timeoutMs)) });
    }
    return this.pool.get(target, options);
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), ...[...this.servers].map((s) => s.close())]);
  }
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}
