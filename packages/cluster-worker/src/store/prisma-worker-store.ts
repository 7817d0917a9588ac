import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutorState } from '@flint/core/protocol';
import { type ExecutorRun, PrismaClient } from '../generated/prisma/client.ts';
import { PrismaSqliteStore, openPrismaSqlite } from '@flint/daemon/sqlite';
import { type ExecutorRunRecord, type WorkerStore, compareRuns } from './worker-store.ts';

/** The worker's database unless `--db` says otherwise: one per worker port. */
export function defaultWorkerDb(port: number): string {
  return path.join(os.homedir(), '.flint', `worker-${port}.db`);
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

/**
 * The worker's executor records in SQLite through Prisma; the only module of
 * the worker that imports the Prisma client. `open()` applies the SQL
 * migrations first (WAL mode).
 */
export class PrismaWorkerStore extends PrismaSqliteStore<PrismaClient> implements WorkerStore {
  private constructor(prisma: PrismaClient, dbPath: string) {
    super(prisma, dbPath, 'worker store');
  }

  static async open(dbPath: string): Promise<PrismaWorkerStore> {
    const { file, prisma } = await openPrismaSqlite({
      dbPath,
      migrationsDir: MIGRATIONS_DIR,
      client: (adapter) => new PrismaClient({ adapter }),
    });
    return new PrismaWorkerStore(prisma, file);
  }

  async load(): Promise<ExecutorRunRecord[]> {
    this.assertOpen();
    return (await this.prisma.executorRun.findMany()).map(toRecord).sort(compareRuns);
  }

  async saveExecutor(r: ExecutorRunRecord): Promise<void> {
    this.assertOpen();
    const data = {
      pid: r.pid,
      state: r.state,
      cores: r.cores,
      memoryMb: r.memoryMb,
      workDir: r.workDir,
      stdoutPath: r.stdoutPath,
      stderrPath: r.stderrPath,
      startedAt: new Date(r.startedAt),
      endedAt: r.endedAt === null ? null : new Date(r.endedAt),
      exitCode: r.exitCode,
      message: r.message,
    };
    await this.prisma.executorRun.upsert({
      where: { appId_executorId: { appId: r.appId, executorId: r.executorId } },
      create: { appId: r.appId, executorId: r.executorId, ...data },
      update: data,
    });
  }
}

function toRecord(r: ExecutorRun): ExecutorRunRecord {
  return {
    appId: r.appId,
    executorId: r.executorId,
    pid: r.pid,
    state: r.state as ExecutorState,
    cores: r.cores,
    memoryMb: r.memoryMb,
    workDir: r.workDir,
    stdoutPath: r.stdoutPath,
    stderrPath: r.stderrPath,
    startedAt: r.startedAt.getTime(),
    endedAt: r.endedAt === null ? null : r.endedAt.getTime(),
    exitCode: r.exitCode,
    message: r.message,
  };
}
