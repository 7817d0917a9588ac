import type { Socket } from 'node:net';
import { TransportError } from '@flint/core/transport';

interface Waiter {
  resolve(s: Socket): void;
  reject(e: unknown): void;
}

/**
 * Keep-alive sockets to one peer, each authenticated once when opened.
 *
 * `acquire` hands out an idle socket (most recently used first), opens a new
 * one while fewer than `max` exist (counting ones still handshaking, so a
 * burst of calls does not open a socket each), or queues the caller.
 * `release` returns a socket after its response completed; a socket that
 * closes is forgotten and a queued caller gets a fresh one. Idle sockets
 * close after `idleMs`. Owns the sockets; single-threaded.
 */
export class AuthenticatedSocketPool {
  private readonly idle: Socket[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly all = new Set<Socket>();
  private opening = 0;
  private closedWith: TransportError | undefined;

  constructor(
    private readonly open: () => Promise<Socket>,
    private readonly max: number,
    private readonly idleMs: number,
  ) {}

  acquire(): Promise<Socket> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    while (this.idle.length > 0) {
      const s = this.idle.pop()!;
      if (!s.destroyed) {
        s.setTimeout(0);
        return Promise.resolve(s);
      }
    }
    if (this.all.size + this.opening < this.max) return this.openOne();
    return new Promise<Socket>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Whether `acquire` would be served without queueing (an idle socket, or room to open one). */
  hasRoom(): boolean {
    for (let i = this.idle.length - 1; i >= 0; i--) if (!this.idle[i].destroyed) return true;
    return this.all.size + this.opening < this.max;
  }

  release(s: Socket): void {
    if (s.destroyed || !this.all.has(s)) return;
    if (this.closedWith) {
      s.destroy();
      return;
    }
    const w = this.waiters.shift();
    if (w) return w.resolve(s);
    s.setTimeout(this.idleMs);
    this.idle.push(s);
  }

  /** Destroys every socket and fails queued callers; later acquires fail with `reason`. */
  destroy(reason: TransportError): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    for (const w of this.waiters.splice(0)) w.reject(reason);
    for (const s of this.all) s.destroy();
    this.idle.length = 0;
  }

  private openOne(): Promise<Socket> {
    this.opening++;
    return this.open().then(
      (s) => {
        this.opening--;
        if (this.closedWith) {
          s.destroy();
          throw this.closedWith;
        }
        this.all.add(s);
        s.on('timeout', () => {
          if (this.idle.includes(s)) s.destroy();
        });
        s.once('close', () => {
          this.all.delete(s);
          const i = this.idle.indexOf(s);
          if (i >= 0) this.idle.splice(i, 1);
          this.refill();
        });
        return s;
      },
      (err: unknown) => {
        this.opening--;
        // The peer may be gone: let one queued caller learn it too rather than wait forever.
        const w = this.waiters.shift();
        if (w) w.reject(err);
        throw err;
      },
    );
  }

  private refill(): void {
    if (this.closedWith || this.waiters.length === 0 || this.all.size + this.opening >= this.max) return;
    const w = this.waiters.shift()!;
    this.openOne().then(w.resolve, w.reject);
  }
}
