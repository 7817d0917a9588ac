'use client';
/**
 * An executor's stdout or stderr, read by ids through the API: the last
 * 64 KiB first, earlier chunks on demand, and a live tail that appends what
 * was written since (one read a second while following).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatBytes } from '../lib/format.ts';
import type { LogRef } from '../trpc/api-types.ts';
import { useTRPCClient } from '../trpc/client.tsx';

const CHUNK = 64 * 1024;
const TAIL_MS = 1000;

export function LogView({ log, highlight }: { log: LogRef; highlight: string | null }) {
  const client = useTRPCClient();
  const [text, setText] = useState('');
  const [range, setRange] = useState<{ start: number; end: number; size: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [follow, setFollow] = useState(true);
  const pre = useRef<HTMLPreElement>(null);
  const key = `${log.workerId}/${log.appId}/${log.executorId}/${log.stream}`;

  useEffect(() => {
    let live = true;
    setText('');
    setRange(null);
    setError(null);
    client.logs.read.query({ ...log, offset: -CHUNK, length: CHUNK }).then(
      (c) => {
        if (!live) return;
        setText(c.data);
        setRange({ start: c.offset, end: c.nextOffset, size: c.size });
      },
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  useEffect(() => {
    if (!follow || !range) return;
    const t = setTimeout(async () => {
      try {
        const c = await client.logs.read.query({ ...log, offset: range.end, length: CHUNK * 4 });
        if (c.data) setText((x) => x + c.data);
        setRange((r) => (r ? { ...r, end: c.nextOffset, size: c.size } : r));
        setError(null);
      } catch (err) {
        setError((err as Error).message);
        setRange((r) => (r ? { ...r } : r));
      }
    }, TAIL_MS);
    return () => clearTimeout(t);
  }, [follow, range, client, log]);

  const earlier = useCallback(async () => {
    if (!range || range.start === 0) return;
    const from = Math.max(0, range.start - CHUNK);
    try {
      const c = await client.logs.read.query({ ...log, offset: from, length: range.start - from });
      setText((x) => c.data + x);
      setRange((r) => (r ? { ...r, start: from } : r));
    } catch (err) {
      setError((err as Error).message);
    }
  }, [range, client, log]);

  useEffect(() => {
    const el = pre.current;
    if (!el) return;
    const mark = el.querySelector('[data-highlight="true"]');
    if (mark) mark.scrollIntoView({ block: 'center' });
    else if (follow) el.scrollTop = el.scrollHeight;
  }, [text, follow]);

  const lines = text.split('\n');
  const re = highlight ? new RegExp(`\\b(task|TID)[ #:=]*${highlight}\\b`, 'i') : null;
  return (
    <div data-testid="log-view" data-stream={log.stream}>
      <div className="row" style={{ margin: '6px 0' }}>
        <button onClick={earlier} disabled={!range || range.start === 0} data-testid="log-earlier">
          Earlier
        </button>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} data-testid="log-follow" /> follow
        </label>
        {range && (
          <span className="muted">
            bytes {range.start.toLocaleString('en')}–{range.end.toLocaleString('en')} of {formatBytes(range.size)}
          </span>
        )}
      </div>
      {error && <div className="banner bad">Could not read the log: {error}</div>}
      <pre className="log" ref={pre} data-testid="log-text">
        {text === '' && !error ? <span className="muted">(empty)</span> : null}
        {lines.map((l, i) => {
          const hit = !!re && re.test(l);
          return (
            <div key={i} data-highlight={hit ? 'true' : undefined} style={hit ? { background: '#5c3c00' } : undefined}>
              {l || '\u00a0'}
            </div>
          );
        })}
      </pre>
    </div>
  );
}
