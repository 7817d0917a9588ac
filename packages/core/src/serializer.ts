/**
 * The record serializer: msgpackr with Flint's settings. Used for shuffle batches, cached
 * blocks, parallelize's slices, task payloads and results. Stateless apart from msgpackr's
 * reusable buffers, so one instance per thread.
 *
 * Carried with type and value: numbers (NaN and the infinities too), strings, booleans, null,
 * undefined, bigints, Dates, arrays, plain objects, Maps, Sets, typed arrays, Buffers (as
 * Buffers). Refused with an UncarriableValueError naming the type: functions, Promises, cyclic
 * objects. -0 and strings with lone surrogates (not UTF-8, which msgpack strings are) are carried
 * too: msgpackr has no hook for numbers or strings, so a value is packed as usual and then looked
 * at (see `needsExactForms`); only a value that holds -0 or a lone surrogate (in a string or an
 * object key, inside arrays, plain objects, Maps and Sets) is packed again as a copy in which
 * those are extensions. The look costs ~1% of packing for numbers, ~5% for short strings, ~20%
 * for small plain objects. Instances of other classes arrive as msgpackr writes them: as plain
 * objects of their own enumerable fields (or of what their `toJSON` returns), looked into for -0
 * and lone surrogates like plain objects; instances of Map subclasses arrive as Maps, of Set
 * subclasses as Sets.
 */
import { addExtension, Packr, RESERVE_START_SPACE } from 'msgpackr';

/**
 * A value the serializer refuses because it cannot arrive as it left (a Promise, a function, a
 * cyclic object). Thrown where the value is written, so the task that produced it fails at once.
 */
export class UncarriableValueError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'UncarriableValueError';
  }
}

// msgpackr writes JS numbers as float64 or 32-bit ints, so 64-bit ints on the wire are always bigints:
// decode them as bigints ('number' turned a small bigint into a number). Binary values are copied
// out when decoded: a view would point into a read buffer that the next frame overwrites.
const packr = new Packr({
  useRecords: true,
  moreTypes: true,
  int64AsType: 'bigint',
  copyBuffers: true,
  writeFunction: () => {
    throw new UncarriableValueError(
      'a function cannot be carried as data between threads or processes (only its result can); return data from the function, or pass functions to executors through env',
    );
  },
} as never);

/** msgpack extension type of a Buffer in Flint's records (msgpackr writes Buffers as plain bin, read back as Uint8Array). */
const BUFFER_EXT = 0x46;

addExtension({
  Class: Buffer,
  type: BUFFER_EXT,
  pack(this: unknown, b: Buffer, allocate: (n: number) => { target: Uint8Array; position: number }): Buffer | undefined {
    if (this === packr) return b;
    // Other msgpackr users (message bodies) keep the plain bin format.
    const n = b.length;
    const head = n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
    const { target, position } = allocate(head + n);
    if (head === 2) target.set([0xc4, n], position);
    else if (head === 3) target.set([0xc5, n >> 8, n & 0xff], position);
    else target.set([0xc6, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff], position);
    target.set(b, position + head);
    return undefined;
  },
  unpack: (data: Uint8Array) => Buffer.from(data),
} as never);

addExtension({
  Class: Promise,
  type: 0x47,
  pack(this: unknown, _p: Promise<unknown>, allocate: (n: number) => { target: Uint8Array; position: number }): undefined {
    if (this === packr) {
      throw new UncarriableValueError(
        'a Promise cannot be carried as data: executors call functions synchronously, so an async function or one that returns a Promise yields no value; compute the value synchronously',
      );
    }
    const { target, position } = allocate(1);
    target[position] = 0x80; // an empty map, as msgpackr wrote it before
    return undefined;
  },
  unpack: () => ({}),
} as never);

/** A string that is not well-formed UTF-16 (a lone surrogate), carried as its UTF-16 code units. */
class LoneSurrogateString {
  constructor(readonly s: string) {}
}
/** -0, which msgpackr writes as the integer 0. */
class NegativeZero {}
const NEGATIVE_ZERO = new NegativeZero();
/** A plain object with a key that is not well-formed UTF-16, carried as its entries. */
class OddKeysObject {
  constructor(readonly entries: unknown[]) {}
}

addExtension({
  Class: LoneSurrogateString,
  type: 0x48,
  pack: (v: LoneSurrogateString) => Buffer.from(v.s, 'utf16le'),
  unpack: (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf16le'),
} as never);
addExtension({
  Class: NegativeZero,
  type: 0x49,
  pack: () => Buffer.alloc(0),
  unpack: () => -0,
} as never);
addExtension({
  Class: OddKeysObject,
  type: 0x4a,
  write: (v: OddKeysObject) => v.entries,
  read: (entries: unknown[]) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < entries.length; i += 2) {
      Object.defineProperty(o, entries[i] as string, { value: entries[i + 1], enumerable: true, writable: true, configurable: true });
    }
    return o;
  },
} as never);

/** msgpackr writes a Map subclass as a plain object of its fields (none: its entries were lost); carry it as a Map. */
addExtension({
  Class: Map,
  type: 0x4b,
  write: (m: Map<unknown, unknown>) => new Map(m),
  read: (m: Map<unknown, unknown>) => m,
} as never);

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

const TypedArray = Object.getPrototypeOf(Uint8Array.prototype).constructor as abstract new () => ArrayBufferView;
/** msgpackr's built-in extension classes (with moreTypes) other than Set: their contents are not looked into. */
const OPAQUE_CLASSES: (abstract new (...a: never[]) => unknown)[] = [Date, Error, RegExp, ArrayBuffer, TypedArray, DataView];
const builtInToJSON = new Set<unknown>([Date.prototype.toJSON, Buffer.prototype.toJSON]);
/** Marks an instance that msgpackr writes as a plain object of its own enumerable fields. */
const FIELDS = Symbol('fields');

/**
 * What msgpackr writes for an object that is not an array, a Map, a Set or a plain object
 * (mirroring its packer): FIELDS for an instance written as a plain object of its own enumerable
 * fields, `{ json }` for one written as what its `toJSON` returns, null for an extension class's
 * instance (written opaquely).
 */
function writtenAs(v: object): typeof FIELDS | { json: unknown } | null {
  const ctor = (v as { constructor?: unknown }).constructor;
  if (ctor === Object) return FIELDS;
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  const userToJSON = typeof toJSON === 'function' && !builtInToJSON.has(toJSON);
  for (const c of OPAQUE_CLASSES) {
    // msgpackr lets a subclass's own toJSON win over the built-in extensions, not over its own.
    if (v instanceof c) return userToJSON && ctor !== c ? jsonOf(v, toJSON) : null;
  }
  if (v instanceof Promise) return null;
  return toJSON !== undefined && toJSON !== null ? jsonOf(v, toJSON) : FIELDS;
}
function jsonOf(v: object, toJSON: unknown): typeof FIELDS | { json: unknown } {
  if (typeof toJSON !== 'function') return FIELDS;
  const json: unknown = (toJSON as () => unknown).call(v);
  return json === v ? FIELDS : { json };
}
const isNegativeZero = (x: number): boolean => x === 0 && 1 / x < 0;

/**
 * Whether an object has an own enumerable symbol-keyed field: msgpackr writes string keys only, so
 * such a field would be dropped without a word (a symbol cannot be the same symbol in another
 * thread or process, so it is refused rather than carried).
 */
function hasSymbolField(o: object): boolean {
  const syms = Object.getOwnPropertySymbols(o);
  if (syms.length === 0) return false;
  for (const s of syms) if (Object.prototype.propertyIsEnumerable.call(o, s)) return true;
  return false;
}

/**
 * Whether `v` holds -0 (always looked for: a number loop costs little next to packing), an object
 * with a symbol-keyed field (refused by pack) or, when `strings`, a string or object key with a
 * lone surrogate. Called only on values that packed, so never on a cyclic one.
 */
function holdsInexact(v: unknown, strings: boolean): boolean {
  if (typeof v === 'number') return isNegativeZero(v);
  if (typeof v === 'string') return strings && !isWellFormed(v);
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      if (typeof e === 'number') {
        if (e === 0 && 1 / e < 0) return true;
      } else if (typeof e === 'string') {
        if (strings && !isWellFormed(e)) return true;
      } else if (typeof e === 'object' && e !== null && holdsInexact(e, strings)) return true;
    }
    return false;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    if (hasSymbolField(v)) return true;
    for (const k in v) {
      const e = (v as Record<string, unknown>)[k];
      if (typeof e === 'number') {
        if (e === 0 && 1 / e < 0) return true;
      } else if (typeof e === 'string') {
        if (strings && !isWellFormed(e)) return true;
      } else if (typeof e === 'object' && e !== null && holdsInexact(e, strings)) return true;
      if (strings && !isWellFormed(k)) return true;
    }
    return false;
  }
  if (v instanceof Map) {
    for (const [k, e] of v) if (holdsInexact(k, strings) || holdsInexact(e, strings)) return true;
    return false;
  }
  if (v instanceof Set) {
    for (const e of v) if (holdsInexact(e, strings)) return true;
    return false;
  }
  const written = writtenAs(v);
  if (written === null) return false;
  if (written !== FIELDS) return holdsInexact(written.json, strings);
  if (hasSymbolField(v)) return true;
  for (const k of Object.keys(v)) {
    if (holdsInexact((v as Record<string, unknown>)[k], strings)) return true;
    if (strings && !isWellFormed(k)) return true;
  }
  return false;
}

/** A copy of `v` in which -0, strings with lone surrogates and objects with such keys are extensions. */
function exactForms(v: unknown): unknown {
  if (typeof v === 'number') return isNegativeZero(v) ? NEGATIVE_ZERO : v;
  if (typeof v === 'string') return isWellFormed(v) ? v : new LoneSurrogateString(v);
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof Date) return v;
  // Arrays of subclasses too, as plain arrays (what msgpackr writes); map() would build a subclass.
  if (Array.isArray(v)) return Array.from(v as unknown[], exactForms);
  if (v instanceof Map) return new Map([...v].map(([k, e]) => [exactForms(k), exactForms(e)]));
  if (v instanceof Set) return new Set([...v].map(exactForms));
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    // An instance arrives as the plain object msgpackr writes for it: the same, in exact forms.
    const written = writtenAs(v);
    if (written === null) return v;
    if (written !== FIELDS) return exactForms(written.json);
  }
  const keys = Object.keys(v);
  if (keys.every(isWellFormed)) {
    const o: Record<string, unknown> = {};
    for (const k of keys) Object.defineProperty(o, k, { value: exactForms((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return o;
  }
  const entries: unknown[] = [];
  for (const k of keys) entries.push(new LoneSurrogateString(k), exactForms((v as Record<string, unknown>)[k]));
  return new OddKeysObject(entries);
}

/** UTF-8 of U+FFFD, which Buffer's UTF-8 writer puts for a lone surrogate (msgpackr's long strings). */
const REPLACEMENT = Buffer.from([0xef, 0xbf, 0xbd]);

/**
 * Whether the value packed as `out` must be packed again with exact forms: it holds -0, or a lone
 * surrogate. msgpackr writes a lone surrogate in a short string as the three bytes 0xed 0xa0-0xbf
 * .., in a long one as U+FFFD, so strings are looked at only when the bytes hold either (a native
 * byte search; most outputs hold neither).
 */
function needsExactForms(value: unknown, out: Uint8Array): boolean {
  if (typeof value === 'string') return !isWellFormed(value);
  const strings = out.indexOf(0xed) >= 0 || (out as Buffer).indexOf(REPLACEMENT) >= 0;
  return holdsInexact(value, strings);
}

/** msgpackr's shared write buffer is replaced by a small one once it has grown past this (see keepBufferSmall). */
const MAX_KEPT_BUFFER = 1 << 20;

/**
 * One large value grows msgpackr's shared write buffer, and every later value would be written
 * into (and keep alive) that large buffer; give it a small one again.
 */
function keepBufferSmall(out: Uint8Array): void {
  if (out.buffer.byteLength > MAX_KEPT_BUFFER) packr.useBuffer(Buffer.allocUnsafeSlow(1 << 16));
}

/**
 * Where in `value` the first thing lies that the serializer cannot carry (a function, a Promise, a
 * symbol, a WeakMap/WeakSet/WeakRef), as a path from `at`; null when there is none. Cycles are
 * not looked for (packing finds them). Nested values deeper than 64 are not looked at.
 */
export function findUncarriable(value: unknown, at = 'value', depth = 0): string | null {
  const t = typeof value;
  if (t === 'function') return `${at} is a function`;
  if (t === 'symbol') return `${at} is a symbol`;
  if (t !== 'object' || value === null || depth > 64) return null;
  if (value instanceof Promise) return `${at} is a Promise`;
  if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) return `${at} is a ${value.constructor.name}`;
  if (ArrayBuffer.isView(value) || value instanceof Date) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const e = value[i];
      if (typeof e === 'object' ? e !== null : typeof e === 'function' || typeof e === 'symbol') {
        const r = findUncarriable(e, `${at}[${i}]`, depth + 1);
        if (r) return r;
      }
    }
    return null;
  }
  if (value instanceof Map) {
    for (const [k, e] of value) {
      const r = findUncarriable(k, `${at} (a Map key)`, depth + 1) ?? findUncarriable(e, `${at}.get(${String(k).slice(0, 20)})`, depth + 1);
      if (r) return r;
    }
    return null;
  }
  if (value instanceof Set) {
    for (const e of value) {
      const r = findUncarriable(e, `${at} (a Set element)`, depth + 1);
      if (r) return r;
    }
    return null;
  }
  if (!(value instanceof Promise) && writtenAsFields(value as object) && hasSymbolField(value as object)) {
    const s = Object.getOwnPropertySymbols(value).find((k) => Object.prototype.propertyIsEnumerable.call(value, k))!;
    return `${at}[${String(s)}] is a field keyed by a symbol (it would be dropped)`;
  }
  for (const k of Object.keys(value as object)) {
    const r = findUncarriable((value as Record<string, unknown>)[k], `${at}.${k}`, depth + 1);
    if (r) return r;
  }
  return null;
}

/** Whether msgpackr writes `o` (not an array, Map or Set) as an object of its own fields. */
function writtenAsFields(o: object): boolean {
  const proto: unknown = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null || writtenAs(o) === FIELDS;
}

/** Walks `value` for the first cycle and names its path (only called once packing has failed). */
function findCycle(value: unknown): string | null {
  const stack = new Set<unknown>();
  const walk = (v: unknown, at: string, depth: number): string | null => {
    if (typeof v !== 'object' || v === null || depth > 10_000) return null;
    if (stack.has(v)) return at;
    stack.add(v);
    try {
      if (v instanceof Map) {
        for (const [k, e] of v) {
          const r = walk(k, `${at}.keys()`, depth + 1) ?? walk(e, `${at}.get(${String(k).slice(0, 20)})`, depth + 1);
          if (r) return r;
        }
      } else if (v instanceof Set) {
        for (const e of v) {
          const r = walk(e, `${at}.values()`, depth + 1);
          if (r) return r;
        }
      } else if (!ArrayBuffer.isView(v)) {
        for (const k of Object.keys(v)) {
          const r = walk((v as Record<string, unknown>)[k], Array.isArray(v) ? `${at}[${k}]` : `${at}.${k}`, depth + 1);
          if (r) return r;
        }
      }
      return null;
    } finally {
      stack.delete(v);
    }
  };
  return walk(value, 'value', 0);
}

/**
 * Packs with Flint's packr; a cyclic value is an UncarriableValueError naming where it loops, not a
 * stack overflow. A value holding -0 or a lone surrogate is packed again in exact forms.
 */
function pack(value: unknown, flags?: number): Buffer {
  try {
    const out = flags === undefined ? packr.pack(value) : (packr.pack(value, flags) as Buffer);
    if (typeof value === 'number' ? !isNegativeZero(value) : !needsExactForms(value, out)) return out;
    const where = findUncarriable(value);
    if (where) throw new UncarriableValueError(`${where.replace(/^value/, 'the value')}, which cannot be carried as data between threads or processes; return or keep plain data instead`);
    const exact = exactForms(value);
    return flags === undefined ? packr.pack(exact) : (packr.pack(exact, flags) as Buffer);
  } catch (e) {
    if (e instanceof RangeError) {
      const cycle = findCycle(value);
      if (cycle) {
        throw new UncarriableValueError(
          `a cyclic object cannot be carried as data (${cycle.replace(/^value/, 'the value')} refers back to an object that contains it); Flint copies values by content`,
        );
      }
    }
    if (!(e instanceof UncarriableValueError)) {
      // msgpackr's own refusal ("Unknown type: symbol") names neither the value nor where it is.
      const where = findUncarriable(value);
      if (where) throw new UncarriableValueError(`${where.replace(/^value/, 'the value')}, which cannot be carried as data between threads or processes; return or keep plain data instead`);
    }
    throw e;
  }
}

/** The serialized size of a value, without keeping its bytes (size estimates sample records with it). */
export function serializedSize(value: unknown): number {
  const view = pack(value);
  keepBufferSmall(view);
  return view.byteLength;
}

/**
 * The bytes of a value, in a buffer of their own: results and other values posted between threads
 * are copied whole with their ArrayBuffer, so a view into msgpackr's shared buffer would copy all
 * of that buffer (megabytes, after one large value) with every post.
 */
export function serialize(value: unknown): Buffer {
  const view = pack(value);
  keepBufferSmall(view);
  if (view.byteLength === view.buffer.byteLength) return view;
  // Not Buffer.from(view): small copies land in Node's shared 8 KiB pool, posted whole in turn.
  const own = Buffer.allocUnsafeSlow(view.byteLength);
  view.copy(own);
  return own;
}

export function deserialize<T = unknown>(buf: Uint8Array): T {
  return packr.unpack(buf) as T;
}

/**
 * The bytes of `value` with `reserve` free bytes in front of them, for a caller that writes a
 * header there (a frame, see frame/frame.ts): msgpackr leaves the room itself, so the bytes need
 * no copy (it writes each value after the last in its buffer, never over one it returned).
 */
export function serializeAfter(value: unknown, reserve: number): Buffer {
  const out = pack(value, RESERVE_START_SPACE | reserve);
  keepBufferSmall(out);
  return out;
}
