/**
 * The external sorter and aggregator in isolation, with budgets small enough to
 * force many spills: multi-pass merges, buckets re-split by hash, stability, and
 * cleanup of every spill file, also when the consumer stops early.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeAggregator } from './aggregator.ts';
import { aggregateExternal, type SpillContext } from './external-aggregator.ts';
import { radixSortByNumberKey, sortExternal } from './external-sorter.ts';
import { bag, groupPairs, normalizeGroups } from '../testing/plain.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-external-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function spillCtx(budget: number): SpillContext & { spilled: number; spills: number } {
  const c = {
    localDir: dir,
    memoryBudget: budget,
    taskId: 1,
    spilled: 0,
    spills: 0,
    onSpill(bytes: number) {
      c.spilled += bytes;
      c.spills++;
    },
    onPeakMemory() {},
  };
  return c;
}

const compile = (f: { src: string }) => new Function(`return (${f.src})`)() as (...a: never[]) => unknown;

describe('sortExternal', () => {
  test('many runs merge in passes; equal keys keep input order; files are removed', () => {
    const n = 150_000;
    const recs: [number, number][] = Array.from({ length: n }, (_, i) => [(i * 7919) % 1000, i]);
    const ctx = spillCtx(4 << 10);
    const out = [...sortExternal(recs, (a, b) => a[0] - b[0], ctx)];
    expect(ctx.spills).toBeGreaterThan(32); // more runs than one merge takes
    const expected = [...recs].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(out).toEqual(expected);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('no spill under the budget; an early stop removes the runs', () => {
    const small = [...sortExternal([3, 1, 2], (a, b) => a - b, spillCtx(1 << 20))];
    expect(small).toEqual([1, 2, 3]);
    const ctx = spillCtx(4 << 10);
    const it = sortExternal(Array.from({ length: 50_000 }, (_, i) => -i), (a, b) => a - b, ctx);
    const first: number[] = [];
    for (const x of it) {
      first.push(x);
      if (first.length === 5) break;
    }
    expect(first).toEqual([-49999, -49998, -49997, -49996, -49995]);
    expect(ctx.spills).toBeGreaterThan(0);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('aggregateExternal', () => {
  test('reduce with a tiny budget: spilled buckets (re-split when large) give the plain answer', () => {
    const n = 80_000;
    const recs: [unknown, number][] = Array.from({ length: n }, (_, i) => [i % 3 === 0 ? [i % 20_000, 'k'] : i % 20_000, 1]);
    const agg = makeAggregator({ kind: 'reduce', f: { src: '(a, b) => a + b', env: null, special: false, method: 'reduceByKey' } }, compile);
    const ctx = spillCtx(4 << 10);
    const out = [...aggregateExternal(recs, agg, false, ctx)];
    expect(ctx.spills).toBeGreaterThan(1);
    const plain = groupPairs(recs).map(([k, vs]) => [k, vs.length]);
    expect(out.length).toBe(plain.length);
    expect(bag(out)).toEqual(bag(plain));
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('group with a hot key and a tiny budget', () => {
    const recs: [string, number][] = Array.from({ length: 60_000 }, (_, i) => [i % 10 === 0 ? `k${i % 7}` : 'hot', i]);
    const agg = makeAggregator({ kind: 'group' }, compile);
    const out = [...aggregateExternal(recs, agg, false, spillCtx(8 << 10))] as [string, number[]][];
    expect(normalizeGroups(out)).toEqual(normalizeGroups(groupPairs(recs)));
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('an early stop removes the buckets', () => {
    const recs: [number, number][] = Array.from({ length: 100_000 }, (_, i) => [i, i]);
    const agg = makeAggregator({ kind: 'first' }, compile);
    const it = aggregateExternal(recs, agg, false, spillCtx(8 << 10));
    let k = 0;
    for (const _ of it) if (++k === 3) break;
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('radixSortByNumberKey', () => {
  test('matches a comparator sort for mixed-sign, fractional, huge and equal keys, both directions, stably', () => {
    const keys = [0, -0, 1, -1, 0.5, -0.5, 1e300, -1e300, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 5e-324, -5e-324, 42, 42, 7];
    const recs: [number, number][] = Array.from({ length: 5000 }, (_, i) => [keys[(i * 31) % keys.length]! * ((i % 3) + 1), i]);
    for (const descending of [false, true]) {
      const out = radixSortByNumberKey([...recs], descending)!;
      // Independent order: numeric with -0 equal to 0, ties by input position.
      const expected = [...recs].sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : (descending ? b[0] - a[0] : a[0] - b[0]) || 0));
      expect(out.map((r) => r[1])).toEqual(expected.map((r) => r[1]));
    }
  });
  test('declines when a key is not a number or is NaN', () => {
    const recs: [unknown, number][] = Array.from({ length: 100 }, (_, i) => [i, i]);
    expect(radixSortByNumberKey([...recs, ['x', 1]], false)).toBeNull();
    expect(radixSortByNumberKey([...recs, [NaN, 1]], false)).toBeNull();
  });
});
