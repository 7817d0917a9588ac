import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ExecutorRunRecord } from './store/worker-store.ts';

export interface WorkerWebDeps {
  workerId: string;
  cores: number;
  memoryMb: number;
  executors: () => ExecutorRunRecord[];
}

const LIVE = new Set(['LAUNCHING', 'RUNNING']);

/** The worker's own Prometheus registry: its cores, memory and executors, and its process. */
export function createWorkerMetrics(d: WorkerWebDeps): Registry {
  const register = new Registry();
  register.setDefaultLabels({ worker: d.workerId });
  collectDefaultMetrics({ register, prefix: 'flint_worker_' });
  new Gauge({
    name: 'flint_worker_cores',
    help: 'Cores this worker offers, and those its live executors hold.',
    labelNames: ['kind'],
    registers: [register],
    collect() {
      this.set({ kind: 'total' }, d.cores);
      this.set({ kind: 'used' }, d.executors().filter((e) => LIVE.has(e.state)).reduce((a, e) => a + e.cores, 0));
    },
  });
  new Gauge({
    name: 'flint_worker_memory_bytes',
    help: 'Memory this worker offers, and what its live executors were granted.',
    labelNames: ['kind'],
    registers: [register],
    collect() {
      this.set({ kind: 'total' }, d.memoryMb * 1024 * 1024);
      this.set({ kind: 'used' }, d.executors().filter((e) => LIVE.has(e.state)).reduce((a, e) => a + e.memoryMb, 0) * 1024 * 1024);
    },
  });
  new Gauge({
    name: 'flint_worker_executors',
    help: 'Executors this worker launched since it started, by state.',
    labelNames: ['state'],
    registers: [register],
    collect() {
      this.reset();
      const all = d.executors();
      for (const s of ['LAUNCHING', 'RUNNING', 'EXITED', 'FAILED', 'KILLED', 'LOST']) this.set({ state: s }, all.filter((e) => e.state === s).length);
    },
  });
  return register;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * The worker's small HTTP server: `GET /metrics` and `/healthz`, nothing else.
 * With a cluster secret every request needs it as a bearer token; without one
 * it binds loopback only. Owns its server; `close()` ends it.
 */
export async function startWorkerWeb(host: string, port: number, secret: string | undefined, registry: Registry): Promise<{ port: number; close(): Promise<void> }> {
  if (!secret && !isLoopback(host)) throw new Error(`refusing to serve worker metrics on ${host} without a cluster secret: set FLINT_SECRET, or bind 127.0.0.1`);
  const want = secret ? Buffer.from(`Bearer ${secret}`) : null;
  const server = http.createServer((req, res) => {
    res.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    res.setHeader('x-content-type-options', 'nosniff');
    const got = Buffer.from(req.headers.authorization ?? '');
    if (want && !(got.length === want.length && timingSafeEqual(got, want))) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="flint"' }).end('this worker needs the cluster secret as a bearer token\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return void res.writeHead(405, { 'content-type': 'text/plain' }).end('only GET\n');
    if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (path !== '/metrics') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('this worker serves /metrics and /healthz\n');
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: Error) => {
    throw new Error(`cannot serve worker metrics on ${host}:${port}: ${err.message} (choose another --web-port, or 0 for any free port)`, { cause: err });
  });
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
