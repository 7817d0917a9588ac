/**
 * Deterministic by-value key hashing: equal keys hash equally (also in another
 * process), known values never change (hash partitioning must agree between a
 * driver and executors of different builds of the same version), composite keys
 * compare by value.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canon } from '../testing/plain.ts';
import { canonicalKey, hashKey, keyEquals } from './key-hash.ts';
import { KeyMap } from './key-map.ts';

/** Keys and their hashes as this version computes them: a change here re-partitions everyone's data. */
const KNOWN: [unknown, string, number][] = [
  ['', '""', 2872998923],
  ['a', '"a"', 711464985],
  ['flint', '"flint"', 315755645],
  ['héllo ☃', '"héllo ☃"', 1363587169],
  [0, '0', 3651860435],
  [1, '1', 2916906684],
  [-1, '-1', 2113920734],
  [42, '42', 917252196],
  [2 ** 31, '2147483648', 3229022038],
  [1.5, '1.5', 1607219998],
  [-2.25, '-2.25', 631434649],
  [1e21, '1e+21', 1078058270],
  [Infinity, 'Infinity', 2186016146],
  [NaN, 'NaN', 2146959360],
  [null, 'null', 0],
  [true, 't', 1291169091],
  [false, 'f', 725372254],
  [[], '[]', 1020716019],
  [[1, 'a'], '[1,"a"]', 3239717908],
  [[[1], [2, [3]]], '[[1],[2,[3]]]', 153378005],
  [{ a: 1, b: [null] }, '{"a":1,"b":[null]}', 3572028306],
];

/** Data keys: primitives, arrays and plain objects, nested. */
const keyArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  key: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.double({ noNaN: false }),
    fc.string(),
    fc.constant(null),
    fc.boolean(),
    fc.array(tie('key'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie('key'), { maxKeys: 3 }),
  ),
})).key;

describe('hashKey', () => {
  test('known values are stable', () => {
    for (const [k, c, h] of KNOWN) {
      expect(canonicalKey(k)).toBe(c);
      expect(hashKey(k)).toBe(h);
    }
  });

  test('is the same in another process', () => {
    const modUrl = new URL('./key-hash.ts', import.meta.url).href;
    const script = `import(${JSON.stringify(modUrl)}).then((m) => console.log(JSON.stringify(${JSON.stringify(KNOWN.map((k) => k[1]))}.map((c) => m.hashKey(c)))))`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual(KNOWN.map(([, c]) => hashKey(c)));
  });

  test('equal keys hash equally: arrays, objects in any key order, -0, NaN, dates, bytes', () => {
    expect(hashKey([1, 'a'])).toBe(hashKey([1, 'a']));
    expect(hashKey([1, ['a', [null]]])).toBe(hashKey(JSON.parse('[1, ["a", [null]]]')));
    expect(hashKey({ a: 1, b: 2 })).toBe(hashKey({ b: 2, a: 1 }));
    expect(canonicalKey({ a: 1, b: 2 })).toBe(canonicalKey({ b: 2, a: 1 }));
    expect(hashKey(-0)).toBe(hashKey(0));
    expect(hashKey(NaN)).toBe(hashKey(Number('x')));
    expect(hashKey(new Date(5))).toBe(hashKey(new Date(5)));
    expect(hashKey(new Uint8Array([1, 2]))).toBe(hashKey(new Uint8Array([1, 2])));
    expect(keyEquals(-0, 0)).toBe(true);
    expect(keyEquals(NaN, NaN)).toBe(true);
    expect(keyEquals([1, 'a'], [1, 'a'])).toBe(true);
    expect(keyEquals({ x: [1] }, { x: [1] })).toBe(true);
  });

  test('different keys of different types do not collide in canonical form', () => {
    const ks: unknown[] = [1, '1', [1], ['1'], true, 't', 'true', null, 'null', undefined, 'u', [], '', [[]], [null], [undefined], {}, 1n, '1n', new Date(1), 'D1', [1, 2], [[1, 2]], [1, [2]], ['a', 'b'], ['a,b'], ['ab']];
    const seen = new Map<string, unknown>();
    for (const k of ks) {
      const c = canonicalKey(k);
      expect(seen.has(c), `${String(k)} and ${String(seen.get(c))} share ${c}`).toBe(false);
      seen.set(c, k);
    }
    expect(hashKey([1, 2])).not.toBe(hashKey([2, 1]));
    expect(hashKey(1)).not.toBe(hashKey('1'));
    expect(keyEquals(1, '1')).toBe(false);
    expect(keyEquals([1], [1, undefined])).toBe(false);
  });

  test('returns an unsigned 32-bit integer and spreads small integers and strings evenly', () => {
    const counts = new Array<number>(16).fill(0);
    const scounts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16000; i++) {
      const h = hashKey(i);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
      counts[h % 16]!++;
      scounts[hashKey(`key-${i}`) % 16]!++;
    }
    for (const c of [...counts, ...scounts]) {
      expect(c).toBeGreaterThan(800);
      expect(c).toBeLessThan(1200);
    }
  });

  test('keys that are not data are refused', () => {
    expect(() => hashKey(() => 1)).toThrow(TypeError);
    expect(() => hashKey(Symbol('s'))).toThrow(TypeError);
    expect(() => canonicalKey(() => 1)).toThrow(TypeError);
  });

  test('property: a structured clone hashes and compares equal; canonical form matches by-value equality', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => {
        const copy = structuredClone(a);
        expect(hashKey(copy)).toBe(hashKey(a));
        expect(canonicalKey(copy)).toBe(canonicalKey(a));
        expect(keyEquals(copy, a)).toBe(true);
        expect(canonicalKey(a) === canonicalKey(b)).toBe(canon(a) === canon(b));
        if (canonicalKey(a) === canonicalKey(b)) expect(hashKey(a)).toBe(hashKey(b));
      }),
      { numRuns: 300 },
    );
  });
});

describe('KeyMap', () => {
  test('groups by value and keeps the first-seen key object', () => {
    const m = new KeyMap<number>();
    const k1 = [1, 'a'];
    m.set(k1, 1);
    m.set([1, 'a'], 2);
    m.set(null, 3);
    m.set(NaN, 4);
    m.set(NaN, 5);
    m.set(-0, 6);
    m.set(0, 7);
    expect(m.size).toBe(4);
    expect(m.get([1, 'a'])).toBe(2);
    expect([...m.keys()].find((k) => Array.isArray(k))).toBe(k1);
    expect(m.get(NaN)).toBe(5);
    expect(m.get(0)).toBe(7);
    expect(m.has([1, 'b'])).toBe(false);
    expect(m.delete([1, 'a'])).toBe(true);
    expect(m.size).toBe(3);
  });
});
