/**
 * The hash join of a reduce task whose join inputs are both shuffle reads: the side with fewer
 * shuffle bytes (of those the join type allows) is loaded into a table of values per key, and
 * the other side streams past it, pair frames probed column by column. The caller falls back to
 * cogroup + joinValues (which spills) when this declines. Runs on the task's thread.
 */
import { KeyTable } from '../keys/key-table.ts';
import { decodeFrame } from '../frame/frame.ts';
import { isFramed } from '../frame/frame-file.ts';
import { isPairFrame, PairCursor } from '../frame/pair-frame.ts';
import type { BlockRef, CoGroupSplitInput, JoinHow, PlanNode } from '../plan/plan.ts';
import type { TaskContext } from '../plan/task-context.ts';
import { batched, batchesOf, pushAll, type PushIterable } from '../util/push.ts';
import { inReadOrder, readBlocks } from './shuffle-reader.ts';

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
export function hashJoin(node: Extract<PlanNode, { t: 'cogroup' }>, inputs: CoGroupSplitInput[], how: JoinHow, ctx: TaskContext): PushIterable<unknown> | null {
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

