import type { DeadlineQueue } from './deadline-queue.ts';
import { TransportError } from './transport-error.ts';

/** Receives the one failure of a `CallDeadline`. */
export interface DeadlineListener {
  deadlineFailed(err: TransportError): void;
}

/**
 * A call's timeout and abort signal, armed once per request on hot paths.
 *
 * Reports at most once to its listener, with `TIMEOUT` or `ABORTED`, unless
 * `disarm()` came first. Creates no closures per call (the timer gets its
 * target as an argument; the signal listener is this object), which matters
 * at hundreds of thousands of calls per second. Single-threaded.
 */
export class CallDeadline {
  private timer: NodeJS.Timeout | undefined;
  private queue: DeadlineQueue | undefined;
  private signal: AbortSignal | undefined;
  private done = false;

  constructor(
    private readonly what: string,
    private readonly timeoutMs: number,
    private readonly listener: DeadlineListener,
  ) {}

  /**
   * Arms the timeout and signal; may report synchronously if `signal` is
   * already aborted. With a `queue` of the same timeout, the queue's shared
   * timer serves this deadline instead of a timer of its own.
   */
  arm(signal: AbortSignal | undefined, queue?: DeadlineQueue): this {
    if (signal) {
      if (signal.aborted) {
        this.fire(new TransportError('ABORTED', `${this.what} aborted`, { cause: signal.reason }));
        return this;
      }
      this.signal = signal;
      signal.addEventListener('abort', this);
    }
    if (this.timeoutMs > 0) {
      if (queue && queue.timeoutMs === this.timeoutMs) {
        this.queue = queue;
        queue.add(this);
      } else this.timer = setTimeout(onDeadlineTimer, this.timeoutMs, this);
    }
    return this;
  }

  get isDone(): boolean {
    return this.done;
  }

  disarm(): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.queue) this.queue.released();
    if (this.signal) this.signal.removeEventListener('abort', this);
  }

  /** The abort listener (EventListener object form). */
  handleEvent(): void {
    this.fire(new TransportError('ABORTED', `${this.what} aborted`, { cause: this.signal?.reason }));
  }

  timedOut(): void {
    this.fire(new TransportError('TIMEOUT', `${this.what} timed out after ${this.timeoutMs} ms`));
  }

  private fire(err: TransportError): void {
    if (this.done) return;
    this.disarm();
    this.listener.deadlineFailed(err);
  }
}

function onDeadlineTimer(d: CallDeadline): void {
  d.timedOut();
}

/**
 * Closure form for code off the hot path: arms `timeoutMs` and `signal`,
 * calls `fail` at most once, returns the disarm function.
 */
export function armCallDeadline(
  what: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  fail: (err: TransportError) => void,
): () => void {
  const d = new CallDeadline(what, timeoutMs, { deadlineFailed: fail });
  d.arm(signal);
  return () => d.disarm();
}
