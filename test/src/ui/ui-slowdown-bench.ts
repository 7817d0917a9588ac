/// <reference lib="dom" />
/**
 * How much five open UI tabs slow a job (`cd test && pnpm exec tsx
 * src/ui/ui-slowdown-bench.ts [--tasks N] [--runs R]`): prints figures,
 * asserts nothing. A local cluster (2 workers × 1 core, the master serving
 * the UI) runs a job of N one-element tasks (default 20,000) R times with no
 * tab open and R times with five tabs on the application's page (each with
 * its live subscription), interleaved; medians are compared. Target from the
 * issue: ≤ 5% slower.
 */
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

ensureUiBuilt();
const cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport: 'tcp', uiPort: 0 });
const browser = await launchChromium();
const sc = await FlintContext.create({ master: cluster.masterUrl, appName: 'ui-slowdown', transport: 'tcp', progress: false });
try {
  const url = `http://127.0.0.1:${cluster.uiPort}/apps/${sc.applicationId}`;
  const data = Array.from({ length: tasks }, (_, i) => i);
  const job = async () => {
    const t = performance.now();
    const n = await sc.parallelize(data, tasks).count();
    if (n !== tasks) throw new Error(`count ${n}, expected ${tasks}`);
    return performance.now() - t;
  };
  await sc.parallelize(data.slice(0, 200), 200).count(); // warm the executors
  const without: number[] = [];
  const withTabs: number[] = [];
  for (let r = 0; r < runs; r++) {
    without.push(await job());
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const pages = await Promise.all(Array.from({ length: 5 }, () => ctx.newPage()));
    await Promise.all(pages.map(async (p) => (await p.goto(url), await p.getByTestId('job-row').first().waitFor({ timeout: 60_000 }))));
    withTabs.push(await job());
    await ctx.close();
    console.log(`run ${r + 1}: no tab ${(without[r]! / 1000).toFixed(2)} s, five tabs ${(withTabs[r]! / 1000).toFixed(2)} s (load ${os.loadavg()[0]!.toFixed(1)})`);
  }
  const a = median(without);
  const b = median(withTabs);
  console.log(`${tasks.toLocaleString('en')}-task job: median ${(a / 1000).toFixed(2)} s with no tab, ${(b / 1000).toFixed(2)} s with five tabs open: ${(((b - a) / a) * 100).toFixed(1)}% slower (${runs} runs each, interleaved)`);
} finally {
  await browser.close();
  await sc.stop().catch(() => undefined);
  await cluster.stop();
}
