import { describe, expect, it } from 'vitest';
import { eventually, processAlive, startTestCluster } from './test-cluster.ts';

const WORKER_TIMEOUT_MS = 3_000;

describe.each(['tcp', 'http'] as const)('cluster membership over %s', (transport) => {
  it('workers register with their cores; a killed worker is declared DEAD; a restarted master gets the others back', async () => {
    await using cluster = await startTestCluster({ workers: 2, coresPerWorker: 2, transport, workerTimeoutMs: WORKER_TIMEOUT_MS });
    const first = await cluster.clusterState();
    expect(first.workers).toHaveLength(2);
    for (const w of first.workers) expect(w).toMatchObject({ state: 'ALIVE', cores: 2, coresUsed: 0, memoryMb: 2048, host: '127.0.0.1' });
    expect(first.workers.map((w) => w.address).sort()).toEqual([...cluster.workerAddresses].sort());

    const deadPid = cluster.workerPids[0]!;
    await cluster.killWorker(0);
    expect(processAlive(deadPid)).toBe(false);
    const afterKill = await eventually(
      () => cluster.clusterState(),
      (s) => s.workers.find((w) => w.address === cluster.workerAddresses[0])?.state === 'DEAD',
      'the killed worker to be declared DEAD',
      WORKER_TIMEOUT_MS * 4,
    );
    expect(afterKill.workers.find((w) => w.address === cluster.workerAddresses[1])!.state).toBe('ALIVE');

    await cluster.restartMaster();
    const restarted = await eventually(
      () => cluster.clusterState(),
      (s) => s.workers.find((w) => w.address === cluster.workerAddresses[1])?.state === 'ALIVE',
      'the surviving worker to register with the restarted master',
      WORKER_TIMEOUT_MS * 4,
    );
    expect(restarted.masterId).not.toBe(first.masterId);
    // The dead worker is remembered from the database, and stays dead.
    expect(restarted.workers.find((w) => w.address === cluster.workerAddresses[0])?.state).toBe('DEAD');
    expect(restarted.workers.filter((w) => w.state === 'ALIVE')).toHaveLength(1);
  });

  it('a restarted master gets every worker back, under the same ids', async () => {
    await using cluster = await startTestCluster({ workers: 2, coresPerWorker: 1, transport, workerTimeoutMs: WORKER_TIMEOUT_MS });
    const ids = (await cluster.clusterState()).workers.map((w) => w.workerId).sort();
    await cluster.restartMaster();
    const s = await eventually(
      () => cluster.clusterState(),
      (st) => st.workers.filter((w) => w.state === 'ALIVE').length === 2,
      'both workers ALIVE again',
      WORKER_TIMEOUT_MS * 4,
    );
    expect(s.workers.map((w) => w.workerId).sort()).toEqual(ids);
    expect(s.workers.every((w) => w.cores === 1)).toBe(true);
  });
});
