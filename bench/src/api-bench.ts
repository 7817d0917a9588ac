/**
 * API benchmark (`pnpm exec tsx bench/src/api-bench.ts [--tasks N]`): prints figures, asserts
 * nothing. The same store queries as bench/src/event-store-bench.ts, but measured end to end
 * through the served API — an HTTP request to `flint history`'s server, tRPC with superjson,
 * the translation into the API's shapes and back through createFlintClient — on a stage of
 * 100,000 tasks (targets: tasks.list 100 rows sorted by a metric p95 ≤ 50 ms; stages.get with
 * quantiles p95 ≤ 200 ms). Each row also gives the store call alone, so the API's own share shows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFlintClient } from '@flint/api';
import { EventStore, syntheticApplication } from '@flint/event-store';
import { startHistoryServer } from '@flint/cluster-master';

const BATCH = 10_000;

function percentile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 0.5).toFixed(1)} ms, p95 ${percentile(s, 0.95).toFixed(1)} ms (n=${s.length})`;
}

async function time(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--tasks');
  const tasks = arg > 0 ? Number(process.argv[arg + 1]) : 100_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-api-bench-'));
  const file = path.join(dir, 'events.db');
  try {
    // As on the master: a batch that ends a stage has its summary computed at once (there on
    // the read thread; here after the ingest, timed apart).
    const ended: Array<[string, number, number]> = [];
    const writer = await EventStore.open(file, { readOnlyQueriesWithoutPrisma: true, onStageEnded: (a, s, at) => ended.push([a, s, at]) });
    const done = syntheticApplication({ appId: 'done', shape: 'oneStage', tasks, seed: 3 });
    const running = done.filter((e) => e.type !== 'stageCompleted' && e.type !== 'jobEnd');
    for (const [appId, events] of [
      ['done', done],
      ['running', running],
    ] as const) {
      for (let i = 0; i < events.length; i += BATCH) await writer.ingest(appId, i + 1, events.slice(i, i + BATCH));
    }
    const p0 = performance.now();
    for (const [a, st, at] of ended) writer.precomputeStage(a, st, at);
    const precomputeMs = performance.now() - p0;
    await writer.close();
    const server = await startHistoryServer({ file, port: 0, secret: null });
    const store = await EventStore.open(file, { readOnlyQueriesWithoutPrisma: true });
    const api = createFlintClient({ url: server.url });
    console.log(`API benchmark: a stage of ${tasks} tasks, served on ${server.url} (${os.cpus().length} cores, load ${load()})`);
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const keys = ['duration', 'executorRunTime', 'gcTime', 'shuffleReadBytes', 'shuffleWriteBytes', 'resultSize', 'schedulerDelay', 'compute', 'launchTime'] as const;
    // Warm both paths (first statement preparation, first connection).
    await api.tasks.list.query({ appId: 'done', stageId: 0, attempt: 0, limit: 100 });
    const viaApi: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < 60; i++) {
      const sortBy = keys[rand(keys.length)];
      const desc = rand(2) === 0;
      const cursor = String(rand(tasks - 100));
      viaApi.push(await time(() => api.tasks.list.query({ appId: 'done', stageId: 0, attempt: 0, sortBy, desc, cursor, limit: 100 })));
      direct.push(await time(() => store.listTasks({ appId: 'done', stageId: 0, attempt: 0, sortBy, desc, cursor, limit: 100 })));
    }
    console.log(`tasks.list (100 rows, sorted by a metric or phase, random pages): API ${stats(viaApi)}; store alone ${stats(direct)} (load ${load()})`);
    const first = await time(() => api.stages.get.query({ appId: 'done', stageId: 0, attempt: 0 }));
    const cached: number[] = [];
    for (let i = 0; i < 20; i++) cached.push(await time(() => api.stages.get.query({ appId: 'done', stageId: 0, attempt: 0 })));
    const live: number[] = [];
    const liveDirect: number[] = [];
    for (let i = 0; i < 8; i++) {
      live.push(await time(() => api.stages.get.query({ appId: 'running', stageId: 0, attempt: 0 })));
      liveDirect.push(await time(() => store.getStage('running', 0, 0)));
    }
    console.log(
      `stages.get with quantiles: summary kept at stage end in ${precomputeMs.toFixed(0)} ms, then ended stage first call ${first.toFixed(0)} ms, then ${stats(cached)}; running stage (quantiles computed on every call) API ${stats(live)}, store alone ${stats(liveDirect)} (load ${load()})`,
    );
    await store.close();
    await server.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
