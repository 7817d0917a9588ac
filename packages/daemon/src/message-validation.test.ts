import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { DaemonError } from './daemon-error.ts';
import { parseMessage } from './message-validation.ts';

const Hello = z.object({ id: z.string(), cores: z.number().int().positive() });

describe('parseMessage', () => {
  it('returns the parsed message when it fits its schema', () => {
    expect(parseMessage('hello', Hello, { id: 'w-1', cores: 2 })).toEqual({ id: 'w-1', cores: 2 });
  });

  it('throws INVALID_MESSAGE naming the kind and each bad field', () => {
    let err: unknown;
    try {
      parseMessage('hello', Hello, { id: 7, cores: -1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DaemonError);
    expect(err).toMatchObject({ code: 'INVALID_MESSAGE', retryable: false });
    expect((err as Error).message).toMatch(/^INVALID_MESSAGE: malformed hello message: id: .*; cores: /);
    expect(() => parseMessage('hello', Hello, 'nope')).toThrow(/malformed hello message: \(message\): /);
  });

  it('STOPPED errors are retryable unless told otherwise, and keep their cause', () => {
    const cause = new Error('socket closed');
    const e = new DaemonError('STOPPED', 'stopping', { cause });
    expect([e.retryable, e.cause, e.message]).toEqual([true, cause, 'STOPPED: stopping']);
    expect(new DaemonError('STOPPED', 'x', { retryable: false }).retryable).toBe(false);
  });
});
