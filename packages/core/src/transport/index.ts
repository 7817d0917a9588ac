/**
 * @flint/core/transport — the Transport seam and the plumbing its implementations
 * share: the interface a transport package implements (`Transport`,
 * `TransportServer`, `TransportConnection`), its closed error codes, options,
 * addresses, the challenge handshake, the listen guard, body encoding,
 * deadlines, the connection pool, and the typed message layer over it
 * (`MessageClient`, `messageHandler`). A new transport is a package that
 * imports this entry and calls `registerTransport`; applications pick one by
 * name (`transport: 'tcp'`) and never import it.
 */
export type {
  BlockSource,
  ConnectOptions,
  ConnectionEvents,
  ConnectionState,
  HandlerContext,
  ListenOptions,
  PeerInfo,
  RequestOptions,
  SendOptions,
  ServerEvents,
  ServerState,
  StreamOptions,
  Transport,
  TransportAddress,
  TransportConnection,
  TransportFactory,
  TransportHandler,
  TransportServer,
} from './interface.ts';
export {
  TransportError,
  TransportErrorCodes,
  isTransportError,
  encodeRemoteError,
  decodeRemoteError,
  type TransportErrorCode,
  type TransportErrorOptions,
  type RemoteErrorInfo,
} from './transport-error.ts';
export {
  compileTransportOptions,
  resolveClusterSecret,
  TRANSPORT_DEFAULTS,
  type TransportOptions,
  type CompiledTransportOptions,
} from './transport-options.ts';
export { stderrTransportLogger, silentTransportLogger, type TransportLogger } from './transport-logger.ts';
export { registerTransport, registeredTransports, loadTransport, loadTransportFactory } from './transport-registry.ts';
export { parseTransportAddress, formatTransportAddress } from './transport-address.ts';
export { ChallengeAuth } from './challenge-auth.ts';
export { assertListenAllowed, bindServer, isLoopbackHost } from './listen-guard.ts';
export { encodeBody, decodeBody } from './body-codec.ts';
export { MessageClient, type MessageSchema } from './message-client.ts';
export { messageHandler, UnknownKindError, type MessageHandlers, type MessageHandlerOptions } from './message-handler.ts';
export { ConnectionPool } from './connection-pool.ts';
export { blockChunks } from './block-source.ts';
export { armCallDeadline, CallDeadline, type DeadlineListener } from './call-deadline.ts';
export { DeadlineQueue } from './deadline-queue.ts';
