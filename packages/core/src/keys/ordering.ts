/**
 * The one total order Flint sorts keys by (sortByKey, sortBy, takeOrdered, top,
 * range partitioning, max/min). Across types the rank is:
 *
 *   undefined < null < false < true < numbers < bigints < Dates < strings < arrays < objects
 *
 * Numbers compare numerically with NaN after every other number (-0 equals 0);
 * strings compare by UTF-16 code units (JavaScript's `<`); arrays compare
 * lexicographically element by element, a proper prefix first; plain objects compare
 * by their canonical key string. Pure functions, no state.
 */
import { canonicalKey } from './key-hash.ts';

function rank(v: unknown): number {
  switch (typeof v) {
    case 'undefined':
      return 0;
    case 'boolean':
      return 2;
    case 'number':
      return 3;
    case 'bigint':
      return 4;
    case 'string':
      return 6;
    case 'object':
      if (v === null) return 1;
      if (Array.isArray(v)) return 7;
      if (v instanceof Date) return 5;
      return 8;
    default:
      return 9;
  }
}

export function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    const an = a !== a;
    const bn = b !== b;
    return an === bn ? 0 : an ? 1 : -1;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
    case 1:
      return 0;
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 4:
      return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    case 5:
      return compareKeys((a as Date).getTime(), (b as Date).getTime());
    case 7: {
      const x = a as unknown[];
      const y = b as unknown[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareKeys(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length < 0 ? -1 : x.length === y.length ? 0 : 1;
    }
    default: {
      const ca = canonicalKey(a);
      const cb = canonicalKey(b);
      return ca < cb ? -1 : ca > cb ? 1 : 0;
    }
  }
}

/** A comparator over elements by `keyFn`, optionally descending. */
export function orderingBy<T>(keyFn: ((x: T) => unknown) | null, ascending = true): (a: T, b: T) => number {
  if (!keyFn) return ascending ? (a, b) => compareKeys(a, b) : (a, b) => compareKeys(b, a);
  return ascending ? (a, b) => compareKeys(keyFn(a), keyFn(b)) : (a, b) => compareKeys(keyFn(b), keyFn(a));
}

/**
 * Sorts `arr` in place by `cmp`, undefined elements included: Array.prototype.sort moves
 * undefined to the end without asking the comparator, which put it after everything in
 * takeOrdered and min although the order ranks it first. Arrays without undefined sort directly.
 */
export function sortValues<T>(arr: T[], cmp: (a: T, b: T) => number): T[] {
  if (!arr.includes(undefined as T)) return arr.sort(cmp);
  const boxed = arr.map((v) => ({ v }));
  boxed.sort((a, b) => cmp(a.v, b.v));
  for (let i = 0; i < arr.length; i++) arr[i] = boxed[i]!.v;
  return arr;
}
