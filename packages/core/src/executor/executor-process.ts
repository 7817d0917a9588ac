/**
 * The runtime of a standalone executor process: serves its driver (tasks in,
 * status updates out), runs tasks on its ExecutorThreadPool (one thread per
 * core), serves its shuffle files and large task results to other processes
 * over the transport, and fetches remote shuffle blocks for its tasks. Owns the
 * pool, its server and its connections. Exits when the driver goes away or
 * says stop. Everything runs on the process's main event loop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileSettings, type FlintSettings } from '../conf.ts';
import { inheritedEnv } from '../env.ts';
import { type DriverProtocol, type ExecutorProtocol, ExecutorMessages } from '../protocol/cluster-protocol.ts';
import type { LogFields, Logger } from '../logging/logger.ts';
import { deserialize, serialize } from '../serializer.ts';
import { RemoteBlockFetcher } from '../shuffle/block-fetcher.ts';
import { loadTransport } from '../transport/transport-registry.ts';
import { MessageClient } from '../transport/message-client.ts';
import { messageHandler } from '../transport/message-handler.ts';
import type { Transport, TransportServer } from '../transport/interface.ts';
import type { TaskDescription, TaskOutcome } from './task-description.ts';
import { ExecutorThreadPool } from './thread-pool.ts';

export interface ExecutorProcessOptions {
  appId: string;
  executorId: string;
  workerId: string;
  host: string;
  driverAddress: string;
  cores: number;
  memoryMb: number;
  transport: string;
  workDir: string;
  /** The application's settings (its conf as the master handed it over, compiled once). */
  settings: FlintSettings;
  secret: string | null;
  /** Where the executor reports its lifecycle (one line per event in the executor's stdout log). */
  logger: Logger;
}

/**
 * How an executor's memory (flint.executor.memory) is divided into V8 heap limits: a quarter (at
 * least 64 MB) for the main thread, which moves shuffle blocks and holds large results until the
 * driver pulls them, and the rest in equal shares for the task threads (at least 32 MB each). A
 * task that needs more than its thread's share fails with an error naming the setting.
 */
export function executorHeapLimits(memoryMb: number, cores: number): { mainMb: number; threadMb: number } {
  const mainMb = Math.max(64, Math.floor(memoryMb / 4));
  const threadMb = Math.max(32, Math.floor((memoryMb - mainMb) / Math.max(1, cores)));
  return { mainMb, threadMb };
}

/** Results above this size are kept on the executor and pulled by the driver as a stream. */
export const DIRECT_RESULT_MAX_BYTES = 4 * 1024 * 1024;

export class ExecutorProcess {
  private transport!: Transport;
  private server!: TransportServer;
  private driver!: MessageClient<DriverProtocol>;
  private pool!: ExecutorThreadPool;
  private readonly plans = new Map<string, Uint8Array>();
  private readonly pendingResults = new Map<number, Uint8Array>();
  private stopping = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private exitResolve!: (code: number) => void;
  /** Resolves with the exit code when the executor should exit. */
  readonly exited = new Promise<number>((res) => (this.exitResolve = res));

  private constructor(private readonly opts: ExecutorProcessOptions) {}

  static async create(opts: ExecutorProcessOptions): Promise<ExecutorProcess> {
    const e = new ExecutorProcess(opts);
    await e.start();
    return e;
  }

  private async start(): Promise<void> {
    const o = this.opts;
    fs.mkdirSync(o.workDir, { recursive: true });
    // Executors move shuffle blocks: larger stream chunks and window than the transport's defaults
    // (fewer frames and wake-ups per block; measured 0.2–1 s less per GiB shuffled between two executors).
    const blockStreams = { streamChunkBytes: 256 * 1024, streamWindowBytes: 4 * 1024 * 1024 };
    this.transport = await loadTransport(o.transport, { ...blockStreams, ...(o.secret ? { secret: o.secret } : {}) });
    const { threadMb } = executorHeapLimits(o.memoryMb, o.cores);
    const fetcher = new RemoteBlockFetcher(this.transport, o.workDir, o.settings.memoryBudget);
    this.pool = await ExecutorThreadPool.create({
      resourceLimits: { maxOldGenerationSizeMb: threadMb },
      memorySetting: `its share of flint.executor.memory (${o.memoryMb} MB for ${o.cores} task threads and the executor's main thread)`,
      executorId: o.executorId,
      threads: o.cores,
      localDir: o.workDir,
      memoryBudget: o.settings.memoryBudget,
      // Unset, cached blocks may take half the executor's memory, split over its task threads.
      storageMemory: o.settings.setKeys.has('flint.storage.memory') ? o.settings.storageMemory : Math.floor((o.memoryMb * 1024 * 1024) / 2 / o.cores),
      fetchBroadcast: async (id) => this.driver.request('fetchBroadcast', { id }),
      fetchRemoteBlocks: (blocks, reduceId, sink) => fetcher.fetch(blocks, reduceId, sink),
      onTaskEnd: (taskId, outcome) => this.reportTaskEnd(taskId, outcome),
    });
    this.server = await this.transport.listen(
      messageHandler<ExecutorProtocol>({
        messages: {
          launchTask: (m) => {
            const receivedTime = Date.now();
            const task = deserialize<TaskDescription>(m.task);
            if (m.plan) this.plans.set(task.planId, m.plan);
            this.pool.launch(
              m.slot,
              task,
              () => {
                const p = this.plans.get(task.planId);
                if (!p) throw new Error(`plan ${task.planId} was never sent to executor ${o.executorId}`);
                return p;
              },
              receivedTime,
            );
          },
          killTask: (m) => this.pool.kill(m.taskId, m.reason),
          removeRdd: (m) => this.pool.removeRdd(m.rddId),
          dropResult: (m) => {
            if (this.pendingResults.delete(m.taskId)) o.logger.info(`dropped the stored result of task ${m.taskId}: the driver will not fetch it`);
          },
          removeBroadcast: (m) => this.pool.removeBroadcast(m.id),
          removeShuffle: (m) => {
            for (const p of m.paths) {
              const resolved = insideDir(p, o.workDir);
              if (resolved === null) o.logger.warn(`refusing to delete ${p} for shuffle ${m.shuffleId}: outside this executor's work directory`);
              else void fs.promises.rm(resolved, { force: true }).catch(() => undefined);
            }
          },
          stopExecutor: (m) => {
            o.logger.info(`stopping: ${m.reason}`);
            void this.stop(0);
          },
        },
        streams: {
          fetchBlock: (m) => readRange(m.path, m.offset, m.length, o.workDir),
          fetchResult: (m) => {
            const bytes = this.pendingResults.get(m.taskId);
            if (!bytes) throw new Error(`no stored result for task ${m.taskId}`);
            this.pendingResults.delete(m.taskId);
            o.logger.info(`sending the result of task ${m.taskId} (${bytes.length} bytes)`);
            return chunks(bytes);
          },
        },
      }, { schemas: ExecutorMessages }),
      { host: o.host, port: 0 },
    );
    const address = `${this.server.address.host}:${this.server.address.port}`;
    const conn = await this.transport.connect(o.driverAddress);
    conn.on('close', (reason) => {
      if (this.stopping) return;
      o.logger.info(`driver ${o.driverAddress} disconnected (${reason?.message ?? 'closed'}); exiting`);
      void this.stop(0);
    });
    this.driver = new MessageClient<DriverProtocol>(conn);
    const r = await this.driver.request('registerExecutor', {
      appId: o.appId,
      executorId: o.executorId,
      workerId: o.workerId,
      host: o.host,
      address,
      cores: o.cores,
      pid: process.pid,
    });
    if (!r.ok) throw new Error(`driver refused executor ${o.executorId}: ${r.message}`);
    o.logger.info(`executor ${o.executorId} of ${o.appId} registered with driver ${o.driverAddress}; serving on ${address} with ${o.cores} cores`);
    const hbMs = o.settings.executorHeartbeatIntervalMs;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(hbMs), hbMs);
  }

  /**
   * Asks the driver whether it still counts on this executor. A driver that declared it lost (e.g.
   * while the process was frozen) answers no: the executor then exits, so its worker frees the
   * cores instead of keeping a process nobody sends tasks to.
   */
  private async heartbeat(hbMs: number): Promise<void> {
    if (this.stopping) return;
    let known: boolean;
    try {
      known = (await this.driver.request('executorHeartbeat', { executorId: this.opts.executorId, time: Date.now() }, { timeoutMs: Math.max(5_000, hbMs * 5) })).known;
    } catch {
      return; // a slow or lost driver is noticed through the connection
    }
    if (!known && !this.stopping) {
      this.opts.logger.info(`the driver no longer knows executor ${this.opts.executorId} (it was declared lost or removed); exiting`);
      void this.stop(0);
    }
  }

  private reportTaskEnd(taskId: number, outcome: TaskOutcome): void {
    if (this.stopping) return;
    let out = outcome;
    if (outcome.status === 'success' && outcome.value && outcome.value.length > DIRECT_RESULT_MAX_BYTES) {
      this.pendingResults.set(taskId, outcome.value);
      out = { ...outcome, value: null, resultRef: { address: `${this.server.address.host}:${this.server.address.port}`, size: outcome.value.length } };
    }
    this.driver.send('statusUpdate', { executorId: this.opts.executorId, taskId, outcome: serialize(out) }).catch((e: Error) => {
      this.opts.logger.warn(`cannot report task ${taskId} to the driver: ${e.message}`);
    });
  }

  async stop(code: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    try {
      await this.pool?.stop();
      await this.server?.close();
      await this.transport?.close();
    } finally {
      this.exitResolve(code);
    }
  }
}

/** `file` resolved, when it lies inside `dir`; else null (a peer may only name this executor's own files). */
function insideDir(file: string, dir: string): string | null {
  const resolved = path.resolve(file);
  return resolved.startsWith(path.resolve(dir) + path.sep) ? resolved : null;
}

async function* readRange(file: string, offset: number, length: number, root: string): AsyncGenerator<Uint8Array> {
  const resolved = insideDir(file, root);
  if (resolved === null) throw new Error(`refusing to serve ${file}: outside this executor's work directory`);
  const fh = await fs.promises.open(resolved, 'r');
  try {
    let pos = offset;
    const end = offset + length;
    while (pos < end) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, end - pos));
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) throw new Error(`${file}: unexpected end of file at ${pos}`);
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

function* chunks(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += 1 << 20) yield bytes.subarray(i, Math.min(bytes.length, i + (1 << 20)));
}

/** What a worker writes as the first line of an executor's stdin (never in its environment). */
export interface ExecutorLaunchSecrets {
  secret: string | null;
}

/** The value of FLINT_EXECUTOR_STDIN telling an executor its stdin is its worker's launch pipe. */
export const EXECUTOR_LAUNCH_PIPE = 'launch-pipe';

/**
 * Follows the launch pipe a worker holds open on an executor's stdin: resolves with the secrets
 * of its first line, then calls `onClosed` when the pipe ends, i.e. when the worker is gone (a
 * SIGKILLed worker cannot kill its executors; the kernel closes the pipe for it). The secret
 * travels this way because a pipe is readable by this process alone, where an environment
 * variable would stay in /proc/<pid>/environ for the life of the process and of its children.
 */
export function followLaunchPipe(stdin: NodeJS.ReadableStream, onClosed: () => void): Promise<ExecutorLaunchSecrets> {
  return new Promise((resolve, reject) => {
    let head = '';
    let settled = false;
    stdin.setEncoding('utf8');
    stdin.on('data', (chunk: string) => {
      if (settled) return;
      head += chunk;
      const nl = head.indexOf('\n');
      if (nl < 0) {
        if (head.length > 64 * 1024) {
          settled = true;
          reject(new Error('executor: the launch line on stdin is longer than 64 KiB; executors are started by a worker'));
        }
        return;
      }
      settled = true;
      try {
        const parsed = JSON.parse(head.slice(0, nl)) as Partial<ExecutorLaunchSecrets>;
        head = '';
        resolve({ secret: typeof parsed.secret === 'string' && parsed.secret !== '' ? parsed.secret : null });
      } catch (e) {
        reject(new Error(`executor: the launch line on stdin is not JSON (${(e as Error).message}); executors are started by a worker`));
      }
    });
    const ended = () => {
      if (!settled) {
        settled = true;
        reject(new Error('executor: stdin closed before the launch line; the worker that started this executor is gone'));
        return;
      }
      onClosed();
    };
    stdin.once('end', ended);
    stdin.once('error', ended);
    stdin.resume();
  });
}

/**
 * An executor process's logger: one line per event on its stdout (which the
 * worker keeps as the executor's log), `<ISO time> executor <id>: message {fields}`.
 */
function executorLogger(executorId: string): Logger {
  const write = (m: string, f?: LogFields) => void process.stdout.write(`${new Date().toISOString()} executor ${executorId}: ${f && Object.keys(f).length > 0 ? `${m} ${JSON.stringify(f)}` : m}\n`);
  return { debug: () => {}, info: write, warn: write, error: write };
}

/** Reads the executor's settings from the environment a worker sets, runs it until it should exit. */
export async function runExecutorFromEnv(env: NodeJS.ProcessEnv = inheritedEnv(), stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const need = (k: string): string => {
    const v = env[k];
    if (!v) throw new Error(`executor: environment variable ${k} is missing (executors are started by a worker)`);
    return v;
  };
  const logger = executorLogger(env.FLINT_EXECUTOR_ID ?? '?');
  const log = (line: string) => logger.info(line);
  let ex: ExecutorProcess | null = null;
  let workerGone = false;
  const onWorkerGone = () => {
    workerGone = true;
    log('the worker that started this executor is gone (its launch pipe closed); exiting');
    // Tasks may hold the threads: the exit must not wait on them for long.
    setTimeout(() => process.exit(1), 3_000).unref();
    void ex?.stop(1);
  };
  const secrets: ExecutorLaunchSecrets =
    env.FLINT_EXECUTOR_STDIN === EXECUTOR_LAUNCH_PIPE ? await followLaunchPipe(stdin, onWorkerGone) : { secret: env.FLINT_SECRET ?? null };
  ex = await ExecutorProcess.create({
    appId: need('FLINT_APP_ID'),
    executorId: need('FLINT_EXECUTOR_ID'),
    workerId: env.FLINT_WORKER_ID ?? 'unknown',
    host: env.FLINT_HOST ?? '127.0.0.1',
    driverAddress: need('FLINT_DRIVER_ADDRESS'),
    cores: Number(env.FLINT_EXECUTOR_CORES ?? '1'),
    memoryMb: Number(env.FLINT_EXECUTOR_MEMORY_MB ?? '1024'),
    transport: env.FLINT_TRANSPORT ?? 'tcp',
    workDir: env.FLINT_WORK_DIR ?? process.cwd(),
    // The driver checked this conf and reported its unknown keys; its environment is not ours.
    settings: compileSettings(env.FLINT_EXECUTOR_CONF ? (JSON.parse(env.FLINT_EXECUTOR_CONF) as Record<string, unknown>) : {}, { env: {}, onUnknownKey: () => undefined }),
    secret: secrets.secret,
    logger,
  });
  if (workerGone) void ex.stop(1);
  const onSignal = (sig: string) => {
    log(`received ${sig}; stopping`);
    void ex?.stop(0);
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  const code = await ex.exited;
  log(`exited with code ${code}`);
  return code;
}
