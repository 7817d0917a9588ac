import { ExecutorsPage } from '../../../../components/pages/executors-page.tsx';

export default async function Page({ params }: { params: Promise<{ appId: string }> }) {
  const { appId } = await params;
  return <ExecutorsPage appId={decodeURIComponent(appId)} />;
}
