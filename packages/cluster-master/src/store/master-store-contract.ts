/**
 * The behaviour every `MasterStore` must have: run by each implementation's
 * test file with its own factory.
 */
import { describe, expect, it } from 'vitest';
import type { ApplicationRecord, ExecutorRecord, MasterStore, WorkerRecord } from './master-store.ts';
import { closesIdempotently, keepsEverythingAcrossReopen, storesClosedAfterEach } from '@flint/daemon/testing';

export interface MasterStoreFactory {
  /** A fresh, empty store. */
  create(): Promise<MasterStore>;
  /** The same stored data seen through a new instance (after a restart), if the store is durable. */
  reopen?(store: MasterStore): Promise<MasterStore>;
}

export function worker(id: string, over: Partial<WorkerRecord> = {}): WorkerRecord {
  return { workerId: id, host: '127.0.0.1', address: `127.0.0.1:${7000 + id.length}`, cores: 4, memoryMb: 2048, webPort: null, state: 'ALIVE', registeredAt: 1_700_000_000_000, lastHeartbeat: 1_700_000_000_500, endedAt: null, ...over };
}

export function application(id: string, over: Partial<ApplicationRecord> = {}): ApplicationRecord {
  return {
    appId: id,
    name: 'wordcount',
    user: 'flint',
    driverAddress: '127.0.0.1:40000',
    coresPerExecutor: null,
    memoryPerExecutorMb: 1024,
    maxCores: null,
    transport: 'tcp',
    conf: { 'flint.task.maxFailures': 4, nested: { a: [1, 2] } },
    state: 'WAITING',
    submittedAt: 1_700_000_001_000,
    endedAt: null,
    endReason: null,
    executorFailures: 0,
    ...over,
  };
}

export function executor(appId: string, id: string, workerId: string, over: Partial<ExecutorRecord> = {}): ExecutorRecord {
  return { appId, executorId: id, workerId, cores: 2, memoryMb: 1024, state: 'LAUNCHING', launchedAt: 1_700_000_002_000, endedAt: null, exitCode: null, message: null, ...over };
}

export function masterStoreContract(name: string, factory: MasterStoreFactory): void {
  describe(`${name} (MasterStore contract)`, () => {
    const make = storesClosedAfterEach(() => factory.create());

    it('starts empty', async () => {
      const s = await make();
      expect(await s.load()).toEqual({ workers: [], applications: [], executors: [] });
    });

    it('returns what was saved, field for field', async () => {
      const s = await make();
      const w = worker('w-1', { webPort: 8081, endedAt: 1_700_000_009_000, state: 'DEAD' });
      const a = application('app-1', { coresPerExecutor: 2, maxCores: 6, endedAt: 1_700_000_003_000, endReason: 'driver stopped', state: 'FINISHED', executorFailures: 3 });
      const e = executor('app-1', '0', 'w-1', { state: 'EXITED', endedAt: 1_700_000_004_000, exitCode: 137, message: 'killed by signal' });
      await s.saveWorker(w);
      await s.saveApplication(a);
      await s.saveExecutor(e);
      expect(await s.load()).toEqual({ workers: [w], applications: [a], executors: [e] });
    });

    it('updates records saved under the same id', async () => {
      const s = await make();
      await s.saveWorker(worker('w-1'));
      await s.saveWorker(worker('w-1', { state: 'DEAD', lastHeartbeat: 1_700_000_100_000, endedAt: 1_700_000_100_000 }));
      await s.saveApplication(application('app-1'));
      await s.saveApplication(application('app-1', { state: 'RUNNING' }));
      await s.saveExecutor(executor('app-1', '0', 'w-1'));
      await s.saveExecutor(executor('app-1', '0', 'w-1', { state: 'RUNNING' }));
      const snap = await s.load();
      expect(snap.workers).toEqual([worker('w-1', { state: 'DEAD', lastHeartbeat: 1_700_000_100_000, endedAt: 1_700_000_100_000 })]);
      expect(snap.applications.map((a) => a.state)).toEqual(['RUNNING']);
      expect(snap.executors.map((e) => e.state)).toEqual(['RUNNING']);
    });

    it('keeps executors of different applications apart under the same executor id', async () => {
      const s = await make();
      await s.saveWorker(worker('w-1'));
      await s.saveApplication(application('app-1'));
      await s.saveApplication(application('app-2', { submittedAt: 1_700_000_001_001 }));
      await s.saveExecutor(executor('app-1', '0', 'w-1', { cores: 1 }));
      await s.saveExecutor(executor('app-2', '0', 'w-1', { cores: 3 }));
      const snap = await s.load();
      expect(snap.executors.map((e) => [e.appId, e.executorId, e.cores])).toEqual([
        ['app-1', '0', 1],
        ['app-2', '0', 3],
      ]);
    });

    it('orders workers and applications by time, executors by application then numeric id', async () => {
      const s = await make();
      await s.saveWorker(worker('w-b', { registeredAt: 2 }));
      await s.saveWorker(worker('w-a', { registeredAt: 2 }));
      await s.saveWorker(worker('w-c', { registeredAt: 1 }));
      await s.saveApplication(application('app-2', { submittedAt: 5 }));
      await s.saveApplication(application('app-1', { submittedAt: 9 }));
      for (const id of ['10', '2', '1']) await s.saveExecutor(executor('app-1', id, 'w-a'));
      const snap = await s.load();
      expect(snap.workers.map((w) => w.workerId)).toEqual(['w-c', 'w-a', 'w-b']);
      expect(snap.applications.map((a) => a.appId)).toEqual(['app-2', 'app-1']);
      expect(snap.executors.map((e) => e.executorId)).toEqual(['1', '2', '10']);
    });

    it('refuses an executor whose application or worker is not stored', async () => {
      const s = await make();
      await s.saveWorker(worker('w-1'));
      await expect(s.saveExecutor(executor('app-x', '0', 'w-1'))).rejects.toMatchObject({ name: 'StoreError', code: 'MISSING_REFERENCE' });
      await s.saveApplication(application('app-1'));
      await expect(s.saveExecutor(executor('app-1', '0', 'w-x'))).rejects.toMatchObject({ name: 'StoreError', code: 'MISSING_REFERENCE' });
      expect((await s.load()).executors).toEqual([]);
    });

    it('does not let callers alias stored records', async () => {
      const s = await make();
      const a = application('app-1');
      await s.saveApplication(a);
      a.state = 'KILLED';
      (a.conf as Record<string, unknown>).changed = true;
      const [loaded] = (await s.load()).applications;
      expect(loaded!.state).toBe('WAITING');
      expect(loaded!.conf).not.toHaveProperty('changed');
    });

    closesIdempotently(() => factory.create());

    keepsEverythingAcrossReopen(make, factory.reopen, async (s) => {
      await s.saveWorker(worker('w-1'));
      await s.saveApplication(application('app-1', { state: 'RUNNING' }));
      await s.saveExecutor(executor('app-1', '0', 'w-1', { state: 'RUNNING' }));
    });
  });
}
