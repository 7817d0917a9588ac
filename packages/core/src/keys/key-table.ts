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
 * tag matches, where V8's Map walks a chain and reads every key on it; with 200k
 * distinct words this takes a combine from ~170 to ~100 ns per record. Other keys
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

/** A 32-bit finalizer with constants unrelated to the partitioning hash's. */
function scramble(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h;
}

/** The table hash of a string (exported for tests of its spread). */
export function tableHashOfString(k: string): number {
  let h = 0x9747b28c;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return scramble(h ^ k.length);
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
 * One open-addressing table of a KeyTable: per slot a 32-bit tag and an entry index + 1
 * (0 = empty); linear probing, at most half full. Probing stays in KeyTable, whose key
 * kinds compare differently; this holds the slots and grows them.
 */
class TaggedSlots {
  tags: Int32Array<ArrayBuffer>;
  slots: Int32Array<ArrayBuffer>;
  mask: number;
  private count = 0;

  constructor(
    size: number,
    /** A slot's hash from its tag (the tag itself when the tag is a hash). */
    private readonly hashOfTag: (tag: number) => number,
  ) {
    this.tags = new Int32Array(size);
    this.slots = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Fills empty slot `s` with entry `e`, doubling the table once it is half full. */
  fill(s: number, tag: number, e: number): void {
    this.tags[s] = tag;
    this.slots[s] = e + 1;
    if (++this.count * 2 > this.slots.length) this.grow();
  }

  private grow(): void {
    const { tags, slots } = this;
    const cap = slots.length * 2;
    const mask = cap - 1;
    const nt = new Int32Array(cap);
    const ns = new Int32Array(cap);
    for (let s = 0; s < slots.length; s++) {
      const j = slots[s]!;
      if (j === 0) continue;
      const tag = tags[s]!;
      let t = this.hashOfTag(tag) & mask;
      while (ns[t] !== 0) t = (t + 1) & mask;
      nt[t] = tag;
      ns[t] = j;
    }
    this.tags = nt;
    this.slots = ns;
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

  /** `expectedKeys` (a bound such as the input's record count) sizes each table at its first key, up to 64k keys. */
  constructor(expectedKeys = 0) {
    let n = MIN_SLOTS;
    while (n < expectedKeys * 2 && n < MAX_FIRST_SLOTS) n *= 2;
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

  /** The entry index of `k`, adding an entry (value undefined) when there is none; `added` says which. */
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

  private findString(k: string): number {
    const t = this.strings;
    if (!t) return -1;
    const h = tableHashOfString(k);
    const { tags, slots, mask } = t;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const j = slots[s]!;
      if (j === 0) return -1;
      if (tags[s] === h && this.keys[j - 1] === k) return j - 1;
    }
  }

  private internString(k: string): number {
    const t = (this.strings ??= new TaggedSlots(this.firstSlots, tagIsHash));
    const h = tableHashOfString(k);
    const { tags, slots, mask } = t;
    let s = h & mask;
    for (; ; s = (s + 1) & mask) {
      const j = slots[s]!;
      if (j === 0) break;
      if (tags[s] === h && this.keys[j - 1] === k) {
        this.added = false;
        return j - 1;
      }
    }
    const e = this.push(k);
    t.fill(s, h, e);
    return e;
  }

  private findInt(k: number): number {
    const t = this.ints;
    if (!t) return -1;
    const { tags, slots, mask } = t;
    for (let s = tableHashOfInt(k) & mask; ; s = (s + 1) & mask) {
      const j = slots[s]!;
      if (j === 0) return -1;
      if (tags[s] === k) return j - 1;
    }
  }

  private internInt(k: number): number {
    const t = (this.ints ??= new TaggedSlots(this.firstSlots, tableHashOfInt));
    const { tags, slots, mask } = t;
    let s = tableHashOfInt(k) & mask;
    for (; ; s = (s + 1) & mask) {
      const j = slots[s]!;
      if (j === 0) break;
      if (tags[s] === k) {
        this.added = false;
        return j - 1;
      }
    }
    const e = this.push(k);
    t.fill(s, k, e);
    return e;
  }

  private findTuple(k: unknown[], h: number): number {
    const t = this.tuples;
    if (!t) return -1;
    const { tags, slots, mask } = t;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const j = slots[s]!;
      if (j === 0) return -1;
      if (tags[s] === h && sameTuple(k, this.keys[j - 1])) return j - 1;
    }
  }

  private internTuple(k: unknown[], h: number): number {
    const t = (this.tuples ??= new TaggedSlots(this.firstSlots, tagIsHash));
    const { tags, slots, mask } = t;
    let s = h & mask;
    for (; ; s = (s + 1) & mask) {
      const j = slots[s]!;
      if (j === 0) break;
      if (tags[s] === h && sameTuple(k, this.keys[j - 1])) {
        this.added = false;
        return j - 1;
      }
    }
    const e = this.push(k);
    t.fill(s, h, e);
    return e;
  }

  private internComposite(k: object): number {
    const c = canonicalKey(k);
    this.comp ??= new Map();
    const j = this.comp.get(c);
    if (j !== undefined) {
      this.added = false;
      return j;
    }
    const e = this.push(k);
    this.comp.set(c, e);
    return e;
  }

  private internOther(k: unknown): number {
    this.other ??= new Map();
    const j = this.other.get(k);
    if (j !== undefined) {
      this.added = false;
      return j;
    }
    const e = this.push(k);
    this.other.set(k, e);
    return e;
  }

  private push(k: unknown): number {
    const e = this.keys.length;
    this.keys.push(k);
    this.vals.push(undefined as V);
    this.added = true;
    return e;
  }
}
