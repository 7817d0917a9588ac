import { describe, expect, it } from 'vitest';
import { DaemonError } from './daemon-error.ts';

describe('DaemonError', () => {
  it('STOPPED errors are retryable unless told otherwise, and keep their cause', () => {
    const cause = new Error('socket closed');
    const e = new DaemonError('STOPPED', 'stopping', { cause });
    expect([e.retryable, e.cause, e.message]).toEqual([true, cause, 'STOPPED: stopping']);
    expect(new DaemonError('STOPPED', 'x', { retryable: false }).retryable).toBe(false);
  });
});
