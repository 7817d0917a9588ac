import { EventEmitter } from 'node:events';
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { connect as netConnect, type NetConnectOpts, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  ChallengeAuth,
  TransportError,
  CallDeadline,
  armCallDeadline,
  type DeadlineListener,
  decodeRemoteError,
  formatTransportAddress,
  type ConnectionEvents,
  type ConnectionState,
  type RequestOptions,
  type SendOptions,
  type StreamOptions,
  type TransportAddress,
  type TransportConnection,
} from '@flint/core/transport';
import { AuthenticatedSocketPool } from './authenticated-socket-pool.ts';
import { BatchReplyDecoder, ITEM, REPLY, encodeBatch, itemSize, type OutgoingItem } from './batch-codec.ts';
import { HANDSHAKE_MAX_BODY, HEADER, PROTOCOL_VERSION, ROUTE, type AuthReply, type HelloReply } from './http-protocol.ts';
import type { CompiledHttpTransportOptions } from './http-transport-options.ts';
import { exchangeOnSocket, postOnSocket, readBody } from './socket-exchange.ts';

const EMPTY = Buffer.alloc(0);

/** Largest body that may ride in a batch; bigger calls wait for a socket of their own. */
const BATCH_ITEM_MAX = 64 * 1024;
const BATCH_MAX_ITEMS = 1024;
const BATCH_MAX_BYTES = 4 * 1024 * 1024;

/** A call waiting in, or sent with, a batch. Its own deadline listener: no closures per call. */
class BatchedCall implements DeadlineListener, OutgoingItem {
  readonly resolve: (body: Buffer) => void;
  readonly reject: (err: TransportError) => void;
  deadline: CallDeadline | undefined;
  /** The batch it went out in (index → call), once sent. */
  batch: Map<number, BatchedCall> | undefined;
  batchId = 0;
  index = 0;
  settled = false;

  constructor(
    private readonly conn: HttpConnection,
    readonly type: number,
    readonly what: string,
    readonly kindBytes: Buffer,
    readonly body: Uint8Array,
    readonly arg: number,
  ) {
    this.resolve = captured.resolve;
    this.reject = captured.reject;
  }

  deadlineFailed(err: TransportError): void {
    this.conn.abandon(this, err);
  }

  settle(err: TransportError | undefined, value?: Buffer): void {
    if (this.settled) return;
    this.settled = true;
    this.deadline?.disarm();
    this.batch?.delete(this.index);
    if (err) this.reject(err);
    else this.resolve(value!);
  }
}

/** Calls waiting to go out together on one pool's next free socket. */
interface BatchLane {
  readonly queue: BatchedCall[];
  waiting: boolean;
  readonly pool: AuthenticatedSocketPool;
}

const captured = {
  resolve: undefined as unknown as (body: Buffer) => void,
  reject: undefined as unknown as (err: TransportError) => void,
};
function capture(resolve: (body: Buffer) => void, reject: (err: TransportError) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

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
  /** Small calls waiting for a busy pool; cancels ride the keep-alive socket so they never wait behind what they cancel. */
  private readonly calls: BatchLane;
  private readonly control: BatchLane;
  private nextBatchId = 0;
  private readonly kindCache = new Map<string, Buffer>();
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
    this.calls = { queue: [], waiting: false, pool: this.pool };
    this.control = { queue: [], waiting: false, pool: this.pingPool };
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
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const kindBytes = this.batchable(kind, body);
    if (kindBytes) return this.enqueue(ITEM.REQUEST, kind, kindBytes, body, 0, timeoutMs, options.signal);
    return this.call(ROUTE.rpc + encodeURIComponent(kind), `request ${kind}`, body, timeoutMs, options.signal, 200);
  }

  async send(kind: string, body: Uint8Array, options: SendOptions = {}): Promise<void> {
    const refused = this.refuse(body);
    if (refused) throw refused;
    // Sockets race each other; the sequence number lets the server deliver in send order.
    const seq = ++this.messageSeq;
    const kindBytes = this.batchable(kind, body);
    if (kindBytes) {
      await this.enqueue(ITEM.MESSAGE, kind, kindBytes, body, seq, this.options.requestTimeoutMs, options.signal);
      return;
    }
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

  /** The encoded kind when this call should wait in a batch (small, and no socket free now); else undefined. */
  private batchable(kind: string, body: Uint8Array): Buffer | undefined {
    if (body.byteLength > BATCH_ITEM_MAX || this.pool.hasRoom()) return undefined;
    let kindBytes = this.kindCache.get(kind);
    if (!kindBytes) {
      kindBytes = Buffer.from(kind, 'utf8');
      if (kindBytes.length > 255) return undefined;
      if (this.kindCache.size < 1024) this.kindCache.set(kind, kindBytes);
    }
    return kindBytes;
  }

  /** Queues a small call to go out with others when a socket frees up. */
  private enqueue(
    type: number,
    kind: string,
    kindBytes: Buffer,
    body: Uint8Array,
    arg: number,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Buffer> {
    const promise = new Promise<Buffer>(capture);
    const call = new BatchedCall(this, type, type === ITEM.MESSAGE ? 'message' : 'request', kindBytes, body, arg);
    if (timeoutMs > 0 || signal) {
      call.deadline = new CallDeadline(`${call.what} ${kind}`, timeoutMs, call).arm(signal);
      if (call.settled) return promise;
    }
    this.push(call);
    return promise;
  }

  private push(call: BatchedCall): void {
    const lane = call.type === ITEM.CANCEL ? this.control : this.calls;
    lane.queue.push(call);
    this.waitForBatchSocket(lane);
  }

  private waitForBatchSocket(lane: BatchLane): void {
    if (lane.waiting || lane.queue.length === 0) return;
    lane.waiting = true;
    lane.pool.acquire().then(
      (socket) => {
        lane.waiting = false;
        this.sendBatch(lane, socket);
      },
      (err: unknown) => {
        lane.waiting = false;
        const failure = this.failure(err);
        for (const c of lane.queue.splice(0)) c.settle(failure);
      },
    );
  }

  /** A queued call's deadline fired: fail it here and, if it was sent, cancel it on the server. */
  abandon(call: BatchedCall, err: TransportError): void {
    if (call.settled) return;
    const sent = call.batch !== undefined;
    call.settle(err);
    if (sent && call.type === ITEM.REQUEST && this._state === 'open') {
      const index = Buffer.allocUnsafe(4);
      index.writeUInt32BE(call.index, 0);
      // Nobody waits on a cancel: its outcome is irrelevant.
      new Promise<Buffer>(capture).catch(noop);
      this.push(new BatchedCall(this, ITEM.CANCEL, 'cancel', EMPTY, index, call.batchId));
    }
  }

  private sendBatch(lane: BatchLane, socket: Socket): void {
    const items: BatchedCall[] = [];
    let bytes = 0;
    let taken = 0;
    for (; taken < lane.queue.length && items.length < BATCH_MAX_ITEMS; taken++) {
      const c = lane.queue[taken];
      if (c.settled) continue;
      const size = itemSize(c.kindBytes.length, c.body.byteLength);
      if (items.length > 0 && bytes + size > BATCH_MAX_BYTES) break;
      bytes += size;
      items.push(c);
    }
    lane.queue.splice(0, taken);
    this.waitForBatchSocket(lane);
    if (items.length === 0) return lane.pool.release(socket);
    const batchId = (this.nextBatchId = (this.nextBatchId + 1) >>> 0);
    const inBatch = new Map<number, BatchedCall>();
    items.forEach((c, i) => {
      c.index = i;
      c.batchId = batchId;
      c.batch = inBatch;
      inBatch.set(i, c);
    });
    const failAll = (err: TransportError) => {
      for (const c of [...inBatch.values()]) c.settle(err);
    };
    const req = postOnSocket(socket, this.remote.host, this.remote.port, ROUTE.batch, bytes, { 'x-flint-batch': batchId });
    this.inflight.add(req);
    socket.once('free', () => lane.pool.release(socket));
    req.on('error', (e) => {
      this.inflight.delete(req);
      failAll(this.failure(e));
    });
    req.on('response', (res) => {
      this.lastHeard = Date.now();
      if (res.statusCode !== 200) {
        readBody(res, this.options.maxFrameBytes).then(
          (buf) => failAll(this.statusError(res, buf, 'batch', 200) ?? new TransportError('PROTOCOL', `batch: HTTP ${res.statusCode}`)),
          (e) => failAll(this.failure(e)),
        );
        return;
      }
      const decoder = new BatchReplyDecoder(this.options.maxFrameBytes, (index, status, payload) => {
        const c = inBatch.get(index);
        if (!c) return;
        if (status === REPLY.OK) c.settle(undefined, payload);
        else c.settle(decodeRemoteError(payload, `${c.what} ${c.kindBytes.toString('utf8')}`));
      });
      res.on('data', (chunk: Buffer) => {
        this.lastHeard = Date.now();
        try {
          decoder.push(chunk);
        } catch (err) {
          req.destroy();
          failAll(TransportError.from(err, 'PROTOCOL'));
        }
      });
      res.on('end', () => {
        this.inflight.delete(req);
        if (inBatch.size > 0) failAll(new TransportError('PROTOCOL', `batch ${batchId} ended with ${inBatch.size} calls unanswered`));
      });
      res.on('error', (e) => failAll(this.failure(e)));
      res.on('aborted', () => failAll(this.failure(new TransportError('PEER_LOST', `batch ${batchId} was cut off`))));
    });
    req.end(encodeBatch(items, bytes));
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
    // Responses read from the socket inherit its high-water mark: a block stream's window may sit
    // unread before the socket is paused (16 KiB by default paused it on every chunk).
    const socket = netConnect({ host, port, readableHighWaterMark: this.options.streamWindowBytes } as NetConnectOpts);
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
    for (const c of this.calls.queue.splice(0)) c.settle(this.closeReason);
    for (const c of this.control.queue.splice(0)) c.settle(this.closeReason);
    for (const r of this.inflight) r.destroy();
    this.inflight.clear();
    if (emit) this.events.emit('close', reason);
  }
}

function noop(): void {}
