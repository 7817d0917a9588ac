import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type Transport,
  type TransportServer,
  MessageClient,
  isTransportError,
  loadTransport,
  messageHandler,
} from '@flint/core/transport';
import { type MasterProtocol, type WorkerProtocol, WorkerMessages } from '@flint/core/protocol';
import '@flint/transport-tcp';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ExecutorRunner } from './executor-runner.ts';
import { STUB_EXECUTOR_ENTRY } from './index.ts';
import { silentLogger } from '@flint/daemon';
import { InMemoryWorkerStore } from './store/in-memory-worker-store.ts';
import { Worker } from './worker.ts';

type Req<K extends keyof MasterProtocol> = MasterProtocol[K]['request'];

/** Just enough of a master to register and heartbeat with; records what it is told. */
class FakeMaster {
  registrations: Req<'registerWorker'>[] = [];
  heartbeats = 0;
  changes: Req<'executorStateChanged'>[] = [];
  reregisterNext = false;
  private constructor(
    private readonly transport: Transport,
    private server: TransportServer | null,
  ) {}

  static async start(port = 0): Promise<FakeMaster> {
    const transport = await loadTransport('tcp');
    const m = new FakeMaster(transport, null);
    await m.listen(port);
    return m;
  }

  get port(): number {
    return this.server!.address.port;
  }

  async listen(port: number): Promise<void> {
    this.server = await this.transport.listen(
      messageHandler<MasterProtocol>({
        requests: {
          registerWorker: (m) => {
            this.registrations.push(m);
            return { ok: true, masterId: 'fake', message: null, heartbeatIntervalMs: 100 };
          },
          workerHeartbeat: () => {
            this.heartbeats++;
            const reregister = this.reregisterNext;
            this.reregisterNext = false;
            return { reregister };
          },
          executorStateChanged: (m) => {
            this.changes.push(m);
          },
        },
      }),
      { host: '127.0.0.1', port },
    );
  }

  async closeServer(): Promise<void> {
    await this.server?.close();
  }

  async close(): Promise<void> {
    await this.server?.close();
    await this.transport.close();
  }
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-worker-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

let n = 0;
async function startWorker(masterPort: number, over: Partial<Parameters<typeof Worker.create>[0]> = {}) {
  const store = new InMemoryWorkerStore();
  const worker = await Worker.create({
    master: `flint://127.0.0.1:${masterPort}`,
    cores: 3,
    memory: '1536m',
    workDir: path.join(root, `w${n++}`),
    store,
    executorEntry: STUB_EXECUTOR_ENTRY,
    registrationRetryMinMs: 50,
    registrationRetryMaxMs: 200,
    killGraceMs: 2_000,
    logger: silentLogger(),
    ...over,
  });
  cleanup.push(() => worker.stop());
  return { worker, store };
}

async function master(port = 0) {
  const m = await FakeMaster.start(port);
  cleanup.push(() => m.close());
  return m;
}

async function clientFor(worker: Worker) {
  const t = await loadTransport('tcp');
  cleanup.push(() => t.close());
  return new MessageClient<WorkerProtocol>(await t.connect(worker.address));
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const launch = (appId: string, executorId: string, conf: Record<string, unknown> = {}): WorkerProtocol['launchExecutor']['request'] => ({
  appId,
  executorId,
  cores: 1,
  memoryMb: 256,
  driverAddress: '127.0.0.1:4999',
  transport: 'tcp',
  conf,
});

describe('Worker', () => {
  it('registers with its cores, memory and address, then heartbeats', async () => {
    const m = await master();
    const { worker } = await startWorker(m.port);
    await worker.registered();
    expect(m.registrations).toHaveLength(1);
    expect(m.registrations[0]).toMatchObject({ workerId: worker.workerId, host: '127.0.0.1', address: worker.address, cores: 3, memoryMb: 1536, webPort: null, executors: [] });
    expect(worker.workerId).toMatch(/^worker-\d{14}-127\.0\.0\.1-\d+$/);
    await until(() => m.heartbeats >= 2, 'heartbeats');
  });

  it('keeps retrying while the master is unreachable and registers once it is up', async () => {
    const probe = await FakeMaster.start();
    const port = probe.port;
    await probe.close();
    const { worker } = await startWorker(port);
    await new Promise((r) => setTimeout(r, 400));
    const m = await master(port);
    await worker.registered();
    expect(m.registrations).toHaveLength(1);
  });

  it('registers again when the master asks, and when the master comes back after going away', async () => {
    const m = await master();
    const { worker } = await startWorker(m.port);
    await worker.registered();
    m.reregisterNext = true;
    await until(() => m.registrations.length === 2, 'a second registration');
    const port = m.port;
    await m.closeServer();
    await m.listen(port);
    await until(() => m.registrations.length === 3, 'registration with the restarted master');
    expect(new Set(m.registrations.map((r) => r.workerId)).size).toBe(1);
  });

  it('launches executors in their own work dirs, reports their states, kills them, and cleans up the application', async () => {
    const m = await master();
    const { worker, store } = await startWorker(m.port);
    await worker.registered();
    const c = await clientFor(worker);
    expect(await c.request('launchExecutor', launch('app-1', '0'))).toEqual({ ok: true, message: null });
    expect(await c.request('launchExecutor', launch('app-1', '1'))).toEqual({ ok: true, message: null });
    expect(await c.request('launchExecutor', launch('app-1', '1'))).toMatchObject({ ok: false });
    const dir0 = path.join(worker.options.workDir, 'app-1', '0');
    await until(() => m.changes.filter((x) => x.state === 'RUNNING').length === 2, 'two RUNNING reports');
    await until(() => fs.existsSync(path.join(dir0, 'started')), 'the executor to start');
    expect(fs.readFileSync(path.join(dir0, 'stdout'), 'utf8')).toContain('stub executor app-1/0 started');
    expect(m.changes[0]).toMatchObject({ workerId: worker.workerId, appId: 'app-1', state: 'RUNNING', exitCode: null });

    expect(await c.request('killExecutor', { appId: 'app-1', executorId: '0', reason: 'test' })).toEqual({ ok: true });
    await until(() => m.changes.some((x) => x.executorId === '0' && x.state === 'KILLED'), 'a KILLED report');
    expect(await c.request('killExecutor', { appId: 'app-1', executorId: '0', reason: 'again' })).toEqual({ ok: false });

    await c.send('applicationFinished', { appId: 'app-1' });
    await until(() => !fs.existsSync(path.join(worker.options.workDir, 'app-1')), 'the application dir to go');
    await until(() => m.changes.some((x) => x.executorId === '1' && x.state === 'KILLED'), 'executor 1 killed');
    await until(() => worker.executors().every((e) => e.state === 'KILLED'), 'records');
    const stored = await store.load();
    expect(stored.map((r) => [r.executorId, r.state])).toEqual([
      ['0', 'KILLED'],
      ['1', 'KILLED'],
    ]);
    expect(stored[0]!.pid).toBeGreaterThan(0);
    // Its logs outlive the application's work directory, moved where no application id can point.
    expect(stored[0]!.stdoutPath).toBe(path.join(worker.options.workDir, '@logs', 'app-1', '0', 'stdout'));
    expect(fs.readFileSync(stored[0]!.stdoutPath, 'utf8')).toContain('stub executor app-1/0 started');
    const slice = await c.request('readExecutorLog', { appId: 'app-1', executorId: '0', stream: 'stdout', offset: 0, length: 1 << 20 });
    expect(Buffer.from(slice.data).toString('utf8')).toBe(fs.readFileSync(stored[0]!.stdoutPath, 'utf8'));
    await expect(c.request('readExecutorLog', { appId: 'app-9', executorId: '0', stream: 'stdout', offset: 0, length: 10 })).rejects.toThrow(/not one of this worker/);
  });

  it('reports executors that exit on their own with their exit code', async () => {
    const m = await master();
    const { worker } = await startWorker(m.port);
    await worker.registered();
    const c = await clientFor(worker);
    await c.request('launchExecutor', launch('app-2', '0', { 'stub.exitAfterMs': 10, 'stub.exitCode': 7 }));
    await until(() => m.changes.some((x) => x.state === 'FAILED'), 'a FAILED report');
    expect(m.changes.find((x) => x.state === 'FAILED')).toMatchObject({ appId: 'app-2', executorId: '0', exitCode: 7, message: 'exited with code 7' });
  });

  it('answers malformed and unsafe requests with clear errors and keeps serving', async () => {
    const m = await master();
    const { worker } = await startWorker(m.port);
    const c = await clientFor(worker);
    const err = await c.request('launchExecutor', { appId: 'a', executorId: '0', cores: -1 } as never).catch((e: unknown) => e);
    expect(isTransportError(err, 'REMOTE')).toBe(true);
    expect((err as Error).message).toMatch(/INVALID_MESSAGE: malformed launchExecutor message: .*cores/);
    expect(await c.request('launchExecutor', launch('../../etc', '0'))).toMatchObject({ ok: false, message: expect.stringContaining('ids must be') });
    expect(fs.existsSync(path.join(worker.options.workDir, '..', '..', 'etc', '0'))).toBe(false);
    expect(await c.request('killExecutor', { appId: 'nope', executorId: '0', reason: 'x' })).toEqual({ ok: false });
  });

  it('checks every message at the network edge: a malformed one of each kind is refused with INVALID_MESSAGE and no handler runs', async () => {
    const m = await master();
    const { worker } = await startWorker(m.port);
    // Watch the real worker's handlers.
    const called: string[] = [];
    for (const name of ['launchExecutor', 'killExecutor', 'applicationFinished', 'readExecutorLog'] as const) {
      const real = worker[name].bind(worker) as (...args: unknown[]) => unknown;
      (worker as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        called.push(name);
        return real(...args);
      };
    }
    const malformed: { [K in keyof WorkerProtocol]: [body: unknown, names: RegExp] } = {
      launchExecutor: [{ ...launch('app-m', '0'), memoryMb: 0 }, /memoryMb: /],
      killExecutor: [{ appId: 'app-m', executorId: 0, reason: 'x' }, /executorId: /],
      applicationFinished: [{}, /appId: /],
      readExecutorLog: [{ appId: 'app-m', executorId: '0', stream: 'stdin', offset: 0, length: 10 }, /stream: /],
    };
    expect(Object.keys(malformed).sort()).toEqual(Object.keys(WorkerMessages).sort());
    const c = await clientFor(worker);
    for (const [kind, [body, names]] of Object.entries(malformed) as [keyof WorkerProtocol, [unknown, RegExp]][]) {
      const err = await c.request(kind, body as never).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isTransportError(err, 'REMOTE'), kind).toBe(true);
      expect((err as Error).message, kind).toMatch(new RegExp(`INVALID_MESSAGE: malformed ${kind} message: `));
      expect((err as Error).message, kind).toMatch(names);
    }
    await c.send('applicationFinished', {} as never);
    // A well-formed request after the one-way message on the same connection: it has been read by now.
    expect(await c.request('killExecutor', { appId: 'app-m', executorId: '0', reason: 'x' })).toEqual({ ok: false });
    expect(called).toEqual(['killExecutor']);
    expect(worker.executors()).toEqual([]);
  });

  it('refuses to launch when the executor entry is missing, naming the option', async () => {
    const m = await master();
    const { worker } = await startWorker(m.port, { executorEntry: path.join(root, 'nowhere.ts') });
    const c = await clientFor(worker);
    const r = await c.request('launchExecutor', launch('app-3', '0'));
    expect(r.ok).toBe(false);
    expect(r.message).toContain('--executor-entry');
  });

  it('kills its executors when it stops', async () => {
    const m = await master();
    const { worker } = await startWorker(m.port);
    await worker.registered();
    const c = await clientFor(worker);
    await c.request('launchExecutor', launch('app-4', '0', { 'stub.ignoreSigterm': true }));
    await until(() => worker.executors()[0]?.state === 'RUNNING', 'RUNNING');
    const pid = worker.executors()[0]!.pid!;
    await worker.stop();
    await worker.stop();
    expect(worker.executors()[0]!.state).toBe('KILLED');
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('marks executors of a previous run lost and kills their leftover processes', async () => {
    const m = await master();
    const store = new InMemoryWorkerStore();
    const workDir = path.join(root, 'orphans');
    const runner = new ExecutorRunner(
      { appId: 'app-5', executorId: '0', cores: 1, memoryMb: 64, driverAddress: '127.0.0.1:1', transport: 'tcp', conf: {}, workerId: 'old', host: '127.0.0.1', secret: undefined, workDir: path.join(workDir, 'app-5', '0'), entry: STUB_EXECUTOR_ENTRY, baseEnv: process.env },
      1_000,
      () => undefined,
    );
    runner.start();
    cleanup.push(() => runner.kill('cleanup'));
    await until(() => fs.existsSync(path.join(workDir, 'app-5', '0', 'started')), 'the orphan to start');
    await store.saveExecutor({ appId: 'app-5', executorId: '0', pid: runner.pid, state: 'RUNNING', cores: 1, memoryMb: 64, workDir, stdoutPath: '', stderrPath: '', startedAt: 1, endedAt: null, exitCode: null, message: null });
    const { worker } = await startWorker(m.port, { store, workDir });
    await runner.exited;
    expect(worker.executors()[0]).toMatchObject({ state: 'LOST' });
    expect(worker.executors()[0]!.message).toContain('killed its leftover process');
  });
});
