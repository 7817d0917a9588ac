/**
 * The `local[N]` backend: one executor ("driver") with N task slots, each a
 * worker thread in the driver process. Tasks, closures and results cross the
 * thread boundary serialized, exactly as they cross processes in a cluster.
 * Owns the thread pool; offers free slots to the TaskScheduler whenever a task
 * ends or new tasks arrive. Runs on the driver's event loop.
 */
import fs from 'node:fs';
import os from 'node:os';
import {
  type MapStatus,
  type SchedulerBackend,
  type SchedulerBackendContext,
  type TaskSchedulerPort,
  type WorkerOffer,
} from '@flint/core';
import { ExecutorThreadPool } from '@flint/core/internal';

export const LOCAL_EXECUTOR_ID = 'driver';

export class LocalBackend implements SchedulerBackend {
  private pool: ExecutorThreadPool | null = null;
  private scheduler: TaskSchedulerPort | null = null;
  private reviving = false;
  private stopped = false;

  constructor(readonly threads: number) {}

  async start(scheduler: TaskSchedulerPort, ctx: SchedulerBackendContext): Promise<void> {
    this.scheduler = scheduler;
    this.pool = await ExecutorThreadPool.create({
      executorId: LOCAL_EXECUTOR_ID,
      threads: this.threads,
      localDir: ctx.localDir,
      memoryBudget: ctx.settings.memoryBudget,
      storageMemory: ctx.settings.storageMemory,
      fetchBroadcast: async (id) => ctx.broadcasts.broadcastBytes(id),
      fetchRemoteBlocks: null,
      onTaskEnd: (taskId, outcome) => {
        if (this.stopped) return;
        scheduler.statusUpdate(taskId, outcome);
        this.reviveOffers();
      },
    });
    scheduler.executorAdded({ executorId: LOCAL_EXECUTOR_ID, host: 'localhost', cores: this.threads, address: '', pid: process.pid, workerId: null });
  }

  reviveOffers(): void {
    if (this.reviving || this.stopped || !this.pool || !this.scheduler) return;
    this.reviving = true;
    try {
      for (;;) {
        const offers: WorkerOffer[] = [];
        for (let s = 0; s < this.pool.size; s++) if (this.pool.isFree(s)) offers.push({ executorId: LOCAL_EXECUTOR_ID, host: 'localhost', slot: s });
        if (offers.length === 0) return;
        const launches = this.scheduler.resourceOffers(offers);
        if (launches.length === 0) return;
        for (const l of launches) this.pool.launch(l.offer.slot, l.task, l.plan);
      }
    } finally {
      this.reviving = false;
    }
  }

  killTask(taskId: number, _executorId: string, reason: string): void {
    this.pool?.kill(taskId, reason);
  }

  defaultParallelism(): number {
    return this.threads;
  }

  removeRdd(rddId: number): void {
    this.pool?.removeRdd(rddId);
  }

  removeBroadcast(id: number): void {
    this.pool?.removeBroadcast(id);
  }

  removeShuffle(_shuffleId: number, outputs: MapStatus[]): void {
    // Executor threads write into the driver's local dir: the files are this process's to delete.
    for (const o of outputs) void fs.promises.rm(o.path, { force: true }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.pool?.stop();
  }
}

/** Parses `local`, `local[N]`, `local[*]`; null for other master URLs. */
export function parseLocalMaster(master: string): number | null {
  if (master === 'local') return 1;
  const m = /^local\[(\d+|\*)\]$/.exec(master.trim());
  if (!m) return null;
  if (m[1] === '*') return Math.max(1, os.availableParallelism());
  const n = Number(m[1]);
  return n >= 1 ? n : null;
}
