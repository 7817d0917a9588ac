import { describe, expect, it } from 'vitest';
import { isAffected } from './live-invalidation.ts';

const key = (path: string[], input?: Record<string, unknown>) => [path, input ? { input, type: 'query' } : { type: 'query' }];

describe('isAffected', () => {
  const a = new Set(['app-1']);
  it('refreshes the changed application only', () => {
    expect(isAffected(key(['stages', 'get'], { appId: 'app-1', stageId: 0, attempt: 0 }), a, false)).toBe(true);
    expect(isAffected(key(['tasks', 'list'], { appId: 'app-2', stageId: 0 }), a, false)).toBe(false);
    expect(isAffected(key(['apps', 'get'], { appId: 'app-2' }), a, true)).toBe(false);
  });
  it('refreshes cluster-wide lists on any change', () => {
    for (const p of [['cluster', 'overview'], ['workers', 'list'], ['workers', 'get'], ['apps', 'list']]) expect(isAffected(key(p), new Set(), false)).toBe(true);
  });
  it('leaves logs and the subscription alone', () => {
    expect(isAffected(key(['logs', 'read'], { appId: 'app-1' }), a, true)).toBe(false);
    expect(isAffected(key(['events', 'live'], {}), a, true)).toBe(false);
  });
  it('other queries follow cluster changes', () => {
    expect(isAffected(['custom'], a, false)).toBe(false);
    expect(isAffected(['custom'], a, true)).toBe(true);
  });
});
