'use client';
/**
 * Live updates: one `events.live` subscription per tab. Each batch of changes
 * says what changed ("task of stage 3 of app X"); the affected queries are
 * invalidated (throttled to one pass per FLUSH_MS), and TanStack Query
 * refetches only those on screen, keeping the old answer visible meanwhile,
 * so nothing flickers. After a dropped connection the link reconnects with
 * the last event id it saw, and the server resumes right after it.
 */
import { useQueryClient, type Query } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { isAffected } from '../lib/live-invalidation.ts';
import type { LiveBatch } from './api-types.ts';
import { useTRPC } from './client.tsx';

const FLUSH_MS = 250;

export interface LiveState {
  /** Time the page's data was last known fresh (a change applied, or the stream (re)opened). */
  updatedAt: number | null;
  status: 'connecting' | 'live' | 'reconnecting' | 'error';
  /** Changes received since the tab opened. */
  changes: number;
}

const LiveContext = createContext<LiveState>({ updatedAt: null, status: 'connecting', changes: 0 });

export function useLive(): LiveState {
  return useContext(LiveContext);
}

/** Which cached queries a set of changed applications touches. */
export function affectedBy(appIds: ReadonlySet<string>, clusterChanged: boolean) {
  return (query: Query): boolean => isAffected(query.queryKey, appIds, clusterChanged);
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>({ updatedAt: null, status: 'connecting', changes: 0 });
  const pending = useRef<{ apps: Set<string>; cluster: boolean; timer: ReturnType<typeof setTimeout> | null }>({ apps: new Set(), cluster: false, timer: null });

  const flush = useCallback(() => {
    const p = pending.current;
    p.timer = null;
    const apps = p.apps;
    const cluster = p.cluster;
    p.apps = new Set();
    p.cluster = false;
    void queryClient.invalidateQueries({ predicate: affectedBy(apps, cluster) }).then(() => {
      setState((s) => ({ ...s, updatedAt: Date.now() }));
    });
  }, [queryClient]);

  const onData = useCallback(
    (msg: unknown) => {
      const batch = ((msg as { data?: LiveBatch }).data ?? msg) as LiveBatch;
      const p = pending.current;
      for (const c of batch.changes) {
        if (c.appId) p.apps.add(c.appId);
        else p.cluster = true;
      }
      setState((s) => ({ ...s, status: 'live', changes: s.changes + batch.changes.length }));
      if (!p.timer) p.timer = setTimeout(flush, FLUSH_MS);
    },
    [flush],
  );

  const sub = useSubscription(
    trpc.events.live.subscriptionOptions(
      {},
      {
        onStarted: () => setState((s) => ({ ...s, status: 'live', updatedAt: s.updatedAt ?? Date.now() })),
        onData,
        onError: () => setState((s) => ({ ...s, status: 'error' })),
      },
    ),
  );

  useEffect(() => {
    if (sub.status === 'connecting' && state.status === 'live') setState((s) => ({ ...s, status: 'reconnecting' }));
  }, [sub.status, state.status]);

  useEffect(() => () => {
    const t = pending.current.timer;
    if (t) clearTimeout(t);
  }, []);

  return <LiveContext.Provider value={state}>{children}</LiveContext.Provider>;
}
