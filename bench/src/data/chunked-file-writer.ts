import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * ChunkedFileWriter fills one large buffer and writes it to its file in big
 * blocks (8 MiB by default): the generators never issue a system call per line.
 * It owns its file descriptor until close(). Synchronous and single-threaded.
 */
export class ChunkedFileWriter {
  private readonly buf: Buffer;
  private pos = 0;
  private fd: number;
  private written = 0;

  constructor(
    path: string,
    private readonly onFlush: (bytes: number) => void = () => {},
    capacity = 8 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
    this.fd = openSync(path, 'w');
  }

  /** Bytes handed to the writer so far (flushed or not). */
  get bytesWritten(): number {
    return this.written + this.pos;
  }

  /** Makes room for n more bytes (n must not exceed the capacity). */
  reserve(n: number): void {
    if (this.pos + n > this.buf.length) this.flush();
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  bytes(src: Uint8Array, start: number, end: number): void {
    for (let i = start; i < end; i++) this.buf[this.pos++] = src[i];
  }

  ascii(text: string): void {
    this.pos += this.buf.write(text, this.pos, 'latin1');
  }

  /** Writes a non-negative integer (< 2^53) in decimal. */
  uint(n: number): void {
    if (n < 10) {
      this.buf[this.pos++] = 48 + n;
      return;
    }
    let digits = 0;
    for (let m = n; m >= 1; m = Math.floor(m / 10)) digits++;
    let p = this.pos + digits - 1;
    for (let m = n; m >= 1; m = Math.floor(m / 10)) this.buf[p--] = 48 + (m % 10);
    this.pos += digits;
  }

  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.written += this.pos;
    this.onFlush(this.pos);
    this.pos = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
