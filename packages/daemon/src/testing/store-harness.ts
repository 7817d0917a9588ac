import { afterEach, expect, it } from 'vitest';

/**
 * For a store contract suite: a `make()` that creates a store through
 * `create` (or the creator it is given, e.g. a reopen) and closes every store
 * it made after each test, so a failing test leaves no open file behind.
 * Call inside `describe`.
 */
export function storesClosedAfterEach<S extends { close(): Promise<void> }>(create: () => Promise<S>): (creator?: () => Promise<S>) => Promise<S> {
  const open: S[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (creator = create) => {
    const s = await creator();
    open.push(s);
    return s;
  };
}

/**
 * The durability test of a store contract: what `fill` saves, `load()`
 * returns unchanged from a new instance opened by `reopen` on the same data
 * (after a restart). Defines no test for a store that is not durable (no
 * `reopen`). Call inside `describe`, with the `make` of `storesClosedAfterEach`.
 */
export function keepsEverythingAcrossReopen<S extends { close(): Promise<void>; load(): Promise<unknown> }>(
  make: (creator?: () => Promise<S>) => Promise<S>,
  reopen: ((store: S) => Promise<S>) | undefined,
  fill: (store: S) => Promise<void>,
): void {
  if (!reopen) return;
  it('keeps everything across a reopen', async () => {
    const s = await make();
    await fill(s);
    const before = await s.load();
    await s.close();
    const again = await make(() => reopen(s));
    expect(await again.load()).toEqual(before);
  });
}

/**
 * The closing test of a store contract: `close()` twice is fine, and a store
 * refuses use once closed (`load()` rejects with code CLOSED). Call inside
 * `describe`; `create` makes a fresh store (closed by the test itself).
 */
export function closesIdempotently<S extends { close(): Promise<void>; load(): Promise<unknown> }>(create: () => Promise<S>): void {
  it('closes idempotently and refuses use after close', async () => {
    const s = await create();
    await s.close();
    await s.close();
    await expect(s.load()).rejects.toMatchObject({ code: 'CLOSED' });
  });
}
