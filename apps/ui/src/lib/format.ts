/**
 * Display formatting shared by every page: sizes, durations, counts, times.
 * Pure functions of their arguments (the clock is passed in), so pages render
 * the same text on the server and in the browser.
 */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 1536 → "1.5 KiB"; null/undefined → "–". Three significant digits past bytes. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return '–';
  const sign = bytes < 0 ? '-' : '';
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${sign}${Math.round(v)} B`;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${sign}${trimZeros(v.toFixed(digits))} ${BYTE_UNITS[u]}`;
}

/** Milliseconds → "850 ms", "1.25 s", "2 min 5 s", "3 h 2 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    const s = ms / 1000;
    return `${trimZeros(s.toFixed(s >= 10 ? 1 : 2))} s`;
  }
  if (ms < 3_600_000) {
    const m = Math.floor(ms / 60_000);
    const s = Math.round((ms - m * 60_000) / 1000);
    return s === 60 ? `${m + 1} min` : s ? `${m} min ${s} s` : `${m} min`;
  }
  const h = Math.floor(ms / 3_600_000);
  const m = Math.round((ms - h * 3_600_000) / 60_000);
  return m === 60 ? `${h + 1} h` : m ? `${h} h ${m} min` : `${h} h`;
}

/** 1234567 → "1,234,567" (fixed locale so server and browser agree). */
export function formatCount(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '–';
  const neg = n < 0;
  const [int, frac] = Math.abs(n).toString().split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${grouped}${frac ? `.${frac.slice(0, 2)}` : ''}`;
}

/** done/total → "42%", never above 100 nor NaN. */
export function formatPercent(done: number, total: number): string {
  if (total <= 0) return '0%';
  return `${Math.min(100, Math.floor((done / total) * 100))}%`;
}

/** "updated 3 s ago" style: how long before `now` the time `then` was. */
export function formatAgo(then: number | null | undefined, now: number): string {
  if (then == null) return 'never';
  const d = Math.max(0, now - then);
  if (d < 1000) return 'just now';
  if (d < 60_000) return `${Math.floor(d / 1000)} s ago`;
  if (d < 3_600_000) return `${Math.floor(d / 60_000)} min ago`;
  if (d < 86_400_000) return `${Math.floor(d / 3_600_000)} h ago`;
  return `${Math.floor(d / 86_400_000)} d ago`;
}

/** Epoch ms → "2026-12-05 12:47:14" in UTC (one zone everywhere, stated in the page footer). */
export function formatTime(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms <= 0) return '–';
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** A metric value by its kind: bytes, durations in ms, or counts. */
export function formatMetric(name: string, value: number | null | undefined): string {
  if (metricKind(name) === 'bytes') return formatBytes(value);
  if (metricKind(name) === 'time') return formatDuration(value);
  return formatCount(value);
}

export function metricKind(name: string): 'bytes' | 'time' | 'count' {
  if (/Bytes$|Size$|Memory$|Spilled$/.test(name)) return 'bytes';
  if (/Time$|^duration$|^schedulerDelay$|^deserialize$|^shuffleReadWait$|^compute$|^shuffleWrite$|^resultSerialize$|^resultFetch$/.test(name)) return 'time';
  return 'count';
}

/** camelCase metric names → "Shuffle read bytes". */
export function metricLabel(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
