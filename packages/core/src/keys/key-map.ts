import { canonicalKey } from './key-hash.ts';

/**
 * A map whose keys compare by value: primitives go to a native Map (fast path),
 * composite keys (arrays, objects) are indexed by their canonical string.
 * Single-threaded; iteration yields the first-seen original key.
 */
export class KeyMap<V> {
  private readonly prim = new Map<unknown, V>();
  private comp: Map<string, { k: unknown; v: V }> | null = null;

  get size(): number {
    return this.prim.size + (this.comp ? this.comp.size : 0);
  }
  get(k: unknown): V | undefined {
    if (typeof k !== 'object' || k === null) return this.prim.get(k);
    return this.comp?.get(canonicalKey(k))?.v;
  }
  has(k: unknown): boolean {
    if (typeof k !== 'object' || k === null) return this.prim.has(k);
    return this.comp?.has(canonicalKey(k)) ?? false;
  }
  set(k: unknown, v: V): this {
    if (typeof k !== 'object' || k === null) {
      this.prim.set(k, v);
    } else {
      const c = canonicalKey(k);
      this.comp ??= new Map();
      const e = this.comp.get(c);
      if (e) e.v = v;
      else this.comp.set(c, { k, v });
    }
    return this;
  }
  delete(k: unknown): boolean {
    if (typeof k !== 'object' || k === null) return this.prim.delete(k);
    return this.comp?.delete(canonicalKey(k)) ?? false;
  }
  clear(): void {
    this.prim.clear();
    this.comp = null;
  }
  *entries(): IterableIterator<[unknown, V]> {
    yield* this.prim.entries();
    if (this.comp) for (const e of this.comp.values()) yield [e.k, e.v];
  }
  *keys(): IterableIterator<unknown> {
    yield* this.prim.keys();
    if (this.comp) for (const e of this.comp.values()) yield e.k;
  }
  [Symbol.iterator](): IterableIterator<[unknown, V]> {
    return this.entries();
  }
}

/** Converts a KeyMap to a JS Map keyed by the original keys (composite keys by their first-seen instance). */
export function keyMapToMap<K, V>(m: KeyMap<V>): Map<K, V> {
  const out = new Map<K, V>();
  for (const [k, v] of m) out.set(k as K, v);
  return out;
}
