import { AppPage } from '../../../components/pages/app-page.tsx';

export default async function Page({ params }: { params: Promise<{ appId: string }> }) {
  const { appId } = await params;
  return <AppPage appId={decodeURIComponent(appId)} />;
}
