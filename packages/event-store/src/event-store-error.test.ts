import { StoreError } from '@flint/daemon/sqlite';
import { describe, expect, it } from 'vitest';
import { EventStoreError } from './event-store-error.ts';

describe('EventStoreError', () => {
  it("is a StoreError with the event store's code and name, keeping its cause", () => {
    const cause = new Error('disk full');
    const e = new EventStoreError('IO', 'cannot write', { cause });
    expect(e).toBeInstanceOf(StoreError);
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.message, e.cause]).toEqual(['EventStoreError', 'IO', 'cannot write', cause]);
    const d = new StoreError('CLOSED', 'closed');
    expect([d.name, d.code, d instanceof EventStoreError]).toEqual(['StoreError', 'CLOSED', false]);
  });
});
