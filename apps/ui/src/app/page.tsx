import { ClusterPage } from '../components/pages/cluster-page.tsx';

export default function Page() {
  return <ClusterPage />;
}
