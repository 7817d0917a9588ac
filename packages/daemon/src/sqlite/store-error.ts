/** Why a daemon's state store refused a call; a closed set. */
export type StoreErrorCode = 'MISSING_REFERENCE' | 'CLOSED' | 'MIGRATION' | 'IO';

/**
 * A store refused a write or could not be read: `code` says which condition
 * (from the store's closed set), `cause` keeps the original. The daemons'
 * state stores (master, worker) throw it with `StoreErrorCode`; a store with
 * its own set of conditions subclasses it with its code type and name (the
 * event store's `EventStoreError`), so every store error has one shape.
 */
export class StoreError<Code extends string = StoreErrorCode> extends Error {
  override readonly name: string = 'StoreError';
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
