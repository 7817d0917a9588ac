/**
 * Buffers for remote shuffle blocks, shared with the executor's task threads and reused from one
 * task to the next. A fetched block used to be a fresh ArrayBuffer moved to the thread: every
 * block's pages were faulted in anew, and the external memory made the executor's main thread run
 * full GCs (a 1 GiB repartition between two executors: ~1 s of main-thread GC per 4 runs).
 *
 * A buffer here is a view of a SharedArrayBuffer of a power-of-two size (64 KiB and up), so it
 * goes to a thread by reference. The pool hands out `take(bytes)` and takes back `give(buffer)`
 * once the task that read it has ended: a thread reads a block's records out of it (strings and
 * binary values are copied when decoded) and keeps no view of it past its task.
 */
const MIN_CLASS = 16;

export class BlockBufferPool {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  private pooledBytes = 0;

  /** `maxPooledBytes`: most bytes kept for reuse; buffers given back past it are dropped. */
  constructor(private readonly maxPooledBytes: number) {}

  /** A buffer of exactly `bytes` bytes (a view of a shared buffer of the next power-of-two size). */
  take(bytes: number): Buffer {
    const cls = sizeClass(bytes);
    const list = this.free.get(cls);
    const sab = list?.pop();
    if (sab) this.pooledBytes -= sab.byteLength;
    return Buffer.from(sab ?? new SharedArrayBuffer(2 ** cls), 0, bytes);
  }

  /** Takes back a buffer from `take`: no one may read or write it afterwards. */
  give(buf: Uint8Array): void {
    const sab = buf.buffer;
    if (!(sab instanceof SharedArrayBuffer) || this.pooledBytes + sab.byteLength > this.maxPooledBytes) return;
    const cls = Math.log2(sab.byteLength);
    let list = this.free.get(cls);
    if (!list) this.free.set(cls, (list = []));
    list.push(sab);
    this.pooledBytes += sab.byteLength;
  }

  /** Bytes kept for reuse. */
  get bytes(): number {
    return this.pooledBytes;
  }
}

function sizeClass(bytes: number): number {
  return Math.max(MIN_CLASS, Math.ceil(Math.log2(Math.max(1, bytes))));
}
