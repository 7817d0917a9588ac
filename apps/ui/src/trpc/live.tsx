'use client';
/**
 * Live updates: one `events.live` subscription per tab. Each batch of changes
 * says what changed ("task of stage 3 of app X"); the affected queries are
 * invalidated in one pass, and TanStack Query refetches only those on screen,
 * keeping the old answer visible meanwhile, so nothing flickers. Passes are
 * paced (nextPassAt): changes gather for FLUSH_MS, one pass runs at a time,
 * and while changes keep coming the gap after a pass grows with its cost, so
 * a tab never refetches more than a quarter of its time; a hidden tab does
 * not refetch at all and catches up once when shown again. After a dropped
 * connection the link reconnects with the last event id it saw, and the
 * server resumes right after it.
 */
import { useQueryClient, type Query } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { addChange, emptyChangeSet, isAffected, isEmptyChangeSet, nextPassAt, type ChangeSet } from '../lib/live-invalidation.ts';
import type { LiveBatch } from './api-types.ts';
import { useTRPC } from './client.tsx';

export interface LiveState {
  /** Time the page's data was last known fresh (a change applied, or the stream (re)opened). */
  updatedAt: number | null;
  status: 'connecting' | 'live' | 'reconnecting' | 'error';
  /** Changes received since the tab opened. */
  changes: number;
  /** Refetch passes run since the tab opened. */
  passes: number;
}

const LiveContext = createContext<LiveState>({ updatedAt: null, status: 'connecting', changes: 0, passes: 0 });

export function useLive(): LiveState {
  return useContext(LiveContext);
}

/** Which cached queries a set of changes touches. */
export function affectedBy(changed: ChangeSet) {
  return (query: Query): boolean => isAffected(query.queryKey, changed);
}

interface Pending {
  changed: ChangeSet;
  since: number | null;
  timer: ReturnType<typeof setTimeout> | null;
  running: boolean;
  lastEnd: number | null;
  lastPassMs: number;
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>({ updatedAt: null, status: 'connecting', changes: 0, passes: 0 });
  const pending = useRef<Pending>({ changed: emptyChangeSet(), since: null, timer: null, running: false, lastEnd: null, lastPassMs: 0 });

  const schedule = useCallback(() => {
    const p = pending.current;
    if (p.timer) return;
    const at = nextPassAt({ now: Date.now(), pendingSince: p.since, running: p.running, hidden: document.visibilityState === 'hidden', lastEnd: p.lastEnd, lastPassMs: p.lastPassMs });
    if (at === null) return;
    p.timer = setTimeout(() => {
      p.timer = null;
      const changed = p.changed;
      p.changed = emptyChangeSet();
      p.since = null;
      p.running = true;
      const t0 = Date.now();
      void queryClient
        .invalidateQueries({ predicate: affectedBy(changed) })
        .catch(() => undefined)
        .then(() => {
          p.running = false;
          p.lastEnd = Date.now();
          p.lastPassMs = p.lastEnd - t0;
          setState((s) => ({ ...s, updatedAt: Date.now(), passes: s.passes + 1 }));
          schedule();
        });
    }, Math.max(0, at - Date.now()));
  }, [queryClient]);

  const onData = useCallback(
    (msg: unknown) => {
      const batch = ((msg as { data?: LiveBatch }).data ?? msg) as LiveBatch;
      const p = pending.current;
      for (const c of batch.changes) addChange(p.changed, c);
      if (p.since === null && !isEmptyChangeSet(p.changed)) p.since = Date.now();
      setState((s) => ({ ...s, status: 'live', changes: s.changes + batch.changes.length }));
      schedule();
    },
    [schedule],
  );

  // A tab shown again catches up on what changed while it was hidden.
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === 'visible') schedule();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [schedule]);

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
