/**
 * Shuffles much larger than flint.shuffle.memoryBudget: groupByKey and sortByKey
 * over ~40 MB of records with a 1 MB budget give the right answer, spill to disk
 * (diskBytesSpilled in task metrics) and leave no spill files behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import type { FlintEvent } from '../listener/events.ts';

const BUDGET = '1m';
const N = 400_000;
const KEYS = 5_000;
/** About 100 bytes per record once serialized: 400k records are ~40 MB. */
const PAD = 'x'.repeat(80);
// The names the closures below use; their env ships the values.
const [keys, pad, n] = [KEYS, PAD, N];

let sc: FlintContext;
let baselineRssMb = 0;
const ends: Extract<FlintEvent, { type: 'taskEnd' }>[] = [];

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'spill-test', progress: false, conf: { 'flint.shuffle.memoryBudget': BUDGET } });
  sc.addListener((e) => {
    if (e.type === 'taskEnd') ends.push(e);
  });
  baselineRssMb = process.memoryUsage().rss / 2 ** 20;
});

afterAll(async () => {
  const rssKb = process.resourceUsage().maxRSS;
  console.log(
    `spill test: peak RSS of the test process ${(rssKb / 1024).toFixed(0)} MB (${baselineRssMb.toFixed(0)} MB with the context started, before the jobs); ` +
      `flint.shuffle.memoryBudget ${BUDGET} per task, 2 task threads, ~${((N * 100) / 2 ** 20).toFixed(0)} MB of records per job`,
  );
  await sc?.stop();
});

function spillFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.startsWith('spill-')) out.push(e.name);
    }
  };
  walk(dir);
  return out;
}

/** Bytes spilled during `run` by all tasks, and by the tasks of result stages (the reduce side here). */
async function spilledDuring(run: () => Promise<void>): Promise<{ disk: number; tasks: number; resultDisk: number }> {
  await sc.flushEvents();
  const from = ends.length;
  await run();
  await sc.flushEvents();
  const mine = ends.slice(from);
  expect(mine.every((e) => e.reason.kind === 'success')).toBe(true);
  const disk = (list: typeof mine): number => list.reduce((s, e) => s + (e.metrics?.diskBytesSpilled ?? 0), 0);
  return {
    disk: disk(mine),
    tasks: mine.filter((e) => (e.metrics?.diskBytesSpilled ?? 0) > 0).length,
    resultDisk: disk(mine.filter((e) => e.taskType === 'result')),
  };
}

describe('spilling shuffles', () => {
  test('groupByKey over ~40 MB with a 1 MB budget', async () => {
    // Plain-JS answer: every key k gets the values i with i % KEYS === k.
    const expCount = new Array<number>(KEYS).fill(0);
    const expSum = new Array<number>(KEYS).fill(0);
    for (let i = 0; i < N; i++) {
      expCount[i % KEYS]!++;
      expSum[i % KEYS]! += i;
    }
    let rows: [number, [number, number, number]][] = [];
    const spilled = await spilledDuring(async () => {
      rows = await sc
        .range(0, N, 1, 6)
        .map((i) => [i % keys, `${pad}${i}`] as [number, string], { keys, pad })
        .groupByKey(4)
        .mapValues((vs) => {
          let sum = 0;
          let bad = 0;
          for (const v of vs) {
            if (!v.startsWith(pad)) bad++;
            sum += Number(v.slice(pad.length));
          }
          return [vs.length, sum, bad] as [number, number, number];
        }, { pad })
        .collect();
    });
    expect(rows.length).toBe(KEYS);
    const got = new Map(rows);
    for (let k = 0; k < KEYS; k++) expect(got.get(k)).toEqual([expCount[k], expSum[k], 0]);
    expect(spilled.disk).toBeGreaterThan(0);
    expect(spilled.resultDisk).toBeGreaterThan(0);
    console.log(`groupByKey: ${(spilled.disk / 2 ** 20).toFixed(1)} MB spilled by ${spilled.tasks} tasks`);
    expect(spillFiles(sc.localDir)).toEqual([]);
  });

  test('sortByKey over ~40 MB with a 1 MB budget', async () => {
    let parts: [number, number, number, number, boolean][] = [];
    const spilled = await spilledDuring(async () => {
      parts = await sc
        .range(0, N, 1, 6)
        // A permutation of 0..N-1 (7919 is prime and does not divide N).
        .map((i) => [(i * 7919) % n, `${pad}${i}`] as [number, string], { n, pad })
        .sortByKey(true, 4)
        .mapPartitionsWithIndex((index, it) => {
          let count = 0;
          let first = -1;
          let last = -1;
          let ok = true;
          for (const [k, v] of it) {
            if (count === 0) first = k;
            else if (k !== last + 1) ok = false;
            const i = Number(v.slice(pad.length));
            if ((i * 7919) % n !== k) ok = false;
            last = k;
            count++;
          }
          return [[index, count, first, last, ok] as [number, number, number, number, boolean]];
        }, { n, pad })
        .collect();
    });
    // Sorted output of a permutation of 0..N-1 is exactly 0..N-1, cut into consecutive ranges.
    expect(parts.length).toBe(4);
    expect(parts.every((p) => p[4])).toBe(true);
    expect(parts.reduce((s, p) => s + p[1], 0)).toBe(N);
    const nonEmpty = parts.filter((p) => p[1] > 0);
    expect(nonEmpty[0]![2]).toBe(0);
    expect(nonEmpty.at(-1)![3]).toBe(N - 1);
    for (let i = 1; i < nonEmpty.length; i++) expect(nonEmpty[i]![2]).toBe(nonEmpty[i - 1]![3] + 1);
    expect(nonEmpty.length).toBeGreaterThanOrEqual(3);
    expect(spilled.disk).toBeGreaterThan(0);
    expect(spilled.resultDisk).toBeGreaterThan(0);
    console.log(`sortByKey: ${(spilled.disk / 2 ** 20).toFixed(1)} MB spilled by ${spilled.tasks} tasks`);
    expect(spillFiles(sc.localDir)).toEqual([]);
  });

  test('repartition into many partitions: records waiting in small per-partition batches count against the budget', async () => {
    const M = 120_000;
    const m = M;
    let parts: [number, number][] = [];
    const spilled = await spilledDuring(async () => {
      parts = await sc
        .range(0, M, 1, 2)
        .map((i) => `${pad}${pad}${i}`, { pad })
        .repartition(1000)
        .mapPartitionsWithIndex((index, it) => {
          let count = 0;
          let sum = 0;
          for (const s of it) {
            count++;
            sum += Number(s.slice(2 * pad.length));
          }
          return [[count, sum] as [number, number]];
        }, { pad })
        .collect();
    });
    expect(parts.length).toBe(1000);
    expect(parts.reduce((a, p) => a + p[0], 0)).toBe(M);
    expect(parts.reduce((a, p) => a + p[1], 0)).toBe((m * (m - 1)) / 2);
    expect(Math.max(...parts.map((p) => p[0])) - Math.min(...parts.map((p) => p[0]))).toBeLessThanOrEqual(2);
    expect(spilled.disk).toBeGreaterThan(0);
    expect(spillFiles(sc.localDir)).toEqual([]);
  });

  test('join and cogroup over ~25 MB with a 1 MB budget', async () => {
    const L = 150_000;
    const l = L;
    let rows: [number, number, number, number][] = [];
    const spilled = await spilledDuring(async () => {
      const left = sc.range(0, L, 1, 3).map((i) => [i % 20_000, `${pad}${i}`] as [number, string], { pad });
      const right = sc.range(0, L / 3, 1, 2).map((i) => [i % 25_000, i] as [number, number]);
      rows = await left
        .fullOuterJoin(right, 3)
        .mapPartitions((it) => {
          let pairs = 0;
          let leftOnly = 0;
          let rightOnly = 0;
          let sum = 0;
          for (const [, [v, w]] of it) {
            if (v !== null && w !== null) pairs++;
            else if (v !== null) leftOnly++;
            else rightOnly++;
            if (v !== null) sum += Number(v.slice(pad.length));
          }
          return [[pairs, leftOnly, rightOnly, sum] as [number, number, number, number]];
        }, { pad })
        .collect();
    });
    // Plain JS: left has 7.5 values per key 0..19999; right keys 0..24999 (keys < 20000 twice... counted below).
    const leftCount = new Map<number, number>();
    for (let i = 0; i < l; i++) leftCount.set(i % 20_000, (leftCount.get(i % 20_000) ?? 0) + 1);
    const rightCount = new Map<number, number>();
    for (let i = 0; i < l / 3; i++) rightCount.set(i % 25_000, (rightCount.get(i % 25_000) ?? 0) + 1);
    let pairs = 0;
    let leftOnly = 0;
    let rightOnly = 0;
    let sum = 0;
    for (const [k, c] of leftCount) {
      const r = rightCount.get(k) ?? 0;
      if (r > 0) pairs += c * r;
      else leftOnly += c;
    }
    for (let i = 0; i < l; i++) sum += i * Math.max(1, rightCount.get(i % 20_000) ?? 0);
    for (const [k, r] of rightCount) if (!leftCount.has(k)) rightOnly += r;
    const total = rows.reduce((a, r) => [a[0] + r[0], a[1] + r[1], a[2] + r[2], a[3] + r[3]], [0, 0, 0, 0]);
    expect(total).toEqual([pairs, leftOnly, rightOnly, sum]);
    expect(spilled.disk).toBeGreaterThan(0);
    expect(spilled.resultDisk).toBeGreaterThan(0);
    expect(spillFiles(sc.localDir)).toEqual([]);
  });

  test('reduceByKey with map-side combine and many distinct keys spills and stays right', async () => {
    const M = 200_000;
    const m = M;
    let rows: [number, number][] = [];
    const spilled = await spilledDuring(async () => {
      rows = await sc
        .range(0, M, 1, 4)
        .map((i) => [(i * 31) % (m / 2), 1] as [number, number], { m })
        .reduceByKey((a, b) => a + b, 3)
        .collect();
    });
    expect(rows.length).toBe(M / 2);
    expect(rows.every(([, c]) => c === 2)).toBe(true);
    expect(new Set(rows.map(([k]) => k)).size).toBe(M / 2);
    expect(spilled.disk).toBeGreaterThan(0);
    expect(spillFiles(sc.localDir)).toEqual([]);
  });
});
