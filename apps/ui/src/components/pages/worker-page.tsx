'use client';
/** `/workers/[workerId]`: the worker's executors, their state, exit codes and logs. */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatAgo, formatCount } from '../../lib/format.ts';
import { useTRPC } from '../../trpc/client.tsx';
import { Card, Crumbs, Empty, QueryState, StateBadge } from '../common.tsx';

export function WorkerPage({ workerId }: { workerId: string }) {
  const trpc = useTRPC();
  const w = useQuery(trpc.workers.get.queryOptions({ workerId }));
  return (
    <div data-testid="worker-page">
      <Crumbs items={[['Cluster', '/'], [`worker ${workerId}`, null]]} />
      <h1>Worker {workerId}</h1>
      <QueryState q={w} what={`worker ${workerId}`}>
        {() => {
          const d = w.data!;
          return (
            <>
              <div className="cards">
                <Card label="State" value={<StateBadge state={d.state} />} />
                <Card label="Host" value={d.host} />
                <Card label="Cores used / total" value={`${d.coresUsed} / ${d.cores}`} />
                <Card label="Memory used / total" value={`${formatCount(d.memoryUsedMb)} / ${formatCount(d.memoryMb)} MB`} />
                <Card label="Last heartbeat" value={formatAgo(d.lastHeartbeat, Date.now())} />
              </div>
              <h2>Executors</h2>
              {d.executors.length === 0 ? (
                <Empty>This worker has run no executor.</Empty>
              ) : (
                <table className="grid" data-testid="worker-executors">
                  <thead>
                    <tr>
                      <th>Application</th>
                      <th>Executor</th>
                      <th className="num">Cores</th>
                      <th className="num">Memory</th>
                      <th>State</th>
                      <th className="num">Exit code</th>
                      <th>Reason</th>
                      <th>Logs</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.executors.map((e) => {
                      const bad = e.state === 'FAILED' || e.state === 'LOST' || (e.exitCode !== null && e.exitCode !== 0 && e.state !== 'KILLED');
                      const base = `/apps/${encodeURIComponent(e.appId)}/executors/${encodeURIComponent(e.executorId)}`;
                      return (
                        <tr key={`${e.appId}/${e.executorId}`} data-testid="worker-executor-row" className={bad ? 'failed' : ''}>
                          <td>
                            <Link href={`/apps/${encodeURIComponent(e.appId)}`}>{e.appId}</Link>
                          </td>
                          <td>
                            <Link href={base}>{e.executorId}</Link>
                          </td>
                          <td className="num">{e.cores}</td>
                          <td className="num">{formatCount(e.memoryMb)} MB</td>
                          <td>
                            <StateBadge state={e.state} />
                          </td>
                          <td className="num">{e.exitCode ?? ''}</td>
                          <td className={bad ? 'reason' : ''}>{e.message ?? ''}</td>
                          <td>
                            {e.logs.map((l) => (
                              <Link key={l.stream} href={`${base}?stream=${l.stream}`} style={{ marginRight: 8 }} data-testid="log-link">
                                {l.stream}
                              </Link>
                            ))}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </>
          );
        }}
      </QueryState>
    </div>
  );
}
