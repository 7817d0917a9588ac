/** Why a daemon's state store refused a call; a closed set. */
export type StoreErrorCode = 'MISSING_REFERENCE' | 'CLOSED' | 'MIGRATION' | 'IO';

/** A daemon's state store (master or worker) refused a write or could not be read; `cause` keeps the original. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
