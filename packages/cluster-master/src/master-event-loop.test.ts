import type { MasterProtocol } from '@flint/core/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ClusterMessenger } from './cluster-messenger.ts';
import { ManualClock } from '@flint/daemon';
import { silentLogger } from '@flint/daemon';
import { MasterEventLoop, type MasterEventLoopSettings } from './master-event-loop.ts';
import { InMemoryMasterStore } from './store/in-memory-master-store.ts';

type Call = { to: string; kind: string; msg: Record<string, unknown> };

class RecordingMessenger implements ClusterMessenger {
  calls: Call[] = [];
  launchReply: { ok: boolean; message: string | null } | Error = { ok: true, message: null };
  private rec(to: string, kind: string, msg: object) {
    this.calls.push({ to, kind, msg: msg as Record<string, unknown> });
  }
  async launchExecutor(to: string, msg: object) {
    this.rec(to, 'launchExecutor', msg);
    if (this.launchReply instanceof Error) throw this.launchReply;
    return this.launchReply;
  }
  async killExecutor(to: string, msg: object) {
    this.rec(to, 'killExecutor', msg);
    return { ok: true };
  }
  async applicationFinished(to: string, msg: object) {
    this.rec(to, 'applicationFinished', msg);
  }
  async executorRemoved(to: string, msg: object) {
    this.rec(to, 'executorRemoved', msg);
  }
  async applicationKilled(to: string, msg: object) {
    this.rec(to, 'applicationKilled', msg);
  }
  async cancelJob(to: string, msg: object) {
    this.rec(to, 'cancelJob', msg);
    return { cancelled: true, message: '' };
  }
  async readExecutorLog(to: string, msg: object) {
    this.rec(to, 'readExecutorLog', msg);
    return { data: new Uint8Array(0), offset: 0, size: 0 };
  }
  async close() {}
  of(kind: string): Call[] {
    return this.calls.filter((c) => c.kind === kind);
  }
}

const LIVE: ReadonlySet<string> = new Set(['LAUNCHING', 'RUNNING']);
const settings: MasterEventLoopSettings = { workerTimeoutMs: 3000, driverTimeoutMs: 5000, heartbeatIntervalMs: 750, spreadOut: true, defaultCores: null, maxExecutorRetries: 3 };

function registration(id: string, cores = 2, over: Partial<MasterProtocol['registerWorker']['request']> = {}): MasterProtocol['registerWorker']['request'] {
  return { workerId: id, host: '127.0.0.1', address: `127.0.0.1:${9000 + Number(id.replace(/\D/g, '') || 0)}`, cores, memoryMb: 4096, webPort: null, executors: [], ...over };
}

function appRequest(over: Partial<MasterProtocol['registerApplication']['request']> = {}): MasterProtocol['registerApplication']['request'] {
  return { appName: 'test', user: 'u', driverAddress: '127.0.0.1:5000', coresPerExecutor: null, memoryPerExecutorMb: 1024, maxCores: null, transport: 'tcp', conf: { a: 1 }, ...over };
}

/** Lets the messenger's promise callbacks (launch replies) post their follow-up events. */
const settle = () => new Promise((r) => setTimeout(r, 5));

describe('MasterEventLoop', () => {
  let clock: ManualClock;
  let store: InMemoryMasterStore;
  let messenger: RecordingMessenger;
  let loop: MasterEventLoop;
  const make = (over: Partial<MasterEventLoopSettings> = {}) => new MasterEventLoop({ masterId: 'm-1', store, messenger, clock, log: silentLogger(), settings: { ...settings, ...over } });

  beforeEach(() => {
    clock = new ManualClock();
    store = new InMemoryMasterStore();
    messenger = new RecordingMessenger();
    loop = make();
  });

  const state = () => loop.post({ type: 'clusterState' });
  const running = async (appId: string) => {
    for (const e of (await state()).executors.filter((x) => x.appId === appId && x.state === 'LAUNCHING')) {
      await loop.post({ type: 'executorStateChanged', msg: { workerId: e.workerId, appId, executorId: e.executorId, state: 'RUNNING', exitCode: null, message: null } });
    }
  };

  it('registers workers, answers heartbeats, and asks unknown workers to register', async () => {
    const r = await loop.post({ type: 'registerWorker', msg: registration('w1', 4) });
    expect(r).toEqual({ ok: true, masterId: 'm-1', message: null, heartbeatIntervalMs: 750 });
    expect(await loop.post({ type: 'workerHeartbeat', msg: { workerId: 'w1', time: 1 } })).toEqual({ reregister: false });
    expect(await loop.post({ type: 'workerHeartbeat', msg: { workerId: 'nobody', time: 1 } })).toEqual({ reregister: true });
    const s = await state();
    expect(s.workers).toMatchObject([{ workerId: 'w1', cores: 4, coresUsed: 0, state: 'ALIVE' }]);
    expect((await store.load()).workers).toMatchObject([{ workerId: 'w1', state: 'ALIVE' }]);
  });

  it('spreads a new application over the alive workers, one whole-worker executor each', async () => {
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2) });
    await loop.post({ type: 'registerWorker', msg: registration('w2', 2) });
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p1' });
    expect(appId).toMatch(/^app-\d{14}-0000$/);
    const launches = messenger.of('launchExecutor');
    expect(launches.map((c) => c.to).sort()).toEqual(['127.0.0.1:9001', '127.0.0.1:9002']);
    expect(launches[0]!.msg).toMatchObject({ appId, cores: 2, memoryMb: 1024, driverAddress: '127.0.0.1:5000', transport: 'tcp', conf: { a: 1 } });
    let s = await state();
    expect(s.applications).toMatchObject([{ appId, state: 'WAITING', cores: 4 }]);
    expect(s.workers.map((w) => w.coresUsed)).toEqual([2, 2]);
    await running(appId);
    s = await state();
    expect(s.applications[0]!.state).toBe('RUNNING');
    expect(s.executors.map((e) => e.state)).toEqual(['RUNNING', 'RUNNING']);
  });

  it('honours max cores and cores per executor, and gives waiting applications workers that join later', async () => {
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest({ coresPerExecutor: 1, maxCores: 3 }), peerId: 'p1' });
    expect(messenger.of('launchExecutor')).toHaveLength(0);
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2) });
    await loop.post({ type: 'registerWorker', msg: registration('w2', 2) });
    const s = await state();
    expect(s.executors.filter((e) => e.appId === appId).map((e) => e.cores)).toEqual([1, 1, 1]);
    expect(s.applications[0]!.cores).toBe(3);
  });

  it('declares a silent worker dead, loses its executors, tells the driver and reschedules', async () => {
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2) });
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p1' });
    await running(appId);
    clock.advance(2000);
    await loop.post({ type: 'workerHeartbeat', msg: { workerId: 'w1', time: 0 } });
    await loop.post({ type: 'driverHeartbeat', msg: { appId }, peerId: 'p1' });
    clock.advance(2000);
    await loop.post({ type: 'checkTimeouts' });
    expect((await state()).workers[0]!.state).toBe('ALIVE');
    await loop.post({ type: 'registerWorker', msg: registration('w2', 1) });
    clock.advance(1500);
    await loop.post({ type: 'workerHeartbeat', msg: { workerId: 'w2', time: 0 } });
    await loop.post({ type: 'driverHeartbeat', msg: { appId }, peerId: 'p1' });
    await loop.post({ type: 'checkTimeouts' });
    const s = await state();
    expect(s.workers.find((w) => w.workerId === 'w1')!.state).toBe('DEAD');
    expect(s.executors.find((e) => e.workerId === 'w1')!.state).toBe('LOST');
    expect(messenger.of('executorRemoved')).toMatchObject([{ to: '127.0.0.1:5000', msg: { executorId: '0', exitCode: null } }]);
    expect(s.executors.find((e) => e.workerId === 'w2')).toMatchObject({ executorId: '1', state: 'LAUNCHING', cores: 1 });
    expect(await loop.post({ type: 'workerHeartbeat', msg: { workerId: 'w1', time: 0 } })).toEqual({ reregister: true });
  });

  it('ends the application of a driver whose connection closes, and kills its executors', async () => {
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2) });
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p1' });
    await running(appId);
    await loop.post({ type: 'peerClosed', peerId: 'someone-else', lost: false });
    expect((await state()).applications[0]!.state).toBe('RUNNING');
    await loop.post({ type: 'peerClosed', peerId: 'p1', lost: false });
    const s = await state();
    expect(s.applications[0]).toMatchObject({ state: 'FINISHED', cores: 0, endReason: 'the driver disconnected' });
    expect(s.executors[0]!.state).toBe('KILLED');
    expect(messenger.of('killExecutor')).toMatchObject([{ to: '127.0.0.1:9001', msg: { appId, executorId: '0' } }]);
    expect(messenger.of('applicationFinished')).toMatchObject([{ to: '127.0.0.1:9001', msg: { appId } }]);
    expect(messenger.of('applicationKilled')).toHaveLength(0);
    expect(await loop.post({ type: 'driverHeartbeat', msg: { appId }, peerId: 'p1' })).toEqual({ known: false });
  });

  it('fails the application of a driver that stops heartbeating, and tells the driver', async () => {
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2) });
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p1' });
    clock.advance(2000);
    await loop.post({ type: 'workerHeartbeat', msg: { workerId: 'w1', time: 0 } });
    clock.advance(2000);
    await loop.post({ type: 'workerHeartbeat', msg: { workerId: 'w1', time: 0 } });
    clock.advance(1500);
    await loop.post({ type: 'workerHeartbeat', msg: { workerId: 'w1', time: 0 } });
    await loop.post({ type: 'checkTimeouts' });
    expect((await state()).applications[0]).toMatchObject({ appId, state: 'FAILED' });
    expect(messenger.of('applicationKilled')).toMatchObject([{ to: '127.0.0.1:5000', msg: { appId } }]);
    expect(messenger.of('killExecutor')).toHaveLength(1);
  });

  it('kills an application on request: its executors are killed, its driver and workers told, a second kill refused', async () => {
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2) });
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p1' });
    await running(appId);
    expect(await loop.post({ type: 'killApplication', appId: 'app-none', reason: 'x' })).toEqual({ killed: false, message: 'no application app-none on this master' });
    expect(await loop.post({ type: 'killApplication', appId, reason: 'killed through the API' })).toMatchObject({ killed: true });
    const s = await state();
    expect(s.applications[0]).toMatchObject({ state: 'KILLED', cores: 0, endReason: 'killed through the API' });
    expect(s.executors[0]!.state).toBe('KILLED');
    expect(messenger.of('killExecutor')).toMatchObject([{ to: '127.0.0.1:9001', msg: { appId, executorId: '0' } }]);
    expect(messenger.of('applicationKilled')).toMatchObject([{ to: '127.0.0.1:5000', msg: { appId, reason: 'killed through the API' } }]);
    expect(await loop.post({ type: 'killApplication', appId, reason: 'again' })).toEqual({ killed: false, message: `application ${appId} already ended (killed)` });
  });

  it('finishes an application its driver unregisters, once', async () => {
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p1' });
    expect(await loop.post({ type: 'unregisterApplication', msg: { appId, state: 'FINISHED' } })).toEqual({ ok: true });
    expect(await loop.post({ type: 'unregisterApplication', msg: { appId, state: 'FINISHED' } })).toEqual({ ok: false });
    expect((await store.load()).applications[0]).toMatchObject({ state: 'FINISHED', endReason: 'the driver unregistered it' });
  });

  it('relaunches failed executors and fails the application after too many failures in a row', async () => {
    await loop.post({ type: 'registerWorker', msg: registration('w1', 1) });
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p1' });
    for (let i = 0; i < 3; i++) {
      await loop.post({ type: 'executorStateChanged', msg: { workerId: 'w1', appId, executorId: String(i), state: 'FAILED', exitCode: 1, message: 'boom' } });
    }
    const s = await state();
    expect(s.executors.map((e) => e.state)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(s.applications[0]!.state).toBe('FAILED');
    expect(messenger.of('executorRemoved')).toHaveLength(3);
    expect(messenger.of('executorRemoved')[0]!.msg).toMatchObject({ executorId: '0', exitCode: 1 });
    expect(messenger.of('applicationKilled')).toHaveLength(1);
  });

  it('fails an application whose executors keep dying after they start, even while others of its executors run', async () => {
    // Two one-core executors; each one that runs the poison task reaches RUNNING, then dies.
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2) });
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest({ coresPerExecutor: 1 }), peerId: 'p1' });
    await running(appId);
    let deaths = 0;
    for (let i = 0; i < 20 && (await state()).applications[0]!.state !== 'FAILED'; i++) {
      clock.advance(1000);
      const victim = (await state()).executors.find((e) => e.appId === appId && e.state === 'RUNNING')!;
      await loop.post({ type: 'executorStateChanged', msg: { workerId: 'w1', appId, executorId: victim.executorId, state: 'FAILED', exitCode: 137, message: 'killed by SIGKILL' } });
      deaths++;
      await settle();
      await running(appId);
    }
    const s = await state();
    expect(deaths).toBe(3);
    expect(s.applications[0]).toMatchObject({ appId, state: 'FAILED' });
    expect(s.executors.filter((e) => e.state === 'FAILED')).toHaveLength(3);
    expect(messenger.of('applicationKilled')).toHaveLength(1);
  });

  it('counts a long-running executor that fails as the start of a new row, and launches no more while a healthy executor runs', async () => {
    loop = make({ executorHealthyAfterMs: 10_000 });
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2) });
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest({ coresPerExecutor: 1 }), peerId: 'p1' });
    await running(appId);
    clock.advance(20_000);
    // Executor 0 has been healthy for 20 s; executor 1's slot crash-loops beside it.
    const fail = (executorId: string) =>
      loop.post({ type: 'executorStateChanged', msg: { workerId: 'w1', appId, executorId, state: 'FAILED', exitCode: 1, message: 'boom' } });
    await fail('1');
    await settle();
    await running(appId);
    for (let i = 0; i < 5; i++) {
      const young = (await state()).executors.filter((e) => e.appId === appId && e.state === 'RUNNING' && e.executorId !== '0');
      if (young.length === 0) break;
      clock.advance(1000);
      await fail(young[0]!.executorId);
      await settle();
      await running(appId);
    }
    let s = await state();
    // Three failures in a row; the healthy executor keeps the application alive, and no fourth executor is launched.
    expect(s.applications[0]!.state).toBe('RUNNING');
    expect(s.executors.filter((e) => e.state === 'FAILED')).toHaveLength(3);
    expect(s.executors.filter((e) => e.state === 'RUNNING').map((e) => e.executorId)).toEqual(['0']);
    // The healthy one fails too: a new row starts (count 1), so a replacement is launched.
    await fail('0');
    await settle();
    s = await state();
    expect(s.applications[0]!.state).not.toBe('FAILED');
    expect(s.executors.filter((e) => LIVE.has(e.state))).toHaveLength(2);
  });

  it('starts the count of failures in a row again once the driver saw a replacement executor finish a task', async () => {
    // maxExecutorRetries is 3. Executors 0 and 1 fail; executor 2 runs and finishes a task (the driver's
    // heartbeat says so), then fails too, and so does executor 3. Without the reset that is 4 in a row.
    await loop.post({ type: 'registerWorker', msg: registration('w1', 1) });
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p1' });
    const fail = (executorId: string) =>
      loop.post({ type: 'executorStateChanged', msg: { workerId: 'w1', appId, executorId, state: 'FAILED', exitCode: 137, message: 'killed by SIGKILL' } });
    const failures = async () => (await store.load()).applications[0]!.executorFailures;
    await fail('0');
    await fail('1');
    expect(await failures()).toBe(2);
    await running(appId);
    // A heartbeat naming no executor, or one that is not running, changes nothing.
    await loop.post({ type: 'driverHeartbeat', msg: { appId }, peerId: 'p1' });
    await loop.post({ type: 'driverHeartbeat', msg: { appId, executorsWorking: ['0', '9'] }, peerId: 'p1' });
    expect(await failures()).toBe(2);
    await loop.post({ type: 'driverHeartbeat', msg: { appId, executorsWorking: ['2'] }, peerId: 'p1' });
    expect(await failures()).toBe(0);
    await fail('2');
    await settle();
    await fail('3');
    await settle();
    let s = await state();
    expect(await failures()).toBe(2);
    expect(s.applications[0]!.state).not.toBe('FAILED');
    expect(s.executors.filter((e) => LIVE.has(e.state)).map((e) => e.executorId)).toEqual(['4']);
    // With no working executor in between, the row goes on and ends the application at 3.
    await fail('4');
    s = await state();
    expect(s.applications[0]!.state).toBe('FAILED');
    expect(messenger.of('applicationKilled')).toHaveLength(1);
  });

  it('treats a refused launch as a failed executor and tries again', async () => {
    await loop.post({ type: 'registerWorker', msg: registration('w1', 1) });
    messenger.launchReply = { ok: false, message: 'no such entry' };
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p1' });
    messenger.launchReply = { ok: true, message: null };
    await settle();
    const s = await state();
    expect(s.executors.map((e) => [e.executorId, e.state])).toEqual([
      ['0', 'FAILED'],
      ['1', 'LAUNCHING'],
    ]);
    expect(s.executors[0]!.message).toContain('no such entry');
    expect(s.applications[0]).toMatchObject({ appId, state: 'WAITING' });
  });

  it('a restarted master recovers workers as UNKNOWN until they re-register with their executors', async () => {
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2) });
    await loop.post({ type: 'registerWorker', msg: registration('w2', 2) });
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p1' });
    await running(appId);
    await loop.stop();

    messenger = new RecordingMessenger();
    loop = make();
    expect(loop.recover(await store.load())).toEqual({ workers: 2, applications: 1, executors: 2 });
    let s = await state();
    expect(s.workers.map((w) => w.state)).toEqual(['UNKNOWN', 'UNKNOWN']);
    expect(await loop.post({ type: 'workerHeartbeat', msg: { workerId: 'w1', time: 0 } })).toEqual({ reregister: true });
    expect(await loop.post({ type: 'driverHeartbeat', msg: { appId }, peerId: 'p9' })).toEqual({ known: true });

    const e0 = s.executors.find((e) => e.workerId === 'w1')!;
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2, { executors: [{ appId, executorId: e0.executorId, cores: 2, memoryMb: 1024, state: 'RUNNING' }] }) });
    s = await state();
    expect(s.workers.map((w) => w.state)).toEqual(['ALIVE', 'UNKNOWN']);
    expect(s.executors.find((e) => e.workerId === 'w1')!.state).toBe('RUNNING');
    expect(messenger.of('launchExecutor')).toHaveLength(0);

    clock.advance(3001);
    await loop.post({ type: 'workerHeartbeat', msg: { workerId: 'w1', time: 0 } });
    await loop.post({ type: 'checkTimeouts' });
    s = await state();
    expect(s.workers.map((w) => w.state)).toEqual(['ALIVE', 'DEAD']);
    expect(s.executors.find((e) => e.workerId === 'w2')!.state).toBe('LOST');
    expect(messenger.of('executorRemoved')).toHaveLength(1);

    const next = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p2' });
    expect(next.appId).toMatch(/-0001$/);
  });

  it('kills executors a worker reports for applications that are over, and loses the ones it no longer has', async () => {
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2) });
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p1' });
    await running(appId);
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2, { executors: [{ appId: 'app-gone', executorId: '7', cores: 1, memoryMb: 1, state: 'RUNNING' }] }) });
    expect(messenger.of('killExecutor')).toMatchObject([{ msg: { appId: 'app-gone', executorId: '7' } }]);
    const s = await state();
    expect(s.executors.map((e) => [e.executorId, e.state])).toEqual([
      ['0', 'LOST'],
      ['1', 'LAUNCHING'],
    ]);
  });

  it('declares the old worker at an address dead when a new one registers there', async () => {
    await loop.post({ type: 'registerWorker', msg: registration('w1', 2, { address: '127.0.0.1:7100' }) });
    await loop.post({ type: 'registerWorker', msg: registration('w2', 2, { address: '127.0.0.1:7100' }) });
    expect((await state()).workers.map((w) => [w.workerId, w.state])).toEqual([
      ['w1', 'DEAD'],
      ['w2', 'ALIVE'],
    ]);
  });

  it('ignores a lost launch reply for an executor that already reported RUNNING', async () => {
    await loop.post({ type: 'registerWorker', msg: registration('w1', 1) });
    const { appId } = await loop.post({ type: 'registerApplication', msg: appRequest(), peerId: 'p1' });
    await running(appId);
    await loop.post({ type: 'launchFailed', appId, executorId: '0', reason: 'lost the connection' });
    expect((await state()).executors.map((e) => e.state)).toEqual(['RUNNING']);
    expect(messenger.of('executorRemoved')).toHaveLength(0);
  });

  it('refuses events after stop', async () => {
    await loop.stop();
    await expect(loop.post({ type: 'clusterState' })).rejects.toMatchObject({ code: 'STOPPED' });
  });
});
