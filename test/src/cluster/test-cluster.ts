/**
 * A disposable standalone cluster for integration tests: a master and W
 * workers as real child processes on 127.0.0.1 with free ports, temporary
 * databases and work dirs. `stop()` (or `await using`) kills every process it
 * started, by PID, and removes the temporary directory; clusters a test
 * forgot are killed when the test process exits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FlintEvent } from '@flint/core';
import type { MasterProtocol } from '@flint/core/protocol';
import { LocalCluster } from '@flint/cluster';

export type ClusterState = MasterProtocol['clusterState']['response'];

export interface TestClusterOptions {
  workers: number;
  coresPerWorker: number;
  transport: 'tcp' | 'http';
  /** The master's worker timeout; a few seconds keeps tests short. */
  workerTimeoutMs: number;
  /** @default workerTimeoutMs */
  driverTimeoutMs?: number;
  /** Cluster secret for every process. @default none */
  secret?: string;
  /** Module executors run (a stub in most tests). @default the worker's real entry */
  executorEntry?: string;
  /** @default '2g' */
  memoryPerWorker?: string;
}

export interface TestCluster {
  /** `flint://127.0.0.1:PORT` */
  readonly masterUrl: string;
  /** `127.0.0.1:PORT` */
  readonly masterAddress: string;
  readonly masterPid: number;
  readonly workerPids: number[];
  /** host:port of each worker's transport server, by index. */
  readonly workerAddresses: string[];
  /** Where databases, work dirs (`work-<i>`) and logs (`logs/`) are. */
  readonly baseDir: string;
  /** Executor work dirs of worker `i`: `<workDir(i)>/<appId>/<executorId>/`. */
  workDir(i: number): string;
  clusterState(): Promise<ClusterState>;
  /** SIGKILLs worker `i` (and its executors, in its process group). */
  killWorker(i: number): Promise<void>;
  /** SIGKILLs the master and starts it again on the same port and database. */
  restartMaster(): Promise<void>;
  /** The daemons' logs, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const live = new Set<LocalCluster>();
let exitHookInstalled = false;

/** Last resort: a test process that ends without stopping its clusters still kills their process groups. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) {
      for (const pid of [...c.workerPids, c.masterPid]) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
  });
}

export async function startTestCluster(opts: TestClusterOptions): Promise<TestCluster> {
  installExitHook();
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), `flint-test-cluster-${opts.transport}-`));
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.start({
      workers: opts.workers,
      coresPerWorker: opts.coresPerWorker,
      memoryPerWorker: opts.memoryPerWorker ?? '2g',
      transport: opts.transport,
      secret: opts.secret,
      workerTimeoutMs: opts.workerTimeoutMs,
      driverTimeoutMs: opts.driverTimeoutMs ?? opts.workerTimeoutMs,
      executorEntry: opts.executorEntry,
      masterPort: 0,
      uiPort: null,
      baseDir,
      keepBaseDir: true,
      env: { FLINT_LOG_LEVEL: 'debug' },
    });
  } catch (err) {
    fs.rmSync(baseDir, { recursive: true, force: true });
    throw err;
  }
  live.add(cluster);
  let stopped: Promise<void> | null = null;
  const logs = () =>
    fs
      .readdirSync(path.join(baseDir, 'logs'))
      .map((f) => `---- ${f}\n${fs.readFileSync(path.join(baseDir, 'logs', f), 'utf8').split('\n').slice(-40).join('\n')}`)
      .join('\n');
  const stop = () =>
    (stopped ??= (async () => {
      await cluster.stop();
      live.delete(cluster);
      fs.rmSync(baseDir, { recursive: true, force: true });
    })());
  return {
    get masterUrl() {
      return cluster.masterUrl;
    },
    get masterAddress() {
      return cluster.masterAddress;
    },
    get masterPid() {
      return cluster.masterPid;
    },
    get workerPids() {
      return cluster.workerPids;
    },
    get workerAddresses() {
      return cluster.workers.map((w) => w.address);
    },
    baseDir,
    workDir: (i) => path.join(baseDir, `work-${i}`),
    clusterState: () => cluster.clusterState(),
    killWorker: (i) => cluster.killWorker(i, 'SIGKILL'),
    restartMaster: () => cluster.restartMaster(),
    logs,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Polls `read` until `check` passes; fails with the last value and `what`. */
export async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      if (check(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = last === undefined ? `error: ${(lastError as Error | undefined)?.message}` : JSON.stringify(last, null, 1).slice(0, 2000);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True while a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What a driver's listener saw of its executors: every event in order, each
 * executor's process id, and the executors the driver removed. Pass
 * `listener` in `FlintContext.create({ listeners })`.
 */
export class ExecutorTracker {
  readonly events: FlintEvent[] = [];
  readonly pids = new Map<string, number>();
  readonly removed = new Set<string>();
  readonly listener = (e: FlintEvent): void => {
    this.events.push(e);
    if (e.type === 'executorAdded' && e.pid !== null) this.pids.set(e.executorId, e.pid);
    if (e.type === 'executorRemoved') this.removed.add(e.executorId);
  };
}
