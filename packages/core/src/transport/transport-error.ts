/**
 * Typed transport failures.
 *
 * `TransportError` is the one error class every transport throws or rejects
 * with. Its `code` is a closed set; `retryable` says whether the same call may
 * succeed if repeated (possibly on a fresh connection); `cause` keeps the
 * underlying error. It owns no state and is safe to share between callers.
 */

export const TransportErrorCodes = {
  /** The request or stream did not complete within its timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The caller cancelled through an AbortSignal. */
  ABORTED: 'ABORTED',
  /** The connection was closed (locally, or by the peer saying goodbye). */
  CONNECTION_CLOSED: 'CONNECTION_CLOSED',
  /** The peer stopped answering or vanished without a goodbye. */
  PEER_LOST: 'PEER_LOST',
  /** A connection could not be opened. */
  CONNECT_FAILED: 'CONNECT_FAILED',
  /** Authentication was refused, in either direction. */
  AUTH_FAILED: 'AUTH_FAILED',
  /** A frame or body exceeded the configured size limit. */
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  /** The peer sent bytes that do not follow the protocol. */
  PROTOCOL: 'PROTOCOL',
  /** The remote handler threw; `remote` carries its name, message and stack. */
  REMOTE: 'REMOTE',
  /** Options or the listen address are not acceptable. */
  CONFIG: 'CONFIG',
  /** No transport is registered or installed under that name. */
  UNKNOWN_TRANSPORT: 'UNKNOWN_TRANSPORT',
} as const;

export type TransportErrorCode = (typeof TransportErrorCodes)[keyof typeof TransportErrorCodes];

const RETRYABLE: ReadonlySet<TransportErrorCode> = new Set<TransportErrorCode>([
  'TIMEOUT',
  'CONNECTION_CLOSED',
  'PEER_LOST',
  'CONNECT_FAILED',
]);

/** What a remote handler's failure looked like on the other side. */
export interface RemoteErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** The code of the remote error if it was itself a TransportError. */
  readonly code?: string;
}

export interface TransportErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  remote?: RemoteErrorInfo;
}

export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly code: TransportErrorCode;
  readonly retryable: boolean;
  /** Set when `code === 'REMOTE'`. */
  readonly remote?: RemoteErrorInfo;

  constructor(code: TransportErrorCode, message: string, options: TransportErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    if (options.remote) this.remote = options.remote;
  }

  /** Normalises anything thrown into a TransportError with `fallback` as the code. */
  static from(err: unknown, fallback: TransportErrorCode, message?: string): TransportError {
    if (err instanceof TransportError) return err;
    const text = message ?? (err instanceof Error ? err.message : String(err));
    return new TransportError(fallback, text, { cause: err });
  }
}

export function isTransportError(err: unknown, code?: TransportErrorCode): err is TransportError {
  return err instanceof TransportError && (code === undefined || err.code === code);
}

/** Serialises a handler failure for the wire (UTF-8 JSON; transports treat it as opaque bytes). */
export function encodeRemoteError(err: unknown): Uint8Array {
  const info: RemoteErrorInfo =
    err instanceof Error
      ? {
          name: err.name,
          message: err.message,
          stack: err.stack,
          ...(err instanceof TransportError ? { code: err.code } : {}),
        }
      : { name: 'Error', message: String(err) };
  return Buffer.from(JSON.stringify(info), 'utf8');
}

/** Rebuilds the caller-side REMOTE error from bytes made by `encodeRemoteError`. */
export function decodeRemoteError(bytes: Uint8Array, context: string): TransportError {
  let info: RemoteErrorInfo;
  try {
    const parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as RemoteErrorInfo).message !== 'string') {
      throw new Error('not an error record');
    }
    const p = parsed as Record<string, unknown>;
    info = {
      name: typeof p.name === 'string' ? p.name : 'Error',
      message: p.message as string,
      ...(typeof p.stack === 'string' ? { stack: p.stack } : {}),
      ...(typeof p.code === 'string' ? { code: p.code } : {}),
    };
  } catch (cause) {
    return new TransportError('PROTOCOL', `${context}: the peer sent an unreadable error record`, { cause });
  }
  return new TransportError('REMOTE', `${context}: ${info.name}: ${info.message}`, { remote: info });
}
