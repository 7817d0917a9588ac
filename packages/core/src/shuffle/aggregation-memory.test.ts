/**
 * Every aggregation's memory under a small budget (issue 13, item 10): with a 1 MiB budget and
 * data many times larger, each by-key aggregation spills, the peak memory it estimates stays
 * within a small multiple of the budget at two data sizes (so it does not grow with the data),
 * and its answer equals a plain-JS computation. Before the size tracker, aggregateByKey and
 * combineByKey into growing arrays counted one input record per key and never spilled.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import type { FlintEvent } from '../listener/events.ts';
import type { RDD } from '../rdd/rdd.ts';

const BUDGET = 1 << 20;
let sc: FlintContext;
let spilled = 0;
let peak = 0;

beforeAll(async () => {
  sc = await FlintContext.create({
    master: 'local[2]',
    appName: 'aggregation-memory',
    progress: false,
    conf: { 'flint.shuffle.memoryBudget': BUDGET },
    listeners: [
      (e: FlintEvent) => {
        if (e.type === 'taskEnd' && e.metrics) {
          spilled += e.metrics.diskBytesSpilled;
          peak = Math.max(peak, e.metrics.peakExecutionMemory);
        }
      },
    ],
  });
});

afterAll(async () => {
  await sc?.stop();
});

/** Runs `job`, returning its answer with the bytes its tasks spilled and their largest peak memory. */
async function measured<T>(job: () => Promise<T>): Promise<{ value: T; spilled: number; peak: number }> {
  await sc.flushEvents();
  spilled = 0;
  peak = 0;
  const value = await job();
  await sc.flushEvents();
  return { value, spilled, peak };
}

const KEYS = 300;
const pairs = (n: number): RDD<[number, number]> => sc.range(0, n, 1, 4).map((x) => [x % KEYS, x] as [number, number], { KEYS });

/** Per key: the count and the sum of its values, from plain JS. */
function expected(n: number): Map<number, [number, number]> {
  const m = new Map<number, [number, number]>();
  for (let x = 0; x < n; x++) {
    const e = m.get(x % KEYS) ?? [0, 0];
    e[0]++;
    e[1] += x;
    m.set(x % KEYS, e);
  }
  return m;
}

const summarize = (r: [number, number[]][]): Map<number, [number, number]> => new Map(r.map(([k, vs]) => [k, [vs.length, vs.reduce((a, b) => a + b, 0)]]));

const cases: [string, (n: number) => Promise<Map<number, [number, number]>>][] = [
  [
    'aggregateByKey into arrays',
    async (n) =>
      summarize(await pairs(n).aggregateByKey([] as number[], (c, v) => (c.push(v), c), (a, b) => (a.push(...b), a), 2).collect()),
  ],
  [
    'combineByKey into arrays',
    async (n) =>
      summarize(
        await pairs(n)
          .combineByKey(
            (v: number) => [v],
            (c: number[], v: number) => (c.push(v), c),
            (a: number[], b: number[]) => a.concat(b),
            2,
          )
          .collect(),
      ),
  ],
  ['foldByKey into arrays', async (n) => summarize(await pairs(n).mapValues((v) => [v]).foldByKey([], (a, b) => a.concat(b), 2).collect())],
  ['reduceByKey into arrays', async (n) => summarize(await pairs(n).mapValues((v) => [v]).reduceByKey((a, b) => a.concat(b), 2).collect())],
  ['groupByKey', async (n) => summarize(await pairs(n).groupByKey(2).collect())],
  ['cogroup', async (n) => summarize((await pairs(n).cogroup(sc.parallelize([[0, -1]] as [number, number][]), 2).collect()).map(([k, [a]]) => [k, a]))],
];

describe('aggregation memory under a 1 MiB budget', () => {
  for (const [name, run] of cases) {
    test(name, async () => {
      const peaks: number[] = [];
      for (const n of [400_000, 1_200_000]) {
        const r = await measured(() => run(n));
        expect(r.value).toEqual(expected(n));
        // The data held (n numbers in arrays, at least 8 bytes each) is several budgets: it spills.
        expect(r.spilled, `${name} at ${n} spilled`).toBeGreaterThan(0);
        peaks.push(r.peak);
        expect(r.peak, `${name} at ${n}: peak ${r.peak}`).toBeLessThan(3 * BUDGET);
      }
    });
  }
});
