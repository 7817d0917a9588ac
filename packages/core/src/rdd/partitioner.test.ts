/**
 * Partitioners: RangePartitioner.boundsFromSamples picks sorted, distinct bounds
 * that cut weighted samples into near-equal ranges; the partition functions of
 * hash, range and function partitioners place keys as documented.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { hashKey } from '../keys/key-hash.ts';
import { compareKeys } from '../keys/ordering.ts';
import { FunctionPartitioner, HashPartitioner, makePartitionFn, RangePartitioner } from './partitioner.ts';

const compile = (f: { src: string }) => new Function(`return (${f.src})`)() as (...a: never[]) => unknown;
const uniform = (keys: unknown[]) => keys.map((key) => ({ key, weight: 1 }));

describe('RangePartitioner.boundsFromSamples', () => {
  test('no bounds for one partition or no samples', () => {
    expect(RangePartitioner.boundsFromSamples(uniform([1, 2, 3]), 1)).toEqual([]);
    expect(RangePartitioner.boundsFromSamples([], 4)).toEqual([]);
  });

  test('uniform samples are cut into equal ranges', () => {
    const keys = Array.from({ length: 100 }, (_, i) => 99 - i);
    expect(RangePartitioner.boundsFromSamples(uniform(keys), 4)).toEqual([24, 49, 74]);
    expect(RangePartitioner.boundsFromSamples(uniform(keys), 2)).toEqual([49]);
    expect(RangePartitioner.boundsFromSamples(uniform(keys), 10)).toEqual([9, 19, 29, 39, 49, 59, 69, 79, 89]);
  });

  test('weights count: a sample standing for many records moves the bounds', () => {
    // Keys 0..9 from a partition of 10 records and keys 10..19 from one of 1000 records.
    const samples = [
      ...Array.from({ length: 10 }, (_, i) => ({ key: i, weight: 1 })),
      ...Array.from({ length: 10 }, (_, i) => ({ key: 10 + i, weight: 100 })),
    ];
    const b = RangePartitioner.boundsFromSamples(samples, 2);
    expect(b.length).toBe(1);
    expect(b[0]).toBeGreaterThanOrEqual(14);
  });

  test('duplicates give fewer, distinct bounds', () => {
    expect(RangePartitioner.boundsFromSamples(uniform(Array.from({ length: 50 }, () => 'k')), 5)).toEqual(['k']);
    const b = RangePartitioner.boundsFromSamples(uniform([1, 1, 1, 1, 1, 1, 1, 1, 2, 3]), 5);
    expect(b).toEqual([...new Set(b)]);
    expect(b.length).toBeLessThanOrEqual(4);
  });

  test('mixed-type keys follow the total order', () => {
    const b = RangePartitioner.boundsFromSamples(uniform(['b', 1, null, [0], 'a', 2, true, [1]]), 4);
    expect([...b].sort(compareKeys)).toEqual(b);
  });

  test('property: bounds are sample keys, strictly increasing, at most n-1; ranges are near-equal', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 2, max: 12 }), (keys, n) => {
        const b = RangePartitioner.boundsFromSamples(uniform(keys), n);
        expect(b.length).toBeLessThanOrEqual(n - 1);
        for (let i = 1; i < b.length; i++) expect(compareKeys(b[i - 1], b[i])).toBe(-1);
        for (const x of b) expect(keys).toContain(x);
        // With distinct keys, no range holds much more than its share.
        if (new Set(keys).size === keys.length && keys.length >= 4 * n) {
          const f = makePartitionFn({ kind: 'range', n, bounds: b, ascending: true, keyFn: null }, compile);
          const sizes = new Array<number>(n).fill(0);
          for (const k of keys) sizes[f(k)]!++;
          expect(Math.max(...sizes)).toBeLessThanOrEqual(Math.ceil(keys.length / n) + 1);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('partition functions', () => {
  test('range: keys up to a bound go to its partition; descending reverses', () => {
    const spec = { kind: 'range' as const, n: 4, bounds: [10, 20, 30], ascending: true, keyFn: null };
    const f = makePartitionFn(spec, compile);
    expect([-5, 10, 11, 20, 25, 30, 31, 1e9].map(f)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    const d = makePartitionFn({ ...spec, ascending: false }, compile);
    expect([-5, 10, 11, 20, 25, 30, 31, 1e9].map(d)).toEqual([3, 3, 2, 2, 1, 1, 0, 0]);
    const byLen = makePartitionFn({ kind: 'range', n: 2, bounds: [3], ascending: true, keyFn: { src: '(s) => s.length', env: null, special: false, method: 'sortByKey' } }, compile);
    expect(['abcd', 'ab', 'abc'].map(byLen)).toEqual([1, 0, 0]);
    expect(makePartitionFn({ kind: 'range', n: 1, bounds: [], ascending: true, keyFn: null }, compile)('x')).toBe(0);
  });

  test('hash: hashKey mod n, by value', () => {
    const f = makePartitionFn(new HashPartitioner(7).spec(), compile);
    for (const k of [0, 1, 'a', [1, 'a'], null, { x: 1 }]) expect(f(k)).toBe(hashKey(k) % 7);
    expect(f([1, 'a'])).toBe(f([1, 'a']));
    expect(makePartitionFn(new HashPartitioner(1).spec(), compile)('anything')).toBe(0);
    expect(() => new HashPartitioner(0)).toThrow(RangeError);
    expect(new HashPartitioner(3).equals(new HashPartitioner(3))).toBe(true);
    expect(new HashPartitioner(3).equals(new HashPartitioner(4))).toBe(false);
  });

  test('function: the result modulo n, negatives wrapped; a non-number is an error', () => {
    const spec = { src: '(k) => k', env: null, special: false, method: 'partitionBy' };
    const f = makePartitionFn(new FunctionPartitioner(3, spec).spec(), compile);
    expect([0, 1, 2, 3, 4, -1, -3, 7.9].map(f)).toEqual([0, 1, 2, 0, 1, 2, 0, 1]);
    expect(() => f('x' as never)).toThrow(/partition function returned NaN/);
    expect(new FunctionPartitioner(3, spec).equals(new FunctionPartitioner(3, { ...spec }))).toBe(true);
  });

  test('RangePartitioner equality compares bounds by value', () => {
    const a = new RangePartitioner(3, true, null);
    const b = new RangePartitioner(3, true, null);
    a.bounds = [[1, 'a'], [2, 'b']];
    b.bounds = [[1, 'a'], [2, 'b']];
    expect(a.equals(b)).toBe(true);
    b.bounds = [[1, 'a'], [3, 'b']];
    expect(a.equals(b)).toBe(false);
    expect(() => new RangePartitioner(2, true, null).spec()).toThrow(/before its bounds were sampled/);
  });
});
