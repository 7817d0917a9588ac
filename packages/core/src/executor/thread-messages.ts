/**
 * The messages between an ExecutorThreadPool and its worker threads (one
 * catalogue for both directions). Payload bytes travel as transferable buffers.
 */
import type { BlockRef } from '../rdd/plan.ts';
import type { TaskDescription, TaskOutcome } from './task-description.ts';

export interface ThreadInit {
  executorId: string;
  slot: number;
  localDir: string;
  memoryBudget: number;
  storageMemory: number;
  remoteFetch: boolean;
}

export type ToThread =
  | { type: 'task'; task: TaskDescription; plan: Uint8Array | null }
  | { type: 'reply'; reqId: number; ok: boolean; value?: unknown; error?: string }
  | { type: 'removeRdd'; rddId: number }
  | { type: 'removeBroadcast'; id: number };

export type FromThread =
  | { type: 'ready'; slot: number }
  | { type: 'taskEnd'; taskId: number; outcome: TaskOutcome }
  | { type: 'fetchBroadcast'; reqId: number; id: number }
  | { type: 'fetchBlocks'; reqId: number; blocks: BlockRef[] };
