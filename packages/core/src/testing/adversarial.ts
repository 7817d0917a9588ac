/**
 * The adversarial checks of issue 13, shared by the unit suites (local[2]) and their cross-process
 * versions (local-cluster[2,1], test/src): each takes a context and generated input, runs the jobs
 * and compares every answer with a plain-JS model (plain.ts, independent of the engine's key code),
 * throwing an Error that says what differed. Free of any test runner, so fast-check properties and
 * plain tests can call them alike. Generators of the inputs sit beside them.
 */
import { inspect, isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { FlintContext } from '../context.ts';
import { compareKeys } from '../keys/ordering.ts';
import type { RDD } from '../rdd/rdd.ts';
import { bytesLines, canon } from './plain.ts';

const show = (v: unknown): string => inspect(v, { depth: 6, maxArrayLength: 20, maxStringLength: 200, breakLength: 160 });

/** Throws unless `actual` and `expected` are equal by node's strict deep equality (types, -0, prototypes). */
export function mustEqual(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) throw new Error(`${what}: got ${show(actual)}, expected ${show(expected)}`);
}

/**
 * Values through collect, a shuffle (partitionBy 3) and a sort by key (descending, 2 partitions)
 * on `spilling` (a context with a small shuffle budget, so the sort spills; padded records outweigh
 * it): each must come back with its type and value, in its place — or as `arrives` says it
 * arrives (instances of user classes arrive as plain objects).
 */
export async function checkCarriedValues(
  sc: FlintContext,
  spilling: FlintContext,
  values: unknown[],
  slices: number,
  arrives: (v: unknown) => unknown = (v) => v,
): Promise<void> {
  const arrived = values.map(arrives);
  mustEqual(await sc.parallelize(values, slices).collect(), arrived, 'collect');
  // Through a shuffle: by index, so the order can be restored.
  const indexed = (vs: unknown[]): [number, unknown][] => vs.map((v, i) => [i, v]);
  const shuffled = (await sc.parallelize(indexed(values), slices).partitionBy(3).collect()).sort((a, b) => a[0] - b[0]);
  mustEqual(shuffled, indexed(arrived), 'through a shuffle');
  const padded = (vs: unknown[]): [number, unknown][] => vs.map((v, i) => [i, [v, 'p'.repeat(800)]]);
  const sorted = await spilling.parallelize(padded(values), slices).sortByKey(false, 2).collect();
  mustEqual(sorted, padded(arrived).reverse(), 'through a spilling sort');
}

/** Rows keyed by their key's canonical form; a key that appears twice is an error. */
function byCanon<T>(rows: Iterable<[unknown, T]>, what: string): Map<string, T> {
  const m = new Map<string, T>();
  for (const [k, x] of rows) {
    if (m.has(canon(k))) throw new Error(`${what}: key ${canon(k)} appears twice`);
    m.set(canon(k), x);
  }
  return m;
}

/**
 * reduceByKey, groupByKey, distinct keys and countByKey over pairs with keys of mixed types,
 * against a model that keys by type and value.
 */
export async function checkMixedKeys(sc: FlintContext, pairs: [unknown, number][], slices: number): Promise<void> {
  const model = new Map<string, { sum: number; values: number[] }>();
  for (const [k, v] of pairs) {
    const e = model.get(canon(k)) ?? { sum: 0, values: [] };
    e.sum += v;
    e.values.push(v);
    model.set(canon(k), e);
  }
  const rdd = sc.parallelize(pairs, slices);
  const sums = byCanon(await rdd.reduceByKey((a, b) => a + b, 3).collect(), 'reduceByKey');
  mustEqual(sums, new Map([...model].map(([c, e]) => [c, e.sum])), 'reduceByKey');
  const groups = byCanon(await rdd.groupByKey(2).collect(), 'groupByKey');
  const sortNums = (xs: number[]): number[] => xs.slice().sort((a, b) => a - b);
  mustEqual(new Map([...groups].map(([c, vs]) => [c, sortNums(vs)])), new Map([...model].map(([c, e]) => [c, sortNums(e.values)])), 'groupByKey');
  const distinctKeys = await rdd.keys().distinct(3).collect();
  mustEqual(distinctKeys.map(canon).sort(), [...model.keys()].sort(), 'distinct keys');
  const counted = byCanon((await rdd.countByKey()).entries(), 'countByKey');
  mustEqual(counted, new Map([...model].map(([c, e]) => [c, e.values.length])), 'countByKey');
}

/** sortByKey over keys of mixed types: one total order, and keys the model calls equal sit together. */
export async function checkSortOrder(sc: FlintContext, keys: unknown[]): Promise<void> {
  const sorted = (await sc.parallelize(keys.map((k, i) => [k, i] as [unknown, number]), 3).sortByKey(true, 3).keys().collect()) as unknown[];
  if (sorted.length !== keys.length) throw new Error(`sortByKey returned ${sorted.length} keys of ${keys.length}`);
  for (let i = 1; i < sorted.length; i++) {
    if (compareKeys(sorted[i - 1], sorted[i]) > 0) throw new Error(`sortByKey: ${show(sorted[i - 1])} before ${show(sorted[i])}`);
  }
  const runs = sorted.map(canon).filter((c, i, a) => i === 0 || a[i - 1] !== c);
  if (new Set(runs).size !== runs.length) throw new Error(`sortByKey: equal keys apart in ${show(runs)}`);
}

/** Byte pieces that make textFile's hard cases likely: terminators, a BOM, multi-byte and broken UTF-8. */
export const bytePiece = fc.oneof(
  fc.constantFrom([10], [13], [13, 10], [0xef, 0xbb, 0xbf], [0xe9], [0xc3, 0xa9], [0xe2, 0x98, 0x83], [0xf0, 0x9d, 0x84, 0x9e], [0xe2, 0x98], [0xff], [0x80], [0xed, 0xa0, 0x80]),
  fc.array(fc.integer({ min: 0x20, max: 0x7e }), { minLength: 1, maxLength: 6 }),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
);
/** A small file's bytes made of such pieces. */
export const fileBytes = fc.array(bytePiece, { maxLength: 40 }).map((ps) => Uint8Array.from(ps.flat()));

/**
 * `sc.textFile(file, n)` for every n of `splitCounts`, read in one job (a union), against the
 * byte-wise reference splitter over `bytes` (the file's content).
 */
export async function checkTextFileSplits(sc: FlintContext, file: string, bytes: Uint8Array, splitCounts: number[]): Promise<void> {
  const expected = bytesLines(bytes);
  const tagged = splitCounts.map((n) => sc.textFile(file, n).map((line) => [n, line] as [number, string], { n }));
  const got = await sc.union(tagged).collect();
  for (const n of splitCounts) {
    mustEqual(
      got.filter(([m]) => m === n).map(([, line]) => line),
      expected,
      `textFile with ${n} splits`,
    );
  }
}

/** Keys of the aggregation-memory data: `x % AGG_KEYS` for x in a range. */
export const AGG_KEYS = 300;

/** Per key: the count and the sum of its values, as the aggregation cases summarize their answers. */
export type KeySummary = Map<number, [number, number]>;

/** The count and sum per key of `range(0, n).map(x => [x % AGG_KEYS, x])`, in plain JS. */
export function expectedAggregation(n: number): KeySummary {
  const m: KeySummary = new Map();
  for (let x = 0; x < n; x++) {
    const e = m.get(x % AGG_KEYS) ?? [0, 0];
    e[0]++;
    e[1] += x;
    m.set(x % AGG_KEYS, e);
  }
  return m;
}

const summarize = (r: [number, number[]][]): KeySummary => new Map(r.map(([k, vs]) => [k, [vs.length, vs.reduce((a, b) => a + b, 0)]]));

/**
 * Every by-key aggregation into growing values over `range(0, n)` keyed by `x % AGG_KEYS`, each
 * summarized as count and sum per key (compare with expectedAggregation). Under a small shuffle
 * budget each must spill and keep its peak memory near the budget. `context` gives the context
 * when a case runs (suites create theirs after registering their tests).
 */
export function aggregationCases(context: () => FlintContext): [string, (n: number) => Promise<KeySummary>][] {
  const pairs = (n: number): RDD<[number, number]> => context().range(0, n, 1, 4).map((x) => [x % AGG_KEYS, x] as [number, number], { AGG_KEYS });
  return [
    ['aggregateByKey into arrays', async (n) => summarize(await pairs(n).aggregateByKey([] as number[], (c, v) => (c.push(v), c), (a, b) => (a.push(...b), a), 2).collect())],
    [
      'combineByKey into arrays',
      async (n) =>
        summarize(
          await pairs(n)
            .combineByKey(
              (v: number) => [v],
              (c: number[], v: number) => (c.push(v), c),
              (a: number[], b: number[]) => a.concat(b),
              2,
            )
            .collect(),
        ),
    ],
    ['foldByKey into arrays', async (n) => summarize(await pairs(n).mapValues((v) => [v]).foldByKey([], (a, b) => a.concat(b), 2).collect())],
    ['reduceByKey into arrays', async (n) => summarize(await pairs(n).mapValues((v) => [v]).reduceByKey((a, b) => a.concat(b), 2).collect())],
    ['groupByKey', async (n) => summarize(await pairs(n).groupByKey(2).collect())],
    ['cogroup', async (n) => summarize((await pairs(n).cogroup(context().parallelize([[0, -1]] as [number, number][]), 2).collect()).map(([k, [a]]) => [k, a]))],
  ];
}
