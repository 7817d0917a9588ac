import { type Transport, type TransportConnection, MessageClient } from '@flint/core/transport';
import { type MasterProtocol } from '@flint/core/protocol';
import type { DaemonLogger as Logger } from '@flint/daemon';

type Registration = MasterProtocol['registerWorker']['request'];
type StateChange = MasterProtocol['executorStateChanged']['request'];

export interface MasterLinkOptions {
  masterAddress: string;
  retryMinMs: number;
  retryMaxMs: number;
  /** Heartbeats that fail in a row before the connection is dropped and made again. */
  maxHeartbeatFailures?: number;
}

export type MasterLinkState = 'connecting' | 'registered' | 'stopped';

/**
 * The worker's side of its relationship with the master: connects (retrying
 * with exponential backoff while the master is unreachable), registers,
 * heartbeats at the interval the master asks for, and registers again when
 * the master says it does not know the worker (it restarted) or when the
 * connection drops. Executor state changes are sent while registered and
 * queued otherwise, then sent after the next registration. Owns its
 * connection; the registration payload comes fresh from the worker each time.
 */
export class MasterLink {
  private _state: MasterLinkState = 'connecting';
  private conn: TransportConnection | null = null;
  private client: MessageClient<MasterProtocol> | null = null;
  private readonly pending: StateChange[] = [];
  private readonly stopSignal = new AbortController();
  private running: Promise<void> | null = null;
  private registrations = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly transport: Transport,
    private readonly registration: () => Registration,
    private readonly log: Logger,
    private readonly options: MasterLinkOptions,
  ) {}

  get state(): MasterLinkState {
    return this._state;
  }

  /** How many times the worker has registered (first time included). */
  get registrationCount(): number {
    return this.registrations;
  }

  private isStopped(): boolean {
    return this._state === 'stopped';
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Resolves at the next successful registration (now, if registered). */
  registered(): Promise<void> {
    if (this._state === 'registered') return Promise.resolve();
    return new Promise((r) => this.waiters.add(r));
  }

  /** Sends an executor state change now if registered, else after the next registration. */
  report(change: StateChange): void {
    if (this._state === 'stopped') return;
    const client = this.client;
    if (this._state !== 'registered' || !client) {
      this.pending.push(change);
      return;
    }
    client.request('executorStateChanged', change, { timeoutMs: 10_000 }).catch((err: Error) => {
      this.log.debug({ err: err.message }, `could not report executor ${change.appId}/${change.executorId} ${change.state}; will resend after registering again`);
      this.pending.push(change);
    });
  }

  async stop(): Promise<void> {
    if (this._state === 'stopped') return;
    this._state = 'stopped';
    this.stopSignal.abort();
    await this.conn?.close().catch(() => undefined);
    await this.running;
  }

  private async run(): Promise<void> {
    const { masterAddress, retryMinMs, retryMaxMs } = this.options;
    let delay = retryMinMs;
    let failures = 0;
    while (this._state !== 'stopped') {
      let conn: TransportConnection;
      try {
        conn = await this.transport.connect(masterAddress, { signal: this.stopSignal.signal });
      } catch (err) {
        if (this.isStopped()) return;
        if (failures++ % 10 === 0) {
          this.log.warn({ event: 'masterUnreachable', master: masterAddress, err: (err as Error).message, retryInMs: delay }, `cannot reach the master at ${masterAddress} (${(err as Error).message}); retrying`);
        }
        await this.sleep(delay);
        delay = Math.min(delay * 2, retryMaxMs);
        continue;
      }
      this.conn = conn;
      const closed = new Promise<void>((r) => conn.on('close', () => r()));
      this.client = new MessageClient<MasterProtocol>(conn);
      try {
        const interval = await this.register();
        failures = 0;
        delay = retryMinMs;
        await this.heartbeat(interval, closed);
      } catch (err) {
        if (this.isStopped()) return;
        this.log.warn({ err: (err as Error).message }, `registration with the master at ${masterAddress} failed: ${(err as Error).message}; retrying`);
        await this.sleep(delay);
        delay = Math.min(delay * 2, retryMaxMs);
      } finally {
        this.client = null;
        this.conn = null;
        if (!this.isStopped()) this._state = 'connecting';
        await conn.close().catch(() => undefined);
      }
    }
  }

  /** Registers over the current connection; returns the heartbeat interval the master wants. */
  private async register(): Promise<number> {
    const client = this.client!;
    const msg = this.registration();
    const reply = await client.request('registerWorker', msg, { timeoutMs: 10_000 });
    if (!reply.ok) throw new Error(`the master refused the registration: ${reply.message ?? 'no reason given'}`);
    this.registrations++;
    this._state = 'registered';
    this.log.info(
      { event: 'registered', master: this.options.masterAddress, masterId: reply.masterId, heartbeatIntervalMs: reply.heartbeatIntervalMs, executors: msg.executors.length },
      `registered with master ${reply.masterId} at ${this.options.masterAddress}${this.registrations > 1 ? ' (again)' : ''}`,
    );
    for (const w of [...this.waiters]) w();
    this.waiters.clear();
    for (const change of this.pending.splice(0)) this.report(change);
    return reply.heartbeatIntervalMs;
  }

  /** Heartbeats until the connection closes, fails too often, or the link stops. */
  private async heartbeat(initialInterval: number, closed: Promise<void>): Promise<void> {
    let interval = initialInterval;
    let failures = 0;
    const max = this.options.maxHeartbeatFailures ?? 3;
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    while (this._state === 'registered') {
      await Promise.race([this.sleep(interval), closed]);
      if (isClosed || this._state !== 'registered') {
        if (this._state === 'registered') this.log.warn({ event: 'masterDisconnected', master: this.options.masterAddress }, `lost the connection to the master at ${this.options.masterAddress}; reconnecting`);
        return;
      }
      const workerId = this.registration().workerId;
      try {
        const r = await this.client!.request('workerHeartbeat', { workerId, time: Date.now() }, { timeoutMs: Math.max(1_000, interval * 2) });
        failures = 0;
        if (r.reregister) {
          this.log.info({ event: 'reregistering', master: this.options.masterAddress }, 'the master does not know this worker (it restarted or declared it dead); registering again');
          this._state = 'connecting';
          interval = await this.register();
        }
      } catch (err) {
        if (this._state !== 'registered' && this._state !== 'connecting') return;
        if (++failures >= max || isClosed) {
          this.log.warn({ event: 'masterDisconnected', err: (err as Error).message }, `${failures} heartbeats to the master failed (${(err as Error).message}); reconnecting`);
          return;
        }
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopSignal.signal.aborted) return resolve();
      const t = setTimeout(() => {
        this.stopSignal.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        resolve();
      };
      this.stopSignal.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
