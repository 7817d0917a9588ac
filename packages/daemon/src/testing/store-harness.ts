import { afterEach } from 'vitest';

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
