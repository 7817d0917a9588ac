/**
 * flint.executor.memory is the memory an executor may use: a task that holds
 * more than its thread's share fails, naming the setting, instead of
 * succeeding on an unbounded heap; the executor's next job is answered
 * exactly. Real master, worker, executor and driver on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext } from '@flint/core';
import { LocalCluster } from '@flint/cluster';

describe('executor memory', () => {
  let cluster: LocalCluster;
  let sc: FlintContext;
  beforeAll(async () => {
    cluster = await LocalCluster.start({ workers: 1, coresPerWorker: 1, memoryPerWorker: '2g', transport: 'tcp', workerTimeoutMs: 5000 });
    sc = await FlintContext.create({
      master: cluster.masterUrl,
      transport: 'tcp',
      appName: 'executor-memory',
      progress: false,
      conf: { 'flint.executor.memory': '256m', 'flint.task.maxFailures': 1 },
    });
  }, 120_000);
  afterAll(async () => {
    await sc?.stop();
    await cluster?.stop();
  }, 60_000);

  it('fails a task that holds more than its share of flint.executor.memory, with a message naming it', async () => {
    // About 600 MB of live objects, well past the ~190 MB a task thread of a 256 MB executor gets
    // (and well within what an unlimited thread may hold).
    const hog = sc.parallelize([6_000_000], 1).map((n) => {
      const held: { i: number; s: string }[] = [];
      for (let i = 0; i < n; i++) held.push({ i, s: `value-${i}` });
      return held.length;
    });
    const err = await hog.collect().then(
      (v) => new Error(`the task succeeded with ${JSON.stringify(v)}`),
      (e: Error) => e,
    );
    expect(err.message).toMatch(/ran out of memory/);
    expect(err.message).toMatch(/flint\.executor\.memory/);
    const n = 20_000;
    const sums = await sc
      .parallelize(Array.from({ length: n }, (_, i) => i), 4)
      .map((x) => [x % 5, x] as [number, number])
      .reduceByKey((a, b) => a + b)
      .collect();
    const expected = new Map<number, number>();
    for (let x = 0; x < n; x++) expected.set(x % 5, (expected.get(x % 5) ?? 0) + x);
    expect(new Map(sums)).toEqual(expected);
  }, 120_000);
});
