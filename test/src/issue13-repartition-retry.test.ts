/**
 * Issue 13, repartition after a shuffle under a lost executor (SPARK-23207), on local-cluster[2,1]:
 * a task of the repartition's reduce stage SIGKILLs its executor once, after other reduce tasks
 * have finished. The executor's map outputs are lost and recomputed on the other executor, where
 * they are read in another order (local blocks first); the reduce tasks that had finished keep what
 * they read from the first attempts. Only if every recomputed map task sends each record where its
 * first attempt did is every record in the answer exactly once: the answer is compared, as a
 * multiset, with plain JS, and the retry is shown to have happened (an executor lost, a map stage
 * run again).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FlintContext, moduleRef, type FlintEvent } from '@flint/core';

let sc: FlintContext;
let tmp: string;
const events: FlintEvent[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-repartition-retry-'));
  sc = await FlintContext.create({
    master: 'local-cluster[2,1]',
    appName: 'issue13-repartition-retry',
    progress: false,
    listeners: [(e: FlintEvent) => void events.push(e)],
  });
}, 120_000);

afterAll(async () => {
  await sc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

const canon = (r: [number, number]): string => `${r[0]}:${r[1]}`;

it('every record once after an executor dies in the reduce stage of a repartition that follows a shuffle', async () => {
  const data = Array.from({ length: 30_000 }, (_, i): [number, number] => [i % 97, i]);
  const marker = path.join(tmp, 'killed-once');
  // The closure's name for the module its env ships.
  const fsm = fs;
  const out = await sc
    .parallelize(data, 6)
    .groupByKey(4)
    .flatMap(([k, vs]) => vs.map((v): [number, number] => [k, v]))
    .repartition(6)
    .mapPartitionsWithIndex(
      (i, it) => {
        const rows = Array.from(it);
        // The last reduce partitions run after the first ones have finished (two slots): kill once there.
        if (i === 4 && !fsm.existsSync(marker)) {
          fsm.writeFileSync(marker, String(process.pid));
          process.kill(process.pid, 'SIGKILL');
        }
        return rows;
      },
      { fsm: moduleRef('node:fs'), marker },
    )
    .collect();
  await sc.flushEvents();
  expect(fs.existsSync(marker)).toBe(true);
  expect(events.filter((e) => e.type === 'executorRemoved').length).toBeGreaterThanOrEqual(1);
  // A map stage ran again (a second attempt of a stage), so the retry path was taken.
  const attempts = events.filter((e): e is Extract<FlintEvent, { type: 'stageSubmitted' }> => e.type === 'stageSubmitted').map((e) => e.stageInfo.attempt);
  expect(Math.max(...attempts)).toBeGreaterThanOrEqual(1);
  expect(out.length).toBe(data.length);
  expect(out.map(canon).sort()).toEqual(data.map(canon).sort());
}, 180_000);
