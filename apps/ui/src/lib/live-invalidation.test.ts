import { describe, expect, it } from 'vitest';
import { addChange, emptyChangeSet, FLUSH_MS, isAffected, isEmptyChangeSet, nextPassAt, PASS_GAP_FACTOR, type ChangeSet } from './live-invalidation.ts';

const key = (path: string[], input?: Record<string, unknown>) => [path, input ? { input, type: 'query' } : { type: 'query' }];

function changes(...cs: Array<{ appId?: string; appChanged?: boolean; stageIds?: number[] }>): ChangeSet {
  const set = emptyChangeSet();
  for (const c of cs) addChange(set, c);
  return set;
}

describe('isAffected', () => {
  const a = changes({ appId: 'app-1', stageIds: [0] });
  it('refreshes the changed application only', () => {
    expect(isAffected(key(['stages', 'get'], { appId: 'app-1', stageId: 0, attempt: 0 }), a)).toBe(true);
    expect(isAffected(key(['tasks', 'list'], { appId: 'app-2', stageId: 0 }), a)).toBe(false);
    expect(isAffected(key(['apps', 'get'], { appId: 'app-2' }), changes({ appId: 'app-1' }, {}))).toBe(false);
    expect(isAffected(key(['apps', 'get'], { appId: 'app-1' }), a)).toBe(true);
    expect(isAffected(key(['jobs', 'list'], { appId: 'app-1' }), a)).toBe(true);
  });
  it('refreshes a stage’s queries only when that stage or its application changed', () => {
    expect(isAffected(key(['stages', 'get'], { appId: 'app-1', stageId: 1, attempt: 0 }), a)).toBe(false);
    expect(isAffected(key(['tasks', 'list'], { appId: 'app-1', stageId: 1, attempt: 0, sortBy: 'duration' }), a)).toBe(false);
    expect(isAffected(key(['tasks', 'list'], { appId: 'app-1', stageId: 0, attempt: 0 }), a)).toBe(true);
    expect(isAffected(key(['stages', 'get'], { appId: 'app-1', stageId: 1, attempt: 0 }), changes({ appId: 'app-1', stageIds: [0] }, { appId: 'app-1', appChanged: true }))).toBe(true);
    // A job's page (no stageId) follows every change of its application.
    expect(isAffected(key(['jobs', 'get'], { appId: 'app-1', jobId: 3 }), a)).toBe(true);
  });
  it('refreshes cluster-wide lists on any change', () => {
    for (const p of [['cluster', 'overview'], ['workers', 'list'], ['workers', 'get'], ['apps', 'list']]) expect(isAffected(key(p), emptyChangeSet())).toBe(true);
  });
  it('leaves logs and the subscription alone', () => {
    expect(isAffected(key(['logs', 'read'], { appId: 'app-1' }), a)).toBe(false);
    expect(isAffected(key(['events', 'live'], {}), a)).toBe(false);
  });
  it('other queries follow cluster changes', () => {
    expect(isAffected(['custom'], a)).toBe(false);
    expect(isAffected(['custom'], changes({}))).toBe(true);
    expect(isEmptyChangeSet(emptyChangeSet())).toBe(true);
    expect(isEmptyChangeSet(a)).toBe(false);
  });
});

describe('nextPassAt', () => {
  const base = { now: 10_000, pendingSince: 10_000, running: false, hidden: false, lastEnd: null as number | null, lastPassMs: 0 };
  it('gathers changes for FLUSH_MS after the first one', () => {
    expect(nextPassAt(base)).toBe(10_000 + FLUSH_MS);
    expect(nextPassAt({ ...base, now: 10_400 })).toBe(10_400);
  });
  it('schedules nothing with nothing pending, a pass running or the page hidden', () => {
    expect(nextPassAt({ ...base, pendingSince: null })).toBeNull();
    expect(nextPassAt({ ...base, running: true })).toBeNull();
    expect(nextPassAt({ ...base, hidden: true })).toBeNull();
  });
  it('keeps a gap of PASS_GAP_FACTOR times the last pass after it, and at least FLUSH_MS', () => {
    // A slow pass (400 ms) that ended just now: the next one waits 1.2 s.
    expect(nextPassAt({ ...base, lastEnd: 10_000, lastPassMs: 400 })).toBe(10_000 + PASS_GAP_FACTOR * 400);
    // A quick one: FLUSH_MS.
    expect(nextPassAt({ ...base, lastEnd: 10_000, lastPassMs: 20 })).toBe(10_000 + FLUSH_MS);
    // A change after a quiet spell is shown as soon as gathered.
    expect(nextPassAt({ ...base, lastEnd: 5_000, lastPassMs: 400 })).toBe(10_000 + FLUSH_MS);
  });
  it('a page refetches at most a quarter of its time under a steady stream of changes', () => {
    // Changes every 200 ms for a minute; each pass takes `ms`; passes start when nextPassAt says.
    for (const ms of [10, 100, 300, 900]) {
      let t = 0;
      let busy = 0;
      let lastEnd: number | null = null;
      let passes = 0;
      let next = nextPassAt({ now: t, pendingSince: t, running: false, hidden: false, lastEnd, lastPassMs: ms })!;
      while (next < 60_000) {
        busy += ms;
        passes++;
        lastEnd = next + ms;
        t = lastEnd; // the next change is already waiting
        next = nextPassAt({ now: t, pendingSince: t, running: false, hidden: false, lastEnd, lastPassMs: ms })!;
      }
      // Busy time over the time up to the next pass's start.
      expect(busy / next).toBeLessThanOrEqual(0.25 + 1e-9);
      expect(passes).toBeGreaterThan(0);
    }
  });
});
