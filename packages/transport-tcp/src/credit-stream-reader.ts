import { TransportError } from '@flint/core/transport';

/** How a reader talks back to its connection. */
export interface CreditLink {
  grant(id: number, bytes: number): void;
  cancel(id: number): void;
  violation(err: TransportError): void;
}

/**
 * The reading end of one block stream on a multiplexed TCP connection.
 *
 * Holds the chunks that arrived but were not yet pulled. The sender may have
 * at most `window` bytes outstanding; the reader returns credit as the
 * consumer pulls (every half window), so buffered bytes stay below about one
 * window plus one chunk no matter how large the block is, and a reader that
 * stops pulling stalls only its own stream. Breaking out of the loop cancels
 * the stream on the server. A stream ends only on the server's explicit end;
 * a lost connection is an error. One consumer at a time; single-threaded.
 */
export class CreditStreamReader implements AsyncIterableIterator<Uint8Array> {
  private readonly queue: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private consumed = 0;
  private ended = false;
  private finished = false;
  private error: TransportError | undefined;
  private waiter: { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: unknown) => void } | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    readonly id: number,
    private readonly kind: string,
    private readonly window: number,
    private readonly maxChunk: number,
    private readonly idleTimeoutMs: number,
    private readonly signal: AbortSignal | undefined,
    private readonly link: CreditLink,
  ) {
    if (signal) {
      this.onAbort = () => this.abandon(new TransportError('ABORTED', `stream ${kind} aborted`, { cause: signal.reason }));
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** A chunk from the wire. */
  push(chunk: Buffer): void {
    if (this.finished || this.ended) return;
    this.buffered += chunk.length;
    if (this.buffered > this.window + 2 * this.maxChunk) {
      this.link.violation(new TransportError('PROTOCOL', `the server overran stream ${this.id}'s flow-control window`));
      return;
    }
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      this.clearIdle();
      this.taken(chunk.length);
      w.resolve({ value: chunk, done: false });
    } else {
      this.queue.push(chunk);
    }
  }

  end(): void {
    if (this.finished) return;
    this.ended = true;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      this.finish();
      w.resolve({ value: undefined, done: true });
    }
  }

  fail(err: TransportError): void {
    if (this.finished || this.ended || this.error) return;
    this.error = err;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      this.finish();
      w.reject(err);
    }
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.head < this.queue.length) {
      const chunk = this.queue[this.head];
      this.queue[this.head++] = undefined as unknown as Buffer;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.taken(chunk.length);
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.error) {
      const err = this.error;
      this.finish();
      return Promise.reject(err);
    }
    if (this.ended || this.finished) {
      this.finish();
      return Promise.resolve({ value: undefined, done: true });
    }
    if (this.waiter) return Promise.reject(new Error('a block stream has one consumer: await each next() before the next'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      if (this.idleTimeoutMs > 0) {
        this.idleTimer = setTimeout(() => {
          this.abandon(new TransportError('TIMEOUT', `stream ${this.kind} sent nothing for ${this.idleTimeoutMs} ms`));
        }, this.idleTimeoutMs);
      }
    });
  }

  /** The consumer stopped early: cancel on the server. */
  return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.finished && !this.ended && !this.error) this.link.cancel(this.id);
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<Uint8Array>> {
    void this.return();
    return Promise.reject(err);
  }

  /** Given up locally (abort, idle timeout): fail now, without handing out what is still buffered. */
  private abandon(err: TransportError): void {
    if (this.finished || this.ended || this.error) return;
    this.link.cancel(this.id);
    this.queue.length = 0;
    this.head = 0;
    this.fail(err);
  }

  private taken(bytes: number): void {
    this.buffered -= bytes;
    this.consumed += bytes;
    if (this.consumed * 2 >= this.window && !this.ended && !this.error && !this.finished) {
      this.link.grant(this.id, this.consumed);
      this.consumed = 0;
    }
  }

  private clearIdle(): void {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.clearIdle();
    this.queue.length = 0;
    this.head = 0;
    if (this.onAbort) this.signal!.removeEventListener('abort', this.onAbort);
  }
}
