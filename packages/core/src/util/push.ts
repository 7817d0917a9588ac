/**
 * Push iteration: an iterable that can also feed its records straight into a
 * sink. Consumers that only need every record (shuffle writes, counts,
 * aggregations) use `pushAll`, which skips per-record iterator and generator
 * overhead through a fused chain; pull iteration still works everywhere.
 */
import { checkKilled } from './task-kill.ts';

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

/**
 * A source that produces its records in arrays (a decoded frame, the lines of one read step).
 * Pull iteration goes through a BatchIterator, whose small `next` V8 inlines into the
 * consumer's loop, instead of a generator resumed once per record; push and batch consumers
 * skip per-record iteration altogether.
 */
export interface Batched<T = unknown> extends PushIterable<T> {
  batches(): Iterator<T[]>;
}

export function isBatched<T>(it: Iterable<T>): it is Batched<T> {
  return typeof (it as Partial<Batched<T>>).batches === 'function';
}

/** Wraps a function that starts a batch generator as a Batched iterable (pull, push or by batch). */
export function batched<T>(batches: () => Iterator<T[]>): Batched<T> {
  return {
    [Symbol.iterator]: () => new BatchIterator(batches()),
    pushTo(sink: (x: T) => void) {
      for (const b of { [Symbol.iterator]: batches }) for (let i = 0; i < b.length; i++) sink(b[i]!);
    },
    batches,
  };
}

/** The batches of any iterable: its own when it has them, else its records in arrays of `size`. */
export function* batchesOf<T>(it: Iterable<T>, size = 512): Generator<T[]> {
  if (isBatched(it)) {
    yield* { [Symbol.iterator]: () => it.batches() };
    return;
  }
  if (Array.isArray(it)) {
    yield it as T[];
    return;
  }
  let b: T[] = [];
  for (const x of it) {
    b.push(x);
    if (b.length >= size) {
      yield b;
      b = [];
    }
  }
  if (b.length > 0) yield b;
}

/** Record-by-record iteration over a batch iterator. `return` closes the source (its finally blocks run). */
export class BatchIterator<T> implements IterableIterator<T> {
  private buf: T[] = [];
  private i = 0;
  constructor(private readonly src: Iterator<T[]>) {}

  next(): IteratorResult<T> {
    if (this.i < this.buf.length) return { value: this.buf[this.i++]!, done: false };
    return this.refill();
  }

  private refill(): IteratorResult<T> {
    for (;;) {
      const r = this.src.next();
      if (r.done) {
        this.buf = [];
        this.i = 0;
        return { value: undefined, done: true };
      }
      const b = r.value;
      if (b.length > 0) {
        this.buf = b;
        this.i = 1;
        return { value: b[0]!, done: false };
      }
    }
  }

  return(value?: unknown): IteratorResult<T> {
    this.buf = [];
    this.src.return?.();
    return { value: value as T, done: true };
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this;
  }
}

/** The batches `batches` makes, with their record count given to `add` once they have been handed out (or iteration stops). */
export function countedBatches<T>(batches: () => Iterable<T[]>, add: (n: number) => void): Batched<T> {
  return batched(function* () {
    let n = 0;
    try {
      for (const b of batches()) {
        checkKilled();
        n += b.length;
        yield b;
      }
    } finally {
      add(n);
    }
  });
}

/** An iterator over `it` that is also iterable: the source's own when it is (array and generator iterators are), else a wrapper. */
export function iterableIterator<T>(it: Iterable<T>): IterableIterator<T> {
  const i = it[Symbol.iterator]() as Partial<IterableIterator<T>> & Iterator<T>;
  if (typeof i[Symbol.iterator] === 'function') return i as IterableIterator<T>;
  return { next: () => i.next(), [Symbol.iterator]() { return this; } } as IterableIterator<T>;
}
