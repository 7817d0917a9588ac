/**
 * Transport benchmark: each transport beside a raw Node `net` socket pair,
 * measured in the same process and the same run.
 *
 *   tsx test/bench/transport-bench.ts [--transports tcp,http] [--rounds N]
 *       [--requests N] [--in-flight N] [--stream-mb N] [--json]
 *
 * Metrics (client and server in this process, loopback):
 * - rpc latency p50 / p99: sequential 64-byte request/response round trips;
 * - rpc throughput: 64-byte requests with many in flight, replies/s;
 * - message throughput: one-way 64-byte messages, delivered/s;
 * - stream throughput: one block pulled as a stream, MB/s.
 * The raw baseline is the simplest honest code for the same job on `net`:
 * 4-byte length-prefixed frames echoed back (one write per data event), and
 * a block pushed with write/drain backpressure. Ratios are transport / raw,
 * so for throughput higher is better and for latency lower is better.
 */
import { once } from 'node:events';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { loadTransport, silentTransportLogger, type Transport, type TransportConnection, type TransportServer } from '@flint/core/transport';

export interface TransportBenchOptions {
  /** @default ['tcp', 'http'] */
  transports?: string[];
  /** Sequential round trips timed for latency. @default 5000 */
  rounds?: number;
  /** Requests (and one-way messages) for the throughput runs. @default 100_000 */
  requests?: number;
  /** Requests kept in flight in the throughput run. @default 256 */
  inFlight?: number;
  /** Bytes of the streamed block. @default 512 MiB */
  streamBytes?: number;
  /** Where progress lines go. @default stderr */
  log?: (line: string) => void;
}

export interface Row {
  transport: string;
  metric: 'rpc-latency-p50' | 'rpc-latency-p99' | 'rpc-throughput' | 'message-throughput' | 'stream-throughput';
  unit: 'us' | 'msg/s' | 'MB/s';
  value: number;
  /** The raw `net` socket pair's figure for the same metric in this run. */
  raw: number;
  /** value / raw. */
  ratio: number;
}

const MSG = 64;
/** Untimed round trips before latency samples are kept (JIT, socket buffers). */
const WARMUP_ROUNDS = 2000;
const CHUNK = 64 * 1024;

interface Figures {
  p50: number;
  p99: number;
  rpcPerSec: number;
  msgPerSec: number;
  streamMBps: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const now = () => Number(process.hrtime.bigint()) / 1e3;

// ---------------------------------------------------------------- raw sockets

/** A server echoing 4-byte length-prefixed frames, batching each data event's replies into one write. */
async function rawEchoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer({ noDelay: true }, (s) => {
    let pending: Buffer | undefined;
    s.on('data', (chunk: Buffer) => {
      const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      let off = 0;
      while (buf.length - off >= 4) {
        const len = buf.readUInt32BE(off);
        if (buf.length - off - 4 < len) break;
        off += 4 + len;
      }
      if (off > 0) s.write(buf.subarray(0, off));
      pending = off < buf.length ? buf.subarray(off) : undefined;
    });
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

function rawFrame(): Buffer {
  const b = Buffer.alloc(4 + MSG, 1);
  b.writeUInt32BE(MSG, 0);
  return b;
}

/** Resolves once `bytes` more bytes have arrived on the socket. */
function rawReader(s: Socket): (bytes: number) => Promise<void> {
  let have = 0;
  let want = 0;
  let wake: (() => void) | undefined;
  s.on('data', (c: Buffer) => {
    have += c.length;
    if (wake && have >= want) {
      const w = wake;
      wake = undefined;
      w();
    }
  });
  return (bytes) => {
    want += bytes;
    if (have >= want) return Promise.resolve();
    return new Promise<void>((r) => (wake = r));
  };
}

async function measureRaw(o: Required<TransportBenchOptions>): Promise<Figures> {
  const { server, port } = await rawEchoServer();
  const s = netConnect({ port, host: '127.0.0.1', noDelay: true });
  await once(s, 'connect');
  const read = rawReader(s);
  const frame = rawFrame();
  // Latency.
  const samples: number[] = [];
  for (let i = 0; i < o.rounds + WARMUP_ROUNDS; i++) {
    const t0 = now();
    s.write(frame);
    await read(frame.length);
    if (i >= WARMUP_ROUNDS) samples.push(now() - t0);
  }
  samples.sort((a, b) => a - b);
  // Throughput with a window of frames in flight (one untimed pass first).
  const pass = async (count: number) => {
    for (let done = 0; done < count; ) {
      const n = Math.min(o.inFlight, count - done);
      s.cork();
      for (let i = 0; i < n; i++) s.write(frame);
      s.uncork();
      await read(n * frame.length);
      done += n;
    }
  };
  await pass(Math.ceil(o.requests / 5));
  let t0 = now();
  await pass(o.requests);
  const rpcPerSec = o.requests / ((now() - t0) / 1e6);
  // Stream: push a block with backpressure.
  const sink = createServer((c) => {
    c.on('error', () => {});
    c.resume();
  });
  sink.listen(0, '127.0.0.1');
  await once(sink, 'listening');
  const received = new Promise<number>((resolve) => {
    sink.once('connection', (c) => {
      let n = 0;
      c.on('data', (d: Buffer) => {
        n += d.length;
        if (n >= o.streamBytes) resolve(n);
      });
    });
  });
  const w = netConnect({ port: (sink.address() as { port: number }).port, host: '127.0.0.1' });
  await once(w, 'connect');
  const chunk = Buffer.alloc(CHUNK, 7);
  t0 = now();
  for (let sentBytes = 0; sentBytes < o.streamBytes; sentBytes += CHUNK) {
    if (!w.write(sentBytes + CHUNK <= o.streamBytes ? chunk : chunk.subarray(0, o.streamBytes - sentBytes))) await once(w, 'drain');
  }
  await received;
  const streamMBps = o.streamBytes / 1e6 / ((now() - t0) / 1e6);
  w.destroy();
  s.destroy();
  await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => sink.close(r))]);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), rpcPerSec, msgPerSec: rpcPerSec, streamMBps };
}

// ---------------------------------------------------------------- transports

async function measureTransport(name: string, o: Required<TransportBenchOptions>): Promise<Figures> {
  const transport: Transport = await loadTransport(name, { logger: silentTransportLogger });
  let delivered = 0;
  let onDelivered: (() => void) | undefined;
  let deliverTarget = 0;
  const templates = Array.from({ length: 4 }, (_, i) => Buffer.alloc(CHUNK, i));
  const server: TransportServer = await transport.listen({
    onRequest: (_kind, body) => body,
    onMessage: () => {
      if (++delivered >= deliverTarget && onDelivered) onDelivered();
    },
    async *onStream(_kind, body) {
      let left = Number(Buffer.from(body).toString());
      for (let i = 0; left > 0; i++) {
        const n = Math.min(CHUNK, left);
        yield n === CHUNK ? templates[i & 3] : templates[i & 3].subarray(0, n);
        left -= n;
      }
    },
  });
  try {
    const conn: TransportConnection = await transport.connect(server.address);
    const body = Buffer.alloc(MSG, 1);
    const samples: number[] = [];
    for (let i = 0; i < o.rounds + WARMUP_ROUNDS; i++) {
      const t0 = now();
      await conn.request('echo', body);
      if (i >= WARMUP_ROUNDS) samples.push(now() - t0);
    }
    samples.sort((a, b) => a - b);

    const rpcPass = (count: number) =>
      new Promise<void>((resolve, reject) => {
        let issued = 0;
        let done = 0;
        const next = () => {
          if (issued >= count) return;
          issued++;
          conn.request('echo', body).then(() => {
            if (++done === count) resolve();
            else next();
          }, reject);
        };
        for (let i = 0; i < o.inFlight; i++) next();
      });
    await rpcPass(Math.ceil(o.requests / 5));
    let t0 = now();
    await rpcPass(o.requests);
    const rpcPerSec = o.requests / ((now() - t0) / 1e6);

    const messagePass = async (count: number) => {
      deliverTarget = count;
      delivered = 0;
      const allDelivered = new Promise<void>((r) => (onDelivered = r));
      const sends: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        sends.push(conn.send('note', body));
        if (sends.length >= o.inFlight) await Promise.all(sends.splice(0));
      }
      await Promise.all(sends);
      await allDelivered;
    };
    await messagePass(Math.ceil(o.requests / 5));
    t0 = now();
    await messagePass(o.requests);
    const msgPerSec = o.requests / ((now() - t0) / 1e6);

    // Warm the stream path, then time one block.
    for await (const _ of conn.stream('block', Buffer.from(String(64 * 1024 * 1024)))) void _;
    t0 = now();
    let got = 0;
    for await (const c of conn.stream('block', Buffer.from(String(o.streamBytes)))) got += c.byteLength;
    if (got !== o.streamBytes) throw new Error(`${name}: streamed ${got} of ${o.streamBytes} bytes`);
    const streamMBps = o.streamBytes / 1e6 / ((now() - t0) / 1e6);
    return { p50: percentile(samples, 50), p99: percentile(samples, 99), rpcPerSec, msgPerSec, streamMBps };
  } finally {
    await transport.close();
  }
}

// ---------------------------------------------------------------- entry points

export async function runTransportBench(opts: TransportBenchOptions = {}): Promise<Row[]> {
  const o: Required<TransportBenchOptions> = {
    transports: opts.transports ?? ['tcp', 'http'],
    rounds: opts.rounds ?? 5000,
    requests: opts.requests ?? 100_000,
    inFlight: opts.inFlight ?? 256,
    streamBytes: opts.streamBytes ?? 512 * 1024 * 1024,
    log: opts.log ?? ((line) => void process.stderr.write(line + '\n')),
  };
  o.log('transport bench: raw net socket pair');
  const raw = await measureRaw(o);
  const rows: Row[] = [];
  for (const name of o.transports) {
    o.log(`transport bench: ${name}`);
    const f = await measureTransport(name, o);
    const add = (metric: Row['metric'], unit: Row['unit'], value: number, base: number) =>
      rows.push({ transport: name, metric, unit, value, raw: base, ratio: value / base });
    add('rpc-latency-p50', 'us', f.p50, raw.p50);
    add('rpc-latency-p99', 'us', f.p99, raw.p99);
    add('rpc-throughput', 'msg/s', f.rpcPerSec, raw.rpcPerSec);
    add('message-throughput', 'msg/s', f.msgPerSec, raw.msgPerSec);
    add('stream-throughput', 'MB/s', f.streamMBps, raw.streamMBps);
  }
  return rows;
}

export function formatTransportBench(rows: Row[]): string {
  const fmt = (v: number, unit: Row['unit']) => (unit === 'us' ? v.toFixed(1) : unit === 'MB/s' ? v.toFixed(0) : Math.round(v).toLocaleString('en-US'));
  const header = ['transport', 'metric', 'value', 'raw net', 'ratio'];
  const body = rows.map((r) => [
    r.transport,
    `${r.metric} (${r.unit})`,
    fmt(r.value, r.unit),
    fmt(r.raw, r.unit),
    `${r.ratio.toFixed(2)}x${r.unit === 'us' ? ' (lower is better)' : ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function parseArgs(argv: string[]): TransportBenchOptions & { json: boolean } {
  const out: TransportBenchOptions & { json: boolean } = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--transports') out.transports = v().split(',');
    else if (a === '--rounds') out.rounds = Number(v());
    else if (a === '--requests') out.requests = Number(v());
    else if (a === '--in-flight') out.inFlight = Number(v());
    else if (a === '--stream-mb') out.streamBytes = Number(v()) * 1024 * 1024;
    else if (a === '--json') out.json = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: tsx test/bench/transport-bench.ts [--transports tcp,http] [--rounds N] [--requests N] [--in-flight N] [--stream-mb N] [--json]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = parseArgs(process.argv.slice(2));
  const rows = await runTransportBench(args);
  process.stdout.write((args.json ? JSON.stringify(rows, null, 2) : formatTransportBench(rows)) + '\n');
}
