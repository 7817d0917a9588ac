/**
 * Adversarial property tests (issue 13): values of every carried type through collect, a shuffle
 * and a spill, and by-key operations over keys of mixed types against a plain-JS model that keys
 * by type and value (testing/plain.ts canon, independent of the engine's key code). The shuffle
 * context has a 16 KiB budget, so its sorts and groupings spill.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import { compareKeys } from '../keys/ordering.ts';
import { canon } from '../testing/plain.ts';
import { carried, mixedKey } from '../testing/values.ts';

let sc: FlintContext;
let small: FlintContext;

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'adversarial', progress: false });
  small = await FlintContext.create({ master: 'local[2]', appName: 'adversarial-spill', progress: false, conf: { 'flint.shuffle.memoryBudget': 16 << 10 } });
});

afterAll(async () => {
  await sc?.stop();
  await small?.stop();
});

const same = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);

describe('carried values', () => {
  test('property: collect, a shuffle and a spilling sort return every value with its type and value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(carried, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 5 }), async (values, slices) => {
        expect(same(await sc.parallelize(values, slices).collect(), values)).toBe(true);
        // Through a shuffle: by index, so the order can be restored.
        const indexed = values.map((v, i) => [i, v] as [number, unknown]);
        const shuffled = (await sc.parallelize(indexed, slices).partitionBy(3).collect()).sort((a, b) => a[0] - b[0]);
        expect(same(shuffled, indexed)).toBe(true);
        // Through a sort that spills (16 KiB budget), padded so the records outweigh it.
        const padded = indexed.map(([i, v]) => [i, [v, 'p'.repeat(800)]] as [number, unknown]);
        const sorted = await small.parallelize(padded, slices).sortByKey(false, 2).collect();
        expect(same(sorted, padded.slice().reverse())).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});

describe('keys of mixed types', () => {
  test('property: distinct, reduceByKey, groupByKey and countByKey against a model keyed by type and value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(mixedKey, fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4 }), async (pairs, slices) => {
        const model = new Map<string, { key: unknown; sum: number; values: number[] }>();
        for (const [k, v] of pairs) {
          const c = canon(k);
          const e = model.get(c) ?? { key: k, sum: 0, values: [] };
          e.sum += v;
          e.values.push(v);
          model.set(c, e);
        }
        const rdd = sc.parallelize(pairs, slices);
        const byCanon = <T>(rows: [unknown, T][]): Map<string, T> => {
          const m = new Map<string, T>();
          for (const [k, x] of rows) {
            expect(m.has(canon(k)), `key ${canon(k)} appears twice`).toBe(false);
            m.set(canon(k), x);
          }
          return m;
        };
        const sums = byCanon(await rdd.reduceByKey((a, b) => a + b, 3).collect());
        expect(sums).toEqual(new Map([...model].map(([c, e]) => [c, e.sum])));
        const groups = byCanon(await rdd.groupByKey(2).collect());
        expect(new Map([...groups].map(([c, vs]) => [c, vs.slice().sort((a, b) => a - b)]))).toEqual(
          new Map([...model].map(([c, e]) => [c, e.values.slice().sort((a, b) => a - b)])),
        );
        const distinctKeys = await rdd.keys().distinct(3).collect();
        expect(distinctKeys.map(canon).sort()).toEqual([...model.keys()].sort());
        const counted = byCanon([...(await rdd.countByKey()).entries()]);
        expect(counted).toEqual(new Map([...model].map(([c, e]) => [c, e.values.length])));
      }),
      { numRuns: 40 },
    );
  });

  test('property: sortByKey puts equal keys together in one total order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mixedKey, { minLength: 1, maxLength: 40 }), async (keys) => {
        const sorted = (await sc.parallelize(keys.map((k, i) => [k, i] as [unknown, number]), 3).sortByKey(true, 3).keys().collect()) as unknown[];
        expect(sorted.length).toBe(keys.length);
        for (let i = 1; i < sorted.length; i++) expect(compareKeys(sorted[i - 1], sorted[i])).toBeLessThanOrEqual(0);
        // Keys the model calls equal sit next to each other.
        const runs = sorted.map(canon).filter((c, i, a) => i === 0 || a[i - 1] !== c);
        expect(new Set(runs).size).toBe(runs.length);
      }),
      { numRuns: 40 },
    );
  });
});
