'use client';
/** Small pieces every page uses: breadcrumbs, state badges, progress bars, cards, query status. */
import Link from 'next/link';
import type { ReactNode } from 'react';
import { formatCount } from '../lib/format.ts';

export function Crumbs({ items }: { items: Array<[string, string | null]> }) {
  return (
    <div className="crumbs" data-testid="crumbs">
      {items.map(([label, href], i) => (
        <span key={i}>
          {i > 0 && ' / '}
          {href ? <Link href={href}>{label}</Link> : label}
        </span>
      ))}
    </div>
  );
}

const STATE_CLASS: Record<string, string> = {
  alive: 'ok',
  running: 'run',
  active: 'run',
  launching: 'run',
  waiting: 'run',
  succeeded: 'ok',
  success: 'ok',
  complete: 'ok',
  finished: 'ok',
  exited: 'ok',
  failed: 'bad',
  killed: 'bad',
  lost: 'bad',
  dead: 'bad',
  cancelled: 'warn',
  unknown: 'warn',
  skipped: 'skip',
  pending: '',
};

export function StateBadge({ state }: { state: string }) {
  const cls = STATE_CLASS[state.toLowerCase()] ?? '';
  return (
    <span className={`state ${cls}`} data-testid="state" data-state={state.toLowerCase()}>
      {state.toLowerCase()}
    </span>
  );
}

/** done / running / failed out of total, as a bar with the counts written on it. */
export function Progress({ done, running = 0, failed = 0, total, testId }: { done: number; running?: number; failed?: number; total: number; testId?: string }) {
  const pct = (n: number) => (total > 0 ? Math.min(100, (n / total) * 100) : 0);
  return (
    <div className="progress" data-testid={testId ?? 'progress'} data-done={done} data-total={total}>
      <div className="done" style={{ width: `${pct(done)}%` }} />
      <div className="running" style={{ left: `${pct(done)}%`, width: `${pct(running)}%` }} />
      {failed > 0 && <div className="failedbar" style={{ left: `${pct(done + running)}%`, width: `${pct(failed)}%` }} />}
      <div className="text">
        {formatCount(done)}/{formatCount(total)}
        {running > 0 ? ` (${formatCount(running)} running)` : ''}
        {failed > 0 ? ` (${formatCount(failed)} failed)` : ''}
      </div>
    </div>
  );
}

export function Card({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div className="card" data-testid={testId}>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
    </div>
  );
}

/** Loading and error states of a query; renders children only with data. */
export function QueryState({ q, what, children }: { q: { isPending: boolean; error: { message: string } | null; data?: unknown }; what: string; children: () => ReactNode }) {
  if (q.error && q.data === undefined) {
    return (
      <div className="banner bad" data-testid="error">
        Could not load {what}: {q.error.message}
      </div>
    );
  }
  if (q.isPending || q.data === undefined) return <div className="muted">Loading {what}…</div>;
  return <>{children()}</>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="muted panel">{children}</div>;
}
