/**
 * The result functions of actions (collect, count, take, reduce, takeOrdered, histogram,
 * saveAsText, ...): one exhaustive switch over the ResultFnSpec union of plan.ts. Each turns a
 * result task's partition into the value that travels back to the driver, where the action
 * merges the partitions' values. Runs on the task's thread.
 */
import { keyEquals } from '../keys/key-hash.ts';
import { KeyMap } from '../keys/key-map.ts';
import { compareKeys, sortValues } from '../keys/ordering.ts';
import { notAPair } from '../shuffle/pairs.ts';
import { SeededRandom, partitionSeed } from '../util/random.ts';
import { StatCounter } from '../util/stat-counter.ts';
import { iterableIterator, pushAll } from '../util/push.ts';
import { unknownPlanKind, type ResultFnSpec } from './plan.ts';
import type { TaskContext } from './task-context.ts';
import { writeTextPartition } from './text-output.ts';

type AnyFn = (...a: unknown[]) => unknown;

/** Applies an action's result function to a partition's records. */
export function runResultFn(rf: ResultFnSpec, input: Iterable<unknown>, partition: number, ctx: TaskContext): unknown {
  switch (rf.name) {
    case 'collect': {
      if (Array.isArray(input)) return input.slice();
      const out: unknown[] = [];
      pushAll(input, (x) => {
        out.push(x);
      });
      return out;
    }
    case 'count': {
      if (Array.isArray(input)) return input.length;
      let n = 0;
      pushAll(input, () => {
        n++;
      });
      return n;
    }
    case 'take': {
      const out: unknown[] = [];
      const n = rf.args.n;
      if (n <= 0) return out;
      for (const x of input) {
        out.push(x);
        if (out.length >= n) break;
      }
      return out;
    }
    case 'reduce':
      return reducePartition(input, ctx.compile<AnyFn>(rf.args.f));
    case 'fold':
      return foldPartition(input, rf.args.zero, ctx.compile<AnyFn>(rf.args.f));
    case 'foreach': {
      const f = ctx.compile<AnyFn>(rf.args.f);
      pushAll(input, (x) => {
        f(x);
      });
      return null;
    }
    case 'foreachPartition': {
      const f = ctx.compile<AnyFn>(rf.args.f);
      const it = iterableIterator(input);
      f(it);
      for (const _ of it) {
        /* drain what the function left, so lineage side effects complete */
      }
      return null;
    }
    case 'takeOrdered': {
      const { n, ascending: asc } = rf.args;
      const keyFn = rf.args.key ? ctx.compile<AnyFn>(rf.args.key) : null;
      const cmp = (x: unknown, y: unknown): number => {
        const c = keyFn ? compareKeys(keyFn(x), keyFn(y)) : compareKeys(x, y);
        return asc ? c : -c;
      };
      let buf: unknown[] = [];
      for (const x of input) {
        buf.push(x);
        if (buf.length >= 4 * n + 64) {
          sortValues(buf, cmp);
          buf = buf.slice(0, n);
        }
      }
      sortValues(buf, cmp);
      return buf.slice(0, n);
    }
    case 'stats': {
      const s = new StatCounter();
      pushAll(input, (x) => {
        if (typeof x !== 'number') notANumber(rf.args.method ?? 'stats (mean, variance, stdev)', x, ctx.partitionId, 'numbers');
        s.merge(x);
      });
      return s.toData();
    }
    case 'sum': {
      // Numbers, or bigints (summed exactly); anything else was coerced: ['a', 'b'] summed to '0ab', [1, null] to 1.
      let t = 0;
      let tb = 0n;
      let kinds = 0;
      pushAll(input, (x) => {
        if (typeof x === 'number') {
          t += x;
          kinds |= 1;
        } else if (typeof x === 'bigint') {
          tb += x;
          kinds |= 2;
        } else notANumber('sum', x, ctx.partitionId, 'numbers, or bigints');
      });
      if (kinds === 3) throw new TypeError(`sum: partition ${ctx.partitionId} holds both numbers and bigints; map them to one of the two first`);
      // An empty partition says so (null), so the driver can tell numbers summing to 0 beside bigints.
      return kinds === 0 ? null : kinds === 2 ? tb : t;
    }
    case 'histogram':
      // Edges are all numbers or all strings; the same comparisons serve both.
      return histogramCounts(input as Iterable<number>, rf.args.edges as number[], rf.args.evenly, ctx.partitionId);
    case 'countByKey': {
      const m = new KeyMap<number>();
      for (const x of input) {
        const k = (x as unknown[])[0];
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      return Array.from(m.entries());
    }
    case 'reduceByKeyLocally': {
      const f = ctx.compile<AnyFn>(rf.args.f);
      const m = new KeyMap<unknown>();
      for (const x of input) {
        if (!Array.isArray(x) || x.length !== 2) notAPair(x, { method: 'reduceByKeyLocally', partition: ctx.partitionId });
        const [k, v] = x as [unknown, unknown];
        m.set(k, m.has(k) ? f(m.get(k), v) : v);
      }
      return Array.from(m.entries());
    }
    case 'lookup': {
      const out: unknown[] = [];
      const key = rf.args.key;
      for (const x of input) if (keyEquals((x as unknown[])[0], key)) out.push((x as unknown[])[1]);
      return out;
    }
    case 'saveAsText':
      return writeTextPartition(input, rf.args.dir, partition, ctx);
    case 'sampleKeys': {
      const { k, seed } = rf.args;
      const keyFn = rf.args.keyFn ? ctx.compile<AnyFn>(rf.args.keyFn) : null;
      const rng = new SeededRandom(partitionSeed(seed, partition));
      const keys: unknown[] = [];
      let count = 0;
      for (const x of input) {
        const key = keyFn ? keyFn((x as unknown[])[0]) : (x as unknown[])[0];
        count++;
        if (keys.length < k) keys.push(key);
        else {
          const j = rng.nextInt(count);
          if (j < k) keys[j] = key;
        }
      }
      return { count, keys };
    }
    default:
      return unknownPlanKind('result function', rf);
  }
}

/** The partition reduced by `f`: `{ has: true, v }`, or `{ has: false }` when it is empty. */
export function reducePartition(input: Iterable<unknown>, f: AnyFn): { has: boolean; v?: unknown } {
  let has = false;
  let acc: unknown;
  for (const x of input) {
    if (has) acc = f(acc, x);
    else {
      acc = x;
      has = true;
    }
  }
  return has ? { has, v: acc } : { has: false };
}

/** The partition folded by `f` into a copy of `zero`. */
export function foldPartition(input: Iterable<unknown>, zero: unknown, f: AnyFn): unknown {
  // The plan (and its zero) is shared by every task of the stage on this thread: each task folds into its own copy.
  let acc = typeof zero === 'object' && zero !== null ? structuredClone(zero) : zero;
  pushAll(input, (x) => {
    acc = f(acc, x);
  });
  return acc;
}

/**
 * Counts per bucket of sorted edges, all numbers or all strings. null, undefined and NaN are
 * skipped, as PySpark skips None and NaN; an element of another type than the edges' is refused
 * (PySpark raises on comparing it; it was skipped without a word).
 */
function histogramCounts(input: Iterable<number>, edges: number[], evenly: boolean, partition: number): number[] {
  const nb = edges.length - 1;
  const counts = new Array<number>(nb).fill(0);
  const lo = edges[0]!;
  const hi = edges[nb]!;
  const inc = (hi - lo) / nb;
  const kind = typeof lo;
  for (const x of input) {
    if (x === null || x === undefined || (typeof x === 'number' && Number.isNaN(x))) continue;
    if (typeof x !== kind) notANumber('histogram', x, partition, kind === 'string' ? 'strings, as the bucket edges are' : 'numbers, as the bucket edges are');
    if (x < lo || x > hi) continue;
    let b: number;
    if (x === hi) b = nb - 1;
    else if (evenly) {
      b = Math.floor((x - lo) / inc);
      if (b >= nb) b = nb - 1;
      // Guard against rounding at bucket edges.
      while (b > 0 && x < edges[b]!) b--;
      while (b < nb - 1 && x >= edges[b + 1]!) b++;
    } else {
      let l = 0;
      let h = edges.length;
      while (l < h) {
        const m = (l + h) >>> 1;
        if (edges[m]! <= x) l = m + 1;
        else h = m;
      }
      b = l - 1;
    }
    counts[b]!++;
  }
  return counts;
}

/** A numeric action's refusal of an element of another type (it was coerced: a string concatenated, null taken as 0). */
function notANumber(method: string, x: unknown, partition: number, wanted: string): never {
  const type = x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
  const shown = typeof x === 'string' ? ` ${JSON.stringify(x.slice(0, 40))}` : '';
  throw new TypeError(`${method}: partition ${partition} has an element of type ${type}${shown}; the elements must be ${wanted} (map them first, e.g. map(Number))`);
}
