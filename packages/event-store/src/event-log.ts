import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { processWarningLogger, type FlintEvent, type Logger } from '@flint/core';
import { EventStoreError } from './event-store-error.ts';
import { EventStore, MAX_BATCH_EVENTS } from './event-store.ts';
import { EventLogSink } from './event-log-sink.ts';

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
  /**
   * Write from a worker thread instead of the driver's thread. Off by default: a fresh
   * process's short local[2] run (create, a 2,000-task job, stop; three alternating runs,
   * load ~19) cost 5.07 s of CPU with the thread, 3.97 s on the driver's thread and 3.51 s
   * with no log (wall medians 8.2, 5.2 and 4.4 s): the thread loads the store's modules a
   * second time under the TypeScript loader, which costs more than the writes.
   * @default false
   */
  thread?: boolean;
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
 * One writer per event-log file per process (and per kind), shared by the applications of
 * the process (a test suite or a service that creates many local contexts opens the file
 * once). A thread writer is unreferenced: it never keeps the process alive; `close()` of
 * each EventLog waits until that application's events are stored.
 */
interface Writer {
  post(m: EventLogToWriter): void;
  /** Keeps the process alive while an application's last events are written (a thread writer). */
  ref(): void;
  unref(): void;
  /** Resolves with an exit code when the writer can write no more. */
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

/** What a writer answers, handed to the application it names (failures to its logger). */
function answers(w: Writer, dbPath: string): (m: EventLogFromWriter) => void {
  return (m) => {
    if (m.type === 'ready') return;
    if (m.type === 'error') {
      w.lastError = m.message;
      const owner = m.appId ? w.logs.get(m.appId) : undefined;
      warnLogs(w, owner ? [owner] : [...w.logs.values()], `the event log ${dbPath} could not store events${m.appId ? ` of ${m.appId}` : ''}: ${m.message}`);
      return;
    }
    w.logs.get(m.appId)?._fromWriter(m);
  };
}

function writerFor(dbPath: string, thread: boolean): Writer {
  const key = `${thread ? 'thread' : 'inline'}:${dbPath}`;
  const known = writers.get(key);
  if (known) return known;
  const w = thread ? threadWriter(dbPath) : inlineWriter(dbPath);
  void w.exited.then(() => writers.delete(key));
  writers.set(key, w);
  return w;
}

function threadWriter(dbPath: string): Writer {
  const entry = import.meta.url.endsWith('.ts') ? './event-log-worker-entry.mjs' : './event-log-worker.js';
  const worker = new Worker(new URL(entry, import.meta.url), { workerData: { dbPath } satisfies EventLogWriterInit });
  worker.unref();
  const w: Writer = {
    post: (m) => worker.postMessage(m),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    exited: new Promise((resolve) => worker.on('exit', resolve)),
    logs: new Map(),
    lastError: null,
  };
  worker.on('message', answers(w, dbPath));
  worker.on('error', (e) => {
    w.lastError = e.message;
    warnLogs(w, [...w.logs.values()], `the event log writer for ${dbPath} failed: ${e.message}`);
  });
  return w;
}

/**
 * The writer on the driver's own thread: the store opens on the first call and batches
 * are stored between the driver's other work (a batch in transactions of 2,000 events,
 * yielding between them). No thread to start and no second copy of the store's modules
 * to load: on a short local[2] run this is what the log costs (see `thread`).
 */
function inlineWriter(dbPath: string): Writer {
  let exit: (code: number) => void = () => {};
  const early: EventLogToWriter[] = [];
  let sink: EventLogSink | null = null;
  const w: Writer = {
    post: (m) => (sink ? sink.post(m) : early.push(m)),
    ref: () => {},
    unref: () => {},
    exited: new Promise((resolve) => (exit = resolve)),
    logs: new Map(),
    lastError: null,
  };
  const send = answers(w, dbPath);
  EventStore.open(dbPath, { readOnlyQueriesWithoutPrisma: true }).then(
    (store) => {
      sink = new EventLogSink(store, send);
      for (const m of early.splice(0)) sink.post(m);
    },
    (err: Error) => {
      send({ type: 'error', appId: null, message: err.message });
      exit(1);
    },
  );
  return w;
}

/**
 * A local-mode driver's event log: the same event store the master keeps,
 * written from the driver. `listener` numbers each event and queues it (it
 * never blocks and never drops); batches go to a writer that owns the database,
 * on the driver's thread between its other work (or on a worker thread: the
 * `thread` option). `close()`
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
   * setting when not) and starts the writer without waiting for it: the store opens
   * while the driver starts, and batches wait until it has.
   */
  static open(opts: EventLogOptions): EventLog {
    const dbPath = eventLogFile(path.resolve(opts.dir));
    try {
      fs.mkdirSync(path.dirname(dbPath), { recursive: true });
      fs.closeSync(fs.openSync(dbPath, 'a'));
    } catch (cause) {
      throw new EventStoreError('IO', `cannot write the event log ${dbPath}: ${(cause as Error).message}; set flint.eventLog.dir to a writable directory, or flint.eventLog.enabled=false`, { cause });
    }
    const writer = writerFor(dbPath, opts.thread ?? false);
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
    this.writer.post({ type: 'batch', appId: this.appId, firstSeq: this.nextSeq - events.length, events } satisfies EventLogToWriter);
  }

  /** Flushes, ends the application in the store and stops the writer. Idempotent. */
  close(state: 'FINISHED' | 'FAILED' | 'KILLED' = 'FINISHED'): Promise<{ storedThrough: number; droppedEvents: number }> {
    this.closing ??= (async () => {
      this.flush();
      const done = new Promise<{ storedThrough: number; droppedEvents: number }>((resolve) => {
        this.finished = resolve;
      });
      this.writer.post({ type: 'finish', appId: this.appId, eventsPosted: this.eventsPosted, state, time: Date.now() } satisfies EventLogToWriter);
      // Referenced while this application's last events are written, so the process waits for them.
      this.writer.ref();
      try {
        const r = await Promise.race([done, this.writer.exited]);
        if (typeof r === 'number' || r.droppedEvents < 0) {
          const why = typeof r === 'number' ? `stopped (exit code ${r})` : 'failed';
          throw new EventStoreError('IO', `the event log writer for ${this.dbPath} ${why} before storing every event of ${this.appId}${this.writer.lastError ? `: ${this.writer.lastError}` : ''}`);
        }
        return r;
      } finally {
        this.writer.logs.delete(this.appId);
        if (this.writer.logs.size === 0) this.writer.unref();
      }
    })();
    return this.closing;
  }
}
