/**
 * Scheduling behaviour seen from the API: concurrent jobs on one context, reuse
 * of existing shuffle outputs, recomputation of lost shuffle files (fetch
 * failure → parent stage resubmitted), and a task thread that dies mid-task.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlintContext } from '../context.ts';
import type { FlintEvent } from '../listener/events.ts';
import { moduleRef } from '../closure/ship.ts';
import { bag, reducePairs } from '../testing/plain.ts';

let sc: FlintContext;
let tmp: string;
const events: FlintEvent[] = [];

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'recovery-test', progress: false });
  sc.addListener((e) => {
    events.push(e);
  });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-recovery-'));
});

afterAll(async () => {
  await sc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const pairs: [number, number][] = Array.from({ length: 500 }, (_, i) => [i % 17, i]);
const add = (a: number, b: number): number => a + b;

function files(dir: string, pred: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (pred(e.name)) out.push(path.join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

describe('jobs', () => {
  test('run concurrently on one context, also sharing a shuffle', async () => {
    const reduced = sc.parallelize(pairs, 4).reduceByKey(add, 3);
    const expected = bag(reducePairs(pairs, add));
    const [a, b, c, d, e] = await Promise.all([
      reduced.collect(),
      reduced.count(),
      reduced.mapValues((v) => v * 2).collect(),
      sc.parallelize(pairs, 5).groupByKey().count(),
      sc.range(0, 1000, 1, 7).sum(),
    ]);
    expect(bag(a)).toEqual(expected);
    expect(b).toBe(17);
    expect(bag(c)).toEqual(bag(reducePairs(pairs, add).map(([k, v]) => [k, v * 2])));
    expect(d).toBe(17);
    expect(e).toBe(499500);
  });

  test('a second action reuses the shuffle output of the first', async () => {
    const computed = sc.accumulator(0);
    const reduced = sc
      .parallelize(pairs, 4)
      .map((kv) => {
        computed.add(1);
        return kv;
      }, { computed })
      .reduceByKey(add, 3);
    expect(bag(await reduced.collect())).toEqual(bag(reducePairs(pairs, add)));
    expect(computed.value).toBe(500);
    await sc.flushEvents();
    const before = events.length;
    expect(await reduced.count()).toBe(17);
    expect(computed.value).toBe(500);
    await sc.flushEvents();
    const later = events.slice(before);
    const start = later.find((x): x is Extract<FlintEvent, { type: 'jobStart' }> => x.type === 'jobStart')!;
    expect(start.stageIds.length).toBe(2);
    expect(later.filter((x) => x.type === 'stageSubmitted').length).toBe(1);
  });
});

describe('task order', () => {
  test('a stage that reads a shuffle launches its partitions by decreasing input', async () => {
    // Partition p holds `sizes[p]` records of key p.
    const sizes = [300, 20, 900, 100];
    const data = sizes.flatMap((n, p) => Array.from({ length: n }, (_, i): [number, string] => [p, `v${i}`]));
    const start = events.length;
    const counts = await sc
      .parallelize(data, 3)
      .partitionBy(4, (k: number) => k)
      .mapPartitionsWithIndex((i, it) => {
        let n = 0;
        for (const _ of it) n++;
        return [[i, n] as [number, number]];
      })
      .collect();
    expect(counts).toEqual(sizes.map((n, p) => [p, n]));
    const resultStage = Math.max(...events.slice(start).filter((e) => e.type === 'stageSubmitted').map((e) => (e as { stageInfo: { stageId: number } }).stageInfo.stageId));
    const launched = events
      .slice(start)
      .filter((e): e is Extract<FlintEvent, { type: 'taskStart' }> => e.type === 'taskStart' && e.stageId === resultStage)
      .map((e) => e.taskInfo.index);
    expect(launched).toEqual([2, 0, 3, 1]);
  });
});

describe('shuffle cleanup', () => {
  test('the shuffle files of RDDs the program dropped are deleted after GC; those it keeps stay and are reused', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const shuffleFiles = (): string[] => files(sc.localDir, (n) => n.startsWith('shuffle_') && n.endsWith('.data'));
    const s0 = new Set(shuffleFiles());
    const kept = sc.parallelize(pairs, 4).reduceByKey(add, 3);
    expect(bag(await kept.collect())).toEqual(bag(reducePairs(pairs, add)));
    const keptFiles = shuffleFiles().filter((f) => !s0.has(f));
    expect(keptFiles.length).toBe(4);
    const s1 = new Set(shuffleFiles());
    await (async () => {
      const dropped = sc.parallelize(pairs, 4).map(([k, v]): [number, number] => [k + 100, v]).reduceByKey(add, 3);
      const expected = reducePairs(pairs.map(([k, v]): [number, number] => [k + 100, v]), add);
      expect(bag(await dropped.collect())).toEqual(bag(expected));
    })();
    const droppedFiles = shuffleFiles().filter((f) => !s1.has(f));
    expect(droppedFiles.length).toBe(4);
    for (let i = 0; i < 200 && droppedFiles.some((f) => fs.existsSync(f)); i++) {
      gc();
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(droppedFiles.filter((f) => fs.existsSync(f))).toEqual([]);
    expect(keptFiles.filter((f) => !fs.existsSync(f))).toEqual([]);
    // The kept RDD's map outputs are still registered: the next job skips its map stage (no new files).
    const s2 = new Set(shuffleFiles());
    expect(bag(await kept.collect())).toEqual(bag(reducePairs(pairs, add)));
    expect(shuffleFiles().filter((f) => !s2.has(f))).toEqual([]);
  });
});

describe('recovery', () => {
  test('lost shuffle files are recomputed: the map stage is resubmitted', async () => {
    const computed = sc.accumulator(0);
    const reduced = sc
      .parallelize(pairs, 4)
      .map((kv) => {
        computed.add(1);
        return kv;
      }, { computed })
      .reduceByKey(add, 3);
    expect(bag(await reduced.collect())).toEqual(bag(reducePairs(pairs, add)));
    const shuffleFiles = files(sc.localDir, (n) => n.startsWith('shuffle_') && n.endsWith('.data'));
    expect(shuffleFiles.length).toBeGreaterThan(0);
    for (const f of shuffleFiles) fs.rmSync(f);
    expect(bag(await reduced.collect())).toEqual(bag(reducePairs(pairs, add)));
    expect(computed.value).toBeGreaterThan(500);
  });

  test('a task thread that dies is replaced and the task retried', async () => {
    const marker = path.join(tmp, 'died-once');
    const fsm = fs; // the closure's name for the module its env ships
    const got = await sc
      .parallelize([1, 2, 3, 4, 5, 6], 3)
      .map(
        (x) => {
          if (x === 3 && !fsm.existsSync(marker)) {
            fsm.writeFileSync(marker, 'x');
            process.exit(1);
          }
          return x * 10;
        },
        { marker, fsm: moduleRef('node:fs') },
      )
      .collect();
    expect(got).toEqual([10, 20, 30, 40, 50, 60]);
    expect(fs.existsSync(marker)).toBe(true);
    // The context keeps both slots working.
    expect(await sc.parallelize(Array.from({ length: 20 }, (_, i) => i), 8).map((x) => x + 1).sum()).toBe(210);
  });
});
