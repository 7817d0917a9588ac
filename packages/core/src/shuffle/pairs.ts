/**
 * The one refusal of a record that an operation reads as a [key, value] pair but is not one: a
 * longer array would lose its third element without a word ([k, v, x] read as [k, v]) and a
 * non-array would read as [undefined, undefined]. Operations that carry records whole (partitionBy,
 * sortByKey, repartitionAndSortWithinPartitions, sampleByKey) or read them by position as their
 * definition says (keys, values, lookup, countByKey) do not use it.
 */
import { pushAll, type PushIterable } from '../util/push.ts';

/** What a refused record looks like: its JSON (bigints as `1n`), cut at 80 characters, and its length when an array. */
function shape(rec: unknown): string {
  const shown = (() => {
    try {
      return JSON.stringify(rec, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))?.slice(0, 80) ?? typeof rec;
    } catch {
      return typeof rec;
    }
  })();
  return `${shown}${Array.isArray(rec) ? ` (an array of ${rec.length})` : ` (${rec === null ? 'null' : typeof rec})`}`;
}

/** Where a record was read: the method reading it and the partition (of an RDD, when known) it came from. */
export interface PairReader {
  method: string;
  partition: number;
  rddId?: number;
}

export function notAPair(rec: unknown, at: PairReader | null): never {
  const where = at ? `${at.method}: partition ${at.partition}${at.rddId === undefined ? '' : ` of RDD ${at.rddId}`} has a record that is not a [key, value] pair; ` : 'shuffle: ';
  throw new TypeError(`${where}expected [key, value] pairs (two-element arrays), got ${shape(rec)}`);
}

/** `records`, each checked to be a two-element array (refused with `notAPair` otherwise). */
export function pairsOnly(records: Iterable<unknown>, at: PairReader): PushIterable<unknown> {
  return {
    *[Symbol.iterator]() {
      for (const r of records) {
        if (!Array.isArray(r) || r.length !== 2) notAPair(r, at);
        yield r;
      }
    },
    pushTo(sink) {
      pushAll(records, (r) => {
        if (!Array.isArray(r) || r.length !== 2) notAPair(r, at);
        sink(r);
      });
    },
  };
}
