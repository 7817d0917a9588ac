import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { processWarningLogger, type FlintEvent, type Logger } from '@flint/core';
import { EventStoreError } from './event-store-error.ts';
import { MAX_BATCH_EVENTS } from './event-store.ts';

/** `~/.flint/events`: where local-mode drivers keep their event log unless `flint.eventLog.dir` says otherwise. */
export function defaultEventLogDir(): string {
  return path.join(os.homedir(), '.flint', 'events');
}

/** The file of an event log directory (one store shared by every local driver that writes there). */
export function eventLogFile(dir: string): string {
  return path.join(dir, 'events.db');
}

export interface EventLogOptions {
  /** Directory of the log; its `events.db` is created when absent. */
  dir: string;
  appId: string;
  /** Longest an event waits before its batch is sent to the writer. @default 100 */
  flushIntervalMs?: number;
  /** Events that make a batch leave at once. @default 2000 */
  batchEvents?: number;
  /** Where the writer's failures are reported (the driver's logger). @default processWarningLogger */
  logger?: Logger;
}

/** @internal Messages between an EventLog and its writer thread. */
export interface EventLogWriterInit {
  dbPath: string;
}
/** @internal */
export type EventLogToWriter =
  | { type: 'batch'; appId: string; firstSeq: number; events: FlintEvent[] }
  | { type: 'finish'; appId: string; eventsPosted: number; state: 'FINISHED' | 'FAILED' | 'KILLED'; time: number };
/** @internal */
export type EventLogFromWriter =
  | { type: 'ready' }
  | { type: 'stored'; appId: string; storedThrough: number }
  | { type: 'finished'; appId: string; storedThrough: number; droppedEvents: number }
  | { type: 'error'; appId: string | null; message: string };

/**
 * One writer thread per event-log file per process, shared by the applications of the
 * process (a test suite or a service that creates many local contexts pays its start-up
 * once). Unreferenced: it never keeps the process alive; `close()` of each EventLog waits
 * until that application's events are stored.
 */
interface Writer {
  worker: Worker;
  exited: Promise<number>;
  logs: Map<string, EventLog>;
  lastError: string | null;
}
const writers = new Map<string, Writer>();

/**
 * Tells the loggers of the given applications (each logger once: drivers of one
 * process usually share one); with none open, a process warning as before.
 */
function warnLogs(w: Writer, logs: readonly EventLog[], message: string): void {
  const loggers = new Set(logs.map((log) => log.logger));
  if (loggers.size === 0) loggers.add(processWarningLogger);
  for (const logger of loggers) logger.warn(message);
}

function writerFor(dbPath: string): Writer {
  const known = writers.get(dbPath);
  if (known) return known;
  const entry = import.meta.url.endsWith('.ts') ? './event-log-worker-entry.mjs' : './event-log-worker.js';
  const worker = new Worker(new URL(entry, import.meta.url), { workerData: { dbPath } satisfies EventLogWriterInit });
  worker.unref();
  const w: Writer = { worker, exited: new Promise((resolve) => worker.on('exit', resolve)), logs: new Map(), lastError: null };
  worker.on('message', (m: EventLogFromWriter) => {
    if (m.type === 'ready') return;
    if (m.type === 'error') {
      w.lastError = m.message;
      const owner = m.appId ? w.logs.get(m.appId) : undefined;
      warnLogs(w, owner ? [owner] : [...w.logs.values()], `the event log ${dbPath} could not store events${m.appId ? ` of ${m.appId}` : ''}: ${m.message}`);
      return;
    }
    w.logs.get(m.appId)?._fromWriter(m);
  });
  worker.on('error', (e) => {
    w.lastError = e.message;
    warnLogs(w, [...w.logs.values()], `the event log writer for ${dbPath} failed: ${e.message}`);
  });
  void w.exited.then(() => writers.delete(dbPath));
  writers.set(dbPath, w);
  return w;
}

/**
 * A local-mode driver's event log: the same event store the master keeps,
 * written from the driver. `listener` numbers each event and queues it (it
 * never blocks and never drops); batches go to a writer thread that owns the
 * database, so the scheduler's thread does no disk I/O for them. `close()`
 * sends what is left, records the count of events numbered and ends the
 * application in the store; it resolves once everything is on disk.
 *
 * Not thread-safe by design: one driver, one EventLog, used from its main thread.
 */
export class EventLog {
  private pending: FlintEvent[] = [];
  private nextSeq = 1;
  private timer: NodeJS.Timeout | null = null;
  private closing: Promise<{ storedThrough: number; droppedEvents: number }> | null = null;
  private storedThrough = 0;
  private finished: ((r: { storedThrough: number; droppedEvents: number }) => void) | null = null;

  private constructor(
    private readonly writer: Writer,
    readonly dbPath: string,
    readonly appId: string,
    private readonly flushIntervalMs: number,
    private readonly batchEvents: number,
    /** @internal Where this application's writer failures go. */
    readonly logger: Logger,
  ) {}

  /** @internal The writer thread's answers for this application. */
  _fromWriter(m: Extract<EventLogFromWriter, { type: 'stored' | 'finished' }>): void {
    if (m.type === 'stored') this.storedThrough = Math.max(this.storedThrough, m.storedThrough);
    else this.finished?.({ storedThrough: m.storedThrough, droppedEvents: m.droppedEvents });
  }

  /**
   * Checks that `<dir>/events.db` can be created or written (a clear error naming the
   * setting when not) and starts the writer thread without waiting for it: the thread
   * loads and opens the store while the driver starts, and batches wait in its port.
   */
  static open(opts: EventLogOptions): EventLog {
    const dbPath = eventLogFile(path.resolve(opts.dir));
    try {
      fs.mkdirSync(path.dirname(dbPath), { recursive: true });
      fs.closeSync(fs.openSync(dbPath, 'a'));
    } catch (cause) {
      throw new EventStoreError('IO', `cannot write the event log ${dbPath}: ${(cause as Error).message}; set flint.eventLog.dir to a writable directory, or flint.eventLog.enabled=false`, { cause });
    }
    const writer = writerFor(dbPath);
    if (writer.logs.has(opts.appId)) throw new EventStoreError('INVALID_INPUT', `application ${opts.appId} already has an open event log on ${dbPath}`);
    const log = new EventLog(writer, dbPath, opts.appId, opts.flushIntervalMs ?? 100, Math.min(opts.batchEvents ?? 2000, MAX_BATCH_EVENTS), opts.logger ?? processWarningLogger);
    writer.logs.set(opts.appId, log);
    return log;
  }

  /** Events numbered so far. */
  get eventsPosted(): number {
    return this.nextSeq - 1;
  }

  /** The listener to add to the driver's bus. */
  readonly listener = (event: FlintEvent): void => {
    if (this.closing) return;
    this.pending.push(event);
    this.nextSeq++;
    if (this.pending.length >= this.batchEvents) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushIntervalMs).unref();
  };

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.writer.worker.postMessage({ type: 'batch', appId: this.appId, firstSeq: this.nextSeq - events.length, events } satisfies EventLogToWriter);
  }

  /** Flushes, ends the application in the store and stops the writer. Idempotent. */
  close(state: 'FINISHED' | 'FAILED' | 'KILLED' = 'FINISHED'): Promise<{ storedThrough: number; droppedEvents: number }> {
    this.closing ??= (async () => {
      this.flush();
      const done = new Promise<{ storedThrough: number; droppedEvents: number }>((resolve) => {
        this.finished = resolve;
      });
      this.writer.worker.postMessage({ type: 'finish', appId: this.appId, eventsPosted: this.eventsPosted, state, time: Date.now() } satisfies EventLogToWriter);
      // Referenced while this application's last events are written, so the process waits for them.
      this.writer.worker.ref();
      try {
        const r = await Promise.race([done, this.writer.exited]);
        if (typeof r === 'number' || r.droppedEvents < 0) {
          const why = typeof r === 'number' ? `stopped (exit code ${r})` : 'failed';
          throw new EventStoreError('IO', `the event log writer for ${this.dbPath} ${why} before storing every event of ${this.appId}${this.writer.lastError ? `: ${this.writer.lastError}` : ''}`);
        }
        return r;
      } finally {
        this.writer.logs.delete(this.appId);
        if (this.writer.logs.size === 0) this.writer.worker.unref();
      }
    })();
    return this.closing;
  }
}
