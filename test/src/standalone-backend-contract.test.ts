/**
 * The standalone backend passes the SchedulerBackend contract against a real
 * local cluster (a master and two workers as child processes on 127.0.0.1, each
 * launching an executor process): the same suite `local[N]` passes in
 * packages/scheduler/src/local-backend.test.ts.
 */
import { afterAll, beforeAll } from 'vitest';
import { schedulerBackendContractSuite } from '@flint/core/backend-contract';
import { StandaloneBackend } from '@flint/scheduler';
import { startTestCluster, type TestCluster } from './cluster/test-cluster.ts';

let cluster: TestCluster | undefined;

beforeAll(async () => {
  cluster = await startTestCluster({ workers: 2, coresPerWorker: 1, transport: 'tcp', workerTimeoutMs: 4000 });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

schedulerBackendContractSuite('standalone over tcp', {
  makeBackend: (settings) => new StandaloneBackend(cluster!.masterUrl, settings),
  transport: 'tcp',
  startTimeoutMs: 120_000,
});
