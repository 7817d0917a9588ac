import type { Socket } from 'node:net';
import {
  ChallengeAuth,
  TransportError,
  blockChunks,
  encodeRemoteError,
  type CompiledTransportOptions,
  type HandlerContext,
  type PeerInfo,
  type TransportHandler,
} from '@flint/core/transport';
import { FRAME_NAMES, FrameType, HEADER_BYTES } from './frame.ts';
import { FrameSocket } from './frame-socket.ts';
import { decodeAuth, encodeChallenge } from './handshake.ts';

/** What a session needs from its server. */
export interface SessionHost {
  readonly handler: TransportHandler;
  readonly options: CompiledTransportOptions;
  readonly auth: ChallengeAuth | undefined;
  authenticated(session: TcpServerSession): void;
  closed(session: TcpServerSession, reason: TransportError | undefined): void;
}

/** A request being handled; the controller is made only if the handler looks at `ctx.signal`. */
class InflightCall implements HandlerContext {
  private controller: AbortController | undefined;
  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }
  abort(reason: TransportError): void {
    this.controller?.abort(reason);
  }
}

/** A block stream being sent, paced by the reader's credit. */
class OutboundStream extends InflightCall {
  credit: number;
  cancelled = false;
  wake: (() => void) | undefined;
  constructor(window: number) {
    super();
    this.credit = window;
  }
  grant(bytes: number): void {
    this.credit += bytes;
    this.poke();
  }
  cancel(reason: TransportError): void {
    this.cancelled = true;
    this.abort(reason);
    this.poke();
  }
  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

/**
 * The server side of one accepted TCP connection: runs the handshake, then
 * dispatches requests, one-way messages and streams to the handler and
 * writes back replies.
 *
 * Owns the socket (through `FrameSocket`), the in-flight calls and the
 * outbound streams of this connection, not the handler. Requests run
 * concurrently; replies go out in completion order, each tagged with its id.
 * A stream sends only while the reader has granted credit, and pauses while
 * the socket's write queue is above one window, so a slow reader holds at
 * most its window here. Single-threaded.
 */
export class TcpServerSession {
  readonly frames: FrameSocket;
  peer: PeerInfo | undefined;
  private state: 'handshake' | 'open' | 'closed' = 'handshake';
  private readonly serverNonce = ChallengeAuth.nonce();
  private readonly calls = new Map<number, InflightCall>();
  private drainWaiters: (() => void)[] = [];
  private readonly handshakeTimer: NodeJS.Timeout;

  constructor(
    socket: Socket,
    private readonly host: SessionHost,
  ) {
    const from = `${socket.remoteAddress}:${socket.remotePort}`;
    this.frames = new FrameSocket(socket, `tcp connection from ${from}`, host.options, {
      onFrame: (type, id, kind, payload) => this.onFrame(type, id, kind, payload),
      onClose: (reason) => this.onClose(reason),
    });
    socket.on('drain', () => {
      const ws = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of ws) w();
    });
    this.frames.writer.write(
      FrameType.CHALLENGE,
      0,
      '',
      encodeChallenge({ authRequired: host.auth !== undefined, nonce: this.serverNonce }),
    );
    this.handshakeTimer = setTimeout(() => {
      this.frames.fail(new TransportError('AUTH_FAILED', `no authentication within ${host.options.handshakeTimeoutMs} ms`));
    }, host.options.handshakeTimeoutMs);
    this.handshakeTimer.unref();
  }

  /** Server shutdown: say goodbye, stop streams, abort handlers, close. */
  shutdown(): void {
    if (this.state === 'open') this.frames.writer.write(FrameType.GOAWAY, 0, '');
    this.frames.end();
  }

  private onFrame(type: number, id: number, kind: string, payload: Buffer): void {
    if (this.state === 'handshake') return this.onHandshake(type, payload);
    if (this.state !== 'open') return;
    switch (type) {
      case FrameType.REQUEST:
        return this.onRequest(id, kind, payload);
      case FrameType.MESSAGE:
        return this.onMessage(kind, payload);
      case FrameType.STREAM_OPEN:
        return this.onStreamOpen(id, kind, payload);
      case FrameType.STREAM_CREDIT: {
        if (payload.length !== 4) throw new TransportError('PROTOCOL', 'malformed STREAM_CREDIT frame');
        const s = this.calls.get(id);
        if (s instanceof OutboundStream) s.grant(payload.readUInt32BE(0));
        return;
      }
      case FrameType.CANCEL: {
        const c = this.calls.get(id);
        if (c) {
          this.calls.delete(id);
          const reason = new TransportError('ABORTED', 'the caller cancelled');
          if (c instanceof OutboundStream) c.cancel(reason);
          else c.abort(reason);
        }
        return;
      }
      case FrameType.PING:
        this.frames.writer.write(FrameType.PONG, id, '');
        return;
      case FrameType.GOAWAY:
        return;
      default:
        throw new TransportError('PROTOCOL', `unexpected ${FRAME_NAMES[type]} frame from a client`);
    }
  }

  private onHandshake(type: number, payload: Buffer): void {
    if (type !== FrameType.AUTH) throw new TransportError('PROTOCOL', `expected an AUTH frame first, got ${FRAME_NAMES[type]}`);
    const answer = decodeAuth(payload);
    const auth = this.host.auth;
    let refusal: string | undefined;
    if (auth) {
      if (!answer.proof) refusal = 'the client sent no proof of the cluster secret';
      else if (!auth.verifyClientProof(this.serverNonce, answer.nonce, answer.proof)) refusal = 'wrong proof of the cluster secret';
    }
    clearTimeout(this.handshakeTimer);
    const socket = this.frames.socket;
    if (refusal) {
      this.host.options.logger.warn(`refused tcp connection from ${socket.remoteAddress}:${socket.remotePort}: ${refusal}`, {
        code: 'AUTH_FAILED',
      });
      this.state = 'closed';
      this.frames.writer.write(FrameType.AUTH_REJECTED, 0, '', Buffer.from(refusal, 'utf8'));
      this.frames.end(new TransportError('AUTH_FAILED', refusal));
      return;
    }
    this.state = 'open';
    this.peer = {
      id: answer.connectionId,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      transport: 'tcp',
    };
    this.frames.authenticated();
    this.frames.goodbye = (err) => (w) => w.write(FrameType.GOAWAY, 0, '', encodeRemoteError(err));
    this.frames.writer.write(FrameType.AUTH_OK, 0, '', auth ? auth.serverProof(this.serverNonce, answer.nonce) : undefined);
    this.frames.startKeepAlive('server');
    this.host.authenticated(this);
  }

  private onRequest(id: number, kind: string, body: Buffer): void {
    if (this.calls.has(id)) throw new TransportError('PROTOCOL', `request id ${id} is already in use`);
    const call = new InflightCall();
    this.calls.set(id, call);
    const onRequest = this.host.handler.onRequest;
    let result: Uint8Array | Promise<Uint8Array>;
    try {
      if (!onRequest) throw new Error('this server handles no requests');
      result = onRequest.call(this.host.handler, kind, body, this.peer!, call);
    } catch (err) {
      this.replyError(id, call, err);
      return;
    }
    if (result instanceof Uint8Array) this.reply(id, call, result);
    else
      Promise.resolve(result).then(
        (r) => this.reply(id, call, r),
        (e) => this.replyError(id, call, e),
      );
  }

  private reply(id: number, call: InflightCall, body: unknown): void {
    if (this.calls.get(id) !== call) return;
    if (!(body instanceof Uint8Array)) {
      this.replyError(id, call, new TypeError(`request handler returned ${typeof body}, not a Uint8Array`));
      return;
    }
    const max = this.host.options.maxFrameBytes - HEADER_BYTES;
    if (body.byteLength > max) {
      this.replyError(id, call, new TransportError('FRAME_TOO_LARGE', `reply of ${body.byteLength} bytes exceeds the frame limit ${max}`));
      return;
    }
    this.calls.delete(id);
    this.frames.writer.write(FrameType.RESPONSE, id, '', body);
  }

  private replyError(id: number, call: InflightCall, err: unknown): void {
    if (this.calls.get(id) !== call) return;
    this.calls.delete(id);
    this.frames.writer.write(FrameType.ERROR, id, '', encodeRemoteError(err));
  }

  private onMessage(kind: string, body: Buffer): void {
    const onMessage = this.host.handler.onMessage;
    const report = (err: unknown) =>
      this.host.options.logger.warn(`message handler for '${kind}' failed: ${err instanceof Error ? err.message : String(err)}`);
    if (!onMessage) return report(new Error('this server handles no one-way messages'));
    try {
      const r = onMessage.call(this.host.handler, kind, body, this.peer!);
      if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).catch(report);
    } catch (err) {
      report(err);
    }
  }

  private onStreamOpen(id: number, kind: string, payload: Buffer): void {
    if (payload.length < 4) throw new TransportError('PROTOCOL', 'malformed STREAM_OPEN frame');
    if (this.calls.has(id)) throw new TransportError('PROTOCOL', `stream id ${id} is already in use`);
    const stream = new OutboundStream(payload.readUInt32BE(0));
    this.calls.set(id, stream);
    void this.pump(id, kind, payload.subarray(4), stream);
  }

  private async pump(id: number, kind: string, body: Buffer, stream: OutboundStream): Promise<void> {
    const { options, handler } = this.host;
    const writer = this.frames.writer;
    const socket = this.frames.socket;
    let chunks: ReturnType<typeof blockChunks> | undefined;
    try {
      if (!handler.onStream) throw new Error('this server serves no streams');
      chunks = blockChunks(await handler.onStream.call(handler, kind, body, this.peer!, stream), options.streamChunkBytes);
      for (;;) {
        while (!stream.cancelled && (stream.credit <= 0 || socket.writableLength > options.streamWindowBytes)) {
          if (stream.credit <= 0) await new Promise<void>((r) => (stream.wake = r));
          else await new Promise<void>((r) => this.drainWaiters.push(r));
        }
        if (stream.cancelled) break;
        const r = await chunks.next();
        if (stream.cancelled) break;
        if (r.done) {
          this.calls.delete(id);
          writer.write(FrameType.STREAM_END, id, '');
          return;
        }
        stream.credit -= r.value.byteLength;
        writer.write(FrameType.STREAM_DATA, id, '', r.value);
      }
    } catch (err) {
      if (!stream.cancelled && this.calls.get(id) === stream) {
        this.calls.delete(id);
        writer.write(FrameType.ERROR, id, '', encodeRemoteError(err));
      }
      return;
    } finally {
      if (stream.cancelled && chunks) {
        chunks.return().catch((err: unknown) => {
          this.host.options.logger.warn(`stream '${kind}' producer failed while stopping: ${err instanceof Error ? err.message : String(err)}`);
        });
      }
    }
  }

  private onClose(reason: TransportError | undefined): void {
    clearTimeout(this.handshakeTimer);
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    const why = new TransportError('CONNECTION_CLOSED', 'the connection closed');
    for (const c of this.calls.values()) {
      if (c instanceof OutboundStream) c.cancel(why);
      else c.abort(why);
    }
    this.calls.clear();
    const ws = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of ws) w();
    if (wasOpen) this.host.closed(this, reason);
    else this.host.closed(this, undefined);
  }
}
