/**
 * Issue 13 item 10 across processes: every by-key aggregation into growing values (the cases of
 * core's aggregation-memory suite, shared through @flint/core/testing) on local-cluster[2,1] with a
 * 1 MiB shuffle budget, where the aggregation runs in executor processes. Each must answer as plain
 * JS does, spill, and keep the peak memory its tasks report below three budgets at two data sizes
 * (so it does not grow with the data). Before the size tracker, aggregateByKey and combineByKey
 * into growing arrays counted one input record per key and never spilled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { aggregationCases, expectedAggregation } from '@flint/core/testing';

const BUDGET = 1 << 20;
/** Two sizes, both several budgets of data (n numbers in arrays, 8+ bytes each). */
const SIZES = [250_000, 750_000];
let sc: FlintContext;
let spilled = 0;
let peak = 0;

beforeAll(async () => {
  sc = await FlintContext.create({
    master: 'local-cluster[2,1]',
    appName: 'issue13-aggregation-memory',
    progress: false,
    conf: { 'flint.shuffle.memoryBudget': BUDGET, 'flint.task.maxFailures': 1 },
    listeners: [
      (e: FlintEvent) => {
        if (e.type === 'taskEnd' && e.metrics) {
          spilled += e.metrics.diskBytesSpilled;
          peak = Math.max(peak, e.metrics.peakExecutionMemory);
        }
      },
    ],
  });
}, 120_000);

afterAll(async () => {
  await sc?.stop();
}, 60_000);

describe('aggregation memory under a 1 MiB budget on local-cluster[2,1]', () => {
  for (const [name, run] of aggregationCases(() => sc)) {
    it(name, async () => {
      const peaks: string[] = [];
      for (const n of SIZES) {
        await sc.flushEvents();
        spilled = 0;
        peak = 0;
        const value = await run(n);
        await sc.flushEvents();
        expect(value).toEqual(expectedAggregation(n));
        expect(spilled, `${name} at ${n} spilled`).toBeGreaterThan(0);
        expect(peak, `${name} at ${n}: peak ${peak}`).toBeLessThan(3 * BUDGET);
        peaks.push(`${n}: spilled ${spilled} B, peak ${peak} B`);
      }
      console.log(`[aggregation memory, local-cluster] ${name}: ${peaks.join('; ')}`);
    }, 120_000);
  }
});
