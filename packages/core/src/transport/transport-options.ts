import { readCoreEnv } from '../env.ts';
import { TransportError } from './transport-error.ts';
import { stderrTransportLogger, type TransportLogger } from './transport-logger.ts';

/**
 * Options every transport understands. Implementations may extend this
 * interface with their own fields; the shared ones are compiled once by
 * `compileTransportOptions` and read from the compiled object afterwards.
 */
export interface TransportOptions {
  /**
   * Cluster secret (`FLINT_SECRET` / `flint.authenticate.secret`). When set,
   * every connection proves knowledge of it before anything else is handled.
   * When unset, servers may only listen on loopback addresses.
   * @default undefined
   */
  secret?: string;
  /**
   * Largest single frame (TCP) or request/response body (HTTP) accepted or
   * sent. Block streams are chunked and not limited by it.
   * @default 268_435_456 (256 MiB)
   */
  maxFrameBytes?: number;
  /**
   * Default per-request timeout; `0` disables it. Per-call `timeoutMs` wins.
   * @default 120_000
   */
  requestTimeoutMs?: number;
  /**
   * Time allowed to open a connection and finish the authentication handshake.
   * @default 10_000
   */
  connectTimeoutMs?: number;
  /**
   * Time a server waits for a new connection to authenticate before dropping it.
   * @default 10_000
   */
  handshakeTimeoutMs?: number;
  /**
   * How often an idle client probes its peer.
   * @default 5_000
   */
  keepAliveIntervalMs?: number;
  /**
   * Silence after which a peer is declared lost (`PEER_LOST`).
   * @default 30_000
   */
  peerTimeoutMs?: number;
  /**
   * Largest chunk a block stream sends at once.
   * @default 65_536
   */
  streamChunkBytes?: number;
  /**
   * Bytes a stream reader lets the sender have in flight (per stream). Bounds
   * the reader's buffered memory per stream to about this plus one chunk.
   * @default 1_048_576
   */
  streamWindowBytes?: number;
  /**
   * Where refusals, bad input and lost peers are reported.
   * @default a logger writing one line per event to stderr
   */
  logger?: TransportLogger;
}

/** The options after defaults and validation; read-only. */
export type CompiledTransportOptions = Readonly<Required<Omit<TransportOptions, 'secret'>>> & {
  readonly secret: string | undefined;
};

export const TRANSPORT_DEFAULTS = {
  maxFrameBytes: 256 * 1024 * 1024,
  requestTimeoutMs: 120_000,
  connectTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  keepAliveIntervalMs: 5_000,
  peerTimeoutMs: 30_000,
  streamChunkBytes: 64 * 1024,
  streamWindowBytes: 1024 * 1024,
} as const;

function positiveInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TransportError('CONFIG', `transport option ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function compileTransportOptions(options: TransportOptions = {}): CompiledTransportOptions {
  const d = TRANSPORT_DEFAULTS;
  const secret = options.secret === undefined || options.secret === '' ? undefined : options.secret;
  const maxFrameBytes = positiveInt('maxFrameBytes', options.maxFrameBytes ?? d.maxFrameBytes, 1024, 0xffff_fff0);
  const streamChunkBytes = positiveInt('streamChunkBytes', options.streamChunkBytes ?? d.streamChunkBytes, 256, 16 * 1024 * 1024);
  const streamWindowBytes = positiveInt('streamWindowBytes', options.streamWindowBytes ?? d.streamWindowBytes, 2 * streamChunkBytes, 0x7fff_ffff);
  const keepAliveIntervalMs = positiveInt('keepAliveIntervalMs', options.keepAliveIntervalMs ?? d.keepAliveIntervalMs, 10, 3_600_000);
  const peerTimeoutMs = positiveInt('peerTimeoutMs', options.peerTimeoutMs ?? d.peerTimeoutMs, keepAliveIntervalMs, 86_400_000);
  return Object.freeze({
    secret,
    maxFrameBytes,
    requestTimeoutMs: positiveInt('requestTimeoutMs', options.requestTimeoutMs ?? d.requestTimeoutMs, 0, 2_147_483_647),
    connectTimeoutMs: positiveInt('connectTimeoutMs', options.connectTimeoutMs ?? d.connectTimeoutMs, 1, 2_147_483_647),
    handshakeTimeoutMs: positiveInt('handshakeTimeoutMs', options.handshakeTimeoutMs ?? d.handshakeTimeoutMs, 1, 2_147_483_647),
    keepAliveIntervalMs,
    peerTimeoutMs,
    streamChunkBytes,
    streamWindowBytes,
    logger: options.logger ?? stderrTransportLogger,
  });
}

/**
 * The cluster secret from configuration: an explicit value wins, then
 * `flint.authenticate.secret` in conf, then the `FLINT_SECRET` environment
 * variable. Empty strings count as unset.
 */
export function resolveClusterSecret(
  conf: Readonly<Record<string, unknown>> = {},
  env: Readonly<Record<string, string | undefined>> = readCoreEnv(),
): string | undefined {
  const fromConf = conf['flint.authenticate.secret'];
  if (typeof fromConf === 'string' && fromConf !== '') return fromConf;
  const fromEnv = env.FLINT_SECRET;
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}
