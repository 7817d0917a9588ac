/**
 * The messages between an ExecutorThreadPool and its worker threads (one
 * catalogue for both directions). Payload bytes travel as transferable buffers.
 */
import type { MessagePort } from 'node:worker_threads';
import type { BlockRef } from '../plan/plan.ts';
import type { BlockFetchFailure } from '../shuffle/fetch-failure.ts';
import type { TaskDescription, TaskOutcome } from './task-description.ts';

export interface ThreadInit {
  executorId: string;
  slot: number;
  localDir: string;
  memoryBudget: number;
  storageMemory: number;
  /**
   * Where fetched remote blocks arrive while the thread runs its task (null where blocks are all
   * local, as in local mode): the thread takes them with
   * receiveMessageOnPort, sleeping on `blockSignal` (bumped after every post) until the block it
   * needs is there — reading a shuffle input starts before all its remote blocks have arrived.
   */
  blockPort: MessagePort | null;
  blockSignal: Int32Array | null;
  /** Set to 1 by the pool to stop the running task (see util/task-kill.ts), back to 0 once it has ended. */
  killSignal: Int32Array;
}

/**
 * What to transfer (move instead of copy) when posting `bytes` to another thread: its buffer, when
 * the bytes own all of it (a view into a larger or shared buffer must be copied).
 */
export function transferOf(bytes: Uint8Array | string | null | undefined): ArrayBuffer[] {
  if (!bytes || typeof bytes === 'string' || bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) return [];
  return bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
}

/**
 * Stage plans a thread keeps deserialized, the oldest dropped first. The pool tracks which plans
 * each thread holds by the same rule, to send a plan again once its thread has dropped it.
 */
export const STAGE_PLANS_PER_THREAD = 64;

/** One fetched block (a local file path or the bytes), or the failure of the fetch as the fetcher made it, on the block port. */
export type BlockMessage =
  | { reqId: number; index: number; value: string | Uint8Array }
  | { reqId: number; failure: BlockFetchFailure };

export type ToThread =
  | { type: 'task'; task: TaskDescription; plan: Uint8Array | null }
  | { type: 'reply'; reqId: number; ok: boolean; value?: unknown; error?: string }
  | { type: 'removeRdd'; rddId: number }
  | { type: 'removeBroadcast'; id: number };

export type FromThread =
  | { type: 'ready'; slot: number }
  | { type: 'taskEnd'; taskId: number; outcome: TaskOutcome }
  | { type: 'fetchBroadcast'; reqId: number; id: number }
  | { type: 'fetchBlocks'; reqId: number; blocks: BlockRef[]; reduceId: number };
