import { describe, expect, it } from 'vitest';
import { CallDeadline } from './call-deadline.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import type { TransportError } from './transport-error.ts';

function deadline(q: DeadlineQueue, timeoutMs: number, log: string[], name: string): CallDeadline {
  return new CallDeadline(name, timeoutMs, { deadlineFailed: (e: TransportError) => log.push(`${name}:${e.code}`) }).arm(undefined, q);
}

describe('DeadlineQueue', () => {
  it('times out pending calls in order with one timer, skipping settled ones', async () => {
    const q = new DeadlineQueue(60);
    const log: string[] = [];
    const started = performance.now();
    const a = deadline(q, 60, log, 'a');
    deadline(q, 60, log, 'b');
    await new Promise((r) => setTimeout(r, 20));
    deadline(q, 60, log, 'c');
    a.disarm();
    await new Promise((r) => setTimeout(r, 50));
    expect(log).toEqual(['b:TIMEOUT']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(59);
    await new Promise((r) => setTimeout(r, 40));
    expect(log).toEqual(['b:TIMEOUT', 'c:TIMEOUT']);
  });

  it('holds no timer once nothing is pending, and serves other timeouts with their own timer', async () => {
    const q = new DeadlineQueue(10_000);
    const log: string[] = [];
    const ds = Array.from({ length: 5000 }, (_, i) => deadline(q, 10_000, log, `d${i}`));
    for (const d of ds) d.disarm();
    expect((q as unknown as { timer: unknown }).timer).toBeUndefined();
    deadline(q, 30, log, 'own');
    expect((q as unknown as { timer: unknown }).timer).toBeUndefined();
    await new Promise((r) => setTimeout(r, 60));
    expect(log).toEqual(['own:TIMEOUT']);
  });

  it('compacts when most slots belong to settled calls', () => {
    const q = new DeadlineQueue(10_000);
    const keep = deadline(q, 10_000, [], 'keep');
    for (let i = 0; i < 10_000; i++) deadline(q, 10_000, [], `x${i}`).disarm();
    expect((q as unknown as { entries: unknown[] }).entries.length).toBeLessThan(3000);
    keep.disarm();
    expect((q as unknown as { timer: unknown }).timer).toBeUndefined();
  });
});
