/**
 * A cluster secret given to the driver as conf `flint.authenticate.secret`
 * is never stored, logged or shown: not in the master's database (nor its
 * WAL), not in any daemon or executor log, not in the application's events,
 * not in an executor's environment; databases are created 0600 and executor
 * work dirs 0700. Real master, worker, executors and driver on 127.0.0.1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext, type FlintEvent } from '@flint/core';
import { LocalCluster } from '@flint/cluster';

const SECRET = 'flint-test-secret-7f3a9c1e5b';

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

describe.each(['tcp', 'http'] as const)('the cluster secret over %s', (transport) => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await LocalCluster.start({ workers: 1, coresPerWorker: 2, transport, workerTimeoutMs: 5000, secret: SECRET });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('is never stored, logged, shown or put in an executor environment', async () => {
    const events: FlintEvent[] = [];
    const pids: number[] = [];
    const sc = await FlintContext.create({
      master: cluster.masterUrl,
      transport,
      appName: 'secret-keeping',
      progress: false,
      conf: { 'flint.authenticate.secret': SECRET, 'flint.db.password': SECRET },
      listeners: [
        (e) => {
          events.push(e);
          if (e.type === 'executorAdded' && e.pid !== null) pids.push(e.pid);
        },
      ],
    });
    let executorDirs: string[] = [];
    try {
      const got = await sc
        .parallelize(Array.from({ length: 500 }, (_, i) => i), 4)
        .map((x) => [x % 9, x] as [number, number])
        .reduceByKey((a, b) => a + b)
        .collect();
      const expected = new Map<number, number>();
      for (let x = 0; x < 500; x++) expected.set(x % 9, (expected.get(x % 9) ?? 0) + x);
      expect(new Map(got)).toEqual(expected);
      expect(pids.length).toBeGreaterThan(0);
      // Neither the executors nor the daemons that started them have it in their environment.
      for (const pid of [...pids, cluster.masterPid, ...cluster.workerPids]) expect({ pid, leaked: fs.readFileSync(`/proc/${pid}/environ`).includes(SECRET) }).toEqual({ pid, leaked: false });
      const workDir = path.join(cluster.baseDir, 'work-0');
      executorDirs = fs.readdirSync(workDir).flatMap((app) => fs.readdirSync(path.join(workDir, app)).map((e) => path.join(workDir, app, e)));
      expect(executorDirs.length).toBeGreaterThan(0);
      for (const d of executorDirs) {
        expect(fs.statSync(d).mode & 0o777).toBe(0o700);
        expect(fs.statSync(path.join(d, 'stdout')).mode & 0o777).toBe(0o600);
      }
      // The application's conf as the master shows it keeps the key, not the value.
      await sc.flushEvents();
    } finally {
      await sc.stop();
    }
    expect(JSON.stringify(events)).not.toContain(SECRET);
    const start = events.find((e) => e.type === 'applicationStart');
    expect(start && start.type === 'applicationStart' && start.conf['flint.authenticate.secret']).toMatch(/redacted/);
    // Databases (and their WAL) and logs, after everything above was written; only the cluster's
    // own 0600 secret file, which its daemons read, holds it.
    const secretFile = path.join(cluster.baseDir, 'secret');
    expect(filesContaining(cluster.baseDir, SECRET)).toEqual([secretFile]);
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    for (const f of fs.readdirSync(cluster.baseDir).filter((f) => /\.db(-wal|-shm)?$/.test(f))) {
      expect({ f, mode: fs.statSync(path.join(cluster.baseDir, f)).mode & 0o777 }).toEqual({ f, mode: 0o600 });
    }
  });
});
