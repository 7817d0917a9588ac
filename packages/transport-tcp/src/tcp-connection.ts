import { EventEmitter } from 'node:events';
import { connect as netConnect } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  ChallengeAuth,
  TransportError,
  CallDeadline,
  DeadlineQueue,
  type DeadlineListener,
  decodeRemoteError,
  formatTransportAddress,
  type CompiledTransportOptions,
  type ConnectionEvents,
  type ConnectionState,
  type RequestOptions,
  type SendOptions,
  type StreamOptions,
  type TransportAddress,
  type TransportConnection,
} from '@flint/core/transport';
import { CreditStreamReader, type CreditLink } from './credit-stream-reader.ts';
import { FRAME_NAMES, FrameType, HEADER_BYTES } from './frame.ts';
import { FrameSocket } from './frame-socket.ts';
import { decodeChallenge, encodeAuth } from './handshake.ts';

/** A request awaiting its reply; its own deadline listener, so no closures per call. */
class PendingCall implements DeadlineListener {
  resolve: (body: Uint8Array) => void;
  reject: (err: TransportError) => void;
  deadline: CallDeadline | undefined;

  constructor(
    private readonly conn: TcpConnection,
    readonly id: number,
    readonly kind: string,
  ) {
    this.resolve = captured.resolve;
    this.reject = captured.reject;
  }

  deadlineFailed(err: TransportError): void {
    this.conn.abandon(this, err);
  }
}

/** Promise executors capture into here, so making a promise allocates no closure. */
const captured = {
  resolve: undefined as unknown as (body: Uint8Array) => void,
  reject: undefined as unknown as (err: TransportError) => void,
};
function capture(resolve: (body: Uint8Array) => void, reject: (err: TransportError) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

/**
 * A client's connection to one TCP server: many requests, one-way messages
 * and block streams multiplexed over one socket by id.
 *
 * Owns the socket, the table of pending calls and open stream readers; owns
 * no server state. Opened by `TcpConnection.open`, which completes the
 * handshake (and checks the server's proof when a secret is set) before
 * returning. Any call may be made at any time; each settles exactly once.
 * When the socket goes, every pending call fails with the reason and `close`
 * fires once. Single-threaded.
 */
export class TcpConnection implements TransportConnection, CreditLink {
  readonly transport = 'tcp';
  private readonly events = new EventEmitter();
  private readonly pending = new Map<number, PendingCall | CreditStreamReader>();
  private nextId = 1;
  private _state: ConnectionState = 'open';
  private goingAway = false;
  private closedLocally = false;
  private closeReason: TransportError | undefined;
  private readonly maxBody: number;
  /** Requests with the default timeout share one timer. */
  private readonly deadlines: DeadlineQueue;

  private constructor(
    readonly remote: TransportAddress,
    private readonly frames: FrameSocket,
    private readonly options: CompiledTransportOptions,
  ) {
    this.maxBody = options.maxFrameBytes - HEADER_BYTES - 255 - 4;
    this.deadlines = new DeadlineQueue(options.requestTimeoutMs);
  }

  /** Connects, authenticates and returns an open connection. */
  static open(address: TransportAddress, options: CompiledTransportOptions, connectTimeoutMs = options.connectTimeoutMs): Promise<TcpConnection> {
    const where = formatTransportAddress(address);
    return new Promise<TcpConnection>((resolve, reject) => {
      const socket = netConnect({ host: address.host, port: address.port });
      const clientNonce = ChallengeAuth.nonce();
      const auth = options.secret === undefined ? undefined : new ChallengeAuth(options.secret);
      let stage: 'challenge' | 'auth' | 'done' = 'challenge';
      let serverNonce: Buffer | undefined;
      let missingSecret = false;
      let conn: TcpConnection | undefined;
      let settled = false;
      const settle = (err: TransportError | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(conn!);
      };
      const timer = setTimeout(
        () => settle(new TransportError('TIMEOUT', `connecting to tcp://${where} timed out after ${connectTimeoutMs} ms`)),
        connectTimeoutMs,
      );
      socket.once('error', (err) => {
        if (stage === 'challenge' && !serverNonce) {
          settle(new TransportError('CONNECT_FAILED', `cannot connect to tcp://${where}: ${err.message}`, { cause: err }));
        }
      });
      const frames = new FrameSocket(socket, `tcp connection to ${where}`, options, {
        onFrame: (type, id, _kind, payload) => {
          if (stage === 'done') return conn!.onFrame(type, id, payload);
          if (stage === 'challenge') {
            if (type !== FrameType.CHALLENGE) throw new TransportError('PROTOCOL', `expected CHALLENGE, got ${FRAME_NAMES[type]}`);
            const ch = decodeChallenge(payload);
            serverNonce = ch.nonce;
            // Without a secret, still answer (with no proof) so the server refuses and logs it.
            missingSecret = ch.authRequired && !auth;
            if (!ch.authRequired && auth) {
              settle(new TransportError('AUTH_FAILED', `tcp://${where} does not authenticate, but this side has a cluster secret: refusing to talk to it`));
              return;
            }
            const connectionId = randomBytes(12).toString('base64url');
            const proof = auth ? auth.clientProof(ch.nonce, clientNonce) : undefined;
            frames.writer.write(FrameType.AUTH, 0, '', encodeAuth({ nonce: clientNonce, connectionId, proof }));
            stage = 'auth';
            return;
          }
          if (type === FrameType.AUTH_REJECTED) {
            const hint = missingSecret ? ' (it requires the cluster secret: set FLINT_SECRET or flint.authenticate.secret)' : '';
            settle(new TransportError('AUTH_FAILED', `tcp://${where} refused authentication: ${payload.toString('utf8')}${hint}`));
            return;
          }
          if (type !== FrameType.AUTH_OK) throw new TransportError('PROTOCOL', `expected AUTH_OK, got ${FRAME_NAMES[type]}`);
          if (auth && !auth.verifyServerProof(serverNonce!, clientNonce, payload)) {
            settle(new TransportError('AUTH_FAILED', `tcp://${where} failed to prove the cluster secret`));
            return;
          }
          stage = 'done';
          frames.authenticated();
          frames.startKeepAlive('client');
          conn = new TcpConnection(address, frames, options);
          settle(undefined);
        },
        onPiece: (id, piece) => {
          if (stage !== 'done') throw new TransportError('PROTOCOL', 'stream data before authentication');
          conn!.onStreamData(id, piece);
        },
        onClose: (reason) => {
          if (conn) conn.onSocketClosed(reason);
          else settle(reason ?? new TransportError('CONNECT_FAILED', `tcp://${where} closed the connection during the handshake`));
        },
      });
    });
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

  request(kind: string, body: Uint8Array, options?: RequestOptions): Promise<Uint8Array> {
    const refused = this.refuse(body);
    if (refused) return Promise.reject(refused);
    const id = this.allocateId();
    const promise = new Promise<Uint8Array>(capture);
    const call = new PendingCall(this, id, kind);
    this.pending.set(id, call);
    const timeoutMs = options?.timeoutMs ?? this.options.requestTimeoutMs;
    const signal = options?.signal;
    if (timeoutMs > 0 || signal) {
      call.deadline = new CallDeadline(`request ${kind}`, timeoutMs, call).arm(signal, this.deadlines);
      if (this.pending.get(id) !== call) return promise;
    }
    try {
      this.frames.writer.write(FrameType.REQUEST, id, kind, body);
    } catch (err) {
      this.pending.delete(id);
      call.deadline?.disarm();
      call.reject(TransportError.from(err, 'PROTOCOL'));
    }
    return promise;
  }

  /** A pending call's deadline fired: forget it and tell the server. */
  abandon(call: PendingCall, err: TransportError): void {
    if (this.pending.get(call.id) !== call) return;
    this.pending.delete(call.id);
    if (this._state === 'open') this.frames.writer.write(FrameType.CANCEL, call.id, '');
    call.reject(err);
  }

  send(kind: string, body: Uint8Array, options: SendOptions = {}): Promise<void> {
    if (options.signal?.aborted) return Promise.reject(new TransportError('ABORTED', `message ${kind} aborted`, { cause: options.signal.reason }));
    const refused = this.refuse(body);
    if (refused) return Promise.reject(refused);
    try {
      this.frames.writer.write(FrameType.MESSAGE, 0, kind, body);
    } catch (err) {
      return Promise.reject(TransportError.from(err, 'PROTOCOL'));
    }
    return Promise.resolve();
  }

  stream(kind: string, body: Uint8Array, options: StreamOptions = {}): AsyncIterableIterator<Uint8Array> {
    const { streamWindowBytes, streamChunkBytes, requestTimeoutMs } = this.options;
    const id = this._state === 'open' ? this.allocateId() : 0;
    const reader = new CreditStreamReader(id, kind, streamWindowBytes, streamChunkBytes, options.idleTimeoutMs ?? requestTimeoutMs, options.signal, this);
    const refused = this.refuse(body);
    if (refused) {
      reader.fail(refused);
      return reader;
    }
    this.pending.set(id, reader);
    try {
      this.frames.writer.write(FrameType.STREAM_OPEN, id, kind, body, streamWindowBytes);
    } catch (err) {
      this.pending.delete(id);
      reader.fail(TransportError.from(err, 'PROTOCOL'));
    }
    return reader;
  }

  async close(): Promise<void> {
    if (this._state === 'closed') return;
    this.closedLocally = true;
    this.frames.end();
  }

  /** CreditLink: the reader consumed `bytes` more. */
  grant(id: number, bytes: number): void {
    if (this._state === 'open' && this.pending.has(id)) this.frames.writer.write(FrameType.STREAM_CREDIT, id, '', undefined, bytes);
  }

  /** CreditLink: the reader gave up. */
  cancel(id: number): void {
    if (this.pending.delete(id) && this._state === 'open') this.frames.writer.write(FrameType.CANCEL, id, '');
  }

  /** CreditLink: the server broke flow control. */
  violation(err: TransportError): void {
    this.frames.fail(err);
  }

  private refuse(body: Uint8Array): TransportError | undefined {
    if (this._state !== 'open' || this.goingAway) {
      return this.closeReason ?? new TransportError('CONNECTION_CLOSED', `connection to tcp://${formatTransportAddress(this.remote)} is closed`);
    }
    if (body.byteLength > this.maxBody) {
      return new TransportError('FRAME_TOO_LARGE', `body of ${body.byteLength} bytes exceeds the frame limit (${this.options.maxFrameBytes} bytes)`, {
        retryable: false,
      });
    }
    return undefined;
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= 0xffff_fffe ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  private onFrame(type: number, id: number, payload: Buffer): void {
    switch (type) {
      case FrameType.RESPONSE: {
        const p = this.pending.get(id);
        if (p === undefined) return; // answered after the caller gave up
        if (p instanceof CreditStreamReader) throw new TransportError('PROTOCOL', `RESPONSE for stream ${id}`);
        this.pending.delete(id);
        p.deadline?.disarm();
        p.resolve(payload);
        return;
      }
      case FrameType.ERROR: {
        const p = this.pending.get(id);
        if (p === undefined) return;
        this.pending.delete(id);
        if (p instanceof CreditStreamReader) p.fail(decodeRemoteError(payload, `stream ${id}`));
        else {
          p.deadline?.disarm();
          p.reject(decodeRemoteError(payload, `request ${p.kind}`));
        }
        return;
      }
      case FrameType.STREAM_DATA:
        return this.onStreamData(id, payload);
      case FrameType.STREAM_END: {
        const p = this.pending.get(id);
        if (p instanceof CreditStreamReader) {
          this.pending.delete(id);
          p.end();
        }
        return;
      }
      case FrameType.PONG:
        return;
      case FrameType.GOAWAY: {
        this.goingAway = true;
        const where = `tcp://${formatTransportAddress(this.remote)}`;
        if (payload.length === 0) {
          this.closeReason = new TransportError('CONNECTION_CLOSED', `${where} is shutting down`);
        } else {
          const remote = decodeRemoteError(payload, `${where} closed the connection`);
          const code = remote.remote?.code === 'FRAME_TOO_LARGE' || remote.remote?.code === 'PROTOCOL' ? remote.remote.code : 'CONNECTION_CLOSED';
          this.closeReason = new TransportError(code, remote.message, { cause: remote, retryable: code === 'CONNECTION_CLOSED' });
        }
        return;
      }
      default:
        throw new TransportError('PROTOCOL', `unexpected ${FRAME_NAMES[type]} frame from the server`);
    }
  }

  /** Block bytes for stream `id`: a whole STREAM_DATA payload or a piece of one. */
  private onStreamData(id: number, bytes: Buffer): void {
    const p = this.pending.get(id);
    if (p === undefined) return; // cancelled; in-flight chunks still arrive
    if (!(p instanceof CreditStreamReader)) throw new TransportError('PROTOCOL', `STREAM_DATA for request ${id}`);
    p.push(bytes);
  }

  private onSocketClosed(reason: TransportError | undefined): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    const where = `tcp://${formatTransportAddress(this.remote)}`;
    let why: TransportError | undefined;
    if (this.closedLocally) why = undefined;
    else if (this.goingAway) why = this.closeReason;
    else if (reason && reason.code !== 'PEER_LOST') why = reason;
    else why = new TransportError('PEER_LOST', `lost the connection to ${where}${reason ? `: ${reason.message}` : ''}`, { cause: reason });
    const failure = why ?? new TransportError('CONNECTION_CLOSED', `connection to ${where} was closed`, { retryable: false });
    this.closeReason = failure;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      if (p instanceof CreditStreamReader) p.fail(failure);
      else {
        p.deadline?.disarm();
        p.reject(failure);
      }
    }
    this.deadlines.close();
    this.events.emit('close', why);
  }
}

