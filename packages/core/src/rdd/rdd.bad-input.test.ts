/**
 * Bad input found by trying the API as a data engineer would: each is a clear error naming the
 * method and what was wrong, where it was a silent wrong answer or a bare TypeError before.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import type { RDD } from './rdd.ts';
import { bag, cogroupPairs, groupPairs, joinPairs, normalizeGroups } from '../testing/plain.ts';

let sc: FlintContext;

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'bad-input', progress: false, conf: { 'flint.task.maxFailures': 1 } });
});

afterAll(async () => {
  await sc?.stop();
});

const failure = (p: Promise<unknown>): Promise<Error | null> =>
  p.then(
    () => null,
    (e: Error) => e,
  );

describe('bad input', () => {
  test('take, top, takeOrdered and takeSample refuse a count that is not an integer (take(1.5) returned 2 elements, top(2.5) 2)', async () => {
    const rdd = sc.parallelize([3, 1, 2], 2);
    for (const [name, p] of [
      ['take', rdd.take(1.5)],
      ['take', rdd.take(NaN)],
      ['top', rdd.top(2.5)],
      ['takeOrdered', rdd.takeOrdered(Infinity)],
      ['takeSample', rdd.takeSample(false, 0.5, 1)],
    ] as const) {
      expect((await failure(p))?.message).toMatch(new RegExp(`^${name}: the number of elements must be an integer`));
    }
    // Integers still answer as before, a negative count with nothing (as Spark does).
    expect(await rdd.take(2)).toEqual([3, 1]);
    expect(await rdd.take(-1)).toEqual([]);
    expect(await rdd.top(2)).toEqual([3, 2]);
    expect(await rdd.takeOrdered(5)).toEqual([1, 2, 3]);
  });

  test('flatMap and flatMapValues name themselves when the function returns no iterable (was "r is not iterable")', async () => {
    const flat = await failure(sc.parallelize([1, 2], 2).flatMap((x) => x as unknown as number[]).collect());
    expect(flat?.message).toMatch(/flatMap\(\): the function must return an iterable .*got number/);
    const chained = await failure(sc.parallelize([1, 2], 2).map((x) => x + 1).flatMap(() => null as unknown as number[]).map((x) => x).collect());
    expect(chained?.message).toMatch(/flatMap\(\): the function must return an iterable .*got null/);
    const values = await failure(sc.parallelize([[1, 2]] as [number, number][], 1).flatMapValues((v) => v as unknown as number[]).collect());
    expect(values?.message).toMatch(/flatMapValues\(\): the function must return an iterable .*got number/);
    // Strings and generators are iterables, as before.
    expect(await sc.parallelize(['ab'], 1).flatMap((s) => s).collect()).toEqual(['a', 'b']);
  });

  test('a shuffle that combines by key refuses records that are not two-element arrays (reduceByKey of [k, v, x] dropped x and answered)', async () => {
    const triples = sc.parallelize([[1, 2, 3], [1, 4, 5]], 2) as unknown as ReturnType<typeof sc.parallelize<[number, number]>>;
    const err = await failure(triples.reduceByKey((a, b) => a + b).collect());
    expect(err?.message).toMatch(/expected \[key, value\] pairs \(two-element arrays\), got \[1,(2,3|4,5)\] \(an array of 3\)/);
    const folded = await failure((sc.parallelize([[1, 2, 3]], 1) as unknown as ReturnType<typeof sc.parallelize<[number, number]>>).foldByKey(0, (a, b) => a + b).collect());
    expect(folded?.message).toMatch(/got \[1,2,3\] \(an array of 3\)/);
    const plain = await failure((sc.parallelize([7], 1) as unknown as ReturnType<typeof sc.parallelize<[number, number]>>).partitionBy(2).collect());
    expect(plain?.message).toMatch(/got 7$|got 7\b/);
    expect(await sc.parallelize([[1, 2], [1, 4]] as [number, number][], 2).reduceByKey((a, b) => a + b).collect()).toEqual([[1, 6]]);
  });

  test('every operation that reads records as [key, value] pairs without combining refuses one that is not, naming itself, the partition and the shape (groupByKey of [k, v, x] dropped x)', async () => {
    const triples = [[1, 2, 3], [2, 4, 5], [1, 6, 7]];
    const t = sc.parallelize(triples, 2) as unknown as RDD<[number, number]>;
    const p = sc.parallelize<[number, string]>([[1, 'a'], [2, 'b']], 2);
    const triple = String.raw`has a record that is not a \[key, value\] pair; expected \[key, value\] pairs \(two-element arrays\), got \[(1,2,3|2,4,5|1,6,7)\] \(an array of 3\)`;
    const refusals: [string, () => Promise<unknown>, string][] = [
      ['groupByKey', () => t.groupByKey().collect(), 'groupByKey: partition [01] of RDD \\d+'],
      ['join', () => t.join(p).collect(), 'join: partition [01] of RDD \\d+'],
      ['join (right side)', () => p.join(t).collect(), 'join: partition [01] of RDD \\d+'],
      ['leftOuterJoin', () => t.leftOuterJoin(p).collect(), 'leftOuterJoin: partition [01]( of RDD \\d+)?'],
      ['rightOuterJoin', () => t.rightOuterJoin(p).collect(), 'rightOuterJoin: partition [01]( of RDD \\d+)?'],
      ['fullOuterJoin', () => t.fullOuterJoin(p).collect(), 'fullOuterJoin: partition [01]( of RDD \\d+)?'],
      ['cogroup', () => t.cogroup(p).collect(), 'cogroup: partition [01]( of RDD \\d+)?'],
      ['groupWith', () => p.groupWith(t).collect(), 'groupWith: partition [01]( of RDD \\d+)?'],
      ['subtractByKey', () => t.subtractByKey(p).collect(), 'subtractByKey: partition [01]( of RDD \\d+)?'],
      ['mapValues', () => t.mapValues((v) => v).collect(), 'mapValues: partition [01]( of RDD \\d+)?'],
      ['flatMapValues', () => t.flatMapValues((v) => [v]).collect(), 'flatMapValues: partition [01]( of RDD \\d+)?'],
      ['reduceByKeyLocally', () => t.reduceByKeyLocally((a, b) => a + b), 'reduceByKeyLocally: partition [01]( of RDD \\d+)?'],
      // Partitioned alike, so read without a shuffle: the narrow paths check too.
      ['groupByKey after partitionBy', () => t.partitionBy(2).groupByKey(2).collect(), 'groupByKey: partition [01]'],
      ['join after partitionBy', () => t.partitionBy(2).join(t.partitionBy(2)).collect(), 'join: partition [01] of RDD \\d+'],
    ];
    for (const [name, run, where] of refusals) {
      const err = await failure(run());
      expect(err?.message, name).toMatch(new RegExp(`${where} ${triple}`));
    }
    // A record that is not an array at all is named by its type.
    const nums = sc.parallelize([7, 8], 2) as unknown as RDD<[number, number]>;
    expect((await failure(nums.mapValues((v) => v).collect()))?.message).toMatch(/mapValues: partition [01] has a record that is not a \[key, value\] pair; .* got [78] \(number\)/);
    expect((await failure(nums.groupByKey().collect()))?.message).toMatch(/groupByKey: partition [01] of RDD \d+ .* got [78] \(number\)/);
    // collectAsMap refuses on the driver, as PySpark's dict() does.
    expect((await failure(t.collectAsMap()))?.message).toMatch(/^collectAsMap: expected \[key, value\] pairs \(two-element arrays\), got an array of 3/);

    // Operations that carry records whole keep every element, or read by position as defined (keys, values).
    expect(bag(await t.partitionBy(2).collect())).toEqual(bag(triples));
    expect(await t.sortByKey().collect()).toEqual([...triples].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    expect(bag(await t.repartitionAndSortWithinPartitions(1).collect())).toEqual(bag(triples));
    expect(await t.keys().collect()).toEqual(triples.map((r) => r[0]));
    expect(await t.values().collect()).toEqual(triples.map((r) => r[1]));

    // Pairs answer as plain JS computes.
    const pairs: [number, number][] = triples.map((r) => [r[0]!, r[1]!]);
    const pr = sc.parallelize(pairs, 2);
    expect(normalizeGroups(await pr.groupByKey().collect())).toEqual(normalizeGroups(groupPairs(pairs)));
    expect(bag(await pr.join(p).collect())).toEqual(bag(joinPairs(pairs, [[1, 'a'], [2, 'b']], 'inner')));
    const cg = (await pr.cogroup(p).collect()).map(([k, [a, b]]) => [k, [bag(a), bag(b)]]);
    expect(bag(cg)).toEqual(bag(cogroupPairs<number>([pairs, [[1, 'a'], [2, 'b']]]).map(([k, [a, b]]) => [k, [bag(a!), bag(b!)]])));
    expect(bag(await pr.partitionBy(2).join(pr.partitionBy(2)).collect())).toEqual(bag(joinPairs(pairs, pairs, 'inner')));
    expect(bag(await pr.mapValues((v) => v * 10).collect())).toEqual(bag(pairs.map(([k, v]) => [k, v * 10])));
  });
  test('sum and stats refuse elements that are not numbers (sum of strings gave "0ab", of [1, null] 1; mean of strings NaN); sum of bigints is exact', async () => {
    const asNumbers = <T>(xs: T[], n: number): RDD<number> => sc.parallelize(xs, n) as unknown as RDD<number>;
    for (const [xs, type] of [
      [['a', 'b'], 'string "a"|string "b"'],
      [[1, null, 2], 'null'],
      [[1, undefined], 'undefined'],
      [[1, true], 'boolean'],
      [[[1], 2], 'an array'],
    ] as [unknown[], string][]) {
      const err = await failure(asNumbers(xs, 1).sum());
      expect(err?.message, JSON.stringify(xs)).toMatch(new RegExp(`sum: partition 0 has an element of type (${type}); the elements must be numbers, or bigints`));
      const mean = await failure(asNumbers(xs, 1).mean());
      expect(mean?.message).toMatch(new RegExp(`stats \\(mean, variance, stdev\\): partition 0 has an element of type (${type}); the elements must be numbers`));
    }
    expect((await failure(asNumbers([1n, 2n], 1).stdev()))?.message).toMatch(/element of type bigint/);
    // Bigints: exact, as plain JS sums them; empty partitions beside them are fine.
    const bigs = [2n ** 64n, 3n, -(2n ** 60n)];
    expect(await sc.parallelize(bigs, 5).sum()).toBe(bigs.reduce((a, b) => a + b, 0n));
    // Numbers and bigints together are refused, within a partition or across partitions (even numbers summing to 0).
    expect((await failure(asNumbers([1, 2n], 1).sum()))?.message).toMatch(/sum: partition 0 holds both numbers and bigints/);
    expect((await failure(asNumbers([-1, 1, 5n], 3).sum()))?.message).toMatch(/sum: the RDD holds both numbers and bigints/);
    // Numbers answer as before (as a left fold per partition, then across partitions).
    const xs = [0.1, 0.2, 0.3, -5, 1e3];
    expect(await sc.parallelize(xs, 1).sum()).toBe(xs.reduce((a, b) => a + b, 0));
    expect(await sc.parallelize([] as number[], 3).sum()).toBe(0);
    expect(await sc.parallelize([1, 2, 3, 4], 2).mean()).toBe(2.5);
  });
});
