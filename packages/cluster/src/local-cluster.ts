import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { silentLogger } from '@flint/core';
import { type Transport, MessageClient } from '@flint/core/transport';
import { type MasterProtocol } from '@flint/core/protocol';
import { writeSecretFile } from '@flint/core/internal';
import { MASTER_MAIN } from '@flint/cluster-master';
import { TSX_LOADER_URL, WORKER_MAIN } from '@flint/cluster-worker';
import { loadNamedTransport } from '@flint/daemon';
import { inheritedEnv } from './env.ts';

type ClusterState = MasterProtocol['clusterState']['response'];

export interface LocalClusterOptions {
  /** Number of worker processes. */
  workers: number;
  /** Cores each worker offers. */
  coresPerWorker: number;
  /** @default '2g' */
  memoryPerWorker?: string;
  /** @default 'tcp' */
  transport?: 'tcp' | 'http';
  /** Cluster secret given to every process (FLINT_SECRET). @default none */
  secret?: string;
  /** Master's worker timeout (FLINT_WORKER_TIMEOUT_MS). @default the master's own (60 s) */
  workerTimeoutMs?: number;
  /** Master's driver timeout (FLINT_DRIVER_TIMEOUT_MS). @default workerTimeoutMs */
  driverTimeoutMs?: number;
  /** Module executors run. @default the worker's (src/executor-main.ts) */
  executorEntry?: string;
  /** @default 0 (any free port) */
  masterPort?: number;
  /** Port of the master's status API; null for none. @default null */
  uiPort?: number | null;
  /**
   * Where the databases, work dirs and logs go. @default a new temporary
   * directory, removed by `stop()` unless `keepBaseDir`.
   */
  baseDir?: string;
  /** @default false */
  keepBaseDir?: boolean;
  /** Extra environment for every process. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for processes to start and workers to register. @default 60 000 */
  startTimeoutMs?: number;
}

/** One daemon this cluster started. */
export interface DaemonInfo {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** host:port of its transport server. */
  readonly address: string;
}

interface Daemon {
  name: string;
  pid: number;
  logPath: string;
  address: string;
  child: ChildProcess;
  exited: Promise<void>;
  alive: boolean;
}

/**
 * A master and W workers as real child processes on this machine, each in its
 * own process group (so killing a worker's group takes its executors too),
 * with databases, work dirs and logs under one base directory. Used by
 * `flint local-cluster`, `flint demo` and the integration tests.
 *
 * Owns every process it starts and kills them all — by PID — in `stop()`,
 * which is idempotent. Not safe for concurrent `restartMaster`/`stop` calls.
 */
export class LocalCluster {
  private master!: Daemon;
  private readonly workerDaemons: Daemon[] = [];
  private transport: Transport | null = null;
  private client: MessageClient<MasterProtocol> | null = null;
  private stopping: Promise<void> | null = null;
  private masterPort = 0;
  private _uiPort: number | null = null;

  private constructor(
    readonly options: Readonly<LocalClusterOptions>,
    readonly baseDir: string,
    private readonly ownsBaseDir: boolean,
  ) {}

  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    if (!Number.isInteger(options.workers) || options.workers < 0) throw new Error(`workers must be a whole number, got ${options.workers}`);
    if (!Number.isInteger(options.coresPerWorker) || options.coresPerWorker < 1) throw new Error(`coresPerWorker must be a positive integer, got ${options.coresPerWorker}`);
    const ownsBaseDir = options.baseDir === undefined;
    const baseDir = options.baseDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'flint-cluster-'));
    fs.mkdirSync(path.join(baseDir, 'logs'), { recursive: true });
    const cluster = new LocalCluster(options, baseDir, ownsBaseDir);
    try {
      await cluster.startMaster(options.masterPort ?? 0);
      await Promise.all(Array.from({ length: options.workers }, (_, i) => cluster.startWorker(i)));
      await cluster.waitForWorkers();
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  get masterAddress(): string {
    return this.master.address;
  }

  get masterUrl(): string {
    return `flint://${this.master.address}`;
  }

  get masterPid(): number {
    return this.master.pid;
  }

  get masterInfo(): DaemonInfo {
    return info(this.master);
  }

  get workers(): DaemonInfo[] {
    return this.workerDaemons.map(info);
  }

  get workerPids(): number[] {
    return this.workerDaemons.map((w) => w.pid);
  }

  /** Port of the master's status API, when one was asked for. */
  get uiPort(): number | null {
    return this._uiPort;
  }

  /** The master's `clusterState` reply. */
  async clusterState(): Promise<ClusterState> {
    try {
      return await (await this.masterClient()).request('clusterState', {}, { timeoutMs: 10_000 });
    } catch (err) {
      if (this.client?.connection.state === 'open') throw err;
      this.client = null;
      return (await this.masterClient()).request('clusterState', {}, { timeoutMs: 10_000 });
    }
  }

  /** Kills worker `i` and everything in its process group (its executors) with `signal`. */
  async killWorker(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const w = this.workerDaemons[i];
    if (!w) throw new Error(`no worker ${i}: this cluster has ${this.workerDaemons.length}`);
    killGroup(w.pid, signal);
    await w.exited;
  }

  /** Kills the master (SIGKILL) and starts it again on the same port and database. */
  async restartMaster(): Promise<void> {
    killGroup(this.master.pid, 'SIGKILL');
    await this.master.exited;
    await this.client?.connection.close().catch(() => undefined);
    this.client = null;
    await this.startMaster(this.masterPort);
  }

  /**
   * Resolves once `count` workers are ALIVE (by default, every worker this
   * cluster started), polling `clusterState`.
   */
  async waitForWorkers(count = this.workerDaemons.length, timeoutMs = this.options.startTimeoutMs ?? 60_000): Promise<ClusterState> {
    const mine = new Set(this.workerDaemons.map((w) => w.address));
    const deadline = Date.now() + timeoutMs;
    let last: ClusterState | null = null;
    for (;;) {
      last = await this.clusterState().catch(() => last);
      const alive = last?.workers.filter((w) => w.state === 'ALIVE' && mine.has(w.address)).length ?? 0;
      if (alive >= count) return last!;
      if (Date.now() > deadline) {
        throw new Error(`only ${alive} of ${count} workers registered with the master within ${timeoutMs} ms; see the logs in ${path.join(this.baseDir, 'logs')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops every process (SIGTERM, then SIGKILL of its group after 10 s) and removes the base dir it made. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.client?.connection.close().catch(() => undefined);
      await this.transport?.close().catch(() => undefined);
      const all = [...this.workerDaemons, ...(this.master ? [this.master] : [])];
      await Promise.all(all.map((d) => stopDaemon(d, 10_000)));
      if (this.ownsBaseDir && !this.options.keepBaseDir) fs.rmSync(this.baseDir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private env(): NodeJS.ProcessEnv {
    const o = this.options;
    const env: NodeJS.ProcessEnv = { ...inheritedEnv(), ...o.env };
    if (o.secret) {
      // A 0600 file in the cluster's own directory rather than the environment, which every
      // process the daemons start would inherit.
      const file = path.join(this.baseDir, 'secret');
      writeSecretFile(file, o.secret);
      env.FLINT_SECRET_FILE = file;
      delete env.FLINT_SECRET;
    } else if (o.secret === undefined && o.env?.FLINT_SECRET === undefined) delete env.FLINT_SECRET;
    if (o.workerTimeoutMs !== undefined) env.FLINT_WORKER_TIMEOUT_MS = String(o.workerTimeoutMs);
    if (o.driverTimeoutMs !== undefined) env.FLINT_DRIVER_TIMEOUT_MS = String(o.driverTimeoutMs);
    return env;
  }

  private async startMaster(port: number): Promise<void> {
    const o = this.options;
    const args = ['--host', '127.0.0.1', '--port', String(port), '--db', path.join(this.baseDir, 'master.db'), '--transport', o.transport ?? 'tcp'];
    if (o.uiPort === undefined || o.uiPort === null) args.push('--no-ui');
    else args.push('--ui-port', String(this._uiPort ?? o.uiPort));
    const env = this.env();
    // glibc gives each thread that allocates its own arena and keeps what it freed there: a
    // store process's RSS grew +78 MB over its first 300,000 task events with the default
    // arenas and +12 MB over 1,000,000 with two (`pnpm bench events --rss`), heap unchanged.
    env.MALLOC_ARENA_MAX ??= '2';
    const d = spawnDaemon('master', MASTER_MAIN, args, env, path.join(this.baseDir, 'logs', 'master.log'));
    this.master = d.daemon;
    const listening = await d.waitFor('listening', o.startTimeoutMs ?? 60_000);
    if (o.uiPort !== undefined && o.uiPort !== null) {
      const ui = await d.waitFor('uiListening', o.startTimeoutMs ?? 60_000);
      this._uiPort = Number(String(ui.address).split(':').pop());
    }
    d.daemon.address = String(listening.address);
    this.masterPort = Number(this.master.address.split(':').pop());
  }

  private async startWorker(i: number): Promise<void> {
    const o = this.options;
    const args = [
      this.masterUrl,
      '--cores', String(o.coresPerWorker),
      '--memory', o.memoryPerWorker ?? '2g',
      '--host', '127.0.0.1',
      '--port', '0',
      '--work-dir', path.join(this.baseDir, `work-${i}`),
      '--db', path.join(this.baseDir, `worker-${i}.db`),
      '--transport', o.transport ?? 'tcp',
    ];
    if (o.executorEntry) args.push('--executor-entry', path.resolve(o.executorEntry));
    const d = spawnDaemon(`worker-${i}`, WORKER_MAIN, args, this.env(), path.join(this.baseDir, 'logs', `worker-${i}.log`));
    this.workerDaemons[i] = d.daemon;
    const listening = await d.waitFor('listening', o.startTimeoutMs ?? 60_000);
    d.daemon.address = String(listening.address);
  }

  private async masterClient(): Promise<MessageClient<MasterProtocol>> {
    if (this.client && this.client.connection.state === 'open') return this.client;
    this.transport ??= await loadNamedTransport(this.options.transport ?? 'tcp', { secret: this.options.secret, logger: silentLogger });
    this.client = new MessageClient<MasterProtocol>(await this.transport.connect(this.master.address));
    return this.client;
  }
}

function info(d: Daemon): DaemonInfo {
  return { name: d.name, pid: d.pid, logPath: d.logPath, address: d.address };
}

/**
 * Starts `node --import tsx <entry> ...args` in its own process group, its
 * stdout and stderr appended to `logPath`; its JSON log lines are watched for
 * `event` fields.
 */
function spawnDaemon(name: string, entry: string, args: string[], env: NodeJS.ProcessEnv, logPath: string) {
  const log = fs.createWriteStream(logPath, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', TSX_LOADER_URL, entry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid === undefined) throw new Error(`cannot start the ${name} process (${process.execPath} ${entry})`);
  const watchers = new Set<(ev: Record<string, unknown>) => void>();
  const seen: Array<Record<string, unknown>> = [];
  const tail: string[] = [];
  const onLine = (line: string) => {
    log.write(`${line}\n`);
    tail.push(line);
    if (tail.length > 20) tail.shift();
    if (!line.startsWith('{')) return;
    try {
      const ev = JSON.parse(line) as Record<string, unknown>;
      if (typeof ev.event !== 'string') return;
      seen.push(ev);
      for (const w of [...watchers]) w(ev);
    } catch {
      // not a log record
    }
  };
  readline.createInterface({ input: child.stdout! }).on('line', onLine);
  readline.createInterface({ input: child.stderr! }).on('line', onLine);
  const daemon: Daemon = { name, pid: child.pid, logPath, address: '', child, exited: Promise.resolve(), alive: true };
  daemon.exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      daemon.alive = false;
      log.end();
      resolve();
    }),
  );
  const exited = daemon.exited;
  const waitFor = (event: string, timeoutMs: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        watchers.delete(watch);
        fn();
      };
      const watch = (ev: Record<string, unknown>) => {
        if (ev.event === event) done(() => resolve(ev));
      };
      const already = seen.find((ev) => ev.event === event);
      if (already) return resolve(already);
      const timer = setTimeout(() => done(() => reject(new Error(`${name} did not log '${event}' within ${timeoutMs} ms; see ${logPath}`))), timeoutMs);
      watchers.add(watch);
      void exited.then(() => done(() => reject(new Error(`${name} exited before '${event}':\n${tail.join('\n')}`))));
    });
  return { daemon, waitFor };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function stopDaemon(d: Daemon, graceMs: number): Promise<void> {
  if (d.alive) {
    try {
      process.kill(d.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => killGroup(d.pid, 'SIGKILL'), graceMs);
    await d.exited;
    clearTimeout(timer);
  }
  // Anything the daemon left in its group (executors) goes too.
  killGroup(d.pid, 'SIGKILL');
}
