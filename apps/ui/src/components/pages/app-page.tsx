'use client';
/** `/apps/[appId]`: jobs with progress, the application timeline, configuration, dropped events, kill. */
import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useMemo } from 'react';
import { formatCount, formatDuration, formatTime } from '../../lib/format.ts';
import type { StageSummary } from '../../trpc/api-types.ts';
import { useTRPC } from '../../trpc/client.tsx';
import { AppTimeline } from '../app-timeline.tsx';
import { Card, Crumbs, Empty, Progress, QueryState, StateBadge } from '../common.tsx';

export function AppPage({ appId }: { appId: string }) {
  const trpc = useTRPC();
  const app = useQuery(trpc.apps.get.queryOptions({ appId }));
  const jobs = useQuery(trpc.jobs.list.queryOptions({ appId }));
  const stages = useQuery(trpc.stages.list.queryOptions({ appId }));
  const executors = useQuery(trpc.executors.list.queryOptions({ appId }));
  const kill = useMutation(trpc.apps.kill.mutationOptions());
  const stagesByJob = useMemo(() => {
    const m = new Map<number, Map<number, StageSummary>>();
    for (const s of stages.data ?? []) {
      for (const j of s.jobIds) {
        let byStage = m.get(j);
        if (!byStage) m.set(j, (byStage = new Map()));
        const prev = byStage.get(s.stageId);
        if (!prev || prev.attempt < s.attempt) byStage.set(s.stageId, s);
      }
    }
    return m;
  }, [stages.data]);
  const base = `/apps/${encodeURIComponent(appId)}`;
  return (
    <div data-testid="app-page">
      <Crumbs items={[['Cluster', '/'], [`application ${appId}`, null]]} />
      <QueryState q={app} what={`application ${appId}`}>
        {() => {
          const a = app.data!;
          const running = a.state === 'RUNNING' || a.state === 'WAITING';
          return (
            <>
              <div className="row">
                <h1 style={{ flex: 1 }}>
                  {a.name} <span className="muted">{appId}</span>
                </h1>
                {running && (
                  <button
                    className="danger"
                    data-testid="kill-app"
                    disabled={kill.isPending}
                    onClick={() => {
                      if (window.confirm(`Kill application ${a.name} (${appId})? Its jobs fail and its executors stop.`)) kill.mutate({ appId });
                    }}
                  >
                    Kill application
                  </button>
                )}
              </div>
              {kill.error && <div className="banner bad">Kill failed: {kill.error.message}</div>}
              {kill.data && <div className="banner warn">{kill.data.message}</div>}
              {a.droppedEvents > 0 && (
                <div className="banner bad" data-testid="dropped-banner">
                  {formatCount(a.droppedEvents)} events of this application were lost on their way to the master: counts and metrics below may be incomplete.
                </div>
              )}
              {a.endReason && a.state !== 'FINISHED' && <div className="banner bad">Ended: {a.endReason}</div>}
              <div className="cards">
                <Card label="State" value={<StateBadge state={a.state} />} testId="app-state" />
                <Card label="User" value={a.user} />
                <Card label="Started" value={formatTime(a.startTime)} />
                <Card label="Duration" value={formatDuration(a.durationMs)} />
                <Card label="Jobs" value={<span data-testid="app-jobs-total">{a.jobs.total}</span>} />
                <Card label="Jobs succeeded" value={<span data-testid="app-jobs-succeeded">{a.jobs.succeeded}</span>} />
                {a.jobs.failed > 0 && <Card label="Jobs failed" value={<span className="reason">{a.jobs.failed}</span>} />}
                <Card
                  label="Executors"
                  value={
                    <Link href={`${base}/executors`} data-testid="executors-link">
                      {a.executors.active} active / {a.executors.total}
                    </Link>
                  }
                />
              </div>
            </>
          );
        }}
      </QueryState>
      <h2>Jobs</h2>
      <QueryState q={jobs} what="jobs">
        {() =>
          jobs.data!.length === 0 ? (
            <Empty>No job yet.</Empty>
          ) : (
            <table className="grid" data-testid="jobs-table">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Description</th>
                  <th>State</th>
                  <th className="num">Stages done / total</th>
                  <th>Tasks</th>
                  <th>Submitted</th>
                  <th className="num">Duration</th>
                </tr>
              </thead>
              <tbody>
                {[...jobs.data!].reverse().map((j) => {
                  const st = [...(stagesByJob.get(j.jobId)?.values() ?? [])];
                  const counted = st.filter((s) => s.state !== 'skipped');
                  const done = counted.filter((s) => s.state === 'complete').length;
                  return (
                    <tr key={j.jobId} data-testid="job-row" data-job-id={j.jobId} className={j.state === 'failed' ? 'failed' : ''}>
                      <td>
                        <Link href={`${base}/jobs/${j.jobId}`}>{j.jobId}</Link>
                      </td>
                      <td style={{ whiteSpace: 'normal' }}>
                        {j.description}
                        {j.error && <div className="reason">{j.error}</div>}
                      </td>
                      <td>
                        <StateBadge state={j.state} />
                      </td>
                      <td className="num" data-testid="job-stages">
                        {done}/{counted.length}
                        {st.length > counted.length ? ` (${st.length - counted.length} skipped)` : ''}
                      </td>
                      <td>
                        <Progress done={j.tasks.succeeded} running={j.tasks.running} failed={j.tasks.failed} total={Math.max(j.tasks.total, j.tasks.succeeded + j.tasks.running + j.tasks.failed)} testId="job-tasks" />
                      </td>
                      <td>{formatTime(j.submissionTime)}</td>
                      <td className="num">{formatDuration(j.durationMs)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </QueryState>
      <h2>Timeline</h2>
      {app.data && jobs.data && executors.data ? (
        <AppTimeline appId={appId} jobs={jobs.data} executors={executors.data} start={app.data.startTime} end={app.data.endTime ?? Date.now()} />
      ) : (
        <div className="muted">Loading…</div>
      )}
      <h2>Configuration</h2>
      {app.data && (
        <table className="grid" data-testid="conf-table">
          <tbody>
            <tr>
              <td>master</td>
              <td>{app.data.master}</td>
            </tr>
            {Object.entries(app.data.conf)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => (
                <tr key={k}>
                  <td>{k}</td>
                  <td style={{ whiteSpace: 'normal' }}>{typeof v === 'string' ? v : JSON.stringify(v)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
