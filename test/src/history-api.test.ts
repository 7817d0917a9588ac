/**
 * `flint history`'s API over a local[2] run's event log: the same procedures
 * as on a master answer what the driver's own listener saw (jobs, stages,
 * task counts per stage, executors, quantiles from the task rows), with no
 * cluster (empty workers) and refusals for cancel, kill and logs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFlintClient } from '@flint/api';
import { FlintContext, type FlintEvent } from '@flint/core';
import { startHistoryServer } from '@flint/cluster-master';
import { afterAll, describe, expect, it } from 'vitest';

type Ev<T extends FlintEvent['type']> = Extract<FlintEvent, { type: T }>;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-history-api-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('flint history over a local[2] event log', () => {
  it('answers the same counts as the run, through the same API', async () => {
    const events: FlintEvent[] = [];
    const sc = await FlintContext.create({ master: 'local[2]', appName: 'history-local', progress: false, conf: { 'flint.eventLog.enabled': true, 'flint.eventLog.dir': dir }, listeners: [(e) => void events.push(e)] });
    const appId = sc.applicationId;
    const data = Array.from({ length: 2000 }, (_, i) => i);
    const grouped = await sc
      .parallelize(data, 5)
      .map((x) => [x % 30, 1] as [number, number])
      .reduceByKey((a, b) => a + b, 3)
      .map(([k, n]) => [k % 4, n] as [number, number])
      .groupByKey(2)
      .collect();
    const second = await sc.parallelize(data, 4).map((x) => x * 2).reduce((a, b) => a + b);
    await sc.stop();
    expect(second).toBe(data.reduce((a, x) => a + 2 * x, 0));
    expect(grouped.reduce((a, [, ns]) => a + (ns as number[]).reduce((x, y) => x + y, 0), 0)).toBe(2000);

    const server = await startHistoryServer({ dir, port: 0, secret: null });
    try {
      const api = createFlintClient({ url: server.url });
      const o = await api.cluster.overview.query();
      expect(o).toMatchObject({ mode: 'history', workers: { alive: 0, dead: 0 }, applications: { running: 0 } });
      expect(await api.workers.list.query()).toEqual([]);
      const apps = await api.apps.list.query({});
      expect(apps.items.map((a) => a.appId)).toEqual([appId]);
      expect(apps.items[0]).toMatchObject({ name: 'history-local', state: 'FINISHED' });
      expect(await api.apps.get.query({ appId })).toMatchObject({ droppedEvents: 0, jobs: { total: 2, succeeded: 2 } });

      const jobStarts = events.filter((e): e is Ev<'jobStart'> => e.type === 'jobStart');
      const taskEnds = events.filter((e): e is Ev<'taskEnd'> => e.type === 'taskEnd');
      const jobs = await api.jobs.list.query({ appId });
      expect(jobs.map((j) => [j.jobId, j.state, j.stageIds])).toEqual(jobStarts.map((j) => [j.jobId, 'succeeded', j.stageIds]));
      const stages = await api.stages.list.query({ appId });
      expect(stages.map((s) => s.stageId).sort((a, b) => a - b)).toEqual(events.filter((e): e is Ev<'stageCompleted'> => e.type === 'stageCompleted').map((e) => e.stageInfo.stageId).sort((a, b) => a - b));
      for (const s of stages) {
        const mine = taskEnds.filter((e) => e.stageId === s.stageId && e.stageAttempt === s.attempt);
        expect(s.tasks.total).toBe(mine.length);
        expect(s.tasks.succeeded).toBe(mine.filter((e) => e.reason.kind === 'success').length);
        const rows = (await api.tasks.list.query({ appId, stageId: s.stageId, attempt: s.attempt, sortBy: 'duration', desc: true, limit: 1000 })).items;
        expect(rows.map((r) => r.taskId).sort((a, b) => a - b)).toEqual(mine.map((e) => e.taskInfo.taskId).sort((a, b) => a - b));
        const stage = await api.stages.get.query({ appId, stageId: s.stageId, attempt: s.attempt });
        const d = rows.map((r) => r.durationMs!).sort((a, b) => a - b);
        expect(stage.quantiles.duration).toEqual({ min: d[0], p25: d[Math.ceil(0.25 * d.length) - 1], median: d[Math.ceil(0.5 * d.length) - 1], p75: d[Math.ceil(0.75 * d.length) - 1], p95: d[Math.ceil(0.95 * d.length) - 1], max: d[d.length - 1] });
      }
      expect(stages.reduce((a, s) => a + s.tasks.total, 0)).toBe(taskEnds.length);
      const execs = await api.executors.list.query({ appId });
      expect(execs.reduce((a, e) => a + e.tasks.completed, 0)).toBe(taskEnds.filter((e) => e.reason.kind === 'success').length);
      await expect(api.jobs.cancel.mutate({ appId, jobId: 0 })).rejects.toMatchObject({ data: { code: 'PRECONDITION_FAILED' } });
      await expect(api.apps.kill.mutate({ appId })).rejects.toMatchObject({ data: { code: 'PRECONDITION_FAILED' } });
    } finally {
      await server.close();
    }
  });
});
