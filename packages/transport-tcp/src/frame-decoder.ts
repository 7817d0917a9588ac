import { TransportError } from '@flint/core/transport';
import { FRAME_NAMES, FrameType, MIN_FRAME_LENGTH } from './frame.ts';

export type FrameSink = (type: number, id: number, kind: string, payload: Buffer) => void;
/** Receives a STREAM_DATA payload in pieces, as views of the socket's chunks. */
export type PieceSink = (id: number, piece: Buffer) => void;

/** STREAM_DATA payloads at least this large are passed on in pieces rather than reassembled. */
const PIECE_MIN = 1024;

/**
 * Cuts a byte stream into frames and hands each to the sink.
 *
 * Frames wholly inside one socket chunk are passed as views of that chunk (no
 * copy); a frame spanning chunks is assembled into one buffer allocated at its
 * exact size once its length is known, except block data: a STREAM_DATA
 * payload spanning chunks goes to the piece sink as views of each chunk, so
 * streamed bytes are never copied or reallocated on the way in. Throws `FRAME_TOO_LARGE` or
 * `PROTOCOL` on bad input; after a throw the decoder must be dropped.
 * Owns no socket. Not re-entrant: one `push` at a time (the socket's data
 * events guarantee that).
 */
export class FrameDecoder {
  private partial: Buffer | undefined;
  private partialFilled = 0;
  private pieceId = 0;
  private pieceLeft = 0;
  private readonly lenBytes = Buffer.alloc(4);
  private lenFilled = 0;
  /** Kinds repeat a lot: decoded strings cached by a hash of their bytes. */
  private readonly kindCache = new Map<number, { kind: string; bytes: Buffer }>();

  constructor(
    private maxFrameBytes: number,
    private readonly sink: FrameSink,
    private readonly allowedKindTypes: ReadonlySet<number>,
    private readonly pieceSink?: PieceSink,
  ) {}

  setMaxFrameBytes(max: number): void {
    this.maxFrameBytes = max;
  }

  /** True when bytes of an unfinished frame are held (EOF now means truncation). */
  get midFrame(): boolean {
    return this.partial !== undefined || this.lenFilled > 0 || this.pieceLeft > 0;
  }

  push(chunk: Buffer): void {
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      if (this.pieceLeft > 0) {
        const take = Math.min(this.pieceLeft, n - off);
        this.pieceLeft -= take;
        this.pieceSink!(this.pieceId, take === n && off === 0 ? chunk : chunk.subarray(off, off + take));
        off += take;
        continue;
      }
      if (this.partial) {
        const want = this.partial.length - this.partialFilled;
        const take = Math.min(want, n - off);
        chunk.copy(this.partial, this.partialFilled, off, off + take);
        this.partialFilled += take;
        off += take;
        if (this.partialFilled === this.partial.length) {
          const frame = this.partial;
          this.partial = undefined;
          this.dispatch(frame, 0, frame.length);
        }
        continue;
      }
      let len: number;
      if (this.lenFilled > 0 || n - off < 4) {
        const take = Math.min(4 - this.lenFilled, n - off);
        chunk.copy(this.lenBytes, this.lenFilled, off, off + take);
        this.lenFilled += take;
        off += take;
        if (this.lenFilled < 4) return;
        this.lenFilled = 0;
        len = this.lenBytes.readUInt32BE(0);
      } else {
        len = ((chunk[off] << 24) | (chunk[off + 1] << 16) | (chunk[off + 2] << 8) | chunk[off + 3]) >>> 0;
        off += 4;
      }
      this.checkLength(len);
      if (n - off >= len) {
        this.dispatch(chunk, off, off + len);
        off += len;
      } else if (
        this.pieceSink !== undefined &&
        n - off >= 6 &&
        chunk[off] === FrameType.STREAM_DATA &&
        chunk[off + 5] === 0 &&
        len - 6 >= PIECE_MIN
      ) {
        this.pieceId = ((chunk[off + 1] << 24) | (chunk[off + 2] << 16) | (chunk[off + 3] << 8) | chunk[off + 4]) >>> 0;
        this.pieceLeft = len - 6;
        off += 6;
      } else {
        this.partial = Buffer.allocUnsafe(len);
        this.partialFilled = 0;
      }
    }
  }

  private checkLength(len: number): void {
    if (len > this.maxFrameBytes) {
      throw new TransportError('FRAME_TOO_LARGE', `frame of ${len} bytes exceeds the limit of ${this.maxFrameBytes}`);
    }
    if (len < MIN_FRAME_LENGTH) throw new TransportError('PROTOCOL', `frame length ${len} is below the minimum`);
  }

  private dispatch(buf: Buffer, start: number, end: number): void {
    const type = buf[start];
    const id = ((buf[start + 1] << 24) | (buf[start + 2] << 16) | (buf[start + 3] << 8) | buf[start + 4]) >>> 0;
    const kindLen = buf[start + 5];
    const kindStart = start + 6;
    const payloadStart = kindStart + kindLen;
    if (payloadStart > end) throw new TransportError('PROTOCOL', `kind length ${kindLen} runs past the frame end`);
    if (FRAME_NAMES[type] === undefined) throw new TransportError('PROTOCOL', `unknown frame type ${type}`);
    let kind = '';
    if (kindLen > 0) {
      if (!this.allowedKindTypes.has(type)) throw new TransportError('PROTOCOL', `frame ${FRAME_NAMES[type]} must not carry a kind`);
      kind = this.decodeKind(buf, kindStart, payloadStart);
    }
    this.sink(type, id, kind, buf.subarray(payloadStart, end));
  }

  private decodeKind(buf: Buffer, start: number, end: number): string {
    const len = end - start;
    let h = len;
    for (let i = start; i < end; i++) h = (Math.imul(h, 31) + buf[i]) | 0;
    const hit = this.kindCache.get(h);
    if (hit !== undefined && hit.bytes.length === len) {
      const b = hit.bytes;
      let i = 0;
      while (i < len && b[i] === buf[start + i]) i++;
      if (i === len) return hit.kind;
    }
    const kind = buf.toString('utf8', start, end);
    if (this.kindCache.size < 256) this.kindCache.set(h, { kind, bytes: Buffer.from(buf.subarray(start, end)) });
    return kind;
  }
}
