/**
 * KeyTable against a plain Map keyed by canonical strings: the same entries, in
 * first-insertion order, with the first-seen key; and a table hash that spreads
 * the keys of one hash partition over all its slots.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalKey, hashKey } from './key-hash.ts';
import { KeyMap } from './key-map.ts';
import { KeyTable, tableHashOfInt, tableHashOfString } from './key-table.ts';

const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.string({ minLength: 60, maxLength: 80 }),
  fc.integer({ min: -50, max: 50 }),
  fc.integer(),
  fc.constantFrom(0, -0, NaN, 0.5, -1.25, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 1e300, Infinity, true, false, null, 10n),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.string({ maxLength: 2 })),
  fc.record({ a: fc.integer({ min: 0, max: 3 }) }),
  // Tuples of ints and short strings (their own table) next to arrays that are not (-0, fractions, nesting, long).
  fc.array(fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constantFrom(-0, 0.5, '1', 'a', 2 ** 31, [1], null)), { maxLength: 3 }),
  fc.constantFrom([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, 8, 9], ['x'.repeat(70), 1]),
);

/** Reference: a Map by canonical string, counting values per key and keeping the first-seen key. */
function reference(keys: unknown[]): [unknown, number][] {
  const m = new Map<string, [unknown, number]>();
  for (const k of keys) {
    const c = canonicalKey(k);
    const e = m.get(c);
    if (e) e[1]++;
    else m.set(c, [k, 1]);
  }
  return [...m.values()];
}

describe('KeyTable', () => {
  test('interns keys by value, in first-insertion order, keeping the first-seen key', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 3000 }), (keys) => {
        const t = new KeyTable<number>();
        for (const k of keys) {
          const i = t.intern(k);
          t.vals[i] = t.added ? 1 : t.vals[i]! + 1;
        }
        const want = reference(keys);
        expect(t.size).toBe(want.length);
        expect(t.vals).toEqual(want.map((e) => e[1]));
        // Same first-seen keys (by identity for objects), with -0 kept as 0 like a Map.
        want.forEach(([k], i) => expect(Object.is(t.keys[i], Object.is(k, -0) ? 0 : k)).toBe(true));
        for (const [k] of want) expect(t.vals[t.find(k)]).toBe(want.find((e) => canonicalKey(e[0]) === canonicalKey(k))![1]);
      }),
      { numRuns: 200 },
    );
  });

  test('findChars finds a key where it lies in a longer text, as find finds the cut key', () => {
    const word = fc.oneof(fc.string({ maxLength: 9 }), fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ minLength: 60, maxLength: 70 }));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 40 }), fc.array(word, { maxLength: 40 }), (stored, probes) => {
        const t = new KeyTable<number>();
        for (const k of stored) t.vals[t.intern(k)] = 1;
        const all = [...stored, ...probes];
        const text = all.join('');
        let at = 0;
        for (const k of all) {
          expect(t.findChars(text, at, k.length)).toBe(t.find(k));
          at += k.length;
        }
      }),
      { numRuns: 300 },
    );
    expect(new KeyTable<number>().findChars('abc', 0, 3)).toBe(-1);
  });

  test('findAscii finds a short ASCII key from its bytes, as find finds the string', () => {
    const ascii = fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)), maxLength: 7 });
    fc.assert(
      fc.property(fc.array(ascii, { minLength: 1, maxLength: 40 }), fc.array(ascii, { maxLength: 40 }), (stored, probes) => {
        const t = new KeyTable<number>();
        for (const k of stored) t.vals[t.intern(k)] = 1;
        const all = [...stored, ...probes];
        const bytes = Buffer.from(`#${all.join('')}`, 'latin1');
        let at = 1;
        for (const k of all) {
          expect(t.findAscii(bytes, at, k.length)).toBe(t.find(k));
          at += k.length;
        }
      }),
      { numRuns: 300 },
    );
    expect(new KeyTable<number>().findAscii(Buffer.from('abc'), 0, 3)).toBe(-1);
  });

  test.each([0, 3_000, 1_000_000])('grows past many thousand keys of every kind and finds each one (%i keys expected)', (expected) => {
    const t = new KeyTable<string>(expected);
    const keys: unknown[] = [];
    for (let i = 0; i < 30_000; i++) keys.push(`w${i}`, i * 7 - 100_000, [i, 'x'], `${'long'.repeat(20)}${i}`, i + 0.5);
    for (const k of keys) t.vals[t.intern(k)] = canonicalKey(k);
    expect(t.size).toBe(keys.length);
    for (const k of keys) expect(t.vals[t.find(k)]).toBe(canonicalKey(k));
    expect(t.find('w30000')).toBe(-1);
    expect(t.find(30_000 * 7)).toBe(-1);
    expect(t.find([0, 'y'])).toBe(-1);
    expect(t.find('1')).toBe(-1); // a string is not the number 1
  });

  test.each([
    ['short Latin-1 strings (compared by their packed characters)', 7, 0xff],
    ['long strings (compared by loading the stored key)', 12, 0x7f],
    ['short wide strings', 3, 0xffff],
  ])('tells apart distinct %s whose table hashes are equal', (_kind, length, maxChar) => {
    // Among 300k random strings about ten pairs share a 32-bit hash: a probe that trusted the tag alone would merge them.
    let seed = 12345;
    const nextChar = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return String.fromCharCode(1 + ((seed >>> 8) % maxChar));
    };
    const seen = new Map<number, string>();
    const pairs: [string, string][] = [];
    for (let i = 0; i < 400_000 && pairs.length < 3; i++) {
      let k = '';
      for (let c = 0; c < length; c++) k += nextChar();
      if (seen.get(tableHashOfString(k)) === k) continue;
      const h = tableHashOfString(k);
      const other = seen.get(h);
      if (other !== undefined) pairs.push([other, k]);
      else seen.set(h, k);
    }
    expect(pairs.length).toBeGreaterThan(0);
    for (const [a, b] of pairs) {
      const t = new KeyTable<string>();
      t.vals[t.intern(a)] = a;
      expect(t.find(b)).toBe(-1);
      const j = t.intern(b);
      expect(t.added).toBe(true);
      t.vals[j] = b;
      expect(t.size).toBe(2);
      expect(t.vals[t.find(a)]).toBe(a);
      expect(t.vals[t.find(b)]).toBe(b);
      expect(t.intern(a.slice(0))).toBe(t.find(a));
      expect(t.added).toBe(false);
    }
  });

  test('the keys of one hash partition spread evenly over the table slots', () => {
    // All keys a reducer of 8 partitions sees share hashKey(k) % 8; the table hash must not.
    const slots = 1024;
    for (const [make, tableHash] of [
      [(i: number) => `k${i}`, (k: unknown) => tableHashOfString(k as string)],
      [(i: number) => i, (k: unknown) => tableHashOfInt(k as number)],
    ] as const) {
      const counts = new Array<number>(slots).fill(0);
      let n = 0;
      for (let i = 0; n < 100_000; i++) {
        const k = make(i);
        if (hashKey(k) % 8 !== 0) continue;
        counts[tableHash(k) & (slots - 1)]++;
        n++;
      }
      const mean = n / slots;
      expect(Math.min(...counts)).toBeGreaterThan(mean * 0.5);
      expect(Math.max(...counts)).toBeLessThan(mean * 1.6);
    }
  });
});

describe('KeyMap', () => {
  test('delete hides an entry and a later set brings it back', () => {
    const m = new KeyMap<number>();
    m.set('a', 1).set(2, 2).set(['c'], 3);
    expect(m.delete('a')).toBe(true);
    expect(m.delete('a')).toBe(false);
    expect(m.has('a')).toBe(false);
    expect(m.get('a')).toBe(undefined);
    expect(m.size).toBe(2);
    expect([...m.entries()]).toEqual([
      [2, 2],
      [['c'], 3],
    ]);
    m.set('a', 4);
    expect(m.size).toBe(3);
    expect(m.get('a')).toBe(4);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.get(2)).toBe(undefined);
  });
});
