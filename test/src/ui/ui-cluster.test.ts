/// <reference lib="dom" />
/**
 * The web UI end to end: a real local cluster (master serving the UI's
 * production build beside the API, two workers, executor processes), a real
 * job with two shuffles and a deliberately skewed partition, and every page
 * opened in chromium. Figures on the pages are checked against the driver's
 * own listener events and a plain-JS computation of the job. The application
 * page is opened before the job starts and must reach the final counts
 * without a reload. Screenshots of every page go to docs/screenshots/.
 */
import { FlintContext, type FlintEvent } from '@flint/core';
import { LocalCluster } from '@flint/cluster';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, launchChromium, NO_CHROMIUM_REASON, screenshot, watchErrors } from './browser.ts';
import { ensureUiBuilt } from './ensure-ui-build.ts';

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_REASON);

type Ev<T extends FlintEvent['type']> = Extract<FlintEvent, { type: T }>;

const N = 40_000;
/** 60% of the records carry key 0: the partition that groups it reads far more than the others. */
const keyOf = (i: number) => (i % 10 < 6 ? 0 : i % 997);

describe.skipIf(!HAVE_CHROMIUM)('web UI on a real cluster', () => {
  let cluster: LocalCluster;
  let url: string;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let sc: FlintContext;
  let appId: string;
  const events: FlintEvent[] = [];
  let result: Array<[number, number]>;

  beforeAll(async () => {
    ensureUiBuilt();
    cluster = await LocalCluster.start({ workers: 2, coresPerWorker: 1, transport: 'tcp', uiPort: 0, workerTimeoutMs: 5000, driverTimeoutMs: 5000 });
    url = `http://127.0.0.1:${cluster.uiPort}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    errors = watchErrors(page);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await sc?.stop().catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  it('the application page, opened before the job, rises to the final counts without a reload', { timeout: 240_000 }, async () => {
    sc = await FlintContext.create({ master: cluster.masterUrl, appName: 'ui-e2e-skewed', transport: 'tcp', progress: false, listeners: [(e) => void events.push(e)] });
    appId = sc.applicationId;
    await page.goto(`${url}/apps/${appId}`);
    await page.getByTestId('app-page').waitFor({ timeout: 60_000 });
    await page.getByText('No job yet.').waitFor({ timeout: 60_000 });
    await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 1));

    const data = Array.from({ length: N }, (_, i) => i);
    result = (await sc
      .parallelize(data, 8)
      .map((i) => {
        if (i % 10_000 === 0) console.log(`ui-e2e record ${i}`);
        return [i % 10 < 6 ? 0 : i % 997, 1] as [number, number];
      })
      .groupByKey(8)
      .map(([k, vs]) => [k % 4, vs.length] as [number, number])
      .reduceByKey((a, b) => a + b, 4)
      .collect()) as Array<[number, number]>;

    // The job's answer, computed here.
    const expected = new Map<number, number>();
    for (let i = 0; i < N; i++) expected.set(keyOf(i) % 4, (expected.get(keyOf(i) % 4) ?? 0) + 1);
    expect(new Map(result)).toEqual(expected);

    // The page reaches the driver's own final counts by itself.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ends = events.filter((e): e is Ev<'taskEnd'> => e.type === 'taskEnd');
      const ok = ends.filter((e) => e.reason.kind === 'success').length;
      const done = await page.getByTestId('job-tasks').first().getAttribute('data-done').catch(() => null);
      const succeeded = await page.getByTestId('app-jobs-succeeded').textContent().catch(() => null);
      if (events.some((e) => e.type === 'jobEnd') && done === String(ok) && succeeded === '1') break;
      if (Date.now() > deadline) throw new Error(`the application page did not reach ${ok} tasks done and 1 job succeeded (shows ${done}, ${succeeded})`);
      await page.waitForTimeout(250);
    }
    expect(await page.getByTestId('job-stages').textContent()).toBe('3/3');
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(1);
  });

  it('every page shows the job: workers, DAG, quantiles, timeline, the skew flag on the right partition, a log line', { timeout: 240_000 }, async () => {
    const jobStart = events.find((e): e is Ev<'jobStart'> => e.type === 'jobStart')!;
    const ends = events.filter((e): e is Ev<'taskEnd'> => e.type === 'taskEnd');
    // The skewed stage and partition, from the driver's own events: the task that read the most shuffle records.
    const top = ends.reduce((a, b) => ((b.metrics?.shuffleReadRecords ?? 0) > (a.metrics?.shuffleReadRecords ?? 0) ? b : a));
    const skewStage = top.stageId;
    const skewPartition = top.taskInfo.index;
    expect(top.metrics!.shuffleReadRecords).toBeGreaterThanOrEqual(N * 0.6);

    // Cluster: both workers alive, the application listed.
    await page.goto(url);
    await page.getByTestId('worker-row').first().waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('worker-row').count()).toBe(2);
    expect(await page.getByTestId('workers-alive').textContent()).toBe('2');
    await page.locator(`[data-testid="app-row"][data-app-id="${appId}"]`).waitFor();
    await screenshot(page, 'cluster');

    // A worker: the executor it runs for this application.
    await page.getByTestId('worker-row').first().locator('a').first().click();
    await page.getByTestId('worker-executor-row').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="worker-executor-row"]', { hasText: appId }).count()).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'worker');

    // Application.
    await page.goto(`${url}/apps/${appId}`);
    await page.getByTestId('job-row').first().waitFor();
    expect(await page.getByTestId('job-row').count()).toBe(1);
    // The timeline's executors come from their own query, which may answer after the jobs table's.
    await expect.poll(() => page.getByTestId('app-timeline-executor').count(), { timeout: 30_000 }).toBe(events.filter((e) => e.type === 'executorAdded').length);
    await screenshot(page, 'application');

    // Job: one node per stage, one edge per shuffle, the skew flag on the skewed stage only, naming the partition.
    await page.goto(`${url}/apps/${appId}/jobs/${jobStart.jobId}`);
    await page.getByTestId('dag-node').first().waitFor();
    const flagged = page.locator(`[data-testid="dag-node"][data-stage-id="${skewStage}"] [data-testid="dag-flag"][data-kind="skew"][data-text*="partition"]`);
    await flagged.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('dag-node').count()).toBe(jobStart.stageIds.length);
    const shuffleEdges = jobStart.stageInfos.reduce((a, s) => a + s.parentIds.length, 0);
    expect(shuffleEdges).toBe(2);
    expect(await page.getByTestId('job-dag-edge').count()).toBe(shuffleEdges);
    expect(await page.getByTestId('job-dag-op').count()).toBe(jobStart.stageInfos.reduce((a, s) => a + s.rddInfos.length, 0));
    expect(await flagged.getAttribute('data-text')).toContain(`partition ${skewPartition} on executor ${top.taskInfo.executorId}`);
    const skewNodes = await page.locator('[data-testid="dag-node"]:has([data-testid="dag-flag"][data-kind="skew"])').evaluateAll((els) => els.map((e) => e.getAttribute('data-stage-id')));
    expect(skewNodes).toEqual([String(skewStage)]);
    await screenshot(page, 'job');

    // Stage: quantile rows, per-executor rows, every task on the timeline, the flag on the right partition.
    const stageEnds = ends.filter((e) => e.stageId === skewStage);
    await page.goto(`${url}/apps/${appId}/stages/${skewStage}/0`);
    await page.getByTestId('task-row').first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('quantile-row').count()).toBeGreaterThanOrEqual(28);
    const median = Number(await page.locator('[data-testid="quantile-row"][data-metric="shuffleReadRecords"] [data-q="max"]').getAttribute('data-value'));
    expect(median).toBe(Math.max(...stageEnds.map((e) => e.metrics?.shuffleReadRecords ?? 0)));
    expect(await page.getByTestId('stage-executor-row').count()).toBe(new Set(stageEnds.map((e) => e.taskInfo.executorId)).size);
    await page.locator('[data-testid="timeline"][data-loading="false"]').waitFor({ timeout: 30_000 });
    expect(Number(await page.getByTestId('timeline').getAttribute('data-tasks'))).toBe(stageEnds.length);
    expect(Number(await page.getByTestId('timeline-canvas').getAttribute('data-items'))).toBeGreaterThan(0);
    expect(await page.getByTestId('timeline-canvas').getAttribute('data-flagged-partitions')).toBe(String(skewPartition));
    const banner = page.locator('[data-testid="stage-flag"][data-kind="skew"][data-partition]:not([data-partition=""])');
    await banner.waitFor();
    expect(await banner.getAttribute('data-partition')).toBe(String(skewPartition));
    expect(await page.getByTestId('task-row').count()).toBe(stageEnds.length);
    const skewRows = await page.locator('[data-testid="task-row"][data-flags*="skew"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-partition')));
    expect(skewRows).toEqual([String(skewPartition)]);
    // The RDD graph is laid out in a worker: in the picture once it is there.
    await page.locator('[data-testid="rdd-graph"][data-layout="worker"]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'stage');

    // Executors: one row per executor the driver saw.
    await page.goto(`${url}/apps/${appId}/executors`);
    await page.getByTestId('executor-row').first().waitFor();
    await expect.poll(() => page.getByTestId('executor-row').count(), { timeout: 30_000 }).toBe(events.filter((e) => e.type === 'executorAdded').length);
    await screenshot(page, 'executors');

    // An executor's stdout: the line its task printed.
    const printer = ends.find((e) => e.stageId === jobStart.stageInfos.find((s) => s.parentIds.length === 0)!.stageId && e.taskInfo.index === 0)!;
    await page.goto(`${url}/apps/${appId}/executors/${printer.taskInfo.executorId}?stream=stdout`);
    await page.getByTestId('log-text').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="log-text"]')?.textContent?.includes('ui-e2e record 0'), null, { timeout: 30_000 });
    await screenshot(page, 'executor-log');
  });

  it('no page threw', () => {
    expect(errors).toEqual([]);
  });
});
