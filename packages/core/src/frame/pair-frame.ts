/**
 * A columnar encoding for frames of [key, value] pairs, the records of most
 * shuffles, spills and sorted runs. When every record of a batch is a 2-element
 * array whose keys are all strings or all numbers, and likewise its values, the
 * batch is written as two columns instead of a msgpack array:
 *
 *   0xc1 · kinds (key kind × 3 + value kind) · u32 count · key column · value column
 *
 * with a column being one of
 *   string: u32 UTF-8 byte length · u16 UTF-16 length per string · the strings' UTF-8 bytes
 *   int32:  4 bytes per value (numbers that are 32-bit integers other than -0)
 *   float64: 8 bytes per value (any number: NaN, ±Infinity and -0 round-trip)
 *
 * All integers little-endian. 0xc1 is the one byte msgpack never uses, so a frame
 * body starting with it cannot be a msgpack value. Writing concatenates the strings
 * once and reading decodes them once and slices; about half the time of msgpack
 * for each direction on short string keys. Batches whose strings hold more than
 * 64k UTF-16 units together stay msgpack, which is faster for long strings.
 * Strings go through UTF-8, so a string with a lone surrogate is refused by the columns (its
 * batch goes to msgpack, which carries it; see serializer.ts).
 */
import { isAscii } from 'node:buffer';

const MARKER = 0xc1;
const STR = 0;
const I32 = 1;
const F64 = 2;
const MAX_STRING = 0xffff;
/** Most UTF-16 units the string columns of one batch hold together (see encodePairFrame). */
const MAX_COLUMN_CHARS = 1 << 16;

/** Typed-array scratch columns are little-endian only where the machine is (the frame format is LE). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A number's column kind: I32 for 32-bit integers other than -0, else F64. */
function numberKind(x: number): number {
  return (x | 0) === x && (x !== 0 || 1 / x > 0) ? I32 : F64;
}

/** Strings longer than this go to Buffer.write in one call; shorter ones character by character. */
const SHORT_STRING = 24;

/**
 * Writes `s` as UTF-8 at `o` of `dst`, returning the end, or -1 (and nothing reliable written) when
 * `s` holds a lone surrogate, which UTF-8 cannot carry. A short ASCII string goes character by
 * character (short keys: cheaper than a native call per string, or than concatenating the batch's
 * strings and encoding the result); a long string, or one with any other character, is written
 * whole by Buffer.write (1 KiB strings: ~40x faster than by character).
 */
function putString(dst: Buffer, o: number, s: string): number {
  const n = s.length;
  if (n > SHORT_STRING) return isWellFormed(s) ? o + dst.write(s, o, 'utf8') : -1;
  for (let j = 0; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c >= 0x80) return isWellFormed(s) ? o + dst.write(s, o, 'utf8') : -1;
    dst[o + j] = c;
  }
  return o + n;
}

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Allocates a frame's bytes: Buffer.allocUnsafe, or a writer's slab. */
export type FrameAlloc = (bytes: number) => Buffer;
const allocUnsafe: FrameAlloc = (bytes) => Buffer.allocUnsafe(bytes);

/**
 * A pair frame being built one record at a time: each record's key and value go straight into
 * the columns (string lengths, UTF-8 bytes, numbers), so a writer need not hold the records
 * until a batch is full. `add` refuses a record the columns cannot take (a kind other than the
 * batch's, a non-pair value, the batch's strings past their limit) and leaves the batch as it
 * was; `finish` makes the frame and starts an empty batch.
 */
export class PairFrameBuilder {
  /** Records in the batch. */
  n = 0;
  private kk = -1;
  private vk = -1;
  /** UTF-16 units of both string columns, and the UTF-8 bytes written to each. */
  private chars = 0;
  private kb = 0;
  private vb = 0;
  private keyLens = new Uint16Array(64);
  private valLens = new Uint16Array(64);
  private keyNums = new Float64Array(64);
  private valNums = new Float64Array(64);
  private ints = new Int32Array(64);
  private keyBytes: Buffer = Buffer.allocUnsafeSlow(512);
  private valBytes: Buffer = Buffer.allocUnsafeSlow(512);

  /** Adds the pair [k, v]; false (and nothing added) when the batch's columns cannot take it. */
  add(k: unknown, v: unknown): boolean {
    if (!LITTLE_ENDIAN) return false;
    let chars = this.chars;
    if (typeof k === 'string') {
      if (this.kk > STR || k.length > MAX_STRING) return false;
      chars += k.length;
    } else if (typeof k !== 'number' || this.kk === STR) return false;
    if (typeof v === 'string') {
      if (this.vk > STR || v.length > MAX_STRING) return false;
      chars += v.length;
    } else if (typeof v !== 'number' || this.vk === STR) return false;
    // Long strings: a column past V8's large-object size (128 KiB) costs more to build and cut
    // than msgpack's string-by-string copy (3x slower both ways at 512 strings of 1 KiB).
    if (chars > MAX_COLUMN_CHARS) return false;
    const { kk, kb } = this;
    const i = this.n;
    if (i === this.keyLens.length) this.growRecords();
    if (typeof k === 'string') {
      if (this.kb + 3 * k.length > this.keyBytes.length) this.keyBytes = grown(this.keyBytes, this.kb, this.kb + 3 * k.length);
      const end = putString(this.keyBytes, this.kb, k);
      if (end < 0) return false;
      this.kk = STR;
      this.keyLens[i] = k.length;
      this.kb = end;
    } else {
      if (this.kk !== F64) this.kk = numberKind(k as number);
      this.keyNums[i] = k as number;
    }
    if (typeof v === 'string') {
      if (this.vb + 3 * v.length > this.valBytes.length) this.valBytes = grown(this.valBytes, this.vb, this.vb + 3 * v.length);
      const end = putString(this.valBytes, this.vb, v);
      if (end < 0) {
        // The key's bytes past kb, its length and number slots are unused until the next record;
        // only its kind and byte count must be undone.
        this.kk = kk;
        this.kb = kb;
        return false;
      }
      this.vk = STR;
      this.valLens[i] = v.length;
      this.vb = end;
    } else {
      if (this.vk !== F64) this.vk = numberKind(v as number);
      this.valNums[i] = v as number;
    }
    this.chars = chars;
    this.n = i + 1;
    return true;
  }

  /**
   * The batch as a frame: `header` bytes left for the caller's frame header (a u32 LE body length
   * is written at 0 when there are 4), then the columnar body. Starts an empty batch.
   */
  finish(header: number, alloc: FrameAlloc = allocUnsafe): Buffer {
    const { n, kk, vk, kb, vb } = this;
    const bodyLength = 6 + columnBytes(kk, n, kb) + columnBytes(vk, n, vb);
    const out = alloc(header + bodyLength);
    if (header === 4) out.writeUInt32LE(bodyLength, 0);
    let o = header;
    out[o++] = MARKER;
    out[o++] = kk * 3 + vk;
    out.writeUInt32LE(n, o);
    o += 4;
    o = this.writeColumn(out, o, kk, this.keyLens, this.keyNums, this.keyBytes, kb);
    this.writeColumn(out, o, vk, this.valLens, this.valNums, this.valBytes, vb);
    this.reset();
    return out;
  }

  /** Drops the batch. */
  reset(): void {
    this.n = 0;
    this.kk = -1;
    this.vk = -1;
    this.chars = 0;
    this.kb = 0;
    this.vb = 0;
  }

  private growRecords(): void {
    const size = this.keyLens.length * 2;
    const widen = <A extends Uint16Array | Float64Array | Int32Array>(a: A, make: (n: number) => A): A => {
      const b = make(size);
      b.set(a as never);
      return b;
    };
    this.keyLens = widen(this.keyLens, (m) => new Uint16Array(m));
    this.valLens = widen(this.valLens, (m) => new Uint16Array(m));
    this.keyNums = widen(this.keyNums, (m) => new Float64Array(m));
    this.valNums = widen(this.valNums, (m) => new Float64Array(m));
    this.ints = new Int32Array(size);
  }

  private writeColumn(out: Buffer, o: number, kind: number, lens: Uint16Array, nums: Float64Array, utf8: Buffer, bytes: number): number {
    const n = this.n;
    if (kind === STR) {
      out.writeUInt32LE(bytes, o);
      o += 4;
      out.set(new Uint8Array(lens.buffer, 0, 2 * n), o);
      o += 2 * n;
      out.set(utf8.subarray(0, bytes), o);
      return o + bytes;
    }
    if (kind === I32) {
      const ints = this.ints;
      for (let i = 0; i < n; i++) ints[i] = nums[i]!;
      out.set(new Uint8Array(ints.buffer, 0, 4 * n), o);
      return o + 4 * n;
    }
    out.set(new Uint8Array(nums.buffer, 0, 8 * n), o);
    return o + 8 * n;
  }
}

/** A copy of the first `used` bytes of `buf` in a buffer of at least `need` bytes. */
function grown(buf: Buffer, used: number, need: number): Buffer {
  let size = buf.length * 2;
  while (size < need) size *= 2;
  const b = Buffer.allocUnsafeSlow(size);
  buf.copy(b, 0, 0, used);
  return b;
}

function columnBytes(kind: number, n: number, utf8Bytes: number): number {
  return kind === STR ? 4 + 2 * n + utf8Bytes : kind === I32 ? 4 * n : 8 * n;
}

const builder = new PairFrameBuilder();

/**
 * A batch of pairs as a frame (see PairFrameBuilder.finish), or null when the batch does not fit
 * the columns.
 */
export function encodePairFrame(records: unknown[], header: number, alloc: FrameAlloc = allocUnsafe): Buffer | null {
  const n = records.length;
  if (n === 0) return null;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    if (!Array.isArray(r) || r.length !== 2 || !builder.add(r[0], r[1])) {
      builder.reset();
      return null;
    }
  }
  return builder.finish(header, alloc);
}

/** Whether a frame body is a pair batch (else it is msgpack). */
export function isPairFrame(body: Uint8Array): boolean {
  return body.length > 0 && body[0] === MARKER;
}

/** The records of a pair-batch frame body. */
export function decodePairFrame(body: Uint8Array): unknown[] {
  const c = new PairCursor(body);
  const { n, keyKind: kk, valKind: vk, keyText: kt, valText: vt, keyAt, valAt, dv } = c;
  const out = new Array<unknown>(n);
  let kp = 0;
  let vp = 0;
  for (let i = 0; i < n; i++) {
    let key: unknown;
    let value: unknown;
    if (kk === STR) {
      const len = dv.getUint16(keyAt + 2 * i, true);
      key = kt.slice(kp, kp + len);
      kp += len;
    } else key = kk === I32 ? dv.getInt32(keyAt + 4 * i, true) : dv.getFloat64(keyAt + 8 * i, true);
    if (vk === STR) {
      const len = dv.getUint16(valAt + 2 * i, true);
      value = vt.slice(vp, vp + len);
      vp += len;
    } else value = vk === I32 ? dv.getInt32(valAt + 4 * i, true) : dv.getFloat64(valAt + 8 * i, true);
    out[i] = [key, value];
  }
  if ((kk === STR && kp !== kt.length) || (vk === STR && vp !== vt.length)) throw c.corrupt('string lengths do not match the string column');
  return out;
}

/**
 * Record-by-record reading of a pair-batch frame body without making the records: a string key
 * is a span of `keyText` (`keyStart`, `keyLength`), so a lookup can hash and compare it in place
 * (KeyTable.findChars) and cut the string only when it needs one. When the key column is all
 * ASCII (`asciiKeys`), character offsets are byte offsets too: the key is also the bytes at
 * `keyBytesAt + keyStart` of `buf` (KeyTable.findAscii), and keyText is decoded only if asked for.
 * `next()` steps to the next record; the frame's columns are checked against its length up
 * front, the string spans as they are read.
 */
export class PairCursor {
  readonly n: number;
  readonly keyKind: number;
  readonly valKind: number;
  readonly buf: Buffer;
  readonly asciiKeys: boolean;
  /** Where the key column's text starts in `buf`. */
  readonly keyBytesAt: number;
  readonly valText: string;
  readonly keyAt: number;
  readonly valAt: number;
  readonly dv: DataView;
  /** UTF-16 units of the key column's text. */
  private readonly keyChars: number;
  private decodedKeys: string | null;
  private i = -1;
  private vp = 0;
  /** The current record's key span in keyText (string keys). */
  keyStart = 0;
  keyLength = 0;
  /** The current record's key (number keys) and value. */
  numKey = 0;
  value: unknown = undefined;

  constructor(body: Uint8Array) {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    this.buf = buf;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.dv = dv;
    if (buf.length < 6) throw this.corrupt('shorter than its header');
    const kinds = buf[1]!;
    this.keyKind = Math.floor(kinds / 3);
    this.valKind = kinds % 3;
    if (this.keyKind > F64) throw this.corrupt(`unknown column kinds ${kinds}`);
    const n = dv.getUint32(2, true);
    this.n = n;
    const k = column(buf, dv, 6, n, this.keyKind, this);
    const v = column(buf, dv, k.end, n, this.valKind, this);
    if (v.end !== buf.length) throw this.corrupt(`${buf.length - v.end} bytes past its columns`);
    this.keyAt = k.at;
    this.keyBytesAt = k.textAt;
    this.asciiKeys = this.keyKind === STR && isAscii(buf.subarray(k.textAt, k.end));
    this.decodedKeys = this.keyKind !== STR ? '' : this.asciiKeys ? null : buf.toString('utf8', k.textAt, k.end);
    this.keyChars = this.decodedKeys === null ? k.end - k.textAt : this.decodedKeys.length;
    this.valText = this.valKind === STR ? buf.toString('utf8', v.textAt, v.end) : '';
    this.valAt = v.at;
  }

  get stringKeys(): boolean {
    return this.keyKind === STR;
  }

  /** The key column's text (string keys). */
  get keyText(): string {
    return (this.decodedKeys ??= this.buf.toString('latin1', this.keyBytesAt, this.keyBytesAt + this.keyChars));
  }

  /** Steps to the next record; false past the last. */
  next(): boolean {
    const i = ++this.i;
    if (i >= this.n) {
      const keysEnd = this.keyKind === STR ? this.keyStart + this.keyLength : 0;
      if (i === this.n && (keysEnd !== this.keyChars || this.vp !== this.valText.length)) throw this.corrupt('string lengths do not match the string column');
      return false;
    }
    const dv = this.dv;
    if (this.keyKind === STR) {
      this.keyStart += this.keyLength;
      this.keyLength = dv.getUint16(this.keyAt + 2 * i, true);
      if (this.keyStart + this.keyLength > this.keyChars) throw this.corrupt('string lengths do not match the string column');
    } else this.numKey = this.keyKind === I32 ? dv.getInt32(this.keyAt + 4 * i, true) : dv.getFloat64(this.keyAt + 8 * i, true);
    const vk = this.valKind;
    if (vk === STR) {
      const len = dv.getUint16(this.valAt + 2 * i, true);
      if (this.vp + len > this.valText.length) throw this.corrupt('string lengths do not match the string column');
      this.value = this.valText.slice(this.vp, this.vp + len);
      this.vp += len;
    } else this.value = vk === I32 ? dv.getInt32(this.valAt + 4 * i, true) : dv.getFloat64(this.valAt + 8 * i, true);
    return true;
  }

  /** The current record's key as a value (a string key is cut from the column here). */
  key(): unknown {
    return this.keyKind === STR ? this.keyText.slice(this.keyStart, this.keyStart + this.keyLength) : this.numKey;
  }

  corrupt(why: string): Error {
    return new Error(`corrupt pair frame (${this.buf.length} bytes): ${why}`);
  }
}

/** Where a column's per-record data starts, where its text starts (string columns) and where it ends. */
function column(buf: Buffer, dv: DataView, o: number, n: number, kind: number, frame: PairCursor): { at: number; textAt: number; end: number } {
  if (kind === STR) {
    if (o + 4 + 2 * n > buf.length) throw frame.corrupt('string column past the end');
    const bytes = dv.getUint32(o, true);
    const textAt = o + 4 + 2 * n;
    if (textAt + bytes > buf.length) throw frame.corrupt(`string column of ${bytes} bytes past the end`);
    return { at: o + 4, textAt, end: textAt + bytes };
  }
  const end = o + (kind === I32 ? 4 : 8) * n;
  if (end > buf.length) throw frame.corrupt('number column past the end');
  return { at: o, textAt: end, end };
}
