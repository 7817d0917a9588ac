'use client';
/**
 * The application's timeline: one row per job (submitted → ended, coloured by
 * state) and one per executor (added → removed, red when it was lost), on a
 * shared time axis. Jobs and executors number in the tens, so SVG is fine here;
 * the task timeline (100,000 bars) is the canvas one.
 */
import Link from 'next/link';
import { formatDuration, formatTime } from '../lib/format.ts';
import type { ExecutorSummary, JobSummary } from '../trpc/api-types.ts';

const ROW = 18;
const LABEL = 120;
const JOB_COLOUR: Record<string, string> = { running: '#74c0fc', succeeded: '#69db7c', failed: '#ff8787', cancelled: '#ffc078' };

export function AppTimeline({ appId, jobs, executors, start, end }: { appId: string; jobs: JobSummary[]; executors: ExecutorSummary[]; start: number; end: number }) {
  const width = 1100;
  const span = Math.max(1, end - start);
  const x = (t: number) => LABEL + ((Math.min(Math.max(t, start), end) - start) / span) * (width - LABEL - 10);
  const rows = executors.length + jobs.length;
  const height = rows * ROW + 26;
  return (
    <svg width="100%" viewBox={`0 0 ${width} ${height}`} data-testid="app-timeline" style={{ background: '#fff', border: '1px solid var(--line)', borderRadius: 6 }}>
      {executors.map((e, i) => {
        const y = i * ROW + 4;
        const lost = !!e.removedTime && !!e.removedReason && !/stopp|finish|shut/i.test(e.removedReason);
        return (
          <g key={`e${e.executorId}`} data-testid="app-timeline-executor">
            <text x={4} y={y + 12} fontSize={11} fill="#495057">
              executor {e.executorId}
            </text>
            <rect x={x(e.addedTime)} y={y + 3} width={Math.max(2, x(e.removedTime ?? end) - x(e.addedTime))} height={ROW - 8} fill={lost ? '#ffa8a8' : '#dee2e6'}>
              <title>{`executor ${e.executorId} added ${formatTime(e.addedTime)}${e.removedTime ? `, removed ${formatTime(e.removedTime)}: ${e.removedReason ?? ''}` : ''}`}</title>
            </rect>
            {e.removedTime && <circle cx={x(e.removedTime)} cy={y + ROW / 2} r={4} fill={lost ? '#c92a2a' : '#868e96'} />}
          </g>
        );
      })}
      {jobs.map((j, i) => {
        const y = (executors.length + i) * ROW + 4;
        const x0 = x(j.submissionTime);
        const x1 = x(j.completionTime ?? end);
        return (
          <g key={`j${j.jobId}`} data-testid="app-timeline-job">
            <text x={4} y={y + 12} fontSize={11} fill="#495057">
              job {j.jobId}
            </text>
            <Link href={`/apps/${encodeURIComponent(appId)}/jobs/${j.jobId}`}>
              <rect x={x0} y={y + 2} width={Math.max(2, x1 - x0)} height={ROW - 6} fill={JOB_COLOUR[j.state] ?? '#ced4da'}>
                <title>{`job ${j.jobId} ${j.state} · ${formatDuration(j.durationMs)} · ${j.description}`}</title>
              </rect>
            </Link>
          </g>
        );
      })}
      <text x={LABEL} y={height - 6} fontSize={10} fill="#868e96">
        {formatTime(start)}
      </text>
      <text x={width - 10} y={height - 6} fontSize={10} fill="#868e96" textAnchor="end">
        {formatTime(end)} (+{formatDuration(span)})
      </text>
    </svg>
  );
}
