/**
 * Ships an application's listener events to the master, losslessly: every event
 * is numbered (1, 2, 3, … per application) the moment the bus hands it over, kept
 * until the master acknowledges it as stored (`storedThrough`), and sent in
 * batches with a bounded number of requests in flight. When the master is slow
 * the shipper waits (events queue here, the scheduler never blocks); when the
 * master goes away or answers that it lacks earlier events, it resends everything
 * above the last acknowledgement (the master stores batches idempotently).
 *
 * Owns the numbering and the unacknowledged events; does not own the connection
 * to the master (`send` uses whatever connection the backend holds now). Runs on
 * the driver's event loop; `listener` is synchronous and never throws.
 */
import { compileSetting, type FlintEvent, type FlintSettings } from '@flint/core';

export interface EventShipperOptions {
  appId: string;
  /** Sends one batch; resolves with the master's answer. Rejects when the master cannot be reached. */
  send(batch: { appId: string; firstSeq: number; events: Record<string, unknown>[] }): Promise<{ storedThrough: number }>;
  /** `flint.eventLog.batchEvents` — most events in one batch (the protocol allows 10,000). @default 1000 */
  maxBatchEvents?: number;
  /** `flint.eventLog.maxBatchesInFlight` — batches sent and not yet answered. @default 4 */
  maxInFlight?: number;
  /** `flint.eventLog.linger` — how long a partial batch waits for more events. @default 50 ms */
  lingerMs?: number;
  /** First wait after a failed send; doubles up to 5 s. @default 200 ms */
  retryDelayMs?: number;
  /** Called once when the shipper gives up on a master that answers without storing anything. */
  warn?(message: string): void;
  /** Counts batches and events as they are acknowledged (telemetry). */
  onShipped?(events: number): void;
}

/** The shipping settings: the event log's part of the compiled settings (a raw conf is compiled here). */
export function eventShipperSettings(from: FlintSettings | Readonly<Record<string, unknown>>): { enabled: boolean; maxBatchEvents: number; maxInFlight: number; lingerMs: number; flushTimeoutMs: number } {
  const get = <F extends 'eventLogEnabled' | 'eventLogBatchEvents' | 'eventLogMaxBatchesInFlight' | 'eventLogLingerMs' | 'eventLogFlushTimeoutMs'>(f: F): FlintSettings[F] =>
    isCompiled(from) ? from[f] : (compileSetting(from, f) as FlintSettings[F]);
  return {
    enabled: get('eventLogEnabled'),
    maxBatchEvents: get('eventLogBatchEvents'),
    maxInFlight: get('eventLogMaxBatchesInFlight'),
    lingerMs: get('eventLogLingerMs'),
    flushTimeoutMs: get('eventLogFlushTimeoutMs'),
  };
}

function isCompiled(s: FlintSettings | Readonly<Record<string, unknown>>): s is FlintSettings {
  return s.setKeys instanceof Set;
}

/** How often in a row the master may answer a batch it could take without storing it, before the shipper stops. */
const MAX_REFUSALS = 5;

export class EventShipper {
  private readonly o: Required<Omit<EventShipperOptions, 'warn' | 'onShipped'>> & Pick<EventShipperOptions, 'warn' | 'onShipped'>;
  /** Unacknowledged events: `buf[head + i]` has number `bufFirst + i`. */
  private buf: Record<string, unknown>[] = [];
  private head = 0;
  private bufFirst = 1;
  private postedCount = 0;
  private acked = 0;
  private nextToSend = 1;
  private inFlight = 0;
  /** Bumped on every rewind: answers to batches sent before it do not rewind again. */
  private generation = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private refusals = 0;
  private flushing = false;
  private closed = false;
  private gaveUp = false;
  private readonly waiters: { through: number; resolve: () => void }[] = [];

  constructor(opts: EventShipperOptions) {
    this.o = { maxBatchEvents: 1000, maxInFlight: 4, lingerMs: 50, retryDelayMs: 200, ...opts };
    if (this.o.maxBatchEvents > 10_000) throw new Error(`maxBatchEvents ${this.o.maxBatchEvents}: a batch holds at most 10,000 events`);
    this.retryDelay = this.o.retryDelayMs;
  }

  /** Subscribe this to the listener bus before the first event of the application is posted. */
  readonly listener = (event: FlintEvent): void => {
    if (this.closed) return;
    this.postedCount++;
    this.buf.push(event as unknown as Record<string, unknown>);
    this.pump();
  };

  /** Events numbered so far (sent in the driver heartbeat so the master can prove a loss). */
  get posted(): number {
    return this.postedCount;
  }

  /** The master's last acknowledgement: every event up to this number is stored. */
  get storedThrough(): number {
    return this.acked;
  }

  /** Events numbered and not yet acknowledged. */
  get pending(): number {
    return this.postedCount - this.acked;
  }

  /** Sends what is there without waiting for fuller batches, until `pending` is 0 or `timeoutMs` passes. Returns how many events remain undelivered. */
  async flush(timeoutMs: number): Promise<number> {
    this.flushing = true;
    this.pump();
    const target = this.postedCount;
    if (this.acked < target && !this.gaveUp) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ through: target, resolve })),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    return Math.max(0, this.postedCount - this.acked);
  }

  /** Stops sending; events posted after this are not numbered. */
  close(): void {
    this.closed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.lingerTimer = this.retryTimer = null;
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  private pump(): void {
    if (this.closed || this.gaveUp || this.retryTimer) return;
    while (this.inFlight < this.o.maxInFlight && this.nextToSend <= this.postedCount) {
      const available = this.postedCount - this.nextToSend + 1;
      if (available < this.o.maxBatchEvents && !this.flushing && this.o.lingerMs > 0) {
        this.lingerTimer ??= setTimeout(() => {
          this.lingerTimer = null;
          this.flushPartial();
        }, this.o.lingerMs);
        return;
      }
      this.sendNext(Math.min(available, this.o.maxBatchEvents));
    }
  }

  /** The linger expired: send a partial batch even though it is not full. */
  private flushPartial(): void {
    if (this.closed || this.gaveUp || this.retryTimer) return;
    while (this.inFlight < this.o.maxInFlight && this.nextToSend <= this.postedCount) {
      this.sendNext(Math.min(this.postedCount - this.nextToSend + 1, this.o.maxBatchEvents));
    }
  }

  private sendNext(n: number): void {
    const first = this.nextToSend;
    const from = this.head + (first - this.bufFirst);
    const events = this.buf.slice(from, from + n);
    this.nextToSend += n;
    this.inFlight++;
    const gen = this.generation;
    let p: Promise<{ storedThrough: number }>;
    try {
      p = this.o.send({ appId: this.o.appId, firstSeq: first, events });
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (r) => this.onAnswer(r.storedThrough, first, n, gen),
      () => this.onFailure(gen),
    ).finally(() => {
      this.inFlight--;
      this.pump();
    });
  }

  private onAnswer(storedThrough: number, first: number, n: number, gen: number): void {
    const last = first + n - 1;
    if (storedThrough > this.acked) {
      this.o.onShipped?.(storedThrough - this.acked);
      this.acked = Math.min(storedThrough, this.postedCount);
      this.release();
      this.refusals = 0;
      this.retryDelay = this.o.retryDelayMs;
    }
    if (storedThrough >= last) return;
    // The master lacks events up to this batch: earlier ones (it restarted, a batch was lost) or this one.
    if (gen !== this.generation) return;
    if (storedThrough >= first - 1 && ++this.refusals >= MAX_REFUSALS) {
      this.gaveUp = true;
      this.o.warn?.(`the master answers the event batches of application ${this.o.appId} without storing them (stored through ${storedThrough} of ${this.postedCount}); events are no longer shipped`);
      for (const w of this.waiters.splice(0)) w.resolve();
      return;
    }
    this.rewind(storedThrough >= first - 1);
  }

  private onFailure(gen: number): void {
    if (gen !== this.generation) return;
    this.rewind(true);
  }

  /** Sends again from the first unacknowledged event, after a pause when nothing progressed. */
  private rewind(pause: boolean): void {
    this.generation++;
    this.nextToSend = this.acked + 1;
    if (!pause || this.closed) return;
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    const delay = this.retryDelay;
    this.retryDelay = Math.min(5000, this.retryDelay * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
      if (this.o.lingerMs > 0 && !this.flushing) this.flushPartial();
    }, delay);
    this.retryTimer.unref();
  }

  /** Drops acknowledged events and wakes flushes that wait for them. */
  private release(): void {
    const drop = this.acked - this.bufFirst + 1;
    if (drop > 0) {
      this.head += drop;
      this.bufFirst += drop;
      if (this.head > 4096 && this.head * 2 > this.buf.length) {
        this.buf = this.buf.slice(this.head);
        this.head = 0;
      }
    }
    if (this.nextToSend <= this.acked) this.nextToSend = this.acked + 1;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.acked >= this.waiters[i]!.through) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }
}
