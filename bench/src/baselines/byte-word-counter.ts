import { closeSync, openSync, readSync } from 'node:fs';

/**
 * ByteWordCounter counts space- and newline-separated words straight from the
 * file's bytes: an FNV-1a hash per word and an open-addressing table over a
 * byte arena, so no string is made per word (only one per distinct word, at
 * the end). It splits exactly like `line.split(' ')` on every line. This is
 * what one well-written thread does; single-threaded, not reentrant.
 */
export class ByteWordCounter {
  private capacity = 1 << 16;
  private hashes = new Int32Array(this.capacity);
  /** Word length + 1; 0 marks an empty slot. */
  private lengths = new Int32Array(this.capacity);
  private starts = new Int32Array(this.capacity);
  private counts = new Float64Array(this.capacity);
  private size = 0;
  private arena = new Uint8Array(1 << 20);
  private arenaUsed = 0;

  addFile(path: string, blockBytes = 4 << 20): void {
    const fd = openSync(path, 'r');
    try {
      let buf = Buffer.allocUnsafe(blockBytes);
      let carry = 0;
      for (;;) {
        if (carry === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, carry);
          buf = bigger;
        }
        const read = readSync(fd, buf, carry, buf.length - carry, null);
        const end = carry + read;
        if (read === 0) {
          if (end > 0) this.scan(buf, 0, end, true);
          return;
        }
        const consumed = this.scan(buf, 0, end, false);
        carry = end - consumed;
        buf.copy(buf, 0, consumed, end);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Counts the words ending in [from, to); returns where the unfinished last word starts. */
  private scan(buf: Buffer, from: number, to: number, atEof: boolean): number {
    let start = from;
    let h = 0x811c9dc5 | 0;
    for (let i = from; i < to; i++) {
      const b = buf[i];
      if (b === 32 || b === 10) {
        this.add(buf, start, i - start, h);
        start = i + 1;
        h = 0x811c9dc5 | 0;
      } else {
        h = Math.imul(h ^ b, 0x01000193);
      }
    }
    if (atEof && start < to) {
      this.add(buf, start, to - start, h);
      return to;
    }
    return start;
  }

  private add(buf: Buffer, start: number, len: number, h: number): void {
    const mask = this.capacity - 1;
    let slot = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const l = this.lengths[slot];
      if (l === 0) break;
      if (l === len + 1 && this.hashes[slot] === h) {
        const a = this.starts[slot];
        const arena = this.arena;
        let same = true;
        for (let k = 0; k < len; k++) {
          if (arena[a + k] !== buf[start + k]) {
            same = false;
            break;
          }
        }
        if (same) {
          this.counts[slot]++;
          return;
        }
      }
      slot = (slot + 1) & mask;
    }
    if (this.arenaUsed + len > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
      bigger.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = bigger;
    }
    this.arena.set(buf.subarray(start, start + len), this.arenaUsed);
    this.hashes[slot] = h;
    this.lengths[slot] = len + 1;
    this.starts[slot] = this.arenaUsed;
    this.counts[slot] = 1;
    this.arenaUsed += len;
    if (++this.size * 2 > this.capacity) this.grow();
  }

  private grow(): void {
    const old = { hashes: this.hashes, lengths: this.lengths, starts: this.starts, counts: this.counts, capacity: this.capacity };
    this.capacity *= 2;
    const mask = this.capacity - 1;
    this.hashes = new Int32Array(this.capacity);
    this.lengths = new Int32Array(this.capacity);
    this.starts = new Int32Array(this.capacity);
    this.counts = new Float64Array(this.capacity);
    for (let i = 0; i < old.capacity; i++) {
      if (old.lengths[i] === 0) continue;
      const h = old.hashes[i];
      let slot = (h ^ (h >>> 15)) & mask;
      while (this.lengths[slot] !== 0) slot = (slot + 1) & mask;
      this.hashes[slot] = h;
      this.lengths[slot] = old.lengths[i];
      this.starts[slot] = old.starts[i];
      this.counts[slot] = old.counts[i];
    }
  }

  /** Every (word, count), words decoded as UTF-8. */
  entries(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    const text = Buffer.from(this.arena.buffer, this.arena.byteOffset, this.arenaUsed);
    for (let i = 0; i < this.capacity; i++) {
      const l = this.lengths[i];
      if (l === 0) continue;
      out.push([text.toString('utf8', this.starts[i], this.starts[i] + l - 1), this.counts[i]]);
    }
    return out;
  }
}
