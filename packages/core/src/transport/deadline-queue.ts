import type { CallDeadline } from './call-deadline.ts';

/**
 * Deadlines of calls that share one timeout, served by one timer.
 *
 * With a common timeout, deadlines fall due in the order they were armed,
 * so a FIFO and a single timer for its head replace a timer per call (a
 * timer costs a clock read, a list insert and an object per call). Settled
 * calls leave their slot behind; slots are dropped as the head passes them
 * or, when most slots are dead, by compaction. The timer is cleared whenever
 * no call is pending, so an idle queue never keeps the process alive.
 * Owned by one connection; single-threaded.
 */
export class DeadlineQueue {
  private entries: Array<CallDeadline | undefined> = [];
  private due: number[] = [];
  private head = 0;
  private live = 0;
  private expiring = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onTimer = () => this.expire();

  constructor(readonly timeoutMs: number) {}

  add(d: CallDeadline): void {
    this.entries.push(d);
    this.due.push(performance.now() + this.timeoutMs);
    this.live++;
    this.timer ??= setTimeout(this.onTimer, this.timeoutMs);
  }

  /** A queued deadline was disarmed (its call settled). */
  released(): void {
    if (this.live > 0) this.live--;
    if (this.expiring) return;
    if (this.live === 0) this.reset();
    else if (this.entries.length - this.head > 2 * this.live + 1024) this.compact();
  }

  /** Stops the timer and forgets every slot (the owner is closing). */
  close(): void {
    this.reset();
    this.live = 0;
  }

  private reset(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.entries = [];
    this.due = [];
    this.head = 0;
  }

  private compact(): void {
    const entries: Array<CallDeadline | undefined> = [];
    const due: number[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const d = this.entries[i];
      if (d && !d.isDone) {
        entries.push(d);
        due.push(this.due[i]);
      }
    }
    this.entries = entries;
    this.due = due;
    this.head = 0;
  }

  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    this.expiring = true;
    try {
      while (this.head < this.entries.length) {
        const d = this.entries[this.head];
        if (d && !d.isDone && this.due[this.head] > now) break;
        this.entries[this.head] = undefined;
        this.head++;
        if (d && !d.isDone) d.timedOut();
      }
    } finally {
      this.expiring = false;
    }
    if (this.live === 0 || this.head >= this.entries.length) {
      this.reset();
      return;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) this.compact();
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(this.due[this.head] - now)));
  }
}
