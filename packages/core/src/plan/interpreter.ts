/**
 * The executor's interpreter of plan nodes: turns a (PlanNode, Split) pair into an iterator over
 * the partition's records, pipelining narrow transformations (element-wise ops run fused in one
 * loop, no intermediate arrays; see element-ops.ts) and reading cached blocks. Sources (parallel
 * slices, ranges, text files) are read here; partition transforms, result functions and text
 * output are beside it; shuffle reads, cogroups and hash joins are the shuffle's (shuffle/).
 * One exhaustive switch over the node kinds. Runs on one executor thread per task.
 */
import fs from 'node:fs';
import { FlintError, FlintErrorCode } from '../errors.ts';
import { gunzipBytes, readLines } from '../files/text-input.ts';
import { deserialize } from '../serializer.ts';
import { cogroup } from '../shuffle/cogroup.ts';
import { hashJoin } from '../shuffle/hash-join.ts';
import { readShuffled } from '../shuffle/shuffle-reader.ts';
import { BlockStore } from '../storage/block-store.ts';
import { batchesOf, countedBatches, iterableIterator, type Batched } from '../util/push.ts';
import { checkKilled } from '../util/task-kill.ts';
import { applyOps } from './element-ops.ts';
import { runPartitionTransform } from './partition-transforms.ts';
import { unknownPlanKind, type PlanNode, type Split, type SplitOf } from './plan.ts';
import type { TaskContext } from './task-context.ts';

type AnyFn = (...a: unknown[]) => unknown;

/** The records of partition `split` of `node`. */
export function computeNode(node: PlanNode, split: Split, ctx: TaskContext): Iterable<unknown> {
  if (node.cache && node.cache !== 'NONE') {
    const blockId = BlockStore.blockId(node.id, split.i);
    const hit = ctx.blocks.get(blockId, node.cache);
    if (hit) return hit;
    const records = Array.from(computeUncached(node, split, ctx));
    const upd = ctx.blocks.put(blockId, node.id, split.i, records, node.cache);
    if (upd) ctx.blockUpdates.push(upd);
    return records;
  }
  return computeUncached(node, split, ctx);
}

/** `split` as the split of a node of kind `t`; a split of another kind is a plan built wrongly. */
function splitOf<T extends Split['t']>(split: Split, t: T, node: PlanNode): SplitOf<T> {
  if (split.t !== t) throw new FlintError(FlintErrorCode.INTERNAL, `RDD ${node.id} (${node.t}) was given a split of kind ${split.t}, not ${t}`);
  return split as SplitOf<T>;
}

function computeUncached(node: PlanNode, split: Split, ctx: TaskContext): Iterable<unknown> {
  switch (node.t) {
    case 'parallel':
      return deserialize<unknown[]>(splitOf(split, 'parallel', node).bytes);
    case 'empty':
      return [];
    case 'range': {
      const s = splitOf(split, 'range', node);
      return rangeIter(s.start, s.step, s.from, s.to);
    }
    case 'textFile':
      return countInput(readLines(splitOf(split, 'textFile', node), (n) => (ctx.metrics.inputBytes += n)), ctx);
    case 'wholeTextFiles':
      return wholeFiles(splitOf(split, 'wholeTextFiles', node).paths, ctx);
    case 'ops':
      return applyOps(computeNode(node.parent, split, ctx), node.ops, ctx);
    case 'mapPartitions': {
      const f = ctx.compile<AnyFn>(node.f);
      const it = iterableIterator(computeNode(node.parent, split, ctx));
      const r = (node.withIndex ? f(split.i, it) : f(it)) as Iterable<unknown>;
      if (r === null || r === undefined || typeof (r as Iterable<unknown>)[Symbol.iterator] !== 'function') {
        throw new TypeError(`${node.f.method}(): the function must return an iterable (an array or a generator), got ${r === null ? 'null' : typeof r}`);
      }
      return r;
    }
    case 'builtin': {
      const tr = node.tr;
      if (tr.name === 'joinValues' && node.parent.t === 'cogroup') {
        const joined = hashJoin(node.parent, splitOf(split, 'cogroup', node.parent).inputs, tr.args.how, ctx);
        if (joined) return joined;
      }
      return runPartitionTransform(tr, computeNode(node.parent, split, ctx), split.i, ctx);
    }
    case 'union': {
      const s = splitOf(split, 'union', node);
      return computeNode(node.parents[s.which]!, s.parent, ctx);
    }
    case 'coalesce':
      return chain(splitOf(split, 'coalesce', node).parents.map((p) => () => computeNode(node.parent, p, ctx)));
    case 'cartesian': {
      const s = splitOf(split, 'cartesian', node);
      return cartesian(node.left, node.right, s.left, s.right, ctx);
    }
    case 'zip': {
      const s = splitOf(split, 'zip', node);
      return zipIters(
        node.parents.map((p, k) => computeNode(p, s.parents[k]!, ctx)),
        node.parents.map((p) => p.id),
        s.i,
      );
    }
    case 'shuffled':
      return readShuffled(node, splitOf(split, 'shuffled', node).blocks, ctx);
    case 'cogroup':
      return cogroup(node, splitOf(split, 'cogroup', node).inputs, ctx, (n, s) => computeNode(n, s, ctx));
    default:
      return unknownPlanKind('plan node', node);
  }
}

function countInput<T>(it: Batched<T>, ctx: TaskContext): Batched<T> {
  // Counted by batch: a consumer that stops early has still read the whole batch from the file.
  return countedBatches(() => batchesOf(it), (n) => (ctx.metrics.inputRecords += n));
}

/** Elements `from` .. `to` - 1 of a range, each computed from its index (no accumulated rounding). */
function* rangeIter(start: number, step: number, from: number, to: number): Generator<number> {
  for (let i = from; i < to; i++) {
    if ((i & 4095) === 0) checkKilled();
    yield start + i * step;
  }
}

function* wholeFiles(paths: string[], ctx: TaskContext): Generator<[string, string]> {
  for (const p of paths) {
    const buf = fs.readFileSync(p);
    ctx.metrics.inputBytes += buf.length;
    ctx.metrics.inputRecords++;
    yield [`file:${p}`, (p.endsWith('.gz') ? gunzipBytes(buf, p) : buf).toString('utf8')];
  }
}

function* chain(parts: (() => Iterable<unknown>)[]): Generator<unknown> {
  for (const p of parts) yield* p();
}

function* cartesian(left: PlanNode, right: PlanNode, ls: Split, rs: Split, ctx: TaskContext): Generator<[unknown, unknown]> {
  const rightRecords = Array.from(computeNode(right, rs, ctx));
  for (const a of computeNode(left, ls, ctx)) for (const b of rightRecords) yield [a, b];
}

/**
 * Pairs the elements of partitions by position. Unequal lengths are the engine's error, not a user
 * function's: a FlintError, which the task runner never attributes to a function of the stage.
 */
function* zipIters(its: Iterable<unknown>[], rddIds: number[], partition: number): Generator<unknown[]> {
  const iters = its.map((i) => i[Symbol.iterator]());
  for (let n = 0; ; n++) {
    const rs = iters.map((i) => i.next());
    const done = rs.filter((r) => r.done).length;
    if (done === rs.length) return;
    if (done > 0) {
      const ended = rddIds.filter((_, k) => rs[k]!.done).map((id) => `RDD ${id}`);
      const more = rddIds.filter((_, k) => !rs[k]!.done).map((id) => `RDD ${id}`);
      throw new FlintError(
        FlintErrorCode.INVALID_ARGUMENT,
        `zip: partition ${partition} of ${ended.join(', ')} has ${n} elements but that of ${more.join(', ')} has more; zip needs the same number of elements in each partition (pair by zipWithIndex and join instead)`,
      );
    }
    yield rs.map((r) => r.value);
  }
}
