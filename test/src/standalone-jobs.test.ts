/**
 * The standalone cluster end to end: a real master, two workers and their
 * executor processes on 127.0.0.1, a driver in this process, for both
 * transports. Every answer is compared with a plain-JS computation.
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { LocalCluster } from '@flint/cluster';

const lines = Array.from({ length: 3000 }, (_, i) => `w${i % 97} v${(i * 7) % 31} w${(i * 13) % 53} ${i % 5 === 0 ? 'rare' + (i % 11) : ''}`);

function plainWordCount(ls: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of ls) for (const w of l.split(/\s+/)) if (w.length > 0) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

describe.each(['tcp', 'http'] as const)('standalone cluster over %s', (transport) => {
  let cluster: LocalCluster;
  let sc: FlintContext;
  const events: FlintEvent[] = [];

  beforeAll(async () => {
    cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport, workerTimeoutMs: 4000 });
    sc = await FlintContext.create({
      master: cluster.masterUrl,
      appName: `jobs-${transport}`,
      transport,
      progress: false,
      listeners: [(e) => void events.push(e)],
    });
  }, 120_000);

  afterAll(async () => {
    await sc?.stop();
    await cluster?.stop();
  }, 60_000);

  it('gets one executor on each worker', async () => {
    const st = await cluster.clusterState();
    const mine = st.executors.filter((e) => e.appId === sc.appId || st.applications.some((a) => a.appId === e.appId && a.name === `jobs-${transport}`));
    expect(new Set(mine.map((e) => e.workerId)).size).toBe(2);
  });

  /** Word count over `lines` on the cluster: `slices` map tasks, `partitions` reduce tasks. */
  const wordCount = (slices: number, partitions: number): Promise<[string, number][]> =>
    sc
      .parallelize(lines, slices)
      .flatMap((l) => l.split(/\s+/))
      .filter((w) => w.length > 0)
      .map((w) => [w, 1] as [string, number])
      .reduceByKey((a, b) => a + b, partitions)
      .collect();

  it('runs word count with tasks on executors of both workers', async () => {
    const start = events.length;
    expect(new Map(await wordCount(6, 4))).toEqual(plainWordCount(lines));
    await sc.flushEvents();
    const ends = events.slice(start).filter((e): e is Extract<FlintEvent, { type: 'taskEnd' }> => e.type === 'taskEnd');
    const executors = new Set(ends.map((e) => e.taskInfo.executorId));
    expect(executors.size).toBe(2);
    const added = events.filter((e): e is Extract<FlintEvent, { type: 'executorAdded' }> => e.type === 'executorAdded');
    const workersOfTasks = new Set(added.filter((a) => executors.has(a.executorId)).map((a) => a.workerId));
    expect(workersOfTasks.size).toBe(2);
    // Shuffle bytes written by the map stage are the bytes the reduce stage read.
    const written = ends.reduce((s, e) => s + (e.metrics?.shuffleWriteBytes ?? 0), 0);
    const read = ends.reduce((s, e) => s + (e.metrics?.shuffleReadLocalBytes ?? 0) + (e.metrics?.shuffleReadRemoteBytes ?? 0), 0);
    expect(written).toBeGreaterThan(0);
    expect(read).toBe(written);
    expect(ends.some((e) => (e.metrics?.shuffleReadRemoteBytes ?? 0) > 0)).toBe(true);
  });

  it('deletes the shuffle files of a dropped RDD on the executors that wrote them', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const shuffleFiles = (): string[] =>
      (fs.readdirSync(cluster.baseDir, { recursive: true }) as string[]).filter((f) => /^shuffle_.*\.data$/.test(path.basename(f))).map((f) => path.join(cluster.baseDir, f));
    const before = new Set(shuffleFiles());
    // The job's RDDs live only inside wordCount: nothing here keeps its shuffle reachable.
    expect(new Map(await wordCount(4, 3))).toEqual(plainWordCount(lines));
    const written = shuffleFiles().filter((f) => !before.has(f));
    expect(written.length).toBe(4);
    expect(new Set(written.map((f) => path.relative(cluster.baseDir, f).split(path.sep)[0])).size).toBe(2); // both workers' dirs
    for (let i = 0; i < 200 && written.some((f) => fs.existsSync(f)); i++) {
      gc();
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(written.filter((f) => fs.existsSync(f))).toEqual([]);
  });

  it('zips two RDDs over one shuffle (each task reads the same remote blocks twice)', async () => {
    const pairs = Array.from({ length: 400 }, (_, i) => [i % 37, i] as [number, number]);
    const sums = sc.parallelize(pairs, 4).reduceByKey((a, b) => a + b, 3);
    const got = await sums.zip(sums.mapValues((v) => v * 2)).collect();
    const expected = new Map<number, number>();
    for (const [k, v] of pairs) expected.set(k, (expected.get(k) ?? 0) + v);
    expect(got.length).toBe(expected.size);
    for (const [[k, v], [k2, v2]] of got) {
      expect(k2).toBe(k);
      expect(v).toBe(expected.get(k));
      expect(v2).toBe(2 * expected.get(k)!);
    }
  });

  it('moves Buffer values through consecutive shuffles whose remote blocks reuse the executors\' block buffers', async () => {
    // First job: 4 map tasks, blocks of ~1.5 MB, larger than a reader's buffer. Second job: 12 map
    // tasks, so a reduce task fetches more blocks than it has fetches in flight and later blocks
    // land in buffers of the first job's tasks, never in one this task still has to read.
    const bytesOf = (i: number): number[] => [i & 255, (i >> 8) & 255, (i >> 16) & 255, ...new Array<number>(297).fill(i % 251)];
    for (const [n, maps] of [[40_000, 4], [60_000, 12]] as const) {
      const got = await sc
        .range(0, n, 1, maps)
        .map((i) => [i % 5, Buffer.from(bytesOf(i))] as [number, Buffer], { bytesOf })
        .groupByKey(2)
        .collect();
      const seen = new Set<number>();
      let wrong = 0;
      for (const [k, vs] of got) {
        for (const v of vs) {
          const i = v[0]! | (v[1]! << 8) | (v[2]! << 16);
          if (i % 5 !== k || seen.has(i) || !Buffer.from(bytesOf(i)).equals(Buffer.from(v))) wrong++;
          seen.add(i);
        }
      }
      expect(wrong).toBe(0);
      expect(seen.size).toBe(n);
    }
  }, 60_000);

  it('joins two pair RDDs', async () => {
    const left = Array.from({ length: 500 }, (_, i) => [i % 40, `l${i}`] as [number, string]);
    const right = Array.from({ length: 300 }, (_, i) => [i % 60, `r${i}`] as [number, string]);
    const got = await sc.parallelize(left, 3).join(sc.parallelize(right, 2), 5).collect();
    const expected: [number, [string, string]][] = [];
    for (const [k, v] of left) for (const [k2, w] of right) if (k === k2) expected.push([k, [v, w]]);
    const key = (x: [number, [string, string]]) => `${x[0]}|${x[1][0]}|${x[1][1]}`;
    expect(got.map(key).sort()).toEqual(expected.map(key).sort());
  });

  it('sorts by key across partitions', async () => {
    const data = Array.from({ length: 5000 }, (_, i) => [(i * 7919) % 5003, i] as [number, number]);
    const got = await sc.parallelize(data, 4).sortByKey(true, 3).collect();
    const expected = data.slice().sort((a, b) => a[0] - b[0] || 0);
    expect(got.map((x) => x[0])).toEqual(expected.map((x) => x[0]));
    expect(new Set(got.map((x) => x[1])).size).toBe(data.length);
  });

  it('runs a cached iterative job with the same answers as plain JS', async () => {
    const points = sc.parallelize(Array.from({ length: 2000 }, (_, i) => (i * 37) % 1000), 4).cache();
    let center = 0;
    let plainCenter = 0;
    const plainPoints = Array.from({ length: 2000 }, (_, i) => (i * 37) % 1000);
    for (let it = 0; it < 4; it++) {
      const c = center;
      const moved = await points.map((p) => (p + c) / 2, { c }).mean();
      center = moved;
      plainCenter = plainPoints.reduce((s, p) => s + (p + plainCenter) / 2, 0) / plainPoints.length;
      expect(center).toBeCloseTo(plainCenter, 9);
    }
    await sc.flushEvents();
    const cached = events.filter((e) => e.type === 'blockUpdated');
    expect(cached.length).toBeGreaterThanOrEqual(4);
  });

  it('fails a job cleanly when a task throws, and runs the next one', async () => {
    await expect(sc.parallelize([1, 2, 3], 3).map((x) => {
      if (x === 2) throw new Error('boom on two');
      return x;
    }).collect()).rejects.toThrow(/boom on two/);
    expect(await sc.parallelize([1, 2, 3], 3).map((x) => x * 10).collect()).toEqual([10, 20, 30]);
  });

  it('refuses to collect more than flint.driver.maxResultSize', async () => {
    await sc.stop();
    const small = await FlintContext.create({ master: cluster.masterUrl, transport, progress: false, conf: { 'flint.driver.maxResultSize': '64k' } });
    try {
      await expect(small.range(0, 100_000, 1, 2).collect()).rejects.toThrow(/flint\.driver\.maxResultSize/);
      expect(await small.range(0, 10).collect()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await small.stop();
    }
  }, 90_000);
});
