/**
 * Soak: multi-stage jobs back to back on a standalone cluster for longer than
 * the transports' peer timeout (30 s), on both transports. The connections
 * between driver and executors carry mostly one-way traffic (task launches one
 * way, status updates the other), which must keep them alive: no executor may be
 * lost, every answer must equal plain JS, and the job times are printed (no
 * wall-clock assertion). Before keep-alive counted one-way traffic, every busy
 * tcp executor was declared lost about 35 s in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { LocalCluster } from '@flint/master';

/** Past the default peer timeout (30 s) with margin. */
const SOAK_MS = 45_000;

describe.each(['tcp', 'http'] as const)('jobs back to back for %s past the peer timeout', (transport) => {
  let cluster: LocalCluster;
  let sc: FlintContext;
  const events: FlintEvent[] = [];

  beforeAll(async () => {
    cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport });
    sc = await FlintContext.create({
      master: cluster.masterUrl,
      transport,
      appName: `soak-${transport}`,
      progress: false,
      // Executor heartbeats are requests, whose answers would keep the executor's connection to the
      // driver alive by themselves: spaced out, its status updates (one-way) are its only traffic.
      conf: { 'flint.executor.heartbeatInterval': '60s' },
      listeners: [(e) => void events.push(e)],
    });
  }, 120_000);

  afterAll(async () => {
    await sc?.stop();
    await cluster?.stop();
  }, 60_000);

  it('loses no executor and answers every job exactly', async () => {
    const n = 6000;
    const expected = new Map<number, number>();
    for (let x = 0; x < n; x++) expected.set(x % 17, (expected.get(x % 17) ?? 0) + x * 2);
    const times: number[] = [];
    const start = Date.now();
    while (Date.now() - start < SOAK_MS) {
      const t0 = Date.now();
      const got = await sc
        .parallelize(Array.from({ length: n }, (_, i) => i), 300)
        .map((x) => {
          // ~3 ms of work per 100 records: many short tasks, a steady stream of launches and status updates.
          if (x % 100 === 0) {
            const end = Date.now() + 3;
            while (Date.now() < end);
          }
          return [x % 17, x * 2] as [number, number];
        })
        .reduceByKey((a, b) => a + b, 4)
        .mapValues((v) => v)
        .collect();
      times.push(Date.now() - t0);
      expect(new Map(got)).toEqual(expected);
    }
    await sc.flushEvents();
    const lost = events.filter((e) => e.type === 'executorRemoved');
    expect(lost).toEqual([]);
    expect(events.filter((e) => e.type === 'taskEnd' && e.reason.kind !== 'success')).toEqual([]);
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      `[${transport}] soak: ${times.length} jobs in ${Date.now() - start} ms, first ${times[0]} ms, median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms, executors lost ${lost.length}`,
    );
  }, 180_000);
});
