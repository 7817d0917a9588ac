import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { EventStore } from './event-store.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { syntheticTaskEnd } from './synthetic-application.ts';
import { taskPhases } from './task-phases.ts';
import type { FlintEvent } from '@flint/core';

export interface InsertPathsResult {
  rows: number;
  /** Task rows per second through Prisma's `createMany` (one call per 1,000 rows, inside one `$transaction`). */
  prismaCreateManyRowsPerSec: number;
  /** Task rows per second through one prepared INSERT in one better-sqlite3 transaction. */
  preparedInsertRowsPerSec: number;
  /** Task-end events per second through `EventStore.ingest` (upserts and change rows included). */
  ingestEventsPerSec: number;
  /** The same three rates per second of this process's CPU time (less sensitive to a busy machine). */
  perCpuSecond: { prismaCreateMany: number; preparedInsert: number; ingest: number };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Measures the two ways of writing task rows that the hot path could take, on
 * fresh files in `dir` (for the benchmark and the choice documented in
 * EventIngester): the same `rows` task-end rows each way.
 */
export async function measureInsertPaths(dir: string, rows = 20_000): Promise<InsertPathsResult> {
  fs.mkdirSync(dir, { recursive: true });
  const events = Array.from({ length: rows }, (_, i) => syntheticTaskEnd(i, 0, i, 1_760_000_000_000 + i)) as Array<Extract<FlintEvent, { type: 'taskEnd' }>>;
  const data = events.map((e) => {
    const t = e.taskInfo;
    const m = e.metrics!;
    const p = taskPhases(t.launchTime, t.finishTime, m);
    return {
      appId: 'bench',
      taskId: t.taskId,
      stageId: e.stageId,
      stageAttempt: e.stageAttempt,
      index: t.index,
      attempt: t.attempt,
      executorId: t.executorId,
      host: t.host,
      slot: t.slot,
      locality: t.locality,
      speculative: 0,
      taskType: e.taskType,
      status: 'SUCCESS',
      launchTime: t.launchTime,
      finishTime: t.finishTime,
      duration: p.duration,
      hasMetrics: 1,
      ...m,
      shuffleReadBytes: m.shuffleReadLocalBytes + m.shuffleReadRemoteBytes,
      schedulerDelay: p.schedulerDelay,
      deserialize: p.deserialize,
      shuffleReadWait: p.shuffleReadWait,
      compute: p.compute,
      shuffleWrite: p.shuffleWrite,
      resultSerialize: p.resultSerialize,
      resultFetch: p.resultFetch,
    };
  });

  // Prisma createMany.
  const prismaFile = path.join(dir, `prisma-${process.pid}.db`);
  await (await EventStore.open(prismaFile)).close();
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${prismaFile}` }) });
  let t0 = performance.now();
  let c0 = cpuMs();
  await prisma.$transaction(async (tx) => {
    for (let i = 0; i < data.length; i += 1000) await tx.task.createMany({ data: data.slice(i, i + 1000) });
  });
  const prismaMs = performance.now() - t0;
  const prismaCpu = cpuMs() - c0;
  await prisma.$disconnect();

  // One prepared statement, one transaction.
  const rawFile = path.join(dir, `raw-${process.pid}.db`);
  await (await EventStore.open(rawFile)).close();
  const db = new Database(rawFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const cols = Object.keys(data[0]);
  const insert = db.prepare(`INSERT INTO "Task" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
  t0 = performance.now();
  c0 = cpuMs();
  db.transaction(() => {
    for (const d of data) insert.run(Object.values(d) as unknown[]);
  })();
  const rawMs = performance.now() - t0;
  const rawCpu = cpuMs() - c0;
  db.close();

  // The real ingest path, in 10,000-event batches as the master receives them.
  const ingestFile = path.join(dir, `ingest-${process.pid}.db`);
  const store = await EventStore.open(ingestFile, { readOnlyQueriesWithoutPrisma: true });
  t0 = performance.now();
  c0 = cpuMs();
  for (let i = 0; i < events.length; i += 10_000) await store.ingest('bench', i + 1, events.slice(i, i + 10_000));
  const ingestMs = performance.now() - t0;
  const ingestCpu = cpuMs() - c0;
  await store.close();
  for (const f of [prismaFile, rawFile, ingestFile]) for (const x of ['', '-wal', '-shm']) fs.rmSync(f + x, { force: true });
  return {
    rows,
    prismaCreateManyRowsPerSec: Math.round(rows / (prismaMs / 1000)),
    preparedInsertRowsPerSec: Math.round(rows / (rawMs / 1000)),
    ingestEventsPerSec: Math.round(rows / (ingestMs / 1000)),
    perCpuSecond: { prismaCreateMany: Math.round(rows / (prismaCpu / 1000)), preparedInsert: Math.round(rows / (rawCpu / 1000)), ingest: Math.round(rows / (ingestCpu / 1000)) },
  };
}
