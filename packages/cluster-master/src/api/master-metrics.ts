import type { MasterProtocol } from '@flint/core/protocol';
import type { EventStoreReads } from '@flint/event-store';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

type ClusterState = MasterProtocol['clusterState']['response'];

export interface MasterMetricsDeps {
  clusterState: (() => Promise<ClusterState>) | null;
  events: () => EventStoreReads | null;
  startedAt: number;
}

interface AppCounts {
  eventsStored: number;
  eventsDropped: number;
  tasksSucceeded: number;
  tasksFailed: number;
  tasksKilled: number;
}

/**
 * The daemon's own Prometheus registry (never prom-client's global one, so two
 * copies of the module in one process cannot collide). Values are read at
 * scrape time: cluster gauges from the master's state, event and task
 * counters from the event store. Counts of ended applications are cached
 * (they no longer change), so a scrape reads only the running ones.
 */
export function createMasterMetrics(deps: MasterMetricsDeps): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'flint_master_' });
  const ended = new Map<string, AppCounts>();

  let snapshot: Promise<ClusterState | null> | null = null;
  /** One cluster read per scrape, shared by the gauges. */
  const cluster = (): Promise<ClusterState | null> => {
    snapshot ??= (deps.clusterState ? deps.clusterState() : Promise.resolve(null)).catch(() => null).finally(() => setTimeout(() => (snapshot = null), 0));
    return snapshot;
  };
  let totals: Promise<AppCounts> | null = null;
  const storeTotals = (): Promise<AppCounts> => {
    totals ??= sumStore(deps.events(), ended).finally(() => setTimeout(() => (totals = null), 0));
    return totals;
  };

  new Gauge({
    name: 'flint_master_start_time_seconds',
    help: 'Start time of the master, seconds since the Unix epoch.',
    registers: [register],
    collect() {
      this.set(deps.startedAt / 1000);
    },
  });
  new Gauge({
    name: 'flint_workers',
    help: 'Workers known to the master, by state.',
    labelNames: ['state'],
    registers: [register],
    async collect() {
      const c = await cluster();
      this.reset();
      for (const s of ['ALIVE', 'DEAD', 'DECOMMISSIONED', 'UNKNOWN']) this.set({ state: s }, c?.workers.filter((w) => w.state === s).length ?? 0);
    },
  });
  new Gauge({
    name: 'flint_cluster_cores',
    help: 'Cores of alive workers: total, and used by executors.',
    labelNames: ['kind'],
    registers: [register],
    async collect() {
      const alive = (await cluster())?.workers.filter((w) => w.state === 'ALIVE') ?? [];
      this.set({ kind: 'total' }, alive.reduce((a, w) => a + w.cores, 0));
      this.set({ kind: 'used' }, alive.reduce((a, w) => a + w.coresUsed, 0));
    },
  });
  new Gauge({
    name: 'flint_cluster_memory_bytes',
    help: 'Memory of alive workers: total, and granted to executors.',
    labelNames: ['kind'],
    registers: [register],
    async collect() {
      const alive = (await cluster())?.workers.filter((w) => w.state === 'ALIVE') ?? [];
      this.set({ kind: 'total' }, alive.reduce((a, w) => a + w.memoryMb, 0) * 1024 * 1024);
      this.set({ kind: 'used' }, alive.reduce((a, w) => a + w.memoryUsedMb, 0) * 1024 * 1024);
    },
  });
  new Gauge({
    name: 'flint_applications',
    help: 'Applications known to the master, by state.',
    labelNames: ['state'],
    registers: [register],
    async collect() {
      const c = await cluster();
      this.reset();
      for (const s of ['WAITING', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED']) this.set({ state: s }, c?.applications.filter((a) => a.state === s).length ?? 0);
    },
  });
  new Gauge({
    name: 'flint_executors',
    help: 'Executors the master launched, by state.',
    labelNames: ['state'],
    registers: [register],
    async collect() {
      const c = await cluster();
      this.reset();
      for (const s of ['LAUNCHING', 'RUNNING', 'EXITED', 'FAILED', 'KILLED', 'LOST']) this.set({ state: s }, c?.executors.filter((e) => e.state === s).length ?? 0);
    },
  });
  const counter = (name: string, help: string, pick: (t: AppCounts) => number) =>
    new Counter({
      name,
      help,
      registers: [register],
      async collect() {
        const t = await storeTotals();
        this.reset();
        this.inc(pick(t));
      },
    });
  counter('flint_events_stored_total', 'Listener events stored, over every application in the event store.', (t) => t.eventsStored);
  counter('flint_events_dropped_total', 'Listener events proven lost (sent by a driver, never stored).', (t) => t.eventsDropped);
  counter('flint_tasks_completed_total', 'Task attempts that succeeded, from the stored events.', (t) => t.tasksSucceeded);
  counter('flint_tasks_failed_total', 'Task attempts that failed (not counting killed ones), from the stored events.', (t) => t.tasksFailed);
  counter('flint_tasks_killed_total', 'Task attempts killed (cancelled jobs, lost speculation), from the stored events.', (t) => t.tasksKilled);
  return register;
}

async function sumStore(store: EventStoreReads | null, ended: Map<string, AppCounts>): Promise<AppCounts> {
  const out: AppCounts = { eventsStored: 0, eventsDropped: 0, tasksSucceeded: 0, tasksFailed: 0, tasksKilled: 0 };
  if (!store || store.isClosed) return out;
  let cursor: string | null = null;
  for (;;) {
    const page = await store.listApps({ cursor, limit: 500 });
    for (const a of page.items) {
      let c = ended.get(a.appId);
      if (!c) {
        const d = await store.getApp(a.appId);
        if (!d) continue;
        c = { eventsStored: d.storedThrough, eventsDropped: d.droppedEvents, tasksSucceeded: d.tasks.success, tasksFailed: d.tasks.failed, tasksKilled: d.tasks.killed };
        if (d.state !== 'RUNNING') ended.set(a.appId, c);
      }
      out.eventsStored += c.eventsStored;
      out.eventsDropped += c.eventsDropped;
      out.tasksSucceeded += c.tasksSucceeded;
      out.tasksFailed += c.tasksFailed;
      out.tasksKilled += c.tasksKilled;
    }
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}
