/** Row ids as stored: 4 bytes each while every id fits (SQLite rowids rarely pass 2^32), else 8. */
type IdArray = Uint32Array<ArrayBuffer> | Float64Array<ArrayBuffer>;

/** What the orders of one attempt may share: its row ids in ascending order (a constant column's whole order). */
export interface KeptOrderShare {
  ascendingIds?: IdArray;
}

/**
 * Row ids of a stage attempt's tasks in ascending order of one numeric column (value, then
 * rowid: the order listTasks' SQL gives), the rows without a value apart. Built once per
 * (attempt, column, status filter, taskVersion) and paged by slicing, in both directions.
 *
 * Compact: ids take 4 bytes while they fit in 32 bits, and a column whose rows all hold one
 * value (common: spill, fetch wait and many more are 0 for every task of most stages) shares
 * the attempt's ascending id list instead of a copy (`ownBytes` 0).
 */
export class KeptOrder {
  constructor(
    private readonly valued: IdArray,
    private readonly nulls: IdArray,
    /** Bytes this order holds alone (a shared list is not counted). */
    readonly ownBytes: number,
  ) {}

  get size(): number {
    return this.valued.length + this.nulls.length;
  }

  /** The same rows, in the same order, as listTasks' SQL gives: NULLs last both ways, ties by rowid. */
  page(desc: boolean, offset: number, limit: number): number[] {
    const out: number[] = [];
    const nv = this.valued.length;
    for (let i = offset; i < offset + limit && i < this.size; i++) {
      if (i < nv) out.push(desc ? this.valued[nv - 1 - i]! : this.valued[i]!);
      else out.push(desc ? this.nulls[this.nulls.length - 1 - (i - nv)]! : this.nulls[i - nv]!);
    }
    return out;
  }

  /**
   * From parallel arrays in any order: `rowids[i]` has `values[i]` (null: no value). Null
   * when a value is not a finite number (the caller sorts in SQL instead). Orders of one
   * attempt built with one `share` object share what they can.
   *
   * Sorted by a stable LSD radix sort over the 64 bits of each double (16 bits a pass, a
   * pass skipped when every key shares its digit): rows are first put in rowid order, so
   * equal values stay in rowid order. At 100,000 tasks this is a few ms where a comparison
   * sort of the pairs cost 80-90 ms of CPU here.
   */
  static of(rowids: ArrayLike<number>, values: ArrayLike<number | null>, share: KeptOrderShare = {}): KeptOrder | null {
    const n = rowids.length;
    const withValue: number[] = [];
    const nullRowids: number[] = [];
    let first: number | null = null;
    let constant = true;
    let maxId = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const id = rowids[i]!;
      if (id > maxId) maxId = id;
      if (v === null || v === undefined) {
        nullRowids.push(id);
        constant = false;
      } else if (typeof v !== 'number' || !Number.isFinite(v)) return null;
      else {
        withValue.push(i);
        if (first === null) first = v + 0;
        else if (v + 0 !== first) constant = false;
      }
    }
    const idArray = (len: number): IdArray => (maxId <= 0xffffffff && Number.isInteger(maxId) ? new Uint32Array(len) : new Float64Array(len));
    const rowKey = new Float64Array(n);
    let ascending = true;
    for (let i = 0; i < n; i++) {
      rowKey[i] = rowids[i]!;
      if (i > 0 && rowKey[i]! < rowKey[i - 1]!) ascending = false;
    }
    const byRowid = () => (ascending ? Uint32Array.from(withValue) : radixSort(Uint32Array.from(withValue), rowKey));
    if (constant) {
      // Every row has the one value: the order is the rows' own, shared by every such column.
      let ids = share.ascendingIds;
      if (!ids || ids.length !== n) {
        const perm = byRowid();
        ids = idArray(n);
        for (let i = 0; i < n; i++) ids[i] = rowKey[perm[i]!]!;
        share.ascendingIds = ids;
        return new KeptOrder(ids, idArray(0), ids.byteLength);
      }
      return new KeptOrder(ids, idArray(0), 0);
    }
    let perm = byRowid();
    const valueKey = new Float64Array(n);
    for (let i = 0; i < n; i++) valueKey[i] = (values[i] ?? 0) + 0; // -0 and 0 are one value in SQL
    perm = radixSort(perm, valueKey);
    const valued = idArray(perm.length);
    for (let i = 0; i < perm.length; i++) valued[i] = rowKey[perm[i]!]!;
    const nulls = idArray(nullRowids.length);
    nulls.set(nullRowids);
    nulls.sort();
    return new KeptOrder(valued, nulls, valued.byteLength + nulls.byteLength);
  }
}

/** `perm` (indexes into `key`) stably sorted by ascending key; keys are finite doubles. */
function radixSort(perm: Uint32Array<ArrayBuffer>, key: Float64Array): Uint32Array<ArrayBuffer> {
  const n = key.length;
  // Each double as two unsigned words whose unsigned order is the numeric order.
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  const words = new Uint32Array(key.buffer, key.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    let l = words[2 * i]!;
    let h = words[2 * i + 1]!;
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else h = (h | 0x80000000) >>> 0;
    lo[i] = l;
    hi[i] = h;
  }
  const m = perm.length;
  let src = perm;
  let dst: Uint32Array<ArrayBuffer> = new Uint32Array(m);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const w = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = 0; i < m; i++) count[(w[src[i]!]! >>> shift) & 0xffff]!++;
    if (m === 0 || count[(w[src[0]!]! >>> shift) & 0xffff] === m) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < m; i++) {
      const id = src[i]!;
      dst[count[(w[id]! >>> shift) & 0xffff]!++] = id;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}
