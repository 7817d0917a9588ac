/// <reference lib="dom" />
/**
 * How much five open UI tabs slow a job (`cd test && pnpm exec tsx
 * src/ui/ui-slowdown-bench.ts [--tasks N] [--runs R]`): prints figures,
 * asserts nothing. A local cluster (2 workers × 1 core, the master serving
 * the UI) runs a job of N one-element tasks (default 20,000) R times with no
 * tab open and R times with five tabs on the application's page (each with
 * its live subscription), interleaved; medians are compared. Target from the
 * issue: ≤ 5% slower. Beside each run: the CPU seconds the master and
 * chromium (all its processes) used during the job, read from /proc, since on
 * a shared 2-core machine the job's wall time alone is mostly noise.
 */
import fs from 'node:fs';
import os from 'node:os';
import { FlintContext } from '@flint/core';
import { LocalCluster } from '@flint/cluster';
import { launchChromium } from './browser.ts';
import { ensureUiBuilt } from './ensure-ui-build.ts';

const argOf = (name: string, d: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const tasks = argOf('--tasks', 20_000);
const runs = argOf('--runs', 2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** CPU ticks (user + system, 1/100 s) of every process now, with its parent and name. */
function processTable(): Map<number, { ppid: number; comm: string; ticks: number }> {
  const procs = new Map<number, { ppid: number; comm: string; ticks: number }>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const f = stat.slice(close + 2).split(' ');
      procs.set(Number(d), { comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // Ended meanwhile.
    }
  }
  return procs;
}

/**
 * CPU seconds the processes `pick` chooses used between two process tables
 * (a process that started between them counts from 0; one that ended is left out).
 */
function cpuBetween(a: ReturnType<typeof processTable>, b: ReturnType<typeof processTable>, pick: (procs: ReturnType<typeof processTable>) => number[]): number {
  return pick(b).reduce((sum, pid) => sum + (b.get(pid)!.ticks - (a.get(pid)?.ticks ?? 0)), 0) / 100;
}

/** `root` and every process below it. */
function tree(procs: Map<number, { ppid: number }>, root: number): number[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, p] of procs) if (p.ppid === out[i]) out.push(pid);
  return out;
}

ensureUiBuilt();
const cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport: 'tcp', uiPort: 0 });
const browser = await launchChromium();
const sc = await FlintContext.create({ master: cluster.masterUrl, appName: 'ui-slowdown', transport: 'tcp', progress: false });
try {
  const url = `http://127.0.0.1:${cluster.uiPort}/apps/${sc.applicationId}`;
  const data = Array.from({ length: tasks }, (_, i) => i);
  const master = (procs: ReturnType<typeof processTable>) => (procs.has(cluster.masterPid) ? [cluster.masterPid] : []);
  const chromium = (procs: ReturnType<typeof processTable>) => tree(procs, process.pid).filter((pid) => /chrom/i.test(procs.get(pid)!.comm));
  const masterCpu = () => processTable().get(cluster.masterPid)!.ticks / 100;
  const cpu: string[] = [];
  const job = async () => {
    const p0 = processTable();
    const t = performance.now();
    const n = await sc.parallelize(data, tasks).count();
    if (n !== tasks) throw new Error(`count ${n}, expected ${tasks}`);
    const ms = performance.now() - t;
    const p1 = processTable();
    cpu.push(`master ${cpuBetween(p0, p1, master).toFixed(2)} s CPU, chromium ${cpuBetween(p0, p1, chromium).toFixed(2)} s CPU, this driver ${cpuBetween(p0, p1, () => [process.pid]).toFixed(2)} s CPU`);
    return ms;
  };
  await sc.parallelize(data.slice(0, 200), 200).count(); // warm the executors
  const without: number[] = [];
  const withTabs: number[] = [];
  for (let r = 0; r < runs; r++) {
    without.push(await job());
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const pages = await Promise.all(Array.from({ length: 5 }, () => ctx.newPage()));
    await Promise.all(pages.map(async (p) => (await p.goto(url), await p.getByTestId('job-row').first().waitFor({ timeout: 60_000 }))));
    const before = await Promise.all(pages.map((p) => p.getByTestId('updated-stamp').getAttribute('data-passes')));
    withTabs.push(await job());
    const after = await Promise.all(pages.map((p) => p.getByTestId('updated-stamp').getAttribute('data-passes')));
    cpu[cpu.length - 1] += `, refetch passes per tab ${after.map((a, i) => Number(a) - Number(before[i])).join('/')}`;
    await ctx.close();
    console.log(`run ${r + 1}: no tab ${(without[r]! / 1000).toFixed(2)} s (${cpu[2 * r]}), five tabs ${(withTabs[r]! / 1000).toFixed(2)} s (${cpu[2 * r + 1]}) (load ${os.loadavg()[0]!.toFixed(1)})`);
  }
  // What one refetch of the application page costs the master: each of its queries 20 times, master CPU per call.
  const costs: string[] = [];
  for (const [path, input] of [
    ['apps.get', { appId: sc.applicationId }],
    ['jobs.list', { appId: sc.applicationId }],
    ['stages.list', { appId: sc.applicationId }],
    ['executors.list', { appId: sc.applicationId }],
  ] as const) {
    const q = `http://127.0.0.1:${cluster.uiPort}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
    const m0 = masterCpu();
    const t = performance.now();
    let bytes = 0;
    for (let i = 0; i < 20; i++) bytes = (await (await fetch(q)).text()).length;
    costs.push(`${path} ${(((masterCpu() - m0) / 20) * 1000).toFixed(1)} ms CPU, ${((performance.now() - t) / 20).toFixed(1)} ms wall, ${(bytes / 1024).toFixed(1)} KB`);
  }
  console.log(`one call of each application-page query, after ${runs * 2 + 1} jobs (master CPU at 10 ms resolution, mean of 20): ${costs.join('; ')}`);
  const a = median(without);
  const b = median(withTabs);
  console.log(`${tasks.toLocaleString('en')}-task job: median ${(a / 1000).toFixed(2)} s with no tab, ${(b / 1000).toFixed(2)} s with five tabs open: ${(((b - a) / a) * 100).toFixed(1)}% slower (${runs} runs each, interleaved)`);
} finally {
  await browser.close();
  await sc.stop().catch(() => undefined);
  await cluster.stop();
}
