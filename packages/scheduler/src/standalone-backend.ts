/**
 * The standalone backend: the driver side of a Flint cluster. Registers the
 * application with the master, serves its executors (registration, status
 * updates, broadcasts), offers their free slots to the TaskScheduler, sends
 * tasks straight to executors and reacts to executor loss (connection closed,
 * or the master says so). Owns the driver's transport server, its connections
 * and the per-executor slot state; never decides what runs where. Runs on the
 * driver's event loop.
 */
import os from 'node:os';
import {
  type MapStatus,
  processWarningLogger,
  type Logger,
  FlintError,
  FlintErrorCode,
  type FlintSettings,
  type SchedulerBackend,
  type SchedulerBackendContext,
  type TaskOutcome,
  type TaskSchedulerPort,
  type WorkerOffer,
} from '@flint/core';
import {
  MessageClient,
  messageHandler,
  loadTransport,
  type Transport,
  type TransportConnection,
  type TransportServer,
} from '@flint/core/transport';
import {
  type DriverProtocol,
  type ExecutorProtocol,
  type MasterProtocol,
  DriverMessages,
} from '@flint/core/protocol';
import { deserialize, packEvents, redactConf, serialize } from '@flint/core/internal';
import { EventShipper, eventShipperSettings } from './event-shipper.ts';

interface ExecutorEntry {
  executorId: string;
  host: string;
  address: string;
  cores: number;
  peerId: string;
  client: MessageClient<ExecutorProtocol> | null;
  connecting: Promise<MessageClient<ExecutorProtocol>> | null;
  free: Set<number>;
  plans: Set<string>;
  running: Map<number, number>;
}

/**
 * How long a disconnected executor waits for the master's word on how it ended before its loss is
 * reported without it: the worker sees the exit and the master forwards it within milliseconds.
 */
const EXIT_REASON_GRACE_MS = 1000;

/** Parses `flint://host:port` (also `spark://`); null for other URLs. */
export function parseStandaloneMaster(master: string): { host: string; port: number } | null {
  const m = /^(?:flint|spark):\/\/([^:/\s]+):(\d+)\/?$/.exec(master.trim());
  return m ? { host: m[1]!, port: Number(m[2]) } : null;
}

export class StandaloneBackend implements SchedulerBackend {
  readonly registersApplication = true;
  private transport!: Transport;
  private server!: TransportServer;
  private master!: MessageClient<MasterProtocol>;
  private scheduler!: TaskSchedulerPort;
  private logger: Logger = processWarningLogger;
  private appId = '';
  private readonly executors = new Map<string, ExecutorEntry>();
  private readonly lost = new Set<string>();
  private heartbeat: NodeJS.Timeout | null = null;
  private masterConn!: TransportConnection;
  private beating = false;
  /** Executors seen finishing a task (each is told to the master once, by a heartbeat sent then). */
  private readonly workingReported = new Set<string>();
  private readonly workingUnreported = new Set<string>();
  private warnedUnknown = false;
  private reviving = false;
  private stopped = false;
  private shipper: EventShipper | null = null;
  private reconnecting: Promise<void> | null = null;
  private flushTimeoutMs = 10_000;
  private telemetry: SchedulerBackendContext['telemetry'] = undefined;

  constructor(readonly masterUrl: string, private readonly settings: FlintSettings) {}

  /** The application id the master assigned. */
  get applicationId(): string {
    return this.appId;
  }

  async start(scheduler: TaskSchedulerPort, ctx: SchedulerBackendContext): Promise<void> {
    this.scheduler = scheduler;
    this.logger = ctx.logger ?? processWarningLogger;
    const target = parseStandaloneMaster(this.masterUrl)!;
    const transportName = this.settings.transport;
    const secret = this.settings.secret;
    this.transport = await loadTransport(transportName, secret ? { secret } : {});
    const host = this.settings.driverHost;
    this.server = await this.transport.listen(
      messageHandler<DriverProtocol>({
        requests: {
          registerExecutor: (m, peer) => {
            if (this.stopped) return { ok: false, message: 'driver is stopping' };
            if (this.lost.has(m.executorId)) return { ok: false, message: `executor ${m.executorId} was already declared lost` };
            const e: ExecutorEntry = {
              executorId: m.executorId,
              host: m.host,
              address: m.address,
              cores: m.cores,
              peerId: peer.id,
              client: null,
              connecting: null,
              free: new Set(Array.from({ length: m.cores }, (_, i) => i)),
              plans: new Set(),
              running: new Map(),
            };
            this.executors.set(m.executorId, e);
            this.scheduler.executorAdded({ executorId: m.executorId, host: m.host, cores: m.cores, address: m.address, logUrls: {}, pid: m.pid, workerId: m.workerId });
            return { ok: true, message: null };
          },
          fetchBroadcast: (m) => ctx.broadcasts.broadcastBytes(m.id),
          executorHeartbeat: (m) => ({ known: this.executors.has(m.executorId) }),
          cancelJob: (m) => {
            if (m.appId !== this.appId) return { cancelled: false, message: `this driver runs ${this.appId}, not ${m.appId}` };
            if (!ctx.cancelJob) return { cancelled: false, message: 'this driver cannot cancel jobs' };
            return ctx.cancelJob(m.jobId, m.reason);
          },
        },
        messages: {
          statusUpdate: (m) => this.onStatusUpdate(m.executorId, m.taskId, deserialize<TaskOutcome>(m.outcome)),
          executorRemoved: (m) => this.removeExecutor(m.executorId, `${m.reason}${m.exitCode !== null ? ` (exit code ${m.exitCode})` : ''}`),
          applicationKilled: (m) => {
            this.logger.warn(`the master killed application ${m.appId}: ${m.reason}`);
            for (const id of [...this.executors.keys()]) this.removeExecutor(id, `application killed: ${m.reason}`);
            this.scheduler.applicationKilled(m.reason);
          },
        },
      }, { schemas: DriverMessages }),
      { host, port: this.settings.driverPort },
    );
    this.server.on('peerClosed', (peer) => {
      for (const e of this.executors.values()) {
        if (e.peerId === peer.id) this.executorDisconnected(e);
      }
    });
    const driverAddress = `${this.server.address.host}:${this.server.address.port}`;
    let conn;
    try {
      conn = await this.transport.connect(`${target.host}:${target.port}`);
    } catch (e) {
      await this.transport.close();
      throw new FlintError(FlintErrorCode.CONFIG, `cannot reach the master at ${this.masterUrl}: ${(e as Error).message}. Is \`flint master\` running there, with the same transport (${transportName})?`, { cause: e });
    }
    this.master = new MessageClient<MasterProtocol>(conn);
    const reg = await this.master.request('registerApplication', {
      appName: ctx.appName,
      user: os.userInfo().username,
      driverAddress,
      coresPerExecutor: this.settings.executorCores,
      memoryPerExecutorMb: Math.round(this.settings.executorMemory / 1024 / 1024),
      maxCores: this.settings.maxCores,
      transport: transportName,
      // The master stores and shows the conf, and hands it to executors: no secret leaves the driver.
      conf: redactConf(ctx.conf),
    });
    this.appId = reg.appId;
    this.masterConn = conn;
    const shipping = eventShipperSettings(this.settings);
    if (shipping.enabled && ctx.addListener) {
      this.flushTimeoutMs = shipping.flushTimeoutMs;
      this.telemetry = ctx.telemetry;
      const appId = reg.appId;
      this.shipper = new EventShipper({
        appId,
        maxBatchEvents: shipping.maxBatchEvents,
        maxInFlight: shipping.maxInFlight,
        lingerMs: shipping.lingerMs,
        send: async (batch) => {
          if (this.masterConn.state !== 'open') await this.reconnectMaster(3000);
          // Task events travel packed (positional arrays, no key names): fewer bytes to encode, send and decode.
          return this.master.request('appEvents', { appId: batch.appId, firstSeq: batch.firstSeq, events: packEvents(batch.events) }, { timeoutMs: 30_000 });
        },
        warn: (m) => this.logger.warn(m),
        onShipped: (n) => this.telemetry?.eventsShipped(n),
      });
      // Subscribed before the context posts applicationStart, so the first event shipped is number 1.
      ctx.addListener(this.shipper.listener);
    }
    ctx.registered?.(reg.appId);
    const hbMs = this.settings.driverHeartbeatIntervalMs;
    this.heartbeat = setInterval(() => void this.beat(hbMs), hbMs);
    this.heartbeat.unref();
    await this.waitForExecutors();
  }

  /**
   * Heartbeats the master; when the connection to it is gone (a master restart), reconnects and
   * goes on with the same application id (the heartbeat re-attaches the application).
   */
  private async beat(hbMs: number): Promise<void> {
    if (this.stopped || this.beating) return;
    this.beating = true;
    try {
      if (this.masterConn.state !== 'open') await this.reconnectMaster(hbMs * 3);
      const working = [...this.workingUnreported];
      const r = await this.master.request(
        'driverHeartbeat',
        { appId: this.appId, ...(this.shipper ? { eventsPosted: this.shipper.posted } : {}), ...(working.length > 0 ? { executorsWorking: working } : {}) },
        { timeoutMs: hbMs * 5 },
      );
      for (const id of working) this.workingUnreported.delete(id);
      if (!r.known && !this.warnedUnknown) {
        this.warnedUnknown = true;
        this.logger.warn(`the master at ${this.masterUrl} no longer knows application ${this.appId}`);
      }
    } catch {
      /* master unreachable: try again at the next beat */
    } finally {
      this.beating = false;
    }
  }

  /** One new connection to the master at a time, shared by the heartbeat and the event shipper. */
  private reconnectMaster(timeoutMs: number): Promise<void> {
    this.reconnecting ??= (async () => {
      try {
        if (this.masterConn.state === 'open') return;
        const target = parseStandaloneMaster(this.masterUrl)!;
        this.masterConn = await this.transport.connect(`${target.host}:${target.port}`, { timeoutMs });
        this.master = new MessageClient<MasterProtocol>(this.masterConn);
      } finally {
        this.reconnecting = null;
      }
    })();
    return this.reconnecting;
  }

  /** Waits until the executors the master launched for us have registered (at least one). */
  private async waitForExecutors(): Promise<void> {
    const maxWait = this.settings.maxRegisteredResourcesWaitingTimeMs;
    const deadline = Date.now() + maxWait;
    while (Date.now() < deadline && !this.stopped) {
      if (this.executors.size > 0) {
        const st = await this.master.request('clusterState', {}).catch(() => null);
        const mine = st?.executors.filter((e) => e.appId === this.appId && (e.state === 'LAUNCHING' || e.state === 'RUNNING')) ?? [];
        if (mine.every((e) => this.executors.has(e.executorId))) return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (this.executors.size === 0) {
      throw new FlintError(FlintErrorCode.CONFIG, `no executor registered within ${maxWait} ms: does the cluster at ${this.masterUrl} have alive workers with free cores?`);
    }
  }

  private onStatusUpdate(executorId: string, taskId: number, outcome: TaskOutcome): void {
    if (outcome.status === 'success' && !this.workingReported.has(executorId)) {
      this.workingReported.add(executorId);
      this.workingUnreported.add(executorId);
      // Told at once, not at the next beat: the master starts its count of failed executors
      // again only for an executor still running when it hears.
      if (this.heartbeat) void this.beat(this.settings.driverHeartbeatIntervalMs);
    }
    const e = this.executors.get(executorId);
    if (e) {
      const slot = e.running.get(taskId);
      if (slot !== undefined) {
        e.running.delete(taskId);
        e.free.add(slot);
      }
    }
    if (outcome.status === 'success' && outcome.resultRef) {
      // Checked on the announced size, before any byte is fetched: the scheduler fails the job with
      // flint.driver.maxResultSize named, and the driver never holds the result.
      if (outcome.resultRef.size > this.maxResultSize()) {
        if (e) void this.client(e).then((c) => c.send('dropResult', { taskId })).catch(() => undefined);
        this.scheduler.statusUpdate(taskId, { ...outcome, value: null });
        this.reviveOffers();
        return;
      }
      void this.pullResult(taskId, outcome);
      return;
    }
    this.scheduler.statusUpdate(taskId, outcome);
    this.reviveOffers();
  }

  private maxResultSize(): number {
    return this.settings.maxResultSize;
  }

  private async pullResult(taskId: number, outcome: Extract<TaskOutcome, { status: 'success' }>): Promise<void> {
    const ref = outcome.resultRef!;
    try {
      const conn = await this.transport.connect(ref.address);
      const buf = Buffer.allocUnsafe(ref.size);
      let pos = 0;
      for await (const chunk of new MessageClient<ExecutorProtocol>(conn).stream('fetchResult', { taskId })) {
        buf.set(chunk, pos);
        pos += chunk.length;
      }
      if (pos !== ref.size) throw new Error(`short result: ${pos} of ${ref.size} bytes`);
      this.scheduler.statusUpdate(taskId, { ...outcome, value: buf, resultRef: null });
    } catch (err) {
      this.scheduler.statusUpdate(taskId, { status: 'failed', reason: { kind: 'resultLost', message: `cannot fetch the result of task ${taskId}: ${(err as Error).message}` }, metrics: outcome.metrics });
    }
    this.reviveOffers();
  }

  /**
   * An executor's connection closed. Usually its process ended, and the master says how (exit
   * code, signal) moments later, as its worker saw the exit: that reason is what the tasks lost
   * there report (a task that kills every executor it runs on fails naming those exits). Nothing
   * more is launched there meanwhile; after the grace the loss is reported as a disconnection.
   */
  private executorDisconnected(e: ExecutorEntry): void {
    e.free.clear();
    setTimeout(() => this.removeExecutor(e.executorId, 'executor disconnected'), EXIT_REASON_GRACE_MS).unref();
  }

  private removeExecutor(executorId: string, reason: string): void {
    const e = this.executors.get(executorId);
    if (!e) return;
    this.executors.delete(executorId);
    this.lost.add(executorId);
    this.scheduler.executorLost(executorId, reason);
  }

  private client(e: ExecutorEntry): Promise<MessageClient<ExecutorProtocol>> {
    if (e.client) return Promise.resolve(e.client);
    e.connecting ??= this.transport.connect(e.address).then((c) => {
      c.on('close', () => {
        e.client = null;
        e.connecting = null;
      });
      e.client = new MessageClient<ExecutorProtocol>(c);
      return e.client;
    });
    return e.connecting;
  }

  reviveOffers(): void {
    if (this.reviving || this.stopped) return;
    this.reviving = true;
    try {
      for (;;) {
        const offers: WorkerOffer[] = [];
        for (const e of this.executors.values()) for (const slot of e.free) offers.push({ executorId: e.executorId, host: e.host, slot });
        if (offers.length === 0) return;
        const launches = this.scheduler.resourceOffers(offers);
        if (launches.length === 0) return;
        for (const l of launches) {
          const e = this.executors.get(l.offer.executorId)!;
          e.free.delete(l.offer.slot);
          e.running.set(l.task.taskId, l.offer.slot);
          const plan = e.plans.has(l.task.planId) ? null : l.plan();
          e.plans.add(l.task.planId);
          const task = serialize(l.task);
          this.client(e)
            .then((c) => c.send('launchTask', { slot: l.offer.slot, task, plan }))
            .catch((err: Error) => {
              e.plans.delete(l.task.planId);
              this.removeExecutor(e.executorId, `cannot send tasks to executor ${e.executorId} at ${e.address}: ${err.message}`);
            });
        }
      }
    } finally {
      this.reviving = false;
    }
  }

  killTask(taskId: number, executorId: string, reason: string): void {
    const e = this.executors.get(executorId);
    if (!e) return;
    void this.client(e).then((c) => c.send('killTask', { taskId, reason })).catch(() => undefined);
  }

  defaultParallelism(): number {
    let cores = 0;
    for (const e of this.executors.values()) cores += e.cores;
    return Math.max(2, cores);
  }

  removeRdd(rddId: number): void {
    for (const e of this.executors.values()) void this.client(e).then((c) => c.send('removeRdd', { rddId })).catch(() => undefined);
  }

  removeBroadcast(id: number): void {
    for (const e of this.executors.values()) void this.client(e).then((c) => c.send('removeBroadcast', { id })).catch(() => undefined);
  }

  removeShuffle(shuffleId: number, outputs: MapStatus[]): void {
    const byExecutor = new Map<string, string[]>();
    for (const o of outputs) {
      const paths = byExecutor.get(o.executorId) ?? [];
      paths.push(o.path);
      byExecutor.set(o.executorId, paths);
    }
    for (const [id, paths] of byExecutor) {
      const e = this.executors.get(id);
      if (e) void this.client(e).then((c) => c.send('removeShuffle', { shuffleId, paths })).catch(() => undefined);
    }
  }

  /**
   * Delivers the events still held (bounded by flint.eventLog.flushTimeout); warns with the count
   * that could not be delivered. The context posts applicationEnd before it stops the backend.
   */
  private async flushEvents(): Promise<void> {
    const shipper = this.shipper;
    if (!shipper) return;
    const undelivered = await shipper.flush(this.flushTimeoutMs);
    shipper.close();
    if (undelivered > 0) {
      this.telemetry?.eventsDropped(undelivered);
      this.logger.warn(
        `${undelivered} of ${shipper.posted} events of application ${this.appId} could not be delivered to the master at ${this.masterUrl} within ${this.flushTimeoutMs} ms (stored through event ${shipper.storedThrough}); its stored history is incomplete (raise flint.eventLog.flushTimeout if the master is slow)`,
      );
    }
  }

  /** Events numbered, and acknowledged as stored by the master (0 and 0 when shipping is off). */
  get eventCounts(): { posted: number; storedThrough: number } {
    return { posted: this.shipper?.posted ?? 0, storedThrough: this.shipper?.storedThrough ?? 0 };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.flushEvents();
    await Promise.all(
      [...this.executors.values()].map((e) =>
        this.client(e)
          .then((c) => c.send('stopExecutor', { reason: 'the driver stopped' }))
          .catch(() => undefined),
      ),
    );
    if (this.appId) await this.master?.request('unregisterApplication', { appId: this.appId, state: 'FINISHED' }, { timeoutMs: 5000 }).catch(() => undefined);
    await this.server?.close().catch(() => undefined);
    await this.transport?.close().catch(() => undefined);
  }
}
