'use client';
/**
 * `/apps/[appId]/stages/[stageId]/[attempt]`: the stage's RDD operation
 * graph, flags, summary quantiles of every task metric and phase, metrics per
 * executor, the event timeline and the task table.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { formatBytes, formatDuration, formatMetric, formatTime, metricLabel } from '../../lib/format.ts';
import { useEffect } from 'react';
import type { StageDetail } from '../../trpc/api-types.ts';
import { useTRPC, useTRPCClient } from '../../trpc/client.tsx';
import { Card, Crumbs, Progress, QueryState, StateBadge } from '../common.tsx';
import { Dag } from '../dag.tsx';
import { TaskTable, taskPageInput } from '../task-table.tsx';
import { Timeline } from '../timeline.tsx';
import { useStageFlags } from '../use-stage-flags.ts';

const PHASES = new Set(['schedulerDelay', 'deserialize', 'compute', 'shuffleWrite', 'resultSerialize', 'resultFetch']);

export function StagePage({ appId, stageId, attempt, initialStage }: { appId: string; stageId: number; attempt: number; initialStage?: { data: StageDetail; at: number } | null }) {
  const trpc = useTRPC();
  // The page's server render brings the stage (see server-query.ts), so the timeline and the table ask for their data at hydration.
  const stage = useQuery(trpc.stages.get.queryOptions({ appId, stageId, attempt }, initialStage ? { initialData: initialStage.data, initialDataUpdatedAt: initialStage.at } : {}));
  // Start what the stage's parts will ask for while the stage itself loads: the
  // table's first page (same query key as the table's) and, when the stage did
  // not come with the page, the server's timeline layout (read and laid out
  // once per attempt; the timeline's own request then finds it done or joins it).
  const queryClient = useQueryClient();
  const client = useTRPCClient();
  const warmed = !!initialStage;
  useEffect(() => {
    void queryClient.prefetchQuery(trpc.tasks.list.queryOptions(taskPageInput(appId, stageId, attempt)));
    if (!warmed) client.tasks.timelineView.query({ appId, stageId, attempt, width: 1, lastLane: 0 }).catch(() => undefined);
  }, [appId, stageId, attempt, queryClient, client, trpc, warmed]);
  const flags = useStageFlags(appId, stage.data);
  const base = `/apps/${encodeURIComponent(appId)}`;
  return (
    <div data-testid="stage-page">
      <Crumbs items={[['Cluster', '/'], [`application ${appId}`, base], ...(stage.data?.jobIds.map((j) => [`job ${j}`, `${base}/jobs/${j}`] as [string, string]) ?? []), [`stage ${stageId}.${attempt}`, null]]} />
      <QueryState q={stage} what={`stage ${stageId} attempt ${attempt}`}>
        {() => {
          const s = stage.data!;
          const quantiles = Object.entries(s.quantiles) as Array<[string, { min: number; p25: number; median: number; p75: number; p95: number; max: number } | null]>;
          return (
            <>
              <h1>
                Stage {stageId} <span className="muted">attempt {attempt} · {s.name}</span>
              </h1>
              {s.failureReason && <div className="banner bad">{s.failureReason}</div>}
              {flags.map((f) => (
                <div key={f.kind} className="banner warn" data-testid="stage-flag" data-kind={f.kind} data-partition={f.partition ?? ''} data-executor={f.executorId ?? ''}>
                  <span className={`flag ${f.kind}`}>{f.kind}</span> {f.text}
                </div>
              ))}
              <div className="cards">
                <Card label="State" value={<StateBadge state={s.state} />} testId="stage-state" />
                <Card label="Tasks" value={<Progress done={s.tasks.succeeded} running={s.tasks.running} failed={s.tasks.failed} total={s.numTasks} testId="stage-page-tasks" />} />
                <Card label="Submitted" value={formatTime(s.submissionTime)} />
                <Card label="Duration" value={s.submissionTime && s.completionTime ? formatDuration(s.completionTime - s.submissionTime) : '–'} />
                <Card label="Input" value={formatBytes(s.totals.inputBytes)} />
                <Card label="Shuffle read" value={formatBytes(s.totals.shuffleReadBytes)} />
                <Card label="Shuffle write" value={formatBytes(s.totals.shuffleWriteBytes)} />
                <Card label="Spilled" value={formatBytes(s.totals.memoryBytesSpilled + s.totals.diskBytesSpilled)} />
              </div>
              <h2>Operations</h2>
              <Dag
                testId="rdd-graph"
                direction="RIGHT"
                nodes={s.rdds.map((r) => ({ id: `r${r.rddId}`, label: r.scope || r.name, sublabel: `[${r.rddId}] ${r.name} · ${r.numPartitions} parts${r.storageLevel !== 'NONE' ? ` · ${r.storageLevel}` : ''}`, state: 'complete', testId: 'rdd-node' }))}
                edges={s.rdds.flatMap((r) => r.parentIds.filter((p) => s.rdds.some((x) => x.rddId === p)).map((p) => ({ from: `r${p}`, to: `r${r.rddId}` })))}
              />
              <h2>
                Summary of {s.quantileTaskCount} successful tasks{s.quantilesExact ? '' : ' (so far)'}
              </h2>
              <table className="grid" data-testid="quantiles">
                <thead>
                  <tr>
                    <th>Metric</th>
                    <th className="num">Min</th>
                    <th className="num">25th</th>
                    <th className="num">Median</th>
                    <th className="num">75th</th>
                    <th className="num">95th</th>
                    <th className="num">Max</th>
                  </tr>
                </thead>
                <tbody>
                  {quantiles.map(([name, q]) => (
                    <tr key={name} data-testid="quantile-row" data-metric={name}>
                      <td>
                        {PHASES.has(name) ? 'Phase: ' : ''}
                        {metricLabel(name)}
                      </td>
                      {q ? (
                        (['min', 'p25', 'median', 'p75', 'p95', 'max'] as const).map((k) => (
                          <td key={k} className="num" data-q={k} data-value={q[k]}>
                            {formatMetric(name, q[k])}
                          </td>
                        ))
                      ) : (
                        <td colSpan={6} className="muted">
                          not measured
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
              <h2>Per executor</h2>
              <table className="grid" data-testid="stage-executors">
                <thead>
                  <tr>
                    <th>Executor</th>
                    <th>Host</th>
                    <th className="num">Tasks</th>
                    <th className="num">Failed</th>
                    <th className="num">Task time</th>
                    <th className="num">GC</th>
                    <th className="num">Input</th>
                    <th className="num">Shuffle read</th>
                    <th className="num">Shuffle write</th>
                    <th className="num">Spilled</th>
                  </tr>
                </thead>
                <tbody>
                  {s.executors.map((e) => (
                    <tr key={e.executorId} data-testid="stage-executor-row" className={e.tasks.failed ? 'failed' : ''}>
                      <td>
                        <Link href={`${base}/executors/${encodeURIComponent(e.executorId)}`}>{e.executorId}</Link>
                      </td>
                      <td>{e.host}</td>
                      <td className="num">{e.tasks.total}</td>
                      <td className="num">{e.tasks.failed}</td>
                      <td className="num">{formatDuration(e.durationMs)}</td>
                      <td className="num">{formatDuration(e.gcTime)}</td>
                      <td className="num">{formatBytes(e.inputBytes)}</td>
                      <td className="num">{formatBytes(e.shuffleReadBytes)}</td>
                      <td className="num">{formatBytes(e.shuffleWriteBytes)}</td>
                      <td className="num">{formatBytes(e.memoryBytesSpilled + e.diskBytesSpilled)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h2>Event timeline</h2>
              <Timeline appId={appId} stage={s} />
              <h2>Tasks</h2>
              <TaskTable appId={appId} stage={s} />
            </>
          );
        }}
      </QueryState>
    </div>
  );
}
