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
const BAD = 3;
const MAX_STRING = 0xffff;
/** Most UTF-16 units the string columns of one batch hold together (see encodePairFrame). */
const MAX_COLUMN_CHARS = 1 << 16;

/** Widens a column kind by one value; BAD when the value cannot go in a column. */
function widen(kind: number, x: unknown): number {
  if (typeof x === 'string') return (kind === -1 || kind === STR) && x.length <= MAX_STRING ? STR : BAD;
  if (typeof x === 'number') {
    if (kind === STR || kind === BAD) return BAD;
    return kind !== F64 && (x | 0) === x && (x !== 0 || 1 / x > 0) ? I32 : F64;
  }
  return BAD;
}

function columnBytes(kind: number, n: number, utf8Bytes: number): number {
  return kind === STR ? 4 + 2 * n + utf8Bytes : kind === I32 ? 4 * n : 8 * n;
}

/**
 * A batch of pairs as a frame: `header` bytes left for the caller's frame header (a u32 LE body
 * length is written at 0 when there are 4), then the columnar body. Null when the batch does not
 * fit the columns.
 */
export function encodePairFrame(records: unknown[], header: number): Buffer | null {
  const n = records.length;
  if (n === 0) return null;
  let kk = -1;
  let vk = -1;
  let chars = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    if (!Array.isArray(r) || r.length !== 2) return null;
    const k = r[0];
    const v = r[1];
    kk = widen(kk, k);
    vk = widen(vk, v);
    if (kk === BAD || vk === BAD) return null;
    if (kk === STR) chars += (k as string).length;
    if (vk === STR) chars += (v as string).length;
  }
  // Long strings: a column text past V8's large-object size (128 KiB) costs more to build and cut
  // than msgpack's string-by-string copy (3x slower both ways at 512 strings of 1 KiB).
  if (chars > MAX_COLUMN_CHARS) return null;
  let keyText = '';
  let valText = '';
  if (kk === STR) for (let i = 0; i < n; i++) keyText += (records[i] as [string, unknown])[0];
  if (vk === STR) for (let i = 0; i < n; i++) valText += (records[i] as [unknown, string])[1];
  const keyBytes = kk === STR ? Buffer.byteLength(keyText, 'utf8') : 0;
  const valBytes = vk === STR ? Buffer.byteLength(valText, 'utf8') : 0;
  const bodyLength = 6 + columnBytes(kk, n, keyBytes) + columnBytes(vk, n, valBytes);
  const out = Buffer.allocUnsafe(header + bodyLength);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (header === 4) dv.setUint32(0, bodyLength, true);
  let o = header;
  out[o++] = MARKER;
  out[o++] = kk * 3 + vk;
  dv.setUint32(o, n, true);
  o += 4;
  o = writeColumn(out, dv, o, records, 0, kk, keyText, keyBytes);
  writeColumn(out, dv, o, records, 1, vk, valText, valBytes);
  return out;
}

function writeColumn(out: Buffer, dv: DataView, o: number, records: unknown[], field: 0 | 1, kind: number, text: string, bytes: number): number {
  const n = records.length;
  if (kind === STR) {
    dv.setUint32(o, bytes, true);
    o += 4;
    for (let i = 0; i < n; i++, o += 2) dv.setUint16(o, ((records[i] as unknown[])[field] as string).length, true);
    out.write(text, o, bytes, 'utf8');
    return o + bytes;
  }
  if (kind === I32) {
    for (let i = 0; i < n; i++, o += 4) dv.setInt32(o, (records[i] as unknown[])[field] as number, true);
    return o;
  }
  for (let i = 0; i < n; i++, o += 8) dv.setFloat64(o, (records[i] as unknown[])[field] as number, true);
  return o;
}

/** Whether a frame body is a pair batch (else it is msgpack). */
export function isPairFrame(body: Uint8Array): boolean {
  return body.length > 0 && body[0] === MARKER;
}

/** The records of a pair-batch frame body. */
export function decodePairFrame(body: Uint8Array): unknown[] {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const corrupt = (why: string): Error => new Error(`corrupt pair frame (${buf.length} bytes): ${why}`);
  if (buf.length < 6) throw corrupt('shorter than its header');
  const kinds = buf[1]!;
  const kk = Math.floor(kinds / 3);
  const vk = kinds % 3;
  if (kk > F64) throw corrupt(`unknown column kinds ${kinds}`);
  const n = dv.getUint32(2, true);
  const k = column(buf, dv, 6, n, kk, corrupt);
  const v = column(buf, dv, k.end, n, vk, corrupt);
  if (v.end !== buf.length) throw corrupt(`${buf.length - v.end} bytes past its columns`);
  const out = new Array<unknown>(n);
  const kt = k.text;
  const vt = v.text;
  let kp = 0;
  let vp = 0;
  for (let i = 0; i < n; i++) {
    let key: unknown;
    let value: unknown;
    if (kk === STR) {
      const len = dv.getUint16(k.at + 2 * i, true);
      key = kt.slice(kp, kp + len);
      kp += len;
    } else key = kk === I32 ? dv.getInt32(k.at + 4 * i, true) : dv.getFloat64(k.at + 8 * i, true);
    if (vk === STR) {
      const len = dv.getUint16(v.at + 2 * i, true);
      value = vt.slice(vp, vp + len);
      vp += len;
    } else value = vk === I32 ? dv.getInt32(v.at + 4 * i, true) : dv.getFloat64(v.at + 8 * i, true);
    out[i] = [key, value];
  }
  if ((kk === STR && kp !== kt.length) || (vk === STR && vp !== vt.length)) throw corrupt('string lengths do not match the string column');
  return out;
}

/** Where a column's per-record data starts, its decoded text (string columns) and where it ends. */
function column(buf: Buffer, dv: DataView, o: number, n: number, kind: number, corrupt: (why: string) => Error): { at: number; text: string; end: number } {
  if (kind === STR) {
    if (o + 4 + 2 * n > buf.length) throw corrupt('string column past the end');
    const bytes = dv.getUint32(o, true);
    const textAt = o + 4 + 2 * n;
    if (textAt + bytes > buf.length) throw corrupt(`string column of ${bytes} bytes past the end`);
    return { at: o + 4, text: buf.toString('utf8', textAt, textAt + bytes), end: textAt + bytes };
  }
  const end = o + (kind === I32 ? 4 : 8) * n;
  if (end > buf.length) throw corrupt('number column past the end');
  return { at: o, text: '', end };
}
