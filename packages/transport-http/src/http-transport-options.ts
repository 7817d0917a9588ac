import { TransportError, compileTransportOptions, type CompiledTransportOptions, type TransportOptions } from '@flint/core/transport';

/** Options of the HTTP transport: the shared ones plus its socket pool. */
export interface HttpTransportOptions extends TransportOptions {
  /**
   * Keep-alive sockets a client opens to one peer at most; calls beyond that
   * wait for a free socket. A block stream holds its socket until it ends.
   * @default 16
   */
  maxSocketsPerPeer?: number;
  /**
   * A client closes a keep-alive socket idle this long (kept below the
   * server's keep-alive timeout so the client, not the server, closes it).
   * @default 30_000
   */
  idleSocketMs?: number;
}

export type CompiledHttpTransportOptions = CompiledTransportOptions & {
  readonly maxSocketsPerPeer: number;
  readonly idleSocketMs: number;
  /** What servers use as their keep-alive timeout. */
  readonly serverKeepAliveMs: number;
};

export function compileHttpTransportOptions(options: HttpTransportOptions = {}): CompiledHttpTransportOptions {
  const base = compileTransportOptions(options);
  const maxSocketsPerPeer = options.maxSocketsPerPeer ?? 16;
  const idleSocketMs = options.idleSocketMs ?? 30_000;
  if (!Number.isInteger(maxSocketsPerPeer) || maxSocketsPerPeer < 1 || maxSocketsPerPeer > 1024) {
    throw new TransportError('CONFIG', `maxSocketsPerPeer must be an integer in [1, 1024], got ${maxSocketsPerPeer}`);
  }
  if (!Number.isInteger(idleSocketMs) || idleSocketMs < 100) {
    throw new TransportError('CONFIG', `idleSocketMs must be an integer of at least 100, got ${idleSocketMs}`);
  }
  return Object.freeze({ ...base, maxSocketsPerPeer, idleSocketMs, serverKeepAliveMs: idleSocketMs * 2 + 5_000 });
}
