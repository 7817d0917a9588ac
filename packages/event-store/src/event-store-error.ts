/** Why an event-store call failed; a closed set. */
export type EventStoreErrorCode = 'IO' | 'MIGRATION' | 'CLOSED' | 'INVALID_INPUT' | 'INVALID_EVENT';

/** The one error class of the event store; `code` says which condition, `cause` keeps the original. */
export class EventStoreError extends Error {
  override readonly name = 'EventStoreError';
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
