import type { TaskMetrics } from '@flint/core';
import type { QuantileStat, TaskPhases } from './event-store-types.ts';

/**
 * A task's phases (ms) from its launch and finish times and the executor's
 * phase timestamps (0 = not measured → the phase is null):
 *   schedulerDelay  = executorReceivedTime − launchTime
 *   deserialize     = deserializeEndTime − executorReceivedTime
 *   shuffleReadWait = shuffleFetchWaitTime (measured inside compute)
 *   compute         = computeEndTime − deserializeEndTime − shuffleReadWait
 *   shuffleWrite    = shuffleWriteEndTime − computeEndTime
 *   resultSerialize = resultSerializedTime − shuffleWriteEndTime
 *   resultFetch     = finishTime − resultSerializedTime
 *   duration        = finishTime − launchTime
 * so the seven phases add up to the duration when every timestamp is known.
 * Differences are clamped at 0: the driver's and an executor's clocks are two
 * clocks, and a few ms of skew must not show as a negative delay.
 */
export function taskPhases(launchTime: number, finishTime: number | null, m: TaskMetrics | null): TaskPhases {
  const diff = (a: number | null | undefined, b: number | null | undefined): number | null => (a && b ? Math.max(0, a - b) : null);
  const duration = finishTime === null ? null : Math.max(0, finishTime - launchTime);
  if (m === null) {
    return { schedulerDelay: null, deserialize: null, shuffleReadWait: null, compute: null, shuffleWrite: null, resultSerialize: null, resultFetch: null, duration };
  }
  const wait = m.shuffleFetchWaitTime ?? 0;
  const computeAll = diff(m.computeEndTime, m.deserializeEndTime);
  return {
    schedulerDelay: diff(m.executorReceivedTime, launchTime),
    deserialize: diff(m.deserializeEndTime, m.executorReceivedTime),
    shuffleReadWait: wait,
    compute: computeAll === null ? null : Math.max(0, computeAll - wait),
    shuffleWrite: diff(m.shuffleWriteEndTime, m.computeEndTime),
    resultSerialize: diff(m.resultSerializedTime, m.shuffleWriteEndTime),
    resultFetch: diff(finishTime, m.resultSerializedTime),
    duration,
  };
}

/**
 * Exact nearest-rank quantiles of `sorted` (ascending, no NaN): the q-quantile
 * is the value at rank ⌈q·n⌉ (1-based), min the first, max the last. Null for
 * an empty input. Nearest rank returns a value that occurred, never an interpolation.
 */
export function nearestRankQuantiles(sorted: ArrayLike<number>): QuantileStat | null {
  const n = sorted.length;
  if (n === 0) return null;
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * n) - 1)];
  return { min: sorted[0], p25: at(0.25), p50: at(0.5), p75: at(0.75), p95: at(0.95), max: sorted[n - 1] };
}

/**
 * The same nearest-rank quantiles as `nearestRankQuantiles`, from unsorted values, in
 * O(n): min and max in one pass, then the four ranks by successive quickselects (each
 * on the part right of the previous rank). Reorders `values`.
 */
export function selectQuantiles(values: Float64Array): QuantileStat | null {
  const n = values.length;
  if (n === 0) return null;
  let min = values[0];
  let max = values[0];
  for (let i = 1; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  const out = [0.25, 0.5, 0.75, 0.95].map((q) => Math.max(0, Math.ceil(q * n) - 1));
  let lo = 0;
  const at: number[] = [];
  for (const k of out) {
    select(values, lo, n - 1, k);
    at.push(values[k]);
    lo = k;
  }
  return { min, p25: at[0], p50: at[1], p75: at[2], p95: at[3], max };
}

/** Puts the k-th smallest of a[left..right] at a[k], smaller-or-equal values left of it, greater-or-equal right. */
function select(a: Float64Array, left: number, right: number, k: number): void {
  while (right > left) {
    const mid = (left + right) >>> 1;
    const x = a[left];
    const y = a[mid];
    const z = a[right];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}
