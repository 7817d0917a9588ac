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
