/**
 * Partitioners decide which reduce partition a key goes to. Driver-side objects
 * that describe themselves as a PartitionerSpec for executors; `makePartitionFn`
 * turns a spec into the function executors call per record.
 */
import type { FnSpec } from '../closure/ship.ts';
import { hashKey } from '../keys/key-hash.ts';
import { compareKeys } from '../keys/ordering.ts';
import type { PartitionerSpec } from '../plan/plan.ts';

export abstract class Partitioner {
  abstract readonly numPartitions: number;
  abstract spec(): PartitionerSpec;
  abstract equals(other: Partitioner | null): boolean;
}

/** hash(key) mod n, with Flint's deterministic by-value hash. */
export class HashPartitioner extends Partitioner {
  constructor(readonly numPartitions: number) {
    super();
    if (!Number.isInteger(numPartitions) || numPartitions < 1) throw new RangeError(`HashPartitioner: numPartitions must be a positive integer, got ${numPartitions}`);
  }
  spec(): PartitionerSpec {
    return { kind: 'hash', n: this.numPartitions };
  }
  equals(o: Partitioner | null): boolean {
    return o instanceof HashPartitioner && o.numPartitions === this.numPartitions;
  }
}

/** A user function key => partition index (PySpark's partitionFunc), taken modulo n. */
export class FunctionPartitioner extends Partitioner {
  constructor(readonly numPartitions: number, readonly fn: FnSpec) {
    super();
  }
  spec(): PartitionerSpec {
    return { kind: 'fn', n: this.numPartitions, fn: this.fn };
  }
  equals(o: Partitioner | null): boolean {
    return o instanceof FunctionPartitioner && o.numPartitions === this.numPartitions && o.fn.src === this.fn.src;
  }
}

/**
 * Ranges of sorted keys, with bounds taken from a sample of the input (resolved
 * lazily, when the first job over it is submitted). Partition i holds keys in
 * (bounds[i-1], bounds[i]] in the ascending order (reversed when descending).
 */
export class RangePartitioner extends Partitioner {
  bounds: unknown[] | null = null;
  constructor(readonly numPartitions: number, readonly ascending: boolean, readonly keyFn: FnSpec | null) {
    super();
  }
  spec(): PartitionerSpec {
    if (!this.bounds) throw new Error('RangePartitioner used before its bounds were sampled');
    return { kind: 'range', n: this.numPartitions, bounds: this.bounds, ascending: this.ascending, keyFn: this.keyFn };
  }
  equals(o: Partitioner | null): boolean {
    if (!(o instanceof RangePartitioner) || o.numPartitions !== this.numPartitions || o.ascending !== this.ascending) return false;
    if (o === this) return true;
    if (!o.bounds || !this.bounds || o.bounds.length !== this.bounds.length) return false;
    return this.bounds.every((b, i) => compareKeys(b, o.bounds![i]) === 0);
  }

  /** Picks n-1 bounds from weighted samples: each sample stands for `weight` input records. */
  static boundsFromSamples(samples: { key: unknown; weight: number }[], n: number): unknown[] {
    if (n <= 1 || samples.length === 0) return [];
    samples.sort((a, b) => compareKeys(a.key, b.key));
    const total = samples.reduce((s, x) => s + x.weight, 0);
    const step = total / n;
    const bounds: unknown[] = [];
    let cum = 0;
    let target = step;
    let prev: unknown = undefined;
    let havePrev = false;
    for (const s of samples) {
      cum += s.weight;
      if (cum >= target) {
        if (!havePrev || compareKeys(s.key, prev) > 0) {
          bounds.push(s.key);
          prev = s.key;
          havePrev = true;
          if (bounds.length === n - 1) break;
        }
        target += step;
        while (target <= cum) target += step;
      }
    }
    return bounds;
  }
}

/** The executor-side function for a spec. `compile` turns FnSpecs into functions. */
export function makePartitionFn(spec: PartitionerSpec, compile: (f: FnSpec) => (...a: never[]) => unknown): (key: unknown) => number {
  const n = spec.n;
  switch (spec.kind) {
    case 'hash':
      if (n === 1) return () => 0;
      return (k) => hashKey(k) % n;
    case 'fn': {
      const f = compile(spec.fn) as (k: unknown) => number;
      return (k) => {
        const p = Number(f(k));
        if (!Number.isFinite(p)) throw new Error(`partitionBy: partition function returned ${p} for key ${JSON.stringify(k)}`);
        return ((Math.trunc(p) % n) + n) % n;
      };
    }
    case 'range': {
      const bounds = spec.bounds;
      const keyFn = spec.keyFn ? (compile(spec.keyFn) as (k: unknown) => unknown) : null;
      const asc = spec.ascending;
      return (k) => {
        const key = keyFn ? keyFn(k) : k;
        let lo = 0;
        let hi = bounds.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (compareKeys(bounds[mid], key) < 0) lo = mid + 1;
          else hi = mid;
        }
        return asc ? lo : bounds.length - lo;
      };
    }
  }
}
