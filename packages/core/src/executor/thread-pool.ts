/**
 * An executor's task slots: one worker thread per core, each running one task at
 * a time. Owns the threads, which stage plans each thread has seen, and the
 * task -> thread mapping; it does not decide what runs where (the scheduler
 * names the slot). A thread that dies mid-task fails that task and is replaced;
 * killing a task asks its thread to stop it and keeps the thread (it is replaced only
 * when the task does not stop within KILL_GRACE_MS). Used by the local backend (threads in
 * the driver) and by executor processes. Callbacks run on the owner's event loop.
 */
import fs from 'node:fs';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { readCoreEnv } from '../env.ts';
import { TaskSpans } from '../telemetry/tracing.ts';
import { BlockBufferPool } from '../shuffle/block-buffer-pool.ts';
import { remoteBlocksInMemory, type RemoteBlockFetch } from '../shuffle/block-fetcher.ts';
import type { TaskDescription, TaskOutcome } from './task-description.ts';
import { type BlockMessage, type FromThread, STAGE_PLANS_PER_THREAD, type ThreadInit, type ToThread, transferOf } from './thread-messages.ts';

export interface ExecutorThreadPoolOptions {
  executorId: string;
  threads: number;
  localDir: string;
  /** Bytes a task may hold in shuffle/aggregation/sort buffers before spilling. */
  memoryBudget: number;
  /** Bytes of cached blocks each thread may keep in memory. */
  storageMemory: number;
  fetchBroadcast(id: number): Promise<Uint8Array>;
  /**
   * Fetches remote shuffle blocks in order, handing each one over as it arrives (bytes, or the path
   * of a local file holding them), and resolves with the failure of a block that could not be
   * fetched, or null (see RemoteBlockFetcher). Null where every block is local (local mode).
   */
  fetchRemoteBlocks: RemoteBlockFetch | null;
  onTaskEnd(taskId: number, outcome: TaskOutcome): void;
  /** Extra V8 flags for the threads (e.g. heap limits). */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
  /** Where a thread's heap limit comes from, for the error of a task that exceeds it. */
  memorySetting?: string;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  plans: Set<string>;
  running: number | null;
  /** The main thread's end of the slot's block port, and the signal the thread sleeps on. */
  blockPort: MessagePort | null;
  blockSignal: Int32Array | null;
  /** Fetches started for the slot's running task: cancelled, and their files removed, when it ends. */
  fetches: { cancelled: boolean; files: string[]; buffers: Uint8Array[]; settled: Promise<void> }[];
  /** Set to 1 to ask the thread's running task to stop (see util/task-kill.ts). */
  killSignal: Int32Array;
  /** The running task asked to stop: the slot stays busy until it ends or its thread is replaced. */
  killing: { taskId: number; reason: string; timer: NodeJS.Timeout } | null;
}

/**
 * How long a killed task has to stop before its thread is terminated and replaced. A task sees
 * the kill between record batches (or blocks of a range); one that does not within this time is
 * in user code that does not return (or a batch that long), and a new thread costs 1–3 s of
 * start-up under load: the kill of the sibling tasks of a failed job used to cost the next job
 * that much, every time.
 */
export const KILL_GRACE_MS = 2000;

/**
 * Flags for executor threads: none of the parent's. Process-wide flags (e.g. --expose-gc) are
 * refused by worker threads and loaders are registered by the thread entry itself. Per-thread
 * flags can be given in FLINT_EXECUTOR_THREAD_ARGS (space-separated), e.g. to profile executor
 * threads of a cluster: `--cpu-prof --cpu-prof-dir=/tmp/prof`.
 */
function workerExecArgv(): string[] {
  const extra = readCoreEnv().FLINT_EXECUTOR_THREAD_ARGS;
  return extra ? extra.split(' ').filter(Boolean) : [];
}

/**
 * A larger young generation than V8's default: executor code allocates many short-lived records,
 * and a task's working set (a combine table, cogroup groups) should die young instead of being
 * promoted and marked. `pnpm bench`, local[2], medium data, 64 → 256 MiB: word count 4.13 →
 * 3.71 s, PageRank 4.46 → 3.30 s, sort unchanged; peak RSS up by 0.1–0.6 GB (word count 480 →
 * 911 MB, sort 1.95 → 2.51 GB). FLINT_EXECUTOR_YOUNG_GEN_MB overrides it.
 */
const DEFAULT_YOUNG_GENERATION_MB = Number(readCoreEnv().FLINT_EXECUTOR_YOUNG_GEN_MB ?? 256);

export class ExecutorThreadPool {
  private readonly slots: Slot[] = [];
  private readonly taskSlot = new Map<number, number>();
  /** When each running task reached this executor (its metrics' executorReceivedTime). */
  private readonly received = new Map<number, number>();
  private readonly spans: TaskSpans;
  private stopped = false;
  /** Remote blocks' buffers, reused across tasks: as many bytes kept as one task may fetch into memory. */
  private readonly blockBuffers: BlockBufferPool;

  private constructor(private readonly opts: ExecutorThreadPoolOptions) {
    this.blockBuffers = new BlockBufferPool(remoteBlocksInMemory(opts.memoryBudget));
    this.spans = new TaskSpans(opts.executorId);
  }

  /** Every task end goes through here: the receive time goes into its metrics and its span ends. */
  private taskEnded(taskId: number, outcome: TaskOutcome): void {
    const received = this.received.get(taskId);
    this.received.delete(taskId);
    if (received !== undefined && outcome.metrics) outcome.metrics.executorReceivedTime = received;
    this.spans.end(taskId, outcome);
    this.opts.onTaskEnd(taskId, outcome);
  }

  static async create(opts: ExecutorThreadPoolOptions): Promise<ExecutorThreadPool> {
    const pool = new ExecutorThreadPool(opts);
    for (let i = 0; i < opts.threads; i++) pool.slots.push(pool.spawn(i));
    await Promise.all(pool.slots.map((s) => s.ready));
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(slot: number): Slot {
    const channel = this.opts.fetchRemoteBlocks ? new MessageChannel() : null;
    const blockSignal = channel ? new Int32Array(new SharedArrayBuffer(4)) : null;
    const killSignal = new Int32Array(new SharedArrayBuffer(4));
    const init: ThreadInit = {
      executorId: this.opts.executorId,
      slot,
      localDir: this.opts.localDir,
      memoryBudget: this.opts.memoryBudget,
      storageMemory: this.opts.storageMemory,
      blockPort: channel ? channel.port2 : null,
      blockSignal,
      killSignal,
    };
    const entry = import.meta.url.endsWith('.ts') ? './worker-entry.mjs' : './worker-main.js';
    const worker = new Worker(new URL(entry, import.meta.url), {
      workerData: init,
      transferList: channel ? [channel.port2] : [],
      execArgv: workerExecArgv(),
      resourceLimits: { maxYoungGenerationSizeMb: DEFAULT_YOUNG_GENERATION_MB, ...this.opts.resourceLimits },
      stdout: false,
      stderr: false,
    });
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    // Replacement threads are not awaited: a thread that dies before it is ready must not
    // surface as an unhandled rejection (its task, if any, is failed by the exit handler).
    ready.catch(() => undefined);
    const s: Slot = { worker, ready, plans: new Set(), running: null, blockPort: channel ? channel.port1 : null, blockSignal, fetches: [], killSignal, killing: null };
    worker.on('message', (m: FromThread) => this.onMessage(slot, s, m, readyResolve));
    worker.on('error', (e) => {
      readyReject(e);
      this.onThreadDeath(slot, s, (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? this.outOfMemory(slot) : `executor thread ${slot} failed: ${e.stack ?? e.message}`);
    });
    worker.on('exit', (code) => {
      readyReject(new Error(`executor thread ${slot} exited with code ${code} before it was ready`));
      this.onThreadDeath(slot, s, `executor thread ${slot} exited with code ${code}`);
    });
    return s;
  }

  private outOfMemory(slot: number): string {
    const limit = this.opts.resourceLimits?.maxOldGenerationSizeMb;
    const what = limit === undefined ? 'its heap limit' : `its heap limit of ${limit} MB`;
    const from = this.opts.memorySetting ? `, ${this.opts.memorySetting}` : '';
    return `executor thread ${slot} ran out of memory: the task needed more than ${what}${from}. Raise flint.executor.memory, or use more partitions so that each task holds less`;
  }

  private onThreadDeath(slot: number, s: Slot, message: string): void {
    if (this.slots[slot] !== s) return;
    this.endFetches(s);
    s.blockPort?.close();
    const running = s.running;
    const killing = s.killing;
    s.running = null;
    s.killing = null;
    if (killing) clearTimeout(killing.timer);
    if (!this.stopped) this.slots[slot] = this.spawn(slot);
    if (running !== null) {
      this.taskSlot.delete(running);
      this.taskEnded(
        running,
        killing?.taskId === running
          ? { status: 'failed', reason: { kind: 'killed', reason: killing.reason }, metrics: null }
          : {
              status: 'failed',
              reason: { kind: 'exception', className: 'ExecutorThreadError', message, stack: message, fnMethod: null, fnSource: null },
              metrics: null,
            },
      );
    }
  }

  private onMessage(slot: number, s: Slot, m: FromThread, ready: () => void): void {
    switch (m.type) {
      case 'ready':
        ready();
        return;
      case 'taskEnd': {
        this.endFetches(s);
        if (s.running === m.taskId) s.running = null;
        this.taskSlot.delete(m.taskId);
        const killing = s.killing;
        if (killing?.taskId === m.taskId) {
          // Stopped (or finished) after a kill: reported as killed, whatever it ended with; the thread is kept.
          clearTimeout(killing.timer);
          s.killing = null;
          Atomics.store(s.killSignal, 0, 0);
          this.taskEnded(m.taskId, { status: 'failed', reason: { kind: 'killed', reason: killing.reason }, metrics: null });
          return;
        }
        this.taskEnded(m.taskId, m.outcome);
        return;
      }
      case 'fetchBroadcast':
        this.opts.fetchBroadcast(m.id).then(
          (value) => this.reply(s, { type: 'reply', reqId: m.reqId, ok: true, value }),
          (e: Error) => this.reply(s, { type: 'reply', reqId: m.reqId, ok: false, error: `broadcast ${m.id}: ${e.message}` }),
        );
        return;
      case 'fetchBlocks': {
        const fetchBlocks = this.opts.fetchRemoteBlocks;
        const port = s.blockPort;
        const signal = s.blockSignal!;
        if (!fetchBlocks || !port) return;
        const post = (msg: BlockMessage, transfer: ArrayBuffer[] = []): void => {
          try {
            port.postMessage(msg, transfer);
          } catch {
            return; // the thread is gone
          }
          Atomics.add(signal, 0, 1);
          Atomics.notify(signal, 0);
        };
        const f = { cancelled: false, files: [] as string[], buffers: [] as Uint8Array[], settled: Promise.resolve() };
        f.settled = fetchBlocks(m.blocks, m.reduceId, {
          onBlock: (index, value) => {
            if (typeof value === 'string') f.files.push(value);
            if (f.cancelled) return;
            // Blocks held in memory own their buffers: move them to the thread instead of copying.
            post({ reqId: m.reqId, index, value }, transferOf(value));
          },
          cancelled: () => f.cancelled,
          alloc: (bytes) => {
            const b = this.blockBuffers.take(bytes);
            f.buffers.push(b);
            return b;
          },
        }).then((failure) => {
          if (failure && !f.cancelled) post({ reqId: m.reqId, failure });
        });
        s.fetches.push(f);
        return;
      }
    }
    void slot;
  }

  /** Stops the fetches of the slot's finished task and removes their files once they settle. */
  private endFetches(s: Slot): void {
    const fetches = s.fetches;
    s.fetches = [];
    for (const f of fetches) {
      f.cancelled = true;
      void f.settled.then(() => {
        for (const file of f.files) fs.rmSync(file, { force: true });
        // The task has ended and no fetch writes any more: its block buffers can go to the next one.
        for (const b of f.buffers) this.blockBuffers.give(b);
      });
    }
  }

  private reply(s: Slot, msg: ToThread, transfer: ArrayBuffer[] = []): void {
    try {
      s.worker.postMessage(msg, transfer);
    } catch {
      /* thread gone; its task is failed by the exit handler */
    }
  }

  /** True when the slot has no running task. */
  isFree(slot: number): boolean {
    return this.slots[slot]?.running === null;
  }

  /**
   * Runs a task on a slot; `plan` is the serialized StagePlan, sent only if the thread lacks it.
   * `receivedTime` is when the task reached this executor (epoch ms; default now).
   */
  launch(slot: number, task: TaskDescription, plan: () => Uint8Array, receivedTime = Date.now()): void {
    const s = this.slots[slot];
    if (!s) throw new Error(`no executor slot ${slot}`);
    if (s.running !== null) throw new Error(`executor slot ${slot} is busy with task ${s.running}`);
    s.running = task.taskId;
    this.taskSlot.set(task.taskId, slot);
    this.received.set(task.taskId, receivedTime);
    this.spans.start(task, receivedTime);
    let bytes: Uint8Array | null = null;
    if (!s.plans.has(task.planId)) {
      bytes = plan();
      s.plans.add(task.planId);
      if (s.plans.size > STAGE_PLANS_PER_THREAD) s.plans.delete(s.plans.values().next().value!);
    }
    try {
      s.worker.postMessage({ type: 'task', task, plan: bytes } satisfies ToThread);
    } catch (e) {
      // The task cannot reach the thread (data that cannot be cloned, such as a function inside
      // parallelize's data): the slot is free again and the task fails, with its job, instead of
      // leaving the slot busy for good.
      if (bytes) s.plans.delete(task.planId);
      s.running = null;
      this.taskSlot.delete(task.taskId);
      const message = `task ${task.taskId} could not be sent to executor thread ${slot}: ${(e as Error).message.replace(/\.$/, '')}. A task's input (such as parallelize's data) must be data: numbers, strings, booleans, null, undefined, bigints, arrays, plain objects, Maps, Sets, Dates and binary arrays`;
      queueMicrotask(() =>
        this.taskEnded(task.taskId, {
          status: 'failed',
          reason: { kind: 'exception', className: 'TaskLaunchError', message, stack: message, fnMethod: null, fnSource: null },
          metrics: null,
        }),
      );
    }
  }

  /**
   * Kills a running task: asks its thread to stop it, and reports it as killed once it has ended
   * (the slot stays busy until then). A task that does not stop within KILL_GRACE_MS has its thread
   * terminated and replaced.
   */
  kill(taskId: number, reason: string): void {
    const slot = this.taskSlot.get(taskId);
    if (slot === undefined) return;
    const s = this.slots[slot]!;
    if (s.running !== taskId || s.killing) return;
    Atomics.store(s.killSignal, 0, 1);
    // A task waiting for remote blocks wakes up to see the signal; its fetches stop.
    this.endFetches(s);
    if (s.blockSignal) {
      Atomics.add(s.blockSignal, 0, 1);
      Atomics.notify(s.blockSignal, 0);
    }
    const timer = setTimeout(() => this.replaceThread(slot, s), KILL_GRACE_MS);
    timer.unref();
    s.killing = { taskId, reason, timer };
  }

  /** Ends a killed task that did not stop in time by terminating its thread; reports it as killed. */
  private replaceThread(slot: number, s: Slot): void {
    const killing = s.killing;
    if (this.slots[slot] !== s || !killing || s.running !== killing.taskId) return;
    s.killing = null;
    s.running = null;
    this.taskSlot.delete(killing.taskId);
    this.endFetches(s);
    s.blockPort?.close();
    if (!this.stopped) this.slots[slot] = this.spawn(slot);
    void s.worker.terminate();
    this.taskEnded(killing.taskId, { status: 'failed', reason: { kind: 'killed', reason: killing.reason }, metrics: null });
  }

  removeRdd(rddId: number): void {
    for (const s of this.slots) this.reply(s, { type: 'removeRdd', rddId });
  }
  removeBroadcast(id: number): void {
    for (const s of this.slots) this.reply(s, { type: 'removeBroadcast', id });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const s of this.slots) if (s.killing) clearTimeout(s.killing.timer);
    this.spans.close();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
