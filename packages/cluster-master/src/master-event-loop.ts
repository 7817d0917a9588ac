import { type AppState, type ExecutorState, type MasterProtocol, type WorkerState } from '@flint/core/protocol';
import { redactConf } from '@flint/core/internal';
import type { ClusterMessenger } from './cluster-messenger.ts';
import type { Clock } from '@flint/daemon';
import { allocateExecutors } from './executor-allocator.ts';
import type { MasterEvent, MasterEventResults, MasterEventType } from './master-event.ts';
import { DaemonError } from '@flint/daemon';
import type { DaemonLogger as Logger } from '@flint/daemon';
import type { ApplicationRecord, ExecutorRecord, MasterSnapshot, MasterStore, WorkerRecord } from './store/master-store.ts';

type Req<K extends keyof MasterProtocol> = MasterProtocol[K]['request'];
type ClusterState = MasterProtocol['clusterState']['response'];

export interface MasterEventLoopSettings {
  workerTimeoutMs: number;
  driverTimeoutMs: number;
  heartbeatIntervalMs: number;
  spreadOut: boolean;
  defaultCores: number | null;
  maxExecutorRetries: number;
  /**
   * An executor that has run this long is healthy: its abnormal exit starts a
   * new count of failures in a row, and while one runs the application is not
   * failed for executors that keep dying beside it.
   * @default 30_000
   */
  executorHealthyAfterMs?: number;
}

const DEFAULT_EXECUTOR_HEALTHY_AFTER_MS = 30_000;

export interface MasterEventLoopDeps {
  masterId: string;
  store: MasterStore;
  messenger: ClusterMessenger;
  clock: Clock;
  log: Logger;
  settings: MasterEventLoopSettings;
  /**
   * Told (synchronously, inside the loop) when an application ends; `driverLost` when its
   * driver vanished or stopped heartbeating rather than ending it. The master finishes the
   * application in its event store here.
   */
  applicationEnded?: (e: { appId: string; state: 'FINISHED' | 'FAILED' | 'KILLED'; reason: string; time: number; driverLost: boolean }) => void;
}

interface WorkerEntry {
  record: WorkerRecord;
  /** ALIVE/DEAD as stored, or UNKNOWN for a worker recovered from the database that has not re-registered yet. */
  state: WorkerState;
  /** Last heartbeat or registration, by the master's clock (recovery counts as one). */
  lastSeen: number;
}

interface AppEntry {
  record: ApplicationRecord;
  /** Transport peer that registered (or last heartbeated for) the application; its close ends the application. */
  driverPeerId: string | null;
  lastContact: number;
  nextExecutorId: number;
  /** Workers that ever ran one of its executors: told when the application finishes. */
  workersUsed: Set<string>;
}

const LIVE_EXECUTOR: ReadonlySet<ExecutorState> = new Set(['LAUNCHING', 'RUNNING']);
const LIVE_APP: ReadonlySet<AppState> = new Set(['WAITING', 'RUNNING']);

/**
 * The master's brain: owns the live cluster state — workers, applications,
 * executors — and is the only code that changes it. Events are handled one at
 * a time, in the order posted; each handler writes its changes through the
 * `MasterStore` before the next event starts, and talks to workers and
 * drivers through the `ClusterMessenger` without waiting for them (their
 * answers come back as new events). Time comes from the injected clock, and
 * timeouts are checked only when a `checkTimeouts` event is posted, so tests
 * drive both by hand. Knows nothing of transports or processes.
 */
export class MasterEventLoop {
  private readonly workers = new Map<string, WorkerEntry>();
  private readonly apps = new Map<string, AppEntry>();
  private readonly executors = new Map<string, ExecutorRecord>();
  /** Live executors their driver saw finish a task: healthy whatever their age. */
  private readonly working = new Set<string>();
  private nextAppNumber = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly deps: MasterEventLoopDeps) {
    this.log = deps.log;
  }

  get masterId(): string {
    return this.deps.masterId;
  }

  /**
   * Takes over what a previous master stored. Workers that were ALIVE become
   * UNKNOWN until they re-register (or time out); running applications wait
   * for their driver's next heartbeat (or time out); executors stay as they
   * were until their worker re-registers and says which still run.
   */
  recover(snapshot: MasterSnapshot): { workers: number; applications: number; executors: number } {
    const now = this.deps.clock.now();
    for (const w of snapshot.workers) {
      this.workers.set(w.workerId, { record: { ...w }, state: w.state === 'ALIVE' ? 'UNKNOWN' : w.state, lastSeen: now });
    }
    for (const a of snapshot.applications) {
      this.apps.set(a.appId, { record: { ...a }, driverPeerId: null, lastContact: now, nextExecutorId: 0, workersUsed: new Set() });
      const m = /-(\d+)$/.exec(a.appId);
      if (m) this.nextAppNumber = Math.max(this.nextAppNumber, Number(m[1]) + 1);
    }
    for (const e of snapshot.executors) {
      this.executors.set(key(e.appId, e.executorId), { ...e });
      const app = this.apps.get(e.appId);
      if (app) {
        app.workersUsed.add(e.workerId);
        const n = Number(e.executorId);
        if (Number.isInteger(n)) app.nextExecutorId = Math.max(app.nextExecutorId, n + 1);
      }
    }
    const live = (s: AppState) => LIVE_APP.has(s);
    return {
      workers: snapshot.workers.filter((w) => w.state === 'ALIVE').length,
      applications: snapshot.applications.filter((a) => live(a.state)).length,
      executors: snapshot.executors.filter((e) => LIVE_EXECUTOR.has(e.state)).length,
    };
  }

  /** Queues an event; resolves with its result once it has been handled. */
  post<T extends MasterEventType>(event: Extract<MasterEvent, { type: T }>): Promise<MasterEventResults[T]> {
    if (this.stopped) return Promise.reject(new DaemonError('STOPPED', `the master is stopping and takes no ${event.type}; retry against the restarted master`));
    const run = this.tail.then(() => this.handle(event));
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run as Promise<MasterEventResults[T]>;
  }

  /** Refuses new events and waits for the queued ones. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.tail;
  }

  private async handle(ev: MasterEvent): Promise<unknown> {
    switch (ev.type) {
      case 'registerWorker':
        return this.registerWorker(ev.msg);
      case 'workerHeartbeat':
        return this.workerHeartbeat(ev.msg);
      case 'executorStateChanged':
        return this.executorStateChanged(ev.msg);
      case 'registerApplication':
        return this.registerApplication(ev.msg, ev.peerId);
      case 'unregisterApplication':
        return this.unregisterApplication(ev.msg);
      case 'driverHeartbeat':
        return this.driverHeartbeat(ev.msg, ev.peerId);
      case 'peerClosed':
        return this.peerClosed(ev.peerId, ev.lost);
      case 'launchFailed':
        return this.launchFailed(ev.appId, ev.executorId, ev.reason);
      case 'checkTimeouts':
        return this.checkTimeouts();
      case 'clusterState':
        return this.clusterState();
      case 'killApplication':
        return this.killApplication(ev.appId, ev.reason);
    }
  }

  // ---- workers ---------------------------------------------------------------------------

  private async registerWorker(msg: Req<'registerWorker'>): Promise<MasterEventResults['registerWorker']> {
    const now = this.deps.clock.now();
    for (const other of this.workers.values()) {
      if (other.record.workerId !== msg.workerId && other.record.address === msg.address && (other.state === 'ALIVE' || other.state === 'UNKNOWN')) {
        await this.workerLost(other, `worker ${msg.workerId} now listens at ${msg.address}`);
      }
    }
    const known = this.workers.get(msg.workerId);
    const record: WorkerRecord = {
      workerId: msg.workerId,
      host: msg.host,
      address: msg.address,
      cores: msg.cores,
      memoryMb: msg.memoryMb,
      webPort: msg.webPort,
      state: 'ALIVE',
      registeredAt: known?.record.registeredAt ?? now,
      lastHeartbeat: now,
      endedAt: null,
    };
    const entry: WorkerEntry = { record, state: 'ALIVE', lastSeen: now };
    this.workers.set(msg.workerId, entry);
    await this.persist(() => this.deps.store.saveWorker(record));
    const again = known ? ` (again; was ${known.state})` : '';
    this.log.info(
      { event: 'workerRegistered', workerId: msg.workerId, address: msg.address, cores: msg.cores, memoryMb: msg.memoryMb, reregistered: !!known },
      `worker registered: ${msg.workerId} at ${msg.address} with ${msg.cores} cores, ${msg.memoryMb} MB${again}`,
    );
    await this.reconcileExecutors(entry, msg.executors);
    await this.schedule();
    return { ok: true, masterId: this.masterId, message: null, heartbeatIntervalMs: this.deps.settings.heartbeatIntervalMs };
  }

  /**
   * After a (re-)registration: executors the worker still runs are kept when
   * their application is alive and the master still counts them, and killed
   * otherwise; executors the master placed there that the worker no longer
   * has are lost.
   */
  private async reconcileExecutors(worker: WorkerEntry, reported: Req<'registerWorker'>['executors']): Promise<void> {
    const seen = new Set<string>();
    for (const r of reported) {
      const k = key(r.appId, r.executorId);
      seen.add(k);
      const e = this.executors.get(k);
      const app = this.apps.get(r.appId);
      const keep = e && app && LIVE_APP.has(app.record.state) && LIVE_EXECUTOR.has(e.state) && e.workerId === worker.record.workerId && LIVE_EXECUTOR.has(r.state);
      if (keep) {
        if (e.state !== r.state) {
          e.state = r.state;
          await this.persist(() => this.deps.store.saveExecutor(e));
        }
        if (r.state === 'RUNNING') await this.markAppRunning(app);
        continue;
      }
      if (!LIVE_EXECUTOR.has(r.state)) continue;
      this.log.info(
        { event: 'executorOrphaned', appId: r.appId, executorId: r.executorId, workerId: worker.record.workerId },
        `killing executor ${r.appId}/${r.executorId} on ${worker.record.workerId}: its application is over or the master no longer counts it`,
      );
      this.tell(`kill executor ${r.appId}/${r.executorId}`, () =>
        this.deps.messenger.killExecutor(worker.record.address, { appId: r.appId, executorId: r.executorId, reason: 'the master does not know this executor' }),
      );
    }
    for (const e of [...this.executors.values()]) {
      if (e.workerId !== worker.record.workerId || !LIVE_EXECUTOR.has(e.state) || seen.has(key(e.appId, e.executorId))) continue;
      await this.executorEnded(e, 'LOST', null, `worker ${worker.record.workerId} re-registered without it`);
    }
  }

  private async workerHeartbeat(msg: Req<'workerHeartbeat'>): Promise<MasterEventResults['workerHeartbeat']> {
    const w = this.workers.get(msg.workerId);
    if (!w || w.state !== 'ALIVE') {
      if (w) this.log.info({ event: 'workerReregisterAsked', workerId: msg.workerId, state: w.state }, `heartbeat from ${w.state} worker ${msg.workerId}: asking it to register again`);
      return { reregister: true };
    }
    const now = this.deps.clock.now();
    w.lastSeen = now;
    w.record.lastHeartbeat = now;
    await this.persist(() => this.deps.store.saveWorker(w.record));
    return { reregister: false };
  }

  private async workerLost(w: WorkerEntry, reason: string): Promise<void> {
    const wasUnknown = w.state === 'UNKNOWN';
    w.state = 'DEAD';
    w.record.state = 'DEAD';
    w.record.endedAt = this.deps.clock.now();
    await this.persist(() => this.deps.store.saveWorker(w.record));
    this.log.warn({ event: 'workerDead', workerId: w.record.workerId, address: w.record.address, reason }, `worker dead: ${w.record.workerId} at ${w.record.address} (${reason})`);
    for (const e of [...this.executors.values()]) {
      if (e.workerId === w.record.workerId && LIVE_EXECUTOR.has(e.state)) {
        await this.executorEnded(e, 'LOST', null, `worker ${w.record.workerId} ${wasUnknown ? 'did not come back after the master restarted' : 'lost'}: ${reason}`);
      }
    }
    await this.schedule();
  }

  // ---- executors -------------------------------------------------------------------------

  private async executorStateChanged(msg: Req<'executorStateChanged'>): Promise<void> {
    const e = this.executors.get(key(msg.appId, msg.executorId));
    if (!e) {
      this.log.warn({ appId: msg.appId, executorId: msg.executorId, workerId: msg.workerId }, `state ${msg.state} of unknown executor ${msg.appId}/${msg.executorId} from ${msg.workerId}: ignored`);
      return;
    }
    if (e.workerId !== msg.workerId) {
      this.log.warn({ appId: msg.appId, executorId: msg.executorId }, `executor ${msg.appId}/${msg.executorId} runs on ${e.workerId}, but ${msg.workerId} reported it: ignored`);
      return;
    }
    if (!LIVE_EXECUTOR.has(e.state)) return;
    const app = this.apps.get(e.appId);
    if (msg.state === 'LAUNCHING' || msg.state === 'RUNNING') {
      if (e.state === msg.state) return;
      e.state = msg.state;
      await this.persist(() => this.deps.store.saveExecutor(e));
      if (msg.state === 'RUNNING' && app) {
        this.log.info({ event: 'executorRunning', appId: e.appId, executorId: e.executorId, workerId: e.workerId }, `executor running: ${e.appId}/${e.executorId} on ${e.workerId}`);
        // No reset here: an executor that reaches RUNNING and dies on its first task (a task that
        // kills its process) is as much a failure in a row as one that never starts.
        await this.markAppRunning(app);
      }
      return;
    }
    await this.executorEnded(e, msg.state, msg.exitCode, msg.message ?? `executor ${msg.state.toLowerCase()}`);
    await this.schedule();
  }

  private async launchFailed(appId: string, executorId: string, reason: string): Promise<void> {
    const e = this.executors.get(key(appId, executorId));
    // Once the worker has said the executor runs, a launch reply lost with its connection is no launch failure.
    if (!e || e.state !== 'LAUNCHING') return;
    await this.executorEnded(e, 'FAILED', null, `launch failed: ${reason}`);
    await this.schedule();
  }

  /**
   * An executor is over: records it, tells its driver, counts abnormal exits
   * against the application (which fails after `maxExecutorRetries` in a row
   * with nothing running). The caller reschedules.
   */
  private async executorEnded(e: ExecutorRecord, state: ExecutorState, exitCode: number | null, reason: string): Promise<void> {
    e.state = state;
    e.exitCode = exitCode;
    e.message = reason;
    e.endedAt = this.deps.clock.now();
    const wasWorking = this.working.delete(key(e.appId, e.executorId));
    await this.persist(() => this.deps.store.saveExecutor(e));
    const code = exitCode === null ? '' : ` with exit code ${exitCode}`;
    this.log.info(
      { event: 'executorExited', appId: e.appId, executorId: e.executorId, workerId: e.workerId, state, exitCode, reason },
      `executor exited: ${e.appId}/${e.executorId} on ${e.workerId} ${state}${code} (${reason})`,
    );
    const app = this.apps.get(e.appId);
    if (!app || !LIVE_APP.has(app.record.state)) return;
    const driverAddress = app.record.driverAddress;
    this.tell(`tell driver ${driverAddress} that executor ${e.executorId} ended`, () =>
      this.deps.messenger.executorRemoved(driverAddress, { executorId: e.executorId, reason: `${state}: ${reason}`, exitCode }),
    );
    // LOST is the worker's loss, not the application's doing (as Spark does not count it either).
    const normal = state === 'KILLED' || state === 'LOST' || (state === 'EXITED' && (exitCode === 0 || exitCode === null));
    if (normal) return;
    if (wasWorking || e.endedAt - e.launchedAt >= this.healthyAfterMs) app.record.executorFailures = 0;
    app.record.executorFailures += 1;
    await this.persist(() => this.deps.store.saveApplication(app.record));
    const max = this.deps.settings.maxExecutorRetries;
    if (max >= 0 && app.record.executorFailures >= max) {
      if (!this.hasHealthyExecutor(app.record.appId)) {
        await this.finishApplication(app, 'FAILED', `${app.record.executorFailures} executors in a row failed (flint.deploy.maxExecutorRetries = ${max}); last: ${reason}`, true);
      } else if (app.record.executorFailures === max) {
        this.log.warn(
          { event: 'executorRetriesExhausted', appId: app.record.appId, executorFailures: app.record.executorFailures },
          `application ${app.record.appId}: ${app.record.executorFailures} executors in a row failed (flint.deploy.maxExecutorRetries = ${max}); no more are launched while its healthy executors run; last: ${reason}`,
        );
      }
    }
  }

  private get healthyAfterMs(): number {
    return this.deps.settings.executorHealthyAfterMs ?? DEFAULT_EXECUTOR_HEALTHY_AFTER_MS;
  }

  /** An executor of the application has finished a task, or has been running for the healthy time. */
  private hasHealthyExecutor(appId: string): boolean {
    const now = this.deps.clock.now();
    return [...this.executors.values()].some(
      (x) => x.appId === appId && x.state === 'RUNNING' && (this.working.has(key(x.appId, x.executorId)) || now - x.launchedAt >= this.healthyAfterMs),
    );
  }

  /** Too many executors in a row failed: while a healthy one runs, launch no more (the application keeps what it has). */
  private retriesExhausted(r: ApplicationRecord): boolean {
    const max = this.deps.settings.maxExecutorRetries;
    return max >= 0 && r.executorFailures >= max;
  }

  // ---- applications ----------------------------------------------------------------------

  private async registerApplication(msg: Req<'registerApplication'>, peerId: string): Promise<MasterEventResults['registerApplication']> {
    const now = this.deps.clock.now();
    const appId = `app-${stamp(now)}-${String(this.nextAppNumber++).padStart(4, '0')}`;
    const record: ApplicationRecord = {
      appId,
      name: msg.appName,
      user: msg.user,
      driverAddress: msg.driverAddress,
      coresPerExecutor: msg.coresPerExecutor,
      memoryPerExecutorMb: msg.memoryPerExecutorMb,
      maxCores: msg.maxCores,
      transport: msg.transport,
      // Stored and shown: never a secret, whatever the driver sent.
      conf: redactConf(msg.conf),
      state: 'WAITING',
      submittedAt: now,
      endedAt: null,
      endReason: null,
      executorFailures: 0,
    };
    const app: AppEntry = { record, driverPeerId: peerId, lastContact: now, nextExecutorId: 0, workersUsed: new Set() };
    this.apps.set(appId, app);
    await this.persist(() => this.deps.store.saveApplication(record));
    this.log.info(
      { event: 'appRegistered', appId, name: msg.appName, driverAddress: msg.driverAddress, coresPerExecutor: msg.coresPerExecutor, memoryPerExecutorMb: msg.memoryPerExecutorMb, maxCores: msg.maxCores },
      `app registered: ${appId} (${msg.appName}) from driver ${msg.driverAddress}`,
    );
    const fits = [...this.workers.values()].some((w) => w.record.memoryMb >= msg.memoryPerExecutorMb && w.record.cores >= (msg.coresPerExecutor ?? 1));
    if (this.workers.size > 0 && !fits) {
      this.log.warn({ appId }, `no worker is large enough for an executor of ${msg.coresPerExecutor ?? 1} cores and ${msg.memoryPerExecutorMb} MB: ${appId} waits until one registers`);
    }
    await this.schedule();
    return { appId, masterId: this.masterId };
  }

  private async unregisterApplication(msg: Req<'unregisterApplication'>): Promise<MasterEventResults['unregisterApplication']> {
    const app = this.apps.get(msg.appId);
    if (!app || !LIVE_APP.has(app.record.state)) return { ok: false };
    await this.finishApplication(app, msg.state, 'the driver unregistered it', false);
    return { ok: true };
  }

  private async killApplication(appId: string, reason: string): Promise<MasterEventResults['killApplication']> {
    const app = this.apps.get(appId);
    if (!app) return { killed: false, message: `no application ${appId} on this master` };
    if (!LIVE_APP.has(app.record.state)) return { killed: false, message: `application ${appId} already ended (${app.record.state.toLowerCase()})` };
    await this.finishApplication(app, 'KILLED', reason, true);
    return { killed: true, message: `application ${appId} killed; its executors are being stopped` };
  }

  private async driverHeartbeat(msg: Req<'driverHeartbeat'>, peerId: string): Promise<MasterEventResults['driverHeartbeat']> {
    const app = this.apps.get(msg.appId);
    if (!app || !LIVE_APP.has(app.record.state)) return { known: false };
    app.lastContact = this.deps.clock.now();
    app.driverPeerId = peerId;
    for (const executorId of msg.executorsWorking ?? []) await this.executorWorking(app, executorId);
    return { known: true };
  }

  /**
   * The driver saw the executor finish a task: it is healthy, so the application's row of
   * executor failures is over (as an executor that runs for the healthy time ends it). A task
   * that kills every executor it lands on is bounded by the driver (an executor lost under a
   * task counts as one of its flint.task.maxFailures attempts), not by this count.
   */
  private async executorWorking(app: AppEntry, executorId: string): Promise<void> {
    const k = key(app.record.appId, executorId);
    const e = this.executors.get(k);
    if (!e || e.state !== 'RUNNING' || this.working.has(k)) return;
    this.working.add(k);
    if (app.record.executorFailures === 0) return;
    const was = app.record.executorFailures;
    app.record.executorFailures = 0;
    await this.persist(() => this.deps.store.saveApplication(app.record));
    this.log.info(
      { event: 'executorFailuresReset', appId: app.record.appId, executorId, executorFailures: was },
      `application ${app.record.appId}: executor ${executorId} finished a task; its count of executor failures in a row (${was}) starts again`,
    );
    await this.schedule();
  }

  private async peerClosed(peerId: string, lost: boolean): Promise<void> {
    for (const app of [...this.apps.values()]) {
      if (app.driverPeerId !== peerId || !LIVE_APP.has(app.record.state)) continue;
      await this.finishApplication(app, lost ? 'FAILED' : 'FINISHED', lost ? 'the driver vanished (its connection was lost)' : 'the driver disconnected', false, lost);
    }
  }

  private async markAppRunning(app: AppEntry): Promise<void> {
    if (app.record.state !== 'WAITING') return;
    app.record.state = 'RUNNING';
    await this.persist(() => this.deps.store.saveApplication(app.record));
    this.log.info({ event: 'appRunning', appId: app.record.appId }, `app running: ${app.record.appId} has executors`);
  }

  /**
   * Ends an application: kills its executors, tells the workers it ran on,
   * and — when the master decided it (`tellDriver`) — its driver.
   */
  private async finishApplication(app: AppEntry, state: 'FINISHED' | 'FAILED' | 'KILLED', reason: string, tellDriver: boolean, driverLost = false): Promise<void> {
    const now = this.deps.clock.now();
    app.record.state = state;
    app.record.endedAt = now;
    app.record.endReason = reason;
    app.driverPeerId = null;
    await this.persist(() => this.deps.store.saveApplication(app.record));
    this.log.info({ event: 'appFinished', appId: app.record.appId, state, reason }, `app ${state.toLowerCase()}: ${app.record.appId} (${reason})`);
    this.deps.applicationEnded?.({ appId: app.record.appId, state, reason, time: now, driverLost });
    const appId = app.record.appId;
    for (const e of [...this.executors.values()]) {
      if (e.appId !== appId || !LIVE_EXECUTOR.has(e.state)) continue;
      e.state = 'KILLED';
      e.endedAt = now;
      e.message = `application ${state.toLowerCase()}: ${reason}`;
      await this.persist(() => this.deps.store.saveExecutor(e));
      const w = this.workers.get(e.workerId);
      if (w && w.state !== 'DEAD') {
        this.log.info({ event: 'executorKill', appId, executorId: e.executorId, workerId: e.workerId }, `killing executor ${appId}/${e.executorId} on ${e.workerId}`);
        this.tell(`kill executor ${appId}/${e.executorId}`, () => this.deps.messenger.killExecutor(w.record.address, { appId, executorId: e.executorId, reason: e.message! }));
      }
    }
    for (const workerId of app.workersUsed) {
      const w = this.workers.get(workerId);
      if (w && w.state !== 'DEAD') this.tell(`tell ${workerId} that ${appId} finished`, () => this.deps.messenger.applicationFinished(w.record.address, { appId }));
    }
    if (tellDriver) {
      const addr = app.record.driverAddress;
      this.tell(`tell driver ${addr} that ${appId} was ${state.toLowerCase()}`, () => this.deps.messenger.applicationKilled(addr, { appId, reason }));
    }
    await this.schedule();
  }

  // ---- scheduling ------------------------------------------------------------------------

  /** Gives waiting cores to live applications, oldest first. */
  private async schedule(): Promise<void> {
    const alive = [...this.workers.values()].filter((w) => w.state === 'ALIVE');
    if (alive.length === 0) return;
    const apps = [...this.apps.values()].filter((a) => LIVE_APP.has(a.record.state)).sort((a, b) => a.record.submittedAt - b.record.submittedAt);
    for (const app of apps) {
      const r = app.record;
      if (this.retriesExhausted(r) && this.hasHealthyExecutor(r.appId)) continue;
      const live = [...this.executors.values()].filter((e) => e.appId === r.appId && LIVE_EXECUTOR.has(e.state));
      const granted = live.reduce((s, e) => s + e.cores, 0);
      const max = r.maxCores ?? this.deps.settings.defaultCores ?? Number.POSITIVE_INFINITY;
      if (max - granted < (r.coresPerExecutor ?? 1)) continue;
      const offers = alive.map((w) => {
        const used = this.usage(w.record.workerId);
        return {
          workerId: w.record.workerId,
          coresFree: w.record.cores - used.cores,
          memoryFreeMb: w.record.memoryMb - used.memoryMb,
          hostsApp: live.some((e) => e.workerId === w.record.workerId),
        };
      });
      const allocations = allocateExecutors({ coresPerExecutor: r.coresPerExecutor, memoryPerExecutorMb: r.memoryPerExecutorMb, coresWanted: max - granted, spreadOut: this.deps.settings.spreadOut }, offers);
      for (const a of allocations) await this.launchExecutor(app, this.workers.get(a.workerId)!, a.cores);
    }
  }

  private async launchExecutor(app: AppEntry, worker: WorkerEntry, cores: number): Promise<void> {
    const r = app.record;
    const e: ExecutorRecord = {
      appId: r.appId,
      executorId: String(app.nextExecutorId++),
      workerId: worker.record.workerId,
      cores,
      memoryMb: r.memoryPerExecutorMb,
      state: 'LAUNCHING',
      launchedAt: this.deps.clock.now(),
      endedAt: null,
      exitCode: null,
      message: null,
    };
    this.executors.set(key(e.appId, e.executorId), e);
    app.workersUsed.add(worker.record.workerId);
    await this.persist(() => this.deps.store.saveExecutor(e));
    this.log.info(
      { event: 'executorLaunched', appId: e.appId, executorId: e.executorId, workerId: e.workerId, cores, memoryMb: e.memoryMb },
      `executor launched: ${e.appId}/${e.executorId} on ${e.workerId} with ${cores} cores, ${e.memoryMb} MB`,
    );
    const { appId, executorId } = e;
    this.deps.messenger
      .launchExecutor(worker.record.address, { appId, executorId, cores, memoryMb: e.memoryMb, driverAddress: r.driverAddress, transport: r.transport, conf: r.conf })
      .then(
        (res) => {
          if (!res.ok) void this.post({ type: 'launchFailed', appId, executorId, reason: res.message ?? `worker ${e.workerId} refused` }).catch(() => undefined);
        },
        (err: Error) => void this.post({ type: 'launchFailed', appId, executorId, reason: `cannot reach worker ${e.workerId} at ${worker.record.address}: ${err.message}` }).catch(() => undefined),
      );
  }

  private usage(workerId: string): { cores: number; memoryMb: number } {
    let cores = 0;
    let memoryMb = 0;
    for (const e of this.executors.values()) {
      if (e.workerId === workerId && LIVE_EXECUTOR.has(e.state)) {
        cores += e.cores;
        memoryMb += e.memoryMb;
      }
    }
    return { cores, memoryMb };
  }

  // ---- timeouts and views ----------------------------------------------------------------

  private async checkTimeouts(): Promise<void> {
    const now = this.deps.clock.now();
    const { workerTimeoutMs, driverTimeoutMs } = this.deps.settings;
    for (const w of [...this.workers.values()]) {
      if ((w.state === 'ALIVE' || w.state === 'UNKNOWN') && now - w.lastSeen > workerTimeoutMs) {
        await this.workerLost(w, `no heartbeat for ${now - w.lastSeen} ms (flint.worker.timeout = ${workerTimeoutMs} ms)`);
      }
    }
    for (const app of [...this.apps.values()]) {
      if (LIVE_APP.has(app.record.state) && now - app.lastContact > driverTimeoutMs) {
        await this.finishApplication(app, 'FAILED', `no heartbeat from the driver for ${now - app.lastContact} ms (flint.driver.timeout = ${driverTimeoutMs} ms)`, true, true);
      }
    }
  }

  private clusterState(): ClusterState {
    const liveCores = (appId: string) => [...this.executors.values()].filter((e) => e.appId === appId && LIVE_EXECUTOR.has(e.state)).reduce((s, e) => s + e.cores, 0);
    return {
      masterId: this.masterId,
      workers: [...this.workers.values()].map((w) => {
        const used = this.usage(w.record.workerId);
        return {
          workerId: w.record.workerId,
          host: w.record.host,
          address: w.record.address,
          cores: w.record.cores,
          coresUsed: used.cores,
          memoryMb: w.record.memoryMb,
          memoryUsedMb: used.memoryMb,
          state: w.state,
          lastHeartbeat: w.record.lastHeartbeat,
          webPort: w.record.webPort,
        };
      }),
      applications: [...this.apps.values()].map((a) => ({
        appId: a.record.appId,
        name: a.record.name,
        state: a.record.state,
        cores: liveCores(a.record.appId),
        startTime: a.record.submittedAt,
        endTime: a.record.endedAt,
        user: a.record.user,
        driverAddress: a.record.driverAddress,
        endReason: a.record.endReason,
      })),
      executors: [...this.executors.values()].map((e) => ({
        appId: e.appId,
        executorId: e.executorId,
        workerId: e.workerId,
        cores: e.cores,
        state: e.state,
        memoryMb: e.memoryMb,
        exitCode: e.exitCode,
        message: e.message,
      })),
    };
  }

  // ---- helpers ---------------------------------------------------------------------------

  /** A store failure is logged, not thrown: the live state in memory stays authoritative. */
  private async persist(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.log.error({ event: 'storeError', err: (err as Error).message }, `cannot save cluster state to ${this.deps.store.description}: ${(err as Error).message}`);
    }
  }

  /** Fire-and-forget message to another process; failures are logged (the peer may be gone). */
  private tell(what: string, send: () => Promise<unknown>): void {
    send().catch((err: Error) => this.log.debug({ err: err.message }, `could not ${what}: ${err.message}`));
  }
}

function key(appId: string, executorId: string): string {
  return `${appId}\u0000${executorId}`;
}

/** yyyyMMddHHmmss in UTC, as in Spark's application ids. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
