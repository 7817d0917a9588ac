/**
 * `local-cluster[W,C]` as a master URL: a master and W workers start as child
 * processes, the job runs on their executors, and stop() ends every process.
 */
import { describe, expect, it } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { processAlive } from './cluster/test-cluster.ts';

describe('local-cluster[2,1]', () => {
  it('runs a job on two executor processes and stops them all', async () => {
    const pids: number[] = [];
    const sc = await FlintContext.create({
      master: 'local-cluster[2,1]',
      progress: false,
      listeners: [(e: FlintEvent) => void (e.type === 'executorAdded' && e.pid !== null && pids.push(e.pid))],
    });
    let stopped = false;
    try {
      const data = Array.from({ length: 1000 }, (_, i) => i);
      const got = await sc.parallelize(data, 4).map((x) => [x % 7, x] as [number, number]).reduceByKey((a, b) => a + b).collectAsMap();
      const expected = new Map<number, number>();
      for (const x of data) expected.set(x % 7, (expected.get(x % 7) ?? 0) + x);
      expect(got).toEqual(expected);
      expect(pids.length).toBe(2);
      expect(new Set(pids).size).toBe(2);
      expect(pids.every((p) => p !== process.pid)).toBe(true);
      await sc.stop();
      stopped = true;
      const deadline = Date.now() + 15_000;
      while (pids.some(processAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(pids.filter(processAlive)).toEqual([]);
    } finally {
      if (!stopped) await sc.stop();
    }
  }, 120_000);
});
