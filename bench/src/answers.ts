/**
 * The answers the workloads produce, one shape per workload, the same for every
 * engine, and how two answers are compared. Engines hand back these raw
 * answers; the harness compares each run of each engine with the reference
 * (the plain single-threaded program) and summarises them for the report.
 */

/** Modulus of the order-sensitive checksums: below 2^26, so a product of two residues stays exact in a double. */
export const CHECKSUM_MOD = 67_108_859;

export const WORKLOAD_IDS = ['wordcount', 'groupby', 'sort', 'join', 'pagerank', 'tinytasks', 'shuffle'] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

export interface JoinAnswer {
  /** Joined rows. */
  readonly rows: number;
  /** Σ value × weight over joined rows. */
  readonly sumProduct: number;
  /** Σ (id mod M) × (value × weight mod M), mod M: ties each product to its key. */
  readonly checksum: number;
}

export interface SortAnswer {
  readonly count: number;
  /** Every key ≤ the next one, within and across partitions. */
  readonly sorted: boolean;
  /** Σ (rank mod M) × (key mod M), mod M, over the sorted sequence: changes if any two distinct keys swap. */
  readonly rankChecksum: number;
  /** Σ record length: no record lost, duplicated or altered in length. */
  readonly bytes: number;
}

export interface TinyTasksAnswer {
  readonly tasks: number;
  readonly count: number;
}

export interface ShuffleAnswer {
  readonly records: number;
  readonly bytes: number;
  readonly partitions: number;
}

export interface AnswerOf {
  wordcount: Array<[string, number]>;
  groupby: Array<[string, number]>;
  sort: SortAnswer;
  join: JoinAnswer;
  pagerank: Array<[number, number]>;
  tinytasks: TinyTasksAnswer;
  shuffle: ShuffleAnswer;
}

/** One partition's contribution to a SortAnswer, in partition order. */
export interface SortPartitionSummary {
  readonly index: number;
  readonly count: number;
  readonly first: number | null;
  readonly last: number | null;
  readonly sorted: boolean;
  /** Σ (local rank mod M) × (key mod M), mod M. */
  readonly local: number;
  /** Σ key mod M, mod M. */
  readonly keySum: number;
  readonly bytes: number;
}

/** Folds per-partition summaries (any order given; combined by index) into the global answer. */
export function combineSortSummaries(parts: readonly SortPartitionSummary[]): SortAnswer {
  const M = CHECKSUM_MOD;
  const ordered = [...parts].sort((a, b) => a.index - b.index);
  let count = 0;
  let bytes = 0;
  let checksum = 0;
  let sorted = true;
  let previousLast: number | null = null;
  for (const p of ordered) {
    if (!p.sorted) sorted = false;
    if (p.count > 0) {
      if (previousLast !== null && p.first !== null && p.first < previousLast) sorted = false;
      previousLast = p.last;
    }
    checksum = (checksum + p.local + ((count % M) * p.keySum) % M) % M;
    count += p.count;
    bytes += p.bytes;
  }
  return { count, sorted, rankChecksum: checksum, bytes };
}

/** The outcome of comparing an answer with the reference. */
export interface AnswerCheck {
  readonly ok: boolean;
  /** Why it differs (first few differences), or what was found equal. */
  readonly detail: string;
  /** Something worth reporting that does not make the answer wrong (e.g. an unbalanced repartition). */
  readonly warning?: string;
}

function compareCounts(what: string, expected: Array<[string, number]>, got: Array<[string, number]>): AnswerCheck {
  if (!Array.isArray(got)) return { ok: false, detail: `expected an array of pairs, got ${typeof got}` };
  const want = new Map(expected);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [k, v] of got) {
    if (seen.has(k)) problems.push(`${what} ${JSON.stringify(k)} appears twice`);
    seen.add(k);
    const w = want.get(k);
    if (w === undefined) problems.push(`unexpected ${what} ${JSON.stringify(k)} = ${v}`);
    else if (w !== v) problems.push(`${what} ${JSON.stringify(k)}: expected ${w}, got ${v}`);
    if (problems.length >= 5) break;
  }
  if (problems.length === 0 && seen.size !== want.size) {
    for (const k of want.keys()) {
      if (!seen.has(k)) problems.push(`missing ${what} ${JSON.stringify(k)}`);
      if (problems.length >= 5) break;
    }
  }
  if (problems.length > 0) return { ok: false, detail: problems.join('; ') };
  const total = expected.reduce((a, [, v]) => a + v, 0);
  return { ok: true, detail: `all ${want.size} (${what}, value) pairs equal; total ${total}` };
}

function comparePageRank(expected: Array<[number, number]>, got: Array<[number, number]>): AnswerCheck {
  if (!Array.isArray(got)) return { ok: false, detail: `expected an array of pairs, got ${typeof got}` };
  const want = new Map(expected);
  let worst = 0;
  const problems: string[] = [];
  for (const [node, rank] of got) {
    const w = want.get(node);
    if (w === undefined) {
      problems.push(`unexpected node ${node}`);
    } else {
      const rel = Math.abs(rank - w) / Math.max(Math.abs(w), 1e-12);
      worst = Math.max(worst, rel);
      if (!(rel <= 1e-9)) problems.push(`node ${node}: expected ${w}, got ${rank}`);
    }
    if (problems.length >= 5) break;
  }
  if (problems.length === 0 && got.length !== want.size) problems.push(`expected ${want.size} ranked nodes, got ${got.length}`);
  if (problems.length > 0) return { ok: false, detail: problems.join('; ') };
  return { ok: true, detail: `all ${want.size} ranks within 1e-9 relative (worst ${worst.toExponential(1)})` };
}

function compareFields<T extends object>(expected: T, got: T): AnswerCheck {
  if (typeof got !== 'object' || got === null) return { ok: false, detail: `expected an object, got ${JSON.stringify(got)}` };
  const diffs = Object.keys(expected)
    .filter((k) => (expected as Record<string, unknown>)[k] !== (got as Record<string, unknown>)[k])
    .map((k) => `${k}: expected ${JSON.stringify((expected as Record<string, unknown>)[k])}, got ${JSON.stringify((got as Record<string, unknown>)[k])}`);
  return diffs.length > 0 ? { ok: false, detail: diffs.join('; ') } : { ok: true, detail: JSON.stringify(expected) };
}

/** Compares an engine's answer with the reference answer of the same workload. */
export function compareAnswers<W extends WorkloadId>(workload: W, expected: AnswerOf[W], got: AnswerOf[W]): AnswerCheck {
  switch (workload) {
    case 'wordcount':
      return compareCounts('word', expected as AnswerOf['wordcount'], got as AnswerOf['wordcount']);
    case 'groupby':
      return compareCounts('key', expected as AnswerOf['groupby'], got as AnswerOf['groupby']);
    case 'pagerank':
      return comparePageRank(expected as AnswerOf['pagerank'], got as AnswerOf['pagerank']);
    case 'sort': {
      const g = got as SortAnswer;
      if (g && g.sorted === false) return { ok: false, detail: 'output not sorted by key' };
      return compareFields(expected as SortAnswer, g);
    }
    case 'shuffle': {
      // The records and bytes are the answer; how evenly repartition spread them is reported, not failed.
      const e = expected as ShuffleAnswer;
      const g = got as ShuffleAnswer;
      const check = compareFields({ records: e.records, bytes: e.bytes }, g && { records: g.records, bytes: g.bytes });
      if (check.ok && g.partitions !== e.partitions) {
        return { ...check, warning: `only ${g.partitions} of ${e.partitions} output partitions received records` };
      }
      return check;
    }
    default:
      return compareFields(expected as object, got as object);
  }
}

/** A short, JSON-friendly summary of an answer for the report. */
export function summarizeAnswer<W extends WorkloadId>(workload: W, answer: AnswerOf[W]): unknown {
  switch (workload) {
    case 'wordcount':
    case 'groupby': {
      const pairs = answer as Array<[string, number]>;
      const top = [...pairs].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
      return { distinct: pairs.length, total: pairs.reduce((a, [, v]) => a + v, 0), top };
    }
    case 'pagerank': {
      const pairs = answer as Array<[number, number]>;
      const top = [...pairs].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 5);
      return { nodes: pairs.length, rankSum: pairs.reduce((a, [, v]) => a + v, 0), top };
    }
    default:
      return answer;
  }
}
