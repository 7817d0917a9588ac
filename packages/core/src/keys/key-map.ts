import { KeyTable } from './key-table.ts';

const DELETED: unique symbol = Symbol('deleted');

/**
 * A map whose keys compare by value (as `keyEquals`): numbers, strings, arrays,
 * plain objects. Iteration follows first insertion and yields the first-seen
 * original key. Single-threaded; backed by a KeyTable.
 */
export class KeyMap<V> {
  private t = new KeyTable<V | typeof DELETED>();
  private deleted = 0;

  get size(): number {
    return this.t.size - this.deleted;
  }
  get(k: unknown): V | undefined {
    const i = this.t.find(k);
    if (i < 0) return undefined;
    const v = this.t.vals[i];
    return v === DELETED ? undefined : v;
  }
  has(k: unknown): boolean {
    const i = this.t.find(k);
    return i >= 0 && this.t.vals[i] !== DELETED;
  }
  set(k: unknown, v: V): this {
    const i = this.t.intern(k);
    if (!this.t.added && this.t.vals[i] === DELETED) this.deleted--;
    this.t.vals[i] = v;
    return this;
  }
  delete(k: unknown): boolean {
    const i = this.t.find(k);
    if (i < 0 || this.t.vals[i] === DELETED) return false;
    this.t.vals[i] = DELETED;
    this.deleted++;
    return true;
  }
  clear(): void {
    this.t = new KeyTable();
    this.deleted = 0;
  }
  *entries(): IterableIterator<[unknown, V]> {
    const { keys, vals } = this.t;
    for (let i = 0; i < keys.length; i++) {
      const v = vals[i]!;
      if (v !== DELETED) yield [keys[i], v];
    }
  }
  *keys(): IterableIterator<unknown> {
    for (const e of this.entries()) yield e[0];
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
