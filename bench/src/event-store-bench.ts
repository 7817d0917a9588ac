/**
 * Event store benchmark (`pnpm bench events`): prints figures, asserts nothing.
 *  1. task rows written by Prisma createMany vs one prepared statement vs EventStore.ingest;
 *  2. task-end events stored per second through ingest, in 10,000-event batches as the master
 *     receives them (target ≥ 50,000/s);
 *  3. RSS of a process that stores 1,000,000 task-end events, after 10,000 and after 1,000,000
 *     (target ≤ +50 MB): a child process, so nothing else of this run is in its heap;
 *  4. listTasks (100 rows sorted by a metric, random pages) and getStage with quantiles on a
 *     stage of 100,000 tasks: p50/p95 over repeated calls (targets p95 ≤ 50 ms and ≤ 200 ms);
 *  5. what the local event log costs a local[2] driver: create, a 2,000-task job, stop, with the
 *     log on and off (alternating runs).
 * Rates are given per wall second and per CPU second of this process: on a busy machine the
 * second is the steadier figure. The load average is printed beside them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlintContext, type FlintEvent } from '@flint/core';
import { EventStore, KEPT_SORT_KEYS, TASK_METRIC_NAMES, measureInsertPaths, syntheticApplication, syntheticTaskEnd, type TaskSortKey } from '@flint/event-store';
import { inheritedEnv, nodeOptionsWith } from './env.ts';

const BATCH = 10_000;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

function load(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
}

/** Task ends alone, or (`withStarts`) each task's start and end in one batch as a driver ships tiny tasks (only the ends counted). */
async function ingestRate(dir: string, n: number, withStarts = false): Promise<void> {
  const store = await EventStore.open(path.join(dir, `rate${withStarts ? '-pairs' : ''}.db`), { readOnlyQueriesWithoutPrisma: true });
  const t0 = performance.now();
  const c0 = cpuMs();
  let worst = 0;
  const per = withStarts ? BATCH / 2 : BATCH;
  let seq = 1;
  for (let i = 0; i < n; i += per) {
    const ends = Array.from({ length: Math.min(per, n - i) }, (_, k) => syntheticTaskEnd(i + k, 0, i + k, 1_760_000_000_000 + i + k));
    const batch: FlintEvent[] = withStarts
      ? ends.flatMap((e): FlintEvent[] => (e.type === 'taskEnd' ? [{ type: 'taskStart', time: e.taskInfo.launchTime, stageId: e.stageId, stageAttempt: e.stageAttempt, taskInfo: e.taskInfo }, e] : [e]))
      : ends;
    const b0 = performance.now();
    await store.ingest('rate', seq, batch);
    seq += batch.length;
    worst = Math.max(worst, performance.now() - b0);
  }
  const ms = performance.now() - t0;
  const cpu = cpuMs() - c0;
  await store.close();
  console.log(
    `ingest${withStarts ? ' (each task start and end in one batch)' : ''}: ${n} task-end events in ${(ms / 1000).toFixed(1)} s = ${Math.round(n / (ms / 1000))} events/s wall, ${Math.round(n / (cpu / 1000))} events/s of CPU (incl. building the events); slowest 10,000-event batch ${worst.toFixed(0)} ms (load ${load()})`,
  );
}

/** Child mode: stores `total` task ends and prints RSS after 10,000 and at the end (JSON on stdout). */
async function rssChild(dbPath: string, total: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const store = await EventStore.open(dbPath, { readOnlyQueriesWithoutPrisma: true });
  const out: Record<string, number> = {};
  for (let i = 0; i < total; i += BATCH) {
    const batch = Array.from({ length: BATCH }, (_, k) => syntheticTaskEnd(i + k, Math.floor((i + k) / 100_000), i + k, 1_760_000_000_000 + i + k));
    await store.ingest('rss', i + 1, batch);
    if (i + BATCH === 10_000 || i + BATCH === total) {
      gc?.();
      out[`rssMbAfter${i + BATCH}`] = Math.round(process.memoryUsage().rss / 1e5) / 10;
      out[`heapMbAfter${i + BATCH}`] = Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
      out[`heapTotalMbAfter${i + BATCH}`] = Math.round(process.memoryUsage().heapTotal / 1e5) / 10;
    }
  }
  await store.close();
  out.gc = gc ? 1 : 0;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function queries(dir: string, tasks: number): Promise<void> {
  const store = await EventStore.open(path.join(dir, 'queries.db'));
  const done = syntheticApplication({ appId: 'done', shape: 'oneStage', tasks, seed: 3 });
  const running = done.filter((e) => e.type !== 'stageCompleted' && e.type !== 'jobEnd');
  for (const [appId, events] of [
    ['done', done],
    ['running', running],
  ] as const) {
    for (let i = 0; i < events.length; i += BATCH) await store.ingest(appId, i + 1, events.slice(i, i + BATCH));
  }
  const sortKeys: TaskSortKey[] = ['duration', 'executorRunTime', 'launchTime', ...TASK_METRIC_NAMES, 'schedulerDelay', 'compute', 'resultFetch'];
  const cpuOf: number[] = [];
  const time = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    const c0 = cpuMs();
    await f();
    cpuOf.push(cpuMs() - c0);
    return performance.now() - t0;
  };
  const cpuStats = () => {
    const c = cpuOf.splice(0).sort((a, b) => a - b);
    return `CPU p50 ${percentile(c, 0.5).toFixed(1)} / p95 ${percentile(c, 0.95).toFixed(1)} ms`;
  };
  let seed = 1;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const indexed: TaskSortKey[] = ['duration', 'executorRunTime', 'launchTime', 'taskId'];
  const listTasks = async (s: EventStore, label: string, keys: readonly TaskSortKey[]) => {
    const lt: number[] = [];
    for (let i = 0; i < 40; i++) {
      const sortBy = keys[rand(keys.length)];
      lt.push(await time(() => s.listTasks({ appId: 'done', stageId: 0, attempt: 0, sortBy, desc: rand(2) === 0, offset: rand(tasks - 100), limit: 100 })));
    }
    lt.sort((a, b) => a - b);
    console.log(`listTasks (${tasks} tasks, 100 rows, ${label}, random pages): p50 ${percentile(lt, 0.5).toFixed(1)} ms, p95 ${percentile(lt, 0.95).toFixed(1)} ms; ${cpuStats()} (load ${load()})`);
  };
  await listTasks(store, 'indexed sort columns', indexed);
  // A connection that has not seen the stage end (history, a restarted master): each first sort by a column builds its order.
  await listTasks(store, 'any metric or phase, orders built by the first sort of each', sortKeys);
  // What the master does when the batch with stageCompleted is stored (on its read thread):
  // the summary, then (stages of ≥ 50,000 tasks) every unindexed column's order.
  const ended = await EventStore.open(path.join(dir, 'queries.db'));
  const pre0 = performance.now();
  const preCpu0 = cpuMs();
  ended.precomputeStage('done', 0, 0);
  const precompute = performance.now() - pre0;
  const precomputeCpu = cpuMs() - preCpu0;
  const orders0 = performance.now();
  const ordersCpu0 = cpuMs();
  let built = 0;
  // A few columns a turn, as the read thread does.
  for (let i = 0; i < KEPT_SORT_KEYS.length; i += 4) built += ended.keepStageOrders('done', 0, 0, KEPT_SORT_KEYS.slice(i, i + 4));
  const ordersMs = performance.now() - orders0;
  const ordersCpu = cpuMs() - ordersCpu0;
  console.log(`orders kept at stage end: ${built} columns of ${tasks} tasks in ${ordersMs.toFixed(0)} ms (${ordersCpu.toFixed(0)} ms CPU, off the serving thread; heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB after) (load ${load()})`);
  await listTasks(ended, 'any metric or phase, orders kept at stage end', sortKeys);
  await ended.close();
  const first = await time(() => store.getStage('done', 0, 0));
  cpuOf.length = 0;
  const cached: number[] = [];
  for (let i = 0; i < 20; i++) cached.push(await time(() => store.getStage('done', 0, 0)));
  const live: number[] = [];
  for (let i = 0; i < 10; i++) live.push(await time(() => store.getStage('running', 0, 0)));
  cached.sort((a, b) => a - b);
  live.sort((a, b) => a - b);
  console.log(
    `getStage with quantiles (${tasks} tasks): summary kept at stage end in ${precompute.toFixed(0)} ms (${precomputeCpu.toFixed(0)} ms CPU, off the serving thread), then first call ${first.toFixed(1)} ms, then cached p50 ${percentile(cached, 0.5).toFixed(1)} / p95 ${percentile(cached, 0.95).toFixed(1)} ms; running stage (computed every call) p50 ${percentile(live, 0.5).toFixed(0)} / p95 ${percentile(live, 0.95).toFixed(0)} ms (load ${load()})`,
  );
  await store.close();
}

async function localContextCost(dir: string, runs: number): Promise<void> {
  const times: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (let i = 0; i < runs * 2; i++) {
    const mode = i % 2 === 0 ? 'on' : 'off';
    const t0 = performance.now();
    const sc = await FlintContext.create({ master: 'local[2]', progress: false, conf: { 'flint.eventLog.enabled': mode === 'on', 'flint.eventLog.dir': path.join(dir, 'local-log') } });
    const n = await sc.range(0, 200_000, 1, 2000).map((x) => x * 2).count();
    await sc.stop();
    if (n !== 200_000) throw new Error(`count ${n}`);
    times[mode].push(performance.now() - t0);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `local[2] create + 2,000-task job + stop, median of ${runs}: event log on ${med(times.on).toFixed(0)} ms, off ${med(times.off).toFixed(0)} ms (${((med(times.on) / med(times.off) - 1) * 100).toFixed(1)}%; load ${load()})`,
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--rss-child') return rssChild(args[1], Number(args[2]));
  if (args[0] === '--queries') {
    // Only the query latencies: `pnpm bench events --queries [tasks]`.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-event-bench-'));
    try {
      await queries(dir, Number(args[1] ?? 100_000));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  if (args[0] === '--ingest') {
    // Only the ingest rates: `pnpm bench events --ingest [events]`.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-event-bench-'));
    try {
      await ingestRate(dir, Number(args[1] ?? 200_000));
      await ingestRate(dir, Number(args[1] ?? 200_000), true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  if (args[0] === '--local') {
    // Only the local event log's cost: `pnpm bench events --local [runs]`.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-event-bench-'));
    try {
      await localContextCost(dir, Number(args[1] ?? 5));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  if (args[0] === '--rss') {
    // Only the memory figure: `pnpm bench events --rss [events]`.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-event-bench-'));
    const total = Number(args[1] ?? 1_000_000);
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--rss-child', path.join(dir, 'rss.db'), String(total)], { env: { ...inheritedEnv(), NODE_OPTIONS: nodeOptionsWith('--expose-gc'), MALLOC_ARENA_MAX: inheritedEnv().MALLOC_ARENA_MAX ?? '2' }, encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(r.stdout.trim(), r.status === 0 ? '' : r.stderr);
    return;
  }
  const quick = args.includes('--quick');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-event-bench-'));
  try {
    console.log(`event store benchmark (${os.cpus().length} cores, load ${load()})`);
    const ip = await measureInsertPaths(dir, quick ? 5_000 : 20_000);
    console.log(
      `task rows (${ip.rows}): Prisma createMany ${ip.prismaCreateManyRowsPerSec}/s (${ip.perCpuSecond.prismaCreateMany}/CPU-s), prepared INSERT in one transaction ${ip.preparedInsertRowsPerSec}/s (${ip.perCpuSecond.preparedInsert}/CPU-s), EventStore.ingest ${ip.ingestEventsPerSec}/s (${ip.perCpuSecond.ingest}/CPU-s)`,
    );
    await ingestRate(dir, quick ? 50_000 : 200_000);
    await ingestRate(dir, quick ? 50_000 : 200_000, true);
    const total = quick ? 100_000 : 1_000_000;
    const self = fileURLToPath(import.meta.url);
    const r = spawnSync(process.execPath, [...process.execArgv, self, '--rss-child', path.join(dir, 'rss.db'), String(total)], {
      env: { ...inheritedEnv(), NODE_OPTIONS: nodeOptionsWith('--expose-gc'), MALLOC_ARENA_MAX: inheritedEnv().MALLOC_ARENA_MAX ?? '2' },
      encoding: 'utf8',
    });
    if (r.status !== 0) console.log(`RSS child failed (${r.status}): ${r.stderr}`);
    else {
      const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
      console.log(
        `store process RSS (MALLOC_ARENA_MAX=${inheritedEnv().MALLOC_ARENA_MAX ?? '2'}, as LocalCluster starts the master): ${m.rssMbAfter10000} MB after 10,000 task events, ${m[`rssMbAfter${total}`]} MB after ${total} (+${(m[`rssMbAfter${total}`] - m.rssMbAfter10000).toFixed(1)} MB; heap used ${m.heapMbAfter10000} → ${m[`heapMbAfter${total}`]} MB, heap reserved ${m.heapTotalMbAfter10000} → ${m[`heapTotalMbAfter${total}`]} MB${m.gc ? ', after gc' : ''})`,
      );
    }
    await queries(dir, quick ? 20_000 : 100_000);
    await localContextCost(dir, quick ? 2 : 5);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
