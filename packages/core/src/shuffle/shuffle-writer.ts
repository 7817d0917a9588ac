/**
 * The map side of a shuffle: partitions a task's records by key, optionally
 * combines them (map-side combine), and writes one data file per map task with
 * one contiguous segment per reduce partition. When the buffered data passes the
 * memory budget it spills to disk; spilled segments are stitched into the final
 * file, so reducers see segments of complete frames either way. One writer per
 * task, single-threaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PairFrameBuilder } from '../frame/pair-frame.ts';
import { encodeFrame, FRAME_HEADER } from '../frame/frame.ts';
import { FrameFileWriter } from '../frame/frame-file.ts';
import { pushAll } from '../util/push.ts';
import type { Aggregator } from './aggregator.ts';
import type { SpillContext } from './external-aggregator.ts';
import type { MapOutput } from './map-output.ts';
import { SizeEstimator } from './size-estimator.ts';
import { MapSizeTracker } from './size-tracker.ts';
import { KeyTable } from '../keys/key-table.ts';
import { notAPair, type PairReader } from './pairs.ts';

export interface ShuffleWriteContext extends SpillContext {
  /** Called once the input is consumed, before the output file is written (a task's compute end). */
  onInputEnd?(): void;
  /**
   * The operation that reads this shuffle's records as [key, value] pairs, and the task's map
   * partition: a record that is not a two-element array is refused, naming them. Absent for a
   * shuffle that carries records whole (partitionBy, sortByKey); a combining one always reads pairs.
   */
  pairsFor?: PairReader;
}

const BATCH = 512;
/**
 * Estimated heap bytes a partition's pending batch may hold before it is encoded: large records
 * go out in smaller batches, since pending records stay alive and every young-generation GC
 * copies them (1 KiB strings: ~80 per batch, local shuffle of 1 GiB 1.2 → 1.13 s).
 */
const PENDING_BYTES = 256 << 10;
const MIN_BATCH = 16;
/**
 * Frames a writer keeps until its output is written are cut from slabs of this size instead of
 * one ArrayBuffer each (6 KB frames of short pairs: ~7 µs per allocation in profiles).
 */
const SLAB = 1 << 20;
/**
 * Slabs kept for the next writer of this thread once a writer's frames are written out: reused
 * memory instead of new external memory, which V8 counts towards starting a full GC (join map
 * stage, 14 MB of frames per task: ~8 full GCs per job before).
 */
const freeSlabs: Buffer[] = [];
const MAX_FREE_SLABS = 16;
/** Write buffer of spill and output files, which take many small segments when there are many reduce partitions. */
const WRITE_BUFFER = 64 << 10;

interface Spill {
  path: string;
  offsets: number[];
  lengths: number[];
}

/**
 * Distinct keys the last map task of each shuffle combined in this thread: the next task of
 * the stage sizes its table from it instead of doubling its way up (a few recent shuffles kept).
 */
const combinedKeysSeen = new Map<number, number>();
const HINTED_MAX_SLOTS = 1 << 20;
function rememberCombinedKeys(shuffleId: number, keys: number): void {
  combinedKeysSeen.delete(shuffleId);
  combinedKeysSeen.set(shuffleId, keys);
  if (combinedKeysSeen.size > 16) combinedKeysSeen.delete(combinedKeysSeen.keys().next().value!);
}

export class ShuffleWriter {
  private spills: Spill[] = [];
  private readonly chunks: Buffer[][];
  /**
   * Per partition, the records not yet in a frame: pairs the columns take go straight into the
   * partition's PairFrameBuilder, other records wait in `pending` for a msgpack frame. At most
   * one of the two holds records, so frames keep the records' order.
   */
  private readonly builders: (PairFrameBuilder | null)[];
  private readonly pending: unknown[][];
  private readonly records: number[];
  private chunkBytes = 0;
  /** Records waiting in `pending` (not yet encoded): they count against the budget too. */
  private pendingCount = 0;
  private readonly est = new SizeEstimator();
  private combined: KeyTable<unknown> | null = null;
  private observed = 0;
  /** Slabs holding frames not yet written out; frames are cut from the last one. */
  private slabs: Buffer[] = [];
  private slabUsed = 0;
  /** Cuts a frame's bytes from the current slab (a frame over a quarter slab gets its own). */
  private readonly alloc = (bytes: number): Buffer => {
    if (bytes > SLAB >> 2) return Buffer.allocUnsafeSlow(bytes);
    let slab = this.slabs[this.slabs.length - 1];
    if (slab === undefined || this.slabUsed + bytes > SLAB) {
      slab = freeSlabs.pop() ?? Buffer.allocUnsafeSlow(SLAB);
      this.slabs.push(slab);
      this.slabUsed = 0;
    }
    const b = slab.subarray(this.slabUsed, this.slabUsed + bytes);
    this.slabUsed += bytes;
    return b;
  };

  constructor(
    private readonly numPartitions: number,
    private readonly partitionOf: (key: unknown) => number,
    private readonly agg: Aggregator | null,
    private readonly ctx: ShuffleWriteContext,
  ) {
    this.chunks = Array.from({ length: numPartitions }, () => []);
    this.builders = new Array<PairFrameBuilder | null>(numPartitions).fill(null);
    this.pending = Array.from({ length: numPartitions }, () => []);
    this.records = new Array<number>(numPartitions).fill(0);
  }

  /** Consumes the task's records ([key, value] pairs) and writes the map output file. */
  write(input: Iterable<unknown>, shuffleId: number, mapId: number): MapOutput {
    try {
      if (this.agg) {
        this.combined = new KeyTable(combinedKeysSeen.get(shuffleId) ?? 0, HINTED_MAX_SLOTS);
        this.writeCombined(input, shuffleId);
      } else this.writePlain(input);
      this.ctx.onInputEnd?.();
      return this.commit(shuffleId, mapId);
    } finally {
      for (const s of this.spills) fs.rmSync(s.path, { force: true });
      this.spills = [];
      this.releaseSlabs();
    }
  }

  /** Gives the slabs back for reuse: only once no frame cut from them is referenced any more. */
  private releaseSlabs(): void {
    for (const b of this.slabs) if (freeSlabs.length < MAX_FREE_SLABS) freeSlabs.push(b);
    this.slabs = [];
  }

  private writePlain(input: Iterable<unknown>): void {
    const n = this.numPartitions;
    const budget = this.ctx.memoryBudget;
    const est = this.est;
    const pairsFor = this.ctx.pairsFor ?? null;
    let count = 0;
    let batch = BATCH;
    pushAll(input, (rec) => {
      const kv = rec as [unknown, unknown];
      if (!Array.isArray(kv)) notAPair(rec, pairsFor);
      const p = n === 1 ? 0 : this.partitionOf(kv[0]);
      this.pendingCount++;
      if ((++count & 63) === 0 || count === 8) {
        est.observe(kv);
        batch = Math.max(MIN_BATCH, Math.min(BATCH, Math.floor(PENDING_BYTES / est.bytesPerRecord)));
      }
      const size = kv.length === 2 ? this.addPair(p, kv[0], kv[1]) : pairsFor === null ? this.addOther(p, kv) : notAPair(rec, pairsFor);
      if (size >= batch) {
        this.flushPartition(p);
        if (this.chunkBytes > budget) this.spill();
      } else if ((count & 1023) === 0 && this.chunkBytes + this.pendingCount * est.bytesPerRecord > budget) {
        // Many reduce partitions: records wait in small per-partition batches that never fill.
        this.spill();
      }
    });
  }

  /** Adds the pair [k, v] to partition p's batch; returns the batch's size. */
  private addPair(p: number, k: unknown, v: unknown): number {
    const b = this.builders[p];
    if (b !== null && this.pending[p]!.length === 0 && b.add(k, v)) return b.n;
    return this.addOther(p, [k, v]);
  }

  /**
   * Adds a record the partition's column batch did not take: a pair of other kinds than the batch
   * (the batch goes out and a new one starts with it), or a record for msgpack.
   */
  private addOther(p: number, kv: unknown[]): number {
    const b = (this.builders[p] ??= new PairFrameBuilder());
    const pending = this.pending[p]!;
    if (kv.length === 2) {
      if (b.n > 0) this.flushPartition(p);
      if (b.add(kv[0], kv[1])) {
        if (pending.length > 0) this.flushPending(p);
        return b.n;
      }
    } else if (b.n > 0) this.flushPartition(p);
    pending.push(kv);
    return pending.length;
  }

  /** Partition p's waiting records as a frame (whichever of its column batch and msgpack records it has). */
  private flushPartition(p: number): void {
    const b = this.builders[p];
    if (b !== null && b.n > 0) {
      const records = b.n;
      this.addFrame(p, b.finish(FRAME_HEADER, this.alloc), records);
    } else this.flushPending(p);
  }

  private flushPending(p: number): void {
    const buf = this.pending[p]!;
    if (buf.length === 0) return;
    this.addFrame(p, encodeFrame(buf, this.alloc), buf.length);
    this.pending[p] = [];
  }

  private addFrame(p: number, frame: Buffer, records: number): void {
    this.pendingCount -= records;
    this.records[p]! += records;
    this.chunks[p]!.push(frame);
    this.chunkBytes += frame.length;
  }

  private writeCombined(input: Iterable<unknown>, shuffleId: number): void {
    const agg = this.agg!;
    const budget = this.ctx.memoryBudget;
    let table = this.combined!;
    let inserted = 0;
    // Combiners that are not one record per value may still grow (aggregateByKey into an array):
    // their table is measured rather than counted (see MapSizeTracker), and checked often.
    const tracker = agg.growing ? null : new MapSizeTracker(table);
    const checkStep = tracker ? 32 : 4096;
    let checkAt = checkStep;
    pushAll(input, (rec) => {
      const kv = rec as [unknown, unknown];
      if (!Array.isArray(kv) || kv.length !== 2) notAPair(rec, this.ctx.pairsFor ?? null);
      const i = table.intern(kv[0]);
      table.vals[i] = table.added ? agg.create(kv[1]) : agg.mergeValue(table.vals[i], kv[1]);
      inserted++;
      if ((inserted & 127) === 0) this.est.observe(kv);
      if (inserted >= checkAt) {
        checkAt = inserted + checkStep;
        tracker?.afterUpdates(checkStep);
        const bytes = tracker ? tracker.estimate : (inserted - this.observed) * this.est.bytesPerRecord;
        this.ctx.onPeakMemory(bytes);
        if (bytes > budget) {
          this.drainCombined();
          table = this.combined!;
          tracker?.reset(table);
          this.observed = inserted;
          this.spill();
        }
      }
    });
    rememberCombinedKeys(shuffleId, table.size);
    this.drainCombined();
  }

  /** Moves combined entries into per-partition frames and starts an empty table. */
  private drainCombined(): void {
    const n = this.numPartitions;
    const { keys, vals } = this.combined!;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const p = n === 1 ? 0 : this.partitionOf(k);
      this.pendingCount++;
      if (this.addPair(p, k, vals[i]) >= BATCH) this.flushPartition(p);
    }
    this.combined = new KeyTable();
  }

  private spill(): void {
    for (let p = 0; p < this.numPartitions; p++) this.flushPartition(p);
    const file = path.join(this.ctx.localDir, `spill-shuffle-${this.ctx.taskId}-${this.spills.length}.tmp`);
    const w = new FrameFileWriter(file, WRITE_BUFFER);
    const offsets: number[] = [];
    const lengths: number[] = [];
    try {
      for (let p = 0; p < this.numPartitions; p++) {
        const start = w.position;
        for (const c of this.chunks[p]!) w.write(c);
        offsets.push(start);
        lengths.push(w.position - start);
        this.chunks[p] = [];
      }
    } finally {
      w.close();
    }
    this.releaseSlabs();
    this.ctx.onPeakMemory(this.chunkBytes);
    this.ctx.onSpill(w.position, this.chunkBytes);
    this.chunkBytes = 0;
    this.spills.push({ path: file, offsets, lengths });
  }

  private commit(shuffleId: number, mapId: number): MapOutput {
    for (let p = 0; p < this.numPartitions; p++) this.flushPartition(p);
    this.ctx.onPeakMemory(this.chunkBytes);
    const final = path.join(this.ctx.localDir, `shuffle_${shuffleId}_${mapId}_${this.ctx.taskId}.data`);
    const tmp = `${final}.tmp`;
    const w = new FrameFileWriter(tmp, WRITE_BUFFER);
    const offsets: number[] = [];
    const lengths: number[] = [];
    const scratch = this.spills.length > 0 ? Buffer.allocUnsafe(1 << 20) : Buffer.alloc(0);
    // Each spill file is opened once: with many reduce partitions its segments are small and many.
    const fds: number[] = [];
    try {
      for (const s of this.spills) fds.push(fs.openSync(s.path, 'r'));
      for (let p = 0; p < this.numPartitions; p++) {
        const start = w.position;
        this.spills.forEach((s, i) => w.copyFrom(fds[i]!, s.offsets[p]!, s.lengths[p]!, scratch));
        for (const c of this.chunks[p]!) w.write(c);
        this.chunks[p] = [];
        offsets.push(start);
        lengths.push(w.position - start);
      }
    } finally {
      for (const fd of fds) fs.closeSync(fd);
      w.close();
    }
    fs.renameSync(tmp, final);
    return { path: final, offsets, lengths, records: this.records };
  }
}
