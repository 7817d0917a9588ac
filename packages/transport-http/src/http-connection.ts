import { EventEmitter } from 'node:events';
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  ChallengeAuth,
  TransportError,
  armCallDeadline,
  decodeRemoteError,
  formatTransportAddress,
  type ConnectionEvents,
  type ConnectionState,
  type RequestOptions,
  type SendOptions,
  type StreamOptions,
  type TransportAddress,
  type TransportConnection,
} from '@flint/core';
import { AuthenticatedSocketPool } from './authenticated-socket-pool.ts';
import { HANDSHAKE_MAX_BODY, HEADER, PROTOCOL_VERSION, ROUTE, type AuthReply, type HelloReply } from './http-protocol.ts';
import type { CompiledHttpTransportOptions } from './http-transport-options.ts';
import { exchangeOnSocket, postOnSocket, readBody } from './socket-exchange.ts';

const EMPTY = Buffer.alloc(0);

/**
 * A client's connection to one HTTP transport server: a pool of keep-alive
 * sockets, each authenticated on opening, over which calls run as POSTs.
 *
 * Owns its sockets (a call pool and a one-socket keep-alive pool), the
 * in-flight requests and the liveness timer. Calls may be made at any time
 * and each settles exactly once. Cancelling a call (timeout, signal, a reader
 * breaking out) destroys the socket it used, which is how HTTP/1.1 tells the
 * server to stop. A call failing at the socket level triggers an immediate
 * liveness probe; a failed probe closes the connection with `PEER_LOST`.
 * Single-threaded.
 */
export class HttpConnection implements TransportConnection {
  readonly transport = 'http';
  private readonly events = new EventEmitter();
  private readonly pool: AuthenticatedSocketPool;
  private readonly pingPool: AuthenticatedSocketPool;
  private readonly inflight = new Set<ClientRequest>();
  private readonly id = randomBytes(12).toString('base64url');
  private readonly auth: ChallengeAuth | undefined;
  private readonly where: string;
  private _state: ConnectionState = 'open';
  private closeReason: TransportError | undefined;
  private lastHeard = Date.now();
  private probing = false;
  private messageSeq = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly remote: TransportAddress,
    private readonly options: CompiledHttpTransportOptions,
  ) {
    this.where = `http://${formatTransportAddress(remote)}`;
    this.auth = options.secret === undefined ? undefined : new ChallengeAuth(options.secret);
    const open = () => this.openSocket();
    this.pool = new AuthenticatedSocketPool(open, options.maxSocketsPerPeer, options.idleSocketMs);
    this.pingPool = new AuthenticatedSocketPool(open, 1, options.idleSocketMs);
  }

  /** Opens the first socket (authenticating it) and starts liveness checks. */
  static async open(address: TransportAddress, options: CompiledHttpTransportOptions): Promise<HttpConnection> {
    const conn = new HttpConnection(address, options);
    try {
      await conn.ping(options.connectTimeoutMs, true);
    } catch (err) {
      conn.shutdown(TransportError.from(err, 'CONNECT_FAILED'), false);
      throw err;
    }
    conn.timer = setInterval(() => conn.tick(), options.keepAliveIntervalMs);
    conn.timer.unref();
    return conn;
  }

  get state(): ConnectionState {
    return this._state;
  }

  on<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this {
    this.events.on(event, listener as (...a: unknown[]) => void);
    return this;
  }

  off<E extends keyof ConnectionEvents>(event: E, listener: (...args: ConnectionEvents[E]) => void): this {
    this.events.off(event, listener as (...a: unknown[]) => void);
    return this;
  }

  request(kind: string, body: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    const refused = this.refuse(body);
    if (refused) return Promise.reject(refused);
    return this.call(ROUTE.rpc + encodeURIComponent(kind), `request ${kind}`, body, options.timeoutMs ?? this.options.requestTimeoutMs, options.signal, 200);
  }

  async send(kind: string, body: Uint8Array, options: SendOptions = {}): Promise<void> {
    const refused = this.refuse(body);
    if (refused) throw refused;
    // Sockets race each other; the sequence number lets the server deliver in send order.
    const seq = ++this.messageSeq;
    await this.call(ROUTE.msg + encodeURIComponent(kind), `message ${kind}`, body, this.options.requestTimeoutMs, options.signal, 202, this.pool, {
      'x-flint-seq': seq,
    });
  }

  stream(kind: string, body: Uint8Array, options: StreamOptions = {}): AsyncIterableIterator<Uint8Array> {
    return this.readStream(kind, body, options.idleTimeoutMs ?? this.options.requestTimeoutMs, options.signal);
  }

  async close(): Promise<void> {
    this.shutdown(undefined, true);
  }

  private refuse(body: Uint8Array): TransportError | undefined {
    if (this._state !== 'open') return this.closeReason ?? new TransportError('CONNECTION_CLOSED', `connection to ${this.where} is closed`);
    if (body.byteLength > this.options.maxFrameBytes) {
      return new TransportError('FRAME_TOO_LARGE', `body of ${body.byteLength} bytes exceeds the limit (${this.options.maxFrameBytes} bytes)`, {
        retryable: false,
      });
    }
    return undefined;
  }

  /** One POST expecting `okStatus`; resolves with the body. */
  private call(
    path: string,
    what: string,
    body: Uint8Array,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    okStatus: number,
    pool = this.pool,
    headers?: OutgoingHttpHeaders,
  ): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      let settled = false;
      let req: ClientRequest | undefined;
      let disarm = noop;
      const finish = (err: TransportError | undefined, value?: Buffer) => {
        if (settled) return;
        settled = true;
        disarm();
        if (req) this.inflight.delete(req);
        if (err) {
          req?.destroy();
          reject(err);
        } else resolve(value!);
      };
      disarm = armCallDeadline(what, timeoutMs, signal, (err) => finish(err));
      if (settled) return;
      pool.acquire().then(
        (socket) => {
          if (settled) return pool.release(socket);
          const r = postOnSocket(socket, this.remote.host, this.remote.port, path, body.byteLength, headers);
          req = r;
          this.inflight.add(r);
          socket.once('free', () => pool.release(socket));
          r.on('error', (e) => finish(this.failure(e)));
          r.on('response', (res) => {
            this.lastHeard = Date.now();
            readBody(res, this.options.maxFrameBytes).then(
              (buf) => finish(this.statusError(res, buf, what, okStatus), buf),
              (e) => finish(this.failure(e)),
            );
          });
          r.end(body);
        },
        (e) => finish(this.failure(e)),
      );
    });
  }

  private async *readStream(kind: string, body: Uint8Array, idleTimeoutMs: number, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
    const refused = this.refuse(body);
    if (refused) throw refused;
    const what = `stream ${kind}`;
    let failure: TransportError | undefined;
    let req: ClientRequest | undefined;
    let response: IncomingMessage | undefined;
    let wake: (() => void) | undefined;
    let waiting = false;
    const fail = (err: TransportError) => {
      failure ??= err;
      req?.destroy();
      wake?.();
    };
    const disarm = armCallDeadline(what, 0, signal, fail);
    // One timer, re-armed per wait; it only counts while the reader waits on the server.
    const idle =
      idleTimeoutMs > 0
        ? setTimeout(() => {
            if (waiting) fail(new TransportError('TIMEOUT', `${what} sent nothing for ${idleTimeoutMs} ms`));
          }, idleTimeoutMs)
        : undefined;
    try {
      if (failure) throw failure;
      const socket = await this.pool.acquire();
      if (failure) {
        this.pool.release(socket);
        throw failure;
      }
      const r = postOnSocket(socket, this.remote.host, this.remote.port, ROUTE.stream + encodeURIComponent(kind), body.byteLength);
      req = r;
      this.inflight.add(r);
      socket.once('free', () => this.pool.release(socket));
      waiting = true;
      idle?.refresh();
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        wake = () => reject(failure);
        r.on('response', resolve);
        r.on('error', (e) => reject(this.failure(e)));
        r.end(body);
      });
      waiting = false;
      wake = undefined;
      response = res;
      this.lastHeard = Date.now();
      if (res.statusCode !== 200) {
        const buf = await readBody(res, this.options.maxFrameBytes);
        throw this.statusError(res, buf, what, 200) ?? new TransportError('PROTOCOL', `${what}: unexpected status ${res.statusCode}`);
      }
      const it = (res as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      for (;;) {
        let step: IteratorResult<Buffer>;
        waiting = true;
        idle?.refresh();
        try {
          step = await it.next();
        } catch (e) {
          throw failure ?? this.failure(e);
        } finally {
          waiting = false;
        }
        if (failure) throw failure;
        if (step.done) break;
        this.lastHeard = Date.now();
        yield step.value;
        if (failure) throw failure;
      }
      const status = res.trailers[HEADER.status];
      if (status === 'ok') return;
      if (status === 'error') throw decodeRemoteError(Buffer.from(String(res.trailers[HEADER.error] ?? ''), 'base64'), what);
      throw new TransportError('PROTOCOL', `${what} ended without a status trailer`);
    } finally {
      disarm();
      if (idle) clearTimeout(idle);
      if (req) {
        this.inflight.delete(req);
        // Left early (break, error, timeout): the only way to stop the producer is to drop the socket.
        if (!req.destroyed && !(response?.complete ?? false)) req.destroy();
      }
    }
  }

  private statusError(res: IncomingMessage, buf: Buffer, what: string, okStatus: number): TransportError | undefined {
    const status = res.statusCode ?? 0;
    if (status === okStatus) return undefined;
    if (status === 500 && res.headers[HEADER.error] !== undefined) return decodeRemoteError(buf, what);
    if (status === 413) return new TransportError('FRAME_TOO_LARGE', `${what}: ${buf.toString('utf8')}`, { retryable: false });
    if (status === 503 && res.headers[HEADER.goaway] !== undefined) {
      const reason = new TransportError('CONNECTION_CLOSED', `${this.where} is shutting down`);
      queueMicrotask(() => this.shutdown(reason, true));
      return reason;
    }
    return new TransportError('PROTOCOL', `${what}: unexpected HTTP ${status}: ${buf.toString('utf8').slice(0, 200)}`);
  }

  /** Maps a socket or HTTP failure; a socket-level one makes us check the peer. */
  private failure(err: unknown): TransportError {
    if (this.closeReason) return this.closeReason;
    if (err instanceof TransportError) {
      if (err.code === 'PEER_LOST' || err.code === 'CONNECT_FAILED') this.suspect();
      return err;
    }
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const message = err instanceof Error ? err.message : String(err);
    if (code.startsWith('HPE_')) return new TransportError('PROTOCOL', `${this.where} sent malformed HTTP: ${message}`, { cause: err });
    this.suspect();
    return new TransportError('PEER_LOST', `lost the connection to ${this.where}: ${message}`, { cause: err });
  }

  /** Checks the peer now (once at a time); declares it lost if the check fails. */
  private suspect(): void {
    if (this.probing || this._state !== 'open') return;
    this.probing = true;
    this.ping(this.options.peerTimeoutMs, false).then(
      () => (this.probing = false),
      (err: unknown) => {
        this.probing = false;
        const cause = err instanceof Error ? err.message : String(err);
        this.shutdown(new TransportError('PEER_LOST', `${this.where} stopped answering: ${cause}`, { cause: err }), true);
      },
    );
  }

  private tick(): void {
    if (Date.now() - this.lastHeard >= this.options.keepAliveIntervalMs) this.suspect();
  }

  private async ping(timeoutMs: number, first: boolean): Promise<void> {
    await this.call(ROUTE.ping, 'keep-alive probe', EMPTY, timeoutMs, undefined, 204, first ? this.pool : this.pingPool);
    this.lastHeard = Date.now();
  }

  /** Opens and authenticates one socket. */
  private async openSocket(): Promise<Socket> {
    const { host, port } = this.remote;
    const socket = netConnect({ host, port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => socket.destroy(new TransportError('TIMEOUT', `connecting to ${this.where} timed out`)), this.options.connectTimeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', (e) =>
          reject(e instanceof TransportError ? e : new TransportError('CONNECT_FAILED', `cannot connect to ${this.where}: ${e.message}`, { cause: e })),
        );
      });
      const hello = await exchangeOnSocket(socket, host, port, ROUTE.hello, EMPTY, HANDSHAKE_MAX_BODY);
      if (hello.status !== 200) throw new TransportError('PROTOCOL', `${this.where} is not a Flint HTTP transport (HTTP ${hello.status})`);
      const h = JSON.parse(hello.body.toString('utf8')) as HelloReply;
      if (h.version !== PROTOCOL_VERSION) throw new TransportError('PROTOCOL', `${this.where} speaks protocol version ${h.version}, this side ${PROTOCOL_VERSION}`);
      if (!h.auth && this.auth) {
        throw new TransportError('AUTH_FAILED', `${this.where} does not authenticate, but this side has a cluster secret: refusing to talk to it`);
      }
      const serverNonce = Buffer.from(h.nonce, 'hex');
      const clientNonce = ChallengeAuth.nonce();
      const proof = this.auth?.clientProof(serverNonce, clientNonce).toString('hex');
      const answer = Buffer.from(JSON.stringify({ id: this.id, nonce: clientNonce.toString('hex'), ...(proof ? { proof } : {}) }));
      const r = await exchangeOnSocket(socket, host, port, ROUTE.auth, answer, HANDSHAKE_MAX_BODY);
      if (r.status === 401) {
        const hint = h.auth && !this.auth ? ' (it requires the cluster secret: set FLINT_SECRET or flint.authenticate.secret)' : '';
        throw new TransportError('AUTH_FAILED', `${this.where} refused authentication: ${r.body.toString('utf8')}${hint}`);
      }
      if (r.status !== 200) throw new TransportError('PROTOCOL', `${this.where} answered authentication with HTTP ${r.status}`);
      const reply = JSON.parse(r.body.toString('utf8')) as AuthReply;
      if (this.auth && !(typeof reply.proof === 'string' && this.auth.verifyServerProof(serverNonce, clientNonce, Buffer.from(reply.proof, 'hex')))) {
        throw new TransportError('AUTH_FAILED', `${this.where} failed to prove the cluster secret`);
      }
      if (socket.destroyed) throw new TransportError('PEER_LOST', `${this.where} closed the socket after authenticating it`);
      return socket;
    } catch (err) {
      socket.destroy();
      if (err instanceof TransportError) throw err;
      throw new TransportError('PROTOCOL', `authenticating with ${this.where} failed: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private shutdown(reason: TransportError | undefined, emit: boolean): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    this.closeReason = reason ?? new TransportError('CONNECTION_CLOSED', `connection to ${this.where} was closed`, { retryable: false });
    if (this.timer) clearInterval(this.timer);
    this.pool.destroy(this.closeReason);
    this.pingPool.destroy(this.closeReason);
    for (const r of this.inflight) r.destroy();
    this.inflight.clear();
    if (emit) this.events.emit('close', reason);
  }
}

function noop(): void {}
