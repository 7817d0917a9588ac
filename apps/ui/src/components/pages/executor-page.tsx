'use client';
/** `/apps/[appId]/executors/[executorId]`: the executor's totals and its stdout/stderr with paging and live tail. */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { formatBytes, formatDuration, formatTime } from '../../lib/format.ts';
import { useTRPC } from '../../trpc/client.tsx';
import { Card, Crumbs, Empty, QueryState, StateBadge } from '../common.tsx';
import { LogView } from '../log-view.tsx';
import { executorLost } from './executors-page.tsx';

export function ExecutorPage({ appId, executorId, stream, task }: { appId: string; executorId: string; stream: string | null; task: string | null }) {
  const trpc = useTRPC();
  const e = useQuery(trpc.executors.get.queryOptions({ appId, executorId }));
  const [chosen, setChosen] = useState<string | null>(stream);
  const base = `/apps/${encodeURIComponent(appId)}`;
  return (
    <div data-testid="executor-page">
      <Crumbs items={[['Cluster', '/'], [`application ${appId}`, base], ['executors', `${base}/executors`], [`executor ${executorId}`, null]]} />
      <h1>Executor {executorId}</h1>
      <QueryState q={e} what={`executor ${executorId}`}>
        {() => {
          const x = e.data!;
          const lost = executorLost(x);
          const logs = x.logs;
          const current = logs.find((l) => l.stream === (chosen ?? 'stderr')) ?? logs[0];
          return (
            <>
              {lost && <div className="banner bad">Lost: {x.removedReason}</div>}
              <div className="cards">
                <Card label="State" value={<StateBadge state={x.active ? 'active' : lost ? 'lost' : 'exited'} />} />
                <Card label="Host" value={x.host} />
                <Card label="Worker" value={x.workerId ? <Link href={`/workers/${encodeURIComponent(x.workerId)}`}>{x.workerId}</Link> : '–'} />
                <Card label="Cores" value={x.cores} />
                <Card label="Tasks completed" value={x.tasks.completed} />
                <Card label="Tasks failed" value={<span className={x.tasks.failed ? 'reason' : ''}>{x.tasks.failed}</span>} />
                <Card label="Task time" value={formatDuration(x.totals.durationMs)} />
                <Card label="GC time" value={formatDuration(x.totals.gcTime)} />
                <Card label="Shuffle read / write" value={`${formatBytes(x.totals.shuffleReadBytes)} / ${formatBytes(x.totals.shuffleWriteBytes)}`} />
                <Card label="Added" value={formatTime(x.addedTime)} />
              </div>
              <h2>Logs</h2>
              {logs.length === 0 || !current ? (
                <Empty>No logs: executors of local mode run inside the driver and write to its output.</Empty>
              ) : (
                <>
                  <div className="row">
                    {logs.map((l) => (
                      <button key={l.stream} onClick={() => setChosen(l.stream)} disabled={l.stream === current.stream} data-testid={`log-tab-${l.stream}`}>
                        {l.stream}
                      </button>
                    ))}
                  </div>
                  <LogView log={current} highlight={task} />
                </>
              )}
            </>
          );
        }}
      </QueryState>
    </div>
  );
}
