/**
 * The in-process listener bus. `post` never blocks and never drops: each
 * listener has its own queue drained asynchronously in order, so a slow
 * listener delays only itself. A listener that throws is logged once per
 * failure and keeps receiving events. `flush()` waits until every queue is empty.
 */
import type { FlintEvent } from './events.ts';
import { type Logger, processWarningLogger } from '../logging/logger.ts';

export type FlintListener = (event: FlintEvent) => void | Promise<void>;

interface Subscription {
  listener: FlintListener;
  queue: FlintEvent[];
  draining: boolean;
  idle: (() => void)[];
}

export class ListenerBus {
  private readonly subs: Subscription[] = [];
  private warnedBacklog = false;

  /** @param logger where a backlog or a failing listener is reported; by default as process warnings. */
  constructor(private readonly logger: Logger = processWarningLogger) {}

  /** Adds a listener; returns a function that removes it. */
  addListener(listener: FlintListener): () => void {
    const sub: Subscription = { listener, queue: [], draining: false, idle: [] };
    this.subs.push(sub);
    return () => {
      const i = this.subs.indexOf(sub);
      if (i >= 0) this.subs.splice(i, 1);
    };
  }

  post(event: FlintEvent): void {
    for (const s of this.subs) {
      s.queue.push(event);
      if (s.queue.length > 100_000 && !this.warnedBacklog) {
        this.warnedBacklog = true;
        this.logger.warn(`a listener is ${s.queue.length} events behind; events are kept, not dropped`);
      }
      if (!s.draining) this.drain(s);
    }
  }

  private drain(s: Subscription): void {
    s.draining = true;
    setImmediate(async () => {
      while (s.queue.length > 0) {
        const batch = s.queue.splice(0, s.queue.length);
        for (const e of batch) {
          try {
            const r = s.listener(e);
            if (r && typeof (r as Promise<void>).then === 'function') await r;
          } catch (err) {
            this.logger.warn(`listener failed on ${e.type}: ${(err as Error).message}`);
          }
        }
      }
      s.draining = false;
      const waiters = s.idle.splice(0);
      for (const w of waiters) w();
    });
  }

  /** Resolves when every listener has handled every event posted so far. */
  async flush(): Promise<void> {
    await Promise.all(
      this.subs.map((s) =>
        s.draining || s.queue.length > 0 ? new Promise<void>((res) => s.idle.push(res)) : Promise.resolve(),
      ),
    );
  }
}
