/**
 * Pair RDD methods against plain-JS answers, with PySpark's doctests as cases:
 * keys compare by value (arrays, null), duplicate keys, empty inputs and
 * partitionings. One local[2] context for the file.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import { HashPartitioner } from './partitioner.ts';
import { bag, canon, cogroupPairs, groupPairs, joinPairs, normalizeGroups, plainCompare, reducePairs } from '../testing/plain.ts';

let sc: FlintContext;

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'pair-test', progress: false });
});

afterAll(async () => {
  await sc?.stop();
});

const add = (a: number, b: number): number => a + b;
type P<K, V> = [K, V];

/** Pairs with composite, null, string and numeric keys, duplicated. */
const mixedPairs: P<unknown, number>[] = [
  [[1, 'a'], 1],
  ['x', 2],
  [null, 3],
  [[1, 'a'], 4],
  [7, 5],
  [null, 6],
  [[1, ['a']], 7],
  ['x', 8],
  [[1, 'a'], 9],
  [[], 10],
  [[], 11],
  [true, 12],
  ['7', 13],
  [7, 14],
  [{ b: 1, a: [2] }, 15],
  [{ a: [2], b: 1 }, 16],
  [0, 18],
];

describe('per-key aggregation', () => {
  test('reduceByKey, foldByKey, groupByKey (PySpark doctests)', async () => {
    const rdd = sc.parallelize<P<string, number>>([
      ['a', 1],
      ['b', 1],
      ['a', 1],
    ]);
    expect(bag(await rdd.reduceByKey(add).collect())).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(bag(await rdd.foldByKey(0, add).collect())).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(bag(await rdd.groupByKey().mapValues((vs) => vs.length).collect())).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(normalizeGroups(await rdd.groupByKey().collect())).toEqual([
      ['a', [1, 1]],
      ['b', [1]],
    ]);
  });

  test('keys compare by value: arrays, null, mixed types', async () => {
    for (const k of [1, 3, 20]) {
      const rdd = sc.parallelize(mixedPairs, k);
      expect(bag(await rdd.reduceByKey(add).collect())).toEqual(bag(reducePairs(mixedPairs, add)));
      expect(bag(await rdd.reduceByKey(add, 5).collect())).toEqual(bag(reducePairs(mixedPairs, add)));
      expect(normalizeGroups(await rdd.groupByKey().collect())).toEqual(normalizeGroups(groupPairs(mixedPairs)));
      expect(normalizeGroups(await rdd.groupByKey(1).collect())).toEqual(normalizeGroups(groupPairs(mixedPairs)));
      expect(bag(await rdd.foldByKey(0, add, 4).collect())).toEqual(bag(reducePairs(mixedPairs, add)));
    }
    // Array keys built on different executors and in different partitions meet.
    const built = await sc
      .parallelize([0, 1, 2, 3, 4, 5, 6, 7], 4)
      .map((i) => [[i % 2, 'k'], i] as P<[number, string], number>)
      .reduceByKey(add)
      .collect();
    expect(bag(built)).toEqual(bag([[[0, 'k'], 12], [[1, 'k'], 16]]));
  });

  test('-0 and 0 are one key, and NaN is one key', async () => {
    const got = await sc
      .parallelize<[number, number]>(
        [
          [-0, 1],
          [0, 2],
          [NaN, 3],
          [NaN, 4],
        ],
        4,
      )
      .reduceByKey(add)
      .collect();
    expect(got.length).toBe(2);
    const zero = got.find(([k]) => k === 0)!;
    expect(zero[1]).toBe(3);
    expect(got.find(([k]) => Number.isNaN(k))![1]).toBe(7);
  });

  test('foldByKey applies the zero once per key and partition', async () => {
    // Spark folds the zero into every partition's combiner: with zero 10 and 3 partitions holding key 'a', 30 extra.
    const data: P<string, number>[] = [
      ['a', 1],
      ['a', 2],
      ['a', 3],
    ];
    expect(await sc.parallelize(data, 3).foldByKey(10, add).collect()).toEqual([['a', 36]]);
    expect(await sc.parallelize(data, 1).foldByKey(10, add).collect()).toEqual([['a', 16]]);
  });

  test('aggregateByKey (PySpark doctest) and with a mutable zero', async () => {
    const rdd = sc.parallelize<P<string, number>>([
      ['a', 1],
      ['b', 1],
      ['a', 2],
    ]);
    const seqFunc = (x: [number, number], y: number): [number, number] => [x[0] + y, x[1] + 1];
    const combFunc = (x: [number, number], y: [number, number]): [number, number] => [x[0] + y[0], x[1] + y[1]];
    expect(bag(await rdd.aggregateByKey([0, 0] as [number, number], seqFunc, combFunc).collect())).toEqual([
      ['a', [3, 2]],
      ['b', [1, 1]],
    ]);
    const pairs: P<number, number>[] = Array.from({ length: 60 }, (_, i) => [i % 4, i]);
    const got = await sc
      .parallelize(pairs, 5)
      .aggregateByKey(
        [] as number[],
        (acc, v) => {
          acc.push(v);
          return acc;
        },
        (a, b) => a.concat(b),
        3,
      )
      .collect();
    expect(normalizeGroups(got)).toEqual(normalizeGroups(groupPairs(pairs)));
  });

  test('combineByKey (PySpark doctest), with partitions and env', async () => {
    const x = sc.parallelize<P<string, number>>([
      ['a', 1],
      ['b', 1],
      ['a', 2],
    ]);
    const toList = (a: number): number[] => [a];
    const append = (a: number[], b: number): number[] => {
      a.push(b);
      return a;
    };
    const extend = (a: number[], b: number[]): number[] => {
      a.push(...b);
      return a;
    };
    expect(normalizeGroups(await x.combineByKey(toList, append, extend).collect())).toEqual([
      ['a', [1, 2]],
      ['b', [1]],
    ]);
    const scale = 10;
    const got = await sc
      .parallelize(mixedPairs, 4)
      .combineByKey(
        (v) => v * scale,
        (c, v) => c + v * scale,
        (a, b) => a + b,
        3,
        { scale },
      )
      .collect();
    expect(bag(got)).toEqual(bag(reducePairs(mixedPairs, add).map(([k, v]) => [k, v * 10])));
    const got2 = await sc
      .parallelize(mixedPairs, 4)
      .combineByKey(
        (v) => v * scale,
        (c, v) => c + v * scale,
        (a, b) => a + b,
        { scale },
      )
      .collect();
    expect(bag(got2)).toEqual(bag(got));
  });

  test('reduceByKey with env and numPartitions', async () => {
    const m = 1000;
    const pairs: P<number, number>[] = Array.from({ length: 300 }, (_, i) => [i % 13, i]);
    const got = await sc.parallelize(pairs, 4).reduceByKey((a, b) => (a + b) % m, 7, { m }).collect();
    expect(bag(got)).toEqual(bag(reducePairs(pairs, (a, b) => (a + b) % 1000)));
    const got2 = await sc.parallelize(pairs, 4).reduceByKey((a, b) => (a + b) % m, { m }).collect();
    expect(bag(got2)).toEqual(bag(got));
    expect(sc.parallelize(pairs, 4).reduceByKey(add, 7).getNumPartitions()).toBe(7);
    expect(sc.parallelize(pairs, 4).reduceByKey(add).getNumPartitions()).toBe(4);
  });

  test('empty inputs', async () => {
    const e = sc.emptyRDD<P<string, number>>();
    expect(await e.reduceByKey(add).collect()).toEqual([]);
    expect(await e.groupByKey().collect()).toEqual([]);
    expect(await e.sortByKey().collect()).toEqual([]);
    expect(await e.join(sc.parallelize<P<string, number>>([['a', 1]])).collect()).toEqual([]);
    expect(await e.fullOuterJoin(sc.parallelize<P<string, number>>([['a', 1]])).collect()).toEqual([['a', [null, 1]]]);
    expect(await e.countByKey()).toEqual(new Map());
    expect(await e.collectAsMap()).toEqual(new Map());
    expect(await e.lookup('a')).toEqual([]);
    expect(await sc.parallelize<P<string, number>>([], 4).reduceByKey(add).collect()).toEqual([]);
  });
});

describe('flint.default.parallelism', () => {
  test('sets the partitions of parallelize and of shuffles without an explicit count', async () => {
    const sc5 = await FlintContext.create({ master: 'local[2]', progress: false, conf: { 'flint.default.parallelism': 5 } });
    try {
      expect(sc5.defaultParallelism).toBe(5);
      const r = sc5.parallelize(mixedPairs);
      expect(r.getNumPartitions()).toBe(5);
      const reduced = sc5.parallelize(mixedPairs, 2).reduceByKey(add);
      expect(reduced.getNumPartitions()).toBe(5);
      expect(bag(await reduced.collect())).toEqual(bag(reducePairs(mixedPairs, add)));
      expect(sc5.parallelize(mixedPairs, 2).join(sc5.parallelize(mixedPairs, 3)).getNumPartitions()).toBe(5);
    } finally {
      await sc5.stop();
    }
  });
});

describe('simple pair transformations', () => {
  test('mapValues, flatMapValues, keys, values (PySpark doctests)', async () => {
    const x = sc.parallelize<P<string, string[]>>([
      ['a', ['apple', 'banana', 'lemon']],
      ['b', ['grapes']],
    ]);
    expect(await x.mapValues((v) => v.length).collect()).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
    const y = sc.parallelize<P<string, string[]>>([
      ['a', ['x', 'y', 'z']],
      ['b', ['p', 'r']],
    ]);
    expect(await y.flatMapValues((v) => v).collect()).toEqual([
      ['a', 'x'],
      ['a', 'y'],
      ['a', 'z'],
      ['b', 'p'],
      ['b', 'r'],
    ]);
    const m = sc.parallelize<P<number, number>>([
      [1, 2],
      [3, 4],
    ]);
    expect(await m.keys().collect()).toEqual([1, 3]);
    expect(await m.values().collect()).toEqual([2, 4]);
  });
});

describe('sorting', () => {
  test('sortByKey (PySpark doctests)', async () => {
    const tmp: P<string, number>[] = [
      ['a', 1],
      ['b', 2],
      ['1', 3],
      ['d', 4],
      ['2', 5],
    ];
    expect(await sc.parallelize(tmp).sortByKey().first()).toEqual(['1', 3]);
    const sorted = [
      ['1', 3],
      ['2', 5],
      ['a', 1],
      ['b', 2],
      ['d', 4],
    ];
    expect(await sc.parallelize(tmp).sortByKey(true, 1).collect()).toEqual(sorted);
    expect(await sc.parallelize(tmp).sortByKey(true, 2).collect()).toEqual(sorted);
    const tmp2: P<string, number>[] = [
      ['Mary', 1],
      ['had', 2],
      ['a', 3],
      ['little', 4],
      ['lamb', 5],
      ['whose', 6],
      ['fleece', 7],
      ['was', 8],
      ['white', 9],
    ];
    expect(await sc.parallelize(tmp2).sortByKey(true, 3, (k) => k.toLowerCase()).collect()).toEqual([
      ['a', 3],
      ['fleece', 7],
      ['had', 2],
      ['lamb', 5],
      ['little', 4],
      ['Mary', 1],
      ['was', 8],
      ['white', 9],
      ['whose', 6],
    ]);
  });

  test('sortByKey over many partitionings, descending, with duplicates; partitions hold ranges', async () => {
    const keys = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 331);
    const pairs: P<number, number>[] = keys.map((k, i) => [k, i]);
    for (const [inParts, outParts] of [
      [1, 1],
      [4, 3],
      [3, 8],
      [7, 400],
    ]) {
      const asc = sc.parallelize(pairs, inParts).sortByKey(true, outParts);
      const got = await asc.collect();
      expect(got.map((p) => p[0])).toEqual([...keys].sort((a, b) => a - b));
      expect(bag(got)).toEqual(bag(pairs));
      const parts = await asc.glom().collect();
      expect(parts.length).toBe(outParts);
      const desc = await sc.parallelize(pairs, inParts).sortByKey(false, outParts).collect();
      expect(desc.map((p) => p[0])).toEqual([...keys].sort((a, b) => b - a));
    }
    // All keys equal, more partitions than keys.
    const same = await sc.parallelize<P<string, number>>(Array.from({ length: 50 }, (_, i) => ['k', i]), 3).sortByKey(true, 10).collect();
    expect(same.length).toBe(50);
    expect(bag(same.map((p) => p[1]))).toEqual(bag(Array.from({ length: 50 }, (_, i) => i)));
  });

  test('sortByKey sorts mixed keys by the documented total order', async () => {
    const ks: unknown[] = ['b', 3, null, [1, 'a'], -2.5, true, 'a', [1], false, [0, 'z', 1], 10, '', [1, 'a', 0], [], null];
    const pairs = ks.map((k, i) => [k, i] as P<unknown, number>);
    const expected = [...ks].sort(plainCompare);
    for (const n of [1, 2, 5]) {
      const got = await sc.parallelize(pairs, 3).sortByKey(true, n).keys().collect();
      expect(got).toEqual(expected);
      const desc = await sc.parallelize(pairs, 3).sortByKey(false, n).keys().collect();
      expect(desc).toEqual([...expected].reverse());
    }
  });

  test('repartitionAndSortWithinPartitions (PySpark doctest)', async () => {
    const rdd = sc.parallelize<P<number, number>>([
      [0, 5],
      [3, 8],
      [2, 6],
      [0, 8],
      [3, 8],
      [1, 3],
    ]);
    const rdd2 = rdd.repartitionAndSortWithinPartitions(2, (x) => x % 2, true);
    expect(await rdd2.glom().collect()).toEqual([
      [
        [0, 5],
        [0, 8],
        [2, 6],
      ],
      [
        [1, 3],
        [3, 8],
        [3, 8],
      ],
    ]);
    const pairs: P<number, string>[] = Array.from({ length: 300 }, (_, i) => [(i * 37) % 101, `v${i}`]);
    const parts = await sc.parallelize(pairs, 3).repartitionAndSortWithinPartitions(4, undefined, false).glom().collect();
    expect(parts.length).toBe(4);
    expect(bag(parts.flat())).toEqual(bag(pairs));
    for (const p of parts) for (let i = 1; i < p.length; i++) expect(p[i - 1]![0]).toBeGreaterThanOrEqual(p[i]![0]);
    // Hash partitioning: each key lives in one partition.
    const owner = new Map<number, number>();
    parts.forEach((p, i) => {
      for (const [k] of p) {
        expect(owner.get(k) ?? i).toBe(i);
        owner.set(k, i);
      }
    });
  });
});

describe('partitionBy', () => {
  test('PySpark doctest: no key in two partitions', async () => {
    const pairs = sc.parallelize([1, 2, 3, 4, 2, 4, 1]).map((x) => [x, x] as P<number, number>);
    const sets = await pairs.partitionBy(2).glom().collect();
    const a = new Set(sets[0]!.map((p) => p[0]));
    expect(sets[1]!.filter((p) => a.has(p[0]))).toEqual([]);
    expect(bag(sets.flat())).toEqual(bag([1, 2, 3, 4, 2, 4, 1].map((x) => [x, x])));
  });

  test('a custom partition function, array keys, and reuse of the partitioning', async () => {
    const pairs: P<[number, string], number>[] = Array.from({ length: 40 }, (_, i) => [[i % 5, 'k'], i]);
    const byFirst = sc.parallelize(pairs, 3).partitionBy(5, (k) => k[0]);
    const parts = await byFirst.glom().collect();
    parts.forEach((p, i) => {
      for (const [k] of p) expect(k[0]).toBe(i);
    });
    const hashed = sc.parallelize(pairs, 3).partitionBy(new HashPartitioner(4));
    expect(hashed.partitionBy(new HashPartitioner(4))).toBe(hashed);
    // Aggregating by the same partitioner needs no shuffle and gives the same answer.
    const grouped = await hashed.groupByKey(new HashPartitioner(4)).collect();
    expect(normalizeGroups(grouped)).toEqual(normalizeGroups(groupPairs(pairs)));
    const reduced = await hashed.mapValues((v) => v * 2).reduceByKey(add, 4).collect();
    expect(bag(reduced)).toEqual(bag(reducePairs(pairs.map(([k, v]) => [k, v * 2] as P<[number, string], number>), add)));
  });
});

describe('joins', () => {
  test('join, leftOuterJoin, rightOuterJoin, fullOuterJoin (PySpark doctests)', async () => {
    const x = sc.parallelize<P<string, number>>([
      ['a', 1],
      ['b', 4],
    ]);
    const y = sc.parallelize<P<string, number>>([
      ['a', 2],
      ['a', 3],
    ]);
    expect(bag(await x.join(y).collect())).toEqual([
      ['a', [1, 2]],
      ['a', [1, 3]],
    ]);
    const y2 = sc.parallelize<P<string, number>>([['a', 2]]);
    expect(bag(await x.leftOuterJoin(y2).collect())).toEqual([
      ['a', [1, 2]],
      ['b', [4, null]],
    ]);
    expect(bag(await y2.rightOuterJoin(x).collect())).toEqual([
      ['a', [2, 1]],
      ['b', [null, 4]],
    ]);
    const y3 = sc.parallelize<P<string, number>>([
      ['a', 2],
      ['c', 8],
    ]);
    expect(bag(await x.fullOuterJoin(y3).collect())).toEqual([
      ['a', [1, 2]],
      ['b', [4, null]],
      ['c', [null, 8]],
    ]);
  });

  test('joins with array, null and duplicate keys against a plain join', async () => {
    const left = mixedPairs;
    const right: P<unknown, string>[] = [
      [[1, 'a'], 'r1'],
      [null, 'r2'],
      [[1, 'a'], 'r3'],
      ['zzz', 'r4'],
      [[], 'r5'],
      ['7', 'r6'],
      [[1, ['a']], 'r7'],
    ];
    for (const [lp, rp, n] of [
      [1, 1, undefined],
      [3, 2, undefined],
      [4, 5, 3],
      [2, 2, 1],
    ] as const) {
      const l = sc.parallelize(left, lp);
      const r = sc.parallelize(right, rp);
      expect(bag(await l.join(r, n).collect())).toEqual(bag(joinPairs(left, right, 'inner')));
      expect(bag(await l.leftOuterJoin(r, n).collect())).toEqual(bag(joinPairs(left, right, 'left')));
      expect(bag(await l.rightOuterJoin(r, n).collect())).toEqual(bag(joinPairs(left, right, 'right')));
      expect(bag(await l.fullOuterJoin(r, n).collect())).toEqual(bag(joinPairs(left, right, 'full')));
    }
  });

  test('joins of string keys read by column: short, long, non-Latin-1 and repeated keys on both sides', async () => {
    // Either side is the smaller one once, so each is the probe side (read by column) once.
    const check = async <V, W>(x: P<string, V>[], y: P<string, W>[]): Promise<void> => {
      const a = sc.parallelize(x, 3);
      const b = sc.parallelize(y, 2);
      expect(bag(await a.join(b, 4).collect())).toEqual(bag(joinPairs(x, y, 'inner')));
      expect(bag(await a.leftOuterJoin(b, 4).collect())).toEqual(bag(joinPairs(x, y, 'left')));
      expect(bag(await a.rightOuterJoin(b, 4).collect())).toEqual(bag(joinPairs(x, y, 'right')));
      expect(bag(await a.fullOuterJoin(b, 4).collect())).toEqual(bag(joinPairs(x, y, 'full')));
    };
    // Keys of every length from 0 to 9 (packed in the table up to 7) and 70; frames of ASCII keys
    // only (looked up by their bytes) and frames with wide characters too (by their text).
    const ascii = ['', 'a', 'k1', 'k12345', 'x'.repeat(70)];
    for (const names of [ascii, [...ascii, 'caf\u00e9', '\u03bb\u03bb', '\u{1F600}']]) {
      const universe = names.flatMap((b) => [b, ...Array.from({ length: 12 }, (_, j) => `${b}${j * 37}`)]);
      const left: P<string, number>[] = Array.from({ length: 3000 }, (_, i) => [i % 9 === 0 ? `left-only${i}` : universe[i % universe.length]!, i]);
      const right: P<string, string>[] = Array.from({ length: 500 }, (_, i) => [i % 6 === 0 ? `right-only${i}` : universe[(i * 7) % universe.length]!, `r${i}`]);
      await check(left, right);
      await check(right, left);
    }
  });

  test('self-join and join of co-partitioned inputs', async () => {
    const pairs: P<number, number>[] = Array.from({ length: 30 }, (_, i) => [i % 6, i]);
    const r = sc.parallelize(pairs, 3);
    expect(bag(await r.join(r).collect())).toEqual(bag(joinPairs(pairs, pairs, 'inner')));
    const a = r.partitionBy(4);
    const b = sc.parallelize<P<number, string>>(Array.from({ length: 10 }, (_, i) => [i, `s${i}`]), 2).partitionBy(4);
    const bPairs: P<number, string>[] = Array.from({ length: 10 }, (_, i) => [i, `s${i}`]);
    expect(bag(await a.join(b).collect())).toEqual(bag(joinPairs(pairs, bPairs, 'inner')));
    expect(bag(await a.fullOuterJoin(b).collect())).toEqual(bag(joinPairs(pairs, bPairs, 'full')));
  });
});

describe('cogroup and friends', () => {
  test('cogroup and groupWith (PySpark doctests): values are arrays', async () => {
    const x = sc.parallelize<P<string, number>>([
      ['a', 1],
      ['b', 4],
    ]);
    const y = sc.parallelize<P<string, number>>([['a', 2]]);
    expect(bag(await x.cogroup(y).collect())).toEqual([
      ['a', [[1], [2]]],
      ['b', [[4], []]],
    ]);
    const w = sc.parallelize<P<string, number>>([
      ['a', 5],
      ['b', 6],
    ]);
    const z = sc.parallelize<P<string, number>>([['b', 42]]);
    expect(bag(await w.groupWith(x, y, z).collect())).toEqual([
      ['a', [[5], [1], [2], []]],
      ['b', [[6], [4], [], [42]]],
    ]);
  });

  test('keyBy then cogroup (PySpark doctest)', async () => {
    const x = sc.parallelize([0, 1, 2]).keyBy((x) => x * x);
    const y = sc.parallelize<P<number, number>>([0, 1, 2, 3, 4].map((i) => [i, i]));
    expect(bag(await x.cogroup(y).collect())).toEqual([
      [0, [[0], [0]]],
      [1, [[1], [1]]],
      [2, [[], [2]]],
      [3, [[], [3]]],
      [4, [[2], [4]]],
    ]);
  });

  test('cogroup against a plain model with composite keys', async () => {
    const other: P<unknown, number>[] = [
      [[1, 'a'], 100],
      [null, 200],
      ['q', 300],
      [[1, 'a'], 400],
    ];
    for (const n of [undefined, 1, 4]) {
      const got = await sc.parallelize(mixedPairs, 3).cogroup(sc.parallelize(other, 2), n).collect();
      const norm = (g: [unknown, unknown[][]][]): unknown[] => bag(g.map(([k, vs]) => [k, vs.map((v) => bag(v))]));
      expect(norm(got as [unknown, unknown[][]][])).toEqual(norm(cogroupPairs([mixedPairs, other])));
    }
  });

  test('subtractByKey (PySpark doctest) and with composite keys', async () => {
    const x = sc.parallelize<P<string, number>>([
      ['a', 1],
      ['b', 4],
      ['b', 5],
      ['a', 2],
    ]);
    const y = sc.parallelize<P<string, number | null>>([
      ['a', 3],
      ['c', null],
    ]);
    expect(bag(await x.subtractByKey(y).collect())).toEqual([
      ['b', 4],
      ['b', 5],
    ]);
    const drop: P<unknown, number>[] = [
      [[1, 'a'], 0],
      [null, 0],
    ];
    const removed = new Set(drop.map((d) => canon(d[0])));
    expect(bag(await sc.parallelize(mixedPairs, 3).subtractByKey(sc.parallelize(drop), 2).collect())).toEqual(
      bag(mixedPairs.filter(([k]) => !removed.has(canon(k)))),
    );
  });

  test('sampleByKey (PySpark doctest)', async () => {
    const fractions = { a: 0.2, b: 0.1 };
    const rdd = sc.parallelize(Object.keys(fractions)).cartesian(sc.parallelize(Array.from({ length: 1000 }, (_, i) => i)));
    const sample = new Map(await rdd.sampleByKey(false, fractions, 2).groupByKey().collect());
    const a = sample.get('a')!;
    const b = sample.get('b')!;
    expect(a.length).toBeGreaterThan(100);
    expect(a.length).toBeLessThan(300);
    expect(b.length).toBeGreaterThan(50);
    expect(b.length).toBeLessThan(150);
    expect(Math.max(...a)).toBeLessThanOrEqual(999);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    const withMap = await sc
      .parallelize<P<unknown, number>>(Array.from({ length: 400 }, (_, i) => [i % 2 === 0 ? [1, 'x'] : null, i]), 3)
      .sampleByKey(true, new Map<unknown, number>([[[1, 'x'], 1.5], [null, 0]]), 5)
      .collect();
    expect(withMap.every(([k]) => canon(k) === canon([1, 'x']))).toBe(true);
    expect(withMap.length).toBeGreaterThan(200);
    expect(withMap.length).toBeLessThan(400);
  });
});

describe('pair actions', () => {
  test('countByKey and reduceByKeyLocally (PySpark doctests)', async () => {
    const rdd = sc.parallelize<P<string, number>>([
      ['a', 1],
      ['b', 1],
      ['a', 1],
    ]);
    expect(bag([...(await rdd.countByKey()).entries()])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(bag([...(await rdd.reduceByKeyLocally(add)).entries()])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    const counts = await sc.parallelize(mixedPairs, 4).countByKey();
    expect(bag([...counts.entries()])).toEqual(bag(groupPairs(mixedPairs).map(([k, vs]) => [k, vs.length])));
    const local = await sc.parallelize(mixedPairs, 4).reduceByKeyLocally(add);
    expect(bag([...local.entries()])).toEqual(bag(reducePairs(mixedPairs, add)));
  });

  test('collectAsMap (PySpark doctest): a Map, the last value of a key wins', async () => {
    const m = await sc
      .parallelize<P<number, number>>([
        [1, 2],
        [3, 4],
      ])
      .collectAsMap();
    expect(m).toBeInstanceOf(Map);
    expect(m.get(1)).toBe(2);
    expect(m.get(3)).toBe(4);
    const dup = await sc
      .parallelize<P<string, number>>(
        [
          ['k', 1],
          ['k', 2],
          ['j', 0],
          ['k', 3],
        ],
        3,
      )
      .collectAsMap();
    expect([...dup.entries()].sort()).toEqual([
      ['j', 0],
      ['k', 3],
    ]);
    const comp = await sc.parallelize(mixedPairs, 3).collectAsMap();
    expect(comp.size).toBe(groupPairs(mixedPairs).length);
  });

  test('lookup (PySpark doctests), on plain, sorted, hashed and grouped RDDs', async () => {
    const l = Array.from({ length: 1000 }, (_, i) => i);
    const rdd = sc.parallelize<P<number, number>>(l.map((i) => [i, i]), 10);
    expect(await rdd.lookup(42)).toEqual([42]);
    const sorted = rdd.sortByKey();
    expect(await sorted.lookup(42)).toEqual([42]);
    expect(await sorted.lookup(1024)).toEqual([]);
    const rdd2 = sc.parallelize<P<[string, string], string>>([[['a', 'b'], 'c']]).groupByKey();
    expect(await rdd2.lookup(['a', 'b'])).toEqual([['c']]);
    const hashed = sc.parallelize(mixedPairs, 3).partitionBy(4);
    for (const [k, vs] of groupPairs(mixedPairs)) {
      expect(bag(await hashed.lookup(k))).toEqual(bag(vs));
      expect(bag(await sc.parallelize(mixedPairs, 3).lookup(k))).toEqual(bag(vs));
    }
    expect(await hashed.lookup('absent')).toEqual([]);
  });
});

describe('binary values through a shuffle', () => {
  test('Buffer values keep their bytes when a reduce task reads more than one read buffer of a block', async () => {
    // 300-byte values, ~4.5 MB per block: a reader's 1 MiB buffer is refilled many times while
    // earlier values are still held by groupByKey.
    const n = 60_000;
    const bytesOf = (i: number): number[] => [i & 255, (i >> 8) & 255, (i >> 16) & 255, ...new Array<number>(297).fill(i % 251)];
    const got = await sc
      .range(0, n, 1, 2)
      .map((i) => [i % 7, Buffer.from(bytesOf(i))] as [number, Buffer], { bytesOf })
      .groupByKey(2)
      .collect();
    const seen = new Map<number, number>();
    for (const [k, vs] of got) {
      for (const v of vs) {
        const i = v[0]! | (v[1]! << 8) | (v[2]! << 16);
        if (!(v instanceof Uint8Array) || !Buffer.from(bytesOf(i)).equals(v) || i % 7 !== k) {
          expect([k, [...v]]).toEqual([i % 7, bytesOf(i)]);
        }
        seen.set(i, (seen.get(i) ?? 0) + 1);
      }
    }
    expect(seen.size).toBe(n);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
  });
});
