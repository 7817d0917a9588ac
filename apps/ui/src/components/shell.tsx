'use client';
/** The frame of every page: API client, live subscription, header with the freshness stamp. */
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useState, type ReactNode } from 'react';
import { formatAgo } from '../lib/format.ts';
import { ApiProvider } from '../trpc/client.tsx';
import { LiveProvider, useLive } from '../trpc/live.tsx';

export function Shell({ children }: { children: ReactNode }) {
  const path = usePathname();
  if (path === '/login') return <main>{children}</main>;
  return (
    <ApiProvider>
      <LiveProvider>
        <header className="top">
          <Link href="/" className="brand">
            ⚡ Flint
          </Link>
          <Link href="/">Cluster</Link>
          <span className="spacer" />
          <UpdatedStamp />
        </header>
        <main>{children}</main>
      </LiveProvider>
    </ApiProvider>
  );
}

/** "live · updated 2 s ago": when the data on screen was last known fresh. */
export function UpdatedStamp() {
  const live = useLive();
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const label = live.status === 'live' ? 'live' : live.status === 'error' ? 'offline' : live.status;
  return (
    <span className="stamp" data-testid="updated-stamp" data-status={live.status} data-changes={live.changes} data-passes={live.passes} title={`${live.changes} changes received`}>
      {label} · updated {now === null ? '…' : formatAgo(live.updatedAt, now)}
    </span>
  );
}
