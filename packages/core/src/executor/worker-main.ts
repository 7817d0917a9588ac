/**
 * Entry of an executor worker thread: one task slot. Receives tasks from its
 * ExecutorThreadPool, runs them with a TaskRunner, asks the pool for broadcasts
 * and remote blocks, and reports task ends.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { FetchFailedError } from '../errors.ts';
import type { BlockRef } from '../plan/plan.ts';
import type { BlockFetchFailure } from '../shuffle/fetch-failure.ts';
import type { RemoteBlocks } from '../shuffle/task-block-reader.ts';
import { checkKilled, useKillSignal } from '../util/task-kill.ts';
import { TaskRunner } from './task-runner.ts';
import { type BlockMessage, type FromThread, type ThreadInit, type ToThread, transferOf } from './thread-messages.ts';

const init = workerData as ThreadInit;
useKillSignal(init.killSignal);
const port = parentPort!;
let reqSeq = 0;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function request(msg: FromThread & { reqId: number }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    pending.set(msg.reqId, { resolve, reject });
    port.postMessage(msg);
  });
}

/** Remote blocks of the fetches in progress, by request id, as they arrive on the block port. */
const arrivals = new Map<number, { values: Map<number, string | Uint8Array>; failure: BlockFetchFailure | null }>();

function drainBlockPort(): void {
  const blockPort = init.blockPort!;
  for (;;) {
    const got = receiveMessageOnPort(blockPort);
    if (!got) return;
    const m = got.message as BlockMessage;
    const a = arrivals.get(m.reqId);
    if (!a) continue; // a fetch of a task that has ended
    if ('failure' in m) a.failure = m.failure;
    else a.values.set(m.index, m.value);
  }
}

/** Starts fetching `blocks`; `get(i)` returns block i, sleeping until it has arrived. */
function fetchRemoteBlocks(blocks: BlockRef[], reduceId: number): RemoteBlocks {
  const reqId = ++reqSeq;
  const a = { values: new Map<number, string | Uint8Array>(), failure: null as BlockFetchFailure | null };
  arrivals.set(reqId, a);
  port.postMessage({ type: 'fetchBlocks', reqId, blocks, reduceId } satisfies FromThread);
  const signal = init.blockSignal!;
  return {
    get(index: number): string | Uint8Array {
      for (;;) {
        const seen = Atomics.load(signal, 0);
        drainBlockPort();
        // Kept until the task ends: one task may read a block twice (zip or cartesian of RDDs over one shuffle).
        const v = a.values.get(index);
        if (v !== undefined) return v;
        if (a.failure) throw new FetchFailedError(a.failure);
        checkKilled();
        // Woken by the pool's notify after each post; the timeout only guards against a lost wake-up.
        Atomics.wait(signal, 0, seen, 1000);
      }
    },
    close(): void {
      arrivals.delete(reqId);
    },
  };
}

const runner = new TaskRunner({
  executorId: init.executorId,
  localDir: init.localDir,
  memoryBudget: init.memoryBudget,
  storageMemory: init.storageMemory,
  fetchBroadcast: async (id) => (await request({ type: 'fetchBroadcast', reqId: ++reqSeq, id })) as Uint8Array,
  fetchRemoteBlocks: init.blockPort ? fetchRemoteBlocks : null,
});

let queue: Promise<void> = Promise.resolve();

port.on('message', (msg: ToThread) => {
  switch (msg.type) {
    case 'reply': {
      const p = pending.get(msg.reqId);
      if (!p) return;
      pending.delete(msg.reqId);
      if (msg.ok) p.resolve(msg.value);
      else {
        const e = new Error(msg.error ?? 'request failed');
        Object.assign(e, msg.value ?? {});
        p.reject(e);
      }
      return;
    }
    case 'task':
      queue = queue.then(async () => {
        const outcome = await runner.run(msg.task, msg.plan);
        port.postMessage({ type: 'taskEnd', taskId: msg.task.taskId, outcome } satisfies FromThread, transferOf(outcome.status === 'success' ? outcome.value : null));
      });
      return;
    case 'removeRdd':
      runner.blocks.removeRdd(msg.rddId);
      return;
    case 'removeBroadcast':
      runner.removeBroadcast(msg.id);
      return;
  }
});

port.postMessage({ type: 'ready', slot: init.slot } satisfies FromThread);
