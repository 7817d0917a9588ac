import type { ChangeRecord, FlintQueries } from './queries.ts';

/** How often the store is asked for new changes while anyone waits for them. */
export const LIVE_POLL_MS = 200;
/** Most changes one read (and one subscription message) carries. */
export const LIVE_BATCH = 1000;
/** Recent changes kept for subscribers at the head of the stream. */
const KEPT_CHANGES = 20_000;

/**
 * One reader of the change stream for every live subscription of one server: while
 * anyone waits at the head of the stream it asks the store for changes after the newest
 * it has, every LIVE_POLL_MS, once for all subscriptions, keeps the recent ones and
 * hands each subscription those after its own cursor (of its application, when it
 * names one). A subscription behind what is kept (resuming from an old cursor) reads
 * the store itself until it catches up. So five open pages cost one query per poll,
 * not five, and nothing when no page is open.
 *
 * Cursors only grow and a change is committed before its cursor is readable, so what a
 * subscription gets here is what `changesSince` would give it, in the same order.
 * Owns no connection; holds at most KEPT_CHANGES records. Used from one thread.
 */
export class LiveChangeHub {
  /** Changes with cursors in (keptFrom, head], ascending. */
  private kept: ChangeRecord[] = [];
  private keptFrom = 0;
  private head: number | null = null;
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;

  constructor(private readonly queries: Pick<FlintQueries, 'changesSince' | 'latestCursor'>) {}

  /**
   * The next changes after `cursor` (of `appId` when given), at most LIVE_BATCH: at once
   * when there are some, else when the stream has new ones; [] once `signal` aborts.
   */
  async next(cursor: number, appId: string | undefined, signal?: AbortSignal): Promise<ChangeRecord[]> {
    for (;;) {
      if (signal?.aborted) return [];
      if (this.head === null) await this.read();
      if (cursor < this.keptFrom) {
        // Behind what is kept: from the store, as a subscription alone would read it.
        const own = await this.queries.changesSince({ appId, cursor, limit: LIVE_BATCH });
        if (own.length > 0) return own;
        // Nothing of its application up to the store's head: continue from what is kept.
        cursor = Math.max(cursor, this.keptFrom);
        continue;
      }
      const out: ChangeRecord[] = [];
      for (let i = this.firstAfter(cursor); i < this.kept.length && out.length < LIVE_BATCH; i++) {
        const c = this.kept[i]!;
        if (appId === undefined || c.appId === appId) out.push(c);
      }
      if (out.length > 0) return out;
      await this.waitForMore(signal);
    }
  }

  /** Index of the first kept change with a cursor above `cursor`. */
  private firstAfter(cursor: number): number {
    let lo = 0;
    let hi = this.kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.kept[mid]!.cursor <= cursor) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private waitForMore(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
      this.timer ??= setTimeout(() => {
        this.timer = null;
        void this.read().then(() => this.wakeAll());
      }, LIVE_POLL_MS);
    });
  }

  private wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Reads what is new in the store into the kept changes (one read at a time). */
  private read(): Promise<void> {
    this.reading ??= (async () => {
      try {
        if (this.head === null) {
          this.head = await this.queries.latestCursor();
          this.keptFrom = this.head;
          return;
        }
        for (;;) {
          const rows = await this.queries.changesSince({ cursor: this.head, limit: LIVE_BATCH });
          if (rows.length === 0) return;
          this.kept.push(...rows);
          this.head = rows[rows.length - 1]!.cursor;
          if (this.kept.length > KEPT_CHANGES) {
            const drop = this.kept.length - KEPT_CHANGES;
            this.keptFrom = this.kept[drop - 1]!.cursor;
            this.kept = this.kept.slice(drop);
          }
          if (rows.length < LIVE_BATCH) return;
        }
      } catch {
        // The store cannot answer now (closing, busy): the next poll tries again.
      } finally {
        this.reading = null;
      }
    })();
    return this.reading;
  }
}

const hubs = new WeakMap<object, LiveChangeHub>();

/** The hub of one queries object (one per server). */
export function liveChangeHub(queries: Pick<FlintQueries, 'changesSince' | 'latestCursor'>): LiveChangeHub {
  let h = hubs.get(queries);
  if (!h) {
    h = new LiveChangeHub(queries);
    hubs.set(queries, h);
  }
  return h;
}
