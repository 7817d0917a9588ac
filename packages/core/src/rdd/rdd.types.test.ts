/**
 * The RDD API's types, checked by the compiler (`tsc -p tsconfig.json`, the
 * package's build): element types flow through transformations, pair methods
 * exist only on RDDs of pairs, and results are typed as DESIGN.md section 3 says.
 * The functions below are never called; vitest only sees that they exist.
 */
import { describe, expect, expectTypeOf, test } from 'vitest';
import type { FlintContext } from '../context.ts';
import type { StatCounter } from '../util/stat-counter.ts';
import type { RDD } from './rdd.ts';

function elementTypes(sc: FlintContext): void {
  const nums = sc.parallelize([1, 2, 3]);
  expectTypeOf(nums).toEqualTypeOf<RDD<number>>();
  expectTypeOf(nums.map((x) => String(x))).toEqualTypeOf<RDD<string>>();
  expectTypeOf(nums.map((x) => [x, x > 1] as [number, boolean])).toEqualTypeOf<RDD<[number, boolean]>>();
  expectTypeOf(nums.flatMap((x) => [x, x])).toEqualTypeOf<RDD<number>>();
  expectTypeOf(nums.flatMap((x) => new Set([String(x)]))).toEqualTypeOf<RDD<string>>();
  expectTypeOf(nums.filter((x) => x > 1)).toEqualTypeOf<RDD<number>>();
  expectTypeOf(nums.mapPartitions((it) => [...it].map((x) => x.toFixed(1)))).toEqualTypeOf<RDD<string>>();
  expectTypeOf(nums.mapPartitionsWithIndex((i, it) => [i, ...it])).toEqualTypeOf<RDD<number>>();
  expectTypeOf(nums.glom()).toEqualTypeOf<RDD<number[]>>();
  expectTypeOf(nums.keyBy((x) => `k${x}`)).toEqualTypeOf<RDD<[string, number]>>();
  expectTypeOf(nums.groupBy((x) => x % 2)).toEqualTypeOf<RDD<[number, number[]]>>();
  expectTypeOf(nums.sortBy((x) => -x)).toEqualTypeOf<RDD<number>>();
  expectTypeOf(nums.zip(sc.parallelize(['a']))).toEqualTypeOf<RDD<[number, string]>>();
  expectTypeOf(nums.zipWithIndex()).toEqualTypeOf<RDD<[number, number]>>();
  expectTypeOf(nums.cartesian(sc.parallelize([true]))).toEqualTypeOf<RDD<[number, boolean]>>();
  expectTypeOf(nums.union(nums).distinct().coalesce(1).repartition(2)).toEqualTypeOf<RDD<number>>();
  expectTypeOf(nums.randomSplit([1, 1])).toEqualTypeOf<RDD<number>[]>();
  expectTypeOf(sc.textFile('x')).toEqualTypeOf<RDD<string>>();
  expectTypeOf(sc.wholeTextFiles('x')).toEqualTypeOf<RDD<[string, string]>>();
  expectTypeOf(sc.range(3)).toEqualTypeOf<RDD<number>>();
  // rdd.sc is the FlintContext itself (rdd.ts declares only RddContext; context.ts augments RDD).
  expectTypeOf(nums.sc).toEqualTypeOf<FlintContext>();
  expectTypeOf(nums.map((x) => x).sc.parallelize(['a'])).toEqualTypeOf<RDD<string>>();

  expectTypeOf(nums.collect()).toEqualTypeOf<Promise<number[]>>();
  expectTypeOf(nums.first()).toEqualTypeOf<Promise<number>>();
  expectTypeOf(nums.take(2)).toEqualTypeOf<Promise<number[]>>();
  expectTypeOf(nums.reduce((a, b) => a + b)).toEqualTypeOf<Promise<number>>();
  expectTypeOf(nums.aggregate('', (acc, x) => acc + x, (a, b) => a + b)).toEqualTypeOf<Promise<string>>();
  expectTypeOf(nums.countByValue()).toEqualTypeOf<Promise<Map<number, number>>>();
  expectTypeOf(nums.stats()).toEqualTypeOf<Promise<StatCounter>>();
  expectTypeOf(nums.histogram(3)).toEqualTypeOf<Promise<[number[], number[]]>>();
  expectTypeOf(nums.toLocalIterator()).toEqualTypeOf<AsyncGenerator<number>>();

  // @ts-expect-error the function must return the element type
  nums.filter((x) => String(x));
  // @ts-expect-error map's function gets a number
  nums.map((x: string) => x);
  const strs = sc.parallelize(['a']);
  // @ts-expect-error numeric actions only exist on RDD<number>
  void strs.sum();
  // @ts-expect-error numeric actions only exist on RDD<number>
  void strs.stats();
  // @ts-expect-error zip with a missing argument
  nums.zip();
}

function pairTypes(sc: FlintContext): void {
  const nums = sc.parallelize([1, 2, 3]);
  // @ts-expect-error reduceByKey needs an RDD of [key, value] pairs
  nums.reduceByKey((a: number, b: number) => a + b);
  // @ts-expect-error groupByKey needs pairs
  nums.groupByKey();
  // @ts-expect-error join needs pairs
  nums.join(sc.parallelize([[1, 'a'] as [number, string]]));
  // @ts-expect-error collectAsMap needs pairs
  void nums.collectAsMap();

  const left = sc.parallelize([['a', 1] as [string, number]]);
  const right = sc.parallelize([['a', true] as [string, boolean]]);
  expectTypeOf(left.join(right)).toEqualTypeOf<RDD<[string, [number, boolean]]>>();
  expectTypeOf(left.leftOuterJoin(right)).toEqualTypeOf<RDD<[string, [number, boolean | null]]>>();
  expectTypeOf(left.rightOuterJoin(right)).toEqualTypeOf<RDD<[string, [number | null, boolean]]>>();
  expectTypeOf(left.fullOuterJoin(right)).toEqualTypeOf<RDD<[string, [number | null, boolean | null]]>>();
  expectTypeOf(left.cogroup(right)).toEqualTypeOf<RDD<[string, [number[], boolean[]]]>>();
  expectTypeOf(left.subtractByKey(right)).toEqualTypeOf<RDD<[string, number]>>();
  expectTypeOf(left.reduceByKey((a, b) => a + b)).toEqualTypeOf<RDD<[string, number]>>();
  expectTypeOf(left.foldByKey(0, (a, b) => a + b)).toEqualTypeOf<RDD<[string, number]>>();
  expectTypeOf(left.aggregateByKey([] as number[], (acc, v) => [...acc, v], (a, b) => [...a, ...b])).toEqualTypeOf<RDD<[string, number[]]>>();
  expectTypeOf(left.combineByKey((v) => String(v), (c, v) => c + v, (a, b) => a + b)).toEqualTypeOf<RDD<[string, string]>>();
  expectTypeOf(left.groupByKey()).toEqualTypeOf<RDD<[string, number[]]>>();
  expectTypeOf(left.mapValues((v) => v > 0)).toEqualTypeOf<RDD<[string, boolean]>>();
  expectTypeOf(left.flatMapValues((v) => [String(v)])).toEqualTypeOf<RDD<[string, string]>>();
  expectTypeOf(left.keys()).toEqualTypeOf<RDD<string>>();
  expectTypeOf(left.values()).toEqualTypeOf<RDD<number>>();
  expectTypeOf(left.sortByKey()).toEqualTypeOf<RDD<[string, number]>>();
  expectTypeOf(left.partitionBy(2)).toEqualTypeOf<RDD<[string, number]>>();
  expectTypeOf(left.collectAsMap()).toEqualTypeOf<Promise<Map<string, number>>>();
  expectTypeOf(left.countByKey()).toEqualTypeOf<Promise<Map<string, number>>>();
  expectTypeOf(left.reduceByKeyLocally((a, b) => a * b)).toEqualTypeOf<Promise<Map<string, number>>>();
  expectTypeOf(left.lookup('a')).toEqualTypeOf<Promise<number[]>>();

  // @ts-expect-error the reduce function works on values (numbers), not strings
  left.reduceByKey((a: string, b: string) => a + b);
  // @ts-expect-error lookup takes a key of the key type
  void left.lookup(1);
  // @ts-expect-error joined values are typed: a number is not a string
  left.join(right).map(([k, [v, w]]): [string, string, boolean] => [k, v, w]);
}

describe('RDD types', () => {
  test('are checked by the compiler', () => {
    expect(typeof elementTypes).toBe('function');
    expect(typeof pairTypes).toBe('function');
  });
});
