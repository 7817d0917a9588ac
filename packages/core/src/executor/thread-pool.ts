/**
 * An executor's task slots: one worker thread per core, each running one task at
 * a time. Owns the threads, which stage plans each thread has seen, and the
 * task -> thread mapping; it does not decide what runs where (the scheduler
 * names the slot). A thread that dies mid-task fails that task and is replaced;
 * killing a task terminates its thread. Used by the local backend (threads in
 * the driver) and by executor processes. Callbacks run on the owner's event loop.
 */
import { Worker } from 'node:worker_threads';
import type { BlockRef } from '../rdd/plan.ts';
import type { TaskDescription, TaskOutcome } from './task-description.ts';
import type { FromThread, ThreadInit, ToThread } from './thread-messages.ts';

export interface ExecutorThreadPoolOptions {
  executorId: string;
  threads: number;
  localDir: string;
  /** Bytes a task may hold in shuffle/aggregation/sort buffers before spilling. */
  memoryBudget: number;
  /** Bytes of cached blocks each thread may keep in memory. */
  storageMemory: number;
  fetchBroadcast(id: number): Promise<Uint8Array>;
  fetchRemoteBlocks: ((blocks: BlockRef[]) => Promise<(string | Uint8Array)[]>) | null;
  onTaskEnd(taskId: number, outcome: TaskOutcome): void;
  /** Extra V8 flags for the threads (e.g. heap limits). */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  plans: Set<string>;
  running: number | null;
}

/**
 * Flags for executor threads: none of the parent's. Process-wide flags (e.g. --expose-gc) are
 * refused by worker threads and loaders are registered by the thread entry itself. Per-thread
 * flags can be given in FLINT_EXECUTOR_THREAD_ARGS (space-separated), e.g. to profile executor
 * threads of a cluster: `--cpu-prof --cpu-prof-dir=/tmp/prof`.
 */
function workerExecArgv(): string[] {
  const extra = process.env.FLINT_EXECUTOR_THREAD_ARGS;
  return extra ? extra.split(' ').filter(Boolean) : [];
}

/** A larger young generation than V8's default: executor code allocates many short-lived records. */
const DEFAULT_YOUNG_GENERATION_MB = Number(process.env.FLINT_EXECUTOR_YOUNG_GEN_MB ?? 64);

export class ExecutorThreadPool {
  private readonly slots: Slot[] = [];
  private readonly taskSlot = new Map<number, number>();
  private stopped = false;

  private constructor(private readonly opts: ExecutorThreadPoolOptions) {}

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
    const init: ThreadInit = {
      executorId: this.opts.executorId,
      slot,
      localDir: this.opts.localDir,
      memoryBudget: this.opts.memoryBudget,
      storageMemory: this.opts.storageMemory,
      remoteFetch: this.opts.fetchRemoteBlocks !== null,
    };
    const entry = import.meta.url.endsWith('.ts') ? './worker-entry.mjs' : './worker-main.js';
    const worker = new Worker(new URL(entry, import.meta.url), {
      workerData: init,
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
    const s: Slot = { worker, ready, plans: new Set(), running: null };
    worker.on('message', (m: FromThread) => this.onMessage(slot, s, m, readyResolve));
    worker.on('error', (e) => {
      readyReject(e);
      this.onThreadDeath(slot, s, `executor thread ${slot} failed: ${e.stack ?? e.message}`);
    });
    worker.on('exit', (code) => {
      readyReject(new Error(`executor thread ${slot} exited with code ${code} before it was ready`));
      this.onThreadDeath(slot, s, `executor thread ${slot} exited with code ${code}`);
    });
    return s;
  }

  private onThreadDeath(slot: number, s: Slot, message: string): void {
    if (this.slots[slot] !== s) return;
    const running = s.running;
    s.running = null;
    if (!this.stopped) this.slots[slot] = this.spawn(slot);
    if (running !== null) {
      this.taskSlot.delete(running);
      this.opts.onTaskEnd(running, {
        status: 'failed',
        reason: { kind: 'exception', className: 'ExecutorThreadError', message, stack: message, fnMethod: null, fnSource: null },
        metrics: null,
      });
    }
  }

  private onMessage(slot: number, s: Slot, m: FromThread, ready: () => void): void {
    switch (m.type) {
      case 'ready':
        ready();
        return;
      case 'taskEnd':
        if (s.running === m.taskId) s.running = null;
        this.taskSlot.delete(m.taskId);
        this.opts.onTaskEnd(m.taskId, m.outcome);
        return;
      case 'fetchBroadcast':
        this.opts.fetchBroadcast(m.id).then(
          (value) => this.reply(s, { type: 'reply', reqId: m.reqId, ok: true, value }),
          (e: Error) => this.reply(s, { type: 'reply', reqId: m.reqId, ok: false, error: `broadcast ${m.id}: ${e.message}` }),
        );
        return;
      case 'fetchBlocks':
        if (!this.opts.fetchRemoteBlocks) {
          this.reply(s, { type: 'reply', reqId: m.reqId, ok: false, error: 'remote block fetch is not available here' });
          return;
        }
        this.opts.fetchRemoteBlocks(m.blocks).then(
          (value) => {
            // Blocks held in memory own their buffers: move them to the thread instead of copying.
            const transfer = value.filter((v): v is Uint8Array => typeof v !== 'string' && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength).map((v) => v.buffer as ArrayBuffer);
            this.reply(s, { type: 'reply', reqId: m.reqId, ok: true, value }, transfer);
          },
          (e: Error & { mapId?: number; executorId?: string }) =>
            this.reply(s, { type: 'reply', reqId: m.reqId, ok: false, error: e.message, value: { mapId: e.mapId, executorId: e.executorId } }),
        );
        return;
    }
    void slot;
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

  /** Runs a task on a slot; `plan` is the serialized StagePlan, sent only if the thread lacks it. */
  launch(slot: number, task: TaskDescription, plan: () => Uint8Array): void {
    const s = this.slots[slot];
    if (!s) throw new Error(`no executor slot ${slot}`);
    if (s.running !== null) throw new Error(`executor slot ${slot} is busy with task ${s.running}`);
    s.running = task.taskId;
    this.taskSlot.set(task.taskId, slot);
    let bytes: Uint8Array | null = null;
    if (!s.plans.has(task.planId)) {
      bytes = plan();
      s.plans.add(task.planId);
      if (s.plans.size > 64) s.plans.delete(s.plans.values().next().value!);
    }
    s.worker.postMessage({ type: 'task', task, plan: bytes } satisfies ToThread);
  }

  /** Kills a running task by replacing its thread; reports it as killed. */
  kill(taskId: number, reason: string): void {
    const slot = this.taskSlot.get(taskId);
    if (slot === undefined) return;
    const s = this.slots[slot]!;
    this.taskSlot.delete(taskId);
    s.running = null;
    this.slots[slot] = this.spawn(slot);
    void s.worker.terminate();
    this.opts.onTaskEnd(taskId, { status: 'failed', reason: { kind: 'killed', reason }, metrics: null });
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
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
