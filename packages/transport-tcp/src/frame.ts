/**
 * Wire format of the TCP transport.
 *
 *   u32 length    bytes after this field (6 + kindLength + payload)
 *   u8  type      FrameType
 *   u32 id        request / stream id (0 when unused)
 *   u8  kindLength
 *   ...kind       UTF-8, only on REQUEST, MESSAGE and STREAM_OPEN
 *   ...payload
 *
 * Big-endian. Every connection starts with CHALLENGE (server) → AUTH (client)
 * → AUTH_OK or AUTH_REJECTED (server); nothing else is accepted before.
 */
export const FrameType = {
  CHALLENGE: 1,
  AUTH: 2,
  AUTH_OK: 3,
  AUTH_REJECTED: 4,
  REQUEST: 10,
  RESPONSE: 11,
  ERROR: 12,
  MESSAGE: 13,
  CANCEL: 14,
  STREAM_OPEN: 20,
  STREAM_DATA: 21,
  STREAM_END: 22,
  STREAM_CREDIT: 23,
  PING: 30,
  PONG: 31,
  GOAWAY: 32,
} as const;

export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];

export const FRAME_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(FrameType).map(([k, v]) => [v, k]),
);

/** Bytes before the kind: length, type, id, kindLength. */
export const HEADER_BYTES = 10;
/** Smallest legal value of the length field. */
export const MIN_FRAME_LENGTH = 6;
/** Frames accepted before authentication completes are tiny. */
export const HANDSHAKE_MAX_FRAME = 512;

export const PROTOCOL_MAGIC = Buffer.from('FLNT', 'ascii');
export const PROTOCOL_VERSION = 1;
export const CHALLENGE_FLAG_AUTH_REQUIRED = 1;
export const AUTH_FLAG_HAS_PROOF = 1;
