'use client';
/**
 * Flags of a stage attempt for every place that shows them (DAG node, stage
 * page, table rows, timeline bars): the stage-level verdict from its summary
 * quantiles, the task that trips it (asked of the API: the top task by that
 * measure), and the medians task rows are compared with.
 */
import { useQueries } from '@tanstack/react-query';
import { hasStageFlags, stageFlags, taskFlags, type FlagTask, type SkewMetric, type StageMedians, type TaskFlag } from '../lib/flags.ts';
import type { StageDetail, TaskRow, TaskSortKey } from '../trpc/api-types.ts';
import { useTRPC } from '../trpc/client.tsx';

/** Stage medians from the API's quantiles (shuffle read bytes = remote + local is not summarised, so it is left out). */
export function stageMedians(s: StageDetail): StageMedians {
  const q = s.quantiles as Record<string, { median: number } | null | undefined>;
  return {
    duration: q.duration?.median ?? null,
    values: {
      inputBytes: q.inputBytes?.median ?? null,
      inputRecords: q.inputRecords?.median ?? null,
      shuffleReadRecords: q.shuffleReadRecords?.median ?? null,
    },
    doneFraction: s.numTasks > 0 ? s.tasks.succeeded / s.numTasks : 0,
  };
}

export function flagTaskOf(t: TaskRow): FlagTask {
  const m = t.metrics;
  return {
    index: t.index,
    executorId: t.executorId,
    status: t.status,
    launchTime: t.launchTime,
    duration: t.durationMs,
    values: m ? { inputBytes: m.inputBytes, inputRecords: m.inputRecords, shuffleReadRecords: m.shuffleReadRecords } : {},
  };
}

export function rowFlags(t: TaskRow, medians: StageMedians | null, now: number): TaskFlag[] {
  return medians ? taskFlags(flagTaskOf(t), medians, now) : [];
}

export interface StageFlagInfo {
  kind: 'skew' | 'straggler';
  metric: SkewMetric | 'duration';
  text: string;
  partition: number | null;
  executorId: string | null;
}

/** The stage's flags, each naming the task (partition, executor) that trips it. */
export function useStageFlags(appId: string, s: StageDetail | undefined): StageFlagInfo[] {
  return useStagesFlags(appId, [s])[0]!;
}

/** Flags of several stages at once (a job's DAG): one top-task query per flag raised. */
export function useStagesFlags(appId: string, stages: Array<StageDetail | undefined>): StageFlagInfo[][] {
  const trpc = useTRPC();
  const verdicts = stages.map((s) => {
    if (!s) return null;
    const v = stageFlags({ count: s.quantileTaskCount, numTasks: s.numTasks, metrics: s.quantiles as Record<string, { median: number; max: number } | null> });
    return hasStageFlags(v) ? v : null;
  });
  // One probe per raised flag: [stage index, sort key].
  const probes: Array<{ i: number; kind: 'skew' | 'straggler'; sortBy: TaskSortKey }> = [];
  verdicts.forEach((v, i) => {
    if (!v) return;
    const m = v.skew.find((x) => x !== 'shuffleReadBytes');
    if (m) probes.push({ i, kind: 'skew', sortBy: m as TaskSortKey });
    if (v.straggler) probes.push({ i, kind: 'straggler', sortBy: 'duration' });
  });
  const tops = useQueries({
    queries: probes.map((p) => trpc.tasks.list.queryOptions({ appId, stageId: stages[p.i]!.stageId, attempt: stages[p.i]!.attempt, sortBy: p.sortBy, desc: true, limit: 1 })),
  });
  const now = Date.now();
  return stages.map((s, i) => {
    if (!s || !verdicts[i]) return [];
    const medians = stageMedians(s);
    return probes.flatMap((p, k) => {
      if (p.i !== i) return [];
      const t = tops[k]?.data?.items[0];
      const f = t ? rowFlags(t, medians, now).find((x) => x.kind === p.kind) : undefined;
      return [f ? { kind: p.kind, metric: f.metric, text: f.text, partition: f.partition, executorId: f.executorId } : { kind: p.kind, metric: p.kind === 'skew' ? (p.sortBy as SkewMetric) : 'duration', text: p.kind === 'skew' ? `skew in ${p.sortBy}` : 'straggler task', partition: t?.index ?? null, executorId: t?.executorId ?? null }];
    });
  });
}
