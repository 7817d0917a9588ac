/**
 * runMeasured's warm-up and time-budget rules, read back from the messages it prints.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { RESULT_MARKER, runMeasured, type ChildMessage } from './child-protocol.ts';

function capture(): { messages: ChildMessage[]; restore: () => void } {
  const messages: ChildMessage[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string, cb?: () => void) => {
    for (const line of String(chunk).split('\n')) if (line.startsWith(RESULT_MARKER)) messages.push(JSON.parse(line.slice(RESULT_MARKER.length)) as ChildMessage);
    cb?.();
    return true;
  }) as typeof process.stdout.write);
  return { messages, restore: () => spy.mockRestore() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runMeasured', () => {
  let restore = () => {};
  afterEach(() => restore());

  test('makes the warm-ups first, flagged, then the measured runs', async () => {
    const c = capture();
    restore = c.restore;
    let calls = 0;
    await runMeasured(3, async () => ++calls, Number.POSITIVE_INFINITY, 1);
    c.restore();
    const runs = c.messages.filter((m): m is Extract<ChildMessage, { type: 'run' }> => m.type === 'run');
    expect(calls).toBe(4);
    expect(runs.map((r) => [r.run, r.warmup === true, r.answer])).toEqual([
      [0, true, 1],
      [0, false, 2],
      [1, false, 3],
      [2, false, 4],
    ]);
  });

  test('a warm-up longer than half the budget counts as the first run, and the budget stops the rest', async () => {
    const c = capture();
    restore = c.restore;
    let calls = 0;
    await runMeasured(3, async () => {
      calls++;
      await sleep(150);
      return calls;
    }, 250, 1);
    c.restore();
    const runs = c.messages.filter((m): m is Extract<ChildMessage, { type: 'run' }> => m.type === 'run');
    expect(calls).toBe(1);
    expect(runs.map((r) => [r.run, r.warmup === true])).toEqual([[0, false]]);
  });
});
