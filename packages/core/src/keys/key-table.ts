/**
 * The hash table behind every by-key operation on the hot path: map-side combine,
 * reduce-side aggregation, the hash join's build side and KeyMap. Keys compare by
 * value (as `keyEquals`). Entries sit in insertion order in two arrays, `keys` and
 * `vals`; `intern` and `find` return an entry index, so merging a value into an
 * existing entry costs one lookup instead of a get and a set.
 *
 * Short strings and 32-bit integers, the usual keys, go to open-addressing tables
 * that keep a 32-bit tag beside each slot: the string's hash, or the integer itself.
 * A probe compares tags in one typed array and touches a key string only when its
 * tag matches, where V8's Map walks a chain and reads every key on it; strings of up
 * to 7 Latin-1 characters are also packed into the slot and compared there without
 * touching the key at all. With 200k distinct words a combine costs ~55 ns per record
 * (a Map: ~140 ns). Other keys
 * (long strings, fractions, NaN, booleans, null, bigints) go through a Map, and
 * short arrays of such integers and strings (tuples) through a third table compared
 * element by element, other composite keys through a Map of their canonical strings.
 * A tuple key is kept as the first-seen array: mutating it afterwards breaks lookups.
 *
 * The table's hash differs from the partitioning hash (`hashKey`): all keys of one
 * reduce partition share `hashKey(k) % n`, and a table indexed by the same bits
 * would crowd them into a fraction of its slots.
 */
import { canonicalKey } from './key-hash.ts';

/** Longer strings are hashed natively (Map): hashing them in JS costs more than the probe saves. */
const MAX_TABLE_STRING = 64;
const MIN_SLOTS = 1 << 10;
const MAX_FIRST_SLOTS = 1 << 17;

/** The packed words of the last string hashed (see tableHashOfString). */
let PACK_W0 = 0;
let PACK_W1 = -1;

/** A 32-bit finalizer with constants unrelated to the partitioning hash's. */
function scramble(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h;
}

/**
 * The table hash of a string (exported for tests of its spread). A string of at most 7
 * Latin-1 characters is packed into two int32s — its first four characters, then the
 * other three with the length in the top byte — and hashed from them; the packed words
 * are left in PACK_W0 / PACK_W1, so a probe compares such a key without loading the
 * stored string. Any other string is hashed character by character and leaves
 * PACK_W1 = -1, which no packed word equals. Equal strings take the same branch, so the
 * two hashes never disagree on one key.
 */
export function tableHashOfString(k: string): number {
  return hashChars(k, 0, k.length);
}

/** The table hash of the `n` characters of `s` from `at` (tableHashOfString of that slice). */
function hashChars(s: string, at: number, n: number): number {
  if (n <= 7) {
    let w0 = 0;
    let w1 = n << 24;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(at + i);
      if (c > 0xff) break;
      if (i < 4) w0 |= c << (i << 3);
      else w1 |= c << ((i - 4) << 3);
    }
    if (i === n) {
      PACK_W0 = w0;
      PACK_W1 = w1;
      return packedHash(w0, w1);
    }
  }
  PACK_W0 = 0;
  PACK_W1 = -1;
  let h = 0x9747b28c;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(at + i), 0x01000193);
  return scramble(h ^ n);
}

/** The table hash of a short string from its packed words (see tableHashOfString). */
function packedHash(w0: number, w1: number): number {
  return scramble((Math.imul(w0, 0x9e3779b1) + w1) | 0);
}

/** The table hash of a 32-bit integer (exported for tests of its spread). */
export function tableHashOfInt(k: number): number {
  return scramble(k ^ 0x3c6ef372);
}

const MAX_TUPLE = 8;

/** The table hash of a short array of 32-bit integers and short strings; undefined for any other array. */
export function tableHashOfTuple(a: unknown[]): number | undefined {
  if (a.length > MAX_TUPLE) return undefined;
  let h = 0x1b873593 ^ a.length;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    let e: number;
    if (typeof x === 'number') {
      if ((x | 0) !== x) return undefined;
      e = tableHashOfInt(x | 0);
    } else if (typeof x === 'string') {
      if (x.length > MAX_TABLE_STRING) return undefined;
      e = tableHashOfString(x) ^ 0x5bd1e995;
    } else return undefined;
    h = Math.imul(h ^ e, 0x01000193);
  }
  return scramble(h);
}

/** Element-wise equality of two tuples that both have a tuple hash (so -0 equals 0 and no NaN occurs). */
function sameTuple(a: unknown[], b: unknown): boolean {
  if (!Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * One open-addressing table of a KeyTable: per slot a run of `1 << shift` int32 cells in
 * one array, so a probe touches one cache line: the 32-bit tag, the entry index + 1
 * (0 = empty) and, in string tables, the packed characters of a short string (see
 * `tableHashOfString`). Linear probing, at most half full. Probing stays in KeyTable, whose key
 * kinds compare differently; this holds the cells and grows them.
 */
class TaggedSlots {
  cells: Int32Array<ArrayBuffer>;
  /** Slot mask: slot s has its cells at s << shift. */
  mask: number;
  private count = 0;

  constructor(
    size: number,
    readonly shift: number,
    /** A slot's hash from its tag (the tag itself when the tag is a hash). */
    private readonly hashOfTag: (tag: number) => number,
  ) {
    this.cells = new Int32Array(size << shift);
    this.mask = size - 1;
  }

  /** Fills the empty slot at cell `p` with entry `e`, doubling the table once it is half full. */
  fill(p: number, tag: number, e: number, w0 = 0, w1 = 0): void {
    const c = this.cells;
    c[p] = tag;
    c[p + 1] = e + 1;
    if (this.shift > 1) {
      c[p + 2] = w0;
      c[p + 3] = w1;
    }
    if (++this.count * 2 > this.mask + 1) this.grow();
  }

  private grow(): void {
    const { cells, shift } = this;
    const width = 1 << shift;
    const cap = (this.mask + 1) * 2;
    const mask = cap - 1;
    const next = new Int32Array(cap << shift);
    for (let p = 0; p < cells.length; p += width) {
      if (cells[p + 1] === 0) continue;
      let t = this.hashOfTag(cells[p]!) & mask;
      while (next[(t << shift) + 1] !== 0) t = (t + 1) & mask;
      const q = t << shift;
      next[q] = cells[p]!;
      next[q + 1] = cells[p + 1]!;
      if (width === 4) {
        next[q + 2] = cells[p + 2]!;
        next[q + 3] = cells[p + 3]!;
      }
    }
    this.cells = next;
    this.mask = mask;
  }
}

const tagIsHash = (tag: number): number => tag;

export class KeyTable<V> {
  /** Entry keys in insertion order (integers as they compare: -0 is kept as 0). */
  readonly keys: unknown[] = [];
  /** Entry values, parallel to `keys`. */
  readonly vals: V[] = [];
  /** Whether the last `intern` added its key. */
  added = false;

  /** Tables by key kind, made at the kind's first key: tags are string hashes, the integers themselves, tuple hashes. */
  private strings: TaggedSlots | null = null;
  private ints: TaggedSlots | null = null;
  private tuples: TaggedSlots | null = null;
  private other: Map<unknown, number> | null = null;
  private comp: Map<string, number> | null = null;
  /** Slots a kind's table starts with: enough for the expected keys without growing. */
  private readonly firstSlots: number;

  /**
   * `expectedKeys` sizes each table at its first key: up to 64k keys when it is a bound such as
   * the input's record count, up to `maxFirstSlots / 2` when it is a count seen before.
   */
  constructor(expectedKeys = 0, maxFirstSlots = MAX_FIRST_SLOTS) {
    let n = MIN_SLOTS;
    while (n < expectedKeys * 2 && n < maxFirstSlots) n *= 2;
    this.firstSlots = n;
  }

  get size(): number {
    return this.keys.length;
  }

  /** The entries as [key, value] records, in insertion order. */
  *entries(): Generator<[unknown, V]> {
    const { keys, vals } = this;
    for (let i = 0; i < keys.length; i++) yield [keys[i], vals[i]!];
  }

  /**
   * The entry index of `k`, adding an entry when there is none; `added` says which. The caller
   * stores the new entry's value at `vals[index]` before the next intern.
   */
  intern(k: unknown): number {
    if (typeof k === 'string') {
      if (k.length <= MAX_TABLE_STRING) return this.internString(k);
    } else if (typeof k === 'number') {
      if ((k | 0) === k) return this.internInt(k | 0);
    } else if (typeof k === 'object' && k !== null) {
      if (Array.isArray(k)) {
        const h = tableHashOfTuple(k);
        if (h !== undefined) return this.internTuple(k, h);
      }
      return this.internComposite(k);
    }
    return this.internOther(k);
  }

  /** The entry index of `k`, or -1. */
  find(k: unknown): number {
    if (typeof k === 'string') {
      if (k.length <= MAX_TABLE_STRING) return this.findString(k);
    } else if (typeof k === 'number') {
      if ((k | 0) === k) return this.findInt(k | 0);
    } else if (typeof k === 'object' && k !== null) {
      if (Array.isArray(k)) {
        const h = tableHashOfTuple(k);
        if (h !== undefined) return this.findTuple(k, h);
      }
      return this.comp?.get(canonicalKey(k)) ?? -1;
    }
    return this.other?.get(k) ?? -1;
  }

  /**
   * The entry index of the string `text.slice(at, at + n)`, or -1, without cutting that string
   * when it is short and Latin-1 (compared packed in the slot).
   */
  findChars(text: string, at: number, n: number): number {
    if (n > MAX_TABLE_STRING) return this.find(text.slice(at, at + n));
    if (!this.strings) return -1;
    const h = hashChars(text, at, n);
    // A packed key is compared in its slot; any other is compared as a string, cut only then.
    const k = PACK_W1 === -1 ? text.slice(at, at + n) : '';
    return Math.max(-1, this.probeString(this.strings, k, h, PACK_W0, PACK_W1));
  }

  /**
   * The entry index of the ASCII string of `n` ≤ 7 bytes at `at` of `b`, or -1: packed and hashed
   * from the bytes as tableHashOfString packs its characters, so neither the string nor its
   * characters are read.
   */
  findAscii(b: Uint8Array, at: number, n: number): number {
    if (!this.strings) return -1;
    let w0 = 0;
    let w1 = n << 24;
    if (n >= 4) {
      // Whole words read at once (a probe of 6-byte keys: ~12 → 10 ns against a loop by byte).
      w0 = b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
      if (n > 4) w1 |= b[at + 4]!;
      if (n > 5) w1 |= b[at + 5]! << 8;
      if (n > 6) w1 |= b[at + 6]! << 16;
    } else for (let i = 0; i < n; i++) w0 |= b[at + i]! << (i << 3);
    return Math.max(-1, this.probeString(this.strings, '', packedHash(w0, w1), w0, w1));
  }

  private findString(k: string): number {
    if (!this.strings) return -1;
    const h = tableHashOfString(k);
    return Math.max(-1, this.probeString(this.strings, k, h, PACK_W0, PACK_W1));
  }

  private internString(k: string): number {
    const t = (this.strings ??= new TaggedSlots(this.firstSlots, 2, tagIsHash));
    const h = tableHashOfString(k);
    const w0 = PACK_W0;
    const w1 = PACK_W1;
    const r = this.probeString(t, k, h, w0, w1);
    if (r >= 0) return this.found(r);
    const e = this.push(k);
    t.fill(-1 - r, h, e, w0, w1);
    return e;
  }

  /** The entry of string `k` (hash `h`, packed words `w0`, `w1`), or `-1 - p` for the empty cell p where it belongs. */
  private probeString(t: TaggedSlots, k: string, h: number, w0: number, w1: number): number {
    const { cells, mask } = t;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const p = s << 2;
      const j = cells[p + 1]!;
      if (j === 0) return -1 - p;
      if (cells[p] === h && (w1 === -1 ? this.keys[j - 1] === k : cells[p + 2] === w0 && cells[p + 3] === w1)) return j - 1;
    }
  }

  private findInt(k: number): number {
    return this.ints ? Math.max(-1, this.probeInt(this.ints, k)) : -1;
  }

  private internInt(k: number): number {
    const t = (this.ints ??= new TaggedSlots(this.firstSlots, 1, tableHashOfInt));
    const r = this.probeInt(t, k);
    if (r >= 0) return this.found(r);
    const e = this.push(k);
    t.fill(-1 - r, k, e);
    return e;
  }

  /** The entry of integer `k` (its own tag), or `-1 - p` for the empty cell p where it belongs. */
  private probeInt(t: TaggedSlots, k: number): number {
    const { cells, mask } = t;
    for (let s = tableHashOfInt(k) & mask; ; s = (s + 1) & mask) {
      const p = s << 1;
      const j = cells[p + 1]!;
      if (j === 0) return -1 - p;
      if (cells[p] === k) return j - 1;
    }
  }

  private findTuple(k: unknown[], h: number): number {
    return this.tuples ? Math.max(-1, this.probeTuple(this.tuples, k, h)) : -1;
  }

  private internTuple(k: unknown[], h: number): number {
    const t = (this.tuples ??= new TaggedSlots(this.firstSlots, 1, tagIsHash));
    const r = this.probeTuple(t, k, h);
    if (r >= 0) return this.found(r);
    const e = this.push(k);
    t.fill(-1 - r, h, e);
    return e;
  }

  /** The entry of tuple `k` (hash `h`), or `-1 - p` for the empty cell p where it belongs. */
  private probeTuple(t: TaggedSlots, k: unknown[], h: number): number {
    const { cells, mask } = t;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const p = s << 1;
      const j = cells[p + 1]!;
      if (j === 0) return -1 - p;
      if (cells[p] === h && sameTuple(k, this.keys[j - 1])) return j - 1;
    }
  }

  private internComposite(k: object): number {
    const c = canonicalKey(k);
    this.comp ??= new Map();
    const j = this.comp.get(c);
    if (j !== undefined) return this.found(j);
    const e = this.push(k);
    this.comp.set(c, e);
    return e;
  }

  private internOther(k: unknown): number {
    this.other ??= new Map();
    const j = this.other.get(k);
    if (j !== undefined) return this.found(j);
    const e = this.push(k);
    this.other.set(k, e);
    return e;
  }

  /** An existing entry, for `intern`. */
  private found(e: number): number {
    this.added = false;
    return e;
  }

  /**
   * Appends a key. Its value slot is left to the caller, who stores `vals[e]` right after the
   * `intern` that added it: no placeholder goes in first, so an array of numbers stays one of
   * unboxed doubles or small integers and a merge allocates no heap number.
   */
  private push(k: unknown): number {
    const e = this.keys.length;
    this.keys.push(k);
    this.added = true;
    return e;
  }
}
