import { decodeBody, encodeBody } from './body-codec.ts';
import type { BlockSource, HandlerContext, PeerInfo, TransportHandler } from './interface.ts';
import type { z } from 'zod';
import { checkMessage } from '../protocol/message-validation.ts';
import type { MessageSchema } from './message-client.ts';

type Awaitable<T> = T | Promise<T>;

/** Per-kind handlers, typed by the schema; bodies arrive decoded. */
export interface MessageHandlers<S extends MessageSchema> {
  requests?: { [K in keyof S]?: (msg: S[K]['request'], peer: PeerInfo, ctx: HandlerContext) => Awaitable<S[K]['response']> };
  messages?: { [K in keyof S]?: (msg: S[K]['request'], peer: PeerInfo) => Awaitable<void> };
  streams?: { [K in keyof S]?: (msg: S[K]['request'], peer: PeerInfo, ctx: HandlerContext) => Awaitable<BlockSource> };
}

/** Raised (and returned to the caller as REMOTE) for a kind nobody handles. */
export class UnknownKindError extends Error {
  override readonly name = 'UnknownKindError';
  constructor(readonly what: 'request' | 'message' | 'stream', readonly kind: string) {
    super(`no ${what} handler for kind '${kind}'`);
  }
}

export interface MessageHandlerOptions<S extends MessageSchema> {
  /**
   * The receiver's schemas from the protocol catalogue, by kind: each decoded
   * body is checked before its handler runs, and a body that does not match is
   * refused with `InvalidMessageError` (a REMOTE error to the sender).
   */
  schemas?: { [K in keyof S]?: z.ZodType };
}

/**
 * Builds the raw `TransportHandler` for a set of typed handlers: decodes each
 * body with `decodeBody`, checks it against its schema when one is given,
 * dispatches by kind, encodes replies with `encodeBody`. Stateless; as
 * concurrent as the handlers it calls.
 */
export function messageHandler<S extends MessageSchema>(handlers: MessageHandlers<S>, options: MessageHandlerOptions<S> = {}): TransportHandler {
  const schemas = (options.schemas ?? {}) as Record<string, z.ZodType | undefined>;
  const decode = (kind: string, body: Uint8Array): unknown => {
    const msg = decodeBody(body);
    const schema = Object.hasOwn(schemas, kind) ? schemas[kind] : undefined;
    if (schema) checkMessage(kind, schema, msg);
    return msg;
  };
  const requests = (handlers.requests ?? {}) as Record<string, ((m: unknown, p: PeerInfo, c: HandlerContext) => unknown) | undefined>;
  const messages = (handlers.messages ?? {}) as Record<string, ((m: unknown, p: PeerInfo) => unknown) | undefined>;
  const streams = (handlers.streams ?? {}) as Record<string, ((m: unknown, p: PeerInfo, c: HandlerContext) => Awaitable<BlockSource>) | undefined>;
  return {
    async onRequest(kind, body, peer, ctx) {
      const fn = Object.hasOwn(requests, kind) ? requests[kind] : undefined;
      if (!fn) throw new UnknownKindError('request', kind);
      return encodeBody(await fn(decode(kind, body), peer, ctx));
    },
    async onMessage(kind, body, peer) {
      const fn = Object.hasOwn(messages, kind) ? messages[kind] : undefined;
      if (!fn) throw new UnknownKindError('message', kind);
      await fn(decode(kind, body), peer);
    },
    onStream(kind, body, peer, ctx) {
      const fn = Object.hasOwn(streams, kind) ? streams[kind] : undefined;
      if (!fn) throw new UnknownKindError('stream', kind);
      return fn(decode(kind, body), peer, ctx);
    },
  };
}
