'use client';
/** `/apps/[appId]/jobs/[jobId]`: the stage DAG (RDD operations inside each stage, flags), stages with progress, cancel. */
import { useMutation, useQueries, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatBytes, formatDuration, formatTime } from '../../lib/format.ts';
import type { StageDetail, StageNode } from '../../trpc/api-types.ts';
import { useTRPC } from '../../trpc/client.tsx';
import { Card, Crumbs, Progress, QueryState, StateBadge } from '../common.tsx';
import { Dag, type DagNode } from '../dag.tsx';
import { useStagesFlags } from '../use-stage-flags.ts';

export function JobPage({ appId, jobId }: { appId: string; jobId: number }) {
  const trpc = useTRPC();
  const job = useQuery(trpc.jobs.get.queryOptions({ appId, jobId }));
  const stageList = useQuery(trpc.stages.list.queryOptions({ appId, jobId }));
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions());
  const stages = job.data?.stages ?? [];
  const details = useQueries({
    queries: stages.map((s) => ({ ...trpc.stages.get.queryOptions({ appId, stageId: s.stageId, attempt: s.attempt ?? 0 }), enabled: s.attempt != null && s.state !== 'skipped' })),
  });
  const detailOf = new Map<number, StageDetail>();
  details.forEach((d, i) => d.data && detailOf.set(stages[i]!.stageId, d.data));
  const base = `/apps/${encodeURIComponent(appId)}`;
  return (
    <div data-testid="job-page">
      <Crumbs items={[['Cluster', '/'], [`application ${appId}`, base], [`job ${jobId}`, null]]} />
      <QueryState q={job} what={`job ${jobId}`}>
        {() => {
          const j = job.data!;
          return (
            <>
              <div className="row">
                <h1 style={{ flex: 1 }}>
                  Job {jobId} <span className="muted">{j.description}</span>
                </h1>
                {j.state === 'running' && (
                  <button className="danger" data-testid="cancel-job" disabled={cancel.isPending} onClick={() => window.confirm(`Cancel job ${jobId}?`) && cancel.mutate({ appId, jobId })}>
                    Cancel job
                  </button>
                )}
              </div>
              {cancel.error && <div className="banner bad">Cancel failed: {cancel.error.message}</div>}
              {cancel.data && <div className="banner warn">{cancel.data.message}</div>}
              {j.error && <div className="banner bad">{j.error}</div>}
              <div className="cards">
                <Card label="State" value={<StateBadge state={j.state} />} testId="job-state" />
                <Card label="Submitted" value={formatTime(j.submissionTime)} />
                <Card label="Duration" value={formatDuration(j.durationMs)} />
                <Card label="Stages" value={<span data-testid="job-stage-count">{j.stages.length}</span>} />
                <Card label="Tasks" value={<Progress done={j.tasks.succeeded} running={j.tasks.running} failed={j.tasks.failed} total={j.tasks.total} testId="job-page-tasks" />} />
                {j.jobGroup && <Card label="Group" value={j.jobGroup} />}
              </div>
              <h2>Stage DAG</h2>
              <JobDag appId={appId} stages={j.stages} detailOf={detailOf} />
            </>
          );
        }}
      </QueryState>
      <h2>Stages</h2>
      <QueryState q={stageList} what="stages">
        {() => (
          <table className="grid" data-testid="stages-table">
            <thead>
              <tr>
                <th>Stage</th>
                <th>Attempt</th>
                <th>Name</th>
                <th>State</th>
                <th>Tasks</th>
                <th className="num">Input</th>
                <th className="num">Shuffle read</th>
                <th className="num">Shuffle write</th>
                <th className="num">Duration</th>
              </tr>
            </thead>
            <tbody>
              {stageList.data!.map((s) => (
                <tr key={`${s.stageId}.${s.attempt}`} data-testid="stage-row" data-stage-id={s.stageId} className={s.state === 'failed' ? 'failed' : ''}>
                  <td>
                    <Link href={`${base}/stages/${s.stageId}/${s.attempt}`}>{s.stageId}</Link>
                  </td>
                  <td>{s.attempt}</td>
                  <td style={{ whiteSpace: 'normal' }}>
                    {s.name}
                    {s.failureReason && <div className="reason">{s.failureReason}</div>}
                  </td>
                  <td>
                    <StateBadge state={s.state} />
                  </td>
                  <td>
                    <Progress done={s.tasks.succeeded} running={s.tasks.running} failed={s.tasks.failed} total={s.numTasks} testId="stage-tasks" />
                  </td>
                  <td className="num">{formatBytes(s.totals.inputBytes)}</td>
                  <td className="num">{formatBytes(s.totals.shuffleReadBytes)}</td>
                  <td className="num">{formatBytes(s.totals.shuffleWriteBytes)}</td>
                  <td className="num">{s.submissionTime && s.completionTime ? formatDuration(s.completionTime - s.submissionTime) : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </div>
  );
}

function JobDag({ appId, stages, detailOf }: { appId: string; stages: StageNode[]; detailOf: Map<number, StageDetail> }) {
  const ids = new Set(stages.map((s) => s.stageId));
  const nodes: DagNode[] = stages.map((s) => {
    const d = detailOf.get(s.stageId);
    return {
      id: `s${s.stageId}`,
      label: `Stage ${s.stageId}${s.state === 'skipped' ? ' (skipped)' : ''}`,
      sublabel: `${s.kind === 'result' ? 'result' : 'shuffle map'} · ${s.numTasks} tasks`,
      state: s.state,
      href: s.attempt != null && s.state !== 'skipped' ? `/apps/${encodeURIComponent(appId)}/stages/${s.stageId}/${s.attempt}` : undefined,
      testId: 'dag-node',
      data: { 'stage-id': s.stageId },
      children: d?.rdds.map((r) => ({ id: `s${s.stageId}r${r.rddId}`, label: `${r.scope || r.name}`, sublabel: `[${r.rddId}] ${r.name}` })),
      childEdges: d?.rdds.flatMap((r) => r.parentIds.filter((p) => d.rdds.some((x) => x.rddId === p)).map((p) => ({ from: `s${s.stageId}r${p}`, to: `s${s.stageId}r${r.rddId}` }))),
    };
  });
  const edges = stages.flatMap((s) => s.parentIds.filter((p) => ids.has(p)).map((p) => ({ from: `s${p}`, to: `s${s.stageId}` })));
  return (
    <>
      <FlaggedDag appId={appId} nodes={nodes} edges={edges} stages={stages} detailOf={detailOf} />
      <div className="legend">
        <span><i style={{ background: '#ebfbee', border: '1px solid #2b8a3e' }} />complete</span>
        <span><i style={{ background: '#e7f5ff', border: '1px solid #1971c2' }} />running</span>
        <span><i style={{ background: '#fff0f0', border: '1px solid #c92a2a' }} />failed</span>
        <span><i style={{ background: '#f1f3f5', border: '1px dashed #adb5bd' }} />skipped (output reused)</span>
        <span><i style={{ background: '#e67700' }} />skew / <i style={{ background: '#862e9c' }} />straggler flag</span>
      </div>
    </>
  );
}

/** The DAG with each stage's flags on its node. */
function FlaggedDag({ appId, nodes, edges, stages, detailOf }: { appId: string; nodes: DagNode[]; edges: Array<{ from: string; to: string }>; stages: StageNode[]; detailOf: Map<number, StageDetail> }) {
  const flags = useStagesFlags(appId, stages.map((s) => detailOf.get(s.stageId)));
  const withFlags = nodes.map((n, i) => ({ ...n, flags: flags[i] ?? [] }));
  return <Dag nodes={withFlags} edges={edges} testId="job-dag" />;
}
