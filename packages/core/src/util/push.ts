/**
 * Push iteration: an iterable that can also feed its records straight into a
 * sink. Consumers that only need every record (shuffle writes, counts,
 * aggregations) use `pushAll`, which skips per-record iterator and generator
 * overhead through a fused chain; pull iteration still works everywhere.
 */
export interface PushIterable<T = unknown> extends Iterable<T> {
  pushTo(sink: (x: T) => void): void;
}

export function isPushIterable<T>(it: Iterable<T>): it is PushIterable<T> {
  return typeof (it as Partial<PushIterable<T>>).pushTo === 'function';
}

/** Feeds every record of `it` to `sink`, by push when the source supports it. */
export function pushAll<T>(it: Iterable<T>, sink: (x: T) => void): void {
  if (Array.isArray(it)) {
    for (let i = 0; i < it.length; i++) sink(it[i] as T);
    return;
  }
  if (isPushIterable(it)) {
    it.pushTo(sink);
    return;
  }
  for (const x of it) sink(x);
}
