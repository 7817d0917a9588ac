/**
 * Soak: multi-stage jobs back to back on standalone clusters for several minutes (3 by default;
 * FLINT_SOAK_MS sets it), far past the transports' peer timeout (30 s), on both transports at
 * once — a tcp cluster and an http cluster, each with its own driver context, run side by side in
 * one test so the soak costs its length once. The connections between driver and executors carry
 * mostly one-way traffic (task launches one way, status updates the other), which must keep them
 * alive: no executor may be lost, no task may fail, every answer must equal plain JS. Per
 * transport, the jobs run, first/median/max job time and executors lost are printed (no
 * wall-clock assertion). Before keep-alive counted one-way traffic, every busy tcp executor was
 * declared lost about 35 s in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { LocalCluster } from '@flint/cluster';

const SOAK_MS = Number(process.env.FLINT_SOAK_MS ?? 180_000);
const TRANSPORTS = ['tcp', 'http'] as const;
type Transport = (typeof TRANSPORTS)[number];

const clusters = new Map<Transport, LocalCluster>();
const contexts = new Map<Transport, FlintContext>();
const eventsOf = new Map<Transport, FlintEvent[]>();

beforeAll(async () => {
  await Promise.all(
    TRANSPORTS.map(async (transport) => {
      const cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport });
      clusters.set(transport, cluster);
      const events: FlintEvent[] = [];
      eventsOf.set(transport, events);
      const sc = await FlintContext.create({
        master: cluster.masterUrl,
        transport,
        appName: `soak-${transport}`,
        progress: false,
        // Executor heartbeats are requests, whose answers would keep the executor's connection to the
        // driver alive by themselves: spaced out, its status updates (one-way) are its only traffic.
        conf: { 'flint.executor.heartbeatInterval': '60s' },
        listeners: [(e) => void events.push(e)],
      });
      contexts.set(transport, sc);
    }),
  );
}, 180_000);

afterAll(async () => {
  await Promise.all(
    TRANSPORTS.map(async (transport) => {
      await contexts.get(transport)?.stop();
      await clusters.get(transport)?.stop();
    }),
  );
}, 120_000);

interface SoakReport {
  transport: Transport;
  times: number[];
  elapsed: number;
  lost: FlintEvent[];
  failedTasks: FlintEvent[];
}

/** Jobs back to back on one transport's cluster for SOAK_MS, each answer checked. */
async function soak(transport: Transport): Promise<SoakReport> {
  const sc = contexts.get(transport)!;
  const events = eventsOf.get(transport)!;
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
    expect(new Map(got), `${transport} job ${times.length}`).toEqual(expected);
  }
  const elapsed = Date.now() - start;
  await sc.flushEvents();
  return {
    transport,
    times,
    elapsed,
    lost: events.filter((e) => e.type === 'executorRemoved'),
    failedTasks: events.filter((e) => e.type === 'taskEnd' && e.reason.kind !== 'success'),
  };
}

describe('soak on both transports at once', () => {
  it(`runs jobs back to back for ${SOAK_MS / 1000} s on a tcp and an http cluster, losing no executor and answering every job exactly`, async () => {
    const reports = await Promise.all(TRANSPORTS.map(soak));
    for (const r of reports) {
      const sorted = [...r.times].sort((a, b) => a - b);
      console.log(
        `[${r.transport}] soak: ${r.times.length} jobs in ${r.elapsed} ms, first ${r.times[0]} ms, median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms, executors lost ${r.lost.length}, failed tasks ${r.failedTasks.length}`,
      );
    }
    for (const r of reports) {
      expect(r.lost, `${r.transport}: executors lost`).toEqual([]);
      expect(r.failedTasks, `${r.transport}: failed tasks`).toEqual([]);
      // Past the peer timeout many times over: the soak really ran its length.
      expect(r.elapsed).toBeGreaterThanOrEqual(SOAK_MS);
      expect(r.times.length).toBeGreaterThan(1);
    }
  }, SOAK_MS + 240_000);
});
