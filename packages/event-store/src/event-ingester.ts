import type Database from 'better-sqlite3';
import type { FlintEvent, StageInfo, TaskMetrics } from '@flint/core';
import { EventStoreError } from './event-store-error.ts';
import { PHASE_TIMESTAMP_NAMES, TASK_METRIC_NAMES, type IngestResult } from './event-store-types.ts';
import { redactSecrets } from './redact.ts';
import { taskPhases } from './task-phases.ts';

/** Every TaskMetrics field, in the column order of the Task table's metric columns. */
const METRIC_COLUMNS = [...TASK_METRIC_NAMES, ...PHASE_TIMESTAMP_NAMES] as const;
const DERIVED_COLUMNS = ['shuffleReadBytes', 'schedulerDelay', 'deserialize', 'shuffleReadWait', 'compute', 'shuffleWrite', 'resultSerialize', 'resultFetch'] as const;

const TASK_END_COLUMNS = [
  'appId',
  'taskId',
  'stageId',
  'stageAttempt',
  'index',
  'attempt',
  'executorId',
  'host',
  'slot',
  'locality',
  'speculative',
  'taskType',
  'status',
  'failureKind',
  'failureMessage',
  'launchTime',
  'finishTime',
  'duration',
  'hasMetrics',
  ...METRIC_COLUMNS,
  ...DERIVED_COLUMNS,
] as const;

/** What one batch touched, for its Change row. */
interface BatchChanges {
  appChanged: boolean;
  jobIds: Set<number>;
  stageIds: Set<number>;
  executorIds: Set<string>;
  tasksStarted: number;
  tasksEnded: number;
  /** `stageId:attempt` of stage attempts whose cached quantiles a task end invalidates. */
  endedTaskStages: Set<string>;
}

/** A stage attempt that a stored batch ended (stageCompleted). */
export interface EndedStageAttempt {
  stageId: number;
  attempt: number;
}

/**
 * The hot write path: applies numbered event batches to the tables through
 * prepared better-sqlite3 statements, one immediate transaction per batch.
 * Owns its statements; not safe to use after the database closes.
 *
 * Why not Prisma here: the same 20,000 task-end rows (56 columns) written by
 * `measureInsertPaths` (`pnpm bench events`) on this 2-core machine, in three
 * runs at a load average of 14–22 (other work running): Prisma `createMany`
 * (1,000 rows a call, one `$transaction`) 81–370 rows/s, 530–650 per CPU
 * second; one prepared INSERT in one better-sqlite3 transaction 21,000–28,000
 * rows/s, 95,000–115,000 per CPU second — about 170 times more. This ingest
 * path (upserts, phases, change rows) stores 49,000–71,000 task-end events per
 * CPU second. So the hot path is prepared statements; Prisma keeps the model
 * (schema.prisma) and serves the simple reads.
 */
export class EventIngester {
  private readonly s: ReturnType<typeof prepare>;
  private readonly tx: (appId: string, firstSeq: number, events: readonly unknown[]) => IngestResult;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    this.s = prepare(db);
    const run = db.transaction((appId: string, firstSeq: number, events: readonly unknown[]) => this.applyBatch(appId, firstSeq, events));
    this.tx = (appId, firstSeq, events) => run.immediate(appId, firstSeq, events);
  }

  /** Stage attempts ended by the last chunk this ingester stored (empty when it was refused or failed). */
  endedStages: EndedStageAttempt[] = [];

  /** Stores `events` numbered from `firstSeq` (see EventStore.ingest). Synchronous: one transaction. */
  ingestChunk(appId: string, firstSeq: number, events: readonly unknown[]): IngestResult {
    this.endedStages = [];
    try {
      return this.tx(appId, firstSeq, events);
    } catch (err) {
      this.endedStages = [];
      throw err;
    }
  }

  private applyBatch(appId: string, firstSeq: number, events: readonly unknown[]): IngestResult {
    const s = this.s;
    s.ensureApp.run(appId, this.now());
    const storedThrough = (s.storedThrough.get(appId) as { storedThrough: number }).storedThrough;
    if (firstSeq > storedThrough + 1) return { storedThrough, stored: 0, gap: true };
    const skip = storedThrough + 1 - firstSeq;
    if (skip >= events.length) return { storedThrough, stored: 0, gap: false };
    const ch: BatchChanges = { appChanged: false, jobIds: new Set(), stageIds: new Set(), executorIds: new Set(), tasksStarted: 0, tasksEnded: 0, endedTaskStages: new Set() };
    const early = startsWithTheirEnd(events, skip);
    for (let i = skip; i < events.length; i++) {
      if (early.applied.has(i)) continue;
      let e = events[i] as FlintEvent;
      let at = i;
      try {
        const end = early.endOf.get(i);
        if (end !== undefined) {
          // The task's start and end are both in this chunk: its row is written once, whole,
          // where the start is (so its rowid still says when it arrived), not inserted and
          // then rewritten.
          this.countStart(e as Extract<FlintEvent, { type: 'taskStart' }>, ch);
          at = end;
          e = events[end] as FlintEvent;
          this.apply(appId, e, ch);
          continue;
        }
        this.apply(appId, e, ch);
      } catch (cause) {
        if (cause instanceof EventStoreError) throw cause;
        const type = e && typeof e === 'object' && typeof (e as { type?: unknown }).type === 'string' ? (e as { type: string }).type : typeof e;
        throw new EventStoreError('INVALID_EVENT', `event #${firstSeq + at} (${type}) of application ${appId} cannot be stored: ${(cause as Error).message}; nothing of its batch was stored`, { cause });
      }
    }
    const last = firstSeq + events.length - 1;
    s.setStoredThrough.run({ through: last, appId });
    for (const key of ch.endedTaskStages) {
      const [stageId, attempt] = key.split(':').map(Number);
      s.clearQuantiles.run(appId, stageId, attempt);
    }
    s.insertChange.run(
      appId,
      'events',
      this.now(),
      storedThrough + 1,
      last,
      ch.appChanged ? 1 : 0,
      JSON.stringify([...ch.jobIds]),
      JSON.stringify([...ch.stageIds]),
      JSON.stringify([...ch.executorIds]),
      ch.tasksStarted,
      ch.tasksEnded,
    );
    return { storedThrough: last, stored: events.length - skip, gap: false };
  }

  private apply(appId: string, e: FlintEvent, ch: BatchChanges): void {
    const s = this.s;
    switch (e.type) {
      case 'taskEnd': {
        const t = e.taskInfo;
        const reason = e.reason;
        const status = reason.kind === 'success' ? 'SUCCESS' : reason.kind === 'killed' ? 'KILLED' : 'FAILED';
        const failureMessage = reason.kind === 'success' ? null : reason.kind === 'killed' ? reason.reason : reason.message;
        const finish = t.finishTime ?? e.time;
        const m = e.metrics as TaskMetrics | null;
        const p = taskPhases(t.launchTime, finish, m);
        const row: unknown[] = [
          appId,
          t.taskId,
          e.stageId,
          e.stageAttempt,
          t.index,
          t.attempt,
          t.executorId,
          t.host,
          t.slot,
          t.locality,
          t.speculative ? 1 : 0,
          e.taskType,
          status,
          reason.kind === 'success' ? null : reason.kind,
          failureMessage,
          t.launchTime,
          finish,
          p.duration,
          m ? 1 : 0,
        ];
        for (const c of METRIC_COLUMNS) row.push(m ? num(m[c]) : null);
        row.push(m ? num(m.shuffleReadRemoteBytes) + num(m.shuffleReadLocalBytes) : null);
        row.push(p.schedulerDelay, p.deserialize, p.shuffleReadWait, p.compute, p.shuffleWrite, p.resultSerialize, p.resultFetch);
        s.upsertTaskEnd.run(row);
        ch.tasksEnded++;
        ch.stageIds.add(e.stageId);
        ch.executorIds.add(t.executorId);
        ch.endedTaskStages.add(`${e.stageId}:${e.stageAttempt}`);
        return;
      }
      case 'taskStart': {
        const t = e.taskInfo;
        s.insertTaskStart.run(appId, t.taskId, e.stageId, e.stageAttempt, t.index, t.attempt, t.executorId, t.host, t.slot, t.locality, t.speculative ? 1 : 0, t.launchTime);
        this.countStart(e, ch);
        return;
      }
      case 'applicationStart':
        s.appStart.run(e.appName ?? '', e.user ?? '', e.master ?? '', JSON.stringify(redactSecrets(e.conf ?? {})), e.time, appId);
        ch.appChanged = true;
        return;
      case 'applicationEnd':
        s.appEnd.run(e.time, appId);
        ch.appChanged = true;
        return;
      case 'jobStart': {
        const stageIds = e.stageIds ?? e.stageInfos.map((si) => si.stageId);
        s.upsertJob.run(appId, e.jobId, e.description ?? '', e.jobGroup ?? null, e.time, e.traceId ?? null, JSON.stringify(stageIds));
        for (const si of e.stageInfos) {
          this.upsertStage(appId, si);
          s.insertJobStage.run(appId, e.jobId, si.stageId);
          ch.stageIds.add(si.stageId);
        }
        ch.jobIds.add(e.jobId);
        ch.appChanged = true;
        return;
      }
      case 'jobEnd': {
        const r = e.result;
        const state = r.status === 'succeeded' ? 'SUCCEEDED' : r.status === 'cancelled' ? 'CANCELLED' : 'FAILED';
        s.jobEnd.run(state, r.status === 'succeeded' ? null : r.error, e.time, appId, e.jobId);
        ch.jobIds.add(e.jobId);
        ch.appChanged = true;
        return;
      }
      case 'stageSubmitted': {
        const si = e.stageInfo;
        this.upsertStage(appId, si);
        const jobId = (s.runningJobOfStage.get(appId, si.stageId) as { jobId: number | null } | undefined)?.jobId ?? null;
        s.stageSubmitted.run(appId, si.stageId, si.attempt, si.numTasks, si.submissionTime ?? e.time, jobId);
        s.markSubmitted.run(appId, si.stageId, appId);
        ch.stageIds.add(si.stageId);
        if (jobId !== null) ch.jobIds.add(jobId);
        return;
      }
      case 'stageCompleted': {
        const si = e.stageInfo;
        this.upsertStage(appId, si);
        const failed = si.failureReason !== null && si.failureReason !== undefined;
        s.stageCompleted.run(appId, si.stageId, si.attempt, si.numTasks, si.submissionTime ?? null, failed ? 'FAILED' : 'COMPLETE', si.completionTime ?? e.time, failed ? si.failureReason : null);
        ch.stageIds.add(si.stageId);
        ch.endedTaskStages.add(`${si.stageId}:${si.attempt}`);
        this.endedStages.push({ stageId: si.stageId, attempt: si.attempt });
        return;
      }
      case 'executorAdded':
        s.executorAdded.run(appId, e.executorId, e.host ?? '', e.totalCores ?? 0, e.address ?? '', e.pid ?? null, e.workerId ?? null, e.time, JSON.stringify(e.logUrls ?? {}));
        ch.executorIds.add(e.executorId);
        return;
      case 'executorRemoved':
        s.executorRemoved.run(appId, e.executorId, e.time, e.reason ?? '');
        ch.executorIds.add(e.executorId);
        return;
      case 'blockUpdated':
        if (e.storageLevel === 'NONE' || (num(e.memSize) === 0 && num(e.diskSize) === 0)) s.deleteBlock.run(appId, e.executorId, e.blockId);
        else s.upsertBlock.run(appId, e.executorId, e.blockId, e.rddId, e.storageLevel, num(e.memSize), num(e.diskSize), e.time);
        ch.executorIds.add(e.executorId);
        return;
      case 'unpersistRDD':
        s.unpersist.run(appId, e.rddId);
        return;
      default:
        // An event type this version does not know (a newer driver): counted as stored so
        // the sequence stays whole; nothing of it is kept.
        if (!e || typeof e !== 'object' || typeof (e as { type?: unknown }).type !== 'string') throw new Error('not an event object with a type');
        return;
    }
  }

  private countStart(e: Extract<FlintEvent, { type: 'taskStart' }>, ch: BatchChanges): void {
    ch.tasksStarted++;
    ch.stageIds.add(e.stageId);
    ch.executorIds.add(e.taskInfo.executorId);
  }

  private upsertStage(appId: string, si: StageInfo): void {
    this.s.upsertStage.run(appId, si.stageId, si.name ?? '', si.kind, si.numTasks, JSON.stringify(si.parentIds ?? []), JSON.stringify(si.rddInfos ?? []), si.shuffleId ?? null);
  }
}

/**
 * Task starts whose task's end comes later in the same events (from index `from`), with
 * the same task id, stage attempt and launch time, and no other start or end of that
 * task id between: `endOf` maps the start's index to its end's, `applied` holds the ends.
 * Anything unusual (a task id seen twice, a malformed event) is left to the plain path.
 */
function startsWithTheirEnd(events: readonly unknown[], from: number): { endOf: Map<number, number>; applied: Set<number> } {
  const endOf = new Map<number, number>();
  const applied = new Set<number>();
  const open = new Map<number, number>();
  const seen = new Set<number>();
  for (let i = from; i < events.length; i++) {
    const e = events[i] as { type?: unknown; taskInfo?: { taskId?: unknown; launchTime?: unknown }; stageId?: unknown; stageAttempt?: unknown } | null;
    if (!e || typeof e !== 'object' || (e.type !== 'taskStart' && e.type !== 'taskEnd')) continue;
    const id = e.taskInfo?.taskId;
    if (typeof id !== 'number') continue;
    if (e.type === 'taskStart') {
      if (seen.has(id)) open.delete(id);
      else open.set(id, i);
      seen.add(id);
      continue;
    }
    const start = open.get(id);
    open.delete(id);
    if (start === undefined) {
      seen.add(id);
      continue;
    }
    const st = events[start] as typeof e;
    if (st.stageId === e.stageId && st.stageAttempt === e.stageAttempt && st.taskInfo!.launchTime === e.taskInfo!.launchTime) {
      endOf.set(start, i);
      applied.add(i);
    }
  }
  return { endOf, applied };
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function prepare(db: Database.Database) {
  const q = (c: string) => `"${c}"`;
  const updates = TASK_END_COLUMNS.filter((c) => c !== 'appId' && c !== 'taskId')
    .map((c) => `${q(c)} = excluded.${q(c)}`)
    .join(', ');
  return {
    ensureApp: db.prepare(`INSERT OR IGNORE INTO "Application" ("appId", "createdAt") VALUES (?, ?)`),
    storedThrough: db.prepare(`SELECT "storedThrough" FROM "Application" WHERE "appId" = ?`),
    // A batch that lands after the application ended (its last one, racing the end) shrinks the proven loss.
    setStoredThrough: db.prepare(
      `UPDATE "Application" SET "storedThrough" = @through, "droppedEvents" = CASE WHEN "state" = 'RUNNING' THEN "droppedEvents" ELSE MAX(0, "eventsPosted" - @through) END WHERE "appId" = @appId`,
    ),
    insertChange: db.prepare(
      `INSERT INTO "Change" ("appId", "kind", "time", "firstSeq", "lastSeq", "appChanged", "jobIds", "stageIds", "executorIds", "tasksStarted", "tasksEnded") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    appStart: db.prepare(`UPDATE "Application" SET "name" = ?, "user" = ?, "master" = ?, "conf" = ?, "startTime" = ? WHERE "appId" = ?`),
    appEnd: db.prepare(`UPDATE "Application" SET "endTime" = ?, "state" = CASE WHEN "state" = 'RUNNING' THEN 'FINISHED' ELSE "state" END WHERE "appId" = ?`),
    upsertJob: db.prepare(
      `INSERT INTO "Job" ("appId", "jobId", "description", "jobGroup", "state", "submissionTime", "traceId", "stageIds") VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?)
       ON CONFLICT ("appId", "jobId") DO UPDATE SET "description" = excluded."description", "jobGroup" = excluded."jobGroup", "submissionTime" = excluded."submissionTime", "traceId" = excluded."traceId", "stageIds" = excluded."stageIds"`,
    ),
    jobEnd: db.prepare(`UPDATE "Job" SET "state" = ?, "error" = ?, "completionTime" = ? WHERE "appId" = ? AND "jobId" = ?`),
    upsertStage: db.prepare(
      `INSERT INTO "Stage" ("appId", "stageId", "name", "kind", "numTasks", "parentIds", "rddInfos", "shuffleId") VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT ("appId", "stageId") DO UPDATE SET "name" = excluded."name", "kind" = excluded."kind", "numTasks" = excluded."numTasks", "parentIds" = excluded."parentIds", "rddInfos" = excluded."rddInfos", "shuffleId" = excluded."shuffleId"`,
    ),
    insertJobStage: db.prepare(`INSERT OR IGNORE INTO "JobStage" ("appId", "jobId", "stageId") VALUES (?, ?, ?)`),
    runningJobOfStage: db.prepare(
      `SELECT MAX(js."jobId") AS "jobId" FROM "JobStage" js JOIN "Job" j ON j."appId" = js."appId" AND j."jobId" = js."jobId" WHERE js."appId" = ? AND js."stageId" = ? AND j."state" = 'RUNNING'`,
    ),
    markSubmitted: db.prepare(
      `UPDATE "JobStage" SET "submitted" = 1 WHERE "appId" = ? AND "stageId" = ? AND "jobId" IN (SELECT "jobId" FROM "Job" WHERE "appId" = ? AND "state" = 'RUNNING')`,
    ),
    stageSubmitted: db.prepare(
      `INSERT INTO "StageAttempt" ("appId", "stageId", "attempt", "numTasks", "state", "submissionTime", "jobId") VALUES (?, ?, ?, ?, 'ACTIVE', ?, ?)
       ON CONFLICT ("appId", "stageId", "attempt") DO UPDATE SET "numTasks" = excluded."numTasks", "state" = 'ACTIVE', "submissionTime" = excluded."submissionTime", "jobId" = COALESCE(excluded."jobId", "jobId")`,
    ),
    stageCompleted: db.prepare(
      `INSERT INTO "StageAttempt" ("appId", "stageId", "attempt", "numTasks", "submissionTime", "state", "completionTime", "failureReason") VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT ("appId", "stageId", "attempt") DO UPDATE SET "state" = excluded."state", "completionTime" = excluded."completionTime", "failureReason" = excluded."failureReason", "quantiles" = NULL`,
    ),
    clearQuantiles: db.prepare(`UPDATE "StageAttempt" SET "quantiles" = NULL, "taskVersion" = "taskVersion" + 1 WHERE "appId" = ? AND "stageId" = ? AND "attempt" = ?`),
    insertTaskStart: db.prepare(
      `INSERT OR IGNORE INTO "Task" ("appId", "taskId", "stageId", "stageAttempt", "index", "attempt", "executorId", "host", "slot", "locality", "speculative", "status", "launchTime") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'RUNNING', ?)`,
    ),
    upsertTaskEnd: db.prepare(
      `INSERT INTO "Task" (${TASK_END_COLUMNS.map(q).join(', ')}) VALUES (${TASK_END_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT ("appId", "taskId") DO UPDATE SET ${updates}`,
    ),
    executorAdded: db.prepare(
      `INSERT INTO "Executor" ("appId", "executorId", "host", "cores", "address", "pid", "workerId", "addedTime", "logUrls") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT ("appId", "executorId") DO UPDATE SET "host" = excluded."host", "cores" = excluded."cores", "address" = excluded."address", "pid" = excluded."pid", "workerId" = excluded."workerId", "addedTime" = excluded."addedTime", "logUrls" = excluded."logUrls"`,
    ),
    executorRemoved: db.prepare(
      `INSERT INTO "Executor" ("appId", "executorId", "removedTime", "removalReason") VALUES (?, ?, ?, ?)
       ON CONFLICT ("appId", "executorId") DO UPDATE SET "removedTime" = excluded."removedTime", "removalReason" = excluded."removalReason"`,
    ),
    upsertBlock: db.prepare(
      `INSERT INTO "BlockUpdate" ("appId", "executorId", "blockId", "rddId", "storageLevel", "memSize", "diskSize", "time") VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT ("appId", "executorId", "blockId") DO UPDATE SET "rddId" = excluded."rddId", "storageLevel" = excluded."storageLevel", "memSize" = excluded."memSize", "diskSize" = excluded."diskSize", "time" = excluded."time"`,
    ),
    deleteBlock: db.prepare(`DELETE FROM "BlockUpdate" WHERE "appId" = ? AND "executorId" = ? AND "blockId" = ?`),
    unpersist: db.prepare(`DELETE FROM "BlockUpdate" WHERE "appId" = ? AND "rddId" = ?`),
  };
}
