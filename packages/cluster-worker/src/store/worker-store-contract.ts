/** The behaviour every `WorkerStore` must have; each implementation's test runs it. */
import { describe, expect, it } from 'vitest';
import type { ExecutorRunRecord, WorkerStore } from './worker-store.ts';
import { closesIdempotently, keepsEverythingAcrossReopen, storesClosedAfterEach } from '@flint/daemon/testing';

export interface WorkerStoreFactory {
  create(): Promise<WorkerStore>;
  reopen?(store: WorkerStore): Promise<WorkerStore>;
}

export function run(appId: string, executorId: string, over: Partial<ExecutorRunRecord> = {}): ExecutorRunRecord {
  const dir = `/tmp/work/${appId}/${executorId}`;
  return { appId, executorId, pid: null, state: 'LAUNCHING', cores: 2, memoryMb: 1024, workDir: dir, stdoutPath: `${dir}/stdout`, stderrPath: `${dir}/stderr`, startedAt: 1_700_000_000_000, endedAt: null, exitCode: null, message: null, ...over };
}

export function workerStoreContract(name: string, factory: WorkerStoreFactory): void {
  describe(`${name} (WorkerStore contract)`, () => {
    const make = storesClosedAfterEach(() => factory.create());

    it('starts empty', async () => {
      expect(await (await make()).load()).toEqual([]);
    });

    it('returns what was saved and updates it in place', async () => {
      const s = await make();
      await s.saveExecutor(run('app-1', '0'));
      const done = run('app-1', '0', { pid: 4242, state: 'FAILED', endedAt: 1_700_000_005_000, exitCode: 3, message: 'exited with code 3' });
      await s.saveExecutor(done);
      expect(await s.load()).toEqual([done]);
    });

    it('keys executors by application and id, oldest first, numeric ids in number order', async () => {
      const s = await make();
      await s.saveExecutor(run('app-2', '0', { startedAt: 2 }));
      await s.saveExecutor(run('app-1', '10', { startedAt: 1 }));
      await s.saveExecutor(run('app-1', '9', { startedAt: 1 }));
      expect((await s.load()).map((r) => `${r.appId}/${r.executorId}`)).toEqual(['app-1/9', 'app-1/10', 'app-2/0']);
    });

    it('does not let callers alias stored records', async () => {
      const s = await make();
      const r = run('app-1', '0');
      await s.saveExecutor(r);
      r.state = 'KILLED';
      expect((await s.load())[0]!.state).toBe('LAUNCHING');
    });

    closesIdempotently(() => factory.create());

    keepsEverythingAcrossReopen(make, factory.reopen, async (s) => {
      await s.saveExecutor(run('app-1', '0', { pid: 12, state: 'RUNNING' }));
    });
  });
}
