import { decodeBody, encodeBody } from './body-codec.ts';
import type { RequestOptions, SendOptions, StreamOptions, TransportConnection } from './interface.ts';

/**
 * Kinds a peer understands and the shape of each message: for a request its
 * reply, for a one-way message `void`. Defined once per protocol (the
 * protocol catalogue), used on both sides.
 */
export type MessageSchema = { [kind: string]: { request: unknown; response: unknown } };

/**
 * A typed view over a `TransportConnection`: bodies are msgpack-encoded on
 * the way out and decoded on the way back. Owns nothing but the reference
 * (closing stays with whoever owns the connection); as concurrent as the
 * connection under it.
 */
export class MessageClient<S extends MessageSchema = MessageSchema> {
  constructor(readonly connection: TransportConnection) {}

  async request<K extends keyof S & string>(kind: K, msg: S[K]['request'], options?: RequestOptions): Promise<S[K]['response']> {
    return decodeBody<S[K]['response']>(await this.connection.request(kind, encodeBody(msg), options));
  }

  send<K extends keyof S & string>(kind: K, msg: S[K]['request'], options?: SendOptions): Promise<void> {
    return this.connection.send(kind, encodeBody(msg), options);
  }

  /** Streams stay raw bytes: blocks are the payload, not messages. */
  stream<K extends keyof S & string>(kind: K, msg: S[K]['request'], options?: StreamOptions): AsyncIterableIterator<Uint8Array> {
    return this.connection.stream(kind, encodeBody(msg), options);
  }
}
