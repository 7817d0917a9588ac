/**
 * The contract every transport implementation passes, as a vitest suite.
 *
 * Call `transportConformanceSuite(name, makeTransport)` from a `*.test.ts`
 * in the implementation's package. The suite starts its own servers, clients,
 * proxies and child processes and cleans every one of them up after each
 * test. Child-process servers load the transport by name through the
 * registry (`@flint/transport-<name>`). Nothing here asserts speed; the time
 * bounds are liveness bounds (an error instead of a hang).
 *
 * Not exported from core's index (it imports vitest): import it from
 * `@flint/core/transport-conformance`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBody, encodeBody } from './body-codec.ts';
import { checkPatternPiece, patternBlock } from './conformance-pattern.ts';
import type {
  HandlerContext,
  ListenOptions,
  PeerInfo,
  Transport,
  TransportAddress,
  TransportConnection,
  TransportHandler,
} from './interface.ts';
import { MessageClient } from './message-client.ts';
import { messageHandler } from './message-handler.ts';
import { isTransportError, TransportError, type TransportErrorCode } from './transport-error.ts';
import type { TransportLogger } from './transport-logger.ts';
import type { TransportOptions } from './transport-options.ts';
import { loadTransport, registeredTransports } from './transport-registry.ts';

export type MakeTransport = (options?: TransportOptions) => Transport | Promise<Transport>;

export interface ConformanceOptions {
  /** Options added to every transport the suite makes (before test-specific ones). */
  options?: TransportOptions;
}

const MiB = 1024 * 1024;
const CHILD_SCRIPT = fileURLToPath(new URL('./conformance-child.ts', import.meta.url));

/** Collects log lines so tests can check what a server reported. */
class LogCapture implements TransportLogger {
  readonly lines: string[] = [];
  debug(): void {}
  info(m: string): void {
    this.lines.push(`INFO ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`WARN ${m}`);
  }
  error(m: string): void {
    this.lines.push(`ERROR ${m}`);
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBody(rng: () => number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (rng() * 256) | 0;
  return b;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `cond` holds or `ms` pass; returns whether it held. */
async function eventually(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(10);
  }
  return cond();
}

/** Settles with the promise's outcome, or rejects if it takes longer than `ms` (a hang). */
function withinMs<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no outcome within ${ms} ms (hang)`)), ms);
    }),
  ]);
}

async function expectTransportError(p: Promise<unknown>, codes: TransportErrorCode[]): Promise<TransportError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected the call to fail').toBeInstanceOf(TransportError);
  const err = caught as TransportError;
  expect(codes, `unexpected code ${err.code}: ${err.message}`).toContain(err.code);
  return err;
}

async function drain(stream: AsyncIterable<Uint8Array>): Promise<{ bytes: number; hash: string }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    h.update(chunk);
    bytes += chunk.byteLength;
  }
  return { bytes, hash: h.digest('hex') };
}

function hashOf(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/**
 * A TCP relay that records both directions and can stop forwarding the
 * client's bytes to inject its own (for fuzzing behind a real handshake).
 */
class TapProxy {
  readonly toServer: Buffer[] = [];
  readonly toClient: Buffer[] = [];
  private upstream: Socket | undefined;
  private downstream: Socket | undefined;
  private injecting = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly address: TransportAddress,
  ) {}

  static async start(target: TransportAddress): Promise<TapProxy> {
    const server = createServer();
    server.listen({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const proxy = new TapProxy(server, { host: '127.0.0.1', port });
    server.on('connection', (down) => {
      const up = netConnect({ host: target.host, port: target.port });
      proxy.sockets.add(down).add(up);
      proxy.upstream ??= up;
      proxy.downstream ??= down;
      down.on('data', (d: Buffer) => {
        proxy.toServer.push(d);
        if (!(proxy.injecting && up === proxy.upstream)) up.write(d);
      });
      up.on('data', (d: Buffer) => {
        proxy.toClient.push(d);
        down.write(d);
      });
      const end = () => {
        up.destroy();
        down.destroy();
      };
      for (const s of [up, down]) {
        s.on('error', end);
        s.on('close', end);
      }
    });
    return proxy;
  }

  /** Bytes the client has sent so far. */
  get sentByClient(): number {
    return this.toServer.reduce((n, b) => n + b.length, 0);
  }

  /**
   * Stops relaying the first client's bytes and sends `bytes` upstream in its
   * place, then ends that upstream socket. Resolves when the server side of it
   * has closed (or after `ms`).
   */
  async inject(bytes: Buffer, ms = 5000): Promise<boolean> {
    const up = this.upstream;
    if (!up || up.destroyed) return true;
    this.injecting = true;
    const closed = up.closed ? Promise.resolve() : once(up, 'close').then(() => undefined);
    up.write(bytes);
    up.end();
    const t = sleep(ms).then(() => 'timeout' as const);
    const r = await Promise.race([closed, t]);
    return r !== 'timeout';
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A server of this transport in a child process. */
interface ChildServer {
  readonly address: TransportAddress;
  readonly pid: number;
  readonly exited: Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

async function startChild(name: string, options: TransportOptions): Promise<{ child: ChildServer; dispose: () => Promise<void> }> {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT, name, JSON.stringify(options)], {
    cwd: process.cwd(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => {
    if (proc.exitCode !== null || proc.signalCode !== null) r();
    else proc.once('exit', () => r());
  });
  const dispose = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    proc.stdin?.destroy();
    proc.stdout?.destroy();
    await exited;
  };
  try {
    const port = await withinMs(
      new Promise<number>((resolve, reject) => {
        let text = '';
        proc.stdout!.on('data', (d: Buffer) => {
          text += d.toString('utf8');
          const nl = text.indexOf('\n');
          if (nl >= 0) resolve((JSON.parse(text.slice(0, nl)) as { port: number }).port);
        });
        proc.once('exit', (code, sig) => reject(new Error(`child server exited early (code ${code}, signal ${sig})`)));
        proc.once('error', reject);
      }),
      45_000,
      'starting the child server',
    );
    return {
      child: {
        address: { host: '127.0.0.1', port },
        pid: proc.pid!,
        exited,
        kill: (signal) => void process.kill(proc.pid!, signal),
      },
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Request kinds of the in-process test server. */
function testHandler(state: {
  messages: Array<{ kind: string; body: Buffer; peer: PeerInfo }>;
  started: string[];
  aborted: string[];
  streamsStopped: string[];
  produced: Map<string, number>;
}): TransportHandler {
  return {
    async onRequest(kind, body, _peer, ctx: HandlerContext) {
      switch (kind) {
        case 'shuffle': {
          // Finish in a scrambled order: some now, some after a short delay.
          const d = body.byteLength > 0 ? body[0] % 4 : 0;
          if (d > 0) await sleep(d);
          return body;
        }
        case 'fail':
          return failingHandler();
        case 'never':
          state.started.push(Buffer.from(body).toString('utf8'));
          return await new Promise<Uint8Array>((_, reject) => {
            ctx.signal.addEventListener('abort', () => {
              state.aborted.push(Buffer.from(body).toString('utf8'));
              reject(new Error('aborted'));
            });
          });
        case 'size':
          return Buffer.alloc(Number(Buffer.from(body).toString('utf8')), 7);
        default:
          return body;
      }
    },
    onMessage(kind, body, peer) {
      state.messages.push({ kind, body: Buffer.from(body), peer });
    },
    onStream(kind, body, _peer, ctx) {
      const arg = Buffer.from(body).toString('utf8');
      switch (kind) {
        case 'pattern':
          return patternBlock(Number(arg));
        case 'readable':
          return Readable.from(patternBlock(Number(arg)));
        case 'array':
          return [Buffer.from('a'), Buffer.from('bc'), Buffer.alloc(0), Buffer.from('def')];
        case 'failAfter':
          return (async function* () {
            for (let i = 0; i < Number(arg); i++) yield Buffer.alloc(1000, i);
            throw new Error('producer failed on purpose');
          })();
        case 'failHuge':
          return (async function* () {
            yield Buffer.alloc(10);
            throw new Error('huge failure ' + 'x'.repeat(100_000));
          })();
        case 'silent':
          return (async function* () {
            await new Promise((r) => ctx.signal.addEventListener('abort', r));
            yield Buffer.alloc(0);
          })();
        case 'counted':
          return (async function* () {
            state.produced.set(arg, 0);
            try {
              for (;;) {
                const b = Buffer.alloc(32 * 1024, 1);
                state.produced.set(arg, (state.produced.get(arg) ?? 0) + b.length);
                yield b;
              }
            } finally {
              state.streamsStopped.push(arg);
            }
          })();
        default:
          throw new Error(`no stream ${kind}`);
      }
    },
  };
}

function failingHandler(): never {
  throw new Error('handler failed on purpose');
}

export function transportConformanceSuite(name: string, makeTransport: MakeTransport, suiteOptions: ConformanceOptions = {}): void {
  describe(`transport conformance: ${name}`, () => {
    const cleanups: Array<() => Promise<void> | void> = [];
    afterEach(async () => {
      const fns = cleanups.splice(0).reverse();
      for (const fn of fns) await fn();
    });

    async function make(options: TransportOptions = {}): Promise<{ transport: Transport; log: LogCapture }> {
      const log = new LogCapture();
      const transport = await makeTransport({ logger: log, ...suiteOptions.options, ...options });
      cleanups.push(() => transport.close());
      return { transport, log };
    }

    async function serve(options: TransportOptions = {}, listen: ListenOptions = {}, handler?: TransportHandler) {
      const state = {
        messages: [] as Array<{ kind: string; body: Buffer; peer: PeerInfo }>,
        started: [] as string[],
        aborted: [] as string[],
        streamsStopped: [] as string[],
        produced: new Map<string, number>(),
      };
      const { transport, log } = await make(options);
      const server = await transport.listen(handler ?? testHandler(state), listen);
      cleanups.push(() => server.close());
      return { transport, server, log, state };
    }

    async function client(target: { address: TransportAddress }, options: TransportOptions = {}): Promise<TransportConnection> {
      const { transport } = await make(options);
      return transport.connect(target.address);
    }

    async function child(options: TransportOptions = {}): Promise<ChildServer> {
      const { child: c, dispose } = await startChild(name, { ...options });
      cleanups.push(dispose);
      return c;
    }

    it('round-trips requests of every size and kind', async () => {
      const { server } = await serve();
      const conn = await client(server);
      const rng = mulberry32(1);
      for (const kind of ['echo', 'ünïcødé/kind', 'k'.repeat(200)]) {
        for (const size of [0, 1, 100, 8191, 8193, 65536, MiB + 3, 16 * MiB]) {
          const body = randomBody(rng, size);
          const reply = await conn.request(kind, body);
          expect(reply.byteLength).toBe(size);
          expect(Buffer.compare(Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength), body)).toBe(0);
        }
      }
      expect(Buffer.from(await conn.request('size', Buffer.from(String(3 * MiB)))).equals(Buffer.alloc(3 * MiB, 7))).toBe(true);
    });

    it('delivers one-way messages in the order sent, with the sender as peer', async () => {
      const { server, state } = await serve();
      const connected: PeerInfo[] = [];
      server.on('peerConnected', (p) => connected.push(p));
      const conn = await client(server);
      for (let i = 0; i < 500; i++) await conn.send('note', Buffer.from(String(i)));
      expect(await eventually(() => state.messages.length === 500)).toBe(true);
      expect(state.messages.map((m) => Number(m.body.toString()))).toEqual([...Array(500).keys()]);
      expect(new Set(state.messages.map((m) => m.peer.id)).size).toBe(1);
      expect(connected.map((p) => p.id)).toContain(state.messages[0].peer.id);
      expect(state.messages[0].peer.transport).toBe(name);
    });

    it('carries typed messages through the msgpack layer', async () => {
      type Schema = {
        registerWorker: { request: { id: string; cores: number; tags: Set<string>; at: Date }; response: { ok: boolean; seen: string[] } };
        heartbeat: { request: { id: string }; response: void };
        bytes: { request: { n: number }; response: never };
      };
      const beats: string[] = [];
      const { transport } = await make();
      const server = await transport.listen(
        messageHandler<Schema>({
          requests: { registerWorker: (msg) => ({ ok: msg.cores === 4 && msg.at instanceof Date, seen: [...msg.tags] }) },
          messages: { heartbeat: (msg) => void beats.push(msg.id) },
          streams: { bytes: (msg) => patternBlock(msg.n) },
        }),
      );
      cleanups.push(() => server.close());
      const rpc = new MessageClient<Schema>(await client(server));
      const reply = await rpc.request('registerWorker', { id: 'w1', cores: 4, tags: new Set(['a', 'b']), at: new Date() }, { timeoutMs: 5000 });
      expect(reply).toEqual({ ok: true, seen: ['a', 'b'] });
      await rpc.send('heartbeat', { id: 'w1' });
      expect(await eventually(() => beats.length === 1)).toBe(true);
      expect((await drain(rpc.stream('bytes', { n: 100_000 }))).bytes).toBe(100_000);
      const err = await expectTransportError(rpc.connection.request('nope', encodeBody({})), ['REMOTE']);
      expect(err.remote?.name).toBe('UnknownKindError');
      expect(decodeBody(encodeBody({ a: new Uint8Array([1, 2]) }))).toEqual({ a: new Uint8Array([1, 2]) });
    });

    it('answers 10,000 concurrent requests to the right callers', async () => {
      const { server } = await serve();
      const conn = await client(server);
      const rng = mulberry32(2);
      const bodies = Array.from({ length: 10_000 }, (_, i) => {
        const b = randomBody(rng, 4 + ((rng() * 200) | 0));
        b.writeUInt32BE(i, 0);
        b[0] = i % 251;
        return b;
      });
      const replies = await Promise.all(bodies.map((b) => conn.request('shuffle', b, { timeoutMs: 60_000 })));
      let wrong = 0;
      replies.forEach((r, i) => {
        if (Buffer.compare(Buffer.from(r.buffer, r.byteOffset, r.byteLength), bodies[i]) !== 0) wrong++;
      });
      expect(wrong).toBe(0);
    });

    it('returns a handler failure as a REMOTE error with the remote message and stack', async () => {
      const { server } = await serve();
      const conn = await client(server);
      const err = await expectTransportError(conn.request('fail', Buffer.alloc(1)), ['REMOTE']);
      expect(err.retryable).toBe(false);
      expect(err.remote?.message).toBe('handler failed on purpose');
      expect(err.remote?.stack).toContain('failingHandler');
      expect(Buffer.from(await conn.request('echo', Buffer.from('still fine'))).toString()).toBe('still fine');
    });

    it('times a request out and cancels it on the server', async () => {
      const { server, state } = await serve();
      const conn = await client(server);
      const started = Date.now();
      const err = await expectTransportError(conn.request('never', Buffer.from('t1'), { timeoutMs: 200 }), ['TIMEOUT']);
      expect(err.retryable).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(await eventually(() => state.aborted.includes('t1'))).toBe(true);
      expect(Buffer.from(await conn.request('echo', Buffer.from('ok'))).toString()).toBe('ok');
    });

    it('cancels a request through an AbortSignal', async () => {
      const { server, state } = await serve();
      const conn = await client(server);
      const ac = new AbortController();
      const p = conn.request('never', Buffer.from('a1'), { signal: ac.signal, timeoutMs: 0 });
      setTimeout(() => ac.abort(new Error('caller gave up')), 50);
      await expectTransportError(p, ['ABORTED']);
      expect(await eventually(() => state.aborted.includes('a1'))).toBe(true);
      await expectTransportError(conn.request('echo', Buffer.alloc(1), { signal: AbortSignal.abort() }), ['ABORTED']);
      await expectTransportError(conn.send('note', Buffer.alloc(1), { signal: AbortSignal.abort() }), ['ABORTED']);
      expect(Buffer.from(await conn.request('echo', Buffer.from('ok'))).toString()).toBe('ok');
    });

    it('times out many concurrent requests, cancels each one the server started, and answers the rest', async () => {
      const { server, state } = await serve();
      const conn = await client(server);
      const hung = Array.from({ length: 300 }, (_, i) => conn.request('never', Buffer.from(`h${i}`), { timeoutMs: 300 }));
      const fine = Array.from({ length: 2000 }, (_, i) => conn.request('echo', Buffer.from(String(i)), { timeoutMs: 30_000 }));
      const outcomes = await Promise.allSettled(hung);
      expect(outcomes.filter((o) => o.status === 'rejected' && isTransportError(o.reason, 'TIMEOUT')).length).toBe(300);
      expect((await Promise.all(fine)).map((r) => Number(Buffer.from(r).toString()))).toEqual([...Array(2000).keys()]);
      const started = () => state.started.filter((t) => t.startsWith('h'));
      expect(started().length).toBeGreaterThan(0);
      expect(await eventually(() => state.aborted.filter((t) => t.startsWith('h')).length === started().length, 10_000)).toBe(true);
      expect(Buffer.from(await conn.request('echo', Buffer.from('after'))).toString()).toBe('after');
    });

    it('refuses to send a body over the frame limit and keeps the connection', async () => {
      const { server } = await serve();
      const conn = await client(server, { maxFrameBytes: MiB });
      const err = await expectTransportError(conn.request('echo', Buffer.alloc(2 * MiB)), ['FRAME_TOO_LARGE']);
      expect(err.retryable).toBe(false);
      expect(conn.state).toBe('open');
      expect(Buffer.from(await conn.request('echo', Buffer.from('small'))).toString()).toBe('small');
    });

    it('closes only the connection that sends an oversized body, with one log line', async () => {
      const { server, log } = await serve({ maxFrameBytes: MiB });
      const bystander = await client(server);
      const offender = await client(server);
      await expectTransportError(offender.request('echo', Buffer.alloc(4 * MiB)), ['FRAME_TOO_LARGE', 'CONNECTION_CLOSED', 'PEER_LOST']);
      expect(await eventually(() => log.lines.length > 0)).toBe(true);
      await sleep(100);
      const lines = log.lines.filter((l) => /limit|too large|exceeds/i.test(l));
      expect(lines.length).toBe(1);
      expect(lines[0]).not.toContain('\n');
      expect(Buffer.from(await bystander.request('echo', Buffer.from('unharmed'))).toString()).toBe('unharmed');
      const again = await client(server);
      expect(Buffer.from(await again.request('echo', Buffer.from('again'))).toString()).toBe('again');
    });

    it('streams blocks intact, several at once, from any kind of source', async () => {
      const { server } = await serve();
      const conn = await client(server);
      const sizes = [0, 1, 100 * 1024 + 3, 5 * MiB];
      const results = await Promise.all([
        ...sizes.map((n) => drain(conn.stream('pattern', Buffer.from(String(n))))),
        drain(conn.stream('readable', Buffer.from(String(3 * MiB + 17)))),
        drain(conn.stream('array', Buffer.alloc(0))),
      ]);
      for (const [i, n] of sizes.entries()) {
        expect(results[i].bytes).toBe(n);
        const chunks: Uint8Array[] = [];
        for await (const c of patternBlock(n)) chunks.push(c);
        expect(results[i].hash).toBe(hashOf(...chunks));
      }
      expect(results[4].bytes).toBe(3 * MiB + 17);
      expect(results[5]).toEqual({ bytes: 6, hash: hashOf(Buffer.from('abcdef')) });
      let pos = 0;
      for await (const piece of conn.stream('pattern', Buffer.from(String(2 * MiB + 5)))) {
        expect(checkPatternPiece(piece, pos)).toBe(true);
        pos += piece.byteLength;
      }
      expect(pos).toBe(2 * MiB + 5);
    });

    it('fails the reader, after the chunks sent, when the producer throws', async () => {
      const { server } = await serve();
      const conn = await client(server);
      let got = 0;
      const err = await expectTransportError(
        (async () => {
          for await (const c of conn.stream('failAfter', Buffer.from('5'))) got += c.byteLength;
        })(),
        ['REMOTE'],
      );
      expect(got).toBe(5000);
      expect(err.remote?.message).toBe('producer failed on purpose');
      await expectTransportError(drain(conn.stream('no-such-stream', Buffer.alloc(0))), ['REMOTE']);
      const huge = await expectTransportError(drain(conn.stream('failHuge', Buffer.alloc(0))), ['REMOTE']);
      expect(huge.remote?.message.startsWith('huge failure xxx')).toBe(true);
      expect(Buffer.from(await conn.request('echo', Buffer.from('ok'))).toString()).toBe('ok');
    });

    it('stops the producer when the reader breaks out of the loop', async () => {
      const { server, state } = await serve();
      const conn = await client(server);
      let n = 0;
      for await (const _ of conn.stream('counted', Buffer.from('s1'))) {
        if (++n === 3) break;
      }
      expect(await eventually(() => state.streamsStopped.includes('s1'))).toBe(true);
      const ac = new AbortController();
      const reader = conn.stream('counted', Buffer.from('s2'), { signal: ac.signal });
      await reader.next();
      ac.abort();
      await expectTransportError(reader.next(), ['ABORTED']);
      expect(await eventually(() => state.streamsStopped.includes('s2'))).toBe(true);
      await expectTransportError(conn.stream('silent', Buffer.alloc(0), { idleTimeoutMs: 200 }).next(), ['TIMEOUT']);
      expect(Buffer.from(await conn.request('echo', Buffer.from('ok'))).toString()).toBe('ok');
    });

    it('keeps a reader that stops pulling from stalling requests or growing memory', async () => {
      const { server, state } = await serve();
      const conn = await client(server);
      const stalled = conn.stream('counted', Buffer.from('slow'));
      await stalled.next();
      await sleep(300);
      const producedWhileStalled = state.produced.get('slow') ?? 0;
      const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => conn.request('echo', Buffer.from(String(i)), { timeoutMs: 10_000 })));
      expect(replies.map((r) => Number(Buffer.from(r).toString()))).toEqual([...Array(200).keys()]);
      // Bounded by flow control (window plus socket buffers), not by the block.
      expect(producedWhileStalled).toBeLessThan(48 * MiB);
      await sleep(200);
      expect(state.produced.get('slow')! - producedWhileStalled).toBeLessThan(MiB);
      await stalled.return!();
      expect(await eventually(() => state.streamsStopped.includes('slow'))).toBe(true);
    });

    it('streams 1 GiB lazily with the reader memory growing far less than that', async () => {
      const srv = await child();
      const conn = await client(srv, { requestTimeoutMs: 60_000 });
      expect((await drain(conn.stream('pattern', Buffer.from(String(16 * MiB))))).bytes).toBe(16 * MiB);
      const total = 1024 * MiB;
      const before = process.memoryUsage();
      let peakRss = before.rss;
      let peakHeap = before.heapUsed;
      let pos = 0;
      let bad = 0;
      let n = 0;
      for await (const piece of conn.stream('pattern', Buffer.from(String(total)))) {
        if (!checkPatternPiece(piece, pos)) bad++;
        pos += piece.byteLength;
        if ((++n & 63) === 0) {
          const m = process.memoryUsage();
          peakRss = Math.max(peakRss, m.rss);
          peakHeap = Math.max(peakHeap, m.heapUsed);
        }
      }
      expect(pos).toBe(total);
      expect(bad).toBe(0);
      const stats = JSON.parse(Buffer.from(await conn.request('stats', Buffer.alloc(0))).toString()) as { baseRss: number; peakRss: number };
      const growth = { readerRss: peakRss - before.rss, readerHeap: peakHeap - before.heapUsed, serverRss: stats.peakRss - stats.baseRss };
      console.info(`[${name}] 1 GiB stream memory growth (MiB):`, Object.fromEntries(Object.entries(growth).map(([k, v]) => [k, +(v / MiB).toFixed(1)])));
      expect(growth.readerRss).toBeLessThan(160 * MiB);
      expect(growth.readerHeap).toBeLessThan(96 * MiB);
      expect(growth.serverRss).toBeLessThan(192 * MiB);
    });

    it('fails a reader promptly, never hangs, when the server is killed mid-stream', async () => {
      const srv = await child();
      const conn = await client(srv, { requestTimeoutMs: 60_000 });
      const closed = new Promise<TransportError | undefined>((r) => conn.on('close', r));
      let got = 0;
      let killedAt = 0;
      const outcome = withinMs(
        (async () => {
          for await (const piece of conn.stream('endless', Buffer.alloc(0))) {
            got += piece.byteLength;
            if (killedAt === 0 && got >= 4 * MiB) {
              killedAt = Date.now();
              srv.kill('SIGKILL');
            }
          }
        })(),
        15_000,
        'reading from a killed server',
      );
      const err = await expectTransportError(outcome, ['PEER_LOST', 'CONNECTION_CLOSED']);
      expect(err.retryable).toBe(true);
      expect(killedAt).toBeGreaterThan(0);
      const reason = await withinMs(closed, 15_000, 'close event after kill');
      expect(reason?.code).toBe('PEER_LOST');
      expect(conn.state).toBe('closed');
      await expectTransportError(conn.request('echo', Buffer.alloc(1)), ['PEER_LOST', 'CONNECTION_CLOSED']);
    });

    it('declares a frozen peer lost by keep-alive and fails its pending calls', async () => {
      const srv = await child();
      const conn = await client(srv, { keepAliveIntervalMs: 100, peerTimeoutMs: 1000, requestTimeoutMs: 0 });
      expect(Buffer.from(await conn.request('echo', Buffer.from('hi'))).toString()).toBe('hi');
      const closed = new Promise<TransportError | undefined>((r) => conn.on('close', r));
      srv.kill('SIGSTOP');
      await sleep(50);
      const pending = conn.request('echo', Buffer.from('into the void'));
      const err = await withinMs(expectTransportError(pending, ['PEER_LOST']), 15_000, 'pending request to a frozen peer');
      expect(err.retryable).toBe(true);
      expect((await withinMs(closed, 15_000, 'close event for a frozen peer'))?.code).toBe('PEER_LOST');
    });

    it('keeps a connection alive that carries only one-way messages, on both sides', async () => {
      // The sender never pings (it is always writing) and the receiver never
      // answers (messages have no reply): traffic in one direction must still
      // keep both ends alive, well past the peer timeout.
      const liveness = { keepAliveIntervalMs: 100, peerTimeoutMs: 600 };
      const { server, state, log } = await serve(liveness);
      const closedPeers: Array<TransportError | undefined> = [];
      server.on('peerClosed', (_p, r) => closedPeers.push(r));
      const conn = await client(server, liveness);
      const closes: Array<TransportError | undefined> = [];
      conn.on('close', (r) => closes.push(r));
      let sent = 0;
      const until = Date.now() + 2_500;
      while (Date.now() < until && conn.state === 'open') {
        await conn.send('note', Buffer.from(String(sent++)));
        await sleep(40);
      }
      expect(closes).toEqual([]);
      expect(conn.state).toBe('open');
      expect(closedPeers).toEqual([]);
      expect(await eventually(() => state.messages.length === sent)).toBe(true);
      expect(state.messages.map((m) => Number(m.body.toString()))).toEqual([...Array(sent).keys()]);
      expect(log.lines.filter((l) => /no data from the peer|lost/i.test(l))).toEqual([]);
      expect(Buffer.from(await conn.request('echo', Buffer.from('still here'))).toString()).toBe('still here');
    });

    it('keeps a connection to a server in another process alive while it carries only one-way messages', async () => {
      const liveness = { keepAliveIntervalMs: 100, peerTimeoutMs: 600 };
      const srv = await child(liveness);
      const conn = await client(srv, liveness);
      const closes: Array<TransportError | undefined> = [];
      conn.on('close', (r) => closes.push(r));
      let sent = 0;
      const until = Date.now() + 2_500;
      while (Date.now() < until && conn.state === 'open') {
        await conn.send('note', Buffer.from(String(sent++)));
        await sleep(40);
      }
      expect(closes).toEqual([]);
      expect(conn.state).toBe('open');
      expect(Number(Buffer.from(await conn.request('notes', Buffer.alloc(0))).toString())).toBe(sent);
    });

    it('reports peers connecting and closing, and closes idempotently', async () => {
      const { server, transport } = await serve();
      const connected: PeerInfo[] = [];
      const closed: Array<[PeerInfo, TransportError | undefined]> = [];
      server.on('peerConnected', (p) => connected.push(p));
      server.on('peerClosed', (p, r) => closed.push([p, r]));
      const { transport: other } = await make();
      const conn = await other.connect(server.address);
      await conn.request('echo', Buffer.alloc(1));
      expect(await eventually(() => connected.length >= 1)).toBe(true);
      expect(server.peers().map((p) => p.id)).toEqual(expect.arrayContaining([connected[0].id]));
      const events: Array<TransportError | undefined> = [];
      conn.on('close', (r) => events.push(r));
      await conn.close();
      await conn.close();
      expect(conn.state).toBe('closed');
      expect(events).toEqual([undefined]);
      await expectTransportError(conn.request('echo', Buffer.alloc(1)), ['CONNECTION_CLOSED']);
      expect(await eventually(() => closed.some(([p]) => p.id === connected[0].id))).toBe(true);
      expect(server.peers().length).toBe(0);
      await server.close();
      await server.close();
      expect(server.state).toBe('closed');
      await expectTransportError(transport.connect(server.address, { timeoutMs: 5000 }), ['CONNECT_FAILED']);
    });

    it('tells connected clients when the server closes', async () => {
      const { server, state } = await serve();
      const conn = await client(server, { keepAliveIntervalMs: 100, peerTimeoutMs: 1000 });
      await conn.request('echo', Buffer.alloc(1));
      const closed = new Promise<TransportError | undefined>((r) => conn.on('close', r));
      const pending = conn.request('never', Buffer.from('srv-close'), { timeoutMs: 0 });
      expect(await eventually(() => server.peers().length === 1)).toBe(true);
      await sleep(50);
      await withinMs(server.close(), 10_000, 'server close');
      const err = await withinMs(expectTransportError(pending, ['CONNECTION_CLOSED', 'PEER_LOST']), 10_000, 'pending call on close');
      expect(err.retryable).toBe(true);
      const reason = await withinMs(closed, 10_000, 'client close event');
      expect(['CONNECTION_CLOSED', 'PEER_LOST']).toContain(reason?.code);
      expect(state.aborted).toContain('srv-close');
    });

    it('reuses one connection per peer and opens a new one after close', async () => {
      const { server } = await serve();
      const { transport } = await make();
      const [a, b] = await Promise.all([transport.connect(server.address), transport.connect(`${server.address.host}:${server.address.port}`)]);
      expect(a).toBe(b);
      await a.close();
      const c = await transport.connect(server.address);
      expect(c).not.toBe(a);
      expect(Buffer.from(await c.request('echo', Buffer.from('x'))).toString()).toBe('x');
      await expectTransportError(transport.connect({ host: '127.0.0.1', port: 1 }, { timeoutMs: 5000 }), ['CONNECT_FAILED']);
    });

    it('authenticates with the cluster secret and refuses wrong or missing proof', async () => {
      const { server, log } = await serve({ secret: 'right-secret' });
      const good = await client(server, { secret: 'right-secret' });
      expect(Buffer.from(await good.request('echo', Buffer.from('in'))).toString()).toBe('in');
      const wrong = await make({ secret: 'wrong-secret' });
      const e1 = await expectTransportError(wrong.transport.connect(server.address), ['AUTH_FAILED']);
      expect(e1.retryable).toBe(false);
      const missing = await make();
      await expectTransportError(missing.transport.connect(server.address), ['AUTH_FAILED']);
      expect(await eventually(() => log.lines.filter((l) => /refused/i.test(l)).length >= 2)).toBe(true);
      expect(log.lines.every((l) => !l.includes('right-secret') && !l.includes('wrong-secret'))).toBe(true);
      expect(Buffer.from(await good.request('echo', Buffer.from('still in'))).toString()).toBe('still in');
      expect(server.peers().length).toBe(1);
      // A client holding a secret does not trust a server that cannot prove it.
      const { server: open } = await serve();
      await expectTransportError((await make({ secret: 'right-secret' })).transport.connect(open.address), ['AUTH_FAILED']);
    });

    it('never sends the secret over the wire', async () => {
      const secret = 'correct horse battery staple';
      const { server } = await serve({ secret });
      const proxy = await TapProxy.start(server.address);
      cleanups.push(() => proxy.close());
      const conn = await client(proxy, { secret });
      await conn.request('echo', Buffer.from('payload'));
      const wire = Buffer.concat([...proxy.toServer, ...proxy.toClient]);
      expect(wire.length).toBeGreaterThan(0);
      const forms = [Buffer.from(secret), Buffer.from(Buffer.from(secret).toString('hex')), Buffer.from(Buffer.from(secret).toString('base64'))];
      for (const f of forms) expect(wire.includes(f)).toBe(false);
    });

    it('refuses to listen beyond loopback without a secret, naming FLINT_SECRET', async () => {
      const { transport } = await make();
      const err = await expectTransportError(transport.listen({}, { host: '0.0.0.0' }), ['CONFIG']);
      expect(err.message).toContain('FLINT_SECRET');
      const loop = await transport.listen({}, { host: '127.0.0.1' });
      await loop.close();
      const { transport: withSecret } = await make({ secret: 's' });
      const any = await withSecret.listen({}, { host: '0.0.0.0' });
      expect(any.address.port).toBeGreaterThan(0);
      await any.close();
    });

    it('survives 1,000 garbage inputs and keeps serving a good client', async () => {
      const secret = 'garbage-test-secret';
      const { server, log } = await serve({ secret, handshakeTimeoutMs: 3000 });
      const good = await client(server, { secret });
      const goodPeers = server.peers().map((p) => p.id);
      expect(goodPeers.length).toBe(1);

      // Learn what one legitimate request looks like on the wire, after the handshake.
      const calib = await TapProxy.start(server.address);
      cleanups.push(() => calib.close());
      const { transport: calibT } = await make({ secret });
      const calibConn = await calibT.connect(calib.address);
      await sleep(20);
      const mark = calib.sentByClient;
      await calibConn.request('echo', Buffer.from('calibration request body'));
      await sleep(20);
      const legit = Buffer.concat(calib.toServer).subarray(mark);
      expect(legit.length).toBeGreaterThan(0);
      await calibT.close();

      const rng = mulberry32(3);
      const mutate = (src: Buffer): Buffer => {
        const b = Buffer.from(src);
        const how = (rng() * 4) | 0;
        if (how === 0) {
          for (let i = 0, n = 1 + ((rng() * 8) | 0); i < n; i++) b[(rng() * b.length) | 0] = (rng() * 256) | 0;
          return b;
        }
        if (how === 1) return b.subarray(0, (rng() * b.length) | 0);
        if (how === 2) return Buffer.concat([b, randomBody(rng, 1 + ((rng() * 512) | 0))]);
        return randomBody(rng, 1 + ((rng() * 4096) | 0));
      };
      const rawGarbage = (): Buffer => {
        const r = rng();
        if (r < 0.25) {
          const b = Buffer.alloc(10 + ((rng() * 64) | 0));
          b.writeUInt32BE((rng() * 0xffffffff) >>> 0, 0);
          return b;
        }
        if (r < 0.4) return Buffer.concat([Buffer.from('POST /flint HTTP/1.1\r\nContent-Length: 99999999999\r\n'), randomBody(rng, 64)]);
        return randomBody(rng, 1 + ((rng() * 2048) | 0));
      };

      const attempts = 1000;
      let hung = 0;
      const one = async (i: number): Promise<void> => {
        if (i % 5 < 2) {
          // Before authentication: straight at the server.
          const s = netConnect({ host: server.address.host, port: server.address.port });
          s.on('error', () => {});
          await once(s, 'connect');
          const closed = once(s, 'close');
          s.write(rawGarbage());
          s.end();
          s.resume();
          const done = await Promise.race([closed.then(() => true), sleep(8000).then(() => false)]);
          if (!done) hung++;
          s.destroy();
          return;
        }
        // After a real handshake: the proxy swaps the client's next bytes for garbage.
        const proxy = await TapProxy.start(server.address);
        try {
          const transport = await makeTransport({ secret, logger: new LogCapture(), connectTimeoutMs: 5000 });
          try {
            await transport.connect(proxy.address);
            await sleep(5);
            if (!(await proxy.inject(mutate(legit), 8000))) hung++;
          } finally {
            await transport.close();
          }
        } finally {
          await proxy.close();
        }
      };
      for (let i = 0; i < attempts; i += 25) {
        await Promise.all(Array.from({ length: Math.min(25, attempts - i) }, (_, k) => one(i + k)));
      }
      const sample = [...new Set(log.lines.map((l) => l.replace(/\d+/g, 'N').slice(0, 110)))].slice(0, 6);
      console.info(`[${name}] garbage: ${attempts} inputs, ${log.lines.length} log lines; kinds of line:`, sample);
      expect(hung).toBe(0);
      expect(good.state).toBe('open');
      expect(Buffer.from(await good.request('echo', Buffer.from('survivor'))).toString()).toBe('survivor');
      const fresh = await client(server, { secret });
      expect(Buffer.from(await fresh.request('echo', Buffer.from('newcomer'))).toString()).toBe('newcomer');
      await fresh.close();
      expect(await eventually(() => server.peers().length === 1, 10_000)).toBe(true);
      expect(server.peers()[0].id).toBe(goodPeers[0]);
      expect(log.lines.length).toBeLessThanOrEqual(attempts);
      expect(log.lines.every((l) => !l.includes('\n'))).toBe(true);
    });

    it('is found by name through the registry', async () => {
      const t = await loadTransport(name, { logger: new LogCapture() });
      cleanups.push(() => t.close());
      expect(t.name).toBe(name);
      expect(registeredTransports()).toContain(name);
      await expectTransportError(loadTransport('no-such-transport-here'), ['UNKNOWN_TRANSPORT']);
      expect(isTransportError(new TransportError('TIMEOUT', 'x'), 'TIMEOUT')).toBe(true);
    });
  });
}
