/**
 * The daemons' one error class (master and worker alike): a closed set of
 * codes, `retryable`, and the `cause` it wraps. Returned to callers over the
 * transport as REMOTE errors whose message starts with the code.
 */
export const DaemonErrorCode = {
  /** A message did not match its schema in the protocol catalogue. */
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  /** Options or environment are not usable. */
  CONFIG: 'CONFIG',
  /** The daemon is starting, stopping or stopped. */
  STOPPED: 'STOPPED',
  /** Reading or writing the state database failed. */
  STORE: 'STORE',
} as const;
export type DaemonErrorCode = (typeof DaemonErrorCode)[keyof typeof DaemonErrorCode];

export class DaemonError extends Error {
  override readonly name = 'DaemonError';
  /** Whether the same request may succeed later; by default only STOPPED is. */
  readonly retryable: boolean;
  constructor(
    readonly code: DaemonErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? code === 'STOPPED';
  }
}
