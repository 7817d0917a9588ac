/**
 * Bad input found by trying the API as a data engineer would: each is a clear error naming the
 * method and what was wrong, where it was a silent wrong answer or a bare TypeError before.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';

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
});
