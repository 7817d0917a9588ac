import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type Transport, type TransportServer, formatTransportAddress } from '@flint/core/transport';
import { type MasterProtocol } from '@flint/core/protocol';
import { type ClusterMessenger, TransportClusterMessenger } from './cluster-messenger.ts';
import { loadNamedTransport, transportLogger } from '@flint/daemon';
import { type DaemonLogger as Logger, createLogger } from '@flint/daemon';
import { masterHandler } from './master-handler.ts';
import { DaemonError } from '@flint/daemon';
import { MasterEventLoop } from './master-event-loop.ts';
import { type CompiledMasterOptions, type MasterOptions, compileMasterOptions, defaultEventsDb } from './master-options.ts';
import { EventStore, EventStoreReadThread } from '@flint/event-store';
import { cancelJobOnDriver, readExecutorLog } from './api/executor-logs.ts';
import { type MasterApi, startMasterApi } from './api/master-api.ts';
import type { MasterStore } from './store/master-store.ts';
import { DEFAULT_MASTER_DB, PrismaMasterStore } from './store/prisma-master-store.ts';

export type MasterState = 'running' | 'stopping' | 'stopped';
type ClusterState = MasterProtocol['clusterState']['response'];

/**
 * The master daemon: binds the cluster transport, recovers the state its
 * store kept, hands every inbound message to its `MasterEventLoop`, checks
 * timeouts on a timer, and serves the UI/API port (`/api/trpc`, `/metrics`, the UI).
 *
 * Owns the transport (server and client connections), the store, the event
 * loop, the timer and the UI/API server; `stop()` releases all of them and is
 * idempotent. Runs on the Node event loop; every state change goes through
 * the event loop's queue.
 */
export class Master {
  private _state: MasterState = 'running';
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly options: CompiledMasterOptions,
    readonly masterId: string,
    private readonly log: Logger,
    private readonly store: MasterStore,
    private readonly loop: MasterEventLoop,
    private readonly transport: Transport,
    private readonly server: TransportServer,
    private readonly messenger: ClusterMessenger,
    private readonly status: MasterApi | null,
    private readonly timer: NodeJS.Timeout,
    /** Every application's listener events (the API reads it). */
    readonly eventStore: EventStore,
    /** The API's reads of the event store, on their own thread; null without the API. */
    private readonly eventReads: EventStoreReadThread | null,
  ) {}

  static async create(opts: MasterOptions = {}): Promise<Master> {
    const options = compileMasterOptions(opts);
    const log = options.logger ?? createLogger('flint-master', options.logLevel);
    const masterId = `master-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    const cleanup: Array<() => Promise<unknown>> = [];
    try {
      const store = options.store ?? (await PrismaMasterStore.open(path.resolve(options.dbPath ?? DEFAULT_MASTER_DB)));
      cleanup.unshift(() => store.close());
      // Reads run on their own thread and connection: a stage summary over 100,000 rows takes
      // that thread's time, never this loop's (heartbeats, scheduling, event batches). A batch
      // that ends a stage has its summary computed there at once, so the first page reads it.
      let reads: EventStoreReadThread | null = null;
      const eventStore = await EventStore.open(options.eventsDbPath ?? defaultEventsDb(path.resolve(options.dbPath ?? DEFAULT_MASTER_DB)), {
        onStageEnded: (appId, stageId, attempt) => reads?.precomputeStage(appId, stageId, attempt),
      });
      cleanup.unshift(() => eventStore.close());
      const readThread = options.uiPort === null ? null : await EventStoreReadThread.open(eventStore.dbPath);
      if (readThread) cleanup.unshift(() => readThread.close());
      reads = readThread;
      const transport = await loadNamedTransport(options.transport, { secret: options.secret, logger: transportLogger(log) });
      cleanup.unshift(() => transport.close());
      const messenger = new TransportClusterMessenger(transport, log);
      cleanup.unshift(() => messenger.close());
      const loop = new MasterEventLoop({
        masterId,
        store,
        messenger,
        clock: options.clock,
        log,
        applicationEnded: (e) => {
          try {
            const { droppedEvents } = e.driverLost ? eventStore.markApplicationLost(e.appId, e.reason, e.time) : eventStore.finishApplication(e.appId, e.state, e.time, e.reason);
            if (droppedEvents > 0) log.warn({ event: 'eventsDropped', appId: e.appId, droppedEvents }, `${droppedEvents} events of ${e.appId} never reached the master (the driver numbered more than it stored)`);
          } catch (err) {
            log.error({ event: 'eventStoreError', appId: e.appId, err: (err as Error).message }, `cannot record the end of ${e.appId} in ${eventStore.dbPath}: ${(err as Error).message}`);
          }
        },
        settings: {
          workerTimeoutMs: options.workerTimeoutMs,
          driverTimeoutMs: options.driverTimeoutMs,
          heartbeatIntervalMs: options.heartbeatIntervalMs,
          spreadOut: options.spreadOut,
          defaultCores: options.defaultCores,
          maxExecutorRetries: options.maxExecutorRetries,
        },
      });
      const recovered = loop.recover(await store.load());
      log.info(
        { event: 'started', masterId, store: store.description, transport: options.transport, workerTimeoutMs: options.workerTimeoutMs, recovered },
        `master ${masterId} started with ${store.description}, events in ${eventStore.dbPath}; recovered ${recovered.workers} workers, ${recovered.applications} applications, ${recovered.executors} executors`,
      );
      const server = await transport.listen(masterHandler(loop, log, eventStore), { host: options.host, port: options.port }).catch((err: Error) => {
        throw new DaemonError('CONFIG', `cannot listen on ${options.host}:${options.port}: ${err.message}. Choose another --port (0 for any free port) or --host`, { cause: err });
      });
      cleanup.unshift(() => server.close());
      server.on('peerClosed', (peer, reason) => {
        void loop.post({ type: 'peerClosed', peerId: peer.id, lost: reason?.code === 'PEER_LOST' }).catch(() => undefined);
      });
      const address = formatTransportAddress(server.address);
      log.info({ event: 'listening', address, url: `flint://${address}`, transport: options.transport }, `master listening on flint://${address} (${options.transport})`);
      const status =
        options.uiPort === null
          ? null
          : await startMasterApi({
              host: options.uiHost,
              port: options.uiPort,
              secret: options.secret ?? null,
              masterId,
              startedAt: Date.now(),
              clusterState: () => loop.post({ type: 'clusterState' }),
              events: () => readThread,
              killApp: (appId, reason) => loop.post({ type: 'killApplication', appId, reason }),
              readLog: (q) => readExecutorLog(() => loop.post({ type: 'clusterState' }), messenger, q),
              cancelJob: (appId, jobId) => cancelJobOnDriver(() => loop.post({ type: 'clusterState' }), messenger, appId, jobId),
              ui: options.ui,
              isPublicUiPath: options.isPublicUiPath,
            }).catch((err: Error) => {
              throw new DaemonError('CONFIG', err.message, { cause: err });
            });
      if (status) {
        cleanup.unshift(() => status.close());
        log.info({ event: 'uiListening', address: `${status.host}:${status.port}`, url: status.url }, `UI and API on ${status.url}`);
      }
      const every = Math.min(15_000, Math.max(25, Math.floor(Math.min(options.workerTimeoutMs, options.driverTimeoutMs) / 4)));
      const timer = setInterval(() => void loop.post({ type: 'checkTimeouts' }).catch(() => undefined), every);
      return new Master(options, masterId, log, store, loop, transport, server, messenger, status, timer, eventStore, readThread);
    } catch (err) {
      for (const undo of cleanup) await undo().catch(() => undefined);
      log.error({ event: 'startFailed', err: (err as Error).message }, `master failed to start: ${(err as Error).message}`);
      throw err;
    }
  }

  get state(): MasterState {
    return this._state;
  }

  /** host:port of the cluster transport. */
  get address(): string {
    return formatTransportAddress(this.server.address);
  }

  /** What drivers and workers are given: `flint://host:port`. */
  get url(): string {
    return `flint://${this.address}`;
  }

  /** Port of the UI/API server, or null when none is served. */
  get uiPort(): number | null {
    return this.status?.port ?? null;
  }

  /** `http://host:port` of the UI/API server, or null when none is served. */
  get uiUrl(): string | null {
    return this.status?.url ?? null;
  }

  clusterState(): Promise<ClusterState> {
    return this.loop.post({ type: 'clusterState' });
  }

  /** Runs the timeout check now instead of at the next tick. */
  checkTimeouts(): Promise<void> {
    return this.loop.post({ type: 'checkTimeouts' });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this._state = 'stopping';
      clearInterval(this.timer);
      await this.status?.close().catch(() => undefined);
      // The loop stops first: connections closing because the master goes away must not end applications.
      await this.loop.stop();
      await this.server.close().catch(() => undefined);
      await this.messenger.close().catch(() => undefined);
      await this.transport.close().catch(() => undefined);
      await this.store.close().catch(() => undefined);
      await this.eventReads?.close().catch(() => undefined);
      await this.eventStore.close().catch(() => undefined);
      this._state = 'stopped';
      this.log.info({ event: 'stopped', masterId: this.masterId }, `master ${this.masterId} stopped`);
    })();
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** Starts a master; the same as `Master.create`. */
export function startMaster(opts: MasterOptions = {}): Promise<Master> {
  return Master.create(opts);
}
