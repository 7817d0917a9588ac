/**
 * Reduce-side aggregation with bounded memory. Records are combined in a map;
 * when its estimated size passes the budget, the map's entries are spilled into
 * hash buckets on disk and the map is cleared. At the end each bucket is loaded
 * and merged on its own (a grace hash aggregation), so memory holds one bucket
 * at a time. Spill files are removed when iteration ends, normally or not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hashKey } from '../keys/key-hash.ts';
import { KeyTable } from '../keys/key-table.ts';
import { encodeFrame } from '../frame/frame.ts';
import { FrameFileWriter, readFrameRange } from '../frame/frame-file.ts';
import { pushAll } from '../util/push.ts';
import type { Aggregator } from './aggregator.ts';
import { SizeEstimator } from './size-estimator.ts';
import { MapSizeTracker } from './size-tracker.ts';

export interface SpillContext {
  localDir: string;
  memoryBudget: number;
  taskId: number;
  onSpill(bytes: number, memoryBytes: number): void;
  onPeakMemory(bytes: number): void;
}

const BUCKETS = 32;
const BATCH = 512;

let spillSeq = 0;

export function* aggregateExternal(
  records: Iterable<unknown>,
  agg: Aggregator,
  inputsAreCombiners: boolean,
  ctx: SpillContext,
  /** At most this many distinct keys are expected (the input's record count when known): sizes the table. */
  expectedKeys = 0,
): Generator<[unknown, unknown]> {
  const est = new SizeEstimator();
  let map = new KeyTable<unknown>(expectedKeys);
  const create = inputsAreCombiners ? (c: unknown) => c : agg.create;
  const merge = inputsAreCombiners ? agg.mergeCombiners : agg.mergeValue;
  let buckets: { writer: FrameFileWriter; pending: unknown[] }[] | null = null;
  let inserted = 0;
  let sinceSpill = 0;
  // A measured table is checked often: one merge of combiners may add a lot (the reduce side of
  // aggregateByKey merges a few large accumulators per key).
  const checkStep = agg.growing ? 4096 : 32;
  let checkAt = checkStep;
  // Growing combiners (groupByKey) hold every record: records seen since the last spill times their
  // size. Any other combiner may still grow (aggregateByKey into an array): its table is measured.
  const tracker = agg.growing ? null : new MapSizeTracker(map);
  const heldBytes = (): number => (tracker ? tracker.estimate : sinceSpill * est.bytesPerRecord);
  const spillDir = ctx.localDir;

  const spill = (): void => {
    if (!buckets) {
      const id = spillSeq++;
      buckets = Array.from({ length: BUCKETS }, (_, b) => ({
        writer: new FrameFileWriter(path.join(spillDir, `spill-agg-${ctx.taskId}-${process.pid}-${id}-${b}.tmp`)),
        pending: [] as unknown[],
      }));
    }
    let bytes = 0;
    for (const e of map.entries()) {
      const b = buckets[(hashKey(e[0]) >>> 7) % BUCKETS]!;
      b.pending.push(e);
      if (b.pending.length >= BATCH) {
        const f = encodeFrame(b.pending);
        bytes += f.length;
        b.writer.write(f);
        b.pending = [];
      }
    }
    for (const b of buckets) {
      if (b.pending.length) {
        const f = encodeFrame(b.pending);
        bytes += f.length;
        b.writer.write(f);
        b.pending = [];
      }
    }
    ctx.onSpill(bytes, Math.round(heldBytes()));
    map = new KeyTable();
    tracker?.reset(map);
  };

  try {
    pushAll(records, (rec) => {
      const kv = rec as [unknown, unknown];
      const i = map.intern(kv[0]);
      map.vals[i] = map.added ? create(kv[1]) : merge(map.vals[i], kv[1]);
      inserted++;
      sinceSpill++;
      if ((inserted & 127) === 0) est.observe(kv);
      if (inserted >= checkAt) {
        tracker?.afterUpdates(checkStep);
        checkAt = inserted + checkStep;
        const bytes = heldBytes();
        ctx.onPeakMemory(bytes);
        if (bytes > ctx.memoryBudget) {
          spill();
          sinceSpill = 0;
        }
      }
    });
    if (!buckets) {
      yield* map.entries();
      return;
    }
    spill();
    const bs = buckets as { writer: FrameFileWriter; pending: unknown[] }[];
    for (const b of bs) b.writer.close();
    for (const b of bs) {
      yield* combineBucket(b.writer.path, b.writer.position, agg, ctx.memoryBudget, 1);
      fs.rmSync(b.writer.path, { force: true });
    }
  } finally {
    if (buckets) {
      for (const b of buckets as { writer: FrameFileWriter }[]) {
        b.writer.close();
        fs.rmSync(b.writer.path, { force: true });
      }
    }
  }
}

/** Levels of re-partitioning of a bucket too big for memory (each uses 5 more bits of the key's hash). */
const MAX_SPLIT_DEPTH = 4;
/** Estimated heap bytes per serialized byte of a bucket. */
const BUCKET_HEAP_FACTOR = 3;

/**
 * Merges the combiners of one spilled bucket file. A bucket whose estimated size passes the budget
 * is first cut into sub-buckets by further bits of the key hash, so memory stays bounded however
 * much data spilled (a single key's values must still fit, as in Spark).
 */
function* combineBucket(file: string, length: number, agg: Aggregator, budget: number, depth: number): Generator<[unknown, unknown]> {
  if (length * BUCKET_HEAP_FACTOR > budget && depth < MAX_SPLIT_DEPTH) {
    const subs = Array.from({ length: BUCKETS }, (_, i) => ({ writer: new FrameFileWriter(`${file}.${i}`), pending: [] as unknown[] }));
    try {
      const shift = 7 + 5 * depth;
      const flush = (b: { writer: FrameFileWriter; pending: unknown[] }): void => {
        if (b.pending.length === 0) return;
        b.writer.write(encodeFrame(b.pending));
        b.pending = [];
      };
      pushAll(readFrameRange(file, 0, length), (rec) => {
        const b = subs[(hashKey((rec as [unknown, unknown])[0]) >>> shift) % BUCKETS]!;
        b.pending.push(rec);
        if (b.pending.length >= BATCH) flush(b);
      });
      for (const b of subs) {
        flush(b);
        b.writer.close();
      }
      // Everything that did not split (one hot key) stays together: load it rather than split again.
      const split = subs.filter((b) => b.writer.position > 0).length > 1;
      for (const b of subs) {
        yield* combineBucket(b.writer.path, b.writer.position, agg, budget, split ? depth + 1 : MAX_SPLIT_DEPTH);
        fs.rmSync(b.writer.path, { force: true });
      }
    } finally {
      for (const b of subs) {
        b.writer.close();
        fs.rmSync(b.writer.path, { force: true });
      }
    }
    return;
  }
  const map = new KeyTable<unknown>();
  pushAll(readFrameRange(file, 0, length), (rec) => {
    const kv = rec as [unknown, unknown];
    const i = map.intern(kv[0]);
    map.vals[i] = map.added ? kv[1] : agg.mergeCombiners(map.vals[i], kv[1]);
  });
  yield* map.entries();
}
