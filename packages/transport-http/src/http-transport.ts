import {
  ConnectionPool,
  parseTransportAddress,
  type ConnectOptions,
  type ListenOptions,
  type Transport,
  type TransportAddress,
  type TransportHandler,
} from '@flint/core/transport';
import { HttpConnection } from './http-connection.ts';
import { HttpServer } from './http-server.ts';
import { compileHttpTransportOptions, type CompiledHttpTransportOptions, type HttpTransportOptions } from './http-transport-options.ts';

/**
 * The HTTP transport: calls as POSTs with binary bodies over keep-alive
 * HTTP/1.1 sockets, each socket authenticated once; block streams as
 * chunked responses paced by TCP backpressure.
 *
 * Owns its pooled client connections (one per peer address) and the servers
 * it started; `close()` closes them all and is idempotent.
 */
export class HttpTransport implements Transport {
  readonly name = 'http';
  readonly options: CompiledHttpTransportOptions;
  private readonly pool: ConnectionPool<HttpConnection>;
  private readonly servers = new Set<HttpServer>();

  constructor(options: HttpTransportOptions = {}) {
    this.options = compileHttpTransportOptions(options);
    this.pool = new ConnectionPool((address) => HttpConnection.open(address, this.options));
  }

  async listen(handler: TransportHandler, options: ListenOptions = {}): Promise<HttpServer> {
    const server = await HttpServer.create(handler, this.options, options);
    this.servers.add(server);
    return server;
  }

  connect(address: TransportAddress | string, options: ConnectOptions = {}): Promise<HttpConnection> {
    const target = parseTransportAddress(address);
    if (options.timeoutMs !== undefined) {
      const t = AbortSignal.timeout(options.timeoutMs);
      return this.pool.get(target, { ...options, signal: options.signal ? AbortSignal.any([options.signal, t]) : t });
    }
    return this.pool.get(target, options);
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), ...[...this.servers].map((s) => s.close())]);
  }
}
