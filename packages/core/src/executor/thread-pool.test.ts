/**
 * ExecutorThreadPool's launch (issue 13, item 9): a task that cannot be posted to its thread
 * (here a function in its description, which structured clone refuses) fails with an error saying
 * so and leaves its slot free; before, the slot was marked running first and stayed busy, and
 * every later job hung.
 */
import os from 'node:os';
import { expect, test } from 'vitest';
import type { TaskOutcome } from './task-description.ts';
import { ExecutorThreadPool } from './thread-pool.ts';

test('a task that cannot be posted fails and frees its slot', async () => {
  const ended: [number, TaskOutcome][] = [];
  const pool = await ExecutorThreadPool.create({
    executorId: 'test',
    threads: 1,
    localDir: os.tmpdir(),
    memoryBudget: 1 << 20,
    storageMemory: 1 << 20,
    fetchBroadcast: () => Promise.reject(new Error('no broadcasts here')),
    fetchRemoteBlocks: null,
    onTaskEnd: (taskId, outcome) => ended.push([taskId, outcome]),
  });
  try {
    for (const taskId of [1, 2, 3]) {
      const task = { taskId, planId: `plan-${taskId}`, split: { i: 0, data: [() => 1] } } as never;
      expect(() => pool.launch(0, task, () => new Uint8Array(1))).not.toThrow();
      expect(pool.isFree(0)).toBe(true);
    }
    await new Promise((r) => setTimeout(r, 10));
    expect(ended.map(([id]) => id)).toEqual([1, 2, 3]);
    for (const [, outcome] of ended) {
      expect(outcome.status).toBe('failed');
      if (outcome.status === 'failed' && outcome.reason.kind === 'exception') {
        expect(outcome.reason.message).toMatch(/could not be sent to executor thread 0: .*could not be cloned/);
      } else throw new Error(`unexpected outcome ${JSON.stringify(outcome)}`);
    }
  } finally {
    await pool.stop();
  }
});
