import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:net';
import {
  ChallengeAuth,
  TransportError,
  assertListenAllowed,
  bindServer,
  type CompiledTransportOptions,
  type ListenOptions,
  type PeerInfo,
  type ServerEvents,
  type ServerState,
  type TransportAddress,
  type TransportHandler,
  type TransportServer,
} from '@flint/core/transport';
import { TcpServerSession, type SessionHost } from './tcp-server-session.ts';

/**
 * A listening TCP server: accepts connections, authenticates each and hands
 * its frames to the handler through one `TcpServerSession` per connection.
 *
 * Owns the listening socket and every session; not the handler. Created by
 * `TcpServer.create` (refuses a non-loopback address without a secret).
 * `close()` is idempotent and resolves once every socket is gone.
 * Single-threaded.
 */
export class TcpServer implements TransportServer, SessionHost {
  readonly transport = 'tcp';
  readonly auth: ChallengeAuth | undefined;
  private readonly events = new EventEmitter();
  private readonly sessions = new Set<TcpServerSession>();
  private readonly open = new Set<TcpServerSession>();
  private _state: ServerState = 'listening';
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    readonly address: TransportAddress,
    readonly handler: TransportHandler,
    readonly options: CompiledTransportOptions,
  ) {
    this.auth = options.secret === undefined ? undefined : new ChallengeAuth(options.secret);
    server.on('connection', (socket) => {
      if (this._state !== 'listening') {
        socket.destroy();
        return;
      }
      this.sessions.add(new TcpServerSession(socket, this));
    });
    server.on('error', (err) => options.logger.error(`tcp server on ${address.host}:${address.port}: ${err.message}`));
  }

  static async create(handler: TransportHandler, options: CompiledTransportOptions, listen: ListenOptions = {}): Promise<TcpServer> {
    const host = listen.host ?? '127.0.0.1';
    assertListenAllowed(host, options.secret, 'tcp');
    const server = createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: options.keepAliveIntervalMs });
    const port = await bindServer(server, host, listen.port ?? 0, 'tcp');
    return new TcpServer(server, { host, port }, handler, options);
  }

  get state(): ServerState {
    return this._state;
  }

  peers(): PeerInfo[] {
    return [...this.open].map((s) => s.peer!);
  }

  on<E extends keyof ServerEvents>(event: E, listener: (...args: ServerEvents[E]) => void): this {
    this.events.on(event, listener as (...a: unknown[]) => void);
    return this;
  }

  off<E extends keyof ServerEvents>(event: E, listener: (...args: ServerEvents[E]) => void): this {
    this.events.off(event, listener as (...a: unknown[]) => void);
    return this;
  }

  authenticated(session: TcpServerSession): void {
    this.open.add(session);
    this.events.emit('peerConnected', session.peer!);
  }

  closed(session: TcpServerSession, reason: TransportError | undefined): void {
    this.sessions.delete(session);
    if (this.open.delete(session)) this.events.emit('peerClosed', session.peer!, reason);
    if (this.sessions.size === 0) this.events.emit('drained');
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this._state = 'closed';
      const stopped = new Promise<void>((r) => this.server.close(() => r()));
      for (const s of [...this.sessions]) s.shutdown();
      if (this.sessions.size > 0) await once(this.events, 'drained');
      await stopped;
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
