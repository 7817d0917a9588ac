import { JobPage } from '../../../../../components/pages/job-page.tsx';

export default async function Page({ params }: { params: Promise<{ appId: string; jobId: string }> }) {
  const { appId, jobId } = await params;
  return <JobPage appId={decodeURIComponent(appId)} jobId={Number(jobId)} />;
}
