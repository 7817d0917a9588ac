import { StagePage } from '../../../../../../components/pages/stage-page.tsx';

export default async function Page({ params }: { params: Promise<{ appId: string; stageId: string; attempt: string }> }) {
  const { appId, stageId, attempt } = await params;
  return <StagePage appId={decodeURIComponent(appId)} stageId={Number(stageId)} attempt={Number(attempt)} />;
}
