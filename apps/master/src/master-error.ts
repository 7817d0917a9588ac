/**
 * The master's one error class: a closed set of codes, `retryable`, and the
 * `cause` it wraps. Returned to callers over the transport as REMOTE errors
 * whose message starts with the code.
 */
export const MasterErrorCode = {
  /** A message did not match its schema in the protocol catalogue. */
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  /** Options or environment are not usable. */
  CONFIG: 'CONFIG',
  /** The master is stopping or stopped. */
  STOPPED: 'STOPPED',
  /** Reading or writing the state database failed. */
  STORE: 'STORE',
} as const;
export type MasterErrorCode = (typeof MasterErrorCode)[keyof typeof MasterErrorCode];

export class MasterError extends Error {
  override readonly name = 'MasterError';
  readonly retryable: boolean;
  constructor(
    readonly code: MasterErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? code === 'STOPPED';
  }
}
