/**
 * Which cached queries a batch of live changes makes stale, and when a page
 * refetches them. Query keys are tRPC's: `[[router, procedure], { input, type }]`.
 * Cluster-wide lists (cluster, workers, the application list) refresh on any
 * change; a query of one stage (an input with `appId` and `stageId`) refreshes
 * only when that stage of that application changed (its tasks, its state) or
 * the application itself did; anything else with an `appId` input refreshes
 * when that application changed; logs follow their own tail and the
 * subscription itself is never touched.
 */

/** What a batch of changes touched (ChangeRecord's fields, gathered). */
export interface ChangeSet {
  /** A change of no application (the cluster's workers). */
  cluster: boolean;
  apps: Map<string, { app: boolean; stages: Set<number> }>;
}

export function emptyChangeSet(): ChangeSet {
  return { cluster: false, apps: new Map() };
}

/** Adds one change record (`appId` empty for the cluster's own changes). */
export function addChange(set: ChangeSet, c: { appId?: string | null; appChanged?: boolean; stageIds?: readonly number[] }): void {
  if (!c.appId) {
    set.cluster = true;
    return;
  }
  let a = set.apps.get(c.appId);
  if (!a) set.apps.set(c.appId, (a = { app: false, stages: new Set() }));
  if (c.appChanged) a.app = true;
  for (const s of c.stageIds ?? []) a.stages.add(s);
}

export function isEmptyChangeSet(set: ChangeSet): boolean {
  return !set.cluster && set.apps.size === 0;
}

export function isAffected(queryKey: readonly unknown[], changed: ChangeSet): boolean {
  const path = Array.isArray(queryKey[0]) ? (queryKey[0] as string[]) : [];
  const root = path[0];
  if (root === 'logs' || root === 'events') return false;
  if (root === 'cluster' || root === 'workers' || (root === 'apps' && path[1] === 'list')) return true;
  const input = (queryKey[1] as { input?: { appId?: unknown; stageId?: unknown } } | undefined)?.input;
  if (typeof input?.appId === 'string') {
    const a = changed.apps.get(input.appId);
    if (!a) return false;
    if (typeof input.stageId === 'number') return a.app || a.stages.has(input.stageId);
    return true;
  }
  return changed.cluster;
}

/** Changes wait at least this long before a refetch, so a burst of them costs one. */
export const FLUSH_MS = 250;
/**
 * While changes keep coming, the next refetch pass starts no sooner than this
 * many times the last pass's duration after it ended: a page spends at most a
 * quarter of its time refetching, so a busy server (a running job's master)
 * or a busy browser gets fewer requests, and a quick one still shows changes
 * within FLUSH_MS.
 */
export const PASS_GAP_FACTOR = 3;

/**
 * When the next refetch pass may start (ms, on the clock of `now`), or null
 * when none should be scheduled: nothing pending, a pass still running (it
 * schedules the next when it ends), or the page hidden (it refetches when
 * shown again).
 */
export function nextPassAt(s: { now: number; pendingSince: number | null; running: boolean; hidden: boolean; lastEnd: number | null; lastPassMs: number }): number | null {
  if (s.pendingSince === null || s.running || s.hidden) return null;
  const gathered = s.pendingSince + FLUSH_MS;
  const paced = s.lastEnd === null ? -Infinity : s.lastEnd + Math.max(FLUSH_MS, PASS_GAP_FACTOR * s.lastPassMs);
  return Math.max(gathered, paced, s.now);
}
