import { describe, expect, it } from 'vitest';
import { formatAgo, formatBytes, formatCount, formatDuration, formatMetric, formatPercent, formatTime, metricKind, metricLabel } from './format.ts';

describe('format', () => {
  it('formats bytes in binary units with three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(10 * 1024 * 1024 + 512 * 1024)).toBe('10.5 MiB');
    expect(formatBytes(300 * 1024 ** 3)).toBe('300 GiB');
    expect(formatBytes(-2048)).toBe('-2 KiB');
    expect(formatBytes(null)).toBe('–');
    expect(formatBytes(Number.NaN)).toBe('–');
  });

  it('formats durations from ms to hours', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(999.6)).toBe('1000 ms');
    expect(formatDuration(1250)).toBe('1.25 s');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(119_700)).toBe('2 min');
    expect(formatDuration(3_600_000 + 120_000)).toBe('1 h 2 min');
    expect(formatDuration(undefined)).toBe('–');
  });

  it('groups counts by thousands', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(100_000)).toBe('100,000');
    expect(formatCount(-1234567)).toBe('-1,234,567');
    expect(formatCount(1234.5678)).toBe('1,234.56');
  });

  it('percent is bounded and total-safe', () => {
    expect(formatPercent(0, 0)).toBe('0%');
    expect(formatPercent(1, 3)).toBe('33%');
    expect(formatPercent(5, 4)).toBe('100%');
  });

  it('says how long ago', () => {
    expect(formatAgo(1000, 1500)).toBe('just now');
    expect(formatAgo(0, 3_000)).toBe('3 s ago');
    expect(formatAgo(0, 90_000)).toBe('1 min ago');
    expect(formatAgo(5000, 0)).toBe('just now');
    expect(formatAgo(null, 0)).toBe('never');
  });

  it('formats times in UTC', () => {
    expect(formatTime(Date.UTC(2026, 11, 5, 12, 47, 14))).toBe('2026-12-05 12:47:14');
    expect(formatTime(0)).toBe('–');
  });

  it('picks the unit by metric name', () => {
    expect(metricKind('shuffleReadBytes')).toBe('bytes');
    expect(metricKind('peakExecutionMemory')).toBe('bytes');
    expect(metricKind('resultSize')).toBe('bytes');
    expect(metricKind('executorRunTime')).toBe('time');
    expect(metricKind('schedulerDelay')).toBe('time');
    expect(metricKind('inputRecords')).toBe('count');
    expect(formatMetric('gcTime', 1500)).toBe('1.5 s');
    expect(metricLabel('shuffleReadRemoteBytes')).toBe('Shuffle read remote bytes');
  });
});
