/**
 * An executor thread's store of cached RDD partitions. Memory blocks are the
 * deserialized records, private to the thread; disk blocks are frame files in the
 * executor's local directory, readable by every thread of the executor (written
 * to a temporary name and renamed, so concurrent writers are safe). Memory use is
 * bounded by `memoryLimit` (estimated); a block that does not fit goes to disk
 * (MEMORY_AND_DISK) or is not cached (MEMORY_ONLY), as in Spark.
 */
import fs from 'node:fs';
import path from 'node:path';
import { encodeFrame } from '../frame/frame.ts';
import { serializedSize } from '../serializer.ts';
import { FrameFileWriter, readFrameRange } from '../frame/frame-file.ts';
import { StorageLevel, type StorageLevelName } from './storage-level.ts';

export interface BlockUpdate {
  blockId: string;
  rddId: number;
  partition: number;
  level: StorageLevelName;
  memSize: number;
  diskSize: number;
}

export class BlockStore {
  private readonly memory = new Map<string, { records: unknown[]; size: number }>();
  private memoryUsed = 0;
  constructor(private readonly dir: string, private readonly memoryLimit: number) {}

  static blockId(rddId: number, partition: number): string {
    return `rdd_${rddId}_${partition}`;
  }

  private diskPath(blockId: string): string {
    return path.join(this.dir, `${blockId}.block`);
  }

  /** The records of a cached block, from memory or disk, or null. */
  get(blockId: string, level: StorageLevelName): Iterable<unknown> | null {
    const m = this.memory.get(blockId);
    if (m) return m.records;
    if (level === StorageLevel.MEMORY_ONLY) return null;
    const p = this.diskPath(blockId);
    let size: number;
    try {
      size = fs.statSync(p).size;
    } catch {
      return null;
    }
    return readFrameRange(p, 0, size);
  }

  /** Stores a computed partition; returns what was stored (null when nothing was). */
  put(blockId: string, rddId: number, partition: number, records: unknown[], level: StorageLevelName): BlockUpdate | null {
    let est = 0;
    if (level !== StorageLevel.DISK_ONLY) {
      const n = records.length;
      const sample = Math.min(n, 32);
      let bytes = 0;
      for (let i = 0; i < sample; i++) bytes += serializedSize(records[Math.floor((i * n) / sample)]);
      est = sample === 0 ? 64 : Math.round((bytes / sample) * n * 3 + 64);
      if (this.memoryUsed + est <= this.memoryLimit) {
        this.memory.set(blockId, { records, size: est });
        this.memoryUsed += est;
        return { blockId, rddId, partition, level, memSize: est, diskSize: 0 };
      }
      if (level === StorageLevel.MEMORY_ONLY) return null;
    }
    const p = this.diskPath(blockId);
    const tmp = `${p}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const w = new FrameFileWriter(tmp);
    try {
      for (let i = 0; i < records.length; i += 1024) w.write(encodeFrame(records.slice(i, i + 1024)));
    } finally {
      w.close();
    }
    fs.renameSync(tmp, p);
    return { blockId, rddId, partition, level, memSize: 0, diskSize: w.position };
  }

  /** Drops every block of an RDD (memory and disk). */
  removeRdd(rddId: number): void {
    const prefix = `rdd_${rddId}_`;
    for (const [id, b] of this.memory) {
      if (id.startsWith(prefix)) {
        this.memory.delete(id);
        this.memoryUsed -= b.size;
      }
    }
    try {
      for (const f of fs.readdirSync(this.dir)) if (f.startsWith(prefix) && f.endsWith('.block')) fs.rmSync(path.join(this.dir, f), { force: true });
    } catch {
      /* directory gone: nothing to remove */
    }
  }

  get memoryBytes(): number {
    return this.memoryUsed;
  }
}
