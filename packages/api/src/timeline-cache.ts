/**
 * Laid-out timelines of stage attempts, kept between requests so the views of
 * one attempt (every pan and zoom of every open tab) read its tasks once.
 *
 * `TimelineCache` owns one `TimelineIndex` per stage attempt, keyed by the
 * attempt and checked against the attempt's task counts from `getStage` on
 * every call: an ended attempt's counts do not change, so its index is read
 * once; a running one is refreshed when its counts changed, at most once per
 * `refreshMs`, re-reading only from its first running task on (the ones before
 * have ended and do not change). Reads go through `FlintQueries.taskTimeline`
 * in pages of `pageSize`, yielding to the event loop between pages so other
 * requests are answered meanwhile. Holds at most `maxTasks` tasks over all
 * attempts (least recently used dropped; the one being answered always
 * stays). Concurrent calls for one attempt share one read.
 */
import type { FlintQueries, StageDetail } from './queries.ts';
import { TimelineIndex, type TimelineView, type TimelineViewQuery } from './timeline-index.ts';

export interface TimelineCacheOptions {
  /**
   * Most tasks held over all attempts. @default 400_000 (about 140 B a task
   * as typed columns and lane index: under 60 MB).
   */
  maxTasks?: number;
  /** Least time between two refreshes of a running attempt. @default 1_000 */
  refreshMs?: number;
  /** Tasks read per `taskTimeline` page. @default 20_000 (about 40 ms of the server's thread per page at 100,000 tasks on an idle core) */
  pageSize?: number;
  now?: () => number;
}

/** A view with where its time went on the server. */
export interface TimedTimelineView extends TimelineView {
  /** Time reading and laying out tasks for this answer (0 when the index was reused). */
  buildMs: number;
  /** Time computing the view. */
  viewMs: number;
}

interface Entry {
  index: TimelineIndex;
  version: string;
  builtAt: number;
  running: boolean;
  building: Promise<void> | null;
}

export class TimelineCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxTasks: number;
  private readonly refreshMs: number;
  private readonly pageSize: number;
  private readonly now: () => number;

  constructor(
    private readonly queries: FlintQueries,
    opts: TimelineCacheOptions = {},
  ) {
    this.maxTasks = opts.maxTasks ?? 400_000;
    this.refreshMs = opts.refreshMs ?? 1_000;
    this.pageSize = opts.pageSize ?? 20_000;
    this.now = opts.now ?? Date.now;
  }

  /** The view of a stage attempt, or null when there is no such attempt. */
  async view(appId: string, stageId: number, attempt: number, q: TimelineViewQuery): Promise<TimedTimelineView | null> {
    const stage = await this.queries.getStage(appId, stageId, attempt);
    if (!stage) return null;
    const key = `${appId}\u0000${stageId}\u0000${attempt}`;
    const t0 = performance.now();
    const entry = await this.fresh(key, appId, stage);
    const buildMs = performance.now() - t0;
    const t1 = performance.now();
    const v = entry.index.view(q);
    return { ...v, buildMs, viewMs: performance.now() - t1 };
  }

  /** Tasks held over all attempts (for tests and the memory bound). */
  heldTasks(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.index.size;
    return n;
  }

  private async fresh(key: string, appId: string, stage: StageDetail): Promise<Entry> {
    const version = versionOf(stage);
    let entry = this.entries.get(key);
    // Most recently used last.
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    for (;;) {
      if (entry?.building) {
        await entry.building;
        continue;
      }
      if (entry && (entry.version === version || (entry.running && this.now() - entry.builtAt < this.refreshMs))) return entry;
      break;
    }
    if (!entry) {
      entry = { index: new TimelineIndex(), version: '', builtAt: 0, running: false, building: null };
      this.entries.set(key, entry);
    }
    const e = entry;
    e.building = this.refresh(e, appId, stage, version).finally(() => {
      e.building = null;
    });
    await e.building;
    this.evict(key);
    return e;
  }

  private async refresh(e: Entry, appId: string, stage: StageDetail, version: string): Promise<void> {
    const stillRunning = stage.tasks.running > 0;
    // While the attempt runs, keep the ended prefix and re-read from its first running task;
    // once it has ended, read it whole once more (a late task may sort anywhere).
    // A new index each time: views of the old one may still be answered meanwhile.
    const index = e.running && stillRunning ? e.index.prefix(e.index.firstRunning()) : new TimelineIndex();
    let after: number | undefined = index.size > 0 ? index.lastTaskId : undefined;
    for (;;) {
      const page = await this.queries.taskTimeline({ appId, stageId: stage.stageId, attempt: stage.attempt, afterTaskId: after, limit: this.pageSize });
      index.append(page);
      if (page.nextAfterTaskId === null || page.taskId.length === 0) break;
      after = page.nextAfterTaskId;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    index.layout(this.now());
    e.index = index;
    e.version = version;
    e.builtAt = this.now();
    e.running = stillRunning || index.firstRunning() < index.size;
  }

  private evict(keep: string): void {
    let total = this.heldTasks();
    for (const [k, e] of this.entries) {
      if (total <= this.maxTasks) break;
      if (k === keep || e.building) continue;
      total -= e.index.size;
      this.entries.delete(k);
    }
  }
}

function versionOf(s: StageDetail): string {
  const t = s.tasks;
  return `${s.state}:${t.total}/${t.running}/${t.succeeded}/${t.failed}/${t.killed}`;
}

const caches = new WeakMap<FlintQueries, TimelineCache>();

/** The one cache of a `FlintQueries` (the API's routers are stateless; the queries object lives as long as its server). */
export function timelineCacheFor(queries: FlintQueries): TimelineCache {
  let c = caches.get(queries);
  if (!c) caches.set(queries, (c = new TimelineCache(queries)));
  return c;
}
