import { ExecutorPage } from '../../../../../components/pages/executor-page.tsx';

export default async function Page({ params, searchParams }: { params: Promise<{ appId: string; executorId: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { appId, executorId } = await params;
  const sp = await searchParams;
  const one = (v: string | string[] | undefined) => (typeof v === 'string' ? v : null);
  const task = one(sp.task);
  return <ExecutorPage appId={decodeURIComponent(appId)} executorId={decodeURIComponent(executorId)} stream={one(sp.stream)} task={task && /^\d+$/.test(task) ? task : null} />;
}
