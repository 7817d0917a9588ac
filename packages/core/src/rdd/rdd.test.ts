/**
 * The RDD<T> API and the context's RDD constructors against plain-JS answers over
 * the same input, with PySpark's doctests as cases where they exist. One local[2]
 * context for the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import { FlintError } from '../errors.ts';
import { bag, canon, distinctValues, groupPairs, normalizeGroups, sparkSlices } from '../testing/plain.ts';

let sc: FlintContext;
let tmp: string;

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'rdd-test', progress: false });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-rdd-test-'));
});

afterAll(async () => {
  await sc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const add = (a: number, b: number): number => a + b;
const range = (a: number, b: number, step = 1): number[] => {
  const out: number[] = [];
  for (let x = a; step > 0 ? x < b : x > b; x += step) out.push(x);
  return out;
};

async function expectRejectsEmpty(p: Promise<unknown>, method: string): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FlintError);
  expect((err as FlintError).code).toBe('EMPTY_RDD');
  expect((err as Error).message).toContain(method);
}

describe('sc.parallelize', () => {
  test('cuts contiguous near-equal slices in order, as Spark does', async () => {
    // PySpark doctests.
    expect(await sc.parallelize([0, 2, 3, 4, 6], 5).glom().collect()).toEqual([[0], [2], [3], [4], [6]]);
    expect(await sc.parallelize(range(0, 6, 2), 5).glom().collect()).toEqual([[], [0], [], [2], [4]]);
    expect(await sc.parallelize([1, 2, 3, 4], 2).glom().collect()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    for (const n of [0, 1, 2, 3, 7, 10, 31]) {
      for (const k of [1, 2, 3, 4, 8, 13]) {
        const data = range(0, n);
        expect(await sc.parallelize(data, k).glom().collect()).toEqual(sparkSlices(data, k));
      }
    }
  });

  test('default slice count is defaultParallelism; iterables are accepted', async () => {
    expect(sc.defaultParallelism).toBe(2);
    expect(sc.parallelize([1, 2, 3]).getNumPartitions()).toBe(2);
    expect(await sc.parallelize(new Set(['a', 'b', 'a'])).collect()).toEqual(['a', 'b']);
    function* gen(): Generator<number> {
      yield 5;
      yield 6;
    }
    expect(await sc.parallelize(gen(), 3).collect()).toEqual([5, 6]);
  });

  test('values of many kinds round-trip', async () => {
    const data: unknown[] = [null, 0, -1.5, 'héllo ☃ 𝄞', true, [1, [2, 'x']], { a: 1, b: [null] }, '', 2 ** 53 - 1];
    expect(await sc.parallelize(data, 3).collect()).toEqual(data);
  });

  test('bigints stay bigints, also as shuffle keys', async () => {
    const data = [1n, -5n, 2n ** 70n, 0n, 1n];
    expect(await sc.parallelize(data, 2).collect()).toEqual(data);
    const counts = await sc.parallelize(data, 3).map((b) => [b, 1] as [bigint, number]).reduceByKey((a, b) => a + b).collect();
    expect(new Map(counts)).toEqual(new Map<bigint, number>([[1n, 2], [-5n, 1], [2n ** 70n, 1], [0n, 1]]));
    expect(await sc.parallelize(data, 2).sortBy((b) => b).collect()).toEqual([-5n, 0n, 1n, 1n, 2n ** 70n]);
  });

  test('numSlices must be positive', () => {
    expect(() => sc.parallelize([1], 0)).toThrow(/positive integer/);
  });
});

describe('sc.range', () => {
  test('PySpark doctests', async () => {
    expect(await sc.range(5).collect()).toEqual([0, 1, 2, 3, 4]);
    expect(await sc.range(2, 4).collect()).toEqual([2, 3]);
    expect(await sc.range(1, 7, 2).collect()).toEqual([1, 3, 5]);
  });
  test('negative steps, empty ranges, slicing like parallelize', async () => {
    expect(await sc.range(5, 0, -1).collect()).toEqual([5, 4, 3, 2, 1]);
    expect(await sc.range(10, 1, -3).collect()).toEqual([10, 7, 4]);
    expect(await sc.range(5, 2).collect()).toEqual([]);
    expect(await sc.range(0).count()).toBe(0);
    for (const [a, b, s] of [
      [0, 10, 1],
      [3, 50, 7],
      [-4, 9, 2],
      [9, -4, -2],
    ] as const) {
      for (const k of [1, 3, 4, 20]) {
        expect(await sc.range(a, b, s, k).glom().collect()).toEqual(sparkSlices(range(a, b, s), k));
      }
    }
    expect(() => sc.range(0, 10, 0)).toThrow(/step/);
  });
});

describe('sc.emptyRDD and empty inputs', () => {
  test('emptyRDD behaves as empty for every action', async () => {
    const e = sc.emptyRDD<number>();
    expect(e.getNumPartitions()).toBe(0);
    expect(await e.collect()).toEqual([]);
    expect(await e.count()).toBe(0);
    expect(await e.take(3)).toEqual([]);
    expect(await e.isEmpty()).toBe(true);
    expect(await e.sum()).toBe(0);
    expect(await e.fold(0, add)).toBe(0);
    expect(await e.aggregate<[number, number]>([0, 0], (a, x) => [a[0] + x, a[1] + 1], (a, b) => [a[0] + b[0], a[1] + b[1]])).toEqual([0, 0]);
    expect(await e.treeAggregate(0, add, add)).toBe(0);
    expect(await e.map((x) => x * 2).distinct().collect()).toEqual([]);
    expect(await e.glom().collect()).toEqual([]);
    expect(Number.isNaN(await e.mean())).toBe(true);
    expect(await e.countByValue()).toEqual(new Map());
    await expectRejectsEmpty(e.reduce(add), 'reduce');
    await expectRejectsEmpty(e.first(), 'first');
    await expectRejectsEmpty(e.max(), 'max');
    await expectRejectsEmpty(e.min(), 'min');
    await expectRejectsEmpty(e.treeReduce(add), 'treeReduce');
  });

  test('empty partitions: an RDD with partitions but no elements', async () => {
    const e = sc.parallelize<number>([], 3);
    expect(await e.glom().collect()).toEqual([[], [], []]);
    expect(await e.isEmpty()).toBe(true);
    expect(await sc.parallelize([1], 5).filter((x) => x > 5).isEmpty()).toBe(true);
    expect(await sc.parallelize([1], 5).isEmpty()).toBe(false);
    await expectRejectsEmpty(e.reduce(add), 'reduce');
    await expectRejectsEmpty(e.first(), 'first');
    await expectRejectsEmpty(sc.parallelize([1, 2, 3], 3).filter((x) => x > 3).reduce(add), 'reduce');
  });
});

describe('element-wise transformations', () => {
  test('map, flatMap, filter (PySpark doctests)', async () => {
    expect(await sc.parallelize([1, 2, 3, 4]).map((x) => x * 2).collect()).toEqual([2, 4, 6, 8]);
    expect(bag(await sc.parallelize([2, 3, 4]).flatMap((x) => range(1, x), { range }).collect())).toEqual([1, 1, 1, 2, 2, 3]);
    expect(await sc.parallelize([2, 3, 4]).flatMap((x) => [[x, x], [x, x]]).collect()).toEqual([
      [2, 2],
      [2, 2],
      [3, 3],
      [3, 3],
      [4, 4],
      [4, 4],
    ]);
    expect(await sc.parallelize([1, 2, 3, 4, 5]).filter((x) => x % 2 === 0).collect()).toEqual([2, 4]);
  });

  test('fused chains agree with Array methods over many partitionings', async () => {
    const data = range(0, 103).map((x) => (x * 37) % 101);
    const expected = data
      .map((x) => x * 3)
      .filter((x) => x % 2 === 1)
      .flatMap((x) => [x, -x, x + 0.5])
      .filter((x) => x > 0)
      .map((x) => `v${x}`);
    for (const k of [1, 2, 7, 200]) {
      const got = await sc
        .parallelize(data, k)
        .map((x) => x * 3)
        .filter((x) => x % 2 === 1)
        .flatMap((x) => [x, -x, x + 0.5])
        .filter((x) => x > 0)
        .map((x) => `v${x}`)
        .collect();
      expect(got).toEqual(expected);
    }
  });

  test('flatMap accepts any iterable (generators, Sets, strings)', async () => {
    expect(
      await sc
        .parallelize([2, 3], 2)
        .flatMap(function* (n) {
          for (let i = 0; i < n; i++) yield i;
        })
        .collect(),
    ).toEqual([0, 1, 0, 1, 2]);
    expect(await sc.parallelize(['ab', 'c']).flatMap((s) => new Set(s)).collect()).toEqual(['a', 'b', 'c']);
  });

  test('keyBy', async () => {
    const x = sc.parallelize(range(0, 3)).keyBy((x) => x * x);
    expect(await x.collect()).toEqual([
      [0, 0],
      [1, 1],
      [4, 2],
    ]);
  });

  test('mapPartitions and mapPartitionsWithIndex (PySpark doctests)', async () => {
    const sums = await sc
      .parallelize([1, 2, 3, 4], 2)
      .mapPartitions(function* (it) {
        let s = 0;
        for (const x of it) s += x;
        yield s;
      })
      .collect();
    expect(sums).toEqual([3, 7]);
    const idx = await sc.parallelize([1, 2, 3, 4], 4).mapPartitionsWithIndex((i, _it) => [i]).sum();
    expect(idx).toBe(6);
    const tagged = await sc.parallelize(range(0, 7), 3).mapPartitionsWithIndex((i, it) => [...it].map((x) => [i, x])).collect();
    const expected = sparkSlices(range(0, 7), 3).flatMap((s, i) => s.map((x) => [i, x]));
    expect(tagged).toEqual(expected);
  });

  test('mapPartitions returning a non-iterable fails the job with a clear message', async () => {
    await expect(sc.parallelize([1], 1).mapPartitions((() => 5) as never).collect()).rejects.toThrow(/must return an iterable/);
  });

  test('glom', async () => {
    expect(await sc.parallelize([1, 2, 3, 4], 2).glom().collect()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});

describe('set-like transformations', () => {
  test('distinct', async () => {
    expect(bag(await sc.parallelize([1, 1, 2, 3]).distinct().collect())).toEqual([1, 2, 3]);
    const data: unknown[] = [[1, 'a'], [1, 'a'], [2, 'b'], null, null, 'x', 'x', [1, ['a']], [1, ['a']], 0, -0, [], []];
    for (const k of [1, 3, 20]) {
      const got = await sc.parallelize(data, k).distinct().collect();
      expect(bag(got)).toEqual(bag(distinctValues(data)));
      const got2 = await sc.parallelize(data, k).distinct(5).collect();
      expect(bag(got2)).toEqual(bag(distinctValues(data)));
    }
  });

  test('union (RDD and sc)', async () => {
    const rdd = sc.parallelize([1, 1, 2, 3]);
    expect(await rdd.union(rdd).collect()).toEqual([1, 1, 2, 3, 1, 1, 2, 3]);
    const a = sc.parallelize([1, 2], 2);
    const b = sc.parallelize([3], 3);
    const u = sc.union([a, b, sc.emptyRDD<number>(), a]);
    expect(u.getNumPartitions()).toBe(7);
    expect(await u.collect()).toEqual([1, 2, 3, 1, 2]);
    expect(await sc.union<number>([]).collect()).toEqual([]);
  });

  test('intersection yields distinct common elements, by value', async () => {
    const r1 = sc.parallelize([1, 10, 2, 3, 4, 5]);
    const r2 = sc.parallelize([1, 6, 2, 3, 7, 8]);
    expect(bag(await r1.intersection(r2).collect())).toEqual([1, 2, 3]);
    const x = sc.parallelize<unknown>([[1, 'a'], [1, 'a'], [2, 'b'], 'z'], 2);
    const y = sc.parallelize<unknown>([[1, 'a'], 'z', 'q'], 3);
    expect(bag(await x.intersection(y).collect())).toEqual(bag([[1, 'a'], 'z']));
  });

  test('subtract keeps duplicates of the left side (PySpark doctest)', async () => {
    const x = sc.parallelize<[string, number | null]>([
      ['a', 1],
      ['b', 4],
      ['b', 5],
      ['a', 3],
    ]);
    const y = sc.parallelize<[string, number | null]>([
      ['a', 3],
      ['c', null],
    ]);
    expect(bag(await x.subtract(y).collect())).toEqual(bag([['a', 1], ['b', 4], ['b', 5]]));
    expect(bag(await sc.parallelize([1, 1, 2, 3, 3], 3).subtract(sc.parallelize([3])).collect())).toEqual([1, 1, 2]);
  });

  test('cartesian', async () => {
    const rdd = sc.parallelize([1, 2]);
    expect(bag(await rdd.cartesian(rdd).collect())).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
    ]);
    const a = ['x', 'y', 'z'];
    const b = [1, 2, 3, 4];
    const c = await sc.parallelize(a, 2).cartesian(sc.parallelize(b, 3)).collect();
    expect(c.length).toBe(12);
    expect(bag(c)).toEqual(bag(a.flatMap((s) => b.map((n) => [s, n]))));
    expect(sc.parallelize(a, 2).cartesian(sc.parallelize(b, 3)).getNumPartitions()).toBe(6);
    expect(await sc.parallelize(a, 2).cartesian(sc.emptyRDD<number>()).collect()).toEqual([]);
  });
});

describe('zips', () => {
  test('zip (PySpark doctest) and its errors', async () => {
    const x = sc.parallelize(range(0, 5));
    const y = sc.parallelize(range(1000, 1005));
    expect(await x.zip(y).collect()).toEqual([
      [0, 1000],
      [1, 1001],
      [2, 1002],
      [3, 1003],
      [4, 1004],
    ]);
    expect(() => sc.parallelize([1, 2], 2).zip(sc.parallelize([1, 2], 1))).toThrow(/same number of partitions/);
    await expect(sc.parallelize([1, 2, 3], 2).zip(sc.parallelize([1, 2], 2)).collect()).rejects.toThrow(/same number of elements/);
  });

  test('zip of two maps of the same source', async () => {
    const base = sc.parallelize(range(0, 50), 4);
    expect(await base.map((x) => x * 2).zip(base.map((x) => `s${x}`)).collect()).toEqual(range(0, 50).map((x) => [x * 2, `s${x}`]));
  });

  test('zipWithIndex', async () => {
    expect(await sc.parallelize(['a', 'b', 'c', 'd'], 3).zipWithIndex().collect()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
      ['d', 3],
    ]);
    for (const k of [1, 2, 5, 12]) {
      const data = range(0, 10).map((x) => x * 7);
      const filtered = data.filter((x) => x % 3 !== 0);
      expect(await sc.parallelize(data, k).filter((x) => x % 3 !== 0).zipWithIndex().collect()).toEqual(filtered.map((x, i) => [x, i]));
    }
    expect(await sc.emptyRDD<number>().zipWithIndex().collect()).toEqual([]);
  });

  test('zipWithUniqueId (PySpark doctest)', async () => {
    expect(await sc.parallelize(['a', 'b', 'c', 'd', 'e'], 3).zipWithUniqueId().collect()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 4],
      ['d', 2],
      ['e', 5],
    ]);
    const ids = (await sc.parallelize(range(0, 100), 7).zipWithUniqueId().collect()).map((p) => p[1]);
    expect(new Set(ids).size).toBe(100);
  });
});

describe('grouping and sorting', () => {
  test('groupBy (PySpark doctest) and with env', async () => {
    const rdd = sc.parallelize([1, 1, 2, 3, 5, 8]);
    expect(normalizeGroups(await rdd.groupBy((x) => x % 2).collect())).toEqual([
      [0, [2, 8]],
      [1, [1, 1, 3, 5]],
    ]);
    const m = 3;
    const got = await sc.parallelize(range(0, 40), 3).groupBy((x) => [x % m, x % 2 === 0], 4, { m }).collect();
    expect(normalizeGroups(got)).toEqual(normalizeGroups(groupPairs(range(0, 40).map((x) => [[x % m, x % 2 === 0], x] as [unknown, number]))));
    const got2 = await sc.parallelize(range(0, 10), 3).groupBy((x) => x % m, { m }).collect();
    expect(normalizeGroups(got2)).toEqual(normalizeGroups(groupPairs(range(0, 10).map((x) => [x % m, x] as [number, number]))));
  });

  test('sortBy (PySpark doctests) and over many partitions', async () => {
    const tmp: [string, number][] = [
      ['a', 1],
      ['b', 2],
      ['1', 3],
      ['d', 4],
      ['2', 5],
    ];
    expect(await sc.parallelize(tmp).sortBy((x) => x[0]).collect()).toEqual([
      ['1', 3],
      ['2', 5],
      ['a', 1],
      ['b', 2],
      ['d', 4],
    ]);
    expect(await sc.parallelize(tmp).sortBy((x) => x[1]).collect()).toEqual([
      ['a', 1],
      ['b', 2],
      ['1', 3],
      ['d', 4],
      ['2', 5],
    ]);
    const data = range(0, 500).map((x) => (x * 7919) % 1009);
    for (const k of [1, 3, 8]) {
      expect(await sc.parallelize(data, 4).sortBy((x) => x, true, k).collect()).toEqual([...data].sort((a, b) => a - b));
      expect(await sc.parallelize(data, 4).sortBy((x) => x, false, k).collect()).toEqual([...data].sort((a, b) => b - a));
    }
    const mod = 10;
    expect(await sc.parallelize(data, 3).sortBy((x) => x % mod, true, { mod }).map((x) => x % 10).collect()).toEqual(
      data.map((x) => x % 10).sort((a, b) => a - b),
    );
  });
});

describe('partitioning', () => {
  test('coalesce (PySpark doctests) keeps order and cannot grow without a shuffle', async () => {
    expect(await sc.parallelize([1, 2, 3, 4, 5], 3).glom().collect()).toEqual([[1], [2, 3], [4, 5]]);
    expect(await sc.parallelize([1, 2, 3, 4, 5], 3).coalesce(1).glom().collect()).toEqual([[1, 2, 3, 4, 5]]);
    const data = range(0, 37);
    for (const [from, to] of [
      [10, 3],
      [7, 7],
      [3, 10],
      [1, 1],
      [5, 2],
    ]) {
      const c = sc.parallelize(data, from!).coalesce(to!);
      expect(c.getNumPartitions()).toBe(Math.min(from!, to!));
      expect(await c.collect()).toEqual(data);
      expect((await c.glom().collect()).flat()).toEqual(data);
    }
    const grown = sc.parallelize(data, 2).coalesce(6, true);
    expect(grown.getNumPartitions()).toBe(6);
    expect(bag(await grown.collect())).toEqual(bag(data));
    expect(await sc.emptyRDD<number>().coalesce(3).collect()).toEqual([]);
  });

  test('repartition (PySpark doctest) keeps every element and balances', async () => {
    const rdd = sc.parallelize([1, 2, 3, 4, 5, 6, 7], 4);
    expect(await rdd.glom().collect()).toEqual([[1], [2, 3], [4, 5], [6, 7]]);
    expect((await rdd.repartition(2).glom().collect()).length).toBe(2);
    expect((await rdd.repartition(10).glom().collect()).length).toBe(10);
    const data = range(0, 1000).map((x) => [x % 7, `v${x}`]);
    for (const n of [1, 3, 16]) {
      const parts = await sc.parallelize(data, 5).repartition(n).glom().collect();
      expect(parts.length).toBe(n);
      expect(bag(parts.flat())).toEqual(bag(data));
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(5);
    }
    expect(await sc.parallelize([], 3).repartition(4).collect()).toEqual([]);
  });

  test('repartition gives the same partitions in every run, also after a shuffle (its start was Math.random())', async () => {
    const data = range(0, 2000).map((x) => [x % 13, `v${x}`] as [number, string]);
    const once = async (): Promise<unknown[][]> => sc.parallelize(data, 5).repartition(7).glom().collect();
    const first = await once();
    expect(await once()).toEqual(first);
    expect(bag(first.flat())).toEqual(bag(data));
    // After a shuffle the records are sorted by their bytes before the round-robin: same partitions, every record once.
    const grouped = (): Promise<unknown[][]> =>
      sc
        .parallelize(data, 5)
        .groupByKey(3)
        .flatMap(([k, vs]) => vs.map((v) => [k, v] as [number, string]))
        .repartition(4)
        .glom()
        .collect();
    const g1 = await grouped();
    expect(await grouped()).toEqual(g1);
    expect(bag(g1.flat())).toEqual(bag(data));
    const sizes = g1.map((p) => p.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(3);
  });

  test('getNumPartitions', () => {
    expect(sc.parallelize([1, 2, 3, 4], 2).getNumPartitions()).toBe(2);
    expect(sc.parallelize([1, 2, 3, 4], 2).map((x) => x).getNumPartitions()).toBe(2);
  });
});

describe('sampling', () => {
  test('sample (PySpark doctest), determinism and bounds', async () => {
    const rdd = sc.parallelize(range(0, 100), 4);
    const n = await rdd.sample(false, 0.1, 81).count();
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThanOrEqual(20);
    const a = await rdd.sample(false, 0.3, 7).collect();
    const b = await rdd.sample(false, 0.3, 7).collect();
    expect(a).toEqual(b);
    expect(a.every((x, i) => i === 0 || x > a[i - 1]!)).toBe(true);
    expect(await rdd.sample(false, 0, 1).count()).toBe(0);
    expect(await rdd.sample(false, 1, 1).collect()).toEqual(range(0, 100));
    const big = sc.parallelize(range(0, 10000), 4);
    const c = await big.sample(false, 0.5, 3).count();
    expect(c).toBeGreaterThan(4500);
    expect(c).toBeLessThan(5500);
    const r = await big.sample(true, 2, 5).collect();
    expect(r.length).toBeGreaterThan(18500);
    expect(r.length).toBeLessThan(21500);
    expect(r.every((x) => Number.isInteger(x) && x >= 0 && x < 10000)).toBe(true);
    expect(() => rdd.sample(false, 1.5)).toThrow(/fraction/);
    expect(() => rdd.sample(true, -1)).toThrow(/fraction/);
  });

  test('randomSplit (PySpark doctest): disjoint and complete', async () => {
    const rdd = sc.parallelize(range(0, 500), 1);
    const [r1, r2] = rdd.randomSplit([2, 3], 17);
    const a = await r1!.collect();
    const b = await r2!.collect();
    expect(bag([...a, ...b])).toEqual(bag(range(0, 500)));
    expect(a.length).toBeGreaterThan(150);
    expect(a.length).toBeLessThan(250);
    expect(b.length).toBeGreaterThan(250);
    expect(b.length).toBeLessThan(350);
    const parts = sc.parallelize(range(0, 1000), 4).randomSplit([1, 1, 1, 1], 3);
    const all = (await Promise.all(parts.map((p) => p.collect()))).flat();
    expect(bag(all)).toEqual(bag(range(0, 1000)));
    expect(() => rdd.randomSplit([0, 0])).toThrow(/weights/);
  });

  test('takeSample (PySpark doctest)', async () => {
    const rdd = sc.parallelize(range(0, 10));
    expect((await rdd.takeSample(true, 20, 1)).length).toBe(20);
    const five = await rdd.takeSample(false, 5, 2);
    expect(five.length).toBe(5);
    expect(new Set(five).size).toBe(5);
    const all = await rdd.takeSample(false, 15, 3);
    expect(bag(all)).toEqual(range(0, 10));
    expect(await rdd.takeSample(false, 0)).toEqual([]);
    expect(await sc.emptyRDD<number>().takeSample(true, 3)).toEqual([]);
    expect(await rdd.takeSample(false, 4, 9)).toEqual(await rdd.takeSample(false, 4, 9));
    const big = await sc.parallelize(range(0, 5000), 4).takeSample(false, 100, 11);
    expect(new Set(big).size).toBe(100);
    expect(big.every((x) => x >= 0 && x < 5000)).toBe(true);
  });
});

describe('pipe', () => {
  test('cat (PySpark doctest) and a filter command', async () => {
    expect(await sc.parallelize(['1', '2', '', '3']).pipe('cat').collect()).toEqual(['1', '2', '', '3']);
    expect(await sc.parallelize(['a1', 'b2', 'a3'], 2).pipe('grep a').collect()).toEqual(['a1', 'a3']);
    expect(await sc.parallelize([1, 2, 3], 3).pipe('wc -l').map((s) => Number(s.trim())).collect()).toEqual([1, 1, 1]);
    expect(await sc.parallelize(['x'], 1).pipe('echo "$FOO"', { env: { FOO: 'bar' } }).collect()).toEqual(['bar']);
    await expect(sc.parallelize(['x'], 1).pipe('exit 3').collect()).rejects.toThrow(/exited with 3/);
  });
});

describe('actions', () => {
  test('collect, count, toLocalIterator', async () => {
    expect(await sc.parallelize([2, 3, 4]).count()).toBe(3);
    const seen: number[] = [];
    for await (const x of sc.parallelize(range(0, 10), 4).toLocalIterator()) seen.push(x);
    expect(seen).toEqual(range(0, 10));
    const none: number[] = [];
    for await (const x of sc.emptyRDD<number>().toLocalIterator()) none.push(x);
    expect(none).toEqual([]);
    expect(await sc.parallelize(range(0, 1000), 7).filter((x) => x % 3 === 0).count()).toBe(334);
  });

  test('take keeps partition order and scans only what it needs (PySpark doctests)', async () => {
    expect(await sc.parallelize([2, 3, 4, 5, 6]).cache().take(2)).toEqual([2, 3]);
    expect(await sc.parallelize([2, 3, 4, 5, 6]).take(10)).toEqual([2, 3, 4, 5, 6]);
    expect(await sc.parallelize(range(0, 100), 100).filter((x) => x > 90).take(3)).toEqual([91, 92, 93]);
    expect(await sc.parallelize(range(0, 100), 100).take(0)).toEqual([]);
    for (const k of [1, 3, 10, 50]) {
      for (const n of [1, 5, 17, 60, 200]) {
        expect(await sc.parallelize(range(0, 50), k).take(n)).toEqual(range(0, Math.min(n, 50)));
      }
    }
  });

  test('first', async () => {
    expect(await sc.parallelize([2, 3, 4]).first()).toBe(2);
    expect(await sc.parallelize([7], 4).first()).toBe(7);
    expect(await sc.parallelize([null, 1], 1).first()).toBe(null);
  });

  test('reduce, fold, aggregate (PySpark doctests)', async () => {
    expect(await sc.parallelize([1, 2, 3, 4, 5]).reduce(add)).toBe(15);
    expect(await sc.parallelize(range(0, 10).map(() => 2)).map(() => 1).cache().reduce(add)).toBe(10);
    expect(await sc.parallelize([1, 2, 3, 4, 5]).fold(0, add)).toBe(15);
    const seqOp = (x: [number, number], y: number): [number, number] => [x[0] + y, x[1] + 1];
    const combOp = (x: [number, number], y: [number, number]): [number, number] => [x[0] + y[0], x[1] + y[1]];
    expect(await sc.parallelize([1, 2, 3, 4]).aggregate([0, 0], seqOp, combOp)).toEqual([10, 4]);
    expect(await sc.parallelize<number>([]).aggregate([0, 0], seqOp, combOp)).toEqual([0, 0]);
    // Order of a non-commutative reduce: partitions in order, elements in order.
    const words = range(0, 26).map((i) => String.fromCharCode(97 + i));
    for (const k of [1, 4, 26, 40]) {
      expect(await sc.parallelize(words, k).reduce((a, b) => a + b)).toBe(words.join(''));
      expect(await sc.parallelize(words, k).fold('', (a, b) => a + b)).toBe(words.join(''));
    }
    // A mutable zero must not be shared between partitions.
    const lists = await sc.parallelize(range(0, 10), 3).aggregate([] as number[], (acc, x) => (acc.push(x), acc), (a, b) => a.concat(b));
    expect(lists).toEqual(range(0, 10));
  });

  test('treeReduce and treeAggregate (PySpark doctests)', async () => {
    const rdd = sc.parallelize([-5, -4, -3, -2, -1, 1, 2, 3, 4], 10);
    for (const depth of [1, 2, 5, 10]) {
      expect(await rdd.treeReduce(add, depth)).toBe(-5);
      expect(await rdd.treeAggregate(0, add, add, depth)).toBe(-5);
    }
    expect(await rdd.treeReduce(add)).toBe(-5);
    const data = range(0, 1000);
    const big = sc.parallelize(data, 37);
    expect(await big.treeAggregate(0, add, add, 3)).toBe(data.reduce(add));
    const stats = await big.treeAggregate<[number, number]>(
      [0, 0],
      (a, x) => [a[0] + x, a[1] + 1],
      (a, b) => [a[0] + b[0], a[1] + b[1]],
      2,
    );
    expect(stats).toEqual([data.reduce(add), 1000]);
    expect(await big.treeReduce((a, b) => Math.max(a, b), 3)).toBe(999);
    await expect(rdd.treeAggregate(0, add, add, 0)).rejects.toThrow(/depth/);
  });

  test('max and min, with a key (PySpark doctests)', async () => {
    const rdd = sc.parallelize([1.0, 5.0, 43.0, 10.0]);
    expect(await rdd.max()).toBe(43);
    expect(await rdd.max((x) => String(x))).toBe(5);
    const rdd2 = sc.parallelize([2.0, 5.0, 43.0, 10.0]);
    expect(await rdd2.min()).toBe(2);
    expect(await rdd2.min((x) => String(x))).toBe(10);
    expect(await sc.parallelize(['b', 'a', 'c'], 3).max()).toBe('c');
    expect(await sc.parallelize([[1, 'b'], [1, 'a'], [0, 'z']], 2).min()).toEqual([0, 'z']);
  });

  test('top and takeOrdered (PySpark doctests)', async () => {
    expect(await sc.parallelize([10, 4, 2, 12, 3]).top(1)).toEqual([12]);
    expect(await sc.parallelize([2, 3, 4, 5, 6], 2).top(2)).toEqual([6, 5]);
    expect(await sc.parallelize([10, 4, 2, 12, 3]).top(3, (x) => String(x))).toEqual([4, 3, 2]);
    expect(await sc.parallelize([10, 1, 2, 9, 3, 4, 5, 6, 7]).takeOrdered(6)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await sc.parallelize([10, 1, 2, 9, 3, 4, 5, 6, 7], 2).takeOrdered(6, (x) => -x)).toEqual([10, 9, 7, 6, 5, 4]);
    const data = range(0, 2000).map((x) => (x * 7919) % 2003);
    expect(await sc.parallelize(data, 5).takeOrdered(300)).toEqual([...data].sort((a, b) => a - b).slice(0, 300));
    expect(await sc.parallelize(data, 5).top(300)).toEqual([...data].sort((a, b) => b - a).slice(0, 300));
    expect(await sc.parallelize([3, 1], 2).top(10)).toEqual([3, 1]);
    expect(await sc.parallelize([3, 1], 2).takeOrdered(0)).toEqual([]);
  });

  test('sum, mean, variance, stdev, sampleVariance, sampleStdev, stats (PySpark doctests)', async () => {
    expect(await sc.parallelize([1.0, 2.0, 3.0]).sum()).toBe(6);
    expect(await sc.parallelize([1, 2, 3]).mean()).toBe(2);
    expect(await sc.parallelize([1, 2, 3]).variance()).toBeCloseTo(2 / 3, 12);
    expect(await sc.parallelize([1, 2, 3]).stdev()).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(await sc.parallelize([1, 2, 3]).sampleStdev()).toBeCloseTo(1, 12);
    expect(await sc.parallelize([1, 2, 3]).sampleVariance()).toBeCloseTo(1, 12);
    const data = range(0, 997).map((x) => Math.sin(x) * 100 + x / 10);
    const n = data.length;
    const mean = data.reduce(add) / n;
    const variance = data.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    const s = await sc.parallelize(data, 6).stats();
    expect(s.count()).toBe(n);
    expect(s.mean()).toBeCloseTo(mean, 9);
    expect(s.variance()).toBeCloseTo(variance, 7);
    expect(s.sampleVariance()).toBeCloseTo((variance * n) / (n - 1), 7);
    expect(s.max()).toBe(Math.max(...data));
    expect(s.min()).toBe(Math.min(...data));
    expect(s.sum()).toBeCloseTo(data.reduce(add), 6);
    expect(await sc.parallelize(data, 6).sum()).toBeCloseTo(data.reduce(add), 8);
  });

  test('histogram (PySpark doctests) and against a plain count', async () => {
    const rdd = sc.parallelize(range(0, 51));
    expect(await rdd.histogram(2)).toEqual([
      [0, 25, 50],
      [25, 26],
    ]);
    expect(await rdd.histogram([0, 5, 25, 50])).toEqual([
      [0, 5, 25, 50],
      [5, 20, 26],
    ]);
    expect(await rdd.histogram([0, 15, 30, 45, 60])).toEqual([
      [0, 15, 30, 45, 60],
      [15, 15, 15, 6],
    ]);
    expect(await sc.parallelize([1, 1, 1], 2).histogram(4)).toEqual([[1, 1], [3]]);
    const data = range(0, 1000).map((x) => Math.cos(x) * 50);
    for (const buckets of [1, 3, 10, 33]) {
      const [edges, counts] = await sc.parallelize(data, 4).histogram(buckets);
      expect(edges.length).toBe(buckets + 1);
      expect(edges[0]).toBe(Math.min(...data));
      expect(edges[buckets]).toBe(Math.max(...data));
      const plain = new Array<number>(buckets).fill(0);
      for (const x of data) {
        let b = edges.findIndex((e, i) => i < buckets && x >= e && (x < edges[i + 1]! || (i === buckets - 1 && x <= edges[i + 1]!)));
        if (b < 0) b = buckets - 1;
        plain[b]!++;
      }
      expect(counts).toEqual(plain);
      expect(counts.reduce(add)).toBe(1000);
    }
    const [, outside] = await sc.parallelize([-1, 0, 5, 10, 11, NaN], 2).histogram([0, 5, 10]);
    expect(outside).toEqual([1, 2]);
    await expect(sc.emptyRDD<number>().histogram(3)).rejects.toThrow(/empty/);
    expect(await sc.emptyRDD<number>().histogram([0, 1])).toEqual([[0, 1], [0]]);
  });

  test('countByValue (PySpark doctest) and with composite values', async () => {
    const m = await sc.parallelize([1, 2, 1, 2, 2], 2).countByValue();
    expect(bag([...m.entries()])).toEqual([
      [1, 2],
      [2, 3],
    ]);
    const data: unknown[] = [[1, 'a'], [1, 'a'], 'x', null, [1, 'a'], null, [2]];
    const m2 = await sc.parallelize(data, 3).countByValue();
    expect(bag([...m2.entries()])).toEqual(bag([[[1, 'a'], 3], ['x', 1], [null, 2], [[2], 1]]));
  });

  test('foreach and foreachPartition see every element once', async () => {
    const acc = sc.accumulator(0);
    await sc.parallelize(range(1, 101), 7).foreach((x) => acc.add(x), { acc });
    expect(acc.value).toBe(5050);
    const parts = sc.accumulator<number[]>([], (a, b) => a.concat(b));
    await sc.parallelize(range(0, 10), 3).foreachPartition(
      (it) => {
        parts.add([[...it].length]);
      },
      { parts },
    );
    expect(bag(parts.value)).toEqual(bag(sparkSlices(range(0, 10), 3).map((s) => s.length)));
  });
});

describe('saveAsTextFile', () => {
  test('writes part files in partition order and _SUCCESS', async () => {
    const out = path.join(tmp, 'out1');
    const data: unknown[] = ['a', 'b c', 'ünï', 1, [1, 'x'], null, 'last'];
    await sc.parallelize(data, 3).saveAsTextFile(out);
    const files = fs.readdirSync(out).sort();
    expect(files).toEqual(['_SUCCESS', 'part-00000', 'part-00001', 'part-00002']);
    const text = files
      .filter((f) => f.startsWith('part-'))
      .map((f) => fs.readFileSync(path.join(out, f), 'utf8'))
      .join('');
    expect(text).toBe(['a', 'b c', 'ünï', '1', '[1,"x"]', 'null', 'last'].map((l) => `${l}\n`).join(''));
    expect(await sc.textFile(out).collect()).toEqual(['a', 'b c', 'ünï', '1', '[1,"x"]', 'null', 'last']);
    await expect(sc.parallelize([1]).saveAsTextFile(out)).rejects.toThrow(/already exists/);
  });

  test('empty partitions give empty part files', async () => {
    const out = path.join(tmp, 'out-empty');
    await sc.parallelize<string>([], 2).saveAsTextFile(out);
    expect(fs.readdirSync(out).sort()).toEqual(['_SUCCESS', 'part-00000', 'part-00001']);
    expect(fs.readFileSync(path.join(out, 'part-00001'), 'utf8')).toBe('');
  });
});

describe('textFile and wholeTextFiles', () => {
  test('lines of a file, unicode, no trailing newline, CRLF, empty lines', async () => {
    const f = path.join(tmp, 'a.txt');
    const content = 'héllo wörld\n\n☃ snow 𝄞\r\nlast line without newline';
    fs.writeFileSync(f, content);
    expect(await sc.textFile(f).collect()).toEqual(['héllo wörld', '', '☃ snow 𝄞', 'last line without newline']);
    expect(await sc.textFile(f, 7).collect()).toEqual(['héllo wörld', '', '☃ snow 𝄞', 'last line without newline']);
    const crlf = path.join(tmp, 'crlf.txt');
    fs.writeFileSync(crlf, 'a\r\nb\r\n\r\nc\r\n');
    expect(await sc.textFile(crlf, 3).collect()).toEqual(['a', 'b', '', 'c']);
    const empty = path.join(tmp, 'empty.txt');
    fs.writeFileSync(empty, '');
    expect(await sc.textFile(empty).collect()).toEqual([]);
    const nl = path.join(tmp, 'nl.txt');
    fs.writeFileSync(nl, '\n');
    expect(await sc.textFile(nl, 3).collect()).toEqual(['']);
  });

  test('the word count of DESIGN.md section 3', async () => {
    const f = path.join(tmp, 'words.txt');
    const text = 'the quick brown fox\njumps over the lazy dog\n\nthe end  the\n';
    fs.writeFileSync(f, text);
    const counts = sc
      .textFile(f, 4)
      .flatMap((line) => line.split(/\s+/))
      .filter((w) => w.length > 0)
      .map((w) => [w, 1] as [string, number])
      .reduceByKey((a, b) => a + b);
    const top = await counts.takeOrdered(2, ([, n]) => -n);
    expect(top[0]).toEqual(['the', 4]);
    const plain = new Map<string, number>();
    for (const w of text.split(/\s+/).filter((w) => w.length > 0)) plain.set(w, (plain.get(w) ?? 0) + 1);
    expect(bag(await counts.collect())).toEqual(bag([...plain.entries()]));
  });

  test('directories, globs, comma lists, gzip; hidden and _ files are skipped', async () => {
    const dir = path.join(tmp, 'dir');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'b.txt'), 'b1\nb2\n');
    fs.writeFileSync(path.join(dir, 'a.txt'), 'a1\na2');
    fs.writeFileSync(path.join(dir, 'c.log'), 'c1\n');
    fs.writeFileSync(path.join(dir, '_SUCCESS'), '');
    fs.writeFileSync(path.join(dir, '.hidden'), 'h\n');
    const zlib = await import('node:zlib');
    fs.writeFileSync(path.join(dir, 'd.txt.gz'), zlib.gzipSync('d1\r\nd2\nd3'));
    expect(await sc.textFile(dir).collect()).toEqual(['a1', 'a2', 'b1', 'b2', 'c1', 'd1', 'd2', 'd3']);
    expect(await sc.textFile(path.join(dir, '*.txt')).collect()).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(await sc.textFile(path.join(dir, '*.{log,gz}'), 5).collect()).toEqual(['c1', 'd1', 'd2', 'd3']);
    expect(await sc.textFile(`${path.join(dir, 'c.log')},${path.join(dir, 'a.txt')}`).collect()).toEqual(['c1', 'a1', 'a2']);
    expect(await sc.textFile(path.join(dir, 'd.txt.gz'), 8).collect()).toEqual(['d1', 'd2', 'd3']);
    expect(() => sc.textFile(path.join(tmp, 'nope', '*.txt'))).toThrow(/matches no files/);
    expect(() => sc.textFile(path.join(tmp, 'missing.txt'))).toThrow(/does not exist/);

    const whole = await sc.wholeTextFiles(dir).collect();
    expect(whole.map(([p, c]) => [path.basename(p.replace(/^file:/, '')), c])).toEqual([
      ['a.txt', 'a1\na2'],
      ['b.txt', 'b1\nb2\n'],
      ['c.log', 'c1\n'],
      ['d.txt.gz', 'd1\r\nd2\nd3'],
    ]);
    expect(whole.every(([p]) => fs.existsSync(p.replace(/^file:/, '')))).toBe(true);
    const w3 = sc.wholeTextFiles(path.join(dir, '*.txt'), 3);
    expect(bag((await w3.collect()).map(([p]) => path.basename(p)))).toEqual(['a.txt', 'b.txt']);
  });

  test('every line is read by exactly one partition, for many split counts', async () => {
    const f = path.join(tmp, 'many.txt');
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) lines.push(i % 17 === 0 ? '' : `${i} ${'ab☃'.repeat(i % 13)}${i % 5 === 0 ? '\r' : ''}`);
    const text = lines.join('\n');
    fs.writeFileSync(f, text);
    const expected = fs.readFileSync(f, 'utf8').split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    for (const k of [1, 2, 3, 7, 31, 200]) {
      const got = await sc.textFile(f, k).collect();
      expect(got.length).toBe(expected.length);
      expect(got).toEqual(expected);
    }
  });

  test('sc.union of text and parallelized data', async () => {
    const f = path.join(tmp, 'u.txt');
    fs.writeFileSync(f, 'Hello\n');
    const u = sc.union([sc.textFile(f), sc.parallelize(['World!'])]);
    expect(bag(await u.collect())).toEqual(['Hello', 'World!']);
  });
});

describe('shared variables', () => {
  test('broadcast (PySpark doctest)', async () => {
    const b = sc.broadcast([1, 2, 3, 4, 5]);
    expect(b.value).toEqual([1, 2, 3, 4, 5]);
    expect(await sc.parallelize([0, 0]).flatMap(() => b.value, { b }).collect()).toEqual([1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
    const table = sc.broadcast(new Map([['a', 1], ['b', 2]]));
    expect(await sc.parallelize(['a', 'b', 'c'], 3).map((k) => table.value.get(k) ?? 0, { table }).collect()).toEqual([1, 2, 0]);
  });

  test('accumulator (PySpark doctest)', async () => {
    const a = sc.accumulator(1);
    expect(a.value).toBe(1);
    a.value = 2;
    expect(a.value).toBe(2);
    a.add(5);
    expect(a.value).toBe(7);
    const rdd = sc.parallelize([1, 2, 3]);
    await rdd.foreach((x) => a.add(x), { a });
    expect(a.value).toBe(13);
  });
});

describe('checks of canon helper', () => {
  test('canon separates types and compares arrays by value', () => {
    expect(canon([1, 'a'])).toBe(canon([1, 'a']));
    expect(canon(1)).not.toBe(canon('1'));
    expect(canon(null)).not.toBe(canon('null'));
  });
});
