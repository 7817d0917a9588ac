/**
 * Cogroup within a reduce task: the values of several inputs grouped by key into one array per
 * input, `[key, [vs0, vs1, ...]]`. Inputs are narrow parents already partitioned alike (computed
 * by the caller) or shuffle reads. Goes through the spilling aggregator, so a cogroup (and every
 * join that does not take the hash join) stays within the task's memory budget. Runs on the
 * task's thread.
 */
import type { BlockRef, CoGroupSplitInput, PlanNode, Split } from '../plan/plan.ts';
import { spillContext, type TaskContext } from '../plan/task-context.ts';
import { pushAll, type PushIterable } from '../util/push.ts';
import type { Aggregator } from './aggregator.ts';
import { aggregateExternal } from './external-aggregator.ts';
import { pairsOnly } from './pairs.ts';
import { readBlocks } from './shuffle-reader.ts';

/**
 * The cogrouped records of one partition. `computeNarrow` computes a narrow input's records;
 * `current` tells the combine functions which input the record being fed comes from.
 */
export function cogroup(
  node: Extract<PlanNode, { t: 'cogroup' }>,
  inputs: CoGroupSplitInput[],
  ctx: TaskContext,
  computeNarrow: (node: PlanNode, split: Split) => Iterable<unknown>,
): Iterable<unknown> {
  const n = node.inputs.length;
  let current = 0;
  const agg: Aggregator = {
    // Exact-capacity arrays: an empty array pushed into once takes 17 slots (V8 grows by half plus 16),
    // so a key seen once held 327 bytes with Array.from + push, 175 like this (two inputs, table included).
    create: (v) => {
      const g = new Array<unknown[]>(n);
      for (let i = 0; i < n; i++) g[i] = i === current ? [v] : [];
      return g;
    },
    mergeValue: (g, v) => {
      const groups = g as unknown[][];
      const vs = groups[current]!;
      // The first value of an input's group: a new one-slot array rather than a push into the empty one.
      if (vs.length === 0) groups[current] = [v];
      else vs.push(v);
      return g;
    },
    mergeCombiners: (a, b) => {
      const x = a as unknown[][];
      const y = b as unknown[][];
      for (let i = 0; i < n; i++) for (const v of y[i]!) x[i]!.push(v);
      return x;
    },
    // Measured, not counted by records: a key's groups weigh far more than its records (subtract of
    // distinct keys held ~9x the record estimate, with peak RSS 0.5 GB under a 1 MiB budget).
    growing: false,
  };
  const source = (k: number): Iterable<unknown> => {
    const inp = node.inputs[k]!;
    const s = inputs[k]!;
    // Shuffled inputs were checked to be pairs by their map tasks; narrow ones (partitioned alike, as by partitionBy) are checked here.
    if ('narrow' in inp) return pairsOnly(computeNarrow(inp.narrow, (s as { split: Split }).split), { method: node.method, partition: ctx.partitionId, rddId: inp.narrow.id });
    return readBlocks((s as { blocks: BlockRef[] }).blocks, ctx);
  };
  const all: PushIterable<unknown> = {
    *[Symbol.iterator]() {
      for (let k = 0; k < n; k++) {
        current = k;
        yield* source(k);
      }
    },
    pushTo(sink) {
      for (let k = 0; k < n; k++) {
        current = k;
        pushAll(source(k), sink);
      }
    },
  };
  return aggregateExternal(all, agg, false, spillContext(ctx));
}
