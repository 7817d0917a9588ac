/**
 * The shuffle blocks one task reads, on the task's thread: finds the remote ones in the task's
 * split and has them fetched while the task runs (each once, even when the task reads it twice,
 * as a zip or cartesian over one shuffle does), reads a block from its local file or from what
 * the fetch delivered, and counts the reads in the task's metrics. A block that cannot be read
 * is thrown as a FetchFailedError. One reader per task; close() when the task ends.
 */
import fs from 'node:fs';
import { FetchFailedError } from '../errors.ts';
import type { TaskMetrics } from '../executor/task-metrics.ts';
import { readFrameBuffer, readFrameRange, type FramedRecords } from '../frame/frame-file.ts';
import { unknownPlanKind, type BlockRef, type Split } from '../plan/plan.ts';
import { blockFetchFailure } from './fetch-failure.ts';

/** Remote blocks of one task, arriving while it runs. */
export interface RemoteBlocks {
  /** Block `index` of the list fetched: its bytes or a local file path; waits for it; throws a FetchFailedError when its fetch failed. */
  get(index: number): string | Uint8Array;
  close(): void;
}

/** Starts fetching a task's remote blocks (executor processes only; local mode has none). */
export type FetchRemoteBlocks = (blocks: BlockRef[], reduceId: number) => RemoteBlocks;

export class TaskBlockReader {
  /** The remote blocks of the task by blockKey, with their index in the list fetched. */
  private readonly remote = new Map<string, { index: number; block: BlockRef }>();
  private readonly fetched: RemoteBlocks | null = null;
  /** Local blocks first, then remote ones in the order they are fetched (see TaskContext.readOrder); absent when all are local. */
  readonly readOrder: ((blocks: BlockRef[]) => BlockRef[]) | undefined;

  constructor(
    split: Split,
    private readonly reduceId: number,
    private readonly metrics: TaskMetrics,
    executorId: string,
    fetch: FetchRemoteBlocks | null,
  ) {
    if (fetch) {
      const wanted: BlockRef[] = [];
      for (const b of splitBlocks(split)) {
        if (b.executorId === executorId || b.address === '' || b.length === 0) continue;
        const key = blockKey(b);
        if (this.remote.has(key)) continue;
        this.remote.set(key, { index: wanted.length, block: b });
        wanted.push(b);
      }
      if (wanted.length > 0) this.fetched = fetch(wanted, reduceId);
    }
    const remote = this.remote;
    this.readOrder =
      remote.size === 0
        ? undefined
        : (blocks: BlockRef[]) => {
            const local: BlockRef[] = [];
            const fetched: BlockRef[] = [];
            for (const b of blocks) (remote.has(blockKey(b)) ? fetched : local).push(b);
            return local.concat(fetched);
          };
  }

  /** The records of one block. */
  readBlock(b: BlockRef): FramedRecords {
    const m = this.metrics;
    const r = this.remote.get(blockKey(b));
    if (r) {
      const tf = performance.now();
      let got: string | Uint8Array;
      try {
        got = this.fetched!.get(r.index);
        m.shuffleReadRemoteBytes += r.block.length;
        m.shuffleReadRemoteBlocks++;
      } finally {
        m.shuffleFetchWaitTime += performance.now() - tf;
      }
      return typeof got === 'string' ? readFrameRange(got, 0, b.length) : readFrameBuffer(got);
    }
    m.shuffleReadLocalBytes += b.length;
    m.shuffleReadLocalBlocks++;
    try {
      fs.accessSync(b.path);
    } catch (e) {
      throw new FetchFailedError(blockFetchFailure(b, this.reduceId, `shuffle block ${b.path} of map ${b.mapId} is missing`), e);
    }
    return readFrameRange(b.path, b.offset, b.length);
  }

  /** Stops taking remote blocks (the thread pool removes their files). */
  close(): void {
    this.fetched?.close();
  }
}

function blockKey(b: BlockRef): string {
  return `${b.shuffleId}_${b.mapId}_${b.path}_${b.offset}`;
}

/** Every shuffle block a split reads, in the order its tree lists them. */
export function splitBlocks(split: Split, out: BlockRef[] = []): BlockRef[] {
  switch (split.t) {
    case 'shuffled':
      for (const b of split.blocks) out.push(b);
      return out;
    case 'cogroup':
      for (const input of split.inputs) {
        if ('blocks' in input) for (const b of input.blocks) out.push(b);
        else splitBlocks(input.split, out);
      }
      return out;
    case 'union':
      return splitBlocks(split.parent, out);
    case 'coalesce':
    case 'zip':
      for (const p of split.parents) splitBlocks(p, out);
      return out;
    case 'cartesian':
      splitBlocks(split.left, out);
      return splitBlocks(split.right, out);
    case 'parallel':
    case 'range':
    case 'empty':
    case 'textFile':
    case 'wholeTextFiles':
      return out;
    default:
      return unknownPlanKind('split', split);
  }
}
