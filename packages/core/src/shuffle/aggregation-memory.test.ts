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
import { aggregationCases, expectedAggregation } from '../testing/adversarial.ts';

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

describe('aggregation memory under a 1 MiB budget', () => {
  for (const [name, run] of aggregationCases(() => sc)) {
    test(name, async () => {
      const peaks: number[] = [];
      for (const n of [400_000, 1_200_000]) {
        const r = await measured(() => run(n));
        expect(r.value).toEqual(expectedAggregation(n));
        // The data held (n numbers in arrays, at least 8 bytes each) is several budgets: it spills.
        expect(r.spilled, `${name} at ${n} spilled`).toBeGreaterThan(0);
        peaks.push(r.peak);
        expect(r.peak, `${name} at ${n}: peak ${r.peak}`).toBeLessThan(3 * BUDGET);
      }
    });
  }
});

/**
 * subtract and intersection go through cogroup: distinct records, one key each. Their tracked peak
 * stayed near the budget while the groups took ~5x what was tracked, and peak RSS reached 0.5-0.8 GB
 * at 0.6-1.2M records. The process's RSS is sampled during each job and reported; the bound is
 * generous (executor threads keep a 256 MB young generation each, which fills before it is collected).
 */
describe('subtract and intersection under a 1 MiB budget', () => {
  const rssDuring = async <T>(job: () => Promise<T>): Promise<{ value: T; rssGrowth: number }> => {
    const base = process.memoryUsage().rss;
    let top = base;
    const timer = setInterval(() => {
      top = Math.max(top, process.memoryUsage().rss);
    }, 10);
    try {
      const value = await job();
      return { value, rssGrowth: Math.max(top, process.memoryUsage().rss) - base };
    } finally {
      clearInterval(timer);
    }
  };
  for (const name of ['subtract', 'intersection'] as const) {
    test(name, async () => {
      const figures: string[] = [];
      for (const n of [600_000, 1_200_000]) {
        // Odd numbers: subtract leaves them; evens: intersection keeps them.
        const a = sc.range(0, n, 1, 4);
        const b = sc.range(0, n, 2, 4);
        let expectedSum = 0;
        for (let x = name === 'subtract' ? 1 : 0; x < n; x += 2) expectedSum += x;
        const r = await rssDuring(() => measured(() => (name === 'subtract' ? a.subtract(b) : a.intersection(b)).sum()));
        expect(r.value.value).toBe(expectedSum);
        expect(r.value.spilled, `${name} at ${n} spilled`).toBeGreaterThan(0);
        expect(r.value.peak).toBeLessThan(3 * BUDGET);
        figures.push(`${n}: RSS +${Math.round(r.rssGrowth / 1e6)} MB, spilled ${Math.round(r.value.spilled / 1e6)} MB`);
        expect(r.rssGrowth, `${name} at ${n}: RSS grew ${Math.round(r.rssGrowth / 1e6)} MB`).toBeLessThan(450e6);
      }
      console.log(`[aggregation memory, local[2]] ${name}: ${figures.join('; ')}`);
    }, 120_000);
  }
});
