/**
 * Entry of an executor worker thread: one task slot. Receives tasks from its
 * ExecutorThreadPool, runs them with a TaskRunner, asks the pool for broadcasts
 * and remote blocks, and reports task ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TaskRunner } from './task-runner.ts';
import type { FromThread, ThreadInit, ToThread } from './thread-messages.ts';

const init = workerData as ThreadInit;
const port = parentPort!;
let reqSeq = 0;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function request(msg: FromThread & { reqId: number }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    pending.set(msg.reqId, { resolve, reject });
    port.postMessage(msg);
  });
}

const runner = new TaskRunner({
  executorId: init.executorId,
  localDir: init.localDir,
  memoryBudget: init.memoryBudget,
  storageMemory: init.storageMemory,
  fetchBroadcast: async (id) => (await request({ type: 'fetchBroadcast', reqId: ++reqSeq, id })) as Uint8Array,
  fetchRemoteBlocks: init.remoteFetch ? async (blocks) => (await request({ type: 'fetchBlocks', reqId: ++reqSeq, blocks })) as (string | Uint8Array)[] : null,
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
        const transfer: ArrayBuffer[] = [];
        if (outcome.status === 'success' && outcome.value && outcome.value.byteOffset === 0 && outcome.value.buffer.byteLength === outcome.value.byteLength) {
          transfer.push(outcome.value.buffer as ArrayBuffer);
        }
        port.postMessage({ type: 'taskEnd', taskId: msg.task.taskId, outcome } satisfies FromThread, transfer);
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
