'use client';
/**
 * The stage's task table: sorted, filtered and paged by the API (never loaded
 * whole), rows virtualized. Failed tasks are red with their error and a link
 * to their executor's log; flagged tasks (skew, straggler) are orange with
 * the flag's text.
 */
import { useQuery } from '@tanstack/react-query';
import { createColumnHelper, rowSortingFeature, tableFeatures, useTable, type SortingState } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import Link from 'next/link';
import { useMemo, useRef, useState } from 'react';
import { formatBytes, formatCount, formatDuration, formatTime } from '../lib/format.ts';
import type { StageDetail, TaskRow, TaskSortKey } from '../trpc/api-types.ts';
import { useTRPC } from '../trpc/client.tsx';
import { StateBadge } from './common.tsx';
import { rowFlags, stageMedians } from './use-stage-flags.ts';

const PAGE = 100;
const ROW_H = 30;
const features = tableFeatures({ rowSortingFeature });
const col = createColumnHelper<typeof features, TaskRow>();

type Status = 'running' | 'success' | 'failed' | 'killed';

/** The `tasks.list` input of a table page; the stage page asks for the first one before the stage has loaded, under the same query key. */
export function taskPageInput(appId: string, stageId: number, attempt: number, o: { sortBy?: TaskSortKey; desc?: boolean; status?: Status | ''; executorId?: string; cursor?: string } = {}) {
  return { appId, stageId, attempt, sortBy: o.sortBy ?? ('taskId' as TaskSortKey), desc: o.desc ?? false, status: o.status || undefined, executorId: o.executorId || undefined, cursor: o.cursor, limit: PAGE };
}

export function TaskTable({ appId, stage }: { appId: string; stage: StageDetail }) {
  const trpc = useTRPC();
  const [sorting, setSorting] = useState<SortingState>([{ id: 'taskId', desc: false }]);
  const [status, setStatus] = useState<Status | ''>('');
  const [executorId, setExecutorId] = useState('');
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const sortBy = (sorting[0]?.id ?? 'taskId') as TaskSortKey;
  const desc = sorting[0]?.desc ?? false;
  const page = useQuery(trpc.tasks.list.queryOptions(taskPageInput(appId, stage.stageId, stage.attempt, { sortBy, desc, status, executorId, cursor: cursors[cursors.length - 1] })));
  const medians = useMemo(() => stageMedians(stage), [stage]);
  const base = `/apps/${encodeURIComponent(appId)}`;
  const now = Date.now();

  const columns = useMemo(
    () =>
      col.columns([
      col.accessor('taskId', { header: 'Task', cell: (c) => c.getValue() }),
      col.accessor('index', { header: 'Partition', cell: (c) => c.getValue() }),
      col.accessor('attempt', { header: 'Attempt', enableSorting: false, cell: (c) => c.getValue() }),
      col.accessor('status', { header: 'Status', enableSorting: false, cell: (c) => <StateBadge state={c.getValue()} /> }),
      col.accessor('executorId', { header: 'Executor', enableSorting: false, cell: (c) => <Link href={`${base}/executors/${encodeURIComponent(c.getValue())}`} prefetch={false}>{c.getValue()}</Link> }),
      col.accessor('launchTime', { header: 'Launched', cell: (c) => formatTime(c.getValue()) }),
      col.accessor('durationMs', { id: 'duration', header: 'Duration', cell: (c) => formatDuration(c.getValue() ?? now - c.row.original.launchTime) }),
      col.accessor((r) => r.phases?.schedulerDelay ?? null, { id: 'schedulerDelay', header: 'Sched. delay', cell: (c) => formatDuration(c.getValue()) }),
      col.accessor((r) => r.metrics?.executorRunTime ?? null, { id: 'executorRunTime', header: 'Run time', cell: (c) => formatDuration(c.getValue()) }),
      col.accessor((r) => r.metrics?.gcTime ?? null, { id: 'gcTime', header: 'GC', cell: (c) => formatDuration(c.getValue()) }),
      col.accessor((r) => r.metrics?.inputRecords ?? null, { id: 'inputRecords', header: 'Input recs', cell: (c) => formatCount(c.getValue()) }),
      col.accessor((r) => r.metrics?.shuffleReadRecords ?? null, { id: 'shuffleReadRecords', header: 'Shuffle read recs', cell: (c) => formatCount(c.getValue()) }),
      col.accessor((r) => r.metrics?.shuffleWriteBytes ?? null, { id: 'shuffleWriteBytes', header: 'Shuffle write', cell: (c) => formatBytes(c.getValue()) }),
      col.accessor((r) => r.metrics?.memoryBytesSpilled ?? null, { id: 'memoryBytesSpilled', header: 'Spilled', cell: (c) => formatBytes(c.getValue()) }),
    ]),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [base],
  );
  const data = useMemo(() => page.data?.items ?? [], [page.data]);
  const table = useTable({
    features,
    columns,
    data,
    state: { sorting },
    onSortingChange: (u) => {
      setSorting((prev) => (typeof u === 'function' ? u(prev) : u));
      setCursors([undefined]);
    },
    manualSorting: true,
    enableSortingRemoval: false,
    getRowId: (r) => String(r.taskId),
  });
  const rows = table.getRowModel().rows;
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 12 });
  const items = virtual.getVirtualItems();
  const padTop = items.length ? items[0]!.start : 0;
  const padBottom = items.length ? virtual.getTotalSize() - items[items.length - 1]!.end : 0;
  const ncols = columns.length + 1;
  const pageNo = cursors.length;
  const total = (page.data as { total?: number } | undefined)?.total;

  return (
    <div data-testid="task-table">
      <div className="row" style={{ margin: '6px 0' }}>
        <label>
          Status{' '}
          <select data-testid="filter-status" value={status} onChange={(e) => (setStatus(e.target.value as Status | ''), setCursors([undefined]))}>
            <option value="">all</option>
            <option value="running">running</option>
            <option value="success">success</option>
            <option value="failed">failed</option>
            <option value="killed">killed</option>
          </select>
        </label>
        <label>
          Executor{' '}
          <select data-testid="filter-executor" value={executorId} onChange={(e) => (setExecutorId(e.target.value), setCursors([undefined]))}>
            <option value="">all</option>
            {stage.executors.map((e) => (
              <option key={e.executorId} value={e.executorId}>
                {e.executorId}
              </option>
            ))}
          </select>
        </label>
        <button data-testid="page-prev" disabled={pageNo <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          ‹ Prev
        </button>
        <span data-testid="page-no">page {pageNo}</span>
        <button data-testid="page-next" disabled={!page.data?.nextCursor} onClick={() => setCursors((c) => [...c, page.data!.nextCursor!])}>
          Next ›
        </button>
        <span className="muted" data-testid="task-total" data-total={total ?? ''}>
          {total !== undefined ? `${formatCount(total)} tasks match` : ''} · sorted by {sortBy} {desc ? '↓' : '↑'}
        </span>
        {page.isFetching && <span className="muted">loading…</span>}
      </div>
      {page.error && <div className="banner bad">Could not load tasks: {page.error.message}</div>}
      <div className="scroll" ref={scroller} style={{ height: Math.min(560, 34 + rows.length * ROW_H + 4) }}>
        <table className="grid" style={{ border: 'none' }}>
          <thead>
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id}>
                {hg.headers.map((h) => {
                  const can = h.column.getCanSort();
                  const dir = h.column.getIsSorted();
                  return (
                    <th key={h.id} className={can ? 'sortable' : ''} onClick={can ? h.column.getToggleSortingHandler() : undefined} data-testid={`th-${h.column.id}`}>
                      <table.FlexRender header={h} />
                      {dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ''}
                    </th>
                  );
                })}
                <th>Error / flags</th>
              </tr>
            ))}
          </thead>
          <tbody>
            {padTop > 0 && (
              <tr style={{ height: padTop }}>
                <td colSpan={ncols} />
              </tr>
            )}
            {/* Rows and their cells keyed by their place on screen (row slot, column): a new page updates the text in place instead of replacing every row's elements. */}
            {items.map((vi) => {
              const row = rows[vi.index]!;
              const t = row.original;
              const flags = rowFlags(t, medians, now);
              const failed = t.status === 'failed' || t.status === 'killed';
              return (
                <tr key={vi.index} data-testid="task-row" data-task-id={t.taskId} data-partition={t.index} data-executor={t.executorId} data-status={t.status} data-flags={flags.map((f) => f.kind).join(',')} className={failed ? 'failed' : flags.length ? 'flagged' : ''} style={{ height: ROW_H }}>
                  {row.getAllCells().map((cell) => (
                    <td key={cell.column.id}>
                      <table.FlexRender cell={cell} />
                    </td>
                  ))}
                  <td style={{ whiteSpace: 'normal' }}>
                    {failed && (
                      <span className="reason" data-testid="task-error">
                        {t.failureReason ?? t.status}{' '}
                        <Link href={`${base}/executors/${encodeURIComponent(t.executorId)}?stream=stderr&task=${t.taskId}`} prefetch={false} data-testid="task-log-link">
                          log
                        </Link>
                      </span>
                    )}
                    {flags.map((f) => (
                      <span key={f.kind} className={`flag ${f.kind}`} data-testid="task-flag" data-kind={f.kind} title={f.text}>
                        {f.text}
                      </span>
                    ))}
                  </td>
                </tr>
              );
            })}
            {padBottom > 0 && (
              <tr style={{ height: padBottom }}>
                <td colSpan={ncols} />
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
