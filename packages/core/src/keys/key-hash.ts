/**
 * Deterministic, by-value hashing of keys. Equal keys (by value, see `keyEquals`)
 * hash equally in every process, so hash partitioning agrees across executors.
 * Never uses V8 identity. Pure functions, no state.
 */

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix(h ^ s.length);
}

export function hashNumber(n: number): number {
  if ((n | 0) === n) return mix(n ^ 0x5bd1e995);
  if (n === 0) return mix(0x5bd1e995); // -0 equals 0
  if (n !== n) return 0x7ff80000;
  F64[0] = n;
  return mix(U32[0]! ^ mix(U32[1]!));
}

/**
 * Hash of any key: primitives, arrays (element-wise), plain objects (sorted keys), Dates, bigints.
 * Strings and numbers are tested first in a function small enough for V8 to inline into the
 * partitioner; the rest is a call away.
 */
export function hashKey(k: unknown): number {
  if (typeof k === 'string') return hashString(k);
  if (typeof k === 'number') return hashNumber(k);
  return hashOther(k);
}

/** Hash of a key that is neither a string nor a number. */
function hashOther(k: unknown): number {
  switch (typeof k) {
    case 'boolean':
      return k ? 0x4cf5ad43 : 0x2b3c4d5e;
    case 'undefined':
      return 0x1b873593;
    case 'bigint':
      return mix(hashString(k.toString()) ^ 0x27d4eb2f);
    case 'object': {
      if (k === null) return 0;
      if (Array.isArray(k)) {
        let h = 0x3c6ef372 ^ k.length;
        for (let i = 0; i < k.length; i++) h = (Math.imul(h, 31) + hashKey(k[i])) | 0;
        return mix(h);
      }
      if (k instanceof Date) return mix(hashNumber(k.getTime()) ^ 0x68e31da4);
      if (ArrayBuffer.isView(k) || k instanceof ArrayBuffer) {
        const b = bytesOf(k);
        let h = 0x9e3779b9 ^ hashString(binaryKind(k));
        for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
        return mix(h);
      }
      // Maps and Sets equal by content in any order: hashed from their canonical strings, which sort it.
      if (k instanceof Map || k instanceof Set) return mix(hashString(canonicalKey(k)) ^ 0x1f83d9ab);
      const keys = Object.keys(k).sort();
      let h = 0x510e527f;
      for (const name of keys) {
        h = (Math.imul(h, 31) + hashString(name)) | 0;
        h = (Math.imul(h, 31) + hashKey((k as Record<string, unknown>)[name])) | 0;
      }
      return mix(h);
    }
    default:
      throw new TypeError(`cannot hash a key of type ${typeof k}: keys must be data (numbers, strings, booleans, null, arrays, plain objects)`);
  }
}

/**
 * The type a binary key compares by: its typed-array class (a Buffer is a Uint8Array), so a
 * Uint8Array of 8 zero bytes and a Float64Array([0]) are different keys.
 */
function binaryKind(k: ArrayBufferView | ArrayBuffer): string {
  if (k instanceof ArrayBuffer) return 'ArrayBuffer';
  if (k instanceof DataView) return 'DataView';
  if (k instanceof Uint8Array) return 'Uint8Array';
  return Object.prototype.toString.call(k).slice(8, -1);
}

function bytesOf(k: ArrayBufferView | ArrayBuffer): Uint8Array {
  return k instanceof ArrayBuffer ? new Uint8Array(k) : new Uint8Array(k.buffer, k.byteOffset, k.byteLength);
}

/**
 * Canonical string of a composite key: two keys are equal exactly when their canonical strings are.
 * Keys compare by type and value: a Map, a Set and a plain object with the same content differ;
 * Maps and Sets compare by content in any insertion order.
 */
export function canonicalKey(k: unknown): string {
  switch (typeof k) {
    case 'string':
      return JSON.stringify(k);
    case 'number':
      return k === 0 ? '0' : String(k);
    case 'boolean':
      return k ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'bigint':
      return `${k}n`;
    case 'object': {
      if (k === null) return 'null';
      if (Array.isArray(k)) {
        let s = '[';
        for (let i = 0; i < k.length; i++) s += (i ? ',' : '') + canonicalKey(k[i]);
        return s + ']';
      }
      if (k instanceof Date) return `D${k.getTime()}`;
      if (ArrayBuffer.isView(k) || k instanceof ArrayBuffer) return `B${binaryKind(k)}:${Buffer.from(bytesOf(k)).toString('base64')}`;
      if (k instanceof Map) {
        const entries: string[] = [];
        for (const [ek, ev] of k) entries.push(`${canonicalKey(ek)}=>${canonicalKey(ev)}`);
        return `M{${entries.sort().join(',')}}`;
      }
      if (k instanceof Set) {
        const items: string[] = [];
        for (const e of k) items.push(canonicalKey(e));
        return `S{${items.sort().join(',')}}`;
      }
      const keys = Object.keys(k).sort();
      let s = '{';
      for (let i = 0; i < keys.length; i++) s += (i ? ',' : '') + JSON.stringify(keys[i]) + ':' + canonicalKey((k as Record<string, unknown>)[keys[i]!]);
      return s + '}';
    }
    default:
      throw new TypeError(`cannot use a value of type ${typeof k} as a key`);
  }
}

export function isPrimitiveKey(k: unknown): boolean {
  return typeof k !== 'object' || k === null;
}

export function keyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return a !== a && b !== b;
  if (isPrimitiveKey(a) || isPrimitiveKey(b)) return false;
  return canonicalKey(a) === canonicalKey(b);
}
