'use client';
/** `/apps/[appId]/executors`: totals per executor, lost executors in red with their reason. */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatBytes, formatDuration, formatTime } from '../../lib/format.ts';
import type { ExecutorSummary } from '../../trpc/api-types.ts';
import { useTRPC } from '../../trpc/client.tsx';
import { Crumbs, Empty, QueryState, StateBadge } from '../common.tsx';

/** An executor that went away for a reason other than its application ending normally. */
export function executorLost(e: ExecutorSummary): boolean {
  return !e.active && !!e.removedReason && !/application (finished|ended|stopped)|driver stopped|stopped by the driver|shut ?down|finished/i.test(e.removedReason);
}

export function ExecutorsPage({ appId }: { appId: string }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.executors.list.queryOptions({ appId }));
  const base = `/apps/${encodeURIComponent(appId)}`;
  return (
    <div data-testid="executors-page">
      <Crumbs items={[['Cluster', '/'], [`application ${appId}`, base], ['executors', null]]} />
      <h1>Executors</h1>
      <QueryState q={list} what="executors">
        {() =>
          list.data!.length === 0 ? (
            <Empty>No executor has registered with this application.</Empty>
          ) : (
            <table className="grid" data-testid="executors-table">
              <thead>
                <tr>
                  <th>Executor</th>
                  <th>Host</th>
                  <th>Worker</th>
                  <th>State</th>
                  <th className="num">Cores</th>
                  <th className="num">Active</th>
                  <th className="num">Completed</th>
                  <th className="num">Failed</th>
                  <th className="num">Task time</th>
                  <th className="num">GC time</th>
                  <th className="num">Input</th>
                  <th className="num">Shuffle read</th>
                  <th className="num">Shuffle write</th>
                  <th>Added</th>
                  <th>Removed</th>
                  <th>Logs</th>
                </tr>
              </thead>
              <tbody>
                {list.data!.map((e) => {
                  const lost = executorLost(e);
                  const gcHeavy = e.totals.durationMs > 0 && e.totals.gcTime / e.totals.durationMs > 0.1;
                  const href = `${base}/executors/${encodeURIComponent(e.executorId)}`;
                  return (
                    <tr key={e.executorId} data-testid="executor-row" data-executor-id={e.executorId} className={lost ? 'failed' : ''}>
                      <td>
                        <Link href={href}>{e.executorId}</Link>
                      </td>
                      <td>{e.host}</td>
                      <td>{e.workerId ? <Link href={`/workers/${encodeURIComponent(e.workerId)}`}>{e.workerId}</Link> : '–'}</td>
                      <td>
                        <StateBadge state={e.active ? 'active' : lost ? 'lost' : 'exited'} />
                      </td>
                      <td className="num">{e.cores}</td>
                      <td className="num">{e.tasks.active}</td>
                      <td className="num" data-testid="executor-completed">
                        {e.tasks.completed}
                      </td>
                      <td className={`num ${e.tasks.failed ? 'reason' : ''}`}>{e.tasks.failed}</td>
                      <td className="num">{formatDuration(e.totals.durationMs)}</td>
                      <td className={`num ${gcHeavy ? 'reason' : ''}`} title={gcHeavy ? 'GC over 10% of task time' : undefined}>
                        {formatDuration(e.totals.gcTime)}
                      </td>
                      <td className="num">{formatBytes(e.totals.inputBytes)}</td>
                      <td className="num">{formatBytes(e.totals.shuffleReadBytes)}</td>
                      <td className="num">{formatBytes(e.totals.shuffleWriteBytes)}</td>
                      <td>{formatTime(e.addedTime)}</td>
                      <td className={lost ? 'reason' : ''}>
                        {e.removedTime ? `${formatTime(e.removedTime)}${e.removedReason ? ` — ${e.removedReason}` : ''}` : ''}
                      </td>
                      <td>
                        {e.logs.map((l) => (
                          <Link key={l.stream} href={`${href}?stream=${l.stream}`} style={{ marginRight: 8 }}>
                            {l.stream}
                          </Link>
                        ))}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </QueryState>
    </div>
  );
}
