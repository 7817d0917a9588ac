'use client';
/**
 * Every task of a stage attempt for the timeline, read column-wise through
 * `tasks.timeline` (its columns arrive as one JSON string; a first page of FIRST_PAGE tasks so the canvas paints
 * early, then the rest in pages of up to PAGE) and handed over as pages
 * arrive; `ready` holds the first request back (the stage page waits for its
 * task table's first page, which one server answers sooner alone). While the
 * stage runs it reloads when the stage's task counts change, at most once per
 * RELOAD_MS.
 */
import { useEffect, useRef, useState } from 'react';
import { timelineTasksFromColumns } from '../lib/timeline-columns.ts';
import type { TimelineTask } from '../lib/timeline-layout.ts';
import type { StageDetail, TaskTimeline } from '../trpc/api-types.ts';
import { useTRPCClient } from '../trpc/client.tsx';
import { stageMedians } from './use-stage-flags.ts';

const FIRST_PAGE = 5_000;
const PAGE = 25_000;
const RELOAD_MS = 2000;

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
      let after: number | undefined;
      let first: number | null = null;
      const total = s.tasks.total;
      try {
        do {
          const page = await client.tasks.timeline.query({ appId, stageId: s.stageId, attempt: s.attempt, afterTaskId: after, limit: acc.length === 0 ? FIRST_PAGE : PAGE });
          if (cancelled) return;
          timelineTasksFromColumns(JSON.parse(page.columns) as TaskTimeline, medians, now, acc);
          after = page.nextAfterTaskId ?? undefined;
          first ??= performance.now() - t0;
          setState({ tasks: [...acc], loading: after !== undefined ? `loaded ${acc.length.toLocaleString('en')}${total ? ` of ${total.toLocaleString('en')}` : ''} tasks…` : null, firstPageMs: first, allMs: after !== undefined ? null : performance.now() - t0, now });
        } while (after !== undefined);
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
