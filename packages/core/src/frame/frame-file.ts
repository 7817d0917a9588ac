/**
 * Sequential, synchronous reading and writing of frame files (u32 length +
 * msgpack batch), used for shuffle segments, spill files, sorted runs and disk
 * blocks. Reads go through a fixed-size buffer, so memory stays bounded
 * whatever the file size. Single-threaded.
 */
import fs from 'node:fs';
import { decodeFrame, FRAME_HEADER } from './frame.ts';
import { batched, type Batched } from '../util/push.ts';

const CHUNK = 1 << 20;

/**
 * Records stored as frames: by record or batch (Batched), or as the frames' bodies, for a
 * reader that takes pair frames column by column (see PairCursor). A body is valid until the
 * next one is asked for.
 */
export interface FramedRecords extends Batched<unknown> {
  frames(): Iterator<Buffer>;
}

export function isFramed(it: Iterable<unknown>): it is FramedRecords {
  return typeof (it as Partial<FramedRecords>).frames === 'function';
}

function framed(frames: () => Iterator<Buffer>): FramedRecords {
  const out = batched(function* () {
    for (const body of { [Symbol.iterator]: frames }) yield decodeFrame(body);
  }) as FramedRecords;
  out.frames = frames;
  return out;
}

/** Reads the records of frames stored in [offset, offset + length) of a file (pull, push or by frame). */
export function readFrameRange(
  path: string,
  offset: number,
  length: number,
  onBytes?: (n: number) => void,
  chunkSize = CHUNK,
): FramedRecords {
  return framed(() => readFrameBodies(path, offset, length, onBytes, chunkSize));
}

/**
 * The frame bodies stored in [offset, offset + length) of a file, each valid until the next is
 * read. Reads go through a buffer of `chunkSize` bytes (grown only for a frame larger than that):
 * readers that are open together, like a merge's, pass a small one.
 */
export function* readFrameBodies(path: string, offset: number, length: number, onBytes?: (n: number) => void, chunkSize = CHUNK): Generator<Buffer> {
  if (length <= 0) return;
  const fd = fs.openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(Math.min(chunkSize, length));
    let bufStart = 0; // valid data in buf[bufStart, bufEnd)
    let bufEnd = 0;
    let filePos = offset;
    const end = offset + length;
    const fill = (need: number): boolean => {
      if (bufEnd - bufStart >= need) return true;
      if (bufStart > 0) {
        buf.copy(buf, 0, bufStart, bufEnd);
        bufEnd -= bufStart;
        bufStart = 0;
      }
      if (need > buf.length) {
        const nb = Buffer.allocUnsafe(need);
        buf.copy(nb, 0, 0, bufEnd);
        buf = nb;
      }
      while (bufEnd < need && filePos < end) {
        const n = fs.readSync(fd, buf, bufEnd, Math.min(buf.length - bufEnd, end - filePos), filePos);
        if (n === 0) break;
        bufEnd += n;
        filePos += n;
      }
      return bufEnd - bufStart >= need;
    };
    while (true) {
      if (!fill(FRAME_HEADER)) {
        if (bufEnd - bufStart !== 0) throw new Error(`${path}: truncated frame header at ${filePos}`);
        return;
      }
      const len = buf.readUInt32LE(bufStart);
      if (!fill(FRAME_HEADER + len)) throw new Error(`${path}: truncated frame (needs ${len} bytes)`);
      const body = buf.subarray(bufStart + FRAME_HEADER, bufStart + FRAME_HEADER + len);
      bufStart += FRAME_HEADER + len;
      onBytes?.(FRAME_HEADER + len);
      yield body;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Appends buffers to a file through one descriptor; tracks the write position (bytes written,
 * buffered or not). With a `bufferSize`, small writes are gathered into one system call; the
 * file is complete once `close()` returns.
 */
export class FrameFileWriter {
  private readonly fd: number;
  private closed = false;
  private readonly buffer: Buffer | null;
  private buffered = 0;
  /** Bytes on disk so far. */
  private flushed = 0;
  position = 0;
  constructor(readonly path: string, bufferSize = 0) {
    this.fd = fs.openSync(path, 'w');
    this.buffer = bufferSize > 0 ? Buffer.allocUnsafe(bufferSize) : null;
  }
  write(buf: Uint8Array): void {
    const b = this.buffer;
    if (b && buf.length <= b.length - this.buffered) {
      b.set(buf, this.buffered);
      this.buffered += buf.length;
      this.position += buf.length;
      return;
    }
    this.flush();
    if (b && buf.length < b.length) {
      b.set(buf, 0);
      this.buffered = buf.length;
    } else this.writeDirect(buf);
    this.position += buf.length;
  }
  private writeDirect(buf: Uint8Array): void {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off, this.flushed + off);
    this.flushed += buf.length;
  }
  private flush(): void {
    if (this.buffered === 0) return;
    const n = this.buffered;
    this.buffered = 0;
    this.writeDirect(this.buffer!.subarray(0, n));
  }
  /** Copies [offset, offset+length) of another file (a path or an open descriptor) to the end of this one. */
  copyFrom(source: string | number, offset: number, length: number, scratch: Buffer): void {
    if (length <= 0) return;
    const fd = typeof source === 'number' ? source : fs.openSync(source, 'r');
    try {
      let done = 0;
      while (done < length) {
        const n = fs.readSync(fd, scratch, 0, Math.min(scratch.length, length - done), offset + done);
        if (n === 0) throw new Error(`${String(source)}: unexpected end of file while copying`);
        this.write(scratch.subarray(0, n));
        done += n;
      }
    } finally {
      if (typeof source !== 'number') fs.closeSync(fd);
    }
  }
  /**
   * Closes the file; later calls do nothing. Descriptors are process-wide and reused at once, so a
   * second close could close a file another thread has just opened.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
    }
  }
}

/** The records of consecutive frames held in memory (pull, push or by frame). */
export function readFrameBuffer(buf: Uint8Array): FramedRecords {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  function* bodies(): Generator<Buffer> {
    let pos = 0;
    while (pos + FRAME_HEADER <= b.length) {
      const len = b.readUInt32LE(pos);
      pos += FRAME_HEADER;
      if (pos + len > b.length) throw new Error(`truncated frame: needs ${len} bytes at ${pos}, has ${b.length - pos}`);
      yield b.subarray(pos, pos + len);
      pos += len;
    }
    if (pos !== b.length) throw new Error(`truncated frame header at ${pos}`);
  }
  return framed(bodies);
}
