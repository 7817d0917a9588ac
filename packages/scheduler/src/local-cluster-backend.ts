/**
 * The `local-cluster[W,C]` (or `local-cluster[W,C,MEM]`) backend: starts a master
 * and W workers with C cores each as real child processes on this machine, then
 * runs the application on them exactly as on a standalone cluster. Owns the
 * cluster it started and stops it with the application. The launcher comes
 * from @flint/cluster (a package, never an app), found by name at run time
 * because the cluster's daemons depend on this package.
 */
import type { FlintSettings, MapStatus, SchedulerBackend, SchedulerBackendContext, TaskSchedulerPort } from '@flint/core';
import { FlintError, FlintErrorCode } from '@flint/core';
import { StandaloneBackend } from './standalone-backend.ts';

interface LocalClusterLike {
  readonly masterUrl: string;
  stop(): Promise<void>;
}
interface LocalClusterModule {
  LocalCluster: {
    start(o: { workers: number; coresPerWorker: number; memoryPerWorker?: string; transport?: 'tcp' | 'http'; secret?: string }): Promise<LocalClusterLike>;
  };
}

/** Parses `local-cluster[W,C]` / `local-cluster[W,C,MEM]` (MEM in MiB, as in Spark); null otherwise. */
export function parseLocalClusterMaster(master: string): { workers: number; cores: number; memoryMb: number | null } | null {
  const m = /^local-cluster\[\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]$/.exec(master.trim());
  if (!m) return null;
  const workers = Number(m[1]);
  const cores = Number(m[2]);
  if (workers < 1 || cores < 1) return null;
  return { workers, cores, memoryMb: m[3] ? Number(m[3]) : null };
}

export class LocalClusterBackend implements SchedulerBackend {
  readonly registersApplication = true;
  private cluster: LocalClusterLike | null = null;
  private inner: StandaloneBackend | null = null;

  constructor(private readonly spec: { workers: number; cores: number; memoryMb: number | null }, private readonly settings: FlintSettings) {}

  async start(scheduler: TaskSchedulerPort, ctx: SchedulerBackendContext): Promise<void> {
    let mod: LocalClusterModule;
    try {
      mod = (await import('@flint/cluster' as string)) as LocalClusterModule;
    } catch (e) {
      throw new FlintError(FlintErrorCode.CONFIG, `local-cluster needs the cluster launcher (@flint/cluster): ${(e as Error).message}`, { cause: e });
    }
    const transport = this.settings.transport as 'tcp' | 'http';
    const secret = this.settings.secret;
    this.cluster = await mod.LocalCluster.start({
      workers: this.spec.workers,
      coresPerWorker: this.spec.cores,
      ...(this.spec.memoryMb ? { memoryPerWorker: `${this.spec.memoryMb}m` } : {}),
      transport,
      ...(secret ? { secret } : {}),
    });
    this.inner = new StandaloneBackend(this.cluster.masterUrl, {
      ...this.settings,
      ...(this.spec.memoryMb && !this.settings.setKeys.has('flint.executor.memory') ? { executorMemory: this.spec.memoryMb * 1024 * 1024 } : {}),
    });
    try {
      await this.inner.start(scheduler, ctx);
    } catch (e) {
      await this.cluster.stop();
      throw e;
    }
  }

  /** The URL of the master this backend started. */
  get masterUrl(): string | null {
    return this.cluster?.masterUrl ?? null;
  }

  reviveOffers(): void {
    this.inner?.reviveOffers();
  }
  killTask(taskId: number, executorId: string, reason: string): void {
    this.inner?.killTask(taskId, executorId, reason);
  }
  defaultParallelism(): number {
    return this.inner?.defaultParallelism() ?? this.spec.workers * this.spec.cores;
  }
  removeRdd(rddId: number): void {
    this.inner?.removeRdd(rddId);
  }
  removeBroadcast(id: number): void {
    this.inner?.removeBroadcast(id);
  }
  removeShuffle(shuffleId: number, outputs: MapStatus[]): void {
    this.inner?.removeShuffle(shuffleId, outputs);
  }
  async stop(): Promise<void> {
    try {
      await this.inner?.stop();
    } finally {
      await this.cluster?.stop();
    }
  }
}
