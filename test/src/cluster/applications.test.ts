import fs from 'node:fs';
import path from 'node:path';
import { STUB_EXECUTOR_ENTRY } from '@flint/cluster-worker';
import { describe, expect, it } from 'vitest';
import { FakeDriver } from './fake-driver.ts';
import { type ClusterState, type TestCluster, eventually, processAlive, startTestCluster } from './test-cluster.ts';

const WORKER_TIMEOUT_MS = 3_000;

/** Where worker `i`'s executor keeps its files. */
function executorDir(cluster: TestCluster, state: ClusterState, appId: string, executorId: string): string {
  const e = state.executors.find((x) => x.appId === appId && x.executorId === executorId)!;
  const address = state.workers.find((w) => w.workerId === e.workerId)!.address;
  return path.join(cluster.workDir(cluster.workerAddresses.indexOf(address)), appId, executorId);
}

const pidOf = (dir: string) => Number(fs.readFileSync(path.join(dir, 'started'), 'utf8'));

describe.each(['tcp', 'http'] as const)('applications over %s', (transport) => {
  it('spreads executors over both workers, forwards executor exits to the driver, and kills everything when the driver disconnects', async () => {
    await using cluster = await startTestCluster({ workers: 2, coresPerWorker: 1, transport, workerTimeoutMs: WORKER_TIMEOUT_MS, executorEntry: STUB_EXECUTOR_ENTRY });
    await using driver = await FakeDriver.start(transport, cluster.masterAddress);
    const appId = await driver.register();
    driver.startHeartbeats(appId);

    const running = await eventually(
      () => cluster.clusterState(),
      (s) => s.executors.filter((e) => e.appId === appId && e.state === 'RUNNING').length === 2 && s.applications[0]?.state === 'RUNNING',
      'two running executors',
    );
    expect(new Set(running.executors.map((e) => e.workerId)).size).toBe(2);
    expect(running.executors.every((e) => e.cores === 1 && e.memoryMb === 256)).toBe(true);
    expect(running.applications).toMatchObject([{ appId, name: 'fake-driver', state: 'RUNNING', cores: 2, driverAddress: driver.driverAddress }]);
    expect(running.workers.every((w) => w.coresUsed === 1)).toBe(true);

    const dirs = ['0', '1'].map((id) => executorDir(cluster, running, appId, id));
    await eventually(async () => dirs.map((d) => fs.existsSync(path.join(d, 'started'))), (v) => v.every(Boolean), 'both stubs to start');
    for (const d of dirs) {
      const out = fs.readFileSync(path.join(d, 'stdout'), 'utf8');
      expect(out).toContain(`stub executor ${appId}/`);
      expect(out).toContain(`"FLINT_DRIVER_ADDRESS":"${driver.driverAddress}"`);
      expect(out).toContain(`"FLINT_TRANSPORT":"${transport}"`);
      expect(fs.existsSync(path.join(d, 'stderr'))).toBe(true);
    }

    // An executor that dies is reported to its driver with its exit code, and replaced.
    const firstPid = pidOf(dirs[0]!);
    process.kill(firstPid, 'SIGKILL');
    await eventually(async () => driver.removed, (r) => r.some((m) => m.executorId === '0'), 'executorRemoved for executor 0');
    expect(driver.removed.find((m) => m.executorId === '0')!.exitCode).toBe(137);
    const replaced = await eventually(
      () => cluster.clusterState(),
      (s) => s.executors.some((e) => e.executorId === '2' && e.state === 'RUNNING'),
      'a replacement executor',
    );
    expect(replaced.executors.find((e) => e.executorId === '0')).toMatchObject({ state: 'FAILED', exitCode: 137 });

    // The driver goes away: its application ends and its executors are killed.
    const livePids = await eventually(
      async () => ['1', '2'].map((id) => executorDir(cluster, replaced, appId, id)).filter((d) => fs.existsSync(path.join(d, 'started'))).map(pidOf),
      (p) => p.length === 2,
      'the replacement to start',
    );
    await driver.disconnect();
    const ended = await eventually(
      () => cluster.clusterState(),
      (s) => s.applications[0]?.state === 'FINISHED',
      'the application to finish',
      WORKER_TIMEOUT_MS * 3,
    );
    expect(ended.applications[0]!.endReason).toContain('driver');
    expect(ended.executors.filter((e) => e.state === 'RUNNING' || e.state === 'LAUNCHING')).toEqual([]);
    await eventually(async () => livePids.map(processAlive), (alive) => alive.every((a) => !a), 'the executor processes to end', WORKER_TIMEOUT_MS * 3);
    await eventually(
      async () => [0, 1].map((i) => fs.existsSync(path.join(cluster.workDir(i), appId))),
      (exists) => exists.every((e) => !e),
      'the application work dirs to be removed',
    );
    expect((await cluster.clusterState()).workers.every((w) => w.coresUsed === 0)).toBe(true);
  });

  it('fails an application whose driver stops heartbeating and tells the driver; a dead worker\'s executors are reported lost', async () => {
    await using cluster = await startTestCluster({ workers: 2, coresPerWorker: 1, transport, workerTimeoutMs: WORKER_TIMEOUT_MS, executorEntry: STUB_EXECUTOR_ENTRY });
    await using driver = await FakeDriver.start(transport, cluster.masterAddress);
    const appId = await driver.register({ maxCores: 2 });
    driver.startHeartbeats(appId);
    await eventually(() => cluster.clusterState(), (s) => s.executors.filter((e) => e.state === 'RUNNING').length === 2, 'two running executors');

    await cluster.killWorker(0);
    await eventually(async () => driver.removed, (r) => r.length >= 1, 'executorRemoved for the dead worker\'s executor', WORKER_TIMEOUT_MS * 4);
    expect(driver.removed[0]!.reason).toMatch(/LOST/);
    const s = await cluster.clusterState();
    expect(s.executors.filter((e) => e.state === 'LOST')).toHaveLength(1);
    expect(s.applications[0]!.state).toBe('RUNNING');

    driver.stopHeartbeats();
    const failed = await eventually(() => cluster.clusterState(), (st) => st.applications[0]?.state === 'FAILED', 'the application to fail', WORKER_TIMEOUT_MS * 4);
    expect(failed.applications[0]!.endReason).toMatch(/no heartbeat from the driver/);
    await eventually(async () => driver.killed, (k) => k.length === 1, 'applicationKilled at the driver');
    expect(driver.killed[0]!.appId).toBe(appId);
    expect(await driver.master.request('driverHeartbeat', { appId })).toEqual({ known: false });
  });
});
