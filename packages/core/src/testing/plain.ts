/**
 * Plain-JS reference computations for the engine's tests: every answer the
 * engine gives is compared with one of these, computed on the driver over the
 * same input. Deliberately independent of the engine's own key code (keys/),
 * so a bug there cannot hide itself. Pure functions.
 */

/** A string that is equal for two values exactly when they are equal by value (arrays element-wise). */
export function canon(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undef';
  if (typeof x === 'number') return Object.is(x, -0) ? 'n:0' : `n:${x}`;
  if (typeof x === 'string') return `s:${JSON.stringify(x)}`;
  if (typeof x === 'boolean') return `b:${x}`;
  if (typeof x === 'bigint') return `i:${x}`;
  if (Array.isArray(x)) return `[${x.map(canon).join(',')}]`;
  if (x instanceof Map) return `M{${[...x.entries()].map(([k, v]) => `${canon(k)}=>${canon(v)}`).sort().join(',')}}`;
  if (x instanceof Set) return `S{${[...x].map(canon).sort().join(',')}}`;
  if (x instanceof Date) return `D:${x.getTime()}`;
  if (ArrayBuffer.isView(x)) {
    // By type (a Buffer is a Uint8Array) and by bytes.
    const type = x instanceof Uint8Array ? 'Uint8Array' : x.constructor.name;
    return `${type}(${Array.from(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)).join(' ')})`;
  }
  if (typeof x === 'object') {
    const o = x as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon(o[k])}`)
      .join(',')}}`;
  }
  return `?${String(x)}`;
}

/** A copy sorted by canonical form: for comparing results whose order is not defined. */
export function bag<T>(xs: Iterable<T>): T[] {
  return [...xs].map((x) => [canon(x), x] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
}

/** Groups pairs by key (by value); values keep input order; groups in first-seen order. */
export function groupPairs<K, V>(pairs: Iterable<[K, V]>): [K, V[]][] {
  const m = new Map<string, [K, V[]]>();
  for (const [k, v] of pairs) {
    const c = canon(k);
    const g = m.get(c);
    if (g) g[1].push(v);
    else m.set(c, [k, [v]]);
  }
  return [...m.values()];
}

/** reduceByKey over plain pairs: values folded left to right in input order. */
export function reducePairs<K, V>(pairs: Iterable<[K, V]>, f: (a: V, b: V) => V): [K, V][] {
  return groupPairs(pairs).map(([k, vs]) => [k, vs.reduce(f)] as [K, V]);
}

/** Distinct values by value, in first-seen order. */
export function distinctValues<T>(xs: Iterable<T>): T[] {
  const seen = new Map<string, T>();
  for (const x of xs) if (!seen.has(canon(x))) seen.set(canon(x), x);
  return [...seen.values()];
}

/** Values sorted into groups for order-independent comparison: [k, sorted vs] sorted by key. */
export function normalizeGroups<K, V>(groups: Iterable<[K, V[]]>): [K, V[]][] {
  return bag([...groups].map(([k, vs]) => [k, bag(vs)] as [K, V[]]));
}

/** Joins of plain pairs, as Spark defines them; missing sides are null. */
export function joinPairs<K, V, W>(
  left: [K, V][],
  right: [K, W][],
  how: 'inner' | 'left' | 'right' | 'full',
): [K, [V | null, W | null]][] {
  const out: [K, [V | null, W | null]][] = [];
  const rightBy = new Map<string, W[]>();
  for (const [k, w] of right) {
    const c = canon(k);
    if (!rightBy.has(c)) rightBy.set(c, []);
    rightBy.get(c)!.push(w);
  }
  const leftKeys = new Set<string>();
  for (const [k, v] of left) {
    leftKeys.add(canon(k));
    const ws = rightBy.get(canon(k));
    if (ws) for (const w of ws) out.push([k, [v, w]]);
    else if (how === 'left' || how === 'full') out.push([k, [v, null]]);
  }
  if (how === 'right' || how === 'full') {
    for (const [k, w] of right) if (!leftKeys.has(canon(k))) out.push([k, [null, w]]);
  }
  return out;
}

/** Cogroup of plain pair lists: one entry per key present in any input. */
export function cogroupPairs<K>(inputs: [K, unknown][][]): [K, unknown[][]][] {
  const m = new Map<string, [K, unknown[][]]>();
  inputs.forEach((pairs, i) => {
    for (const [k, v] of pairs) {
      const c = canon(k);
      let e = m.get(c);
      if (!e) {
        e = [k, inputs.map(() => [])];
        m.set(c, e);
      }
      e[1][i]!.push(v);
    }
  });
  return [...m.values()];
}

/** Numbers compared numerically, strings by code units, arrays lexicographically (for sortByKey models). */
export function plainCompare(a: unknown, b: unknown): number {
  const rank = (v: unknown): number =>
    v === undefined ? 0 : v === null ? 1 : typeof v === 'boolean' ? 2 : typeof v === 'number' ? 3 : typeof v === 'string' ? 6 : Array.isArray(v) ? 7 : 8;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string') return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = plainCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return 0;
}

/** Spark's slicing of parallelize: slice i is [floor(i*n/k), floor((i+1)*n/k)). */
export function sparkSlices<T>(data: T[], k: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < k; i++) out.push(data.slice(Math.floor((i * data.length) / k), Math.floor(((i + 1) * data.length) / k)));
  return out;
}

/**
 * Lines of a text as Spark's textFile yields them: ended by \n, \r\n or a lone \r (Hadoop's
 * LineReader), no empty last line after a final terminator, a byte-order mark at the start dropped.
 */
export function textLines(text: string): string[] {
  return bytesLines(Buffer.from(text, 'utf8'));
}

/**
 * Lines of a file's bytes, found byte by byte and each decoded on its own (invalid UTF-8 as
 * U+FFFD): the reference for textFile over any bytes.
 */
export function bytesLines(bytes: Uint8Array): string[] {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  // A byte-order mark belongs to the first line (a file of only a mark is one empty line, as in Hadoop).
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const out: string[] = [];
  let i = bom ? 3 : 0;
  let lineStart = i;
  if (bom && i === bytes.length) out.push('');
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b === 10 || b === 13) {
      out.push(decoder.decode(bytes.subarray(lineStart, i)));
      i += b === 13 && bytes[i + 1] === 10 ? 2 : 1;
      lineStart = i;
    } else i++;
  }
  if (lineStart < bytes.length) out.push(decoder.decode(bytes.subarray(lineStart)));
  return out;
}
