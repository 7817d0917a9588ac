'use client';
/**
 * Every task of a stage attempt for the timeline, read page by page (1,000
 * rows a request, in task order) and handed over as pages arrive, so the
 * canvas paints after the first page; `ready` holds the first request back
 * (the stage page waits for its task table's first page, which one server
 * answers sooner alone). While the stage runs it reloads when
 * the stage's task counts change, at most once per RELOAD_MS.
 */
import { useEffect, useRef, useState } from 'react';
import type { TimelineTask } from '../lib/timeline-layout.ts';
import type { StageDetail, TaskRow } from '../trpc/api-types.ts';
import { useTRPCClient } from '../trpc/client.tsx';
import { rowFlags, stageMedians } from './use-stage-flags.ts';

/** The first page is small so the canvas paints early; the rest come 1,000 at a time. */
const FIRST_PAGE = 200;
const PAGE = 1000;
const RELOAD_MS = 2000;

export function toTimelineTask(t: TaskRow, flagged: boolean): TimelineTask {
  const p = t.phases;
  const wait = t.metrics?.shuffleFetchWaitTime ?? 0;
  const compute = p?.compute ?? null;
  return {
    taskId: t.taskId,
    index: t.index,
    attempt: t.attempt,
    executorId: t.executorId,
    slot: t.slot,
    status: t.status,
    launchTime: t.launchTime,
    finishTime: t.finishTime,
    phases: p
      ? {
          schedulerDelay: p.schedulerDelay,
          deserialize: p.deserialize,
          // Shuffle read wait happens inside compute; shown as its own phase.
          shuffleReadWait: compute !== null ? Math.min(wait, compute) : null,
          compute: compute !== null ? Math.max(0, compute - wait) : null,
          shuffleWrite: p.shuffleWrite,
          resultSerialize: p.resultSerialize,
          resultFetch: p.resultFetch,
        }
      : {},
    flagged,
  };
}

export function useTimelineTasks(appId: string, stage: StageDetail | undefined, ready = true): { tasks: TimelineTask[]; loading: string | null; firstPageMs: number | null; allMs: number | null; now: number } {
  const client = useTRPCClient();
  const [state, setState] = useState<{ tasks: TimelineTask[]; loading: string | null; firstPageMs: number | null; allMs: number | null; now: number }>(() => ({ tasks: [], loading: 'loading tasks…', firstPageMs: null, allMs: null, now: Date.now() }));
  const version = stage ? `${stage.stageId}.${stage.attempt}:${stage.tasks.total}/${stage.tasks.succeeded}/${stage.tasks.failed}/${stage.tasks.killed}/${stage.quantileTaskCount}` : '';
  const lastLoad = useRef(0);
  const stageRef = useRef(stage);
  stageRef.current = stage;

  useEffect(() => {
    if (!stage || !ready) return;
    let cancelled = false;
    const wait = Math.max(0, lastLoad.current + RELOAD_MS - Date.now());
    const timer = setTimeout(async () => {
      lastLoad.current = Date.now();
      const t0 = performance.now();
      const s = stageRef.current!;
      const medians = stageMedians(s);
      const now = Date.now();
      const acc: TimelineTask[] = [];
      let cursor: string | undefined;
      let first: number | null = null;
      try {
        do {
          const page = await client.tasks.list.query({ appId, stageId: s.stageId, attempt: s.attempt, sortBy: 'taskId', desc: false, cursor, limit: acc.length === 0 ? FIRST_PAGE : PAGE });
          if (cancelled) return;
          for (const t of page.items) acc.push(toTimelineTask(t, rowFlags(t, medians, now).length > 0));
          cursor = page.nextCursor ?? undefined;
          first ??= performance.now() - t0;
          const total = (page as { total?: number }).total;
          setState({ tasks: [...acc], loading: cursor ? `loaded ${acc.length.toLocaleString('en')}${total ? ` of ${total.toLocaleString('en')}` : ''} tasks…` : null, firstPageMs: first, allMs: cursor ? null : performance.now() - t0, now });
        } while (cursor);
      } catch (err) {
        if (!cancelled) setState((st) => ({ ...st, loading: `could not load tasks: ${(err as Error).message}` }));
      }
    }, wait);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [appId, version, ready]);
  return state;
}
