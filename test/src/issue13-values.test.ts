/**
 * Issue 13 across processes: on local-cluster[2,1] (a master and two workers as child processes,
 * tasks on executor processes), values of every carried type come back with their type and value
 * through collect and a shuffle, keys compare by type and value, and the data-loss cases of the
 * issue (textFile of a non-UTF-8 file, range with a fractional step) give the plain-JS answer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext } from '@flint/core';

let sc: FlintContext;
let tmp: string;
/** `values`, under the name executors give it from the env. */
declare const mk: typeof values;

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local-cluster[2,1]', appName: 'issue13-values', progress: false, conf: { 'flint.task.maxFailures': 1 } });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-issue13-cluster-'));
}, 120_000);

afterAll(async () => {
  await sc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

/** Values of every type the serializer carries, nested in every container it carries. */
function values(seed: number, n: number): unknown[] {
  let s = seed;
  const rnd = (k: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s % k;
  };
  const scalars = (): unknown[] => [
    rnd(1000) - 500,
    rnd(1000) / 7,
    2 ** 31 + rnd(10),
    NaN,
    -Infinity,
    `s${rnd(100)}`,
    'héllo ☃ 𝄞',
    'x'.repeat(rnd(300)),
    true,
    null,
    undefined,
    BigInt(rnd(1000)) * 2n ** 64n,
    new Date(rnd(1e9) * 1000),
    Buffer.from(`buf${rnd(100)}`),
    new Uint8Array([rnd(256), rnd(256)]),
    new Float64Array([rnd(100) / 3]),
    new Int32Array([-rnd(100)]),
    -0,
    `lone\ud800${rnd(10)}`,
    `${'\udc00'.repeat(rnd(3) + 1)}${'y'.repeat(rnd(100))}`,
  ];
  const one = (depth: number): unknown => {
    const sc = scalars();
    const k = rnd(depth > 2 ? sc.length : sc.length + 4);
    if (k < sc.length) return sc[k];
    const kids = Array.from({ length: rnd(3) + 1 }, () => one(depth + 1));
    switch (k - sc.length) {
      case 0:
        return kids;
      case 1:
        return Object.fromEntries(kids.map((v, i) => [i % 2 ? `k${i}` : `k\udbff${i}`, v]));
      case 2:
        return new Map(kids.map((v, i) => [i % 2 ? `m${i}` : i, v]));
      default:
        return new Set(kids);
    }
  };
  return Array.from({ length: n }, () => one(0));
}

describe('issue 13 on local-cluster[2,1]', () => {
  it('values of every carried type come back with their type and value through collect and a shuffle', async () => {
    for (const seed of [1, 2, 3]) {
      const data = values(seed, 300);
      expect(isDeepStrictEqual(await sc.parallelize(data, 4).collect(), data)).toBe(true);
      const indexed = data.map((v, i) => [i, v] as [number, unknown]);
      const shuffled = (await sc.parallelize(indexed, 4).partitionBy(3).collect()).sort((a, b) => a[0] - b[0]);
      expect(isDeepStrictEqual(shuffled, indexed)).toBe(true);
      // Made on executors, not only carried from the driver.
      const made = await sc.parallelize([seed], 1).flatMap((sd) => mk(sd, 300), { mk: values }).collect();
      expect(isDeepStrictEqual(made, data)).toBe(true);
    }
  });

  it('-0 and strings with lone surrogates arrive unchanged through collect and a shuffle of pair frames', async () => {
    const strs = Array.from({ length: 2000 }, (_, i) => [i % 3 ? `k${i % 50}` : `k\ud800${i % 50}`, i % 5 ? `v${i}` : `v\udfff${'z'.repeat(i % 40)}`] as [string, string]);
    const nums = Array.from({ length: 2000 }, (_, i) => [i % 7 ? i : -0, i % 2 ? -0 : i / 2] as [number, number]);
    for (const data of [strs, nums] as [unknown, unknown][][]) {
      expect(isDeepStrictEqual(await sc.parallelize(data, 4).collect(), data)).toBe(true);
      const shuffled = await sc.parallelize(data, 4).partitionBy(3).collect();
      // Compared as multisets of records written out with -0 as '-0' (String(-0) is '0').
      const text = (r: unknown[]): string => r.map((x) => (Object.is(x, -0) ? '-0' : String(x))).join('|');
      expect(shuffled.map(text).sort()).toEqual(data.map(text).sort());
    }
  });

  it('keys compare by type and value (Sets, Maps, binary arrays) and Buffers stay Buffers', async () => {
    const keys = [new Set([1]), new Set([2]), new Set([1]), new Map([[1, 'a']]), new Map([[1, 'a']]), new Uint8Array(8), new Float64Array(1), new Uint8Array(8), [1], { 1: 1 }];
    expect(await sc.parallelize(keys, 3).distinct(2).count()).toBe(7);
    const got = await sc.parallelize([1, 2, 3, 4], 2).map((x) => [x % 2, Buffer.from(`b${x}`)] as [number, Buffer]).groupByKey(2).collect();
    const texts = got.flatMap(([, bs]) => bs.map((b) => (Buffer.isBuffer(b) ? b.toString() : `not a Buffer: ${String(b)}`))).sort();
    expect(texts).toEqual(['b1', 'b2', 'b3', 'b4']);
  });

  it('textFile of a non-UTF-8 file and range with a fractional step give the plain-JS answer', async () => {
    const p = path.join(tmp, 'latin1.txt');
    fs.writeFileSync(p, Buffer.from('caf\xe9\n'.repeat(100), 'latin1'));
    for (const n of [1, 2, 4, 8]) expect(await sc.textFile(p, n).count(), `${n} splits`).toBe(100);
    expect(await sc.range(0, 1, 0.1, 7).collect()).toEqual(Array.from({ length: 10 }, (_, i) => i * 0.1));
  });

  it('a function returning a Promise fails its job naming the Promise', async () => {
    const err = await sc
      .parallelize([1], 1)
      .map((x) => Promise.resolve(x))
      .collect()
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(err?.message).toMatch(/a Promise cannot be carried/);
    expect(await sc.parallelize([1, 2, 3], 2).count()).toBe(3);
  });
});
