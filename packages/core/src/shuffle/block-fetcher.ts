/**
 * The network edge of the shuffle's read side, on an executor's main thread: pulls the remote
 * map output segments a task needs from the executors that serve them, four at a time, handing
 * each to the task as soon as it is complete. A failure to reach an executor or to read a segment
 * becomes a BlockFetchFailure here, once, and is handed over as that value (the task throws it as
 * a FetchFailedError). Owns the temporary files it fetches into until it hands them over; the
 * thread pool removes them when the task ends. Runs on the executor's main event loop.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BlockRef } from '../plan/plan.ts';
import type { ExecutorProtocol } from '../protocol/cluster-protocol.ts';
import type { Transport, TransportConnection } from '../transport/interface.ts';
import { MessageClient } from '../transport/message-client.ts';
import { blockFetchFailure, type BlockFetchFailure } from './fetch-failure.ts';

/** Segments fetched at the same time for one task. */
const PARALLEL_FETCHES = 4;

/**
 * Bytes of remote segments one task may hold in memory: half the task's shuffle memory budget (at
 * least 4 MiB); segments beyond it go to local files as they arrive. The thread pool keeps as
 * many bytes of reusable block buffers, so it must use the same figure.
 */
export function remoteBlocksInMemory(memoryBudget: number): number {
  return Math.max(4 << 20, Math.floor(memoryBudget / 2));
}

/** Where a fetch hands its segments: the task's side of it. */
export interface FetchedBlockSink {
  /** Segment `index` of the list fetched is complete: its bytes (from `alloc`) or the path of a local file holding them. */
  onBlock(index: number, value: string | Uint8Array): void;
  /** True once the task has ended: no new segment is started. */
  cancelled(): boolean;
  /** A buffer for a segment kept in memory. */
  alloc(bytes: number): Buffer;
}

/** Fetches a task's remote shuffle segments (fetch, one call per task). */
export type RemoteBlockFetch = (blocks: BlockRef[], reduceId: number, sink: FetchedBlockSink) => Promise<BlockFetchFailure | null>;

export class RemoteBlockFetcher {
  private fileSeq = 0;

  constructor(
    private readonly transport: Transport,
    /** Where segments that do not fit in memory are written. */
    private readonly workDir: string,
    private readonly memoryBudget: number,
  ) {}

  /**
   * Pulls `blocks` in order for reduce partition `reduceId`, each into a buffer while the task's
   * in-memory share lasts, else into a local file as its chunks arrive. Resolves once every fetch
   * in flight has ended (so the caller can remove all their files): with null, or with the first
   * failure, after which no new fetch starts.
   */
  async fetch(blocks: BlockRef[], reduceId: number, sink: FetchedBlockSink): Promise<BlockFetchFailure | null> {
    const inMemoryLimit = remoteBlocksInMemory(this.memoryBudget);
    let inMemory = 0;
    const keepInMemory = blocks.map((b) => {
      const keep = inMemory + b.length <= inMemoryLimit;
      if (keep) inMemory += b.length;
      return keep;
    });
    let next = 0;
    let failure: BlockFetchFailure | null = null;
    const worker = async (): Promise<void> => {
      while (next < blocks.length && failure === null && !sink.cancelled()) {
        const i = next++;
        const b = blocks[i]!;
        try {
          sink.onBlock(i, await this.fetchOne(b, keepInMemory[i]!, sink));
        } catch (e) {
          failure ??= blockFetchFailure(b, reduceId, `fetching shuffle blocks failed: ${(e as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_FETCHES, blocks.length) }, worker));
    return failure;
  }

  /** One segment: its bytes, or the path of the local file holding them. Throws a message naming the map output and its executor. */
  private async fetchOne(b: BlockRef, inMemory: boolean, sink: FetchedBlockSink): Promise<string | Uint8Array> {
    const what = `map ${b.mapId} of shuffle ${b.shuffleId} from executor ${b.executorId} at ${b.address}`;
    let conn: TransportConnection;
    try {
      conn = await this.transport.connect(b.address);
    } catch (e) {
      throw new Error(`cannot reach the executor holding ${what}: ${(e as Error).message}`);
    }
    const stream = new MessageClient<ExecutorProtocol>(conn).stream('fetchBlock', { path: b.path, offset: b.offset, length: b.length });
    if (inMemory) {
      const buf = sink.alloc(b.length);
      let got = 0;
      try {
        for await (const chunk of stream) {
          if (got + chunk.length > b.length) throw new Error(`more bytes than the ${b.length} announced`);
          buf.set(chunk, got);
          got += chunk.length;
        }
        if (got !== b.length) throw new Error(`short read: ${got} of ${b.length} bytes`);
      } catch (e) {
        throw new Error(`fetching ${what}: ${(e as Error).message}`);
      }
      return buf;
    }
    const file = path.join(this.workDir, `fetch-${process.pid}-${this.fileSeq++}.tmp`);
    const fd = fs.openSync(file, 'w');
    let complete = false;
    try {
      let got = 0;
      for await (const chunk of stream) {
        fs.writeSync(fd, chunk);
        got += chunk.length;
      }
      if (got !== b.length) throw new Error(`short read: ${got} of ${b.length} bytes`);
      complete = true;
    } catch (e) {
      throw new Error(`fetching ${what}: ${(e as Error).message}`);
    } finally {
      fs.closeSync(fd);
      if (!complete) fs.rmSync(file, { force: true });
    }
    return file;
  }
}
