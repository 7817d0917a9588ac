import type { Socket } from 'node:net';
import { TransportError } from '@flint/core/transport';
import { HEADER_BYTES } from './frame.ts';

const EMPTY = Buffer.alloc(0);

/**
 * Encodes frames onto one socket with as few allocations and syscalls as it
 * can: headers and small payloads are packed back to back into a shared
 * batch buffer; payloads above `copyLimit` are queued as views of the
 * caller's bytes (no copy). Everything written in one turn of the event loop
 * goes out in one `write`/`writev` on the next tick.
 *
 * Callers must not mutate a payload after handing it over. Owns the batch
 * buffers, not the socket. Single-threaded: writes keep their call order.
 */
export class FrameWriter {
  private buf: Buffer;
  private pos = 0;
  private segStart = 0;
  private readonly segments: Uint8Array[] = [];
  private scheduled = false;
  private readonly kindBytesCache = new Map<string, Buffer>();
  private readonly flushBound = () => this.flush();
  private queued = 0;
  /** Frames written so far (liveness uses it to tell idle from busy). */
  framesWritten = 0;

  constructor(
    private readonly socket: Socket,
    private readonly batchBytes = 64 * 1024,
    private readonly copyLimit = 8 * 1024,
  ) {
    this.buf = Buffer.allocUnsafeSlow(batchBytes);
  }

  /** Bytes accepted by the socket but not yet sent to the kernel. */
  get buffered(): number {
    return this.queued + this.socket.writableLength;
  }

  /** Encoded length of `kind`, or a thrown PROTOCOL error when it cannot be framed. */
  kindBytes(kind: string): Buffer {
    if (kind === '') return EMPTY;
    let b = this.kindBytesCache.get(kind);
    if (b === undefined) {
      b = Buffer.from(kind, 'utf8');
      if (b.length > 255) throw new TransportError('PROTOCOL', `message kind is longer than 255 bytes: ${kind.slice(0, 40)}…`);
      if (this.kindBytesCache.size < 1024) this.kindBytesCache.set(kind, b);
    }
    return b;
  }

  /**
   * Queues one frame. `u32Prefix`, when not negative, is written as four
   * bytes at the start of the payload (window and credit fields).
   */
  write(type: number, id: number, kind: string, payload?: Uint8Array, u32Prefix = -1): void {
    const kindBytes = this.kindBytes(kind);
    const plen = payload === undefined ? 0 : payload.byteLength;
    const extra = u32Prefix >= 0 ? 4 : 0;
    const headLen = HEADER_BYTES + kindBytes.length + extra;
    const inline = plen <= this.copyLimit;
    const need = headLen + (inline ? plen : 0);
    if (this.pos + need > this.buf.length) this.roll(need);
    const b = this.buf;
    let p = this.pos;
    const len = 6 + kindBytes.length + extra + plen;
    b[p] = len >>> 24;
    b[p + 1] = len >>> 16;
    b[p + 2] = len >>> 8;
    b[p + 3] = len;
    b[p + 4] = type;
    b[p + 5] = id >>> 24;
    b[p + 6] = id >>> 16;
    b[p + 7] = id >>> 8;
    b[p + 8] = id;
    b[p + 9] = kindBytes.length;
    p += HEADER_BYTES;
    if (kindBytes.length > 0) {
      if (kindBytes.length < 16) for (let i = 0; i < kindBytes.length; i++) b[p + i] = kindBytes[i];
      else kindBytes.copy(b, p);
      p += kindBytes.length;
    }
    if (extra) {
      b[p] = u32Prefix >>> 24;
      b[p + 1] = u32Prefix >>> 16;
      b[p + 2] = u32Prefix >>> 8;
      b[p + 3] = u32Prefix;
      p += 4;
    }
    if (plen > 0) {
      if (inline) {
        b.set(payload!, p);
        p += plen;
        this.pos = p;
      } else {
        this.pos = p;
        this.cut();
        this.segments.push(payload!);
      }
    } else {
      this.pos = p;
    }
    this.framesWritten++;
    this.queued += need + (inline ? 0 : plen);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flushBound);
    }
  }

  /** Hands everything queued to the socket now. */
  flush(): void {
    this.scheduled = false;
    this.queued = 0;
    this.cut();
    const segs = this.segments;
    if (segs.length === 0) return;
    const s = this.socket;
    if (s.destroyed) {
      segs.length = 0;
      return;
    }
    if (segs.length === 1) {
      s.write(segs[0]);
    } else {
      s.cork();
      for (let i = 0; i < segs.length; i++) s.write(segs[i]);
      s.uncork();
    }
    segs.length = 0;
  }

  private cut(): void {
    if (this.pos > this.segStart) {
      this.segments.push(this.buf.subarray(this.segStart, this.pos));
      this.segStart = this.pos;
    }
  }

  private roll(need: number): void {
    this.cut();
    // The old buffer's bytes are owned by the socket's queue now; start a new one.
    this.buf = Buffer.allocUnsafeSlow(Math.max(this.batchBytes, need));
    this.pos = 0;
    this.segStart = 0;
  }
}
