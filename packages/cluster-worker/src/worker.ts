import fs from 'node:fs';
import path from 'node:path';
import {
  type Transport,
  type TransportServer,
  formatTransportAddress,
  messageHandler,
} from '@flint/core/transport';
import { type MasterProtocol, type WorkerProtocol, WorkerMessages } from '@flint/core/protocol';
import { readLogSlice } from './executor-log.ts';
import { type ExecutorChange, ExecutorRunner } from './executor-runner.ts';
import { loadNamedTransport, transportLogger } from '@flint/daemon';
import { type DaemonLogger as Logger, createLogger } from '@flint/daemon';
import { MasterLink } from './master-link.ts';
import { reapOrphanExecutor } from './orphan-reaper.ts';
import { PrismaWorkerStore, defaultWorkerDb } from './store/prisma-worker-store.ts';
import type { ExecutorRunRecord, WorkerStore } from './store/worker-store.ts';
import { DaemonError } from '@flint/daemon';
import { createWorkerMetrics, startWorkerWeb } from './worker-web.ts';
import { type CompiledWorkerOptions, type WorkerOptions, compileWorkerOptions } from './worker-options.ts';

export type WorkerState = 'running' | 'stopping' | 'stopped';

type Launch = WorkerProtocol['launchExecutor'];

/** Ids become directory names: nothing that could climb out of the work dir. */
const SAFE_ID = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,128}$/;

/**
 * The worker daemon: serves `WorkerProtocol` for the master (launch and kill
 * executors, clean up finished applications), keeps its registration with
 * the master alive through a `MasterLink`, runs each executor as a child
 * process through an `ExecutorRunner`, and records every executor in its
 * `WorkerStore`.
 *
 * Owns the transport, the link, the runners (and so the executor
 * processes), the work directories of its executors and the store. `stop()`
 * kills every executor, then releases everything; it is idempotent. Runs on
 * the Node event loop; store writes are issued in order through one chain.
 */
export class Worker {
  private _state: WorkerState = 'running';
  private stopping: Promise<void> | null = null;
  private readonly runners = new Map<string, ExecutorRunner>();
  private readonly records = new Map<string, ExecutorRunRecord>();
  private saving: Promise<void> = Promise.resolve();
  private link!: MasterLink;
  private server!: TransportServer;
  private web: { port: number; close(): Promise<void> } | null = null;

  private constructor(
    readonly options: CompiledWorkerOptions,
    readonly workerId: string,
    private readonly log: Logger,
    private readonly transport: Transport,
    private store: WorkerStore,
  ) {}

  static async create(opts: WorkerOptions): Promise<Worker> {
    const options = compileWorkerOptions(opts);
    const log = options.logger ?? createLogger('flint-worker', options.logLevel);
    const transport = await loadNamedTransport(options.transport, { secret: options.secret, logger: transportLogger(log) });
    let worker: Worker | null = null;
    let server: TransportServer | null = null;
    let store: WorkerStore | null = null;
    try {
      server = await transport
        .listen(
          // Every body is checked against WorkerMessages at the network edge, before any handler runs.
          messageHandler<WorkerProtocol>(
            {
              requests: {
                launchExecutor: (m) => ready(worker).launchExecutor(m),
                killExecutor: (m) => ready(worker).killExecutor(m),
                applicationFinished: (m) => ready(worker).applicationFinished(m.appId),
                readExecutorLog: (m) => ready(worker).readExecutorLog(m),
              },
              messages: {
                applicationFinished: async (m) => {
                  try {
                    await ready(worker).applicationFinished(m.appId);
                  } catch (err) {
                    log.warn({ err: (err as Error).message }, `dropped an applicationFinished message: ${(err as Error).message}`);
                  }
                },
              },
            },
            { schemas: WorkerMessages },
          ),
          { host: options.host, port: options.port },
        )
        .catch((err: Error) => {
          throw new DaemonError('CONFIG', `cannot listen on ${options.host}:${options.port}: ${err.message}. Choose another --port (0 for any free port) or --host`, { cause: err });
        });
      const port = server.address.port;
      const workerId = `worker-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${options.host}-${port}`;
      store = options.store ?? (await PrismaWorkerStore.open(options.dbPath ?? defaultWorkerDb(port)));
      fs.mkdirSync(options.workDir, { recursive: true });
      worker = new Worker(options, workerId, log, transport, store);
      worker.server = server;
      await worker.recover();
      if (options.webPort !== null) {
        const w = worker;
        worker.web = await startWorkerWeb(options.host, options.webPort, options.secret, createWorkerMetrics({ workerId, cores: options.cores, memoryMb: options.memoryMb, executors: () => w.executors() }));
        log.info({ event: 'webListening', address: `${options.host}:${worker.web.port}` }, `worker metrics on http://${options.host}:${worker.web.port}/metrics`);
      }
      const address = formatTransportAddress(server.address);
      log.info(
        { event: 'started', workerId, cores: options.cores, memoryMb: options.memoryMb, workDir: options.workDir, store: store.description, executorEntry: options.executorEntry },
        `worker ${workerId} started with ${options.cores} cores, ${options.memoryMb} MB, work dir ${options.workDir}, ${store.description}`,
      );
      log.info({ event: 'listening', address, transport: options.transport }, `worker listening on ${address} (${options.transport})`);
      const w = worker;
      w.link = new MasterLink(transport, () => w.registration(), log, {
        masterAddress: options.masterAddress,
        retryMinMs: options.registrationRetryMinMs,
        retryMaxMs: options.registrationRetryMaxMs,
      });
      w.link.start();
      return w;
    } catch (err) {
      await server?.close().catch(() => undefined);
      await transport.close().catch(() => undefined);
      await store?.close().catch(() => undefined);
      log.error({ event: 'startFailed', err: (err as Error).message }, `worker failed to start: ${(err as Error).message}`);
      throw err;
    }
  }

  get state(): WorkerState {
    return this._state;
  }

  /** host:port of this worker's transport server, as given to the master. */
  get address(): string {
    return formatTransportAddress(this.server.address);
  }

  /** Resolves once registered with the master (the first time, or again after losing it). */
  registered(): Promise<void> {
    return this.link.registered();
  }

  /** Every executor this worker knows of, including finished ones, oldest first. */
  executors(): ExecutorRunRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  async launchExecutor(msg: Launch['request']): Promise<Launch['response']> {
    const { appId, executorId } = msg;
    if (this._state !== 'running') return { ok: false, message: `worker ${this.workerId} is stopping` };
    if (!SAFE_ID.test(appId) || !SAFE_ID.test(executorId)) {
      return { ok: false, message: `application and executor ids must be 1-128 of A-Z a-z 0-9 . _ - (got ${JSON.stringify(appId)}, ${JSON.stringify(executorId)})` };
    }
    const k = key(appId, executorId);
    if (this.runners.get(k)?.live) return { ok: false, message: `executor ${appId}/${executorId} already runs on ${this.workerId}` };
    if (!fs.existsSync(this.options.executorEntry)) {
      return { ok: false, message: `the executor entry ${this.options.executorEntry} does not exist on ${this.workerId}; start the worker with --executor-entry PATH (or FLINT_EXECUTOR_ENTRY)` };
    }
    const used = [...this.runners.values()].filter((r) => r.live).reduce((s, r) => s + r.spec.cores, 0);
    if (used + msg.cores > this.options.cores) {
      this.log.warn({ appId, executorId }, `executor ${appId}/${executorId} takes ${msg.cores} cores, but only ${this.options.cores - used} of ${this.options.cores} are free here; launching anyway, as the master asked`);
    }
    const runner = new ExecutorRunner(
      {
        appId,
        executorId,
        cores: msg.cores,
        memoryMb: msg.memoryMb,
        driverAddress: msg.driverAddress,
        transport: msg.transport,
        conf: msg.conf,
        workerId: this.workerId,
        host: this.options.host,
        secret: this.options.secret,
        workDir: path.join(this.options.workDir, appId, executorId),
        entry: this.options.executorEntry,
        baseEnv: this.options.env,
      },
      this.options.killGraceMs,
      (r, change) => this.onExecutorChange(r, change),
    );
    this.runners.set(k, runner);
    const record: ExecutorRunRecord = {
      appId,
      executorId,
      pid: null,
      state: 'LAUNCHING',
      cores: msg.cores,
      memoryMb: msg.memoryMb,
      workDir: runner.spec.workDir,
      stdoutPath: runner.stdoutPath,
      stderrPath: runner.stderrPath,
      startedAt: Date.now(),
      endedAt: null,
      exitCode: null,
      message: null,
    };
    this.records.set(k, record);
    this.save(record);
    runner.start();
    return { ok: true, message: null };
  }

  async killExecutor(msg: WorkerProtocol['killExecutor']['request']): Promise<{ ok: boolean }> {
    const runner = this.runners.get(key(msg.appId, msg.executorId));
    if (!runner?.live) return { ok: false };
    this.log.info({ event: 'executorKill', appId: msg.appId, executorId: msg.executorId, reason: msg.reason }, `killing executor ${msg.appId}/${msg.executorId}: ${msg.reason}`);
    void runner.kill(msg.reason);
    return { ok: true };
  }

  /**
   * A slice of one of its executors' stdout/stderr, live or exited. Only
   * executors this worker launched, and only the files it opened for them:
   * the request names ids, never a path.
   */
  async readExecutorLog(msg: WorkerProtocol['readExecutorLog']['request']): Promise<WorkerProtocol['readExecutorLog']['response']> {
    const record = this.records.get(key(msg.appId, msg.executorId));
    if (!record) throw new DaemonError('INVALID_MESSAGE', `executor ${msg.appId}/${msg.executorId} is not one of this worker's (${this.workerId}) executors`);
    const file = msg.stream === 'stdout' ? record.stdoutPath : record.stderrPath;
    try {
      return await readLogSlice(file, msg.offset, msg.length);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new DaemonError('INVALID_MESSAGE', `the ${msg.stream} of executor ${msg.appId}/${msg.executorId} is gone from this worker`);
      }
      throw err;
    }
  }

  /**
   * Moves the stdout/stderr of the application's executors out of its work
   * directory (which is about to be removed) into `<workDir>/@logs/<appId>/<executorId>/`,
   * so logs of ended applications stay readable. `@` is not allowed in ids: no
   * application can name that directory.
   */
  private async keepLogs(appId: string): Promise<void> {
    for (const r of this.records.values()) {
      if (r.appId !== appId) continue;
      const dest = path.join(this.options.workDir, '@logs', appId, r.executorId);
      let moved = false;
      for (const stream of ['stdout', 'stderr'] as const) {
        const from = stream === 'stdout' ? r.stdoutPath : r.stderrPath;
        const to = path.join(dest, stream);
        if (from === to) continue;
        try {
          await fs.promises.mkdir(dest, { recursive: true, mode: 0o700 });
          await fs.promises.rename(from, to);
          if (stream === 'stdout') r.stdoutPath = to;
          else r.stderrPath = to;
          moved = true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ appId, executorId: r.executorId, err: (err as Error).message }, `cannot keep the ${stream} of ${appId}/${r.executorId}: ${(err as Error).message}`);
        }
      }
      if (moved) this.save(r);
    }
  }

  /** Kills what is left of the application here, keeps its executors' logs, then removes its work directory. */
  async applicationFinished(appId: string): Promise<void> {
    if (!SAFE_ID.test(appId)) throw new DaemonError('INVALID_MESSAGE', `not an application id: ${JSON.stringify(appId)}`);
    const mine = [...this.runners.values()].filter((r) => r.spec.appId === appId);
    await Promise.all(mine.map((r) => r.kill('the application finished')));
    const dir = path.join(this.options.workDir, appId);
    await this.keepLogs(appId);
    await fs.promises.rm(dir, { recursive: true, force: true });
    for (const r of mine) this.runners.delete(key(r.spec.appId, r.spec.executorId));
    this.log.info({ event: 'appCleanedUp', appId, dir }, `application ${appId} finished: removed ${dir}`);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this._state = 'stopping';
      await this.link?.stop();
      await this.web?.close().catch(() => undefined);
      const live = [...this.runners.values()].filter((r) => r.live);
      await Promise.all(live.map((r) => r.kill('the worker is stopping')));
      await this.server.close().catch(() => undefined);
      await this.transport.close().catch(() => undefined);
      await this.saving;
      await this.store.close().catch(() => undefined);
      this._state = 'stopped';
      this.log.info({ event: 'stopped', workerId: this.workerId }, `worker ${this.workerId} stopped`);
    })();
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private registration(): MasterProtocol['registerWorker']['request'] {
    return {
      workerId: this.workerId,
      host: this.options.host,
      address: this.address,
      cores: this.options.cores,
      memoryMb: this.options.memoryMb,
      webPort: this.web?.port ?? null,
      executors: [...this.runners.values()]
        .filter((r) => r.live)
        .map((r) => ({ appId: r.spec.appId, executorId: r.spec.executorId, cores: r.spec.cores, memoryMb: r.spec.memoryMb, state: r.state })),
    };
  }

  private onExecutorChange(runner: ExecutorRunner, change: ExecutorChange): void {
    const { appId, executorId } = runner.spec;
    const record = this.records.get(key(appId, executorId));
    if (record) {
      record.state = change.state;
      record.pid = change.pid ?? record.pid;
      if (!runner.live) {
        record.endedAt = Date.now();
        record.exitCode = change.exitCode;
        record.message = change.message;
      }
      this.save(record);
    }
    if (change.state === 'RUNNING') {
      this.log.info(
        { event: 'executorLaunched', appId, executorId, pid: change.pid, cores: runner.spec.cores, workDir: runner.spec.workDir },
        `executor launched: ${appId}/${executorId} as pid ${change.pid} with ${runner.spec.cores} cores in ${runner.spec.workDir}`,
      );
    } else {
      this.log.info(
        { event: 'executorExited', appId, executorId, state: change.state, exitCode: change.exitCode, reason: change.message },
        `executor exited: ${appId}/${executorId} ${change.state}${change.exitCode === null ? '' : ` with exit code ${change.exitCode}`} (${change.message ?? ''})`,
      );
    }
    this.link?.report({ workerId: this.workerId, appId, executorId, state: change.state, exitCode: change.exitCode, message: change.message });
  }

  /** Executors a previous run of this worker left behind are lost; processes of theirs still running are killed. */
  private async recover(): Promise<void> {
    for (const r of await this.store.load()) {
      if (r.state === 'LAUNCHING' || r.state === 'RUNNING') {
        const killed = r.pid !== null && reapOrphanExecutor(r.pid, r.appId, r.executorId);
        r.state = 'LOST';
        r.endedAt = Date.now();
        r.message = `the worker restarted${killed ? `; killed its leftover process ${r.pid}` : ''}`;
        this.save(r);
        this.log.warn({ event: 'executorLost', appId: r.appId, executorId: r.executorId, pid: r.pid }, `executor ${r.appId}/${r.executorId} from a previous run is lost (${r.message})`);
      }
      this.records.set(key(r.appId, r.executorId), r);
    }
  }

  private save(record: ExecutorRunRecord): void {
    const copy = { ...record };
    this.saving = this.saving
      .then(() => this.store.saveExecutor(copy))
      .catch((err: Error) => this.log.error({ event: 'storeError', err: err.message }, `cannot save executor ${copy.appId}/${copy.executorId} to ${this.store.description}: ${err.message}`));
  }
}

/** Starts a worker; the same as `Worker.create`. */
export function startWorker(opts: WorkerOptions): Promise<Worker> {
  return Worker.create(opts);
}

function ready(worker: Worker | null): Worker {
  if (!worker) throw new DaemonError('STOPPED', 'the worker is still starting; retry in a moment', { retryable: true });
  return worker;
}

function key(appId: string, executorId: string): string {
  return `${appId}\u0000${executorId}`;
}
