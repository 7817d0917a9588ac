import type { BlockSource } from './interface.ts';

/**
 * An async iterator over a stream handler's source, whatever its form, with
 * chunks no larger than `maxChunk` (larger ones are cut into views, no copy).
 * Calling `return()` reaches the source's own `return()` so producers can stop.
 */
export function blockChunks(source: BlockSource, maxChunk: number): AsyncIterator<Uint8Array> & { return(): Promise<IteratorResult<Uint8Array>> } {
  const inner: AsyncIterator<unknown> | Iterator<unknown> =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (source as Iterable<unknown>)[Symbol.iterator]();
  let pending: Uint8Array | undefined;
  let offset = 0;
  let finished = false;
  return {
    async next(): Promise<IteratorResult<Uint8Array>> {
      for (;;) {
        if (pending) {
          const end = Math.min(pending.byteLength, offset + maxChunk);
          const piece = offset === 0 && end === pending.byteLength ? pending : pending.subarray(offset, end);
          offset = end;
          if (offset >= pending.byteLength) pending = undefined;
          return { value: piece, done: false };
        }
        if (finished) return { value: undefined, done: true };
        const r = await inner.next();
        if (r.done) {
          finished = true;
          return { value: undefined, done: true };
        }
        const v = r.value;
        if (typeof v === 'string') pending = Buffer.from(v, 'utf8');
        else if (v instanceof Uint8Array) pending = v;
        else throw new TypeError('a block source must yield Uint8Array (or string) chunks');
        offset = 0;
        if (pending.byteLength === 0) pending = undefined;
      }
    },
    async return(): Promise<IteratorResult<Uint8Array>> {
      pending = undefined;
      if (!finished) {
        finished = true;
        await inner.return?.();
      }
      return { value: undefined, done: true };
    },
  };
}
