/**
 * Local mode's event log: a `local[2]` driver writes its events to the event store under
 * flint.eventLog.dir, and what the store answers equals what the driver's own listener saw.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type FlintEvent, FlintContext } from '@flint/core';
import { EventStore, eventLogFile } from '@flint/event-store';
import { afterAll, describe, expect, it } from 'vitest';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-local-event-log-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('local-mode event log', () => {
  it('stores a local[2] run with two shuffles: every event, the same jobs, stages and tasks as the listener saw', async () => {
    const dir = path.join(root, 'log');
    const seen: FlintEvent[] = [];
    const sc = await FlintContext.create({
      master: 'local[2]',
      appName: 'event-log',
      progress: false,
      conf: { 'flint.eventLog.enabled': true, 'flint.eventLog.dir': dir, 'flint.app.token': 'hush' },
      listeners: [(e) => void seen.push(e)],
    });
    const appId = sc.appId;
    const words = Array.from({ length: 2000 }, (_, i) => `w${i % 37}`);
    const out = await sc
      .parallelize(words, 6)
      .map((w) => [w, 1] as [string, number])
      .reduceByKey((a, b) => a + b, 4)
      .map(([w, n]) => [n % 5, w] as [number, string])
      .groupByKey(3)
      .collect();
    const counts = new Map<string, number>();
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
    const groups = new Map<number, string[]>();
    for (const [w, n] of counts) groups.set(n % 5, [...(groups.get(n % 5) ?? []), w]);
    expect(new Map(out.map(([k, ws]) => [k, [...ws].sort()]))).toEqual(new Map([...groups].map(([k, ws]) => [k, ws.sort()])));
    expect(await sc.parallelize([1, 2, 3], 3).count()).toBe(3);
    await sc.stop();

    const store = await EventStore.open(eventLogFile(dir));
    try {
      const app = (await store.getApp(appId))!;
      expect(app).toMatchObject({ appId, name: 'event-log', state: 'FINISHED', storedThrough: seen.length, eventsPosted: seen.length, droppedEvents: 0 });
      expect(app.conf['flint.app.token']).toBe('[redacted]');
      const jobs = await store.listJobs(appId);
      const jobStarts = seen.filter((e): e is Extract<FlintEvent, { type: 'jobStart' }> => e.type === 'jobStart');
      expect(jobs.map((j) => j.jobId).sort()).toEqual(jobStarts.map((j) => j.jobId).sort());
      expect(jobs.every((j) => j.state === 'SUCCEEDED')).toBe(true);
      const big = (await store.getJob(appId, jobStarts[0].jobId))!;
      expect(big.stages.length).toBe(3);
      expect(big.stages.map((s) => s.state)).toEqual(['complete', 'complete', 'complete']);
      // Task counts per stage attempt, against the listener's own events.
      const ends = seen.filter((e): e is Extract<FlintEvent, { type: 'taskEnd' }> => e.type === 'taskEnd');
      for (const st of await store.listStages(appId)) {
        const mine = ends.filter((e) => e.stageId === st.stageId && e.stageAttempt === st.attempt);
        expect(st.taskCounts.total, `stage ${st.stageId}`).toBe(mine.length);
        expect(st.taskCounts.success).toBe(mine.filter((e) => e.reason.kind === 'success').length);
        expect(st.totals.shuffleWriteBytes).toBe(mine.reduce((n, e) => n + (e.metrics?.shuffleWriteBytes ?? 0), 0));
        // Quantiles equal a computation over the rows the store lists.
        const detail = (await store.getStage(appId, st.stageId, st.attempt))!;
        const rows = (await store.listTasks({ appId, stageId: st.stageId, attempt: st.attempt, status: 'SUCCESS', sortBy: 'executorRunTime', limit: 1000 })).items;
        const run = rows.map((r) => r.metrics!.executorRunTime);
        expect(run).toEqual([...run].sort((a, b) => a - b));
        expect(detail.quantiles.metrics.executorRunTime).toMatchObject({ min: run[0], p50: run[Math.ceil(run.length / 2) - 1], max: run[run.length - 1] });
      }
      const executors = await store.listExecutors(appId);
      expect(executors.reduce((n, e) => n + e.totals.tasks, 0)).toBe(ends.length);
    } finally {
      await store.close();
    }
  });

  it('writes nothing when flint.eventLog.enabled is false', async () => {
    const dir = path.join(root, 'off');
    const sc = await FlintContext.create({ master: 'local[1]', progress: false, conf: { 'flint.eventLog.enabled': false, 'flint.eventLog.dir': dir } });
    expect(await sc.parallelize([1, 2, 3]).count()).toBe(3);
    await sc.stop();
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('refuses an event log directory it cannot write, naming the setting', async () => {
    const blocker = path.join(root, 'a-file');
    fs.writeFileSync(blocker, '');
    await expect(FlintContext.create({ master: 'local[1]', progress: false, conf: { 'flint.eventLog.dir': blocker } })).rejects.toThrow(/flint\.eventLog\.dir/);
  });
});
