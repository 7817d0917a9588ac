/**
 * A single-consumer event loop: anyone may post, one handler processes events
 * in order, one at a time, on the driver's thread (events posted while handling
 * are queued, never re-entered).
 */
export class EventLoop<E> {
  private readonly queue: E[] = [];
  private scheduled = false;
  private stopped = false;

  constructor(private readonly name: string, private readonly handle: (e: E) => void, private readonly onError: (e: unknown, ev: E) => void) {}

  post(e: E): void {
    if (this.stopped) return;
    this.queue.push(e);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const e = this.queue.shift()!;
      try {
        this.handle(e);
      } catch (err) {
        this.onError(err, e);
      }
    }
    this.scheduled = false;
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  toString(): string {
    return `EventLoop(${this.name})`;
  }
}
