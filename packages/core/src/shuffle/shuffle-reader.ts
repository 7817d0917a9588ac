/**
 * The reduce side of a shuffle within a task: reads a reduce partition's map output segments
 * (local ones first, then remote ones as they arrive; see TaskContext.readOrder), counts what it
 * read, and aggregates and/or sorts the records when the shuffle says so, spilling past the
 * task's memory budget. Fetching remote segments is the block fetcher's (block-fetcher.ts);
 * joins read through hash-join.ts and cogroup.ts. Runs on the task's thread.
 */
import { compareKeys } from '../keys/ordering.ts';
import type { BlockRef, PlanNode } from '../plan/plan.ts';
import { spillContext, type TaskContext } from '../plan/task-context.ts';
import { batchesOf, countedBatches, type Batched } from '../util/push.ts';
import { makeAggregator } from './aggregator.ts';
import { aggregateExternal } from './external-aggregator.ts';
import { sortExternal } from './external-sorter.ts';

type AnyFn = (...a: unknown[]) => unknown;

/** A shuffle input's blocks in the order to read them (see TaskContext.readOrder). */
export function inReadOrder(input: BlockRef[], ctx: TaskContext): BlockRef[] {
  return ctx.readOrder ? ctx.readOrder(input) : input;
}

/** The records of a shuffle input's blocks, in read order, counted as shuffle records read. */
export function readBlocks(input: BlockRef[], ctx: TaskContext): Batched<unknown> {
  const blocks = inReadOrder(input, ctx);
  return countedBatches(
    function* () {
      for (const b of blocks) yield* batchesOf(ctx.readBlock(b));
    },
    (n) => (ctx.metrics.shuffleReadRecords += n),
  );
}

/** The records of a reduce partition of `node`'s shuffle: aggregated by key and/or sorted when the node says so. */
export function readShuffled(node: Extract<PlanNode, { t: 'shuffled' }>, blocks: BlockRef[], ctx: TaskContext): Iterable<unknown> {
  let records: Iterable<unknown> = readBlocks(blocks, ctx);
  if (node.agg) {
    const agg = makeAggregator(node.agg, (f) => ctx.compile(f));
    const expected = blocks.reduce((t, b) => t + b.records, 0);
    records = aggregateExternal(records, agg, node.mapSideCombined, spillContext(ctx), expected);
  }
  if (node.ordering) {
    const keyFn = node.ordering.keyFn ? ctx.compile<AnyFn>(node.ordering.keyFn) : null;
    const asc = node.ordering.ascending;
    const cmp = keyFn
      ? (a: unknown, b: unknown) => compareKeys(keyFn((a as unknown[])[0]), keyFn((b as unknown[])[0]))
      : (a: unknown, b: unknown) => {
          const x = (a as unknown[])[0];
          const y = (b as unknown[])[0];
          // Fast paths of the total order for the common key types (NaN goes through compareKeys).
          if (typeof x === 'number' && typeof y === 'number' && x === x && y === y) return x < y ? -1 : x > y ? 1 : 0;
          if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
          return compareKeys(x, y);
        };
    records = sortExternal(records, asc ? cmp : (a, b) => cmp(b, a), spillContext(ctx), keyFn ? {} : { pairKey: asc ? 'ascending' : 'descending' });
  }
  return records;
}
