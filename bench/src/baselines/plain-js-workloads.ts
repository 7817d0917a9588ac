import { Worker } from 'node:worker_threads';
import { CHECKSUM_MOD, type AnswerOf, type WorkloadId } from '../answers.ts';
import type { JobSpec } from '../workloads.ts';
import { ByteWordCounter } from './byte-word-counter.ts';
import { forEachLine } from './line-blocks.ts';

/**
 * The "COST" baselines: each workload as one good single-threaded Node.js
 * program (streaming block reads, Map or typed-array state, no engine). A
 * distributed engine on this machine has to beat these to be worth its cost.
 */
export const PLAIN_JS_SETUP: Record<WorkloadId, string> = {
  wordcount: '1 thread: 4 MiB block reads, words hashed from the bytes into an open-addressing table (no string per word)',
  groupby: '1 thread: 4 MiB block reads, one Map<string, counter>',
  sort: '1 thread: read all records, 3-pass LSD radix sort of the 40-bit keys, records permuted',
  join: '1 thread: hash join (dimension in a Map, key/value lines streamed past it)',
  pagerank: '1 thread: distinct edges in a sorted Float64Array, CSR adjacency, typed-array ranks',
  tinytasks: '2 worker_threads started before timing, one postMessage round trip per task (a thread pool with no scheduler)',
  shuffle: '1 thread: encode records into P in-memory byte buckets (length-prefixed UTF-8), decode them back',
};

function files(spec: JobSpec, name: keyof JobSpec['inputs']): readonly string[] {
  const d = spec.inputs[name];
  if (!d) throw new Error(`job spec has no ${name} input`);
  return d.files;
}

/** A mutable counter, so a key already seen costs one Map lookup, not a lookup and a store. */
interface Counter {
  n: number;
}

/**
 * Word count as one thread runs the Flint program's own steps (the program a user writes without
 * an engine): lines and words cut with String.split, one Map of counts. The tuned `plain-js` row
 * hashes words from the bytes instead and is the COST bound; this row says what the same
 * per-word work costs without an engine.
 */
export const PLAIN_JS_SPLIT_SETUP = '1 thread: 4 MiB block reads, lines and words cut with String.split, one Map<string, number> (the Flint program\'s steps, no engine)';

export function plainWordCountSplit(spec: JobSpec): AnswerOf['wordcount'] {
  const counts = new Map<string, number>();
  forEachLine(files(spec, 'corpus'), (line) => {
    const words = line.split(' ');
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  });
  return Array.from(counts);
}

export function plainWordCount(spec: JobSpec): AnswerOf['wordcount'] {
  const counter = new ByteWordCounter();
  for (const file of files(spec, 'corpus')) counter.addFile(file);
  return counter.entries();
}

function parseUint(text: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 10 + (text.charCodeAt(i) - 48);
  return v;
}

export function plainGroupBy(spec: JobSpec): AnswerOf['groupby'] {
  const sums = new Map<string, Counter>();
  forEachLine(files(spec, 'pairs'), (line) => {
    const tab = line.indexOf('\t');
    const key = line.slice(0, tab);
    const v = parseUint(line, tab + 1, line.length);
    const c = sums.get(key);
    if (c !== undefined) c.n += v;
    else sums.set(key, { n: v });
  });
  return Array.from(sums, ([k, c]): [string, number] => [k, c.n]);
}

export function plainJoin(spec: JobSpec): AnswerOf['join'] {
  const M = CHECKSUM_MOD;
  const weights = new Map<string, number>();
  forEachLine(files(spec, 'dimension'), (line) => {
    const tab = line.indexOf('\t');
    weights.set(line.slice(0, tab), parseUint(line, tab + 1, line.length));
  });
  let rows = 0;
  let sumProduct = 0;
  let checksum = 0;
  forEachLine(files(spec, 'pairs'), (line) => {
    const tab = line.indexOf('\t');
    const w = weights.get(line.slice(0, tab));
    if (w === undefined) return;
    const p = parseUint(line, tab + 1, line.length) * w;
    const id = parseUint(line, 1, tab);
    rows++;
    sumProduct += p;
    checksum = (checksum + ((id % M) * (p % M)) % M) % M;
  });
  return { rows, sumProduct, checksum };
}

/** Stable LSD radix sort of indices by 40-bit keys: 14 + 14 + 12 bits. */
function radixOrder(lo28: Uint32Array, hi12: Uint32Array, n: number): Uint32Array {
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const passes: Array<[Uint32Array, number, number]> = [
    [lo28, 0, 0x3fff],
    [lo28, 14, 0x3fff],
    [hi12, 0, 0xfff],
  ];
  const counts = new Uint32Array(1 << 14);
  for (const [digits, shift, mask] of passes) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(digits[i] >>> shift) & mask]++;
    let sum = 0;
    for (let b = 0; b <= mask; b++) {
      const c = counts[b];
      counts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const idx = order[i];
      next[counts[(digits[idx] >>> shift) & mask]++] = idx;
    }
    [order, next] = [next, order];
  }
  return order;
}

export function plainSort(spec: JobSpec): AnswerOf['sort'] {
  const M = CHECKSUM_MOD;
  const capacity = spec.size.records.rows;
  const lines: string[] = [];
  const keys = new Float64Array(capacity);
  const lo28 = new Uint32Array(capacity);
  const hi12 = new Uint32Array(capacity);
  forEachLine(files(spec, 'records'), (line) => {
    const i = lines.length;
    if (i >= capacity) throw new Error('more records than the size spec says');
    const key = parseUint(line, 0, line.indexOf(','));
    const hi = Math.floor(key / 268435456);
    keys[i] = key;
    hi12[i] = hi;
    lo28[i] = key - hi * 268435456;
    lines.push(line);
  });
  const n = lines.length;
  const order = radixOrder(lo28, hi12, n);
  const sortedLines = new Array<string>(n);
  for (let i = 0; i < n; i++) sortedLines[i] = lines[order[i]];
  let checksum = 0;
  let bytes = 0;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const k = keys[order[i]];
    if (i > 0 && k < keys[order[i - 1]]) sorted = false;
    checksum = (checksum + ((i % M) * (k % M)) % M) % M;
    bytes += sortedLines[i].length;
  }
  return { count: n, sorted, rankChecksum: checksum, bytes };
}

export function plainPageRank(spec: JobSpec): AnswerOf['pagerank'] {
  const SHIFT = 67108864; // 2^26: node ids must stay below it
  const edges: number[] = [];
  forEachLine(files(spec, 'graph'), (line) => {
    const sp = line.indexOf(' ');
    const src = parseUint(line, 0, sp);
    const dst = parseUint(line, sp + 1, line.length);
    if (src >= SHIFT || dst >= SHIFT) throw new Error('node id too large for the CSR baseline');
    edges.push(src * SHIFT + dst);
  });
  const sortedEdges = Float64Array.from(edges).sort();
  let maxId = 0;
  const distinct: number[] = [];
  for (let i = 0; i < sortedEdges.length; i++) {
    const e = sortedEdges[i];
    if (i > 0 && e === sortedEdges[i - 1]) continue;
    distinct.push(e);
    const src = Math.floor(e / SHIFT);
    maxId = Math.max(maxId, src, e - src * SHIFT);
  }
  const nodes = maxId + 1;
  const offsets = new Uint32Array(nodes + 1);
  const targets = new Uint32Array(distinct.length);
  for (const e of distinct) offsets[Math.floor(e / SHIFT) + 1]++;
  for (let v = 0; v < nodes; v++) offsets[v + 1] += offsets[v];
  for (let i = 0; i < distinct.length; i++) {
    const src = Math.floor(distinct[i] / SHIFT);
    targets[i] = distinct[i] - src * SHIFT; // sorted by src, so position i is right
  }
  const rank = new Float64Array(nodes);
  const hasRank = new Uint8Array(nodes);
  for (let v = 0; v < nodes; v++) {
    if (offsets[v + 1] > offsets[v]) {
      rank[v] = 1;
      hasRank[v] = 1;
    }
  }
  const contrib = new Float64Array(nodes);
  const received = new Uint8Array(nodes);
  for (let iter = 0; iter < spec.size.pagerankIterations; iter++) {
    contrib.fill(0);
    received.fill(0);
    for (let v = 0; v < nodes; v++) {
      const from = offsets[v];
      const to = offsets[v + 1];
      if (!hasRank[v] || from === to) continue;
      const share = rank[v] / (to - from);
      for (let j = from; j < to; j++) {
        contrib[targets[j]] += share;
        received[targets[j]] = 1;
      }
    }
    // Like links.join(ranks) → reduceByKey: only nodes that received a contribution keep a rank.
    for (let v = 0; v < nodes; v++) {
      hasRank[v] = received[v];
      rank[v] = received[v] ? 0.15 + 0.85 * contrib[v] : 0;
    }
  }
  const out: Array<[number, number]> = [];
  for (let v = 0; v < nodes; v++) if (hasRank[v]) out.push([v, rank[v]]);
  return out;
}

const ROUND_TRIP_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (task) => { parentPort.postMessage(task); });
`;

let pool: Worker[] | undefined;

/**
 * Starts the 2 worker threads of the tiny-task baseline before the timed runs,
 * as an engine starts its executors before its first job.
 */
export async function preparePlainJs(spec: JobSpec): Promise<void> {
  if (spec.workload !== 'tinytasks' || pool) return;
  pool = [0, 1].map(() => new Worker(ROUND_TRIP_WORKER, { eval: true }));
  await Promise.all(pool.map((w) => new Promise((resolve) => w.once('online', resolve))));
}

/** N tasks through 2 worker threads, one message round trip each, at most one in flight per worker. */
export async function plainTinyTasks(spec: JobSpec): Promise<AnswerOf['tinytasks']> {
  await preparePlainJs(spec);
  const workers = pool!;
  const total = spec.size.tinyTasks;
  let sent = 0;
  let count = 0;
  await new Promise<void>((resolve) => {
    for (const w of workers) {
      w.removeAllListeners('message');
      w.on('message', () => {
        count++;
        if (sent < total) w.postMessage({ partition: sent++ });
        else if (count === total) resolve();
      });
      if (sent < total) w.postMessage({ partition: sent++ });
    }
  });
  return { tasks: sent, count };
}

/** Stops the tiny-task pool, if one was started. */
export async function closePlainJs(): Promise<void> {
  const workers = pool;
  pool = undefined;
  await Promise.all((workers ?? []).map((w) => w.terminate()));
}

/** The record `i` of the shuffle workload: the same in every engine. */
export function shuffleRecord(i: number, filler: string, length: number): string {
  return (i.toString(36) + filler).slice(0, length);
}

/** The filler string the shuffle records are cut from. */
export function shuffleFiller(length: number): string {
  let s = '';
  for (let i = 0; s.length < length; i++) s += String.fromCharCode(97 + ((i * 7) % 26));
  return s;
}

export function plainShuffle(spec: JobSpec): AnswerOf['shuffle'] {
  const P = spec.size.partitions;
  const L = spec.size.shuffleRecordBytes;
  const filler = shuffleFiller(L);
  const CHUNK = 1 << 20;
  const buckets: Buffer[][] = Array.from({ length: P }, () => []);
  const current = Array.from({ length: P }, () => Buffer.allocUnsafe(CHUNK));
  const used = new Array<number>(P).fill(0);
  for (let i = 0; i < spec.size.shuffleRecords; i++) {
    const p = i % P;
    const record = shuffleRecord(i, filler, L);
    const need = 4 + Buffer.byteLength(record);
    if (used[p] + need > CHUNK) {
      buckets[p].push(current[p].subarray(0, used[p]));
      current[p] = Buffer.allocUnsafe(CHUNK);
      used[p] = 0;
    }
    const written = current[p].write(record, used[p] + 4, 'utf8');
    current[p].writeUInt32LE(written, used[p]);
    used[p] += 4 + written;
  }
  let records = 0;
  let bytes = 0;
  let partitions = 0;
  for (let p = 0; p < P; p++) {
    buckets[p].push(current[p].subarray(0, used[p]));
    let seen = 0;
    for (const chunk of buckets[p]) {
      for (let off = 0; off < chunk.length; ) {
        const len = chunk.readUInt32LE(off);
        const s = chunk.toString('utf8', off + 4, off + 4 + len);
        records++;
        bytes += s.length;
        seen++;
        off += 4 + len;
      }
    }
    if (seen > 0) partitions++;
  }
  return { records, bytes, partitions };
}

export async function runPlainJs(spec: JobSpec): Promise<unknown> {
  switch (spec.workload) {
    case 'wordcount':
      return plainWordCount(spec);
    case 'groupby':
      return plainGroupBy(spec);
    case 'join':
      return plainJoin(spec);
    case 'sort':
      return plainSort(spec);
    case 'pagerank':
      return plainPageRank(spec);
    case 'tinytasks':
      return plainTinyTasks(spec);
    case 'shuffle':
      return plainShuffle(spec);
  }
}
