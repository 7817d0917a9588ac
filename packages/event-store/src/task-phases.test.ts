import { describe, expect, it } from 'vitest';
import { nearestRankQuantiles, selectQuantiles, taskPhases } from './task-phases.ts';

describe('selectQuantiles', () => {
  it('equals nearest rank over the sorted values, for sizes 1..300 with many duplicates', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    for (let n = 1; n <= 300; n++) {
      const values = Float64Array.from({ length: n }, () => Math.floor(rand() * (n % 3 === 0 ? 4 : 1000)));
      const sorted = Float64Array.from(values).sort();
      // Independent: the value at 1-based rank ceil(q*n) of a plain sorted array.
      const rank = (q: number) => [...sorted][Math.ceil(q * n) - 1];
      expect(selectQuantiles(values), `n=${n}`).toEqual({ min: sorted[0], p25: rank(0.25), p50: rank(0.5), p75: rank(0.75), p95: rank(0.95), max: sorted[n - 1] });
      expect(nearestRankQuantiles(sorted)).toEqual(selectQuantiles(Float64Array.from(sorted)));
    }
    expect(selectQuantiles(new Float64Array(0))).toBeNull();
  });
});

describe('taskPhases', () => {
  it('splits a task into phases that add up to its duration, null where a timestamp is missing', () => {
    const m = { shuffleFetchWaitTime: 3, executorReceivedTime: 105, deserializeEndTime: 110, computeEndTime: 140, shuffleWriteEndTime: 150, resultSerializedTime: 152 } as never;
    const p = taskPhases(100, 160, m);
    expect(p).toEqual({ schedulerDelay: 5, deserialize: 5, shuffleReadWait: 3, compute: 27, shuffleWrite: 10, resultSerialize: 2, resultFetch: 8, duration: 60 });
    expect(p.schedulerDelay! + p.deserialize! + p.shuffleReadWait! + p.compute! + p.shuffleWrite! + p.resultSerialize! + p.resultFetch!).toBe(p.duration);
    expect(taskPhases(100, 160, { ...(m as object), executorReceivedTime: 0 } as never)).toMatchObject({ schedulerDelay: null, deserialize: null, compute: 27 });
    expect(taskPhases(100, null, null)).toMatchObject({ duration: null, compute: null });
    // Clock skew: an executor clock behind the driver's shows no negative delay.
    expect(taskPhases(100, 160, { ...(m as object), executorReceivedTime: 98 } as never).schedulerDelay).toBe(0);
  });
});
