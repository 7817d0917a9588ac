/**
 * flint.driver.maxResultSize is checked on the size an executor announces,
 * before the driver fetches anything: a result over the limit fails the job
 * naming the setting, and its executor never serves it (counted from the
 * executor's own log of every result it sends). A control run under a larger
 * limit shows the same result fetched, once, and equal to plain JS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext } from '@flint/core';
import { LocalCluster } from '@flint/cluster';

/** Every line with `what` in the logs of application `appId`'s executors. */
function executorLogLines(baseDir: string, appId: string, what: string): string[] {
  const lines: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'stdout') lines.push(...fs.readFileSync(p, 'utf8').split('\n').filter((l) => l.includes(what)));
    }
  };
  for (const d of fs.readdirSync(baseDir)) if (d.startsWith('work-') && fs.existsSync(path.join(baseDir, d, appId))) walk(path.join(baseDir, d, appId));
  return lines;
}

const BIG = 6 * 1024 * 1024; // above the 4 MiB an executor sends inline with its status update

describe.each(['tcp', 'http'] as const)('maxResultSize over %s', (transport) => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await LocalCluster.start({ workers: 1, coresPerWorker: 1, transport, workerTimeoutMs: 5000 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  async function run(maxResultSize: string) {
    const appName = `result-size-${maxResultSize}`;
    const sc = await FlintContext.create({ master: cluster.masterUrl, transport, appName, progress: false, conf: { 'flint.driver.maxResultSize': maxResultSize } });
    const appId = (await cluster.clusterState()).applications.find((a) => a.name === appName)!.appId;
    try {
      const outcome = await sc
        .parallelize([0, 1, 2], 3)
        .map((i) => (i === 1 ? 'y'.repeat(BIG) : `small-${i}`), { BIG })
        .collect()
        .then(
          (v) => ({ ok: true as const, v }),
          (e: Error) => ({ ok: false as const, e }),
        );
      // Read before stop(): the worker removes the application's directories when it ends.
      const logs = (what: string) => executorLogLines(cluster.baseDir, appId, what);
      const served = logs('sending the result of task');
      let dropped: string[] = [];
      if (!outcome.ok) {
        const deadline = Date.now() + 10_000;
        while ((dropped = logs('dropped the stored result')).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      }
      return { outcome, served, dropped };
    } finally {
      await sc.stop();
    }
  }

  it('fetches a large result under the limit once, and the answer is exact', async () => {
    const { outcome, served } = await run('64m');
    expect(outcome.ok).toBe(true);
    const expected = [0, 1, 2].map((i) => (i === 1 ? 'y'.repeat(BIG) : `small-${i}`));
    if (outcome.ok) expect(outcome.v).toEqual(expected);
    expect(served.length).toBe(1);
    expect(served[0]).toMatch(/\(\d+ bytes\)/);
  });

  it('refuses a result over the limit without fetching it', async () => {
    const { outcome, served, dropped } = await run('1m');
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.e.message).toMatch(/flint\.driver\.maxResultSize/);
    expect(served).toEqual([]);
    // The executor does not keep it either.
    expect(dropped.length).toBe(1);
  });
});
