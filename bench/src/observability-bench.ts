/**
 * Observer effect of the driver's telemetry (prints figures, asserts nothing):
 * one job of N one-element tasks (default 20,000), timed on
 *  - a local cluster of 2 workers × 1 core (`local-cluster[2,1]`, tcp), with
 *    event shipping off (flint.eventLog.enabled=false), shipping on, and shipping
 *    plus tracing on (the driver's SDK registered, executors exporting task spans
 *    by OTLP to a sink in a child process);
 *  - local[2], with tracing off and on.
 * With events on, the master serves its API and five live subscribers
 * (`events.live`, in a child process as browsers would be) stay connected for
 * the whole run. After the timed runs, one more job on that cluster measures
 * task end → queryable: the child polls `tasks.list` (newest tasks first) every
 * 20 ms and takes now − the row's finishTime (the driver's clock, same machine)
 * for each task the first time it is seen.
 * Variants run interleaved, run after run, so load from elsewhere on a shared
 * machine falls on all of them alike; the median of each is compared with its
 * "off" row. Run it with: `pnpm --filter @flint/bench exec tsx src/observability-bench.ts
 * [--tasks 20000] [--runs 3] [--no-cluster] [--no-local] [--no-tracing] [--profile DIR]`
 * (`--profile DIR`: every cluster process and thread writes a V8 CPU profile into DIR when
 * it exits, through cpu-profile-hook.cjs; run the bench itself under `node --cpu-prof` for
 * the driver's).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createFlintClient } from '@flint/api';
import { FlintContext } from '@flint/core';
import { LocalCluster } from '@flint/cluster';
import '@flint/scheduler';
import { startTelemetry, type Telemetry } from '@flint/telemetry';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { nodeOptionsWith } from './env.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const TASKS = arg('--tasks', 20_000);
const RUNS = arg('--runs', 3);
const CLUSTER = !process.argv.includes('--no-cluster');
const LOCAL = !process.argv.includes('--no-local');
const TRACING = !process.argv.includes('--no-tracing');
const PROFILE_DIR = (() => {
  const i = process.argv.indexOf('--profile');
  return i >= 0 ? process.argv[i + 1]! : null;
})();
const SUBSCRIBERS = 5;
/**
 * Newest rows read per poll: enough for the tasks that end in one poll cycle at this job's
 * rate (1,500-2,000 tasks/s, cycles of 0.1-0.3 s), and few enough that the poll itself is not
 * the delay measured (with 1,000 full rows a cycle took p50 546 ms at load ~15).
 */
const POLL_ROWS = 400;

/** Takes spans and drops them: the driver's cost of recording and batching, not of a collector. */
class DiscardingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (r: { code: number }) => void): void {
    this.spans += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

/** An OTLP/HTTP endpoint in its own process that reads and discards every request. */
async function startSink(): Promise<{ url: string; child: ChildProcess }> {
  const code = "require('http').createServer((q,s)=>{q.resume();q.on('end',()=>s.end('{}'))}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})";
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((res) => child.stdout!.once('data', (d: Buffer) => res(d.toString().trim())));
  return { url: `http://127.0.0.1:${port}`, child };
}

/**
 * Child mode (`--subscribers URL`): five events.live subscriptions that count what they
 * receive; on stdin 'latency APPID' it polls tasks.list for new task rows every 20 ms until
 * stdin says 'stop', then prints the task end → queryable delays as JSON.
 */
async function subscribersChild(url: string): Promise<void> {
  const api = createFlintClient({ url });
  let batches = 0;
  let changes = 0;
  const subs = Array.from({ length: SUBSCRIBERS }, () =>
    api.events.live.subscribe(
      {},
      {
        onData: (d) => {
          batches++;
          changes += d.data.changes.length;
        },
        onError: (e) => process.stderr.write(`subscriber: ${String(e)}\n`),
      },
    ),
  );
  let polling: Promise<number[]> | null = null;
  /** ms between the starts of consecutive polls: a row is seen up to one of these after it is queryable. */
  const cycles: number[] = [];
  let stop = false;
  const poll = async (appId: string): Promise<number[]> => {
    const seen = new Set<number>();
    const delays: number[] = [];
    // Stages of earlier jobs are not this job's: their tasks were queryable long ago.
    const before = new Set((await api.stages.list.query({ appId })).map((st) => st.stageId));
    let last = Date.now();
    while (!stop) {
      const t0 = Date.now();
      cycles.push(t0 - last);
      last = t0;
      for (const st of await api.stages.list.query({ appId })) {
        if (before.has(st.stageId) || (st.state !== 'active' && seen.has(-1 - st.stageId))) continue;
        const page = await api.tasks.list.query({ appId, stageId: st.stageId, attempt: st.attempt, sortBy: 'taskId', desc: true, limit: POLL_ROWS });
        const now = Date.now();
        for (const t of page.items) {
          if (t.status !== 'success' || seen.has(t.taskId) || t.finishTime === null) continue;
          seen.add(t.taskId);
          delays.push(now - t.finishTime);
        }
        if (st.state !== 'active') seen.add(-1 - st.stageId);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 20 - (Date.now() - t0))));
    }
    return delays;
  };
  process.stdin.setEncoding('utf8');
  let buf = '';
  process.stdin.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line.startsWith('latency ')) polling = poll(line.slice(8));
      else if (line === 'stop') {
        stop = true;
        void (async () => {
          const delays = polling ? await polling : [];
          for (const sub of subs) sub.unsubscribe();
          process.stdout.write(`${JSON.stringify({ batches, changes, delays, cycles })}\n`);
          process.exit(0);
        })();
      }
    }
  });
  process.stdout.write('ready\n');
}

interface Subscribers {
  child: ChildProcess;
  measureLatency(appId: string): void;
  stop(): Promise<{ batches: number; changes: number; delays: number[]; cycles: number[] }>;
}

async function startSubscribers(url: string): Promise<Subscribers> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--subscribers', url], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    rest += d;
    for (let i = rest.indexOf('\n'); i >= 0; i = rest.indexOf('\n')) {
      lines.push(rest.slice(0, i));
      rest = rest.slice(i + 1);
    }
    wake?.();
  });
  const next = async (): Promise<string> => {
    while (lines.length === 0) {
      if (child.exitCode !== null) throw new Error(`the subscriber process exited (${child.exitCode})`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1000);
      });
    }
    return lines.shift()!;
  };
  if ((await next()) !== 'ready') throw new Error('the subscriber process did not start');
  return {
    child,
    measureLatency: (appId) => child.stdin!.write(`latency ${appId}\n`),
    stop: async () => {
      child.stdin!.write('stop\n');
      return JSON.parse(await next()) as { batches: number; changes: number; delays: number[]; cycles: number[] };
    },
  };
}

interface Variant {
  name: string;
  sc: FlintContext;
  tracing: boolean;
  times: number[];
  /** CPU ms per run by role: driver (this process), master, worker, executor. */
  cpu: Record<string, number>[];
  base?: string;
}

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** CPU ms used so far by this process's descendants, by role (from /proc), and by this process. */
function cpuByRole(): Record<string, number> {
  const procs = new Map<number, { ppid: number; cpu: number; cmd: string }>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'latin1');
      procs.set(Number(d), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) * TICK_MS, cmd });
    } catch {
      /* exited meanwhile */
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = procs.get(pid)?.ppid, n = 0; p !== undefined && n < 20; p = procs.get(p)?.ppid, n++) if (p === process.pid) return true;
    return false;
  };
  const u = process.cpuUsage();
  const out: Record<string, number> = { driver: (u.user + u.system) / 1000, master: 0, worker: 0, executor: 0 };
  for (const [pid, p] of procs) {
    if (!mine(pid)) continue;
    const role = p.cmd.includes('executor-main') ? 'executor' : p.cmd.includes('master/src/main') ? 'master' : p.cmd.includes('worker/src/main') ? 'worker' : null;
    if (role) out[role]! += p.cpu;
  }
  return out;
}

const data = Array.from({ length: TASKS }, (_, i) => i);
const expected = data.reduce((a, x) => a + x * 2, 0);

async function timeJob(v: Variant, exporter: DiscardingExporter): Promise<number> {
  let telemetry: Telemetry | null = null;
  if (v.tracing) telemetry = startTelemetry({ serviceName: 'flint-driver', env: {}, spanProcessors: [new BatchSpanProcessor(exporter)] });
  try {
    const c0 = cpuByRole();
    const t0 = performance.now();
    const sum = await v.sc.parallelize(data, TASKS).map((x) => x * 2).reduce((a, b) => a + b);
    const ms = performance.now() - t0;
    const c1 = cpuByRole();
    v.cpu.push(Object.fromEntries(Object.keys(c1).map((k) => [k, c1[k]! - (c0[k] ?? 0)])));
    if (sum !== expected) throw new Error(`${v.name}: wrong answer ${sum}, expected ${expected}`);
    return ms;
  } finally {
    await telemetry?.shutdown();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const variants: Variant[] = [];
  const exporter = new DiscardingExporter();
  let sink: Awaited<ReturnType<typeof startSink>> | null = null;
  const clusters: LocalCluster[] = [];
  let subscribers: Subscribers | null = null;
  let onSc: FlintContext | null = null;
  const profileEnv = PROFILE_DIR
    ? { NODE_OPTIONS: nodeOptionsWith(`--require ${fileURLToPath(new URL('./cpu-profile-hook.cjs', import.meta.url))}`), FLINT_CPU_PROFILE_DIR: PROFILE_DIR }
    : {};
  try {
    if (CLUSTER) {
      const offCluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, env: profileEnv });
      clusters.push(offCluster);
      const off = await FlintContext.create({ master: offCluster.masterUrl, appName: 'bench-events-off', progress: false, conf: { 'flint.eventLog.enabled': false } });
      variants.push({ name: 'cluster, events off', sc: off, tracing: false, times: [], cpu: [] });
      sink = await startSink();
      // The cluster's daemons, and so its executors, take the OTLP endpoint from their environment.
      const onCluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, uiPort: 0, env: { ...profileEnv, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } });
      clusters.push(onCluster);
      subscribers = await startSubscribers(`http://127.0.0.1:${onCluster.uiPort}`);
      const on = await FlintContext.create({ master: onCluster.masterUrl, appName: 'bench-events-on', progress: false });
      onSc = on;
      variants.push({ name: `cluster, events on, ${SUBSCRIBERS} subscribers`, sc: on, tracing: false, times: [], cpu: [], base: 'cluster, events off' });
      if (TRACING) variants.push({ name: 'cluster, events on + tracing', sc: on, tracing: true, times: [], cpu: [], base: 'cluster, events off' });
    }
    if (LOCAL) {
      const local = await FlintContext.create({ master: 'local[2]', appName: 'bench-local', progress: false });
      variants.push({ name: 'local[2], tracing off', sc: local, tracing: false, times: [], cpu: [] });
      if (TRACING) variants.push({ name: 'local[2], tracing on', sc: local, tracing: true, times: [], cpu: [], base: 'local[2], tracing off' });
    }
    // Warm-up: JIT, executor threads, connections (not timed).
    for (const v of variants) {
      if (variants.find((x) => x.sc === v.sc) !== v) continue;
      await v.sc.parallelize(data.slice(0, 2000), 2000).map((x) => x * 2).reduce((a, b) => a + b);
    }
    console.log(`${TASKS} one-element tasks per job, ${RUNS} runs per variant, interleaved; ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    for (let r = 0; r < RUNS; r++) {
      const order = r % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) {
        const ms = await timeJob(v, exporter);
        v.times.push(ms);
        const c = v.cpu.at(-1)!;
        const cpu = Object.entries(c).filter(([, x]) => x > 0).map(([k, x]) => `${k} ${(x / 1000).toFixed(1)}`).join(', ');
        console.log(`  run ${r + 1}  ${v.name.padEnd(30)} ${(ms / 1000).toFixed(2)} s  (${Math.round((TASKS / ms) * 1000)} tasks/s; CPU s: ${cpu})`);
      }
    }
    console.log('\nvariant                         median      tasks/s   vs off   median CPU s (driver/master/worker/executors)');
    for (const v of variants) {
      const m = median(v.times);
      const base = v.base ? variants.find((x) => x.name === v.base) : null;
      const ratio = base ? `${((m / median(base.times) - 1) * 100).toFixed(1).padStart(6)} %` : '     —';
      const cpu = ['driver', 'master', 'worker', 'executor'].map((k) => (median(v.cpu.map((c) => c[k] ?? 0)) / 1000).toFixed(1)).join(' / ');
      console.log(`${v.name.padEnd(30)} ${(m / 1000).toFixed(2).padStart(7)} s ${String(Math.round((TASKS / m) * 1000)).padStart(10)}   ${ratio}   ${cpu}`);
    }
    console.log(`\ndriver spans exported: ${exporter.spans}; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    if (subscribers && onSc) {
      subscribers.measureLatency(onSc.applicationId);
      const sum = await onSc.parallelize(data, TASKS).map((x) => x * 2).reduce((a, b) => a + b);
      if (sum !== expected) throw new Error(`latency run: wrong answer ${sum}`);
      await new Promise((r) => setTimeout(r, 1500));
      const got = await subscribers.stop();
      subscribers = null;
      const d = got.delays.sort((a, b) => a - b);
      const q = (p: number) => d[Math.max(0, Math.ceil(p * d.length) - 1)] ?? NaN;
      const cy = got.cycles.sort((a, b) => a - b);
      const qc = (p: number) => cy[Math.max(0, Math.ceil(p * cy.length) - 1)] ?? NaN;
      console.log(
        `task end → queryable through the API (one more ${TASKS}-task job, the newest ${POLL_ROWS} rows polled every 20 ms): ${d.length} tasks seen, p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms (a poll cycle took p50 ${qc(0.5)} / p95 ${qc(0.95)} ms: a row is seen up to one cycle late); the ${SUBSCRIBERS} subscribers received ${got.batches} batches of ${got.changes} changes; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
      );
    }
  } finally {
    if (subscribers) await subscribers.stop().catch(() => subscribers!.child.kill());
    for (const sc of new Set(variants.map((v) => v.sc))) await sc.stop();
    for (const c of clusters) await c.stop();
    sink?.child.kill();
  }
}

if (process.argv[2] === '--subscribers') await subscribersChild(process.argv[3]!);
else await main();
