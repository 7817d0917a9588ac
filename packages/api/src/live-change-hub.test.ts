import { describe, expect, it } from 'vitest';
import { LIVE_BATCH, LIVE_POLL_MS, LiveChangeHub } from './live-change-hub.ts';
import type { ChangeRecord } from './queries.ts';
import { APP, buildFixture } from './test-fixture.ts';

/** Reads of the fixture's real in-memory queries, counted (the hub's point is to make fewer). */
function counted() {
  const { q } = buildFixture({ tasksPerStage: 30 });
  const calls = { changesSince: 0 };
  const queries = {
    changesSince: (a: { appId?: string; cursor: number; limit: number }) => {
      calls.changesSince++;
      return q.changesSince(a);
    },
    latestCursor: () => q.latestCursor(),
  };
  return { q, calls, queries };
}

/** Collects changes from the hub after `from` until `until` returns true. */
async function follow(hub: LiveChangeHub, from: number, appId: string | undefined, until: (seen: ChangeRecord[]) => boolean): Promise<ChangeRecord[]> {
  const seen: ChangeRecord[] = [];
  let cursor = from;
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), 20_000);
  while (!until(seen) && !ac.signal.aborted) {
    const got = await hub.next(cursor, appId, ac.signal);
    if (got.length > 0) cursor = got[got.length - 1]!.cursor;
    seen.push(...got);
  }
  clearTimeout(t);
  return seen;
}

describe('LiveChangeHub', () => {
  it('gives five followers at the head exactly what changesSince gives each, reading the store once per poll for all', async () => {
    const { q, calls, queries } = counted();
    const hub = new LiveChangeHub(queries);
    const start = await q.latestCursor();
    const target = start + 12;
    const t0 = Date.now();
    const followers = [
      ...Array.from({ length: 4 }, () => follow(hub, start, undefined, (s) => (s.at(-1)?.cursor ?? 0) >= target)),
      follow(hub, start, APP, (s) => (s.at(-1)?.cursor ?? 0) >= target),
    ];
    for (let i = 1; i <= 12; i++) {
      await new Promise((r) => setTimeout(r, 30));
      q.setDroppedEvents(APP, i);
    }
    const got = await Promise.all(followers);
    const want = await q.changesSince({ cursor: start, limit: 10_000 });
    expect(want.length).toBe(12);
    for (const g of got.slice(0, 4)) expect(g).toEqual(want);
    expect(got[4]).toEqual(want.filter((c) => c.appId === APP));
    // One read per poll (and one more when a poll fills a batch): five subscriptions polling
    // alone would have made five reads per poll.
    const polls = Math.ceil((Date.now() - t0) / LIVE_POLL_MS);
    expect(calls.changesSince).toBeLessThanOrEqual(polls + 1);
  });

  it('lets a follower behind what it keeps catch up from the store, in order, with no gap and no repeat', async () => {
    const { q, queries } = counted();
    const hub = new LiveChangeHub(queries);
    const all = await q.changesSince({ cursor: 0, limit: 10_000 });
    expect(all.length).toBeGreaterThan(1);
    // The hub starts at the head; a follower from 0 (a resumed page) reads the store first.
    const head = await q.latestCursor();
    const late = follow(hub, 0, undefined, (s) => (s.at(-1)?.cursor ?? 0) >= head + 2);
    const atHead = follow(hub, head, APP, (s) => s.length >= 2);
    setTimeout(() => q.setDroppedEvents(APP, 7), 20);
    setTimeout(() => q.setDroppedEvents(APP, 8), 60);
    const [g1, g2] = await Promise.all([late, atHead]);
    const want = await q.changesSince({ cursor: 0, limit: 10_000 });
    expect(g1).toEqual(want);
    expect(g2).toEqual(want.slice(all.length).filter((c) => c.appId === APP));
    expect(LIVE_BATCH).toBe(1000);
  });

  it('returns nothing once the signal aborts', async () => {
    const { queries } = counted();
    const hub = new LiveChangeHub(queries);
    const ac = new AbortController();
    const p = hub.next(await queries.latestCursor(), undefined, ac.signal);
    setTimeout(() => ac.abort(), 20);
    expect(await p).toEqual([]);
  });
});
