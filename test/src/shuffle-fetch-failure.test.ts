/**
 * A map output that is gone when its reducers read it, on a real cluster for both transports:
 * the shuffle files of one worker's executors are deleted between two actions over the same
 * shuffle, so the second action's reduce tasks fail to read them, remotely (the executor serving
 * the file answers with an error) or locally (the file is missing). Each such task ends with a
 * typed `fetchFailed` reason naming the shuffle, the map output, the executor that wrote it and
 * the reduce partition, the map stage runs again, and the answer equals plain JS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { ExecutorTracker, startTestCluster, type TestCluster } from './cluster/test-cluster.ts';

/** Files below `dir` whose names match `re`. */
function filesBelow(dir: string, re: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesBelow(p, re));
    else if (re.test(e.name)) out.push(p);
  }
  return out;
}

describe.each(['tcp', 'http'] as const)('a lost map output over %s', (transport) => {
  let cluster: TestCluster;
  let sc: FlintContext;
  const tracker = new ExecutorTracker();

  beforeAll(async () => {
    cluster = await startTestCluster({ workers: 2, coresPerWorker: 1, transport, workerTimeoutMs: 4000 });
    sc = await FlintContext.create({ master: cluster.masterUrl, transport, appName: `fetch-failure-${transport}`, progress: false, listeners: [tracker.listener] });
  }, 120_000);

  afterAll(async () => {
    await sc?.stop();
    await cluster?.stop();
  }, 60_000);

  it('is read as a typed fetchFailed naming the map output; the map stage reruns and the answer is exact', async () => {
    const data = Array.from({ length: 6000 }, (_, i) => (i * 7919) % 10007);
    const expected = new Map<number, number>();
    for (const x of data) expected.set(x % 50, (expected.get(x % 50) ?? 0) + x);
    const sums = sc
      .parallelize(data, 8)
      .map((x) => [x % 50, x] as [number, number])
      .reduceByKey((a, b) => a + b, 4);
    expect(new Map(await sums.collect())).toEqual(expected);

    // Both workers ran map tasks; delete what worker 0's executors wrote.
    const appDir = path.join(cluster.workDir(0), sc.appId);
    const lost = filesBelow(appDir, /^shuffle_\d+_\d+_\d+\.data$/);
    expect(lost.length).toBeGreaterThan(0);
    expect(filesBelow(path.join(cluster.workDir(1), sc.appId), /^shuffle_\d+_\d+_\d+\.data$/).length).toBeGreaterThan(0);
    const lostExecutors = new Set(lost.map((f) => path.basename(path.dirname(f))));
    for (const f of lost) fs.rmSync(f);

    const start = tracker.events.length;
    expect(new Map(await sums.collect())).toEqual(expected);
    const ends = tracker.events.slice(start).filter((e): e is Extract<FlintEvent, { type: 'taskEnd' }> => e.type === 'taskEnd');
    const failures = ends.flatMap((e) => (e.reason.kind === 'fetchFailed' ? [e.reason] : []));
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) {
      expect(lostExecutors.has(f.executorId), `${f.executorId} wrote a deleted file`).toBe(true);
      expect(f.reduceId).toBeGreaterThanOrEqual(0);
      expect(f.reduceId).toBeLessThan(4);
      expect(f.mapId).toBeGreaterThanOrEqual(0);
      expect(f.mapId).toBeLessThan(8);
      expect(f.message).toMatch(
        new RegExp(`fetching shuffle blocks failed: fetching map ${f.mapId} of shuffle ${f.shuffleId} from executor ${f.executorId} at \\S+: |shuffle block \\S+ of map ${f.mapId} is missing`),
      );
    }
    // The second action needed no map stage until the reads failed: the one it ran wrote the lost outputs again.
    const shuffleIds = new Set(failures.map((f) => f.shuffleId));
    const mapReruns = tracker.events.slice(start).filter((e) => e.type === 'stageSubmitted' && e.stageInfo.kind === 'shuffleMap');
    expect(mapReruns.length).toBeGreaterThan(0);
    for (const e of mapReruns) expect(shuffleIds.has((e as Extract<FlintEvent, { type: 'stageSubmitted' }>).stageInfo.shuffleId!)).toBe(true);
  }, 180_000);
});
