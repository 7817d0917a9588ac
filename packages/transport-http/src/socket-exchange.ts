import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { TransportError } from '@flint/core/transport';
import { OCTET } from './http-protocol.ts';

/** Starts one HTTP/1.1 POST on a socket the caller already holds (no agent). */
export function postOnSocket(socket: Socket, host: string, port: number, path: string, bodyLength: number, extra?: OutgoingHttpHeaders): ClientRequest {
  return httpRequest({
    createConnection: () => socket,
    host,
    port,
    method: 'POST',
    path,
    headers: { connection: 'keep-alive', 'content-type': OCTET, 'content-length': bodyLength, ...extra },
  });
}

/**
 * Reads a whole response body, refusing more than `max` bytes. Preallocates
 * from Content-Length, so a body arriving in one piece is not copied.
 */
export function readBody(res: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = res.headers['content-length'];
    const length = declared === undefined ? -1 : Number(declared);
    if (length > max) {
      res.destroy();
      reject(new TransportError('FRAME_TOO_LARGE', `response of ${length} bytes exceeds the limit of ${max}`));
      return;
    }
    let single: Buffer | undefined;
    let parts: Buffer[] | undefined;
    let target: Buffer | undefined;
    let got = 0;
    res.on('data', (chunk: Buffer) => {
      if (got + chunk.length > max || (length >= 0 && got + chunk.length > length)) {
        res.destroy();
        reject(new TransportError('FRAME_TOO_LARGE', `response body exceeds ${length >= 0 ? 'its declared length' : `the limit of ${max}`}`));
        return;
      }
      if (got === 0 && chunk.length === length) single = chunk;
      else if (length >= 0) {
        target ??= Buffer.allocUnsafe(length);
        chunk.copy(target, got);
      } else (parts ??= []).push(chunk);
      got += chunk.length;
    });
    res.on('end', () => {
      if (length >= 0 && got !== length) reject(new TransportError('PROTOCOL', `response body ended after ${got} of ${length} bytes`));
      else resolve(single ?? target ?? (parts ? Buffer.concat(parts) : Buffer.alloc(0)));
    });
    res.on('error', reject);
    res.on('aborted', () => reject(new TransportError('PEER_LOST', 'the response was cut off')));
  });
}

/**
 * A POST on a held socket that resolves once the socket is reusable again
 * (Node emits `free` after a keep-alive response) or closed. For the
 * handshake.
 */
export function exchangeOnSocket(
  socket: Socket,
  host: string,
  port: number,
  path: string,
  body: Uint8Array,
  max: number,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    let out: { status: number; body: Buffer } | undefined;
    let reusable = false;
    // `free` comes on the next tick after the response ends: listen before it can fire.
    const settle = () => {
      if (out && reusable) {
        socket.off('free', onFree);
        socket.off('close', onFree);
        resolve(out);
      }
    };
    const onFree = () => {
      reusable = true;
      settle();
    };
    socket.on('free', onFree);
    socket.on('close', onFree);
    const req = postOnSocket(socket, host, port, path, body.byteLength);
    req.on('error', reject);
    req.on('response', (res) => {
      readBody(res, max).then((b) => {
        out = { status: res.statusCode ?? 0, body: b };
        settle();
      }, reject);
    });
    req.end(body);
  });
}
