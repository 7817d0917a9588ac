import { StoreError } from '@flint/daemon/sqlite';

/** Why an event-store call failed; a closed set. */
export type EventStoreErrorCode = 'IO' | 'MIGRATION' | 'CLOSED' | 'INVALID_INPUT' | 'INVALID_EVENT';

/** The one error class of the event store: a `StoreError` with the event store's codes; `cause` keeps the original. */
export class EventStoreError extends StoreError<EventStoreErrorCode> {
  override readonly name = 'EventStoreError';
}
