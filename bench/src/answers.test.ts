import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKSUM_MOD, combineSortSummaries, compareAnswers, type SortPartitionSummary } from './answers.ts';
import { BENCH_SIZES, type BenchSize } from './data/bench-size.ts';
import { ensureDataset } from './data/dataset-cache.ts';
import { DATASET_NAMES } from './data/generators.ts';
import { plainGroupBy, plainJoin, plainPageRank, plainShuffle, plainSort, plainWordCount, plainWordCountSplit } from './baselines/plain-js-workloads.ts';
import type { JobSpec } from './workloads.ts';

const M = CHECKSUM_MOD;

function summarize(index: number, keys: number[], lengths: number[]): SortPartitionSummary {
  let local = 0;
  let keySum = 0;
  let sorted = true;
  keys.forEach((k, i) => {
    if (i > 0 && k < keys[i - 1]) sorted = false;
    local = (local + ((i % M) * (k % M)) % M) % M;
    keySum = (keySum + (k % M)) % M;
  });
  return { index, count: keys.length, first: keys[0] ?? null, last: keys.at(-1) ?? null, sorted, local, keySum, bytes: lengths.reduce((a, b) => a + b, 0) };
}

describe('sort answers', () => {
  const keys = Array.from({ length: 1000 }, (_, i) => (i * 7919 * 1_000_003) % 1_099_511_627_776).sort((a, b) => a - b);
  const whole = combineSortSummaries([summarize(0, keys, keys.map(() => 10))]);

  it('combine partition summaries into the answer of the whole sequence, in any arrival order', () => {
    const parts = [keys.slice(0, 100), keys.slice(100, 100), keys.slice(100, 650), keys.slice(650)];
    const summaries = parts.map((p, i) => summarize(i, p, p.map(() => 10))).reverse();
    expect(combineSortSummaries(summaries)).toEqual(whole);
    expect(whole.sorted).toBe(true);
  });

  it('notice partitions out of order and swapped keys', () => {
    const parts = [keys.slice(500), keys.slice(0, 500)];
    expect(combineSortSummaries(parts.map((p, i) => summarize(i, p, p.map(() => 10)))).sorted).toBe(false);
    const swapped = [...keys];
    [swapped[10], swapped[20]] = [swapped[20], swapped[10]];
    const answer = combineSortSummaries([summarize(0, swapped, swapped.map(() => 10))]);
    expect(answer.rankChecksum).not.toBe(whole.rankChecksum);
    expect(compareAnswers('sort', whole, answer).ok).toBe(false);
  });
});

describe('compareAnswers', () => {
  it('finds a changed, missing or extra count', () => {
    const ref: Array<[string, number]> = [['a', 1], ['b', 2]];
    expect(compareAnswers('wordcount', ref, [['b', 2], ['a', 1]]).ok).toBe(true);
    expect(compareAnswers('wordcount', ref, [['a', 1], ['b', 3]]).detail).toContain('"b": expected 2, got 3');
    expect(compareAnswers('wordcount', ref, [['a', 1]]).detail).toContain('missing word "b"');
    expect(compareAnswers('wordcount', ref, [['a', 1], ['b', 2], ['c', 1]]).ok).toBe(false);
  });

  it('accepts PageRank within 1e-9 relative and rejects more', () => {
    const ref: Array<[number, number]> = [[1, 0.5], [2, 1.25]];
    expect(compareAnswers('pagerank', ref, [[2, 1.25 * (1 + 1e-12)], [1, 0.5]]).ok).toBe(true);
    expect(compareAnswers('pagerank', ref, [[2, 1.26], [1, 0.5]]).ok).toBe(false);
  });
});

/** The reference answers must themselves be right: plain JS against naive programs on tiny data. */
describe('plain JS reference on tiny data', () => {
  const size: BenchSize = {
    ...BENCH_SIZES.small,
    corpus: { bytes: 30_000, files: 3, vocabulary: 300, zipfS: 1.0 },
    pairs: { rows: 3_000, files: 3, keys: 200, zipfS: 1.1 },
    dimension: { files: 2, presence: 0.7 },
    graph: { edges: 2_000, nodes: 100, files: 2 },
    records: { rows: 2_000, files: 2, payloadChars: 8 },
    shuffleRecords: 500,
    pagerankIterations: 3,
  };
  let dir: string;
  let spec: JobSpec;
  const lines = (name: keyof JobSpec['inputs']): string[] =>
    spec.inputs[name]!.files.flatMap((f) => readFileSync(f, 'utf8').trimEnd().split('\n'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flint-bench-ref-'));
    const inputs: JobSpec['inputs'] = {};
    for (const name of DATASET_NAMES) inputs[name] = await ensureDataset(dir, size, 42, name, { begin() {}, advance() {}, end() {} });
    spec = { workload: 'wordcount', runs: 1, warmup: 0, budgetMs: 60_000, size, inputs };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('word count', () => {
    const naive = new Map<string, number>();
    for (const w of lines('corpus').flatMap((l) => l.split(' '))) naive.set(w, (naive.get(w) ?? 0) + 1);
    expect(compareAnswers('wordcount', [...naive], plainWordCount(spec))).toMatchObject({ ok: true });
    expect(compareAnswers('wordcount', [...naive], plainWordCountSplit(spec))).toMatchObject({ ok: true });
  });

  it('group-by and join', () => {
    const sums = new Map<string, number>();
    const weights = new Map(lines('dimension').map((l) => [l.split('\t')[0], Number(l.split('\t')[1])] as const));
    let rows = 0;
    let sumProduct = 0;
    let checksum = 0;
    for (const l of lines('pairs')) {
      const [k, v] = l.split('\t');
      sums.set(k, (sums.get(k) ?? 0) + Number(v));
      const w = weights.get(k);
      if (w !== undefined) {
        rows++;
        sumProduct += Number(v) * w;
        checksum = (checksum + ((Number(k.slice(1)) % M) * ((Number(v) * w) % M)) % M) % M;
      }
    }
    expect(compareAnswers('groupby', [...sums], plainGroupBy(spec)).ok).toBe(true);
    expect(plainJoin(spec)).toEqual({ rows, sumProduct, checksum });
  });

  it('sort', () => {
    const records = lines('records').map((l) => [Number(l.split(',')[0]), l] as const).sort((a, b) => a[0] - b[0]);
    const expected = combineSortSummaries([summarize(0, records.map((r) => r[0]), records.map((r) => r[1].length))]);
    expect(plainSort(spec)).toEqual(expected);
  });

  it('PageRank', () => {
    const edges = [...new Set(lines('graph'))].map((l) => l.split(' ').map(Number) as [number, number]);
    const links = new Map<number, number[]>();
    for (const [s, d] of edges) links.set(s, [...(links.get(s) ?? []), d]);
    let ranks = new Map([...links.keys()].map((k) => [k, 1]));
    for (let i = 0; i < size.pagerankIterations; i++) {
      const contribs = new Map<number, number>();
      for (const [s, urls] of links) {
        const r = ranks.get(s);
        if (r === undefined) continue;
        for (const u of urls) contribs.set(u, (contribs.get(u) ?? 0) + r / urls.length);
      }
      ranks = new Map([...contribs].map(([k, c]) => [k, 0.15 + 0.85 * c]));
    }
    expect(compareAnswers('pagerank', [...ranks], plainPageRank(spec))).toMatchObject({ ok: true });
  });

  it('shuffle', () => {
    expect(plainShuffle(spec)).toEqual({ records: 500, bytes: 500 * 1024, partitions: size.partitions });
  });
});
