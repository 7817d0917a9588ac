import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  ChallengeAuth,
  TransportError,
  assertListenAllowed,
  bindServer,
  blockChunks,
  encodeRemoteError,
  type HandlerContext,
  type ListenOptions,
  type PeerInfo,
  type ServerEvents,
  type ServerState,
  type TransportAddress,
  type TransportHandler,
  type TransportServer,
} from '@flint/core/transport';
import { ITEM, REPLY, decodeBatch, encodeReply, type BatchItemIn } from './batch-codec.ts';
import { HANDSHAKE_MAX_BODY, HEADER, OCTET, PREFIX, PROTOCOL_VERSION, ROUTE, type AuthRequest } from './http-protocol.ts';
import type { CompiledHttpTransportOptions } from './http-transport-options.ts';

/** Per-socket handshake state. */
interface SocketState {
  readonly label: string;
  nonce: Buffer | undefined;
  peer: PeerGroup | undefined;
  refused: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** All authenticated sockets of one client connection, and its message order. */
interface PeerGroup {
  readonly info: PeerInfo;
  readonly sockets: Set<Socket>;
  nextSeq: number;
  readonly held: Map<number, () => void>;
  gapTimer: NodeJS.Timeout | undefined;
  /** Batches being answered, by the client's batch id: their calls by item index (for cancels). */
  readonly batches: Map<number, Map<number, HandlerCall>>;
}

/** A call being handled; the AbortController is made only if the handler reads `signal`. */
class HandlerCall implements HandlerContext {
  private controller: AbortController | undefined;
  constructor(readonly res: ServerResponse) {}
  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }
  abort(reason: TransportError): void {
    this.controller?.abort(reason);
  }
}

const EMPTY = Buffer.alloc(0);

/** How long held out-of-order one-way messages wait for a missing one before delivery goes on without it. */
const MESSAGE_GAP_MS = 1000;

class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A listening HTTP/1.1 server of the HTTP transport.
 *
 * Owns the Node server, per-socket handshake state, the peer groups (the
 * sockets of one client connection, keyed by the id the client chose) and
 * the calls in flight; not the handler. A socket must authenticate before
 * any other route is served on it; bad input (unparseable HTTP, unknown
 * routes, bodies over the limit, requests before authentication) gets one
 * log line and closes that socket only. One-way messages of a client are
 * delivered in the order it sent them (by sequence number). `close()`
 * answers calls in flight with 503 go-away, aborts their handlers and is
 * idempotent. Single-threaded.
 */
export class HttpServer implements TransportServer {
  readonly transport = 'http';
  private readonly events = new EventEmitter();
  private readonly auth: ChallengeAuth | undefined;
  private readonly states = new Map<Socket, SocketState>();
  private readonly groups = new Map<string, PeerGroup>();
  private readonly active = new Set<HandlerCall>();
  private _state: ServerState = 'listening';
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    readonly address: TransportAddress,
    private readonly handler: TransportHandler,
    private readonly options: CompiledHttpTransportOptions,
  ) {
    this.auth = options.secret === undefined ? undefined : new ChallengeAuth(options.secret);
    server.on('connection', (socket: Socket) => this.onSocket(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.route(req, res));
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      const st = this.states.get(socket);
      if (st && !st.refused && err.code !== 'ECONNRESET' && err.code !== 'EPIPE') {
        st.refused = true;
        options.logger.warn(`closing ${st.label}: malformed HTTP (${err.code ?? err.message})`, { code: 'PROTOCOL' });
      }
      socket.destroy();
    });
    server.on('error', (err) => options.logger.error(`http server on ${address.host}:${address.port}: ${err.message}`));
  }

  static async create(handler: TransportHandler, options: CompiledHttpTransportOptions, listen: ListenOptions = {}): Promise<HttpServer> {
    const host = listen.host ?? '127.0.0.1';
    assertListenAllowed(host, options.secret, 'http');
    // A stream's window of bytes may sit in a socket's buffers before the writer waits for drain
    // (the 16 KiB default stalls a 64 KiB-chunk stream on every chunk).
    const server = createServer({
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: options.keepAliveIntervalMs,
      highWaterMark: options.streamWindowBytes,
    });
    server.keepAliveTimeout = options.serverKeepAliveMs;
    server.maxRequestsPerSocket = 0;
    server.requestTimeout = 0;
    const port = await bindServer(server, host, listen.port ?? 0, 'http');
    return new HttpServer(server, { host, port }, handler, options);
  }

  get state(): ServerState {
    return this._state;
  }

  peers(): PeerInfo[] {
    return [...this.groups.values()].map((g) => g.info);
  }

  on<E extends keyof ServerEvents>(event: E, listener: (...args: ServerEvents[E]) => void): this {
    this.events.on(event, listener as (...a: unknown[]) => void);
    return this;
  }

  off<E extends keyof ServerEvents>(event: E, listener: (...args: ServerEvents[E]) => void): this {
    this.events.off(event, listener as (...a: unknown[]) => void);
    return this;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this._state = 'closed';
      const stopped = new Promise<void>((r) => this.server.close(() => r()));
      const goodbyes: Promise<unknown>[] = [];
      const why = new TransportError('CONNECTION_CLOSED', 'the server is shutting down');
      for (const call of this.active) {
        const res = call.res;
        if (!res.headersSent && !res.destroyed) {
          goodbyes.push(once(res, 'close').catch(() => undefined));
          res.writeHead(503, { [HEADER.goaway]: '1', connection: 'close', 'content-length': 0 }).end();
        } else res.destroy();
        call.abort(why);
      }
      this.server.closeIdleConnections();
      if (goodbyes.length > 0) await Promise.race([Promise.all(goodbyes), new Promise((r) => setTimeout(r, 500))]);
      this.server.closeAllConnections();
      for (const s of this.states.keys()) s.destroy();
      await stopped;
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private onSocket(socket: Socket): void {
    if (this._state !== 'listening') {
      socket.destroy();
      return;
    }
    const st: SocketState = {
      label: `http connection from ${socket.remoteAddress}:${socket.remotePort}`,
      nonce: undefined,
      peer: undefined,
      refused: false,
      timer: undefined,
    };
    this.states.set(socket, st);
    st.timer = setTimeout(() => {
      if (!st.peer && !socket.destroyed) this.refuse(socket, st, undefined, 408, `no authentication within ${this.options.handshakeTimeoutMs} ms`, 'AUTH_FAILED');
    }, this.options.handshakeTimeoutMs);
    st.timer.unref();
    socket.on('close', () => {
      clearTimeout(st.timer);
      this.states.delete(socket);
      const g = st.peer;
      if (g && g.sockets.delete(socket) && g.sockets.size === 0) {
        this.groups.delete(g.info.id);
        if (g.gapTimer) clearTimeout(g.gapTimer);
        this.flushHeld(g, true);
        this.events.emit('peerClosed', g.info, undefined);
      }
    });
  }

  /** Answers (if it can), logs one line, and closes this socket only. */
  private refuse(socket: Socket, st: SocketState, res: ServerResponse | undefined, status: number, reason: string, code: string): void {
    if (!st.refused) {
      st.refused = true;
      this.options.logger.warn(`${code === 'AUTH_FAILED' ? 'refused' : 'closing'} ${st.label}: ${reason}`, { code });
    }
    if (res && !res.headersSent && !res.destroyed) {
      const text = Buffer.from(reason, 'utf8');
      res.shouldKeepAlive = false;
      res.writeHead(status, { connection: 'close', 'content-type': 'text/plain', 'content-length': text.length }).end(text);
      res.on('finish', () => socket.destroySoon());
      setTimeout(() => socket.destroy(), 250).unref();
    } else socket.destroy();
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const st = this.states.get(socket);
    if (!st || st.refused) {
      socket.destroy();
      return;
    }
    if (this._state !== 'listening') {
      res.writeHead(503, { [HEADER.goaway]: '1', connection: 'close', 'content-length': 0 }).end();
      return;
    }
    const url = req.url ?? '';
    if (req.method !== 'POST' || !url.startsWith(PREFIX)) {
      return this.refuse(socket, st, res, 404, `unexpected ${String(req.method).slice(0, 10)} ${url.slice(0, 80)}`, 'PROTOCOL');
    }
    if (url === ROUTE.hello) return void this.hello(req, res, st);
    if (url === ROUTE.auth) return void this.authenticate(req, res, st);
    const group = st.peer;
    if (!group) return this.refuse(socket, st, res, 401, `request to ${url.slice(0, 80)} before authentication`, 'AUTH_FAILED');
    if (url === ROUTE.ping) {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
      return;
    }
    if (url === ROUTE.batch) {
      readRequestBody(req, this.options.maxFrameBytes).then(
        (body) => {
          let items: BatchItemIn[];
          try {
            items = decodeBatch(body);
          } catch (err) {
            return this.refuse(socket, st, res, 400, `malformed batch: ${(err as Error).message}`, 'PROTOCOL');
          }
          this.batch(items, group, Number(req.headers['x-flint-batch']), res);
        },
        (err: unknown) => {
          if (err instanceof BodyError) this.refuse(socket, st, res, err.status, err.message, err.status === 413 ? 'FRAME_TOO_LARGE' : 'PROTOCOL');
          else socket.destroy();
        },
      );
      return;
    }
    let kind: string;
    let route: 'rpc' | 'msg' | 'stream';
    try {
      if (url.startsWith(ROUTE.rpc)) [route, kind] = ['rpc', decodeURIComponent(url.slice(ROUTE.rpc.length))];
      else if (url.startsWith(ROUTE.msg)) [route, kind] = ['msg', decodeURIComponent(url.slice(ROUTE.msg.length))];
      else if (url.startsWith(ROUTE.stream)) [route, kind] = ['stream', decodeURIComponent(url.slice(ROUTE.stream.length))];
      else return this.refuse(socket, st, res, 404, `unknown route ${url.slice(0, 80)}`, 'PROTOCOL');
    } catch {
      return this.refuse(socket, st, res, 400, `malformed kind in ${url.slice(0, 80)}`, 'PROTOCOL');
    }
    readRequestBody(req, this.options.maxFrameBytes).then(
      (body) => {
        if (route === 'rpc') return this.rpc(kind, body, group.info, res);
        if (route === 'msg') return this.message(kind, body, group, req, res);
        return this.stream(kind, body, group.info, res);
      },
      (err: unknown) => {
        if (err instanceof BodyError) this.refuse(socket, st, res, err.status, err.message, err.status === 413 ? 'FRAME_TOO_LARGE' : 'PROTOCOL');
        else socket.destroy();
      },
    );
  }

  private async hello(req: IncomingMessage, res: ServerResponse, st: SocketState): Promise<void> {
    try {
      await readRequestBody(req, HANDSHAKE_MAX_BODY);
    } catch (err) {
      return this.refuse(req.socket, st, res, 400, (err as Error).message, 'PROTOCOL');
    }
    st.nonce = ChallengeAuth.nonce();
    json(res, 200, { version: PROTOCOL_VERSION, auth: this.auth !== undefined, nonce: st.nonce.toString('hex') });
  }

  private async authenticate(req: IncomingMessage, res: ServerResponse, st: SocketState): Promise<void> {
    const socket = req.socket;
    let answer: AuthRequest;
    try {
      answer = JSON.parse((await readRequestBody(req, HANDSHAKE_MAX_BODY)).toString('utf8')) as AuthRequest;
      if (typeof answer !== 'object' || answer === null || typeof answer.id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(answer.id)) throw new Error('bad id');
      if (typeof answer.nonce !== 'string' || !/^[0-9a-f]{64}$/.test(answer.nonce)) throw new Error('bad nonce');
    } catch (err) {
      return this.refuse(socket, st, res, 400, `malformed authentication request (${(err as Error).message})`, 'PROTOCOL');
    }
    if (!st.nonce) return this.refuse(socket, st, res, 401, 'authentication without a challenge', 'AUTH_FAILED');
    const clientNonce = Buffer.from(answer.nonce, 'hex');
    let refusal: string | undefined;
    if (this.auth) {
      if (typeof answer.proof !== 'string' || !/^[0-9a-f]{64}$/.test(answer.proof)) refusal = 'the client sent no proof of the cluster secret';
      else if (!this.auth.verifyClientProof(st.nonce, clientNonce, Buffer.from(answer.proof, 'hex'))) refusal = 'wrong proof of the cluster secret';
    }
    if (refusal) return this.refuse(socket, st, res, 401, refusal, 'AUTH_FAILED');
    clearTimeout(st.timer);
    const proof = this.auth?.serverProof(st.nonce, clientNonce).toString('hex');
    st.nonce = undefined;
    let g = this.groups.get(answer.id);
    const fresh = !g;
    if (!g) {
      g = {
        info: { id: answer.id, remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0, transport: 'http' },
        sockets: new Set(),
        nextSeq: 1,
        held: new Map(),
        gapTimer: undefined,
        batches: new Map(),
      };
      this.groups.set(answer.id, g);
    }
    g.sockets.add(socket);
    st.peer = g;
    json(res, 200, proof ? { proof } : {});
    if (fresh) this.events.emit('peerConnected', g.info);
  }

  private async rpc(kind: string, body: Buffer, peer: PeerInfo, res: ServerResponse): Promise<void> {
    const call = this.track(res);
    try {
      if (!this.handler.onRequest) throw new Error('this server handles no requests');
      const out: unknown = await this.handler.onRequest(kind, body, peer, call);
      if (!(out instanceof Uint8Array)) throw new TypeError(`request handler returned ${typeof out}, not a Uint8Array`);
      if (out.byteLength > this.options.maxFrameBytes) throw new TransportError('FRAME_TOO_LARGE', `reply of ${out.byteLength} bytes exceeds the limit`);
      if (res.headersSent || res.destroyed) return;
      res.writeHead(200, { 'content-type': OCTET, 'content-length': out.byteLength });
      res.end(out);
    } catch (err) {
      if (res.headersSent || res.destroyed) return;
      const record = encodeRemoteError(err);
      res.writeHead(500, { [HEADER.error]: '1', 'content-type': 'application/json', 'content-length': record.byteLength });
      res.end(record);
    } finally {
      this.active.delete(call);
    }
  }

  private message(kind: string, body: Buffer, g: PeerGroup, req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(202, { 'content-length': 0 }).end();
    this.deliverInOrder(g, Number(req.headers['x-flint-seq']), kind, body);
  }

  /** Hands a one-way message to the handler in the client's send order (held briefly if it overtook one). */
  private deliverInOrder(g: PeerGroup, seq: number, kind: string, body: Buffer): void {
    const deliver = () => {
      const report = (err: unknown) =>
        this.options.logger.warn(`message handler for '${kind}' failed: ${err instanceof Error ? err.message : String(err)}`);
      try {
        if (!this.handler.onMessage) throw new Error('this server handles no one-way messages');
        const r = this.handler.onMessage(kind, body, g.info);
        if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).catch(report);
      } catch (err) {
        report(err);
      }
    };
    if (!Number.isSafeInteger(seq) || seq < g.nextSeq) return deliver();
    g.held.set(seq, deliver);
    this.flushHeld(g, false);
    if (g.held.size > 0 && !g.gapTimer) {
      // A message lost with its socket leaves a gap; do not hold the rest forever.
      g.gapTimer = setTimeout(() => {
        g.gapTimer = undefined;
        this.flushHeld(g, true);
      }, MESSAGE_GAP_MS);
      g.gapTimer.unref();
    }
  }

  /**
   * Answers a batch: every request runs concurrently and its reply is written
   * as soon as it is ready (replies of one turn of the event loop go out in
   * one write); messages are delivered in order and acknowledged; cancels
   * abort earlier batched requests. Ends once every item is answered.
   */
  private batch(items: BatchItemIn[], g: PeerGroup, batchId: number, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': OCTET, trailer: `${HEADER.status}, ${HEADER.error}` });
    const calls = new Map<number, HandlerCall>();
    if (Number.isSafeInteger(batchId)) g.batches.set(batchId, calls);
    let outstanding = items.length;
    let out: Buffer[] = [];
    let outBytes = 0;
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      if (res.destroyed || out.length === 0) return;
      const parts = out;
      out = [];
      if (outBytes <= 64 * 1024) res.write(parts.length === 1 ? parts[0] : Buffer.concat(parts, outBytes));
      else for (const part of parts) res.write(part);
      outBytes = 0;
      if (outstanding === 0) {
        res.addTrailers({ [HEADER.status]: 'ok' });
        res.end();
      }
    };
    const answer = (index: number, status: number, payload: Uint8Array) => {
      outstanding--;
      const r = encodeReply(index, status, payload);
      out.push(r);
      outBytes += r.length;
      if (!scheduled) {
        scheduled = true;
        process.nextTick(flush);
      }
    };
    res.once('close', () => {
      if (g.batches.get(batchId) === calls) g.batches.delete(batchId);
      if (outstanding > 0) for (const c of calls.values()) c.abort(new TransportError('ABORTED', 'the caller went away'));
    });
    const onRequest = this.handler.onRequest;
    for (const it of items) {
      if (it.type === ITEM.MESSAGE) {
        this.deliverInOrder(g, it.arg, it.kind, it.body);
        answer(it.index, REPLY.OK, EMPTY);
      } else if (it.type === ITEM.CANCEL) {
        if (it.body.length === 4) g.batches.get(it.arg)?.get(it.body.readUInt32BE(0))?.abort(new TransportError('ABORTED', 'the caller cancelled'));
        answer(it.index, REPLY.OK, EMPTY);
      } else {
        const call = new HandlerCall(res);
        calls.set(it.index, call);
        this.active.add(call);
        const done = (status: number, payload: Uint8Array) => {
          this.active.delete(call);
          calls.delete(it.index);
          answer(it.index, status, payload);
        };
        try {
          if (!onRequest) throw new Error('this server handles no requests');
          const r = onRequest.call(this.handler, it.kind, it.body, g.info, call);
          if (r instanceof Uint8Array) done(REPLY.OK, r);
          else
            Promise.resolve(r).then(
              (v: unknown) =>
                v instanceof Uint8Array
                  ? done(REPLY.OK, v)
                  : done(REPLY.ERROR, encodeRemoteError(new TypeError(`request handler returned ${typeof v}, not a Uint8Array`))),
              (e: unknown) => done(REPLY.ERROR, encodeRemoteError(e)),
            );
        } catch (err) {
          done(REPLY.ERROR, encodeRemoteError(err));
        }
      }
    }
    if (items.length === 0) {
      res.addTrailers({ [HEADER.status]: 'ok' });
      res.end();
    }
  }

  private flushHeld(g: PeerGroup, skipGaps: boolean): void {
    for (;;) {
      let next = g.held.get(g.nextSeq);
      if (!next && skipGaps && g.held.size > 0) {
        g.nextSeq = Math.min(...g.held.keys());
        next = g.held.get(g.nextSeq);
      }
      if (!next) break;
      g.held.delete(g.nextSeq);
      g.nextSeq++;
      next();
    }
    if (g.held.size === 0 && g.gapTimer) {
      clearTimeout(g.gapTimer);
      g.gapTimer = undefined;
    }
  }

  private async stream(kind: string, body: Buffer, peer: PeerInfo, res: ServerResponse): Promise<void> {
    const call = this.track(res);
    let chunks: ReturnType<typeof blockChunks> | undefined;
    let completed = false;
    try {
      if (!this.handler.onStream) throw new Error('this server serves no streams');
      chunks = blockChunks(await this.handler.onStream(kind, body, peer, call), this.options.streamChunkBytes);
      let step = await chunks.next();
      if (res.destroyed || res.headersSent) return;
      res.writeHead(200, { 'content-type': OCTET, trailer: `${HEADER.status}, ${HEADER.error}` });
      while (!step.done) {
        if (res.destroyed) return;
        if (!res.write(step.value)) await drainOrClose(res);
        if (res.destroyed) return;
        step = await chunks.next();
      }
      if (res.destroyed) return;
      completed = true;
      res.addTrailers({ [HEADER.status]: 'ok' });
      res.end();
    } catch (err) {
      completed = true;
      if (res.destroyed) return;
      const record = encodeRemoteError(err);
      if (!res.headersSent) {
        res.writeHead(500, { [HEADER.error]: '1', 'content-type': 'application/json', 'content-length': record.byteLength });
        res.end(record);
      } else {
        res.addTrailers({ [HEADER.status]: 'error', [HEADER.error]: Buffer.from(trailerRecord(err, record)).toString('base64') });
        res.end();
      }
    } finally {
      this.active.delete(call);
      if (!completed && chunks) {
        chunks.return().catch((err: unknown) => {
          this.options.logger.warn(`stream '${kind}' producer failed while stopping: ${err instanceof Error ? err.message : String(err)}`);
        });
      }
    }
  }

  /** Registers a call; the reader going away (socket closed before the reply finished) aborts it. */
  private track(res: ServerResponse): HandlerCall {
    const call = new HandlerCall(res);
    this.active.add(call);
    res.once('close', () => {
      if (!res.writableFinished) call.abort(new TransportError('ABORTED', 'the caller went away'));
    });
    return call;
  }
}

/** An error record small enough for a trailer (clients cap headers at 16 KiB): the stack is cut if needed. */
function trailerRecord(err: unknown, record: Uint8Array): Uint8Array {
  if (record.byteLength <= 6 * 1024) return record;
  const e = err instanceof Error ? err : new Error(String(err));
  const short = new Error(e.message.slice(0, 2048));
  short.name = e.name;
  short.stack = (e.stack ?? '').slice(0, 3 * 1024);
  return encodeRemoteError(short);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const b = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': b.length }).end(b);
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** The whole request body, at most `max` bytes, preallocated from Content-Length. */
function readRequestBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = req.headers['content-length'];
    const length = declared === undefined ? -1 : Number(declared);
    if (length > max) {
      reject(new BodyError(413, `body of ${length} bytes exceeds the limit of ${max}`));
      return;
    }
    let single: Buffer | undefined;
    let target: Buffer | undefined;
    let parts: Buffer[] | undefined;
    let got = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      if (got + chunk.length > max) {
        failed = true;
        reject(new BodyError(413, `body exceeds the limit of ${max} bytes`));
        return;
      }
      if (got === 0 && chunk.length === length) single = chunk;
      else if (length >= 0) {
        target ??= Buffer.allocUnsafe(length);
        chunk.copy(target, got);
      } else (parts ??= []).push(chunk);
      got += chunk.length;
    });
    req.on('end', () => {
      if (!failed) resolve(single ?? target ?? (parts ? Buffer.concat(parts) : Buffer.alloc(0)));
    });
    req.on('error', () => {
      if (!failed) reject(new BodyError(400, 'request body cut off'));
      failed = true;
    });
    req.on('aborted', () => {
      if (!failed) reject(new BodyError(400, 'request body cut off'));
      failed = true;
    });
  });
}
