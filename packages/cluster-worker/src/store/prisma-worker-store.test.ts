import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { PrismaWorkerStore } from './prisma-worker-store.ts';
import type { WorkerStore } from './worker-store.ts';
import { workerStoreContract } from './worker-store-contract.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-worker-store-'));
let n = 0;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

workerStoreContract('PrismaWorkerStore', {
  create: () => PrismaWorkerStore.open(path.join(dir, `w${n++}.db`)),
  reopen: (s: WorkerStore) => PrismaWorkerStore.open((s as PrismaWorkerStore).dbPath),
});

describe('PrismaWorkerStore database', () => {
  it('is created readable by its owner only, with its WAL files, and an existing looser one is tightened', async () => {
    const file = path.join(dir, 'private', 'worker.db');
    const store = await PrismaWorkerStore.open(file);
    await store.saveExecutor({ appId: 'a', executorId: '0', pid: 1, state: 'RUNNING', cores: 1, memoryMb: 1, workDir: '/w', stdoutPath: '/w/o', stderrPath: '/w/e', startedAt: 1, endedAt: null, exitCode: null, message: null });
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect({ f, mode: fs.statSync(f).mode & 0o777 }).toEqual({ f, mode: 0o600 });
    await store.close();
    fs.chmodSync(file, 0o644);
    await (await PrismaWorkerStore.open(file)).close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('is created in WAL mode with its migration recorded', async () => {
    const file = path.join(dir, 'sub', 'worker.db');
    await (await PrismaWorkerStore.open(file)).close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect((db.prepare('SELECT name FROM _flint_migrations').all() as Array<{ name: string }>).map((r) => r.name)).toEqual(['0001_init']);
    } finally {
      db.close();
    }
  });
});
