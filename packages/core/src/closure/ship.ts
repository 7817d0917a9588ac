/**
 * The shipping protocol for values placed in a closure's `env`: objects that are
 * not plain data (broadcasts, accumulators, module references) implement
 * `[SHIP]()` and return a small marker that the executor turns back into a live
 * object. Plain data ships as itself.
 */
import { FlintError, FlintErrorCode } from '../errors.ts';

export const SHIP: unique symbol = Symbol.for('flint.ship') as never;

export interface Shippable {
  [SHIP](): ShipMarker;
}

export type ShipMarker =
  | { $flint: 'broadcast'; id: number }
  | { $flint: 'accumulator'; id: number; merge: FnSpec | null; kind?: AddableKind | null }
  | { $flint: 'module'; specifier: string }
  | { $flint: 'fn'; fn: FnSpec };

/** A function as it travels: its source text and its encoded env. */
export interface FnSpec {
  src: string;
  /** Encoded env entries; null when the function has none. */
  env: Record<string, unknown> | null;
  /** True when some env value holds a marker that the executor must resolve. */
  special: boolean;
  /** The RDD method the function was given to, for error messages. */
  method: string;
}

export function isShippable(v: unknown): v is Shippable {
  return typeof v === 'object' && v !== null && typeof (v as Partial<Shippable>)[SHIP] === 'function';
}

/** A reference to a Node module that executors import and hand to the closure under the env name. */
export class ModuleRef implements Shippable {
  constructor(readonly specifier: string) {}
  [SHIP](): ShipMarker {
    return { $flint: 'module', specifier: this.specifier };
  }
}

/**
 * Names a Node module for a closure's env: `rdd.map(s => crypto.createHash('md5').update(s).digest('hex'),
 * { crypto: moduleRef('node:crypto') })`. Executors import it once and pass the module namespace
 * (its default export when it only has one).
 */
export function moduleRef(specifier: string): ModuleRef {
  return new ModuleRef(specifier);
}

/** The types an accumulator made without a merge function adds with `+`. */
export type AddableKind = 'number' | 'bigint';

const article = (w: string): string => (/^[aeiou]/i.test(w) ? `an ${w}` : `a ${w}`);
const describeValue = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x === 'object' ? article((x as object).constructor?.name ?? 'object') : article(typeof x));

/**
 * The error of an add to an accumulator without a merge function of a value it cannot add:
 * `+` would concatenate strings, arrays and objects into text (a silent wrong value).
 */
export function accumulatorTypeError(id: number, kind: AddableKind | null, value: unknown): FlintError {
  return new FlintError(
    FlintErrorCode.INVALID_ARGUMENT,
    kind
      ? `accumulator ${id} adds ${kind}s, got add(${describeValue(value)}); add ${kind}s, or create the accumulator with a merge function, e.g. sc.accumulator(init, (a, b) => ...)`
      : `accumulator: no default way to add ${describeValue(value)} (only numbers and bigints add with +); pass a merge function, e.g. sc.accumulator([], (a, b) => a.concat(b))`,
  );
}
