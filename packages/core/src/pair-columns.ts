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
 * Strings go through UTF-8 as with msgpack (a lone surrogate becomes U+FFFD in both).
 */
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

/**
 * Per-thread scratch of one batch being encoded: the string lengths, UTF-8 bytes and numbers of
 * each column, gathered in the one pass over the records and copied into the frame as byte runs.
 * The byte columns hold the most a batch may have: MAX_COLUMN_CHARS UTF-16 units, 3 bytes each.
 */
class Scratch {
  keyLens = new Uint16Array(1024);
  valLens = new Uint16Array(1024);
  keyNums = new Float64Array(1024);
  valNums = new Float64Array(1024);
  ints = new Int32Array(1024);
  readonly keyBytes = Buffer.allocUnsafeSlow(3 * MAX_COLUMN_CHARS);
  readonly valBytes = Buffer.allocUnsafeSlow(3 * MAX_COLUMN_CHARS);

  ensure(n: number): void {
    if (n <= this.keyLens.length) return;
    let size = this.keyLens.length;
    while (size < n) size *= 2;
    this.keyLens = new Uint16Array(size);
    this.valLens = new Uint16Array(size);
    this.keyNums = new Float64Array(size);
    this.valNums = new Float64Array(size);
    this.ints = new Int32Array(size);
  }
}
const scratch = new Scratch();

/**
 * Writes `s` as UTF-8 at `o` of `dst`, returning the end. ASCII goes character by character
 * (short keys: cheaper than concatenating the batch's strings and encoding the result); a string
 * with any other character is written again whole by Buffer.write.
 */
function putString(dst: Buffer, o: number, s: string): number {
  const n = s.length;
  for (let j = 0; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c >= 0x80) return o + dst.write(s, o, 'utf8');
    dst[o + j] = c;
  }
  return o + n;
}

/** Allocates a frame's bytes: Buffer.allocUnsafe, or a writer's slab. */
export type FrameAlloc = (bytes: number) => Buffer;
const allocUnsafe: FrameAlloc = (bytes) => Buffer.allocUnsafe(bytes);

/**
 * A batch of pairs as a frame: `header` bytes left for the caller's frame header (a u32 LE body
 * length is written at 0 when there are 4), then the columnar body. Null when the batch does not
 * fit the columns. One pass over the records gathers both columns (string lengths, numbers and
 * the concatenated text) into scratch arrays, which go into the frame as whole byte runs.
 */
export function encodePairFrame(records: unknown[], header: number, alloc: FrameAlloc = allocUnsafe): Buffer | null {
  const n = records.length;
  if (n === 0 || !LITTLE_ENDIAN) return null;
  scratch.ensure(n);
  const { keyLens, valLens, keyNums, valNums, keyBytes, valBytes } = scratch;
  let kk = -1;
  let vk = -1;
  // UTF-16 units of both string columns, and bytes written to each.
  let chars = 0;
  let kb = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    if (!Array.isArray(r) || r.length !== 2) return null;
    const k: unknown = r[0];
    const v: unknown = r[1];
    if (typeof k === 'string') {
      // Long strings: a column past V8's large-object size (128 KiB) costs more to build and cut
      // than msgpack's string-by-string copy (3x slower both ways at 512 strings of 1 KiB).
      if (kk > STR || k.length > MAX_STRING || (chars += k.length) > MAX_COLUMN_CHARS) return null;
      kk = STR;
      keyLens[i] = k.length;
      kb = putString(keyBytes, kb, k);
    } else if (typeof k === 'number') {
      if (kk === STR) return null;
      if (kk !== F64) kk = numberKind(k);
      keyNums[i] = k;
    } else return null;
    if (typeof v === 'string') {
      if (vk > STR || v.length > MAX_STRING || (chars += v.length) > MAX_COLUMN_CHARS) return null;
      vk = STR;
      valLens[i] = v.length;
      vb = putString(valBytes, vb, v);
    } else if (typeof v === 'number') {
      if (vk === STR) return null;
      if (vk !== F64) vk = numberKind(v);
      valNums[i] = v;
    } else return null;
  }
  const bodyLength = 6 + columnBytes(kk, n, kb) + columnBytes(vk, n, vb);
  const out = alloc(header + bodyLength);
  if (header === 4) out.writeUInt32LE(bodyLength, 0);
  let o = header;
  out[o++] = MARKER;
  out[o++] = kk * 3 + vk;
  out.writeUInt32LE(n, o);
  o += 4;
  o = writeColumn(out, o, n, kk, keyLens, keyNums, keyBytes, kb);
  writeColumn(out, o, n, vk, valLens, valNums, valBytes, vb);
  return out;
}

function columnBytes(kind: number, n: number, utf8Bytes: number): number {
  return kind === STR ? 4 + 2 * n + utf8Bytes : kind === I32 ? 4 * n : 8 * n;
}

function writeColumn(out: Buffer, o: number, n: number, kind: number, lens: Uint16Array, nums: Float64Array, utf8: Buffer, bytes: number): number {
  if (kind === STR) {
    out.writeUInt32LE(bytes, o);
    o += 4;
    out.set(new Uint8Array(lens.buffer, 0, 2 * n), o);
    o += 2 * n;
    out.set(utf8.subarray(0, bytes), o);
    return o + bytes;
  }
  if (kind === I32) {
    const ints = scratch.ints;
    for (let i = 0; i < n; i++) ints[i] = nums[i]!;
    out.set(new Uint8Array(ints.buffer, 0, 4 * n), o);
    return o + 4 * n;
  }
  out.set(new Uint8Array(nums.buffer, 0, 8 * n), o);
  return o + 8 * n;
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
 * (KeyTable.findChars) and cut the string only when it needs one. `next()` steps to the next
 * record; the frame's columns are checked against its length up front, the string spans as
 * they are read.
 */
export class PairCursor {
  readonly n: number;
  readonly keyKind: number;
  readonly valKind: number;
  readonly keyText: string;
  readonly valText: string;
  readonly keyAt: number;
  readonly valAt: number;
  readonly dv: DataView;
  private readonly size: number;
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
    this.size = buf.length;
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
    this.keyText = k.text;
    this.keyAt = k.at;
    this.valText = v.text;
    this.valAt = v.at;
  }

  get stringKeys(): boolean {
    return this.keyKind === STR;
  }

  /** Steps to the next record; false past the last. */
  next(): boolean {
    const i = ++this.i;
    if (i >= this.n) {
      const keysEnd = this.keyKind === STR ? this.keyStart + this.keyLength : 0;
      if (i === this.n && (keysEnd !== this.keyText.length || this.vp !== this.valText.length)) throw this.corrupt('string lengths do not match the string column');
      return false;
    }
    const dv = this.dv;
    if (this.keyKind === STR) {
      this.keyStart += this.keyLength;
      this.keyLength = dv.getUint16(this.keyAt + 2 * i, true);
      if (this.keyStart + this.keyLength > this.keyText.length) throw this.corrupt('string lengths do not match the string column');
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
    return new Error(`corrupt pair frame (${this.size} bytes): ${why}`);
  }
}

/** Where a column's per-record data starts, its decoded text (string columns) and where it ends. */
function column(buf: Buffer, dv: DataView, o: number, n: number, kind: number, frame: PairCursor): { at: number; text: string; end: number } {
  if (kind === STR) {
    if (o + 4 + 2 * n > buf.length) throw frame.corrupt('string column past the end');
    const bytes = dv.getUint32(o, true);
    const textAt = o + 4 + 2 * n;
    if (textAt + bytes > buf.length) throw frame.corrupt(`string column of ${bytes} bytes past the end`);
    return { at: o + 4, text: buf.toString('utf8', textAt, textAt + bytes), end: textAt + bytes };
  }
  const end = o + (kind === I32 ? 4 : 8) * n;
  if (end > buf.length) throw frame.corrupt('number column past the end');
  return { at: o, text: '', end };
}
