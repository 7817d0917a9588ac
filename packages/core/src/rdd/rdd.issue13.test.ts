/**
 * Regressions of issue 13 at the RDD API, on local[2]: each case failed before its fix and is
 * checked against plain JS or against what PySpark gives for the same input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import { JobFailedError } from '../errors.ts';
import { bag } from '../testing/plain.ts';

let sc: FlintContext;
let tmp: string;

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'rdd-issue13', progress: false, conf: { 'flint.task.maxFailures': 1 } });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-issue13-'));
});

afterAll(async () => {
  await sc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => null,
    (x: unknown) => x as Error,
  );
  expect(e, 'expected a rejection').not.toBeNull();
  return e!;
}

describe('issue 13', () => {
  test('item 1: textFile of a non-UTF-8 file reads every line whatever the split count', async () => {
    const p = path.join(tmp, 'latin1.txt');
    fs.writeFileSync(p, Buffer.from('caf\xe9\n'.repeat(100), 'latin1'));
    for (const n of [1, 2, 4, 8]) expect(await sc.textFile(p, n).count(), `${n} splits`).toBe(100);
    const q = path.join(tmp, 'cr.txt');
    fs.writeFileSync(q, '\ufeffa\rb\rc');
    expect(await sc.textFile(q, 3).collect()).toEqual(['a', 'b', 'c']);
  });

  test('item 3: range with a fractional step yields start + i * step by index', async () => {
    const got = await sc.range(0, 1, 0.1, 7).collect();
    const want = Array.from({ length: 10 }, (_, i) => i * 0.1);
    expect(got).toEqual(want);
    for (const [a, b, s, n] of [[0, 0.3, 0.1, 2], [1, 0, -0.1, 3], [0.5, 2.7, 0.3, 4], [0, 10, 3, 5], [10, 0, -3, 2]] as const) {
      const ref: number[] = [];
      for (let i = 0; s > 0 ? a + i * s < b : a + i * s > b; i++) ref.push(a + i * s);
      expect(await sc.range(a, b, s, n).collect(), `range(${a}, ${b}, ${s})`).toEqual(ref);
    }
  });

  test('item 4: undefined sorts first in takeOrdered, min, top and max (undefined < null < numbers)', async () => {
    const rdd = sc.parallelize([undefined, null, 1], 2);
    expect(await rdd.min()).toBeUndefined();
    expect(await rdd.takeOrdered(2)).toEqual([undefined, null]);
    expect(await rdd.max()).toBe(1);
    expect(await rdd.top(3)).toEqual([1, null, undefined]);
    expect(await sc.parallelize([3, undefined, 2, undefined], 2).takeOrdered(3)).toEqual([undefined, undefined, 2]);
    expect(await sc.parallelize([[1, 'a'], [undefined, 'b']] as [number | undefined, string][], 2).sortByKey().collect()).toEqual([[undefined, 'b'], [1, 'a']]);
  });

  test('item 5: histogram with string buckets counts as PySpark does', async () => {
    // PySpark: sc.parallelize(['ab', 'ac', 'b', 'bd', 'ef']).histogram(['a', 'b', 'c']) == (['a', 'b', 'c'], [2, 2])
    expect(await sc.parallelize(['ab', 'ac', 'b', 'bd', 'ef']).histogram(['a', 'b', 'c'])).toEqual([['a', 'b', 'c'], [2, 2]]);
    expect(await sc.parallelize(['a', 'c', 'z'], 2).histogram(['a', 'c', 'z'])).toEqual([['a', 'c', 'z'], [1, 2]]);
    await expect(sc.parallelize(['a']).histogram(['b', 'a'])).rejects.toThrow(/sorted/);
    await expect(sc.parallelize(['a']).histogram(['a', 2] as never)).rejects.toThrow(/all numbers or all strings/);
  });

  test('histogram skips null, undefined and NaN as PySpark skips None and NaN, and refuses elements of another type than its edges', async () => {
    const mixed = [1, null, undefined, NaN, 2, 0.5] as number[];
    const plain = (edges: number[]) => edges.slice(1).map((hi, i) => mixed.filter((x) => typeof x === 'number' && x >= edges[i]! && (x < hi || (i === edges.length - 2 && x === hi))).length);
    expect(await sc.parallelize(mixed, 3).histogram([0, 1, 2])).toEqual([[0, 1, 2], plain([0, 1, 2])]);
    expect(await sc.parallelize(mixed, 3).histogram(3)).toEqual([[0.5, 1, 1.5, 2], plain([0.5, 1, 1.5, 2])]);
    // The string was skipped without a word; PySpark raises on comparing a str with a number.
    await expect(sc.parallelize([1, 'a', 2] as never as number[], 1).histogram([0, 1, 2])).rejects.toThrow(/histogram: partition 0 has an element of type string "a"; the elements must be numbers/);
    await expect(sc.parallelize([1, 'a', 2] as never as number[], 1).histogram(2)).rejects.toThrow(/histogram: partition 0 has an element of type string "a"/);
    await expect(sc.parallelize(['ab', 3, null] as never as string[], 1).histogram(['a', 'b', 'c'])).rejects.toThrow(/histogram: partition 0 has an element of type number; the elements must be strings/);
    expect(await sc.parallelize(['ab', null, 'b'] as never as string[], 2).histogram(['a', 'b', 'c'])).toEqual([['a', 'b', 'c'], [1, 1]]);
  });

  test('item 6: saveAsTextFile and textFile take file:// URLs; a glob that matches directories reads their files', async () => {
    const out = path.join(tmp, 'saved');
    await sc.parallelize(['x', 'y', 'z'], 2).saveAsTextFile(`file://${out}`);
    expect(fs.existsSync(path.join(out, '_SUCCESS'))).toBe(true);
    expect(fs.existsSync(path.join(process.cwd(), 'file:'))).toBe(false);
    expect(bag(await sc.textFile(`file://${out}`).collect())).toEqual(['x', 'y', 'z']);
    expect(bag(await sc.textFile(`file:${out}`).collect())).toEqual(['x', 'y', 'z']);
    const data = path.join(tmp, 'data');
    for (const d of ['d1', 'd2', 'e1']) {
      fs.mkdirSync(path.join(data, d), { recursive: true });
      fs.writeFileSync(path.join(data, d, 'part.txt'), `${d}-a\n${d}-b\n`);
    }
    expect(bag(await sc.textFile(path.join(data, 'd*')).collect())).toEqual(['d1-a', 'd1-b', 'd2-a', 'd2-b']);
    expect(() => sc.textFile('hdfs://nn/x')).toThrow(/not a local path/);
    await expect(sc.parallelize([1]).saveAsTextFile('file://otherhost/x')).rejects.toThrow(/must be local/);
  });

  test('item 11: treeReduce keeps the env of its function', async () => {
    const m = 97;
    const data = Array.from({ length: 500 }, (_, i) => i * 7919);
    const want = data.reduce((a, b) => (a + b) % m);
    for (const depth of [1, 2, 3]) expect(await sc.parallelize(data, 16).treeReduce((a, b) => (a + b) % m, depth, { m })).toBe(want);
    const scale = 1;
    expect(await sc.parallelize(data, 8).treeReduce((a, b) => Math.max(a, b) * scale, 2, { scale })).toBe(Math.max(...data));
  });

  test('item 12: a class declared in a closure or passed in env ships (esbuild keepNames puts `static { __name(this) }` in it)', async () => {
    // What tsx makes of `x => { class P { ... } return new P(x).twice() }`: its helper __name is
    // a module-level function there, and executors define it.
    const keepName = <T>(f: T): T => f;
    const inClosure = new Function('__name', 'return (x) => { class P { static { __name(this, "P"); } constructor(a) { this.a = a; } twice() { return this.a * 2; } } return new P(x).twice(); }')(keepName) as (x: number) => number;
    expect(await sc.parallelize([1, 2, 3], 2).map(inClosure).collect()).toEqual([2, 4, 6]);
    const Q = new Function('__name', 'return class Q { static { __name(this, "Q"); } constructor(a) { this.a = a; } get v() { return this.a + 1; } }')(keepName) as new (a: number) => { v: number };
    expect(await sc.parallelize([1, 2, 3], 2).map((x) => new Q(x).v, { Q }).collect()).toEqual([2, 3, 4]);
    // A real `this` from the defining scope is refused with advice that can be followed.
    expect(() => sc.parallelize([1]).map(new Function('return (x) => this.k + x')())).toThrow(/uses "this" from where it was written.*local const/);
  });

  test('item 13: zip of partitions of different lengths names zip and the RDDs, not an unrelated function', async () => {
    const a = sc.parallelize([1, 2, 3, 4], 2).filter((x) => x !== 1);
    const b = sc.parallelize([1, 2, 3, 4], 2);
    const e = await failure(a.zip(b).collect());
    expect(e).toBeInstanceOf(JobFailedError);
    expect(e.message).toMatch(/zip: partition 0 of RDD \d+ has 1 elements/);
    expect(e.message).not.toContain('filter');
    expect((e as JobFailedError).functionSource).toBeNull();
  });

  test('item 13: a corrupt .gz input names the file', async () => {
    const gz = path.join(tmp, 'corrupt.txt.gz');
    fs.writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xcb, 0x48]));
    const e = await failure(sc.textFile(gz).collect());
    expect(e.message).toContain(gz);
    const w = await failure(sc.wholeTextFiles(gz).collect());
    expect(w.message).toContain(gz);
  });

  test('item 2: Maps, Sets and typed arrays are keys by type and value', async () => {
    expect(await sc.parallelize([new Set([1]), new Set([2]), new Set([1])], 2).distinct().count()).toBe(2);
    expect(await sc.parallelize([new Map([[1, 'a']]), new Map([[2, 'a']]), new Map([[1, 'a']]), new Map([[1, 'b']])], 2).distinct().count()).toBe(3);
    // Content in another insertion order is the same Set or Map.
    expect(await sc.parallelize([new Set([1, 2]), new Set([2, 1]), new Map([[1, 1], [2, 2]]), new Map([[2, 2], [1, 1]])], 3).distinct().count()).toBe(2);
    expect(await sc.parallelize([new Uint8Array(8), new Float64Array([0]), new Uint8Array(8), new Float64Array(1)], 2).distinct().count()).toBe(2);
    // A Set, a Map, an array and an object with "the same" content are four keys.
    const keys = [new Set([1]), new Map([[1, 1]]), [1], { 1: 1 }];
    const counts = await sc.parallelize(keys.concat(keys).map((k) => [k, 1] as [unknown, number]), 3).reduceByKey((a, b) => a + b).values().collect();
    expect(counts).toEqual([2, 2, 2, 2]);
  });

  test('item 7: a Buffer stays a Buffer through collect and a shuffle; a Promise or a function fails at once naming it', async () => {
    const got = await sc.parallelize([1, 2, 3], 2).map((x) => [x % 2, Buffer.from(`hi${x}`)] as [number, Buffer]).groupByKey().collect();
    const strings = got.flatMap(([, bs]) => bs.map((b) => (Buffer.isBuffer(b) ? b.toString() : `not a Buffer: ${String(b)}`))).sort();
    expect(strings).toEqual(['hi1', 'hi2', 'hi3']);
    const p = await failure(sc.parallelize([1], 1).map((x) => Promise.resolve(x)).collect());
    expect(p.message).toMatch(/a Promise cannot be carried/);
    expect(p.message).toMatch(/map\(\)/);
    const f = await failure(sc.parallelize([1], 1).map((x) => () => x).collect());
    expect(f.message).toMatch(/a function cannot be carried/);
    const c = await failure(sc.parallelize([1], 1).map(() => { const o: { self?: unknown } = {}; o.self = o; return o; }).collect());
    expect(c.message).toMatch(/a cyclic object cannot be carried/);
    expect(() => sc.parallelize([1, () => 2])).toThrow(/parallelize: data\[1\] is a function/);
  });

  test('item 7: saveAsTextFile writes Maps and Sets by content (they were written as {})', async () => {
    const out = path.join(tmp, 'maps');
    // Made in the task, so they reach the writer as made (the serializer carries -0 as 0).
    await sc
      .parallelize([0, 1, 2, 3], 1)
      .map((i) => [new Map([['a', 1]]), new Set([1, 2]), { m: new Map([[1, [2n]]]) }, [-0, NaN, undefined]][i])
      .saveAsTextFile(out);
    const text = fs.readFileSync(path.join(out, 'part-00000'), 'utf8');
    expect(text.split('\n')).toEqual(['[["a",1]]', '[1,2]', '{"m":[[1,[2]]]}', '[-0,NaN,null]', '']);
  });

  test('item 9: data that cannot reach executors is refused by parallelize, however deep (the thread pool side is in thread-pool.test.ts)', async () => {
    let deep: unknown = () => 1;
    for (let i = 0; i < 80; i++) deep = [deep];
    expect(() => sc.parallelize([1, deep], 2)).toThrow(/a function cannot be carried/);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(() => sc.parallelize([cyclic])).toThrow(/cyclic/);
    const data = Array.from({ length: 100 }, (_, i) => i);
    expect(await sc.parallelize(data, 4).map((x) => x * 2).sum()).toBe(data.reduce((a, b) => a + b * 2, 0));
  });

  test('item 13: sc.broadcast(rdd) is refused with advice, not a stack overflow', () => {
    const rdd = sc.parallelize([1, 2]);
    expect(() => sc.broadcast(rdd)).toThrow(/broadcast: cannot broadcast an RDD \(RDD \d+\).*collect/);
    expect(sc.broadcast([1, 2]).value).toEqual([1, 2]);
  });
});
