/**
 * Which cached queries a batch of live changes makes stale. Query keys are
 * tRPC's: `[[router, procedure], { input, type }]`. Cluster-wide lists
 * (cluster, workers, the application list) refresh on any change; anything
 * with an `appId` input refreshes only when that application changed; logs
 * follow their own tail and the subscription itself is never touched.
 */
export function isAffected(queryKey: readonly unknown[], appIds: ReadonlySet<string>, clusterChanged: boolean): boolean {
  const path = Array.isArray(queryKey[0]) ? (queryKey[0] as string[]) : [];
  const root = path[0];
  if (root === 'logs' || root === 'events') return false;
  if (root === 'cluster' || root === 'workers' || (root === 'apps' && path[1] === 'list')) return true;
  const input = (queryKey[1] as { input?: { appId?: unknown } } | undefined)?.input;
  if (typeof input?.appId === 'string') return appIds.has(input.appId);
  return clusterChanged;
}
