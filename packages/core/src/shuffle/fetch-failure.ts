/**
 * A map output segment a reduce task could not read, as plain data: created once where the read
 * failed (the network edge of the block fetcher, or a missing local file), it crosses from the
 * executor's main thread to the task's thread unchanged, is thrown there as a FetchFailedError,
 * and goes to the driver as the task's `fetchFailed` reason, which resubmits the map stage.
 */
import type { BlockRef } from '../plan/plan.ts';

export interface BlockFetchFailure {
  shuffleId: number;
  mapId: number;
  /** The executor that wrote (and served) the map output. */
  executorId: string;
  /** The reduce partition that needed it. */
  reduceId: number;
  message: string;
}

/** The failure to read `block` for reduce partition `reduceId`. */
export function blockFetchFailure(block: BlockRef, reduceId: number, message: string): BlockFetchFailure {
  return { shuffleId: block.shuffleId, mapId: block.mapId, executorId: block.executorId, reduceId, message };
}
