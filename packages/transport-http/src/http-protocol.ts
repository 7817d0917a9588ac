/**
 * The HTTP transport's routes and headers. Every route is a POST with a
 * binary body. A socket must complete HELLO → AUTH before any other route is
 * served on it; the authentication belongs to that socket only.
 *
 *   POST /flint/v1/hello          → 200 JSON { version, auth, nonce }
 *   POST /flint/v1/auth           JSON { id, nonce, proof? } → 200 JSON { proof? } | 401
 *   POST /flint/v1/ping           → 204
 *   POST /flint/v1/rpc/<kind>     body → 200 body | 500 error record | 413
 *   POST /flint/v1/msg/<kind>     body → 202
 *   POST /flint/v1/stream/<kind>  body → 200 chunked body, trailer x-flint-status
 *   POST /flint/v1/batch          items → 200 chunked replies, trailer x-flint-status
 *
 * A server that is shutting down answers 503 with `x-flint-goaway: 1`.
 */
export const PROTOCOL_VERSION = 1;
export const PREFIX = '/flint/v1/';
export const ROUTE = {
  hello: `${PREFIX}hello`,
  auth: `${PREFIX}auth`,
  ping: `${PREFIX}ping`,
  rpc: `${PREFIX}rpc/`,
  msg: `${PREFIX}msg/`,
  stream: `${PREFIX}stream/`,
  /** Many small calls in one request, replies streamed back as they complete (see batch-codec.ts). */
  batch: `${PREFIX}batch`,
} as const;

export const HEADER = {
  /** On 500 replies: the body is an error record (see encodeRemoteError). */
  error: 'x-flint-error',
  /** Trailer of a stream: `ok`, or `error` with `x-flint-error` holding the base64 record. */
  status: 'x-flint-status',
  goaway: 'x-flint-goaway',
} as const;

export const OCTET = 'application/octet-stream';
/** Bodies accepted before a socket has authenticated. */
export const HANDSHAKE_MAX_BODY = 4096;

export interface HelloReply {
  version: number;
  auth: boolean;
  nonce: string;
}

export interface AuthRequest {
  id: string;
  nonce: string;
  proof?: string;
}

export interface AuthReply {
  proof?: string;
}
