/**
 * Sorting with bounded memory: records are buffered and sorted; when the buffer's
 * estimated size passes the budget it is sorted and written as a run on disk, and
 * the runs are merged with a binary heap at the end. Run files are removed when
 * iteration ends, normally or not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { encodeFrame } from '../frame/frame.ts';
import { FrameFileWriter, readFrameRange } from '../frame/frame-file.ts';
import { sortValues } from '../keys/ordering.ts';
import { pushAll } from '../util/push.ts';
import type { SpillContext } from './external-aggregator.ts';
import { SizeEstimator } from './size-estimator.ts';

/** Records per frame of a run: a merge holds one decoded frame per run. */
const BATCH = 256;
/** Runs merged at once; more are merged in passes. */
const MAX_FAN_IN = 32;
/** Read buffer per run during a merge. */
const MERGE_READ_CHUNK = 64 << 10;
let runSeq = 0;

/**
 * How records compare, when the sorter can do better than calling `compare`: `pairKey` says the
 * records are [key, value] pairs ordered by key in the engine's total order, so when every key of
 * a buffer is a number (not NaN) the buffer is radix-sorted on the keys' bits instead (as Spark
 * radix-sorts key prefixes) — linear time, no comparator calls.
 */
export interface SortHints {
  pairKey?: 'ascending' | 'descending';
}

/**
 * The records in sorted order. Nothing is read until iteration starts; without a spill the
 * sorted buffer is iterated directly (an array iterator, not a generator).
 */
export function sortExternal<T>(records: Iterable<T>, compare: (a: T, b: T) => number, ctx: SpillContext, hints: SortHints = {}): Iterable<T> {
  return { [Symbol.iterator]: () => sortIterator(records, compare, ctx, hints) };
}

function sortIterator<T>(records: Iterable<T>, compare: (a: T, b: T) => number, ctx: SpillContext, hints: SortHints): Iterator<T> {
  const est = new SizeEstimator();
  let buf: T[] = [];
  const runs: { path: string; length: number }[] = [];
  let checkAt = 4096;
  const sortBuffer = (): T[] => (hints.pairKey && radixSortByNumberKey(buf, hints.pairKey === 'descending')) || sortValues(buf, compare);
  const writeRun = (): void => {
    const sorted = sortBuffer();
    const file = path.join(ctx.localDir, `spill-sort-${ctx.taskId}-${process.pid}-${runSeq++}.tmp`);
    const w = new FrameFileWriter(file);
    try {
      for (let i = 0; i < sorted.length; i += BATCH) w.write(encodeFrame(sorted.slice(i, i + BATCH)));
    } finally {
      w.close();
    }
    ctx.onSpill(w.position, Math.round(sorted.length * est.bytesPerRecord));
    runs.push({ path: file, length: w.position });
    buf = [];
  };
  try {
    let n = 0;
    pushAll(records, (r) => {
      buf.push(r);
      if ((++n & 127) === 0) est.observe(r);
      if (buf.length >= checkAt) {
        checkAt = buf.length + 4096;
        const bytes = buf.length * est.bytesPerRecord;
        ctx.onPeakMemory(bytes);
        if (bytes > ctx.memoryBudget) {
          writeRun();
          checkAt = 4096;
        }
      }
    });
    if (runs.length === 0) return sortBuffer()[Symbol.iterator]();
    if (buf.length > 0) writeRun();
  } catch (e) {
    for (const r of runs) fs.rmSync(r.path, { force: true });
    throw e;
  }
  return mergeAllRuns(runs, compare);
}

function* mergeAllRuns<T>(runs: { path: string; length: number }[], compare: (a: T, b: T) => number): Generator<T> {
  try {
    // Merge at most MAX_FAN_IN runs at a time so that memory does not grow with the number of
    // runs: the earliest runs merge first and the result takes their place (ties keep input order).
    while (runs.length > MAX_FAN_IN) {
      const group = runs.slice(0, MAX_FAN_IN);
      const merged = { path: path.join(path.dirname(group[0]!.path), `spill-sort-merged-${process.pid}-${runSeq++}.tmp`), length: 0 };
      runs.splice(0, MAX_FAN_IN, merged);
      const w = new FrameFileWriter(merged.path);
      try {
        let batch: T[] = [];
        for (const x of mergeRuns(group, compare)) {
          batch.push(x);
          if (batch.length >= BATCH) {
            w.write(encodeFrame(batch));
            batch = [];
          }
        }
        if (batch.length > 0) w.write(encodeFrame(batch));
      } finally {
        w.close();
        for (const r of group) fs.rmSync(r.path, { force: true });
      }
      merged.length = w.position;
    }
    yield* mergeRuns(runs, compare);
  } finally {
    for (const r of runs) fs.rmSync(r.path, { force: true });
  }
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** Index of the high 32 bits of a double in U32 (the machine's byte order). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/**
 * Sorts [number, value] pairs by key with an LSD radix sort over the keys' order-preserving
 * 64-bit images (16 bits per pass, passes where every key has the same digit skipped). Returns
 * null, leaving `buf` as it was, when some key is not a number or is NaN. Stable in both
 * directions (descending sorts the complemented images); -0 sorts as 0.
 */
export function radixSortByNumberKey<T>(buf: T[], descending: boolean): T[] | null {
  const n = buf.length;
  if (n < 64) return null;
  const flip = descending ? 0xffffffff : 0;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const k = (buf[i] as unknown as unknown[])[0];
    if (typeof k !== 'number' || k !== k) return null;
    F64[0] = k + 0; // -0 becomes 0
    const h = U32[HI]!;
    const l = U32[LO]!;
    if (h & 0x80000000) {
      hi[i] = (~h ^ flip) >>> 0;
      lo[i] = (~l ^ flip) >>> 0;
    } else {
      hi[i] = ((h | 0x80000000) ^ flip) >>> 0;
      lo[i] = (l ^ flip) >>> 0;
    }
  }
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Uint32Array(65536);
  const passes: [Uint32Array, number][] = [
    [lo, 0],
    [lo, 16],
    [hi, 0],
    [hi, 16],
  ];
  for (const [words, shift] of passes) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(words[i]! >>> shift) & 0xffff]++;
    if (counts[(words[0]! >>> shift) & 0xffff] === n) continue; // one digit for all: nothing to do
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const idx = order[i]!;
      next[counts[(words[idx]! >>> shift) & 0xffff]++] = idx;
    }
    const t = order;
    order = next;
    next = t;
  }
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = buf[order[i]!]!;
  return out;
}

/** A k-way merge of sorted runs with a binary heap; equal records come out in run order. */
function* mergeRuns<T>(runs: { path: string; length: number }[], compare: (a: T, b: T) => number): Generator<T> {
  const iters = runs.map((r) => (readFrameRange(r.path, 0, r.length, undefined, MERGE_READ_CHUNK) as Iterable<T>)[Symbol.iterator]());
  try {
    const heads: { v: T; i: number }[] = [];
    const less = (a: { v: T; i: number }, b: { v: T; i: number }): boolean => {
      const c = compare(a.v, b.v);
      return c < 0 || (c === 0 && a.i < b.i);
    };
    const push = (e: { v: T; i: number }): void => {
      heads.push(e);
      let j = heads.length - 1;
      while (j > 0) {
        const p = (j - 1) >> 1;
        if (!less(heads[j]!, heads[p]!)) break;
        [heads[j], heads[p]] = [heads[p]!, heads[j]!];
        j = p;
      }
    };
    const pop = (): { v: T; i: number } => {
      const top = heads[0]!;
      const last = heads.pop()!;
      if (heads.length > 0) {
        heads[0] = last;
        let j = 0;
        for (;;) {
          const l = 2 * j + 1;
          const r = l + 1;
          let m = j;
          if (l < heads.length && less(heads[l]!, heads[m]!)) m = l;
          if (r < heads.length && less(heads[r]!, heads[m]!)) m = r;
          if (m === j) break;
          [heads[j], heads[m]] = [heads[m]!, heads[j]!];
          j = m;
        }
      }
      return top;
    };
    iters.forEach((it, i) => {
      const r = it.next();
      if (!r.done) push({ v: r.value, i });
    });
    while (heads.length > 0) {
      const e = pop();
      yield e.v;
      const r = iters[e.i]!.next();
      if (!r.done) push({ v: r.value, i: e.i });
    }
  } finally {
    // Readers left open by an early stop close their files.
    for (const it of iters) it.return?.();
  }
}
