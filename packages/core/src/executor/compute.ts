/**
 * The executor's interpreter of plan nodes: turns a (PlanNode, Split) pair into
 * an iterator over the partition's records, pipelining narrow transformations
 * (element-wise ops run fused in one loop, no intermediate arrays). Also holds
 * the builtin partition transforms and the result functions of actions.
 * Runs on one executor thread per task.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { FnSpec } from '../closure/ship.ts';
import { FlintError, FlintErrorCode } from '../errors.ts';
import { canonicalKey, keyEquals } from '../keys/key-hash.ts';
import { KeyMap } from '../keys/key-map.ts';
import { KeyTable } from '../keys/key-table.ts';
import { compareKeys, sortValues } from '../keys/ordering.ts';
import { gunzipBytes, readLines } from '../files/text-input.ts';
import { openAttemptFile } from '../files/output-committer.ts';
import { isPairFrame, PairCursor } from '../frame/pair-frame.ts';
import { decodeFrame } from '../frame/frame.ts';
import { deserialize } from '../serializer.ts';
import { isFramed } from '../frame/frame-file.ts';
import type { BlockRef, BuiltinTransform, ElementOp, PlanNode, Split } from '../rdd/plan.ts';
import { makeAggregator, type Aggregator } from '../shuffle/aggregator.ts';
import { aggregateExternal } from '../shuffle/external-aggregator.ts';
import { sortExternal } from '../shuffle/external-sorter.ts';
import { BlockStore } from '../storage/block-store.ts';
import { SeededRandom, partitionSeed } from '../util/random.ts';
import { StatCounter } from '../util/stat-counter.ts';
import { batched, batchesOf, isBatched, pushAll, type Batched, type PushIterable } from '../util/push.ts';
import type { TaskContext } from './task-context.ts';

type AnyFn = (...a: unknown[]) => unknown;

// ---- fused element-wise ops -------------------------------------------------------------------

function applyOps(input: Iterable<unknown>, ops: ElementOp[], ctx: TaskContext): PushIterable<unknown> {
  const pushTo = (sink: (x: unknown) => void): void => pushAll(input, fuse(ops, sink, ctx));
  if (isBatched(input)) {
    // A batched source stays batched: each input batch goes through the fused chain into an output batch.
    const out = batched(function* () {
      let buf: unknown[] = [];
      const head = fuse(ops, (x) => buf.push(x), ctx);
      for (const b of batchesOf(input)) {
        for (let i = 0; i < b.length; i++) head(b[i]);
        if (buf.length > 0) {
          yield buf;
          buf = [];
        }
      }
    });
    out.pushTo = pushTo;
    return out;
  }
  return { [Symbol.iterator]: () => applyOpsPull(input, ops, ctx), pushTo };
}

function* applyOpsPull(input: Iterable<unknown>, ops: ElementOp[], ctx: TaskContext): Generator<unknown> {
  if (ops.length === 1) {
    const op = ops[0]!;
    switch (op.t) {
      case 'map': {
        const f = ctx.compile<AnyFn>(op.f);
        for (const x of input) yield f(x);
        return;
      }
      case 'filter': {
        const f = ctx.compile<AnyFn>(op.f);
        for (const x of input) if (f(x)) yield x;
        return;
      }
      case 'flatMap': {
        const f = ctx.compile<AnyFn>(op.f);
        for (const x of input) yield* f(x) as Iterable<unknown>;
        return;
      }
    }
  }
  // General case: compose a push chain, drain its output buffer per input record.
  const out: unknown[] = [];
  const head = fuse(ops, (x) => out.push(x), ctx);
  for (const x of input) {
    head(x);
    if (out.length > 0) {
      for (let i = 0; i < out.length; i++) yield out[i];
      out.length = 0;
    }
  }
}

/** The fused chain of `ops` in front of `sink`: one function that takes an input record. */
function fuse(ops: ElementOp[], sink: (x: unknown) => void, ctx: TaskContext): (x: unknown) => void {
  let head = sink;
  for (let i = ops.length - 1; i >= 0; i--) head = stage(ops[i]!, head, ctx);
  return head;
}

function stage(op: ElementOp, next: (x: unknown) => void, ctx: TaskContext): (x: unknown) => void {
  switch (op.t) {
    case 'map': {
      const f = ctx.compile<AnyFn>(op.f);
      return (x) => next(f(x));
    }
    case 'filter': {
      const f = ctx.compile<AnyFn>(op.f);
      return (x) => {
        if (f(x)) next(x);
      };
    }
    case 'flatMap': {
      const f = ctx.compile<AnyFn>(op.f);
      return (x) => {
        const r = f(x) as Iterable<unknown>;
        if (Array.isArray(r)) for (let i = 0; i < r.length; i++) next(r[i]);
        else for (const y of r) next(y);
      };
    }
    case 'mapValues': {
      const f = ctx.compile<AnyFn>(op.f);
      return (x) => {
        const kv = x as [unknown, unknown];
        next([kv[0], f(kv[1])]);
      };
    }
    case 'flatMapValues': {
      const f = ctx.compile<AnyFn>(op.f);
      return (x) => {
        const kv = x as [unknown, unknown];
        for (const v of f(kv[1]) as Iterable<unknown>) next([kv[0], v]);
      };
    }
    case 'keyBy': {
      const f = ctx.compile<AnyFn>(op.f);
      return (x) => next([f(x), x]);
    }
    case 'keys':
      return (x) => next((x as unknown[])[0]);
    case 'values':
      return (x) => next((x as unknown[])[1]);
    case 'pairWith': {
      const v = op.value;
      return (x) => next([x, v]);
    }
  }
}

// ---- plan interpretation ----------------------------------------------------------------------

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

function computeUncached(node: PlanNode, split: Split, ctx: TaskContext): Iterable<unknown> {
  const s = split as Record<string, unknown> & { i: number };
  switch (node.t) {
    case 'parallel':
      return s.bytes ? deserialize<unknown[]>(s.bytes as Uint8Array) : (s.data as unknown[]);
    case 'empty':
      return [];
    case 'range':
      return rangeIter(s.start as number, s.step as number, s.from as number, s.to as number);
    case 'textFile':
      return countInput(readLines(s as never, (n) => (ctx.metrics.inputBytes += n)), ctx);
    case 'wholeTextFiles':
      return wholeFiles(s.paths as string[], ctx);
    case 'ops':
      return applyOps(computeNode(node.parent, split, ctx), node.ops, ctx);
    case 'mapPartitions': {
      const f = ctx.compile<AnyFn>(node.f);
      const it = iter(computeNode(node.parent, split, ctx));
      const r = (node.withIndex ? f(s.i, it) : f(it)) as Iterable<unknown>;
      if (r === null || r === undefined || typeof (r as Iterable<unknown>)[Symbol.iterator] !== 'function') {
        throw new TypeError(`${node.f.method}(): the function must return an iterable (an array or a generator), got ${r === null ? 'null' : typeof r}`);
      }
      return r;
    }
    case 'builtin': {
      if (node.tr.name === 'joinValues' && node.parent.t === 'cogroup') {
        const joined = hashJoin(node.parent, s.inputs as ({ split: Split } | { blocks: BlockRef[] })[], node.tr.args.how as JoinHow, ctx);
        if (joined) return joined;
      }
      return builtinTransform(node.tr, computeNode(node.parent, split, ctx), s.i, ctx);
    }
    case 'union':
      return computeNode(node.parents[s.which as number]!, s.parent as Split, ctx);
    case 'coalesce':
      return chain((s.parents as Split[]).map((p) => () => computeNode(node.parent, p, ctx)));
    case 'cartesian':
      return cartesian(node.left, node.right, s.left as Split, s.right as Split, ctx);
    case 'zip':
      return zipIters(
        node.parents.map((p, k) => computeNode(p, (s.parents as Split[])[k]!, ctx)),
        node.parents.map((p) => p.id),
        s.i,
      );
    case 'shuffled':
      return readShuffled(node, s.blocks as BlockRef[], ctx);
    case 'cogroup':
      return cogroup(node, s.inputs as ({ split: Split } | { blocks: BlockRef[] })[], ctx);
  }
}

/** The batches `batches` makes, with their record count added to a task metric as they are handed out. */
function counted<T>(batches: () => Iterable<T[]>, add: (n: number) => void): Batched<T> {
  return batched(function* () {
    let n = 0;
    try {
      for (const b of batches()) {
        n += b.length;
        yield b;
      }
    } finally {
      add(n);
    }
  });
}

function countInput<T>(it: Batched<T>, ctx: TaskContext): Batched<T> {
  // Counted by batch: a consumer that stops early has still read the whole batch from the file.
  return counted(() => batchesOf(it), (n) => (ctx.metrics.inputRecords += n));
}

/** Elements `from` .. `to` - 1 of a range, each computed from its index (no accumulated rounding). */
function* rangeIter(start: number, step: number, from: number, to: number): Generator<number> {
  for (let i = from; i < to; i++) yield start + i * step;
}

function* wholeFiles(paths: string[], ctx: TaskContext): Generator<[string, string]> {
  for (const p of paths) {
    const buf = fs.readFileSync(p);
    ctx.metrics.inputBytes += buf.length;
    ctx.metrics.inputRecords++;
    yield [`file:${p}`, (p.endsWith('.gz') ? gunzipBytes(buf, p) : buf).toString('utf8')];
  }
}

/** An iterator over `it` that is also iterable: the source's own when it is (array and generator iterators are), else a wrapper. */
function iter<T>(it: Iterable<T>): IterableIterator<T> {
  const i = it[Symbol.iterator]() as Partial<IterableIterator<T>> & Iterator<T>;
  if (typeof i[Symbol.iterator] === 'function') return i as IterableIterator<T>;
  return { next: () => i.next(), [Symbol.iterator]() { return this; } } as IterableIterator<T>;
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

/** A shuffle input's blocks in the order to read them (see TaskContext.readOrder). */
function inReadOrder(input: BlockRef[], ctx: TaskContext): BlockRef[] {
  return ctx.readOrder ? ctx.readOrder(input) : input;
}

function readBlocks(input: BlockRef[], ctx: TaskContext): Batched<unknown> {
  const blocks = inReadOrder(input, ctx);
  return counted(
    function* () {
      for (const b of blocks) yield* batchesOf(ctx.readBlock(b));
    },
    (n) => (ctx.metrics.shuffleReadRecords += n),
  );
}

function spillCtx(ctx: TaskContext) {
  return {
    localDir: ctx.localDir,
    memoryBudget: ctx.memoryBudget,
    taskId: ctx.taskId,
    onSpill: (bytes: number, mem: number) => {
      ctx.metrics.diskBytesSpilled += bytes;
      ctx.metrics.memoryBytesSpilled += mem;
    },
    onPeakMemory: (bytes: number) => {
      if (bytes > ctx.metrics.peakExecutionMemory) ctx.metrics.peakExecutionMemory = Math.round(bytes);
    },
  };
}

function readShuffled(node: Extract<PlanNode, { t: 'shuffled' }>, blocks: BlockRef[], ctx: TaskContext): Iterable<unknown> {
  let records: Iterable<unknown> = readBlocks(blocks, ctx);
  if (node.agg) {
    const agg = makeAggregator(node.agg, (f) => ctx.compile(f));
    const expected = blocks.reduce((t, b) => t + b.records, 0);
    records = aggregateExternal(records, agg, node.mapSideCombined, spillCtx(ctx), expected);
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
    records = sortExternal(records, asc ? cmp : (a, b) => cmp(b, a), spillCtx(ctx), keyFn ? {} : { pairKey: asc ? 'ascending' : 'descending' });
  }
  return records;
}

/**
 * Groups the values of several inputs by key into one array per input. Goes through the spilling
 * aggregator, so a cogroup (and every join) stays within the memory budget; `current` tells the
 * combine functions which input the record being fed comes from.
 */
function cogroup(node: Extract<PlanNode, { t: 'cogroup' }>, inputs: ({ split: Split } | { blocks: BlockRef[] })[], ctx: TaskContext): Iterable<unknown> {
  const n = node.inputs.length;
  let current = 0;
  const agg: Aggregator = {
    create: (v) => {
      const g: unknown[][] = Array.from({ length: n }, () => []);
      g[current]!.push(v);
      return g;
    },
    mergeValue: (g, v) => {
      (g as unknown[][])[current]!.push(v);
      return g;
    },
    mergeCombiners: (a, b) => {
      const x = a as unknown[][];
      const y = b as unknown[][];
      for (let i = 0; i < n; i++) for (const v of y[i]!) x[i]!.push(v);
      return x;
    },
    growing: true,
  };
  const source = (k: number): Iterable<unknown> => {
    const inp = node.inputs[k]!;
    const s = inputs[k]!;
    return 'narrow' in inp ? computeNode(inp.narrow, (s as { split: Split }).split, ctx) : readBlocks((s as { blocks: BlockRef[] }).blocks, ctx);
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
  return aggregateExternal(all, agg, false, spillCtx(ctx));
}

type JoinHow = 'inner' | 'left' | 'right' | 'full';

/** Heap bytes a build-side record takes per serialized byte, for deciding whether a hash join fits. */
const JOIN_BUILD_HEAP_FACTOR = 6;

/**
 * A join whose both inputs are shuffled, done as a hash join on the reduce side: the side with
 * fewer shuffle bytes (the one the join type allows) is loaded into a table of values per key,
 * and the other side streams past it, emitting matches as they come — no per-key groups for the
 * big side and no second pass. Returns null (the caller cogroups, which spills) when the build
 * side would not fit in half the task's memory budget, or an input is not a shuffle read.
 * Output records are the same as cogroup + joinValues; their order within a partition differs.
 */
function hashJoin(node: Extract<PlanNode, { t: 'cogroup' }>, inputs: ({ split: Split } | { blocks: BlockRef[] })[], how: JoinHow, ctx: TaskContext): PushIterable<unknown> | null {
  if (node.inputs.length !== 2 || !inputs.every((i) => 'blocks' in i)) return null;
  const blocks = inputs.map((i) => (i as { blocks: BlockRef[] }).blocks);
  const bytes = blocks.map((bs) => bs.reduce((a, b) => a + b.length, 0));
  // left/right outer joins must stream the side whose unmatched records they keep.
  const build = how === 'left' ? 1 : how === 'right' ? 0 : bytes[0]! <= bytes[1]! ? 0 : 1;
  if (bytes[build]! * JOIN_BUILD_HEAP_FACTOR > ctx.memoryBudget / 2) return null;
  const probe = 1 - build;
  const keepUnmatchedBuild = how === 'full' || (how === 'left' && build === 0) || (how === 'right' && build === 1);
  const keepUnmatchedProbe = how === 'full' || (how === 'left' && probe === 0) || (how === 'right' && probe === 1);
  // Output records keep the [left, right] order of the join whichever side was built.
  const joined = (k: unknown, b: unknown, p: unknown): unknown => (build === 0 ? [k, [b, p]] : [k, [p, b]]);
  type Entry = { vs: unknown[]; hit: boolean };
  const loadTable = (): KeyTable<Entry> => {
    const table = new KeyTable<Entry>();
    pushAll(readBlocks(blocks[build]!, ctx), (r) => {
      const kv = r as [unknown, unknown];
      const i = table.intern(kv[0]);
      if (table.added) table.vals[i] = { vs: [kv[1]], hit: false };
      else table.vals[i]!.vs.push(kv[1]);
    });
    ctx.metrics.peakExecutionMemory = Math.max(ctx.metrics.peakExecutionMemory, bytes[build]! * JOIN_BUILD_HEAP_FACTOR);
    return table;
  };
  /** Appends the output of one probe-side record to `out`. */
  const probeOne = (table: KeyTable<Entry>, r: unknown, out: unknown[]): void => {
    const kv = r as [unknown, unknown];
    const i = table.find(kv[0]);
    if (i < 0) {
      if (keepUnmatchedProbe) out.push(joined(kv[0], null, kv[1]));
      return;
    }
    const e = table.vals[i]!;
    e.hit = true;
    const vs = e.vs;
    const k = kv[0];
    const p = kv[1];
    // The probe record was decoded for this task alone: it becomes the first match's value pair.
    if (build === 0) kv[0] = vs[0];
    else {
      kv[0] = p;
      kv[1] = vs[0];
    }
    out.push([k, kv]);
    for (let j = 1; j < vs.length; j++) out.push(joined(k, vs[j], p));
  };
  /** Appends the output of a batch of decoded probe-side records; returns how many there were. */
  const probeBatch = (table: KeyTable<Entry>, b: unknown[], out: unknown[]): number => {
    for (let i = 0; i < b.length; i++) probeOne(table, b[i], out);
    return b.length;
  };
  /**
   * Appends the output of a pair frame of the probe side, read by column: a short string key is
   * looked up where it lies in the frame (its bytes when the keys are ASCII, else its span of the
   * key text), and a matched row takes the build side's equal key string, so no key string is cut
   * for it (nor any record made for an unmatched one).
   */
  const probeFrame = (table: KeyTable<Entry>, body: Buffer, out: unknown[]): number => {
    const c = new PairCursor(body);
    const stringKeys = c.stringKeys;
    const ascii = c.asciiKeys;
    const { keys, vals } = table;
    while (c.next()) {
      const i = !stringKeys
        ? table.find(c.numKey)
        : ascii && c.keyLength <= 7
          ? table.findAscii(c.buf, c.keyBytesAt + c.keyStart, c.keyLength)
          : table.findChars(c.keyText, c.keyStart, c.keyLength);
      const p = c.value;
      if (i < 0) {
        if (keepUnmatchedProbe) out.push(joined(c.key(), null, p));
        continue;
      }
      const e = vals[i]!;
      e.hit = true;
      const k = stringKeys ? keys[i] : c.numKey;
      const vs = e.vs;
      for (let j = 0; j < vs.length; j++) out.push(joined(k, vs[j], p));
    }
    return c.n;
  };
  /** Output batches: one per probe-side batch, then the unmatched build rows. */
  return batched(function* () {
    const table = loadTable();
    for (const block of inReadOrder(blocks[probe]!, ctx)) {
      const src = ctx.readBlock(block);
      // A stored block goes frame by frame, its pair frames probed by column; else by decoded batch.
      const parts: Iterable<Buffer | unknown[]> = isFramed(src) ? { [Symbol.iterator]: () => src.frames() } : batchesOf(src);
      for (const part of parts) {
        const out: unknown[] = [];
        ctx.metrics.shuffleReadRecords += Array.isArray(part)
          ? probeBatch(table, part, out)
          : isPairFrame(part)
            ? probeFrame(table, part, out)
            : probeBatch(table, decodeFrame(part), out);
        if (out.length > 0) yield out;
      }
    }
    if (keepUnmatchedBuild) {
      const out: unknown[] = [];
      const { keys, vals } = table;
      for (let i = 0; i < keys.length; i++) {
        const e = vals[i]!;
        if (!e.hit) for (const v of e.vs) out.push(joined(keys[i], v, null));
      }
      if (out.length > 0) yield out;
    }
  });
}

// ---- builtin partition transforms ---------------------------------------------------------------

function builtinTransform(tr: BuiltinTransform, input: Iterable<unknown>, partition: number, ctx: TaskContext): Iterable<unknown> {
  const a = tr.args;
  switch (tr.name) {
    case 'glom':
      return [Array.from(input)];
    case 'distributeByPosition':
      return (function* () {
        const n = a.n as number;
        let pos = new SeededRandom(partitionSeed(a.seed as number, partition)).nextInt(n);
        for (const x of input) {
          yield [pos, x];
          pos = pos + 1 === n ? 0 : pos + 1;
        }
      })();
    case 'zipWithUniqueId':
      return (function* () {
        const n = a.n as number;
        let k = 0;
        for (const x of input) yield [x, k++ * n + partition];
      })();
    case 'zipWithIndex':
      return (function* () {
        let k = (a.starts as number[])[partition]!;
        for (const x of input) yield [x, k++];
      })();
    case 'sample':
      return (function* () {
        const rng = new SeededRandom(partitionSeed(a.seed as number, partition));
        const f = a.fraction as number;
        if (a.withReplacement) {
          for (const x of input) for (let c = rng.poisson(f); c > 0; c--) yield x;
        } else for (const x of input) if (rng.next() < f) yield x;
      })();
    case 'randomSplitRange':
      return (function* () {
        const rng = new SeededRandom(partitionSeed(a.seed as number, partition));
        const lb = a.lb as number;
        const ub = a.ub as number;
        for (const x of input) {
          const u = rng.next();
          if (u >= lb && u < ub) yield x;
        }
      })();
    case 'sampleByKey':
      return (function* () {
        const rng = new SeededRandom(partitionSeed(a.seed as number, partition));
        const fr = new KeyMap<number>();
        for (const [k, f] of a.fractions as [unknown, number][]) fr.set(k, f);
        for (const x of input) {
          const k = (x as unknown[])[0];
          const f = fr.get(k) ?? fr.get(String(k)) ?? 0;
          if (a.withReplacement) for (let c = rng.poisson(f); c > 0; c--) yield x;
          else if (rng.next() < f) yield x;
        }
      })();
    case 'pipe':
      return pipeRecords(input, a.command as string, a.env as Record<string, string> | null, a.cwd as string | null);
    case 'combineLocal':
      return aggregateExternal(input, makeAggregator(a.agg as never, (f) => ctx.compile(f)), false, spillCtx(ctx));
    case 'cogroupBothNonEmpty':
      return (function* () {
        for (const x of input) {
          const g = (x as [unknown, unknown[][]])[1];
          if (g[0]!.length > 0 && g[1]!.length > 0) yield x;
        }
      })();
    case 'joinValues':
      return joinValues(input as Iterable<[unknown, unknown[][]]>, a.how as string);
    case 'subtractValues':
      return (function* () {
        for (const x of input) {
          const [k, g] = x as [unknown, unknown[][]];
          if (g[1]!.length === 0) for (const v of g[0]!) yield [k, v];
        }
      })();
    case 'reducePartition':
      return [reduceIter(input, ctx.compile<AnyFn>(a.f as FnSpec))];
    case 'foldToOne':
      return [foldIter(input, a.zero, ctx.compile<AnyFn>(a.f as FnSpec))];
    case 'keyByPartitionMod':
      return (function* () {
        const k = partition % (a.n as number);
        for (const x of input) yield [k, x];
      })();
    default:
      throw new Error(`unknown builtin transform "${tr.name}"`);
  }
}

function* joinValues(input: Iterable<[unknown, unknown[][]]>, how: string): Generator<unknown> {
  for (const [k, [vs, ws]] of input) {
    if (vs!.length === 0 && ws!.length === 0) continue;
    if (vs!.length === 0) {
      if (how === 'right' || how === 'full') for (const w of ws!) yield [k, [null, w]];
      continue;
    }
    if (ws!.length === 0) {
      if (how === 'left' || how === 'full') for (const v of vs!) yield [k, [v, null]];
      continue;
    }
    for (const v of vs!) for (const w of ws!) yield [k, [v, w]];
  }
}

function* pipeRecords(input: Iterable<unknown>, command: string, env: Record<string, string> | null, cwd: string | null): Generator<string> {
  const lines: string[] = [];
  for (const x of input) lines.push(typeof x === 'string' ? x : JSON.stringify(x));
  const r = spawnSync('/bin/sh', ['-c', command], {
    input: lines.length ? lines.join('\n') + '\n' : '',
    env: env ? { ...process.env, ...env } : process.env,
    cwd: cwd ?? undefined,
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  // A command that exits without reading all its input (echo, head) breaks the pipe: not an error when it exited.
  const brokenPipe = (r.error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE' && r.status !== null;
  if (r.error && !brokenPipe) throw new Error(`pipe: cannot run "${command}": ${r.error.message}`);
  if (r.status !== 0) throw new Error(`pipe: command "${command}" exited with ${r.status ?? r.signal}: ${String(r.stderr).slice(0, 2000)}`);
  const out = String(r.stdout);
  if (out.length === 0) return;
  const parts = out.split('\n');
  if (out.endsWith('\n')) parts.pop();
  yield* parts;
}

function reduceIter(input: Iterable<unknown>, f: AnyFn): { has: boolean; v?: unknown } {
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

function foldIter(input: Iterable<unknown>, zero: unknown, f: AnyFn): unknown {
  // The plan (and its zero) is shared by every task of the stage on this thread: each task folds into its own copy.
  let acc = typeof zero === 'object' && zero !== null ? structuredClone(zero) : zero;
  pushAll(input, (x) => {
    acc = f(acc, x);
  });
  return acc;
}

// ---- result functions of actions ---------------------------------------------------------------

/** Applies an action's result function to a partition's records. */
export function runResultFn(rf: BuiltinTransform, input: Iterable<unknown>, partition: number, ctx: TaskContext): unknown {
  const a = rf.args;
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
      const n = a.n as number;
      if (n <= 0) return out;
      for (const x of input) {
        out.push(x);
        if (out.length >= n) break;
      }
      return out;
    }
    case 'reduce':
      return reduceIter(input, ctx.compile<AnyFn>(a.f as FnSpec));
    case 'fold':
      return foldIter(input, a.zero, ctx.compile<AnyFn>(a.f as FnSpec));
    case 'foreach': {
      const f = ctx.compile<AnyFn>(a.f as FnSpec);
      pushAll(input, (x) => {
        f(x);
      });
      return null;
    }
    case 'foreachPartition': {
      const f = ctx.compile<AnyFn>(a.f as FnSpec);
      const it = iter(input);
      f(it);
      for (const _ of it) {
        /* drain what the function left, so lineage side effects complete */
      }
      return null;
    }
    case 'takeOrdered': {
      const n = a.n as number;
      const keyFn = a.key ? ctx.compile<AnyFn>(a.key as FnSpec) : null;
      const asc = a.ascending as boolean;
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
        s.merge(x as number);
      });
      return s.toData();
    }
    case 'sum': {
      let t = 0;
      pushAll(input, (x) => {
        t += x as number;
      });
      return t;
    }
    case 'histogram':
      return histogramCounts(input as Iterable<number>, a.edges as number[], a.evenly as boolean);
    case 'countByKey': {
      const m = new KeyMap<number>();
      for (const x of input) {
        const k = (x as unknown[])[0];
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      return Array.from(m.entries());
    }
    case 'reduceByKeyLocally': {
      const f = ctx.compile<AnyFn>(a.f as FnSpec);
      const m = new KeyMap<unknown>();
      for (const x of input) {
        const [k, v] = x as [unknown, unknown];
        m.set(k, m.has(k) ? f(m.get(k), v) : v);
      }
      return Array.from(m.entries());
    }
    case 'lookup': {
      const out: unknown[] = [];
      const key = a.key;
      for (const x of input) if (keyEquals((x as unknown[])[0], key)) out.push((x as unknown[])[1]);
      return out;
    }
    case 'saveAsText':
      return saveText(input, a.dir as string, partition, ctx);
    case 'sampleKeys': {
      const k = a.k as number;
      const keyFn = a.keyFn ? ctx.compile<AnyFn>(a.keyFn as FnSpec) : null;
      const rng = new SeededRandom(partitionSeed(a.seed as number, partition));
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
      throw new Error(`unknown result function "${rf.name}"`);
  }
}

/** Counts per bucket of sorted edges, all numbers or all strings; elements of another type (and NaN) are skipped. */
function histogramCounts(input: Iterable<number>, edges: number[], evenly: boolean): number[] {
  const nb = edges.length - 1;
  const counts = new Array<number>(nb).fill(0);
  const lo = edges[0]!;
  const hi = edges[nb]!;
  const inc = (hi - lo) / nb;
  const kind = typeof lo;
  for (const x of input) {
    if (typeof x !== kind || Number.isNaN(x) || x < lo || x > hi) continue;
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

/** A record as a line of text: a string as itself, anything else as JSON-like text (see textOf). */
function formatLine(x: unknown): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  if (x === undefined) return 'undefined';
  return textOf(x, 0);
}

/**
 * JSON text of a nested value, extended so nothing is lost silently: a Map is written as its
 * entries `[[k, v], ...]` and a Set as its values (JSON.stringify wrote both as `{}`), binary arrays
 * as their elements, bigints as their digits, -0 as -0, NaN and Infinity by name. A function, a
 * symbol or a Promise cannot be written as text and fails the save, naming it.
 */
function textOf(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'undefined':
      return 'null';
    case 'object':
      break;
    default:
      throw new TypeError(`saveAsTextFile: cannot write a ${typeof v} as text; map records to strings or data first`);
  }
  if (v === null) return 'null';
  if (depth > 1000) throw new TypeError('saveAsTextFile: a record nests deeper than 1000 levels (is it cyclic?)');
  const d = depth + 1;
  if (Array.isArray(v)) return `[${v.map((e) => textOf(e, d)).join(',')}]`;
  if (v instanceof Map) return `[${Array.from(v, ([k, e]) => `[${textOf(k, d)},${textOf(e, d)}]`).join(',')}]`;
  if (v instanceof Set) return `[${Array.from(v, (e) => textOf(e, d)).join(',')}]`;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return `[${Array.from(v as unknown as ArrayLike<number | bigint>, (e) => textOf(e, d)).join(',')}]`;
  if (v instanceof Promise) throw new TypeError('saveAsTextFile: cannot write a Promise as text; compute the value synchronously');
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return JSON.stringify(v);
  const parts: string[] = [];
  for (const k of Object.keys(v)) {
    const e = (v as Record<string, unknown>)[k];
    if (e === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${textOf(e, d)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Writes the partition into this attempt's own file in the staging area; returns that file's path there (see OutputCommitter). */
function saveText(input: Iterable<unknown>, staging: string, partition: number, ctx: TaskContext): string {
  const { fd, file: tmp, relative } = openAttemptFile(staging, partition, ctx.taskId);
  let records = 0;
  let bytes = 0;
  try {
    let chunk: string[] = [];
    let len = 0;
    const flush = (): void => {
      if (chunk.length === 0) return;
      const buf = Buffer.from(chunk.join(''), 'utf8');
      fs.writeSync(fd, buf);
      bytes += buf.length;
      chunk = [];
      len = 0;
    };
    for (const x of input) {
      const line = formatLine(x) + '\n';
      chunk.push(line);
      len += line.length;
      records++;
      if (len > 1 << 20) flush();
    }
    flush();
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  ctx.metrics.outputRecords += records;
  ctx.metrics.outputBytes += bytes;
  return relative;
}

export { canonicalKey };
