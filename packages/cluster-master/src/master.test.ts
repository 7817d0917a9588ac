import { createFlintClient } from '@flint/api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageClient, loadTransport } from '@flint/core/transport';
import { type MasterProtocol } from '@flint/core/protocol';
import '@flint/transport-tcp';
import { STUB_EXECUTOR_ENTRY, Worker } from '@flint/cluster-worker';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@flint/daemon';
import { Master } from './master.ts';
import { InMemoryMasterStore } from './store/in-memory-master-store.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-master-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

async function startMaster(over: Parameters<typeof Master.create>[0] = {}) {
  const m = await Master.create({ port: 0, uiPort: null, workerTimeoutMs: 3_000, logger: silentLogger(), ...over });
  cleanup.push(() => m.stop());
  return m;
}

async function startWorker(masterUrl: string, name: string) {
  const w = await Worker.create({ master: masterUrl, cores: 2, memory: '1g', workDir: path.join(root, name), dbPath: path.join(root, `${name}.db`), executorEntry: STUB_EXECUTOR_ENTRY, registrationRetryMinMs: 50, registrationRetryMaxMs: 200, logger: silentLogger() });
  cleanup.push(() => w.stop());
  return w;
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read().catch(() => undefined);
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Master', () => {
  it('serves the cluster over its transport and its UI/API port, and stops idempotently', async () => {
    const master = await startMaster({ store: new InMemoryMasterStore(), uiPort: 0 });
    expect(master.url).toMatch(/^flint:\/\/127\.0\.0\.1:\d+$/);
    await startWorker(master.url, 'w-status');
    await until(() => master.clusterState(), (s) => s.workers.length === 1, 'the worker');
    expect(master.uiUrl).toBe(`http://127.0.0.1:${master.uiPort}`);
    const api = createFlintClient({ url: master.uiUrl! });
    expect((await api.cluster.overview.query()).masterId).toBe(master.masterId);
    const workers = await api.workers.list.query();
    expect(workers[0]).toMatchObject({ state: 'ALIVE', cores: 2, memoryMb: 1024 });
    expect((await fetch(`http://127.0.0.1:${master.uiPort}/nope`)).status).toBe(404);
    await master.stop();
    await master.stop();
    expect(master.state).toBe('stopped');
    await expect(master.clusterState()).rejects.toMatchObject({ code: 'STOPPED' });
  });

  it('refuses to start on a taken port, naming the option', async () => {
    const first = await startMaster({ store: new InMemoryMasterStore() });
    const port = Number(first.address.split(':')[1]);
    await expect(Master.create({ port, uiPort: null, store: new InMemoryMasterStore(), logger: silentLogger() })).rejects.toThrow(/--port/);
  });

  it('recovers from its database: workers re-register with their running executors, applications are kept', async () => {
    const dbPath = path.join(root, 'recover.db');
    const a = await startMaster({ dbPath });
    const port = Number(a.address.split(':')[1]);
    const worker = await startWorker(a.url, 'w-recover');
    const t = await loadTransport('tcp');
    cleanup.push(() => t.close());
    const driverSide = await t.listen({}, { host: '127.0.0.1', port: 0 });
    cleanup.push(() => driverSide.close());
    const client = new MessageClient<MasterProtocol>(await t.connect(a.address));
    const { appId } = await client.request('registerApplication', {
      appName: 'recovery',
      user: 'test',
      driverAddress: `127.0.0.1:${driverSide.address.port}`,
      coresPerExecutor: null,
      memoryPerExecutorMb: 128,
      maxCores: null,
      transport: 'tcp',
      conf: {},
    });
    await until(() => a.clusterState(), (s) => s.executors[0]?.state === 'RUNNING', 'a running executor');
    await a.stop();

    const b = await startMaster({ dbPath, port });
    const s = await until(() => b.clusterState(), (st) => st.workers[0]?.state === 'ALIVE', 'the worker to re-register');
    expect(s.masterId).not.toBe(a.masterId);
    expect(s.workers.map((w) => w.workerId)).toEqual([worker.workerId]);
    expect(s.applications).toMatchObject([{ appId, name: 'recovery', state: 'RUNNING' }]);
    expect(s.executors).toMatchObject([{ appId, executorId: '0', workerId: worker.workerId, state: 'RUNNING', cores: 2 }]);
    expect(s.workers[0]!.coresUsed).toBe(2);
    expect(worker.executors().filter((e) => e.state === 'RUNNING')).toHaveLength(1);
  });
});
