import type { Readable } from 'node:stream';
import type { TransportError } from './transport-error.ts';
import type { CompiledTransportOptions, TransportOptions } from './transport-options.ts';

/** A server's or peer's network address. */
export interface TransportAddress {
  readonly host: string;
  readonly port: number;
}

/** Who is on the other end of a server-side connection. */
export interface PeerInfo {
  /** Unique per client connection; chosen by the client, stable for its lifetime. */
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly transport: string;
}

export interface RequestOptions {
  /** Overrides the transport's `requestTimeoutMs`; `0` waits forever. */
  timeoutMs?: number;
  /** Aborting rejects the call with `ABORTED` and cancels it on the server. */
  signal?: AbortSignal;
}

export interface SendOptions {
  signal?: AbortSignal;
}

export interface StreamOptions {
  /**
   * Longest wait for the next chunk (or the end) before the stream fails with
   * `TIMEOUT`; `0` waits forever.
   * @default the transport's requestTimeoutMs
   */
  idleTimeoutMs?: number;
  /** Aborting fails the reader with `ABORTED` and stops the producer. */
  signal?: AbortSignal;
}

export interface ConnectOptions {
  /** @default the transport's connectTimeoutMs */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ListenOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
}

/** Per-call context given to request and stream handlers. */
export interface HandlerContext {
  /** Aborted when the caller cancels or times out, or the connection closes. */
  readonly signal: AbortSignal;
}

/** What a stream handler may return: chunks pulled on demand (strings are sent as UTF-8). */
export type BlockSource = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> | Readable;

/**
 * The receiving side of a server: what to do with frames that arrive.
 *
 * Transports call these concurrently for different requests on the same and
 * on different connections; a handler must not assume any ordering between
 * requests. One-way messages from one connection are delivered in the order
 * sent. A handler that throws (or rejects) makes the caller's call fail with
 * a `REMOTE` error carrying the message and stack. A stream handler's source
 * is pulled only as fast as the reader consumes (backpressure); when the
 * reader cancels, the source's `return()` is called.
 */
export interface TransportHandler {
  onRequest?(kind: string, body: Uint8Array, peer: PeerInfo, ctx: HandlerContext): Uint8Array | Promise<Uint8Array>;
  onMessage?(kind: string, body: Uint8Array, peer: PeerInfo): void | Promise<void>;
  onStream?(kind: string, body: Uint8Array, peer: PeerInfo, ctx: HandlerContext): BlockSource | Promise<BlockSource>;
}

export interface ServerEvents {
  peerConnected: [peer: PeerInfo];
  /** `reason` is undefined for a clean close, else why the connection ended. */
  peerClosed: [peer: PeerInfo, reason: TransportError | undefined];
}

export interface ConnectionEvents {
  /**
   * The connection is unusable from now on. `reason` is undefined when it was
   * closed locally, `CONNECTION_CLOSED` when the peer said goodbye, `PEER_LOST`
   * when the peer vanished or stopped answering.
   */
  close: [reason: TransportError | undefined];
}

export type ServerState = 'listening' | 'closed';
export type ConnectionState = 'open' | 'closed';

/**
 * A listening server of one transport.
 *
 * Owns its listening socket and every accepted connection; does not own the
 * handler. `close()` is idempotent: it stops accepting, tells connected peers
 * it is going away, cancels running streams, aborts handler signals and
 * releases every socket. Events are emitted on the event loop, never
 * re-entrantly from a call.
 */
export interface TransportServer {
  readonly transport: string;
  /** The bound address (the real port when 0 was asked). */
  readonly address: TransportAddress;
  readonly state: ServerState;
  /** Peers connected and authenticated right now. */
  peers(): PeerInfo[];
  on<E extends keyof ServerEvents>(event: E, listener: (...args: ServerEvents[E]) => void): this;
  off<E extends keyof ServerEvents>(event: E, listener: (...args: ServerEvents[E]) => void): this;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A client's authenticated connection to one server.
 *
 * Many requests and streams run over it at once; each call's result goes to
 * its own caller. Calls may be made from any point of the event loop. When
 * the connection closes, every pending call fails with the close reason (or
 * `CONNECTION_CLOSED`) and `close` is emitted once. `close()` is idempotent.
 * Connections are shared per peer by `Transport.connect`, so closing one
 * closes it for every holder: do it when done with the peer.
 */
export interface TransportConnection {
  readonly transport: string;
  readonly remote: TransportAddress;
  readonly state: ConnectionState;
  /** Request/response: resolves with the handler's reply body. */
  request(kind: string, body: Uint8Array, options?: RequestOptions): Promise<Uint8Array>;
  /** One-way: resolves once the transport has accepted the message for delivery. */
  send(kind: string, body: Uint8Array, options?: SendOptions): Promise<void>;
  /**
   * Pulls a block as a stream of chunks. Chunks are requested from the server
   * only as the consumer reads them. Breaking out of the loop (or calling
   * `return()`) cancels the stream on the server. A stream fails with an error,
   * never ends early, if the peer dies or the producer throws.
   */
  stream(kind: string, body: Uint8Array, options?: StreamOptions): AsyncIterableIterator<Uint8Array>;
  on<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this;
  off<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this;
  close(): Promise<void>;
}

/**
 * One transport implementation with its compiled options.
 *
 * Owns the client connections it opened (one per peer address, reused by
 * every `connect` to that address while open) and the servers it started.
 * `close()` closes both and is idempotent.
 */
export interface Transport {
  readonly name: string;
  readonly options: CompiledTransportOptions;
  listen(handler: TransportHandler, options?: ListenOptions): Promise<TransportServer>;
  connect(address: TransportAddress | string, options?: ConnectOptions): Promise<TransportConnection>;
  close(): Promise<void>;
}

/** Makes a transport; what an implementation package registers. */
export type TransportFactory = (options?: TransportOptions) => Transport;
