/**
 * The total order of keys (keys/ordering.ts): the documented rank across types,
 * numbers with NaN last, strings by UTF-16 code units, arrays lexicographic with
 * a proper prefix first; and the laws of a total order, checked on random keys.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { plainCompare } from '../testing/plain.ts';
import { keyEquals } from './key-hash.ts';
import { compareKeys, orderingBy } from './ordering.ts';

const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

describe('compareKeys', () => {
  test('the documented rank: undefined < null < false < true < numbers < bigints < Dates < strings < arrays < objects', () => {
    const ranked: unknown[] = [undefined, null, false, true, -Infinity, -1, 0, 2.5, Infinity, NaN, -5n, 3n, new Date(0), new Date(10), '', 'A', 'a', 'b', [], [0], { a: 1 }, { b: 0 }];
    for (let i = 0; i < ranked.length; i++) {
      for (let j = 0; j < ranked.length; j++) {
        expect(sign(compareKeys(ranked[i], ranked[j])), `${String(ranked[i])} vs ${String(ranked[j])}`).toBe(sign(i - j));
      }
    }
    // Array.prototype.sort moves undefined to the end whatever the comparator says: leave it out.
    const shuffled = ranked.slice(1).reverse();
    expect(shuffled.sort(compareKeys)).toEqual(ranked.slice(1));
  });

  test('numbers: numeric order, -0 equals 0, NaN after every number and equal to itself', () => {
    expect(compareKeys(-0, 0)).toBe(0);
    expect(compareKeys(NaN, NaN)).toBe(0);
    expect(compareKeys(NaN, Infinity)).toBe(1);
    expect(compareKeys(-Infinity, NaN)).toBe(-1);
    expect(compareKeys(10, 9)).toBe(1);
    expect([10, 9, 100, -3, 0.5].sort(compareKeys)).toEqual([-3, 0.5, 9, 10, 100]);
  });

  test('strings compare by UTF-16 code units', () => {
    expect(compareKeys('Z', 'a')).toBe(-1);
    expect(compareKeys('é', 'z')).toBe(1);
    expect(compareKeys('ab', 'abc')).toBe(-1);
    // U+1D11E (a surrogate pair D834 DD1E) sorts before U+FFFD in code units, after it in code points.
    expect(compareKeys('𝄞', '\uFFFD')).toBe(-1);
  });

  test('arrays compare lexicographically, a proper prefix first', () => {
    const sorted: unknown[] = [[], [null], [0], [1], [1, 0], [1, 'a'], [1, ['x']], [2], ['a'], [[0]]];
    expect([...sorted].reverse().sort(compareKeys)).toEqual(sorted);
    expect(compareKeys([1, 'a'], [1, 'a'])).toBe(0);
    expect(compareKeys([1, [2, 3]], [1, [2, 4]])).toBe(-1);
  });

  test('objects compare by canonical form, independent of key order', () => {
    expect(compareKeys({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(0);
    expect(sign(compareKeys({ a: 1 }, { a: 2 }))).toBe(-sign(compareKeys({ a: 2 }, { a: 1 })));
  });

  const keyArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    key: fc.oneof(
      { depthSize: 'small' },
      fc.integer({ min: -5, max: 5 }),
      fc.double(),
      fc.constantFrom('', 'a', 'B', 'é', '𝄞', 'ab'),
      fc.constant(null),
      fc.constant(undefined),
      fc.boolean(),
      fc.array(tie('key'), { maxLength: 3 }),
    ),
  })).key;

  test('property: antisymmetric, transitive, consistent with by-value equality', () => {
    fc.assert(
      fc.property(keyArb, keyArb, keyArb, (a, b, c) => {
        expect(sign(compareKeys(a, b)) + sign(compareKeys(b, a))).toBe(0);
        expect(compareKeys(a, a)).toBe(0);
        if (compareKeys(a, b) <= 0 && compareKeys(b, c) <= 0) expect(compareKeys(a, c)).toBeLessThanOrEqual(0);
        expect(compareKeys(a, b) === 0).toBe(keyEquals(a, b) || (a === undefined && b === undefined));
      }),
      { numRuns: 500 },
    );
  });

  test('property: agrees with a plain model on numbers (no NaN), strings, booleans, null and arrays', () => {
    const plainArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      key: fc.oneof(
        { depthSize: 'small' },
        fc.integer({ min: -50, max: 50 }),
        fc.double({ noNaN: true }),
        fc.string({ maxLength: 3 }),
        fc.constant(null),
        fc.boolean(),
        fc.array(tie('key'), { maxLength: 3 }),
      ),
    })).key;
    fc.assert(
      fc.property(fc.array(plainArb, { maxLength: 20 }), (ks) => {
        const a = [...ks].sort(compareKeys);
        for (let i = 1; i < a.length; i++) expect(plainCompare(a[i - 1], a[i])).toBeLessThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('orderingBy', () => {
  test('by a key function, ascending and descending', () => {
    const words = ['bb', 'a', 'ccc', 'dd'];
    expect([...words].sort(orderingBy((w: string) => w.length))).toEqual(['a', 'bb', 'dd', 'ccc']);
    expect([...words].sort(orderingBy((w: string) => w.length, false))).toEqual(['ccc', 'bb', 'dd', 'a']);
    expect([...words].sort(orderingBy<string>(null, false))).toEqual(['dd', 'ccc', 'bb', 'a']);
  });
});
