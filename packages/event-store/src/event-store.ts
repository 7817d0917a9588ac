import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { TaskMetrics } from '@flint/core';
import type { PrismaClient } from './generated/prisma/client.ts';
import { EventIngester } from './event-ingester.ts';
import { EventStoreError } from './event-store-error.ts';
import { KeptOrder, type KeptOrderShare } from './kept-order.ts';
import {
  APP_STATES,
  PHASE_TIMESTAMP_NAMES,
  QUANTILE_NAMES,
  TASK_METRIC_NAMES,
  TASK_SORT_KEYS,
  STAGE_TIMELINE_MAX_LIMIT,
  TASK_STATUSES,
  type AppDetail,
  type AppState,
  type AppSummary,
  type CachedRddSummary,
  type ChangeRow,
  type ExecutorStageMetrics,
  type ExecutorSummary,
  type ExecutorTotals,
  type IngestResult,
  type JobDetail,
  type JobStageNode,
  type JobState,
  type JobSummary,
  type Page,
  type QuantileName,
  type QuantileStat,
  type RddGraph,
  type RddInfo,
  type StageAttemptState,
  type StageAttemptSummary,
  type StageDetail,
  type StageQuantiles,
  type StageTimeline,
  type StageTimelineQuery,
  type StageTotals,
  type TaskCounts,
  type TaskPage,
  type TaskQuery,
  type TaskRow,
  type TaskSortKey,
  type TaskStatus,
} from './event-store-types.ts';
import { applySqlMigrations } from '@flint/daemon/sqlite';
import { selectQuantiles } from './task-phases.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../prisma/migrations/', import.meta.url));

/** The most events one `ingest` call takes (the protocol's bound on a batch). */
export const MAX_BATCH_EVENTS = 10_000;
/**
 * Events per transaction inside one `ingest` call; the call yields to the event
 * loop between chunks, so a 10,000-event batch holds the loop for a few short
 * transactions (≈ 2,000 task ends ≈ 30 ms) rather than one long one.
 */
const INGEST_CHUNK = 2_000;
/** Successful tasks a running stage's quantiles are computed over at most (a sample beyond). */
const LIVE_QUANTILE_SAMPLE = 20_000;
/** SQLite waits this long for another writer (several local drivers may share one file). */
const BUSY_TIMEOUT_MS = 10_000;

export interface EventStoreOptions {
  /** Clock for createdAt, change times and running durations (tests pass their own). */
  now?: () => number;
  /** Open without the Prisma client (a writer that only ingests, e.g. a local driver). Reads then use SQL only. */
  readOnlyQueriesWithoutPrisma?: boolean;
  /**
   * Called after `ingest` committed a batch that ended a stage attempt (its stageCompleted
   * event): the place to precompute its aggregates (`precomputeStage`) off the writing
   * thread. Must not throw.
   */
  onStageEnded?: (appId: string, stageId: number, attempt: number) => void;
}

/**
 * The event store: every listener event of every application in one SQLite
 * file (WAL, busy timeout), as rows that serve both live pages and history.
 * The only module that touches the database: writes go through the prepared
 * statements of `EventIngester` (the hot path), simple reads through the
 * generated Prisma client, and reads Prisma cannot express (grouped counts,
 * quantiles, dynamic sort columns from a whitelist) through SQL.
 *
 * Memory: holds no history; only prepared statements and the per-stage
 * quantile cache, which lives in the database (StageAttempt.quantiles).
 * Concurrency: one process may hold several stores on one file; every write is
 * one immediate transaction, so writers serialise in SQLite and the change
 * cursor only grows. Calls are not re-entrant across `close()`.
 */
export class EventStore {
  private closed = false;
  private readonly ingester: EventIngester;
  private readonly stmts: ReturnType<typeof prepareReads>;

  private constructor(
    private readonly db: Database.Database,
    private readonly prisma: PrismaClient | null,
    readonly dbPath: string,
    private readonly now: () => number,
    private readonly onStageEnded: EventStoreOptions['onStageEnded'] = undefined,
  ) {
    this.ingester = new EventIngester(db, now);
    this.stmts = prepareReads(db);
  }

  /** Opens (creating when absent) the store at `dbPath` (':memory:' for a private in-memory store) and applies its migrations. */
  static async open(dbPath: string, opts: EventStoreOptions = {}): Promise<EventStore> {
    const memory = dbPath === ':memory:';
    const file = memory ? dbPath : path.resolve(dbPath);
    let db: Database.Database;
    try {
      if (!memory) {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        // The owner's alone (SQLite gives its WAL and shared-memory files the same mode).
        fs.closeSync(fs.openSync(file, 'a', 0o600));
        if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
      }
      db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    } catch (cause) {
      throw new EventStoreError('IO', `cannot open the event store ${file}: ${(cause as Error).message}; check the directory exists and is writable, or give another path`, { cause });
    }
    let prisma: PrismaClient | null = null;
    try {
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a commit survives a crash of this process (the OS has the pages);
      // only an OS crash can lose the last commits, which the driver then resends.
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // A checkpoint copies each page changed since the last one, however often it changed:
      // the master commits one small batch per driver every ~50 ms (the shipper's linger),
      // rewriting the same index, application and change pages, so checkpointing every
      // 10,000 WAL pages (~40 MB) instead of SQLite's 1,000 copies them a tenth as often.
      // 20,000 tiny tasks in 800 batches of 50 events: 936-990 -> 700-857 ms of CPU (load ~14).
      db.pragma('wal_autocheckpoint = 10000');
      applySqlMigrations(db, `the event store ${file}`, MIGRATIONS_DIR, (code, message, options) => new EventStoreError(code, message, options));
      if (!memory && !opts.readOnlyQueriesWithoutPrisma) {
        // Loaded on demand: a writer that only ingests (a local driver's log thread) never pays for the client.
        const [{ PrismaClient: Client }, { PrismaBetterSqlite3 }] = await Promise.all([import('./generated/prisma/client.ts'), import('@prisma/adapter-better-sqlite3')]);
        prisma = new Client({ adapter: new PrismaBetterSqlite3({ url: `file:${file}`, timeout: BUSY_TIMEOUT_MS }) });
        await prisma.$connect();
      }
    } catch (cause) {
      db.close();
      await prisma?.$disconnect().catch(() => {});
      if (cause instanceof EventStoreError) throw cause;
      throw new EventStoreError('IO', `cannot open the event store ${file}: ${(cause as Error).message}`, { cause });
    }
    return new EventStore(db, prisma, file, opts.now ?? Date.now, opts.onStageEnded);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.prisma?.$disconnect();
    this.db.close();
  }

  // ---- writes -------------------------------------------------------------------------------

  /**
   * Stores events numbered `firstSeq`, `firstSeq + 1`, … of application `appId`.
   * Idempotent by number: events at or below the application's storedThrough are
   * skipped (a resent batch is harmless). A batch that starts above
   * storedThrough + 1 is refused (`gap: true`, nothing stored) so a hole is never
   * skipped: the sender resends from storedThrough + 1. Events may come before
   * applicationStart (the application row is created on first sight). A batch is
   * stored in chunks of whole transactions, yielding to the event loop between
   * them; an event that cannot be stored fails its chunk (INVALID_EVENT) and
   * storedThrough stays at the end of the previous chunk.
   */
  async ingest(appId: string, firstSeq: number, events: readonly unknown[]): Promise<IngestResult> {
    this.assertOpen();
    if (typeof appId !== 'string' || appId.length === 0) throw new EventStoreError('INVALID_INPUT', 'ingest needs a non-empty application id');
    if (!Number.isSafeInteger(firstSeq) || firstSeq < 1) throw new EventStoreError('INVALID_INPUT', `ingest: firstSeq must be an integer ≥ 1 (events are numbered from 1), got ${firstSeq}`);
    if (!Array.isArray(events)) throw new EventStoreError('INVALID_INPUT', 'ingest: events must be an array');
    if (events.length > MAX_BATCH_EVENTS) throw new EventStoreError('INVALID_INPUT', `ingest: a batch holds at most ${MAX_BATCH_EVENTS} events, got ${events.length}; send smaller batches`);
    if (events.length === 0) {
      const storedThrough = this.storedThrough(appId);
      return { storedThrough, stored: 0, gap: firstSeq > storedThrough + 1 };
    }
    let stored = 0;
    let result: IngestResult = { storedThrough: 0, stored: 0, gap: false };
    for (let off = 0; off < events.length; off += INGEST_CHUNK) {
      if (off > 0) {
        await yieldToLoop();
        this.assertOpen();
      }
      result = this.ingester.ingestChunk(appId, firstSeq + off, events.slice(off, off + INGEST_CHUNK));
      if (this.onStageEnded) for (const e of this.ingester.endedStages) this.onStageEnded(appId, e.stageId, e.attempt);
      stored += result.stored;
      if (result.gap) break;
    }
    return { storedThrough: result.storedThrough, stored, gap: result.gap };
  }

  /** The highest event number of `appId` stored with every one below it (0 for an unknown application). */
  storedThrough(appId: string): number {
    this.assertOpen();
    return (this.stmts.storedThrough.get(appId) as { storedThrough: number } | undefined)?.storedThrough ?? 0;
  }

  /** Records how many events the driver says it has numbered (its heartbeat); never lowers the count. */
  recordEventsPosted(appId: string, eventsPosted: number): void {
    this.assertOpen();
    if (!Number.isSafeInteger(eventsPosted) || eventsPosted < 0) throw new EventStoreError('INVALID_INPUT', `eventsPosted must be a non-negative integer, got ${eventsPosted}`);
    this.db
      .transaction(() => {
        this.stmts.ensureApp.run(appId, this.now());
        this.stmts.eventsPosted.run({ posted: eventsPosted, appId });
      })
      .immediate();
  }

  /**
   * Ends the application: state, end time (kept when the driver already sent
   * applicationEnd), and dropped = eventsPosted − storedThrough when positive,
   * stored and returned. Jobs, stage attempts and tasks still running are left
   * as they are: what the driver did not report is not invented.
   */
  finishApplication(appId: string, state: Exclude<AppState, 'RUNNING'>, time: number, reason: string | null = null): { droppedEvents: number } {
    this.assertOpen();
    if (!APP_STATES.includes(state) || (state as AppState) === 'RUNNING') throw new EventStoreError('INVALID_INPUT', `finishApplication: state must be FINISHED, FAILED, KILLED or LOST, got ${state}`);
    return this.db
      .transaction(() => {
        this.stmts.ensureApp.run(appId, this.now());
        this.stmts.finishApp.run(state, time, reason, appId);
        const row = this.stmts.dropped.get(appId) as { droppedEvents: number };
        this.stmts.insertChange.run(appId, 'appState', this.now(), 0, 0, 1, '[]', '[]', '[]', 0, 0);
        return { droppedEvents: row.droppedEvents };
      })
      .immediate();
  }

  /** The driver died without ending the application (missed heartbeats): state LOST with the reason. */
  markApplicationLost(appId: string, reason: string, time: number = this.now()): { droppedEvents: number } {
    return this.finishApplication(appId, 'LOST', time, reason);
  }

  // ---- reads --------------------------------------------------------------------------------

  /** Applications, newest first (by first sight), optionally of one state; paged by cursor. */
  async listApps(q: { state?: AppState; cursor?: string | null; limit?: number } = {}): Promise<Page<AppSummary>> {
    this.assertOpen();
    const limit = clampLimit(q.limit, 50, 500);
    if (q.state !== undefined && !APP_STATES.includes(q.state)) throw new EventStoreError('INVALID_INPUT', `listApps: unknown state ${String(q.state)}; one of ${APP_STATES.join(', ')}`);
    let rows: AppRow[];
    if (this.prisma) {
      rows = (await this.prisma.application.findMany({
        where: q.state ? { state: q.state } : undefined,
        orderBy: [{ createdAt: 'desc' }, { appId: 'desc' }],
        take: limit + 1,
        ...(q.cursor ? { cursor: { appId: q.cursor }, skip: 1 } : {}),
      })) as AppRow[];
    } else {
      const after = q.cursor ? (this.stmts.appCreatedAt.get(q.cursor) as { createdAt: number } | undefined) : undefined;
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.state) {
        where.push(`"state" = ?`);
        params.push(q.state);
      }
      if (q.cursor) {
        if (!after) return { items: [], nextCursor: null };
        where.push(`("createdAt" < ? OR ("createdAt" = ? AND "appId" < ?))`);
        params.push(after.createdAt, after.createdAt, q.cursor);
      }
      rows = this.db
        .prepare(`SELECT * FROM "Application" ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY "createdAt" DESC, "appId" DESC LIMIT ?`)
        .all(...params, limit + 1) as AppRow[];
    }
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map((r) => this.appSummary(r));
    return { items, nextCursor: more ? items[items.length - 1].appId : null };
  }

  /** One application with its conf and counts, or null when unknown. */
  async getApp(appId: string): Promise<AppDetail | null> {
    this.assertOpen();
    const r = (this.prisma ? await this.prisma.application.findUnique({ where: { appId } }) : this.stmts.app.get(appId)) as AppRow | null | undefined;
    if (!r) return null;
    const jobs = { total: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const j of this.stmts.jobCounts.all(appId) as Array<{ state: JobState; n: number }>) {
      jobs.total += j.n;
      jobs[j.state.toLowerCase() as 'running'] = j.n;
    }
    const stages = { total: 0, active: 0, complete: 0, failed: 0, pending: 0 };
    for (const s of this.stmts.stageCounts.all(appId) as Array<{ state: StageAttemptState; n: number }>) {
      stages.total += s.n;
      stages[s.state.toLowerCase() as 'active'] = s.n;
    }
    const tasks = countsFrom(this.stmts.appTaskCounts.all(appId) as StatusCount[]);
    const ex = this.stmts.executorCounts.get(appId) as { total: number; active: number | null };
    let conf: Record<string, unknown> = {};
    try {
      conf = JSON.parse(r.conf) as Record<string, unknown>;
    } catch {
      conf = {};
    }
    return { ...this.appSummary(r), conf, endReason: r.endReason, jobs, stages, tasks, executors: { total: ex.total, active: ex.active ?? 0 } };
  }

  /** The application's jobs, newest first. */
  async listJobs(appId: string): Promise<JobSummary[]> {
    this.assertOpen();
    const rows = this.stmts.jobs.all(appId) as JobRow[];
    const counts = new Map<number, StatusCount[]>();
    for (const c of this.stmts.jobTaskCounts.all(appId) as Array<StatusCount & { jobId: number }>) {
      const l = counts.get(c.jobId) ?? [];
      l.push(c);
      counts.set(c.jobId, l);
    }
    const numTasks = new Map<number, number>();
    for (const n of this.stmts.jobNumTasks.all(appId) as Array<{ jobId: number; n: number }>) numTasks.set(n.jobId, n.n);
    return rows.map((j) => this.jobSummary(j, countsFrom(counts.get(j.jobId) ?? []), numTasks.get(j.jobId) ?? 0));
  }

  /** One job with its stage DAG, or null. */
  async getJob(appId: string, jobId: number): Promise<JobDetail | null> {
    this.assertOpen();
    const j = this.stmts.job.get(appId, jobId) as JobRow | undefined;
    if (!j) return null;
    const stageRows = this.stmts.jobStages.all(appId, jobId) as Array<StageRow & { submitted: number; attempt: number | null; attemptState: StageAttemptState | null }>;
    const stages: JobStageNode[] = stageRows.map((s) => {
      const taskCounts = s.attempt === null ? countsFrom([]) : countsFrom(this.stmts.stageTaskCounts.all(appId, s.stageId, s.attempt) as StatusCount[]);
      let state: JobStageNode['state'];
      if (!s.submitted || s.attemptState === null) state = j.state === 'RUNNING' ? 'pending' : 'skipped';
      else state = s.attemptState === 'ACTIVE' ? 'active' : s.attemptState === 'COMPLETE' ? 'complete' : s.attemptState === 'FAILED' ? 'failed' : 'pending';
      return {
        stageId: s.stageId,
        attempt: s.submitted ? s.attempt : null,
        name: s.name,
        kind: s.kind,
        numTasks: s.numTasks,
        parentIds: parseJson<number[]>(s.parentIds, []),
        state,
        rddInfos: parseJson<RddInfo[]>(s.rddInfos, []),
        taskCounts: s.submitted ? taskCounts : countsFrom([]),
      };
    });
    const counts = countsFrom((this.stmts.jobTaskCounts.all(appId) as Array<StatusCount & { jobId: number }>).filter((c) => c.jobId === jobId));
    const numTasks = stages.filter((s) => s.state !== 'skipped').reduce((a, s) => a + s.numTasks, 0);
    return { ...this.jobSummary(j, counts, numTasks), stages };
  }

  /** Stage attempts of the application (or of one job's stages), newest stage first, then newest attempt. */
  async listStages(appId: string, jobId?: number): Promise<StageAttemptSummary[]> {
    this.assertOpen();
    const rows = (jobId === undefined ? this.stmts.stageAttempts.all(appId) : this.stmts.jobStageAttempts.all(appId, appId, jobId)) as AttemptRow[];
    const jobIdsOf = this.stageJobIds(appId);
    return rows.map((r) => this.stageSummary(appId, r, jobIdsOf.get(r.stageId) ?? []));
  }

  /** One stage attempt with its RDD graph, totals, per-executor metrics and quantiles; null when unknown. */
  async getStage(appId: string, stageId: number, attempt: number): Promise<StageDetail | null> {
    this.assertOpen();
    const r = this.stmts.stageAttempt.get(appId, stageId, attempt) as AttemptRow | undefined;
    if (!r) return null;
    const jobIds = (this.stmts.jobsOfStage.all(appId, stageId) as Array<{ jobId: number }>).map((x) => x.jobId);
    const agg = this.stageAggregates(appId, r, true);
    const summary = this.stageSummary(appId, r, jobIds, agg);
    const rddInfos = parseJson<RddInfo[]>(r.rddInfos, []);
    const ids = new Set(rddInfos.map((i) => i.id));
    const rddGraph: RddGraph = { nodes: rddInfos, edges: rddInfos.flatMap((i) => i.parentIds.filter((p) => ids.has(p)).map((p) => ({ from: p, to: i.id }))) };
    return { ...summary, rddGraph, executors: agg.executors!, quantiles: agg.quantiles! };
  }

  /** Task attempts of one stage attempt, filtered, sorted by a whitelisted column and paged. */
  async listTasks(q: TaskQuery): Promise<TaskPage> {
    this.assertOpen();
    const sortBy: TaskSortKey = q.sortBy ?? 'taskId';
    if (!SORT_KEYS.has(sortBy)) throw new EventStoreError('INVALID_INPUT', `listTasks: cannot sort by ${String(sortBy)}; one of ${TASK_SORT_KEYS.join(', ')}`);
    if (q.status !== undefined && !TASK_STATUSES.includes(q.status)) throw new EventStoreError('INVALID_INPUT', `listTasks: unknown status ${String(q.status)}; one of ${TASK_STATUSES.join(', ')}`);
    const limit = clampLimit(q.limit, 100, 1000);
    let offset = q.offset ?? 0;
    if (q.cursor) {
      offset = Number(q.cursor);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new EventStoreError('INVALID_INPUT', `listTasks: cursor ${q.cursor} is not one this store gave out`);
    }
    if (!Number.isSafeInteger(offset) || offset < 0) throw new EventStoreError('INVALID_INPUT', `listTasks: offset must be a non-negative integer, got ${offset}`);
    const where = [`"appId" = ?`, `"stageId" = ?`, `"stageAttempt" = ?`];
    const params: unknown[] = [q.appId, q.stageId, q.attempt];
    if (q.status) {
      where.push(`"status" = ?`);
      params.push(q.status);
    }
    if (q.executorId !== undefined) {
      where.push(`"executorId" = ?`);
      params.push(q.executorId);
    }
    const whereSql = where.join(' AND ');
    const total = this.cachedTaskTotal(q) ?? (this.cachedStatement(`SELECT COUNT(*) AS n FROM "Task" WHERE ${whereSql}`).get(...params) as { n: number }).n;
    // Sort and page row ids only (a sorter then carries a key and an id, not 60 columns), then
    // read the page's rows. Ties go in row order (rowid: the order tasks first arrived): the
    // indexes end in rowid, so a sort by an indexed column pages through its index with no
    // sort step (by taskId instead, a deep page of 100,000 tasks cost ~90 ms, by rowid ~2 ms).
    const page = (extra: string, order: string, lim: number, off: number) =>
      this.cachedStatement(`SELECT rowid FROM "Task" WHERE ${whereSql}${extra} ORDER BY ${order} LIMIT ? OFFSET ?`)
        .pluck()
        .all(...params, lim, off) as number[];
    const col = `"${sortBy}"`;
    let ids: number[];
    const kept = this.keptOrder(q, sortBy);
    if (kept) ids = kept.page(q.desc ?? false, offset, limit);
    else if (sortBy === 'taskId') ids = page('', `"taskId" ${q.desc ? 'DESC' : 'ASC'}`, limit, offset);
    // NULL sorts lowest in SQLite, so descending already puts tasks without the value last.
    else if (q.desc) ids = page('', `${col} DESC, rowid DESC`, limit, offset);
    else {
      // Ascending with NULLs last, in two index ranges: the values, then the NULLs.
      ids = page(` AND ${col} IS NOT NULL`, `${col} ASC, rowid ASC`, limit, offset);
      if (ids.length < limit) {
        const valued = ids.length > 0 ? offset + ids.length : (this.cachedStatement(`SELECT COUNT(*) AS n FROM "Task" WHERE ${whereSql} AND ${col} IS NOT NULL`).get(...params) as { n: number }).n;
        ids.push(...page(` AND ${col} IS NULL`, 'rowid ASC', limit - ids.length, Math.max(0, offset - valued)));
      }
    }
    const byId = new Map<number, TaskDbRow>();
    if (ids.length > 0) {
      for (const row of this.stmts.tasksByRowid.all(JSON.stringify(ids)) as Array<TaskDbRow & { _rowid: number }>) byId.set(row._rowid, row);
    }
    const rows = ids.map((id) => byId.get(id)!);
    const next = offset + rows.length;
    return { items: rows.map(toTaskRow), total, nextCursor: next < total && rows.length > 0 ? String(next) : null };
  }

  /**
   * The timeline fields of a stage attempt's tasks, column-wise, in taskId order: one
   * statement over the (appId, stageId, stageAttempt, taskId) index, rows read as arrays,
   * so 100,000 tasks come in one call instead of a hundred pages of full rows.
   */
  async stageTimeline(q: StageTimelineQuery): Promise<StageTimeline> {
    this.assertOpen();
    const limit = clampLimit(q.limit, STAGE_TIMELINE_MAX_LIMIT, STAGE_TIMELINE_MAX_LIMIT);
    const after = q.afterTaskId ?? null;
    if (after !== null && !Number.isSafeInteger(after)) throw new EventStoreError('INVALID_INPUT', `stageTimeline: afterTaskId must be an integer (a previous page's nextAfterTaskId), got ${after}`);
    const rows = this.stmts.stageTimeline.all(q.appId, q.stageId, q.attempt, after ?? -1, limit) as Array<
      [number, number, number, string, number, TaskStatus, number, number | null, number, ...Array<number | null>]
    >;
    const n = rows.length;
    const out: StageTimeline = {
      executors: [],
      taskId: new Array(n),
      index: new Array(n),
      attempt: new Array(n),
      executor: new Array(n),
      slot: new Array(n),
      status: new Array(n),
      launchTime: new Array(n),
      finishTime: new Array(n),
      executorReceivedTime: new Array(n),
      deserializeEndTime: new Array(n),
      computeEndTime: new Array(n),
      shuffleWriteEndTime: new Array(n),
      resultSerializedTime: new Array(n),
      shuffleFetchWaitTime: new Array(n),
      inputBytes: new Array(n),
      inputRecords: new Array(n),
      shuffleReadRecords: new Array(n),
      nextAfterTaskId: null,
    };
    const metricCols = [out.executorReceivedTime, out.deserializeEndTime, out.computeEndTime, out.shuffleWriteEndTime, out.resultSerializedTime, out.shuffleFetchWaitTime, out.inputBytes, out.inputRecords, out.shuffleReadRecords];
    const execIndex = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      out.taskId[i] = r[0];
      out.index[i] = r[1];
      out.attempt[i] = r[2];
      let e = execIndex.get(r[3]);
      if (e === undefined) {
        e = out.executors.length;
        execIndex.set(r[3], e);
        out.executors.push(r[3]);
      }
      out.executor[i] = e;
      out.slot[i] = r[4];
      out.status[i] = r[5];
      out.launchTime[i] = r[6];
      out.finishTime[i] = r[7];
      const has = r[8] === 1;
      for (let c = 0; c < metricCols.length; c++) metricCols[c]![i] = has ? ((r[9 + c] as number | null) ?? null) : null;
    }
    if (n === limit) out.nextAfterTaskId = out.taskId[n - 1]!;
    return out;
  }

  /**
   * An ended attempt's rows sorted by a column no index serves, kept in memory (row ids
   * only) so paging through them does not sort every row again: 100,000 tasks by an
   * unindexed column cost 45-195 ms of CPU a page in SQL, a kept order a slice. Keyed by the
   * attempt's taskVersion, so a task that ends late gives a new order. Bounded: at most
   * KEPT_ORDER_MAX_BYTES over every kept order, least recently used dropped first. Large
   * attempts have theirs built when they end (`keepStageOrders`), so no page waits for one.
   */
  private keptOrder(q: TaskQuery, sortBy: TaskSortKey): KeptOrder | null {
    if (q.executorId !== undefined || !KEPT_SORT_KEY_SET.has(sortBy)) return null;
    const r = this.stmts.stageAttemptVersion.get(q.appId, q.stageId, q.attempt) as { state: StageAttemptState; taskVersion: number } | undefined;
    if (!r || (r.state !== 'COMPLETE' && r.state !== 'FAILED')) return null;
    const hit = this.keptOrders.get(this.keptOrderKey(q, sortBy, r.taskVersion));
    if (hit) {
      this.touchKeptOrder(this.keptOrderKey(q, sortBy, r.taskVersion), hit);
      return hit;
    }
    return this.buildKeptOrders(q, r.taskVersion, [sortBy]).get(sortBy) ?? null;
  }

  /**
   * Builds and keeps the orders of an ended attempt's tasks (no status filter) by each of
   * `columns` that has none kept yet (default: every sortable column no index serves).
   * Called for large attempts when they end, off the thread that serves requests, a few
   * columns at a time. Returns how many orders it built.
   */
  keepStageOrders(appId: string, stageId: number, attempt: number, columns: readonly TaskSortKey[] = KEPT_SORT_KEYS): number {
    this.assertOpen();
    const r = this.stmts.stageAttemptVersion.get(appId, stageId, attempt) as { state: StageAttemptState; taskVersion: number } | undefined;
    if (!r || (r.state !== 'COMPLETE' && r.state !== 'FAILED')) return 0;
    const q = { appId, stageId, attempt };
    const missing = columns.filter((c) => KEPT_SORT_KEY_SET.has(c) && !this.keptOrders.has(this.keptOrderKey(q, c, r.taskVersion)));
    return missing.length === 0 ? 0 : this.buildKeptOrders(q, r.taskVersion, missing).size;
  }

  private keptOrderKey(q: Pick<TaskQuery, 'appId' | 'stageId' | 'attempt' | 'status'>, sortBy: TaskSortKey, taskVersion: number): string {
    return JSON.stringify([q.appId, q.stageId, q.attempt, sortBy, q.status ?? null, taskVersion]);
  }

  private touchKeptOrder(key: string, order: KeptOrder): void {
    this.keptOrders.delete(key);
    this.keptOrders.set(key, order);
  }

  /**
   * One read snapshot of the attempt's rows in the (appId, stageId, stageAttempt, taskId)
   * index's order, so position i is one row throughout: the row ids (kept per attempt:
   * every column's order needs them) and the columns' values (one column read as bare
   * numbers; several as raw rows, one scan for all). Empty when the attempt changed meanwhile.
   */
  private buildKeptOrders(q: Pick<TaskQuery, 'appId' | 'stageId' | 'attempt' | 'status'>, taskVersion: number, columns: readonly TaskSortKey[]): Map<TaskSortKey, KeptOrder> {
    const where = `"appId" = ? AND "stageId" = ? AND "stageAttempt" = ?${q.status ? ` AND "status" = ?` : ''}`;
    const params = [q.appId, q.stageId, q.attempt, ...(q.status ? [q.status] : [])];
    const idsKey = JSON.stringify([q.appId, q.stageId, q.attempt, q.status ?? null, taskVersion]);
    const scan = this.db
      .transaction(() => {
        const now = this.stmts.stageAttemptVersion.get(q.appId, q.stageId, q.attempt) as { taskVersion: number } | undefined;
        if (!now || now.taskVersion !== taskVersion) return null;
        let kept = this.keptRowids.get(idsKey);
        if (!kept) {
          const rowids = this.cachedStatement(`SELECT rowid FROM "Task" INDEXED BY "Task_stage_task_idx" WHERE ${where} ORDER BY "taskId"`).pluck().all(...params) as number[];
          kept = { rowids, share: {} };
          this.keptRowids.set(idsKey, kept);
          if (this.keptRowids.size > KEPT_ROWID_LISTS) this.keptRowids.delete(this.keptRowids.keys().next().value!);
        }
        const sql = `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "Task" INDEXED BY "Task_stage_task_idx" WHERE ${where} ORDER BY "taskId"`;
        const values: Array<Array<number | null>> =
          columns.length === 1
            ? [this.cachedStatement(sql).pluck().all(...params) as Array<number | null>]
            : (() => {
                const rows = this.cachedStatement(sql).raw().all(...params) as Array<Array<number | null>>;
                return columns.map((_, c) => rows.map((row) => row[c]!));
              })();
        return { kept, values };
      })
      .deferred();
    const out = new Map<TaskSortKey, KeptOrder>();
    if (!scan) return out;
    columns.forEach((sortBy, c) => {
      const values = scan.values[c]!;
      if (scan.kept.rowids.length !== values.length) return;
      const order = KeptOrder.of(scan.kept.rowids, values, scan.kept.share);
      if (!order) return;
      out.set(sortBy, order);
      if (order.ownBytes > KEPT_ORDER_MAX_BYTES) return;
      this.keptOrders.set(this.keptOrderKey(q, sortBy, taskVersion), order);
      this.keptOrderBytes += order.ownBytes;
      for (const [k, v] of this.keptOrders) {
        if (this.keptOrderBytes <= KEPT_ORDER_MAX_BYTES) break;
        this.keptOrders.delete(k);
        this.keptOrderBytes -= v.ownBytes;
      }
    });
    return out;
  }

  /** An ended attempt's task count from its kept aggregates (null: none kept). */
  keptTaskTotal(appId: string, stageId: number, attempt: number): number | null {
    this.assertOpen();
    return this.cachedTaskTotal({ appId, stageId, attempt });
  }

  /** The row count of a task query from an ended attempt's cached counts (null: count in SQL). */
  private cachedTaskTotal(q: TaskQuery): number | null {
    if (q.executorId !== undefined) return null;
    const r = this.stmts.stageAttempt.get(q.appId, q.stageId, q.attempt) as AttemptRow | undefined;
    if (!r || (r.state !== 'COMPLETE' && r.state !== 'FAILED') || !r.quantiles) return null;
    const agg = parseJson<StageAggregates | null>(r.quantiles, null);
    if (!agg || agg.version !== AGGREGATES_VERSION) return null;
    return q.status ? agg.taskCounts[q.status.toLowerCase() as 'running'] : agg.taskCounts.total;
  }

  /** Executors of the application with task totals and cached storage, in order of arrival. */
  async listExecutors(appId: string): Promise<ExecutorSummary[]> {
    this.assertOpen();
    const rows = this.stmts.executors.all(appId) as ExecutorRow[];
    const totals = new Map((this.stmts.executorTotals.all(appId) as ExecutorTotalsRow[]).map((t) => [t.executorId, t]));
    const storage = new Map((this.stmts.executorStorage.all(appId) as StorageRow[]).map((t) => [t.executorId, t]));
    return rows.map((r) => toExecutor(r, totals.get(r.executorId), storage.get(r.executorId)));
  }

  async getExecutor(appId: string, executorId: string): Promise<ExecutorSummary | null> {
    this.assertOpen();
    const r = (this.prisma ? await this.prisma.executor.findUnique({ where: { appId_executorId: { appId, executorId } } }) : this.stmts.executor.get(appId, executorId)) as ExecutorRow | null | undefined;
    if (!r) return null;
    const t = (this.stmts.executorTotals.all(appId) as ExecutorTotalsRow[]).find((x) => x.executorId === executorId);
    const st = (this.stmts.executorStorage.all(appId) as StorageRow[]).find((x) => x.executorId === executorId);
    return toExecutor(r, t, st);
  }

  /** RDDs with cached blocks now, by RDD id. */
  async listCachedRdds(appId: string): Promise<CachedRddSummary[]> {
    this.assertOpen();
    return this.stmts.cachedRdds.all(appId) as CachedRddSummary[];
  }

  /** Change rows with a cursor above `cursor` (oldest first), optionally of one application. */
  async changesSince(q: { appId?: string; cursor: number; limit?: number }): Promise<ChangeRow[]> {
    this.assertOpen();
    if (!Number.isSafeInteger(q.cursor) || q.cursor < 0) throw new EventStoreError('INVALID_INPUT', `changesSince: cursor must be a non-negative integer, got ${q.cursor}`);
    const limit = clampLimit(q.limit, 500, 5000);
    const rows = (q.appId === undefined ? this.stmts.changes.all(q.cursor, limit) : this.stmts.appChanges.all(q.appId, q.cursor, limit)) as ChangeDbRow[];
    return rows.map((r) => ({
      cursor: r.cursor,
      appId: r.appId,
      kind: r.kind,
      time: r.time,
      firstSeq: r.firstSeq,
      lastSeq: r.lastSeq,
      appChanged: r.appChanged === 1,
      jobIds: parseJson<number[]>(r.jobIds, []),
      stageIds: parseJson<number[]>(r.stageIds, []),
      executorIds: parseJson<string[]>(r.executorIds, []),
      tasksStarted: r.tasksStarted,
      tasksEnded: r.tasksEnded,
    }));
  }

  /** The newest change cursor (0 for an empty store): a live subscription starts after it. */
  latestCursor(): number {
    this.assertOpen();
    return (this.stmts.latestCursor.get() as { c: number | null }).c ?? 0;
  }

  // ---- internals ----------------------------------------------------------------------------

  private readonly statementCache = new Map<string, Database.Statement>();
  private readonly keptOrders = new Map<string, KeptOrder>();
  private readonly keptRowids = new Map<string, { rowids: number[]; share: KeptOrderShare }>();
  private keptOrderBytes = 0;
  private cachedStatement(sql: string): Database.Statement {
    let s = this.statementCache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statementCache.set(sql, s);
    }
    return s;
  }

  private stageJobIds(appId: string): Map<number, number[]> {
    const m = new Map<number, number[]>();
    for (const r of this.stmts.stageJobs.all(appId) as Array<{ stageId: number; jobId: number }>) {
      const l = m.get(r.stageId) ?? [];
      l.push(r.jobId);
      m.set(r.stageId, l);
    }
    return m;
  }

  private appSummary(r: AppRow): AppSummary {
    const end = r.endTime ?? (r.state === 'RUNNING' ? this.now() : null);
    return {
      appId: r.appId,
      name: r.name,
      user: r.user,
      master: r.master,
      state: r.state as AppState,
      startTime: r.startTime,
      endTime: r.endTime,
      durationMs: r.startTime === null || end === null ? null : Math.max(0, end - r.startTime),
      eventsPosted: r.eventsPosted,
      storedThrough: r.storedThrough,
      droppedEvents: r.droppedEvents,
    };
  }

  private jobSummary(j: JobRow, taskCounts: TaskCounts, numTasks: number): JobSummary {
    const end = j.completionTime ?? (j.state === 'RUNNING' ? this.now() : null);
    return {
      appId: j.appId,
      jobId: j.jobId,
      description: j.description,
      jobGroup: j.jobGroup,
      state: j.state,
      error: j.error,
      submissionTime: j.submissionTime,
      completionTime: j.completionTime,
      durationMs: end === null ? null : Math.max(0, end - j.submissionTime),
      traceId: j.traceId,
      stageIds: parseJson<number[]>(j.stageIds, []),
      taskCounts,
      numTasks,
    };
  }

  private stageSummary(appId: string, r: AttemptRow, jobIds: number[], agg: StageAggregates = this.stageAggregates(appId, r, false)): StageAttemptSummary {
    const end = r.completionTime ?? (r.state === 'ACTIVE' ? this.now() : null);
    return {
      appId,
      stageId: r.stageId,
      attempt: r.attempt,
      name: r.name,
      kind: r.kind,
      numTasks: r.numTasks,
      parentIds: parseJson<number[]>(r.parentIds, []),
      jobIds,
      state: r.state,
      submissionTime: r.submissionTime,
      completionTime: r.completionTime,
      durationMs: r.submissionTime === null || end === null ? null : Math.max(0, end - r.submissionTime),
      failureReason: r.failureReason,
      taskCounts: agg.taskCounts,
      totals: agg.totals,
    };
  }

  /**
   * Counts, totals, per-executor metrics and quantiles of a stage attempt. Once the
   * attempt has ended they are computed once and kept as JSON in its row (a listing
   * of many ended stages then reads no task rows); a task end that arrives for the
   * attempt afterwards (a straggler killed after the end) clears the cache in the
   * transaction that stores it. `full`: also per-executor metrics and quantiles.
   */
  private stageAggregates(appId: string, r: AttemptRow, full: boolean): StageAggregates {
    const ended = r.state === 'COMPLETE' || r.state === 'FAILED';
    if (ended && r.quantiles) {
      const cached = parseJson<StageAggregates | null>(r.quantiles, null);
      if (cached && cached.version === AGGREGATES_VERSION) return cached;
    }
    if (!ended) return this.computeAggregates(appId, r, full, false);
    // One read snapshot for the attempt's row and every aggregate over its tasks, so the
    // cache is saved under the taskVersion its figures belong to (another connection may
    // store a late task end meanwhile: the guarded UPDATE then keeps nothing).
    const { agg, version } = this.db
      .transaction(() => {
        const now = this.stmts.stageAttempt.get(appId, r.stageId, r.attempt) as AttemptRow | undefined;
        const still = now !== undefined && (now.state === 'COMPLETE' || now.state === 'FAILED');
        return { agg: this.computeAggregates(appId, now ?? r, full, still), version: still ? now!.taskVersion : undefined };
      })
      .deferred();
    if (version !== undefined) this.stmts.saveQuantiles.run(JSON.stringify(agg), appId, r.stageId, r.attempt, version);
    return agg;
  }

  /**
   * Computes and keeps an ended stage attempt's aggregates unless they are kept already, so
   * the first page that shows the stage reads one row (called when a batch ends a stage,
   * off the thread that serves requests). Returns whether it computed them.
   */
  precomputeStage(appId: string, stageId: number, attempt: number): boolean {
    this.assertOpen();
    const r = this.stmts.stageAttempt.get(appId, stageId, attempt) as AttemptRow | undefined;
    if (!r || (r.state !== 'COMPLETE' && r.state !== 'FAILED')) return false;
    const cached = parseJson<StageAggregates | null>(r.quantiles, null);
    if (cached && cached.version === AGGREGATES_VERSION) return false;
    this.stageAggregates(appId, r, true);
    return true;
  }

  private computeAggregates(appId: string, r: AttemptRow, full: boolean, ended: boolean): StageAggregates {
    const t = this.stmts.stageTotals.get(appId, r.stageId, r.attempt) as StageTotalsRow;
    const agg: StageAggregates = {
      version: AGGREGATES_VERSION,
      taskCounts: { total: t.total, running: t.running ?? 0, success: t.success ?? 0, failed: t.failed ?? 0, killed: t.killed ?? 0 },
      totals: {
        inputBytes: t.inputBytes ?? 0,
        inputRecords: t.inputRecords ?? 0,
        outputBytes: t.outputBytes ?? 0,
        outputRecords: t.outputRecords ?? 0,
        shuffleReadBytes: t.shuffleReadBytes ?? 0,
        shuffleReadRecords: t.shuffleReadRecords ?? 0,
        shuffleWriteBytes: t.shuffleWriteBytes ?? 0,
        shuffleWriteRecords: t.shuffleWriteRecords ?? 0,
        memoryBytesSpilled: t.memoryBytesSpilled ?? 0,
        diskBytesSpilled: t.diskBytesSpilled ?? 0,
        executorRunTime: t.executorRunTime ?? 0,
        executorCpuTime: t.executorCpuTime ?? 0,
        gcTime: t.gcTime ?? 0,
        duration: t.duration ?? 0,
      } satisfies StageTotals,
    };
    if (!full && !ended) return agg;
    agg.executors = (this.stmts.stageExecutors.all(appId, r.stageId, r.attempt) as Array<ExecutorStageRow>).map(
      (e): ExecutorStageMetrics => ({
        executorId: e.executorId,
        host: e.host,
        taskCounts: { total: e.total, running: e.running, success: e.success, failed: e.failed, killed: e.killed },
        duration: e.duration ?? 0,
        inputBytes: e.inputBytes ?? 0,
        shuffleReadBytes: e.shuffleReadBytes ?? 0,
        shuffleWriteBytes: e.shuffleWriteBytes ?? 0,
        memoryBytesSpilled: e.memoryBytesSpilled ?? 0,
        diskBytesSpilled: e.diskBytesSpilled ?? 0,
        gcTime: e.gcTime ?? 0,
      }),
    );
    agg.quantiles = this.stageQuantiles(appId, r.stageId, r.attempt, ended);
    return agg;
  }

  /**
   * Quantiles over the attempt's successful tasks: one pass over their rows filling a
   * column array per quantity, then O(n) selections (selectQuantiles). Exact once the
   * attempt has ended; while it runs, over a systematic sample of at most
   * LIVE_QUANTILE_SAMPLE tasks (every k-th row), so a live page stays cheap.
   */
  private stageQuantiles(appId: string, stageId: number, attempt: number, ended: boolean): StageQuantiles {
    const successes = (this.stmts.successCount.get(appId, stageId, attempt) as { n: number }).n;
    const step = ended || successes <= LIVE_QUANTILE_SAMPLE ? 1 : Math.ceil(successes / LIVE_QUANTILE_SAMPLE);
    const cap = Math.ceil(successes / step) + 1;
    const cols = QUANTILE_NAMES.map(() => new Float64Array(cap));
    const lens = new Array<number>(QUANTILE_NAMES.length).fill(0);
    let count = 0;
    const rows = (step === 1 ? this.stmts.quantileRows.raw(true).iterate(appId, stageId, attempt) : this.stmts.quantileSample.raw(true).iterate(appId, stageId, attempt, step)) as Iterable<Array<number | null>>;
    for (const row of rows) {
      if (count === cap) break;
      count++;
      for (let c = 0; c < row.length; c++) {
        const v = row[c];
        if (v !== null) cols[c][lens[c]++] = v;
      }
    }
    const metrics = {} as Record<QuantileName, QuantileStat | null>;
    QUANTILE_NAMES.forEach((name, c) => {
      metrics[name] = selectQuantiles(cols[c].subarray(0, lens[c]));
    });
    return { count, final: ended, exact: step === 1, metrics };
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreError('CLOSED', `the event store ${this.dbPath} is closed`);
  }
}

// ---- rows and mapping -----------------------------------------------------------------------

interface AppRow {
  appId: string;
  name: string;
  user: string;
  master: string;
  conf: string;
  startTime: number | null;
  endTime: number | null;
  state: string;
  endReason: string | null;
  eventsPosted: number;
  storedThrough: number;
  droppedEvents: number;
  createdAt: number;
}
interface JobRow {
  appId: string;
  jobId: number;
  description: string;
  jobGroup: string | null;
  state: JobState;
  error: string | null;
  submissionTime: number;
  completionTime: number | null;
  traceId: string | null;
  stageIds: string;
}
interface StageRow {
  stageId: number;
  name: string;
  kind: 'shuffleMap' | 'result';
  numTasks: number;
  parentIds: string;
  rddInfos: string;
}
interface AttemptRow extends StageRow {
  attempt: number;
  state: StageAttemptState;
  submissionTime: number | null;
  completionTime: number | null;
  failureReason: string | null;
  quantiles: string | null;
  /** Only the single-attempt read selects it. */
  taskVersion?: number;
}
/** Sort keys an index serves (see the migrations): listTasks pages them in SQL. */
const INDEXED_SORT_KEYS: ReadonlySet<string> = new Set(['taskId', 'duration', 'executorRunTime', 'launchTime']);
const TEXT_SORT_KEYS: ReadonlySet<string> = new Set(['status', 'executorId', 'host']);
/**
 * Bytes of row ids kept over every sorted order (4 a row while ids fit 32 bits): about 40
 * columns of a 100,000-task stage, or all of them where many columns are one value.
 */
const KEPT_ORDER_MAX_BYTES = 16 * 1024 * 1024;
/** Sort keys a kept order serves: numeric columns no index serves (text columns stay in SQL: SQLite compares their UTF-8 bytes, JavaScript its UTF-16 units). */
export const KEPT_SORT_KEYS: readonly TaskSortKey[] = TASK_SORT_KEYS.filter((k) => !INDEXED_SORT_KEYS.has(k) && !TEXT_SORT_KEYS.has(k));
const KEPT_SORT_KEY_SET: ReadonlySet<string> = new Set(KEPT_SORT_KEYS);
/** Attempts whose row ids (in index order) are kept for building orders. */
const KEPT_ROWID_LISTS = 4;

/** Bumped when the cached JSON's shape changes, so an older cache is recomputed, not misread. */
const AGGREGATES_VERSION = 2;
interface StageAggregates {
  version: number;
  taskCounts: TaskCounts;
  totals: StageTotals;
  executors?: ExecutorStageMetrics[];
  quantiles?: StageQuantiles;
}
interface StatusCount {
  status: TaskStatus;
  n: number;
}
type StageTotalsRow = { total: number; running: number | null; success: number | null; failed: number | null; killed: number | null } & { [K in keyof StageTotals]: number | null };
type ExecutorStageRow = { executorId: string; host: string; total: number; running: number; success: number; failed: number; killed: number } & Record<
  'duration' | 'inputBytes' | 'shuffleReadBytes' | 'shuffleWriteBytes' | 'memoryBytesSpilled' | 'diskBytesSpilled' | 'gcTime',
  number | null
>;
interface ExecutorRow {
  appId: string;
  executorId: string;
  host: string;
  cores: number;
  address: string;
  pid: number | null;
  workerId: string | null;
  addedTime: number | null;
  removedTime: number | null;
  removalReason: string | null;
  logUrls: string;
}
type ExecutorTotalsRow = { executorId: string } & { [K in keyof ExecutorTotals]: number | null };
interface StorageRow {
  executorId: string;
  blocks: number;
  memSize: number;
  diskSize: number;
}
interface ChangeDbRow {
  cursor: number;
  appId: string;
  kind: 'events' | 'appState';
  time: number;
  firstSeq: number;
  lastSeq: number;
  appChanged: number;
  jobIds: string;
  stageIds: string;
  executorIds: string;
  tasksStarted: number;
  tasksEnded: number;
}
type TaskDbRow = Record<string, number | string | null>;

const SORT_KEYS: ReadonlySet<string> = new Set(TASK_SORT_KEYS);
const METRIC_FIELDS = [...TASK_METRIC_NAMES, ...PHASE_TIMESTAMP_NAMES] as const;

function toTaskRow(r: TaskDbRow): TaskRow {
  let metrics: TaskMetrics | null = null;
  if (r.hasMetrics === 1) {
    const m = {} as Record<string, number>;
    for (const f of METRIC_FIELDS) m[f] = (r[f] as number | null) ?? 0;
    metrics = m as unknown as TaskMetrics;
  }
  const n = (k: string) => r[k] as number | null;
  return {
    appId: r.appId as string,
    taskId: r.taskId as number,
    stageId: r.stageId as number,
    stageAttempt: r.stageAttempt as number,
    index: r.index as number,
    attempt: r.attempt as number,
    executorId: r.executorId as string,
    host: r.host as string,
    slot: r.slot as number,
    locality: r.locality as string,
    speculative: r.speculative === 1,
    status: r.status as TaskStatus,
    failureKind: r.failureKind as string | null,
    failureMessage: r.failureMessage as string | null,
    launchTime: r.launchTime as number,
    finishTime: n('finishTime'),
    duration: n('duration'),
    metrics,
    phases: {
      schedulerDelay: n('schedulerDelay'),
      deserialize: n('deserialize'),
      shuffleReadWait: n('shuffleReadWait'),
      compute: n('compute'),
      shuffleWrite: n('shuffleWrite'),
      resultSerialize: n('resultSerialize'),
      resultFetch: n('resultFetch'),
      duration: n('duration'),
    },
  };
}

function toExecutor(r: ExecutorRow, t: ExecutorTotalsRow | undefined, st: StorageRow | undefined): ExecutorSummary {
  const z = (v: number | null | undefined) => v ?? 0;
  return {
    appId: r.appId,
    executorId: r.executorId,
    host: r.host,
    address: r.address,
    cores: r.cores,
    pid: r.pid,
    workerId: r.workerId,
    addedTime: r.addedTime,
    removedTime: r.removedTime,
    removalReason: r.removalReason,
    active: r.removedTime === null,
    logUrls: parseJson<Record<string, string>>(r.logUrls, {}),
    totals: {
      tasks: z(t?.tasks),
      activeTasks: z(t?.activeTasks),
      succeededTasks: z(t?.succeededTasks),
      failedTasks: z(t?.failedTasks),
      killedTasks: z(t?.killedTasks),
      duration: z(t?.duration),
      executorRunTime: z(t?.executorRunTime),
      gcTime: z(t?.gcTime),
      inputBytes: z(t?.inputBytes),
      shuffleReadBytes: z(t?.shuffleReadBytes),
      shuffleWriteBytes: z(t?.shuffleWriteBytes),
      memoryBytesSpilled: z(t?.memoryBytesSpilled),
      diskBytesSpilled: z(t?.diskBytesSpilled),
    },
    storage: { blocks: z(st?.blocks), memSize: z(st?.memSize), diskSize: z(st?.diskSize) },
  };
}

function countsFrom(rows: readonly StatusCount[]): TaskCounts {
  const c: TaskCounts = { total: 0, running: 0, success: 0, failed: 0, killed: 0 };
  for (const r of rows) {
    c.total += r.n;
    c[r.status.toLowerCase() as 'running'] += r.n;
  }
  return c;
}

function parseJson<T>(s: string | null, fallback: T): T {
  if (s === null) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

function clampLimit(limit: number | undefined, dflt: number, max: number): number {
  if (limit === undefined) return dflt;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new EventStoreError('INVALID_INPUT', `limit must be an integer from 1 to ${max}, got ${limit}`);
  return Math.min(limit, max);
}

const STATUS_SUMS = `COUNT(*) AS total, SUM("status" = 'RUNNING') AS running, SUM("status" = 'SUCCESS') AS success, SUM("status" = 'FAILED') AS failed, SUM("status" = 'KILLED') AS killed`;

function prepareReads(db: Database.Database) {
  const quantileCols = QUANTILE_NAMES.map((n) => `"${n}"`).join(', ');
  return {
    ensureApp: db.prepare(`INSERT OR IGNORE INTO "Application" ("appId", "createdAt") VALUES (?, ?)`),
    storedThrough: db.prepare(`SELECT "storedThrough" FROM "Application" WHERE "appId" = ?`),
    eventsPosted: db.prepare(
      `UPDATE "Application" SET "eventsPosted" = MAX("eventsPosted", @posted), "droppedEvents" = CASE WHEN "state" = 'RUNNING' THEN "droppedEvents" ELSE MAX(0, MAX("eventsPosted", @posted) - "storedThrough") END WHERE "appId" = @appId`,
    ),
    finishApp: db.prepare(
      `UPDATE "Application" SET "state" = ?, "endTime" = COALESCE("endTime", ?), "endReason" = COALESCE(?, "endReason"), "droppedEvents" = MAX(0, "eventsPosted" - "storedThrough") WHERE "appId" = ?`,
    ),
    dropped: db.prepare(`SELECT "droppedEvents" FROM "Application" WHERE "appId" = ?`),
    insertChange: db.prepare(
      `INSERT INTO "Change" ("appId", "kind", "time", "firstSeq", "lastSeq", "appChanged", "jobIds", "stageIds", "executorIds", "tasksStarted", "tasksEnded") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    app: db.prepare(`SELECT * FROM "Application" WHERE "appId" = ?`),
    appCreatedAt: db.prepare(`SELECT "createdAt" FROM "Application" WHERE "appId" = ?`),
    jobCounts: db.prepare(`SELECT "state", COUNT(*) AS n FROM "Job" WHERE "appId" = ? GROUP BY "state"`),
    stageCounts: db.prepare(`SELECT "state", COUNT(*) AS n FROM "StageAttempt" WHERE "appId" = ? GROUP BY "state"`),
    appTaskCounts: db.prepare(`SELECT "status", COUNT(*) AS n FROM "Task" WHERE "appId" = ? GROUP BY "status"`),
    executorCounts: db.prepare(`SELECT COUNT(*) AS total, SUM("removedTime" IS NULL) AS active FROM "Executor" WHERE "appId" = ?`),
    jobs: db.prepare(`SELECT * FROM "Job" WHERE "appId" = ? ORDER BY "jobId" DESC`),
    job: db.prepare(`SELECT * FROM "Job" WHERE "appId" = ? AND "jobId" = ?`),
    jobTaskCounts: db.prepare(
      `SELECT sa."jobId" AS "jobId", t."status" AS "status", COUNT(*) AS n FROM "StageAttempt" sa JOIN "Task" t ON t."appId" = sa."appId" AND t."stageId" = sa."stageId" AND t."stageAttempt" = sa."attempt"
       WHERE sa."appId" = ? AND sa."jobId" IS NOT NULL GROUP BY sa."jobId", t."status"`,
    ),
    jobNumTasks: db.prepare(
      `SELECT js."jobId" AS "jobId", SUM(s."numTasks") AS n FROM "JobStage" js JOIN "Stage" s ON s."appId" = js."appId" AND s."stageId" = js."stageId" WHERE js."appId" = ? AND js."submitted" = 1 GROUP BY js."jobId"`,
    ),
    jobStages: db.prepare(
      `SELECT s.*, js."submitted" AS "submitted", la."attempt" AS "attempt", la."state" AS "attemptState" FROM "JobStage" js
       JOIN "Stage" s ON s."appId" = js."appId" AND s."stageId" = js."stageId"
       LEFT JOIN "StageAttempt" la ON la."appId" = js."appId" AND la."stageId" = js."stageId"
         AND la."attempt" = (SELECT MAX("attempt") FROM "StageAttempt" x WHERE x."appId" = js."appId" AND x."stageId" = js."stageId")
       WHERE js."appId" = ? AND js."jobId" = ? ORDER BY js."stageId"`,
    ),
    stageTaskCounts: db.prepare(`SELECT "status", COUNT(*) AS n FROM "Task" WHERE "appId" = ? AND "stageId" = ? AND "stageAttempt" = ? GROUP BY "status"`),
    stageAttempts: db.prepare(
      `SELECT s.*, sa."attempt", sa."numTasks", sa."state", sa."submissionTime", sa."completionTime", sa."failureReason", sa."quantiles" FROM "StageAttempt" sa
       JOIN "Stage" s ON s."appId" = sa."appId" AND s."stageId" = sa."stageId" WHERE sa."appId" = ? ORDER BY sa."stageId" DESC, sa."attempt" DESC`,
    ),
    jobStageAttempts: db.prepare(
      `SELECT s.*, sa."attempt", sa."numTasks", sa."state", sa."submissionTime", sa."completionTime", sa."failureReason", sa."quantiles" FROM "StageAttempt" sa
       JOIN "Stage" s ON s."appId" = sa."appId" AND s."stageId" = sa."stageId"
       WHERE sa."appId" = ? AND sa."stageId" IN (SELECT "stageId" FROM "JobStage" WHERE "appId" = ? AND "jobId" = ? AND "submitted" = 1) ORDER BY sa."stageId" DESC, sa."attempt" DESC`,
    ),
    stageAttempt: db.prepare(
      `SELECT s.*, sa."attempt", sa."numTasks", sa."state", sa."submissionTime", sa."completionTime", sa."failureReason", sa."quantiles", sa."taskVersion" FROM "StageAttempt" sa
       JOIN "Stage" s ON s."appId" = sa."appId" AND s."stageId" = sa."stageId" WHERE sa."appId" = ? AND sa."stageId" = ? AND sa."attempt" = ?`,
    ),
    stageJobs: db.prepare(`SELECT "stageId", "jobId" FROM "JobStage" WHERE "appId" = ? ORDER BY "stageId", "jobId"`),
    jobsOfStage: db.prepare(`SELECT "jobId" FROM "JobStage" WHERE "appId" = ? AND "stageId" = ? ORDER BY "jobId"`),
    stageTotals: db.prepare(
      `SELECT ${STATUS_SUMS}, SUM("inputBytes") AS "inputBytes", SUM("inputRecords") AS "inputRecords", SUM("outputBytes") AS "outputBytes", SUM("outputRecords") AS "outputRecords",
       SUM("shuffleReadBytes") AS "shuffleReadBytes", SUM("shuffleReadRecords") AS "shuffleReadRecords", SUM("shuffleWriteBytes") AS "shuffleWriteBytes", SUM("shuffleWriteRecords") AS "shuffleWriteRecords",
       SUM("memoryBytesSpilled") AS "memoryBytesSpilled", SUM("diskBytesSpilled") AS "diskBytesSpilled", SUM("executorRunTime") AS "executorRunTime", SUM("executorCpuTime") AS "executorCpuTime",
       SUM("gcTime") AS "gcTime", SUM("duration") AS "duration"
       FROM "Task" WHERE "appId" = ? AND "stageId" = ? AND "stageAttempt" = ?`,
    ),
    stageExecutors: db.prepare(
      `SELECT "executorId", MAX("host") AS "host", ${STATUS_SUMS}, SUM("duration") AS "duration", SUM("inputBytes") AS "inputBytes", SUM("shuffleReadBytes") AS "shuffleReadBytes",
       SUM("shuffleWriteBytes") AS "shuffleWriteBytes", SUM("memoryBytesSpilled") AS "memoryBytesSpilled", SUM("diskBytesSpilled") AS "diskBytesSpilled", SUM("gcTime") AS "gcTime"
       FROM "Task" WHERE "appId" = ? AND "stageId" = ? AND "stageAttempt" = ? GROUP BY "executorId" ORDER BY "executorId"`,
    ),
    tasksByRowid: db.prepare(`SELECT rowid AS "_rowid", * FROM "Task" WHERE rowid IN (SELECT value FROM json_each(?))`),
    stageTimeline: db
      .prepare(
        `SELECT "taskId", "index", "attempt", "executorId", "slot", "status", "launchTime", "finishTime", "hasMetrics", ${PHASE_TIMESTAMP_NAMES.map((c) => `"${c}"`).join(', ')}, "shuffleFetchWaitTime", "inputBytes", "inputRecords", "shuffleReadRecords" FROM "Task" INDEXED BY "Task_stage_task_idx" WHERE "appId" = ? AND "stageId" = ? AND "stageAttempt" = ? AND "taskId" > ? ORDER BY "taskId" LIMIT ?`,
      )
      .raw(true),
    stageAttemptVersion: db.prepare(`SELECT "state", "taskVersion" FROM "StageAttempt" WHERE "appId" = ? AND "stageId" = ? AND "attempt" = ?`),
    successCount: db.prepare(`SELECT COUNT(*) AS n FROM "Task" WHERE "appId" = ? AND "stageId" = ? AND "stageAttempt" = ? AND "status" = 'SUCCESS'`),
    quantileSample: db.prepare(`SELECT ${quantileCols} FROM "Task" WHERE "appId" = ? AND "stageId" = ? AND "stageAttempt" = ? AND "status" = 'SUCCESS' AND rowid % ? = 0`),
    quantileRows: db.prepare(`SELECT ${quantileCols} FROM "Task" WHERE "appId" = ? AND "stageId" = ? AND "stageAttempt" = ? AND "status" = 'SUCCESS'`),
    // Kept only if no task end of the attempt was stored since the rows were read (another connection may write).
    saveQuantiles: db.prepare(`UPDATE "StageAttempt" SET "quantiles" = ? WHERE "appId" = ? AND "stageId" = ? AND "attempt" = ? AND "taskVersion" = ?`),
    executors: db.prepare(`SELECT * FROM "Executor" WHERE "appId" = ? ORDER BY "addedTime" IS NULL, "addedTime", "executorId"`),
    executor: db.prepare(`SELECT * FROM "Executor" WHERE "appId" = ? AND "executorId" = ?`),
    executorTotals: db.prepare(
      `SELECT "executorId", COUNT(*) AS "tasks", SUM("status" = 'RUNNING') AS "activeTasks", SUM("status" = 'SUCCESS') AS "succeededTasks", SUM("status" = 'FAILED') AS "failedTasks",
       SUM("status" = 'KILLED') AS "killedTasks", SUM("duration") AS "duration", SUM("executorRunTime") AS "executorRunTime", SUM("gcTime") AS "gcTime", SUM("inputBytes") AS "inputBytes",
       SUM("shuffleReadBytes") AS "shuffleReadBytes", SUM("shuffleWriteBytes") AS "shuffleWriteBytes", SUM("memoryBytesSpilled") AS "memoryBytesSpilled", SUM("diskBytesSpilled") AS "diskBytesSpilled"
       FROM "Task" WHERE "appId" = ? GROUP BY "executorId"`,
    ),
    executorStorage: db.prepare(`SELECT "executorId", COUNT(*) AS "blocks", SUM("memSize") AS "memSize", SUM("diskSize") AS "diskSize" FROM "BlockUpdate" WHERE "appId" = ? GROUP BY "executorId"`),
    cachedRdds: db.prepare(
      `SELECT "rddId", MAX("storageLevel") AS "storageLevel", COUNT(*) AS "cachedPartitions", SUM("memSize") AS "memSize", SUM("diskSize") AS "diskSize", COUNT(DISTINCT "executorId") AS "executors"
       FROM "BlockUpdate" WHERE "appId" = ? GROUP BY "rddId" ORDER BY "rddId"`,
    ),
    changes: db.prepare(`SELECT * FROM "Change" WHERE "cursor" > ? ORDER BY "cursor" LIMIT ?`),
    appChanges: db.prepare(`SELECT * FROM "Change" WHERE "appId" = ? AND "cursor" > ? ORDER BY "cursor" LIMIT ?`),
    latestCursor: db.prepare(`SELECT MAX("cursor") AS c FROM "Change"`),
  };
}
