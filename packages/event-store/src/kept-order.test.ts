import { describe, expect, it } from 'vitest';
import { KeptOrder } from './kept-order.ts';

/** The order listTasks' SQL gives, written out plainly: value ascending then rowid, NULLs last. */
function reference(rowids: number[], values: Array<number | null>): number[] {
  const pairs = rowids.map((r, i) => ({ r, v: values[i] }));
  const valued = pairs.filter((p) => p.v !== null).sort((a, b) => (a.v! === b.v! ? a.r - b.r : a.v! < b.v! ? -1 : 1));
  const nulls = pairs.filter((p) => p.v === null).sort((a, b) => a.r - b.r);
  return [...valued, ...nulls].map((p) => p.r);
}

let seed = 11;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
}

describe('KeptOrder', () => {
  const cases: Array<[string, () => number]> = [
    ['small integers with many ties', () => rand(7)],
    ['large byte counts', () => rand(2 ** 31) * 4096 + rand(4096)],
    ['negative and fractional values, -0 and 0', () => [-0, 0, -1.5, 2.25, -1e-300, 1e300, -3, 0.1 + 0.2, 0.3][rand(9)]!],
    ['timestamps', () => 1_760_000_000_000 + rand(100_000) / 8],
  ];
  for (const [name, value] of cases) {
    it(`pages in the SQL order both ways: ${name}, rowids shuffled, a fifth without a value`, () => {
      const n = 5000;
      const rowids = Array.from({ length: n }, (_, i) => i * 3 + 1);
      for (let i = n - 1; i > 0; i--) {
        const j = rand(i + 1);
        [rowids[i], rowids[j]] = [rowids[j]!, rowids[i]!];
      }
      const values = rowids.map(() => (rand(5) === 0 ? null : value()));
      const want = reference(rowids, values);
      const order = KeptOrder.of(rowids, values)!;
      expect(order.size).toBe(n);
      expect(order.page(false, 0, n)).toEqual(want);
      // Descending: values descending with ties in descending rowid (the reverse of ascending), NULLs still last.
      const valuedCount = values.filter((v) => v !== null).length;
      const descWant = [...want.slice(0, valuedCount).reverse(), ...want.slice(valuedCount).reverse()];
      expect(order.page(true, 0, n)).toEqual(descWant);
      expect(order.page(false, 1234, 100)).toEqual(want.slice(1234, 1334));
      expect(order.page(true, n - 50, 100)).toEqual(descWant.slice(n - 50));
    });
  }

  it('shares one id list among the constant columns of an attempt, and pages them in rowid order', () => {
    const n = 3000;
    const rowids = Array.from({ length: n }, (_, i) => (i * 7919) % 10007);
    const share = {};
    const zeros = KeptOrder.of(rowids, rowids.map(() => 0), share)!;
    const negZeros = KeptOrder.of(rowids, rowids.map((_, i) => (i % 2 === 0 ? -0 : 0)), share)!;
    const varied = KeptOrder.of(rowids, rowids.map((r) => r % 13), share)!;
    const want = [...rowids].sort((a, b) => a - b);
    expect(zeros.page(false, 0, n)).toEqual(want);
    expect(negZeros.page(true, 0, n)).toEqual([...want].reverse());
    expect(varied.page(false, 0, n)).toEqual(reference(rowids, rowids.map((r) => r % 13)));
    // 4 bytes an id; the second constant column holds nothing of its own.
    expect(zeros.ownBytes).toBe(4 * n);
    expect(negZeros.ownBytes).toBe(0);
    expect(varied.ownBytes).toBe(4 * n);
    // Ids beyond 32 bits keep 8 bytes and their exact value.
    const big = [2 ** 40 + 5, 3, 2 ** 33];
    expect(KeptOrder.of(big, [1, 2, 0])!.page(false, 0, 3)).toEqual([2 ** 33, 2 ** 40 + 5, 3]);
  });

  it('refuses a column that holds something other than finite numbers', () => {
    expect(KeptOrder.of([1, 2], [1, 'x' as unknown as number])).toBeNull();
    expect(KeptOrder.of([1, 2], [1, Number.NaN])).toBeNull();
    expect(KeptOrder.of([], [])!.page(false, 0, 10)).toEqual([]);
  });
});
