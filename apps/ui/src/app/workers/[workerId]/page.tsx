import { WorkerPage } from '../../../components/pages/worker-page.tsx';

export default async function Page({ params }: { params: Promise<{ workerId: string }> }) {
  const { workerId } = await params;
  return <WorkerPage workerId={decodeURIComponent(workerId)} />;
}
