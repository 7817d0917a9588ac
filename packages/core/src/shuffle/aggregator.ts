/**
 * Combine functions built from an AggregatorSpec on the executor: createCombiner,
 * mergeValue and mergeCombiners, as in Spark's Aggregator.
 */
import type { FnSpec } from '../closure/ship.ts';
import type { AggregatorSpec } from '../plan/plan.ts';

export interface Aggregator {
  create(v: unknown): unknown;
  mergeValue(c: unknown, v: unknown): unknown;
  mergeCombiners(a: unknown, b: unknown): unknown;
  /** True when combiners grow with every value (groupByKey): memory follows records, not keys. */
  growing: boolean;
}

type Compile = (f: FnSpec) => (...a: never[]) => unknown;

function cloneZero(z: unknown): unknown {
  return typeof z === 'object' && z !== null ? structuredClone(z) : z;
}

export function makeAggregator(spec: AggregatorSpec, compile: Compile): Aggregator {
  switch (spec.kind) {
    case 'reduce': {
      const f = compile(spec.f) as (a: unknown, b: unknown) => unknown;
      return { create: (v) => v, mergeValue: f, mergeCombiners: f, growing: false };
    }
    case 'group':
      return {
        create: (v) => [v],
        mergeValue: (c, v) => {
          (c as unknown[]).push(v);
          return c;
        },
        mergeCombiners: (a, b) => {
          const x = a as unknown[];
          const y = b as unknown[];
          for (let i = 0; i < y.length; i++) x.push(y[i]);
          return x;
        },
        growing: true,
      };
    case 'count':
      return { create: () => 1, mergeValue: (c) => (c as number) + 1, mergeCombiners: (a, b) => (a as number) + (b as number), growing: false };
    case 'first':
      return { create: (v) => v, mergeValue: (c) => c, mergeCombiners: (a) => a, growing: false };
    case 'fold': {
      const seq = compile(spec.seq) as (a: unknown, b: unknown) => unknown;
      const comb = compile(spec.comb) as (a: unknown, b: unknown) => unknown;
      const zero = spec.zero;
      return { create: (v) => seq(cloneZero(zero), v), mergeValue: seq, mergeCombiners: comb, growing: false };
    }
    case 'combine': {
      return {
        create: compile(spec.create) as (v: unknown) => unknown,
        mergeValue: compile(spec.merge) as (c: unknown, v: unknown) => unknown,
        mergeCombiners: compile(spec.mergeCombiners) as (a: unknown, b: unknown) => unknown,
        growing: false,
      };
    }
  }
}
