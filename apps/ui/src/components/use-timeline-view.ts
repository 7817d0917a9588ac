'use client';
/**
 * The timeline's answers from `tasks.timelineView`: the first asks for the
 * whole run (the server lays the attempt out once and answers with at most
 * about one item per pixel per lane), later ones for the window on screen
 * with a screen of margin on each side, whenever the answer held no longer
 * `covers` it (panned past its margin, zoomed past SCALE_SLACK, scrolled to
 * other lanes) or the stage's data changed (at most once per RELOAD_MS while
 * it runs). One request at a time; when it lands the newest wish is asked
 * next, so a burst of wheel events costs two requests, not fifty.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { FlagThresholds } from '../lib/flags.ts';
import { covers, requestFor, type TimelineAnswer, type TimeView } from '../lib/timeline-view.ts';
import type { TimedTimelineView } from '../trpc/api-types.ts';
import { useTRPCClient } from '../trpc/client.tsx';

const RELOAD_MS = 1000;
/** After a failed request, the next one waits this long. */
const RETRY_MS = 2000;

export interface TimelineWish {
  /** Null until the first answer gives the run's bounds: then the whole run. */
  view: TimeView | null;
  width: number;
  firstLane: number;
  lastLane: number;
}

export interface TimelineViewState {
  answer: TimelineAnswer | null;
  /** The stage data version the answer was asked for. */
  answerVersion: string;
  error: string | null;
  /** Request → answer parsed, for the first answer and the latest one (ms), and the latest transfer size (chars). */
  firstMs: number | null;
  lastMs: number | null;
  lastChars: number;
  requests: number;
}

export function useTimelineView(appId: string, stageId: number, attempt: number, version: string, flagAt: FlagThresholds | null, wish: TimelineWish): TimelineViewState {
  const client = useTRPCClient();
  const [state, setState] = useState<TimelineViewState>({ answer: null, answerVersion: '', error: null, firstMs: null, lastMs: null, lastChars: 0, requests: 0 });
  const live = useRef({ wish, version, flagKey: JSON.stringify(flagAt), flagAt });
  live.current = { wish, version, flagKey: JSON.stringify(flagAt), flagAt };
  const held = useRef<{ answer: TimelineAnswer | null; version: string; flagKey: string; at: number }>({ answer: null, version: '', flagKey: '', at: 0 });
  const inFlight = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const mounted = useRef(true);
  const failedAt = useRef(0);

  const next = useCallback(() => {
    if (inFlight.current || !mounted.current) return;
    const { wish: w, version: v, flagKey, flagAt: f } = live.current;
    if (!v || w.width <= 0) return;
    const retryIn = failedAt.current + RETRY_MS - Date.now();
    if (retryIn > 0) {
      if (!timer.current) timer.current = setTimeout(() => ((timer.current = null), next()), retryIn);
      return;
    }
    const h = held.current;
    const fresh = h.version === v && h.flagKey === flagKey;
    if (fresh && h.answer && (w.view === null || covers(h.answer, w.view, w.width, w.firstLane, w.lastLane))) return;
    // New data of a running stage: not more often than RELOAD_MS.
    if (!fresh && h.answer && h.flagKey === flagKey) {
      const wait = h.at + RELOAD_MS - Date.now();
      if (wait > 0) {
        if (!timer.current) timer.current = setTimeout(() => ((timer.current = null), next()), wait);
        return;
      }
    }
    const bounds = h.answer ? { from: h.answer.origin, to: h.answer.origin + h.answer.end } : null;
    const req = w.view && bounds ? requestFor(w.view, bounds, w.width, w.firstLane, w.lastLane) : { width: w.width, firstLane: 0, lastLane: Math.max(w.lastLane, 0) * 2 + 1 };
    inFlight.current = true;
    const t0 = performance.now();
    client.tasks.timelineView
      .query({ appId, stageId, attempt, ...req, flagAt: f ?? undefined })
      .then(
        (res) => {
          const answer = JSON.parse(res.view) as TimedTimelineView;
          const ms = performance.now() - t0;
          held.current = { answer, version: v, flagKey, at: Date.now() };
          failedAt.current = 0;
          if (mounted.current) setState((s) => ({ answer, answerVersion: v, error: null, firstMs: s.firstMs ?? ms, lastMs: ms, lastChars: res.view.length, requests: s.requests + 1 }));
        },
        (err: Error) => {
          failedAt.current = Date.now();
          if (mounted.current) setState((s) => ({ ...s, error: err.message }));
        },
      )
      .finally(() => {
        inFlight.current = false;
        // Ask for what is wanted now (the view may have moved while this one ran).
        if (mounted.current) setTimeout(next, 0);
      });
  }, [client, appId, stageId, attempt]);

  const vw = wish.view;
  useEffect(() => {
    next();
  }, [next, version, live.current.flagKey, vw?.from, vw?.to, wish.width, wish.firstLane, wish.lastLane]);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  return state;
}
