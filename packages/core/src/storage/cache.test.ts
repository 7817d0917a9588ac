/**
 * cache/persist: each storage level gives the same answer, a second action
 * reuses the cached partitions (an accumulator in the lineage before the cache
 * is not incremented again), blocks are reported and placed where the level
 * says, and unpersist makes the next action recompute.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import type { FlintEvent } from '../listener/events.ts';
import { StorageLevel, type StorageLevelName } from './storage-level.ts';

let sc: FlintContext;
const events: FlintEvent[] = [];

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'cache-test', progress: false });
  sc.addListener((e) => {
    events.push(e);
  });
});

afterAll(async () => {
  await sc?.stop();
});

function blockFiles(dir: string, rddId: number): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.startsWith(`rdd_${rddId}_`) && e.name.endsWith('.block')) out.push(e.name);
    }
  };
  walk(dir);
  return out;
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function blockUpdates(rddId: number): Extract<FlintEvent, { type: 'blockUpdated' }>[] {
  return events.filter((e): e is Extract<FlintEvent, { type: 'blockUpdated' }> => e.type === 'blockUpdated' && e.rddId === rddId);
}

const data = Array.from({ length: 1000 }, (_, i) => i);
const expected = data.map((x) => x * 2);

describe('storage levels', () => {
  for (const level of [StorageLevel.MEMORY_ONLY, StorageLevel.MEMORY_AND_DISK, StorageLevel.DISK_ONLY] as StorageLevelName[]) {
    test(`${level}: the second action reuses the cache; unpersist recomputes`, async () => {
      const computed = sc.accumulator(0);
      const rdd = sc
        .parallelize(data, 4)
        .map((x) => {
          computed.add(1);
          return x * 2;
        }, { computed })
        .persist(level);
      expect(rdd.getStorageLevel()).toBe(level);
      expect(sc.getPersistentRDDs().get(rdd.id)).toBe(rdd);
      expect(await rdd.collect()).toEqual(expected);
      expect(computed.value).toBe(1000);
      // Reused by other actions and by RDDs built on it.
      expect(await rdd.count()).toBe(1000);
      expect(await rdd.sum()).toBe(expected.reduce((a, b) => a + b, 0));
      expect(await rdd.map((x) => x + 1).filter((x) => x % 3 === 0).count()).toBe(expected.filter((x) => (x + 1) % 3 === 0).length);
      expect(await rdd.collect()).toEqual(expected);
      expect(computed.value).toBe(1000);

      await sc.flushEvents();
      const updates = blockUpdates(rdd.id);
      expect(updates.map((u) => u.blockId).sort()).toEqual([0, 1, 2, 3].map((p) => `rdd_${rdd.id}_${p}`));
      expect(updates.every((u) => u.storageLevel === level)).toBe(true);
      if (level === StorageLevel.DISK_ONLY) {
        expect(updates.every((u) => u.diskSize > 0 && u.memSize === 0)).toBe(true);
        expect(blockFiles(sc.localDir, rdd.id).length).toBe(4);
      } else {
        expect(updates.every((u) => u.memSize > 0)).toBe(true);
      }

      await rdd.unpersist();
      expect(rdd.getStorageLevel()).toBe(StorageLevel.NONE);
      expect(sc.getPersistentRDDs().has(rdd.id)).toBe(false);
      // Removal is asynchronous (as Spark's non-blocking unpersist): the files go shortly after.
      await waitFor(() => blockFiles(sc.localDir, rdd.id).length === 0);
      expect(await rdd.collect()).toEqual(expected);
      expect(computed.value).toBe(2000);
      expect(await rdd.count()).toBe(1000);
      expect(computed.value).toBe(3000);
    });
  }

  test('cache() is MEMORY_ONLY; a different level needs unpersist first', async () => {
    const rdd = sc.parallelize([1, 2, 3]).cache();
    expect(rdd.getStorageLevel()).toBe(StorageLevel.MEMORY_ONLY);
    expect(rdd.persist(StorageLevel.MEMORY_ONLY)).toBe(rdd);
    expect(() => rdd.persist(StorageLevel.DISK_ONLY)).toThrow(/already persisted/);
    await rdd.unpersist();
    expect(rdd.persist(StorageLevel.DISK_ONLY).getStorageLevel()).toBe(StorageLevel.DISK_ONLY);
    expect(await rdd.collect()).toEqual([1, 2, 3]);
    await rdd.unpersist();
  });

  test('a cached shuffle output and a cached RDD in the middle of a chain', async () => {
    const computed = sc.accumulator(0);
    const pairs = sc.parallelize(data, 5).map((x) => [x % 10, x] as [number, number]);
    const sums = pairs.reduceByKey((a, b) => a + b, 3).mapValues((v) => {
      computed.add(1);
      return v;
    }, { computed }).cache();
    const plain = new Map<number, number>();
    for (const x of data) plain.set(x % 10, (plain.get(x % 10) ?? 0) + x);
    expect(new Map(await sums.collect())).toEqual(plain);
    expect(computed.value).toBe(10);
    expect(new Map(await sums.mapValues((v) => v * 2).collect())).toEqual(new Map([...plain].map(([k, v]) => [k, v * 2])));
    expect(await sums.lookup(3)).toEqual([plain.get(3)]);
    expect(computed.value).toBe(10);
    // A chain that continues after the cached RDD: fused ops after the cache point still run.
    const middle = sc.parallelize(data, 2).map((x) => x + 1).cache();
    const after = middle.map((x) => x * 10).filter((x) => x % 20 === 0);
    expect(await after.collect()).toEqual(data.map((x) => (x + 1) * 10).filter((x) => x % 20 === 0));
    expect(await after.count()).toBe(500);
    await sums.unpersist();
    await middle.unpersist();
  });

  test('empty partitions and empty RDDs cache fine', async () => {
    const rdd = sc.parallelize([1], 4).persist(StorageLevel.MEMORY_AND_DISK);
    expect(await rdd.glom().collect()).toEqual([[], [], [], [1]]);
    expect(await rdd.collect()).toEqual([1]);
    await rdd.unpersist();
  });
});

describe('a small storage memory', () => {
  test('MEMORY_ONLY blocks that do not fit are recomputed; MEMORY_AND_DISK ones go to disk', async () => {
    const small = await FlintContext.create({ master: 'local[2]', progress: false, conf: { 'flint.storage.memory': '16k' } });
    try {
      const seen: FlintEvent[] = [];
      small.addListener((e) => {
        seen.push(e);
      });
      const big = Array.from({ length: 4000 }, (_, i) => `value number ${i} with some padding to make it larger`);
      const memCount = small.accumulator(0);
      const mem = small
        .parallelize(big, 4)
        .map((s) => {
          memCount.add(1);
          return s.toUpperCase();
        }, { memCount })
        .cache();
      expect(await mem.collect()).toEqual(big.map((s) => s.toUpperCase()));
      expect(await mem.count()).toBe(4000);
      expect(memCount.value).toBe(8000);

      const diskCount = small.accumulator(0);
      const both = small
        .parallelize(big, 4)
        .map((s) => {
          diskCount.add(1);
          return s.toLowerCase();
        }, { diskCount })
        .persist(StorageLevel.MEMORY_AND_DISK);
      expect(await both.collect()).toEqual(big.map((s) => s.toLowerCase()));
      expect(await both.map((s) => s.length).sum()).toBe(big.reduce((a, s) => a + s.length, 0));
      expect(diskCount.value).toBe(4000);
      await small.flushEvents();
      const ups = seen.filter((e): e is Extract<FlintEvent, { type: 'blockUpdated' }> => e.type === 'blockUpdated' && e.rddId === both.id);
      expect(ups.length).toBe(4);
      expect(ups.every((u) => u.diskSize > 0 && u.memSize === 0)).toBe(true);
      expect(blockFiles(small.localDir, both.id).length).toBe(4);
    } finally {
      await small.stop();
    }
  });
});
