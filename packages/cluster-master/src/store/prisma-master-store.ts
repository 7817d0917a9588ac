import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaClient } from '../generated/prisma/client.ts';
import type { Application, Executor, Worker } from '../generated/prisma/client.ts';
import {
  type ApplicationRecord,
  type ExecutorRecord,
  type MasterSnapshot,
  type MasterStore,
  type StoredWorkerState,
  type WorkerRecord,
  StoreError,
  compareExecutors,
} from './master-store.ts';
import { PrismaSqliteStore, openPrismaSqlite } from '@flint/daemon/sqlite';
import type { AppState, ExecutorState } from '@flint/core/protocol';

/** Where the master keeps its database unless `--db` says otherwise. */
export const DEFAULT_MASTER_DB = path.join(os.homedir(), '.flint', 'master.db');

const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

/**
 * The master's state in SQLite through Prisma: the only module that imports
 * the Prisma client. `open()` applies the SQL migrations first (WAL mode).
 * Prisma serialises its queries on one connection; each save is one upsert.
 */
export class PrismaMasterStore extends PrismaSqliteStore<PrismaClient> implements MasterStore {
  private constructor(prisma: PrismaClient, dbPath: string) {
    super(prisma, dbPath, 'master store');
  }

  /** Opens (creating and migrating as needed) the database at `dbPath`. */
  static async open(dbPath: string = DEFAULT_MASTER_DB): Promise<PrismaMasterStore> {
    const { file, prisma } = await openPrismaSqlite({
      dbPath,
      migrationsDir: MIGRATIONS_DIR,
      client: (adapter) => new PrismaClient({ adapter }),
    });
    return new PrismaMasterStore(prisma, file);
  }

  async load(): Promise<MasterSnapshot> {
    this.assertOpen();
    const [workers, applications, executors] = await Promise.all([
      this.prisma.worker.findMany({ orderBy: [{ registeredAt: 'asc' }, { id: 'asc' }] }),
      this.prisma.application.findMany({ orderBy: [{ submittedAt: 'asc' }, { id: 'asc' }] }),
      this.prisma.executor.findMany(),
    ]);
    return {
      workers: workers.map(toWorkerRecord),
      applications: applications.map(toApplicationRecord),
      executors: executors.map(toExecutorRecord).sort(compareExecutors),
    };
  }

  async saveWorker(w: WorkerRecord): Promise<void> {
    this.assertOpen();
    const data = {
      host: w.host,
      address: w.address,
      cores: w.cores,
      memoryMb: w.memoryMb,
      webPort: w.webPort,
      state: w.state,
      registeredAt: new Date(w.registeredAt),
      lastHeartbeat: new Date(w.lastHeartbeat),
      endedAt: date(w.endedAt),
    };
    await this.prisma.worker.upsert({ where: { id: w.workerId }, create: { id: w.workerId, ...data }, update: data });
  }

  async saveApplication(a: ApplicationRecord): Promise<void> {
    this.assertOpen();
    const data = {
      name: a.name,
      user: a.user,
      driverAddress: a.driverAddress,
      coresPerExecutor: a.coresPerExecutor,
      memoryPerExecutorMb: a.memoryPerExecutorMb,
      maxCores: a.maxCores,
      transport: a.transport,
      conf: JSON.stringify(a.conf),
      state: a.state,
      submittedAt: new Date(a.submittedAt),
      endedAt: date(a.endedAt),
      endReason: a.endReason,
      executorFailures: a.executorFailures,
    };
    await this.prisma.application.upsert({ where: { id: a.appId }, create: { id: a.appId, ...data }, update: data });
  }

  async saveExecutor(e: ExecutorRecord): Promise<void> {
    this.assertOpen();
    const data = {
      cores: e.cores,
      memoryMb: e.memoryMb,
      state: e.state,
      launchedAt: new Date(e.launchedAt),
      endedAt: date(e.endedAt),
      exitCode: e.exitCode,
      message: e.message,
    };
    const [app, worker] = await Promise.all([
      this.prisma.application.count({ where: { id: e.appId } }),
      this.prisma.worker.count({ where: { id: e.workerId } }),
    ]);
    if (app === 0) throw new StoreError('MISSING_REFERENCE', `executor ${e.executorId} names application ${e.appId}, which is not stored: save the application first`);
    if (worker === 0) throw new StoreError('MISSING_REFERENCE', `executor ${e.executorId} names worker ${e.workerId}, which is not stored: save the worker first`);
    await this.prisma.executor.upsert({
      where: { appId_id: { appId: e.appId, id: e.executorId } },
      create: { appId: e.appId, id: e.executorId, workerId: e.workerId, ...data },
      update: { workerId: e.workerId, ...data },
    });
  }
}

function date(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

function time(d: Date | null): number | null {
  return d === null ? null : d.getTime();
}

function toWorkerRecord(w: Worker): WorkerRecord {
  return {
    workerId: w.id,
    host: w.host,
    address: w.address,
    cores: w.cores,
    memoryMb: w.memoryMb,
    webPort: w.webPort,
    state: w.state as StoredWorkerState,
    registeredAt: w.registeredAt.getTime(),
    lastHeartbeat: w.lastHeartbeat.getTime(),
    endedAt: time(w.endedAt),
  };
}

function toApplicationRecord(a: Application): ApplicationRecord {
  let conf: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(a.conf) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) conf = parsed as Record<string, unknown>;
  } catch {
    // A conf that no longer parses is not worth refusing recovery for.
  }
  return {
    appId: a.id,
    name: a.name,
    user: a.user,
    driverAddress: a.driverAddress,
    coresPerExecutor: a.coresPerExecutor,
    memoryPerExecutorMb: a.memoryPerExecutorMb,
    maxCores: a.maxCores,
    transport: a.transport,
    conf,
    state: a.state as AppState,
    submittedAt: a.submittedAt.getTime(),
    endedAt: time(a.endedAt),
    endReason: a.endReason,
    executorFailures: a.executorFailures,
  };
}

function toExecutorRecord(e: Executor): ExecutorRecord {
  return {
    appId: e.appId,
    executorId: e.id,
    workerId: e.workerId,
    cores: e.cores,
    memoryMb: e.memoryMb,
    state: e.state as ExecutorState,
    launchedAt: e.launchedAt.getTime(),
    endedAt: time(e.endedAt),
    exitCode: e.exitCode,
    message: e.message,
  };
}
