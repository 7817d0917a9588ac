import { TransportError } from '@flint/core/transport';

/**
 * Body formats of `POST /flint/v1/batch`: many small calls in one HTTP
 * request when every socket to the peer is busy.
 *
 * Request body, items back to back:
 *   u8 type (ITEM.*) | u32 index | u32 arg | u8 kindLength | kind | u32 bodyLength | body
 * `index` numbers the item within its batch; `arg` is the message sequence
 * number for MESSAGE items and the target batch id for CANCEL items (whose
 * body is the u32 index to cancel).
 *
 * Response body (chunked, items in completion order):
 *   u32 index | u8 status (REPLY.*) | u32 length | payload
 */
export const ITEM = { REQUEST: 1, MESSAGE: 2, CANCEL: 3 } as const;
export const REPLY = { OK: 0, ERROR: 1 } as const;

export interface BatchItemIn {
  type: number;
  index: number;
  arg: number;
  kind: string;
  body: Buffer;
}

export interface OutgoingItem {
  readonly type: number;
  readonly index: number;
  readonly arg: number;
  readonly kindBytes: Buffer;
  readonly body: Uint8Array;
}

export function itemSize(kindBytes: number, body: number): number {
  return 14 + kindBytes + body;
}

export function encodeBatch(items: readonly OutgoingItem[], total: number): Buffer {
  const b = Buffer.allocUnsafe(total);
  let p = 0;
  for (const it of items) {
    b[p] = it.type;
    b.writeUInt32BE(it.index, p + 1);
    b.writeUInt32BE(it.arg, p + 5);
    b[p + 9] = it.kindBytes.length;
    p += 10;
    it.kindBytes.copy(b, p);
    p += it.kindBytes.length;
    b.writeUInt32BE(it.body.byteLength, p);
    p += 4;
    b.set(it.body, p);
    p += it.body.byteLength;
  }
  if (p !== total) throw new Error(`batch encoding size mismatch: ${p} != ${total}`);
  return b;
}

/** Parses a whole batch request body; throws PROTOCOL on malformed input. */
export function decodeBatch(b: Buffer): BatchItemIn[] {
  const out: BatchItemIn[] = [];
  let p = 0;
  while (p < b.length) {
    if (b.length - p < 14) throw new TransportError('PROTOCOL', 'truncated batch item header');
    const type = b[p];
    if (type !== ITEM.REQUEST && type !== ITEM.MESSAGE && type !== ITEM.CANCEL) throw new TransportError('PROTOCOL', `unknown batch item type ${type}`);
    const index = b.readUInt32BE(p + 1);
    const arg = b.readUInt32BE(p + 5);
    const kindLen = b[p + 9];
    p += 10;
    if (b.length - p < kindLen + 4) throw new TransportError('PROTOCOL', 'truncated batch item kind');
    const kind = b.toString('utf8', p, p + kindLen);
    p += kindLen;
    const len = b.readUInt32BE(p);
    p += 4;
    if (b.length - p < len) throw new TransportError('PROTOCOL', 'truncated batch item body');
    out.push({ type, index, arg, kind, body: b.subarray(p, p + len) });
    p += len;
  }
  return out;
}

export function encodeReply(index: number, status: number, payload: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(9 + payload.byteLength);
  b.writeUInt32BE(index, 0);
  b[4] = status;
  b.writeUInt32BE(payload.byteLength, 5);
  b.set(payload, 9);
  return b;
}

/**
 * Cuts a batch response stream into replies; replies inside one chunk are
 * views of it. Not re-entrant; throws PROTOCOL on a bad status byte.
 */
export class BatchReplyDecoder {
  private pending: Buffer | undefined;

  constructor(
    private readonly max: number,
    private readonly sink: (index: number, status: number, payload: Buffer) => void,
  ) {}

  get midReply(): boolean {
    return this.pending !== undefined;
  }

  push(chunk: Buffer): void {
    let p = 0;
    // Finish a reply cut by the previous chunk, copying only that reply's bytes.
    while (this.pending) {
      const have = this.pending.length;
      const need = have < 9 ? 9 - have : 9 + this.pending.readUInt32BE(5) - have;
      const take = Math.min(need, chunk.length - p);
      this.pending = Buffer.concat([this.pending, chunk.subarray(p, p + take)]);
      p += take;
      if (take < need) return;
      if (this.pending.length >= 9 && this.pending.length === 9 + this.checkLength(this.pending, 0)) {
        const whole = this.pending;
        this.pending = undefined;
        this.emit(whole, 0);
      }
    }
    while (chunk.length - p >= 9) {
      const len = this.checkLength(chunk, p);
      if (chunk.length - p - 9 < len) break;
      this.emit(chunk, p);
      p += 9 + len;
    }
    if (p < chunk.length) this.pending = Buffer.from(chunk.subarray(p));
  }

  private checkLength(b: Buffer, p: number): number {
    const len = b.readUInt32BE(p + 5);
    if (len > this.max) throw new TransportError('FRAME_TOO_LARGE', `batch reply of ${len} bytes exceeds the limit of ${this.max}`);
    return len;
  }

  private emit(b: Buffer, p: number): void {
    const status = b[p + 4];
    if (status !== REPLY.OK && status !== REPLY.ERROR) throw new TransportError('PROTOCOL', `unknown batch reply status ${status}`);
    const len = b.readUInt32BE(p + 5);
    this.sink(b.readUInt32BE(p), status, b.subarray(p + 9, p + 9 + len));
  }
}
