/// <reference lib="dom" />
/**
 * Every page of the UI in a real browser (Debian's chromium through
 * playwright-core), served the way the master serves it (the API's HTTP
 * handler with the UI's production build behind it), over an in-memory store
 * holding a synthetic application. Each figure on a page is compared with a
 * computation over the events the fixture recorded. The same pages against a
 * real cluster and job: ui-cluster.test.ts.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, launchChromium, NO_CHROMIUM_REASON, watchErrors } from './browser.ts';
import { ensureUiBuilt } from './ensure-ui-build.ts';
import { FIXTURE_APP, startUiFixture, type UiFixture } from './ui-fixture.ts';

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_REASON);

const APP = FIXTURE_APP;

describe.skipIf(!HAVE_CHROMIUM)('UI pages over a synthetic application', () => {
  let fx: UiFixture;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ensureUiBuilt();
    fx = await startUiFixture({ tasks: 24, executors: 2, skewed: 5 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    errors = watchErrors(page);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await fx?.close();
  });

  const open = async (path: string, testId: string) => {
    await page.goto(fx.url + path);
    await page.getByTestId(testId).first().waitFor({ timeout: 30_000 });
  };

  it('cluster page: workers with state, the application, the master', async () => {
    await open('/', 'worker-row');
    expect(await page.getByTestId('worker-row').count()).toBe(2);
    expect(await page.getByTestId('workers-alive').textContent()).toBe('1');
    expect(await page.locator('[data-testid="worker-row"].failed').count()).toBe(1); // the dead one in red
    expect(await page.getByTestId('app-row').getAttribute('data-app-id')).toBe(APP);
    await page.getByRole('link', { name: 'worker-0' }).click();
    await page.getByTestId('worker-executor-row').first().waitFor();
    expect(page.url()).toBe(`${fx.url}/workers/worker-0`);
    // executor 0 ran on worker-0 (executors go to worker-(e % 2)).
    expect(await page.getByTestId('worker-executor-row').count()).toBe(1);
    expect(await page.getByTestId('log-link').allTextContents()).toEqual(['stdout', 'stderr']);
  });

  it('application page: job count, stages done, task progress, timeline, lost executor', async () => {
    await open(`/apps/${APP}`, 'job-row');
    expect(await page.getByTestId('app-jobs-total').textContent()).toBe('1');
    expect(await page.getByTestId('job-stages').textContent()).toBe('3/3');
    const attempts = [...fx.recorded.values()].reduce((a, rows) => a + rows.length, 0);
    const succeeded = [...fx.recorded.values()].reduce((a, rows) => a + rows.filter((r) => r.status === 'success').length, 0);
    const bar = page.getByTestId('job-tasks');
    expect(Number(await bar.getAttribute('data-done'))).toBe(succeeded);
    expect(Number(await bar.getAttribute('data-total'))).toBe(attempts);
    expect(await page.getByTestId('app-timeline-job').count()).toBe(1);
    expect(await page.getByTestId('app-timeline-executor').count()).toBe(2);
  });

  it('job page: DAG with every stage, its operations and the shuffle edges; the skew flag on stage 1 only', async () => {
    await open(`/apps/${APP}/jobs/0`, 'dag-node');
    await page.locator('[data-testid="dag-node"][data-stage-id="1"][data-flagged="true"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('dag-node').count()).toBe(3);
    expect(await page.getByTestId('job-dag-edge').count()).toBe(2); // 0 → 1 → 2
    expect(await page.getByTestId('job-dag-op').count()).toBe(3 + 2 + 2);
    expect(await page.getByTestId('job-dag-inner-edge').count()).toBe(2 + 1 + 1);
    // Laid out in the layout worker, not on the page's main thread.
    expect(await page.getByTestId('job-dag').getAttribute('data-layout')).toBe('worker');
    const flagged = await page.locator('[data-testid="dag-node"][data-flagged="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-stage-id')));
    expect(flagged).toEqual(['1']);
    const skew = page.locator('[data-testid="dag-node"][data-stage-id="1"] [data-testid="dag-flag"][data-kind="skew"]');
    expect(await skew.getAttribute('data-text')).toMatch(/partition 5 on executor \d/);
    expect(await page.getByTestId('stage-row').count()).toBe(3);
  });

  it('job page: the DAG pans by drag and zooms by buttons and ctrl+wheel, Fit and double-click restore it; a plain wheel scrolls the page', async () => {
    await open(`/apps/${APP}/jobs/0`, 'dag-node');
    const vp = page.getByTestId('job-dag-viewport');
    const t = async () => ({ k: Number(await vp.getAttribute('data-k')), x: Number(await vp.getAttribute('data-x')), y: Number(await vp.getAttribute('data-y')) });
    expect(await t()).toEqual({ k: 1, x: 0, y: 0 });
    const transformOf = () => vp.getAttribute('transform');
    await page.getByTestId('job-dag-zoom-in').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="job-dag-viewport"]')?.getAttribute('data-k') !== '1');
    expect((await t()).k).toBeCloseTo(1.5, 6);
    expect(await transformOf()).toMatch(/scale\(1\.5\)/);
    // Drag on the background pans by the distance moved (in the SVG's own units).
    const box = (await page.getByTestId('job-dag-svg').boundingBox())!;
    const before = await t();
    await page.mouse.move(box.x + 4, box.y + box.height - 4);
    await page.mouse.down();
    await page.mouse.move(box.x + 104, box.y + box.height - 4, { steps: 5 });
    await page.mouse.up();
    const after = await t();
    expect(after.k).toBeCloseTo(before.k, 6);
    expect(after.x).toBeGreaterThan(before.x);
    expect(after.y).toBeCloseTo(before.y, 6);
    await page.getByTestId('job-dag-fit').click();
    expect(await t()).toEqual({ k: 1, x: 0, y: 0 });
    // A plain wheel is the page's: the graph keeps its scale.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 200);
    expect((await t()).k).toBe(1);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -40);
    await page.keyboard.up('Control');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="job-dag-viewport"]')?.getAttribute('data-k')) > 1);
    // Double-click on the background (dispatched on the SVG itself: zoomed in, every point of it may be a stage's link).
    await page.getByTestId('job-dag-svg').dispatchEvent('dblclick', { clientX: box.x + 2, clientY: box.y + 2 });
    await page.waitForFunction(() => document.querySelector('[data-testid="job-dag-viewport"]')?.getAttribute('data-k') === '1');
    // Nodes stay links after zooming.
    await page.getByTestId('job-dag-zoom-in').click();
    await page.locator('[data-testid="dag-node"][data-stage-id="1"]').click();
    await page.getByTestId('stage-page').waitFor();
    expect(page.url()).toBe(`${fx.url}/apps/${APP}/stages/1/0`);
  });

  it('stage page: quantiles match the rows, the timeline has every task, the skewed partition is flagged by name', async () => {
    await open(`/apps/${APP}/stages/1/0`, 'task-row');
    const rows = fx.recorded.get(1)!;
    // Quantile rows: one per metric and phase, each cell the API's figure; min and max recomputed here.
    expect(await page.getByTestId('quantile-row').count()).toBeGreaterThanOrEqual(22 + 6);
    const api = (await (await fetch(`${fx.url}/api/trpc/stages.get?input=${encodeURIComponent(JSON.stringify({ json: { appId: APP, stageId: 1, attempt: 0 } }))}`)).json()) as { result: { data: { json: { quantiles: Record<string, Record<string, number> | null> } } } };
    const q = api.result.data.json.quantiles;
    const shown = await page.locator('[data-testid="quantile-row"]').evaluateAll((trs) =>
      Object.fromEntries(trs.map((tr) => [tr.getAttribute('data-metric'), Object.fromEntries(Array.from(tr.querySelectorAll('[data-q]')).map((td) => [td.getAttribute('data-q'), Number(td.getAttribute('data-value'))]))])),
    );
    for (const [metric, stats] of Object.entries(q)) if (stats) expect(shown[metric], metric).toEqual(stats);
    const vals = rows.filter((r) => r.status === 'success').map((r) => r.shuffleReadRecords);
    expect(shown.shuffleReadRecords!.min).toBe(Math.min(...vals));
    expect(shown.shuffleReadRecords!.max).toBe(Math.max(...vals));
    const sorted = [...vals].sort((a, b) => a - b);
    expect(sorted).toContain(shown.shuffleReadRecords!.median);
    expect(shown.shuffleReadRecords!.median).toBeGreaterThanOrEqual(sorted[Math.floor((sorted.length - 1) / 2)]!);
    expect(shown.shuffleReadRecords!.median).toBeLessThanOrEqual(sorted[Math.ceil((sorted.length - 1) / 2)]!);
    // Flags: the banner names partition 5 and its executor.
    const skewed = rows.find((r) => r.index === 5)!;
    const banner = page.locator('[data-testid="stage-flag"][data-kind="skew"]');
    await banner.waitFor();
    expect(await banner.getAttribute('data-partition')).toBe('5');
    expect(await banner.getAttribute('data-executor')).toBe(skewed.executorId);
    // Timeline: every task loaded, one lane per executor slot, the flagged bar is partition 5.
    const tl = page.getByTestId('timeline');
    await page.locator('[data-testid="timeline"][data-loading="false"]').waitFor();
    expect(Number(await tl.getAttribute('data-tasks'))).toBe(rows.length);
    expect(Number(await tl.getAttribute('data-lanes'))).toBe(new Set(rows.map((r) => `${r.executorId}/${r.slot}`)).size);
    const canvas = page.getByTestId('timeline-canvas');
    expect(Number(await canvas.getAttribute('data-items'))).toBeGreaterThan(0);
    expect(await canvas.getAttribute('data-flagged-partitions')).toBe('5');
    // Table: all rows of the page, the skewed row flagged, nothing else.
    expect(await page.getByTestId('task-row').count()).toBe(rows.length);
    const flaggedRows = await page.locator('[data-testid="task-row"][data-flags*="skew"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-partition')));
    expect(flaggedRows).toEqual(['5']);
    // Partition 5 also ran 50x the median duration with every task done: a straggler, and the only one.
    const stragglers = await page.locator('[data-testid="task-row"][data-flags*="straggler"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-partition')));
    expect(stragglers).toEqual(['5']);
    expect(await page.locator('[data-testid="stage-flag"][data-kind="straggler"]').getAttribute('data-partition')).toBe('5');
  });

  it('stage page: its HTML already holds the stage (the server render asked the API)', async () => {
    // The server render waits at most 200 ms for the API: on a loaded machine one try may miss it, three in a row should not.
    let html = '';
    for (let i = 0; i < 3 && !html.includes('data-testid="quantiles"'); i++) html = await (await fetch(`${fx.url}/apps/${APP}/stages/1/0`)).text();
    // The summary table with a row per metric, and the stage's name from the fixture.
    expect(html).toContain('data-testid="quantiles"');
    expect(html).toContain('map at fixture.ts:11');
    expect(html).not.toContain('Loading stage 1 attempt 0');
  });

  it('stage page: zooming the timeline asks the API for the new window and draws its bars; hovering a bar names its task', async () => {
    await open(`/apps/${APP}/stages/1/0`, 'task-row');
    await page.locator('[data-testid="timeline"][data-loading="false"]').waitFor();
    const canvas = page.getByTestId('timeline-canvas');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="timeline-canvas"]')?.getAttribute('data-items')) > 0);
    const attr = async (name: string) => Number(await canvas.getAttribute(name));
    const rows = fx.recorded.get(1)!;
    expect(await attr('data-drawn-tasks')).toBe(rows.length);
    const full = [await attr('data-view-from'), await attr('data-view-to')];
    const requests = await attr('data-requests');
    for (let i = 0; i < 3; i++) await page.getByTestId('timeline-zoom-in').click();
    await page.waitForFunction((f) => {
      const c = document.querySelector('[data-testid="timeline-canvas"]');
      return c?.getAttribute('data-covered') === 'true' && Number(c.getAttribute('data-view-to')) - Number(c.getAttribute('data-view-from')) < (f[1]! - f[0]!) / 7;
    }, full);
    // An eighth of the run: a new answer was needed (more than the one of the full view), fewer tasks drawn, none lost from the total.
    expect(await attr('data-requests')).toBeGreaterThan(requests);
    const drawn = await attr('data-drawn-tasks');
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(rows.length);
    expect(Number(await page.getByTestId('timeline').getAttribute('data-tasks'))).toBe(rows.length);
    // Hover along the lanes until a bar is under the pointer: its tooltip names a task of this stage.
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const lanes = Number(await page.getByTestId('timeline').getAttribute('data-lanes'));
    let text: string | null = null;
    for (let k = 0; k < lanes * 60 && !text; k++) {
      await page.mouse.move(box.x + 160 + (k % 60) * ((box.width - 170) / 60), box.y + 8 + 16 * Math.floor(k / 60));
      const shown = await page.getByTestId('timeline-tooltip').waitFor({ timeout: 100 }).then(() => true, () => false);
      if (shown) text = await page.getByTestId('timeline-tooltip').textContent();
    }
    expect(text).toMatch(/task \d+ · partition (\d+) · attempt \d/);
    const partition = Number(text!.match(/partition (\d+)/)![1]);
    expect(rows.some((r) => r.index === partition)).toBe(true);
    await page.getByTestId('timeline-reset').click();
    await page.waitForFunction((f) => Number(document.querySelector('[data-testid="timeline-canvas"]')?.getAttribute('data-view-to')) === f[1], full);
  });

  it('stage page: the timeline pans by drag and zooms by wheel and double-click around the pointer, inside the run', async () => {
    await open(`/apps/${APP}/stages/1/0`, 'task-row');
    await page.locator('[data-testid="timeline"][data-loading="false"]').waitFor();
    const canvas = page.getByTestId('timeline-canvas');
    await canvas.scrollIntoViewIfNeeded();
    // From the whole run (whatever the page was left at).
    await page.getByTestId('timeline-reset').click();
    const view = async () => ({ from: Number(await canvas.getAttribute('data-view-from')), to: Number(await canvas.getAttribute('data-view-to')) });
    const moved = (before: { from: number; to: number }) =>
      page.waitForFunction((b) => {
        const c = document.querySelector('[data-testid="timeline-canvas"]');
        return Number(c?.getAttribute('data-view-from')) !== b.from || Number(c?.getAttribute('data-view-to')) !== b.to;
      }, before);
    const full = await view();
    const box = (await canvas.boundingBox())!;
    const plotLeft = box.x + 150; // the lane labels' column
    const plotW = box.width - 150;
    const timeAt = (v: { from: number; to: number }, px: number) => v.from + ((px - plotLeft) / plotW) * (v.to - v.from);
    // Dragging at full view cannot leave the run (within a pixel's worth of time).
    await page.mouse.move(plotLeft + 600, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(plotLeft + 300, box.y + 10, { steps: 3 });
    await page.mouse.up();
    const px1 = (full.to - full.from) / plotW;
    const dragged = await view();
    expect(Math.abs(dragged.from - full.from)).toBeLessThan(px1);
    expect(Math.abs(dragged.to - full.to)).toBeLessThan(px1);
    // Wheel up over the plot zooms in around the pointer: the time under it stays.
    const px = plotLeft + 400;
    const under = timeAt(full, px);
    await page.mouse.move(px, box.y + 10);
    await page.mouse.wheel(0, -300);
    await moved(full);
    const zoomed = await view();
    expect(zoomed.to - zoomed.from).toBeLessThan(full.to - full.from);
    expect(Math.abs(timeAt(zoomed, px) - under)).toBeLessThan((zoomed.to - zoomed.from) * 0.01);
    // Drag 200 px to the left: the view moves 200 px worth of time later, its span kept.
    await page.mouse.down();
    await page.mouse.move(px - 200, box.y + 10, { steps: 4 });
    await page.mouse.up();
    await moved(zoomed);
    const panned = await view();
    const span = zoomed.to - zoomed.from;
    expect(panned.to - panned.from).toBeCloseTo(span, 3);
    const expected = Math.min((200 / plotW) * span, full.to - zoomed.to); // clamped at the run's end
    expect(Math.abs(panned.from - zoomed.from - expected)).toBeLessThan(span * 0.01);
    expect(panned.from).toBeGreaterThanOrEqual(full.from);
    expect(panned.to).toBeLessThanOrEqual(full.to);
    // Double-click zooms in twice around the pointer.
    await page.mouse.dblclick(px, box.y + 10);
    await moved(panned);
    await page.waitForFunction((s) => {
      const c = document.querySelector('[data-testid="timeline-canvas"]');
      return Math.abs(Number(c?.getAttribute('data-view-to')) - Number(c?.getAttribute('data-view-from')) - s / 2) < s * 0.01;
    }, span);
    // The double-click zoom is animated (d3-zoom's 250 ms transition): wait until it has settled.
    let twice = await view();
    for (let settled = false; !settled; ) {
      await page.waitForTimeout(300);
      const v = await view();
      settled = v.from === twice.from && v.to === twice.to;
      twice = v;
    }
    expect(twice.to - twice.from).toBeCloseTo(span / 2, 3);
    expect(Math.abs(timeAt(twice, px) - timeAt(panned, px))).toBeLessThan(span * 0.01);
    // The wheel over the lane labels leaves the view alone.
    await page.mouse.move(box.x + 40, box.y + 10);
    await page.mouse.wheel(0, -300);
    await page.waitForTimeout(200);
    expect(await view()).toEqual(twice);
    // The answer for the new window arrives and covers it.
    await page.waitForFunction(() => document.querySelector('[data-testid="timeline-canvas"]')?.getAttribute('data-covered') === 'true');
    await page.getByTestId('timeline-reset').click();
    await page.waitForFunction((f) => Number(document.querySelector('[data-testid="timeline-canvas"]')?.getAttribute('data-view-to')) === f.to, full);
    expect(errors).toEqual([]);
  });

  it('stage page: sorting and filtering are done by the API', async () => {
    await open(`/apps/${APP}/stages/2/0`, 'task-row');
    for (let i = 0; i < 3 && !(await page.getByTestId('task-total').textContent())?.includes('duration ↓'); i++) {
      await page.getByTestId('th-duration').click();
      await page.waitForTimeout(300);
    }
    expect(await page.getByTestId('task-total').textContent()).toContain('duration ↓');
    await page.waitForFunction(() => !document.body.textContent?.includes('loading…'));
    const rows = fx.recorded.get(2)!;
    const longest = Math.max(...rows.map((r) => r.durationMs));
    const firstDur = await page.getByTestId('task-row').first().locator('td').nth(6).textContent();
    expect(firstDur).toBe(`${longest} ms`);
    await page.getByTestId('filter-status').selectOption('failed');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="task-row"]').length === n, rows.filter((r) => r.status === 'failed').length);
    expect(await page.getByTestId('task-error').first().textContent()).toContain('parse failure in record 17');
    await page.getByTestId('task-log-link').first().click();
    await page.getByTestId('log-text').waitFor();
    await page.locator('[data-testid="log-text"] [data-highlight="true"]').first().waitFor({ timeout: 15_000 });
  });

  it('executors page: totals per executor, the lost one red with its reason; its log pages', async () => {
    await open(`/apps/${APP}/executors`, 'executor-row');
    expect(await page.getByTestId('executor-row').count()).toBe(2);
    const lost = page.locator('[data-testid="executor-row"].failed');
    expect(await lost.getAttribute('data-executor-id')).toBe('1');
    expect(await lost.textContent()).toContain('no heartbeat');
    const completed = await page.getByTestId('executor-completed').allTextContents();
    const expected = ['0', '1'].map((e) => String([...fx.recorded.values()].flat().filter((r) => r.executorId === e && r.status === 'success').length));
    expect(completed).toEqual(expected);
  });

  it('live: a job started after the page opened shows up without a reload', async () => {
    await open(`/apps/${APP}`, 'job-row');
    await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 1));
    const t = Date.now();
    fx.queries.record(APP, { type: 'jobStart', time: t, jobId: 1, description: 'count at live.ts:1', stageIds: [3], stageInfos: [{ stageId: 3, attempt: 0, name: 'count', numTasks: 2, parentIds: [], rddInfos: [], kind: 'result', submissionTime: null, completionTime: null, failureReason: null }] });
    await page.waitForFunction(() => document.querySelector('[data-testid="app-jobs-total"]')?.textContent === '2', null, { timeout: 15_000 });
    expect(await page.getByTestId('job-row').count()).toBe(2);
    fx.queries.record(APP, { type: 'jobEnd', time: t + 5, jobId: 1, result: { status: 'succeeded' } });
    await page.waitForFunction(() => document.querySelector('[data-testid="app-jobs-succeeded"]')?.textContent === '2', null, { timeout: 15_000 });
    // Events the master proved lost appear as a banner, live too.
    fx.queries.setDroppedEvents(APP, 5);
    await page.getByTestId('dropped-banner').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('dropped-banner').textContent()).toContain('5 events');
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(1);
    expect(await page.getByTestId('updated-stamp').getAttribute('data-status')).toBe('live');
  });

  it('no page threw', () => {
    expect(errors).toEqual([]);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('UI with a cluster secret', () => {
  let fx: UiFixture;
  let browser: Browser;

  beforeAll(async () => {
    ensureUiBuilt();
    fx = await startUiFixture({ tasks: 4, secret: 'open-sesame' });
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await fx?.close();
  });

  it('answers 401 to pages and API calls without the secret; the login page and assets are public', async () => {
    expect((await fetch(`${fx.url}/`)).status).toBe(401);
    expect((await fetch(`${fx.url}/apps/${APP}`)).status).toBe(401);
    expect((await fetch(`${fx.url}/api/trpc/cluster.overview`)).status).toBe(401);
    const login = await fetch(`${fx.url}/login`);
    expect(login.status).toBe(200);
    const html = await login.text();
    expect(html).not.toContain(APP);
    const asset = html.match(/\/_next\/static\/[^"]+\.js/)?.[0];
    expect(asset).toBeTruthy();
    expect((await fetch(fx.url + asset)).status).toBe(200);
    expect((await fetch(`${fx.url}/`, { headers: { authorization: 'Bearer open-sesame' } })).status).toBe(200);
  });

  it('a browser is sent to the login page, a wrong secret is refused, the right one opens the pages', async () => {
    const page = await browser.newPage();
    await page.goto(`${fx.url}/login?next=/apps/${APP}`);
    await page.getByTestId('login-secret').fill('wrong');
    await page.getByTestId('login-submit').click();
    expect(await page.getByTestId('login-error').textContent()).toContain('wrong cluster secret');
    await page.getByTestId('login-secret').fill('open-sesame');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('job-row').first().waitFor({ timeout: 30_000 });
    expect(page.url()).toBe(`${fx.url}/apps/${APP}`);
    await page.close();
  });
});
