import { StagePage } from '../../../../../../components/pages/stage-page.tsx';
import type { StageDetail } from '../../../../../../trpc/api-types.ts';
import { serverQuery, serverWarm } from '../../../../../../trpc/server-query.ts';

export default async function Page({ params }: { params: Promise<{ appId: string; stageId: string; attempt: string }> }) {
  const p = await params;
  const input = { appId: decodeURIComponent(p.appId), stageId: Number(p.stageId), attempt: Number(p.attempt) };
  // The server lays the attempt's timeline out while the page travels and hydrates; the stage itself comes with the page.
  if (Number.isInteger(input.stageId) && Number.isInteger(input.attempt)) await serverWarm('tasks.timelineView', { ...input, width: 1, lastLane: 0 });
  const stage = Number.isInteger(input.stageId) && Number.isInteger(input.attempt) ? await serverQuery<StageDetail>('stages.get', input) : null;
  return <StagePage appId={input.appId} stageId={input.stageId} attempt={input.attempt} initialStage={stage} />;
}
