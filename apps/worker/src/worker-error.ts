/**
 * The worker's one error class: a closed set of codes, `retryable`, and the
 * `cause` it wraps. Sent back to the master as a REMOTE error whose message
 * starts with the code.
 */
export const WorkerErrorCode = {
  /** A message did not match its schema in the protocol catalogue. */
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  /** Options or environment are not usable. */
  CONFIG: 'CONFIG',
  /** The worker is stopping or stopped. */
  STOPPED: 'STOPPED',
} as const;
export type WorkerErrorCode = (typeof WorkerErrorCode)[keyof typeof WorkerErrorCode];

export class WorkerError extends Error {
  override readonly name = 'WorkerError';
  readonly retryable: boolean;
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}
