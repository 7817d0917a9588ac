'use client';
/** `/`: the cluster — workers, applications, totals and the master's health. */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { formatAgo, formatCount, formatDuration, formatTime } from '../../lib/format.ts';
import type { AppSummary } from '../../trpc/api-types.ts';
import { useTRPC } from '../../trpc/client.tsx';
import { Card, Empty, QueryState, StateBadge } from '../common.tsx';

function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function ClusterPage() {
  const trpc = useTRPC();
  const overview = useQuery(trpc.cluster.overview.queryOptions());
  const workers = useQuery(trpc.workers.list.queryOptions());
  const active = useQuery(trpc.apps.list.queryOptions({ state: 'active', limit: 200 }));
  const ended = useQuery(trpc.apps.list.queryOptions({ state: 'ended', limit: 200 }));
  const now = useNow();
  return (
    <div data-testid="cluster-page">
      <h1>{overview.data?.mode === 'history' ? 'History' : 'Cluster'}</h1>
      <QueryState q={overview} what="the cluster overview">
        {() => {
          const o = overview.data!;
          return (
            <div className="cards">
              <Card label="Master" value={<StateBadge state="alive" />} testId="master-health" />
              {o.mode === 'master' && (
                <>
                  <Card label="Workers alive" value={<span data-testid="workers-alive">{o.workers.alive}</span>} />
                  {o.workers.dead > 0 && <Card label="Workers dead" value={<span className="reason">{o.workers.dead}</span>} />}
                  <Card label="Cores used / total" value={`${o.cores.used} / ${o.cores.total}`} testId="cores" />
                  <Card label="Memory used / total" value={`${formatCount(o.memoryMb.used)} / ${formatCount(o.memoryMb.total)} MB`} />
                </>
              )}
              <Card label="Applications running" value={<span data-testid="apps-running">{o.applications.running + o.applications.waiting}</span>} />
              <Card label="Applications finished" value={<span data-testid="apps-finished">{o.applications.finished}</span>} />
              <Card label="Up" value={formatDuration(o.uptimeMs)} />
            </div>
          );
        }}
      </QueryState>
      {overview.data?.mode !== 'history' && (
        <>
          <h2>Workers</h2>
          <QueryState q={workers} what="workers">
            {() =>
              workers.data!.length === 0 ? (
                <Empty>No worker has registered. Start one with `flint worker flint://HOST:PORT`.</Empty>
              ) : (
                <table className="grid" data-testid="workers-table">
                  <thead>
                    <tr>
                      <th>Worker</th>
                      <th>Host</th>
                      <th>State</th>
                      <th className="num">Cores used / total</th>
                      <th className="num">Memory used / total</th>
                      <th>Last heartbeat</th>
                    </tr>
                  </thead>
                  <tbody>
                    {workers.data!.map((w) => (
                      <tr key={w.workerId} data-testid="worker-row" className={w.state === 'DEAD' ? 'failed' : ''}>
                        <td>
                          <Link href={`/workers/${encodeURIComponent(w.workerId)}`}>{w.workerId}</Link>
                        </td>
                        <td>{w.host}</td>
                        <td>
                          <StateBadge state={w.state} />
                        </td>
                        <td className="num">
                          {w.coresUsed} / {w.cores}
                        </td>
                        <td className="num">
                          {formatCount(w.memoryUsedMb)} / {formatCount(w.memoryMb)} MB
                        </td>
                        <td>{formatAgo(w.lastHeartbeat, now)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </QueryState>
        </>
      )}
      <h2>Running applications</h2>
      <QueryState q={active} what="running applications">
        {() => <AppsTable apps={active.data!.items} testId="running-apps" now={now} />}
      </QueryState>
      <h2>Finished applications</h2>
      <QueryState q={ended} what="finished applications">
        {() => <AppsTable apps={ended.data!.items} testId="finished-apps" now={now} />}
      </QueryState>
    </div>
  );
}

function AppsTable({ apps, testId, now }: { apps: AppSummary[]; testId: string; now: number }) {
  if (apps.length === 0) return <Empty>None.</Empty>;
  return (
    <table className="grid" data-testid={testId}>
      <thead>
        <tr>
          <th>Application</th>
          <th>Name</th>
          <th>State</th>
          <th>User</th>
          <th>Started</th>
          <th className="num">Duration</th>
          <th className="num">Cores</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {apps.map((a) => (
          <tr key={a.appId} data-testid="app-row" data-app-id={a.appId} className={a.state === 'FAILED' || a.state === 'KILLED' ? 'failed' : ''}>
            <td>
              <Link href={`/apps/${encodeURIComponent(a.appId)}`}>{a.appId}</Link>
            </td>
            <td>{a.name}</td>
            <td>
              <StateBadge state={a.state} />
            </td>
            <td>{a.user}</td>
            <td>{formatTime(a.startTime)}</td>
            <td className="num">{formatDuration(a.endTime === null ? now - a.startTime : a.durationMs)}</td>
            <td className="num">{a.cores}</td>
            <td className="reason">{a.endReason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
