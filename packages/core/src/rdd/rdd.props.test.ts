/**
 * Property tests: shuffling operations against plain-JS models over random
 * inputs (keys of mixed types with composite and null keys, random partition
 * counts), on one local[2] context.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import { bag, cogroupPairs, distinctValues, groupPairs, joinPairs, normalizeGroups, plainCompare, reducePairs } from '../testing/plain.ts';

let sc: FlintContext;

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'props-test', progress: false });
});

afterAll(async () => {
  await sc?.stop();
});

const RUNS = { numRuns: 25 };

/** A small key domain, so duplicates are common: numbers, strings, null, booleans, arrays. */
const keyArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -4, max: 4 }),
  fc.constantFrom('a', 'b', 'é', '☃', ''),
  fc.constant(null),
  fc.boolean(),
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom('x', 'y')),
  fc.constantFrom([], [1], [[1], 'a']),
);
const pairsArb = fc.array(fc.tuple(keyArb, fc.integer({ min: -1000, max: 1000 })), { maxLength: 60 }) as fc.Arbitrary<[unknown, number][]>;
const partsArb = fc.integer({ min: 1, max: 6 });
const optPartsArb = fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined });

describe('properties against plain-JS models', () => {
  test('reduceByKey', async () => {
    await fc.assert(
      fc.asyncProperty(pairsArb, partsArb, optPartsArb, async (pairs, p, n) => {
        const got = await sc.parallelize(pairs, p).reduceByKey((a, b) => a + b, n).collect();
        expect(bag(got)).toEqual(bag(reducePairs(pairs, (a, b) => a + b)));
      }),
      RUNS,
    );
  });

  test('groupByKey', async () => {
    await fc.assert(
      fc.asyncProperty(pairsArb, partsArb, optPartsArb, async (pairs, p, n) => {
        const got = await sc.parallelize(pairs, p).groupByKey(n).collect();
        expect(normalizeGroups(got)).toEqual(normalizeGroups(groupPairs(pairs)));
      }),
      RUNS,
    );
  });

  test('join, leftOuterJoin, rightOuterJoin, fullOuterJoin', async () => {
    await fc.assert(
      fc.asyncProperty(pairsArb, pairsArb, partsArb, partsArb, optPartsArb, async (left, right, pl, pr, n) => {
        const l = sc.parallelize(left, pl);
        const r = sc.parallelize(right, pr);
        expect(bag(await l.join(r, n).collect())).toEqual(bag(joinPairs(left, right, 'inner')));
        expect(bag(await l.leftOuterJoin(r, n).collect())).toEqual(bag(joinPairs(left, right, 'left')));
        expect(bag(await l.rightOuterJoin(r, n).collect())).toEqual(bag(joinPairs(left, right, 'right')));
        expect(bag(await l.fullOuterJoin(r, n).collect())).toEqual(bag(joinPairs(left, right, 'full')));
      }),
      RUNS,
    );
  });

  test('cogroup', async () => {
    await fc.assert(
      fc.asyncProperty(pairsArb, pairsArb, partsArb, partsArb, optPartsArb, async (left, right, pl, pr, n) => {
        const got = await sc.parallelize(left, pl).cogroup(sc.parallelize(right, pr), n).collect();
        const norm = (g: [unknown, unknown[][]][]): unknown[] => bag(g.map(([k, vs]) => [k, vs.map((v) => bag(v))]));
        expect(norm(got as [unknown, unknown[][]][])).toEqual(norm(cogroupPairs([left, right])));
      }),
      RUNS,
    );
  });

  test('distinct', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(keyArb, { maxLength: 60 }), partsArb, optPartsArb, async (xs, p, n) => {
        const got = await sc.parallelize(xs, p).distinct(n).collect();
        expect(got.length).toBe(distinctValues(xs).length);
        expect(bag(got)).toEqual(bag(distinctValues(xs)));
      }),
      RUNS,
    );
  });

  test('sortByKey', async () => {
    await fc.assert(
      fc.asyncProperty(pairsArb, partsArb, optPartsArb, fc.boolean(), async (pairs, p, n, ascending) => {
        const sorted = sc.parallelize(pairs, p).sortByKey(ascending, n);
        const got = await sorted.collect();
        const keys = pairs.map((kv) => kv[0]).sort(plainCompare);
        if (!ascending) keys.reverse();
        expect(got.map((kv) => kv[0])).toEqual(keys);
        expect(bag(got)).toEqual(bag(pairs));
      }),
      RUNS,
    );
  });

  test('repartition', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(keyArb, fc.integer()), { maxLength: 80 }), partsArb, fc.integer({ min: 1, max: 8 }), async (xs, p, n) => {
        const r = sc.parallelize(xs, p).repartition(n);
        expect(r.getNumPartitions()).toBe(n);
        const parts = await r.glom().collect();
        expect(parts.length).toBe(n);
        expect(bag(parts.flat())).toEqual(bag(xs));
        const sizes = parts.map((x) => x.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(p);
      }),
      RUNS,
    );
  });
});
