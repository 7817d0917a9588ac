import { CHECKSUM_MOD, combineSortSummaries, type AnswerOf, type SortPartitionSummary, type WorkloadId } from '../answers.ts';
import type { JobSpec } from '../workloads.ts';
import { pairs, type FlintContextLike } from './flint-api.ts';

/**
 * The benchmark workloads written against Flint's public API (DESIGN.md §3),
 * as a Flint user would write them. Every closure captures nothing but its
 * parameters and its env argument, so each one runs unchanged on executors.
 */

function input(spec: JobSpec, name: keyof JobSpec['inputs']): string {
  const d = spec.inputs[name];
  if (!d) throw new Error(`job spec has no ${name} input`);
  return d.glob;
}

async function wordcount(sc: FlintContextLike, spec: JobSpec): Promise<AnswerOf['wordcount']> {
  const words = sc.textFile(input(spec, 'corpus'), spec.size.partitions).flatMap((line) => line.split(' '));
  return pairs(words.map((w): [string, number] => [w, 1]))
    .reduceByKey((a, b) => a + b)
    .collect();
}

function parsePairs(sc: FlintContextLike, glob: string, partitions: number) {
  return pairs(
    sc.textFile(glob, partitions).map((line): [string, number] => {
      const t = line.indexOf('\t');
      return [line.slice(0, t), Number(line.slice(t + 1))];
    }),
  );
}

async function groupby(sc: FlintContextLike, spec: JobSpec): Promise<AnswerOf['groupby']> {
  return parsePairs(sc, input(spec, 'pairs'), spec.size.partitions)
    .reduceByKey((a, b) => a + b)
    .collect();
}

async function join(sc: FlintContextLike, spec: JobSpec): Promise<AnswerOf['join']> {
  const P = spec.size.partitions;
  const facts = parsePairs(sc, input(spec, 'pairs'), P);
  const weights = parsePairs(sc, input(spec, 'dimension'), P);
  const parts = await facts
    .join(weights)
    .mapPartitions(
      (it) => {
        let rows = 0;
        let sumProduct = 0;
        let checksum = 0;
        for (const [k, [v, w]] of it) {
          const p = v * w;
          const id = Number(k.slice(1));
          rows++;
          sumProduct += p;
          checksum = (checksum + ((id % M) * (p % M)) % M) % M;
        }
        return [[rows, sumProduct, checksum] as [number, number, number]];
      },
      { M: CHECKSUM_MOD },
    )
    .collect();
  let rows = 0;
  let sumProduct = 0;
  let checksum = 0;
  for (const [r, s, c] of parts) {
    rows += r;
    sumProduct += s;
    checksum = (checksum + c) % CHECKSUM_MOD;
  }
  return { rows, sumProduct, checksum };
}

async function sort(sc: FlintContextLike, spec: JobSpec): Promise<AnswerOf['sort']> {
  const P = spec.size.partitions;
  const keyed = pairs(
    sc.textFile(input(spec, 'records'), P).map((line): [number, string] => [Number(line.slice(0, line.indexOf(','))), line]),
  );
  const summaries = await keyed
    .sortByKey(true, P)
    .mapPartitionsWithIndex(
      (index, it) => {
        let count = 0;
        let first: number | null = null;
        let last: number | null = null;
        let sorted = true;
        let local = 0;
        let keySum = 0;
        let bytes = 0;
        for (const [k, line] of it) {
          if (last !== null && k < last) sorted = false;
          if (first === null) first = k;
          last = k;
          local = (local + ((count % M) * (k % M)) % M) % M;
          keySum = (keySum + (k % M)) % M;
          bytes += line.length;
          count++;
        }
        return [{ index, count, first, last, sorted, local, keySum, bytes }];
      },
      { M: CHECKSUM_MOD },
    )
    .collect();
  return combineSortSummaries(summaries as SortPartitionSummary[]);
}

async function pagerank(sc: FlintContextLike, spec: JobSpec): Promise<AnswerOf['pagerank']> {
  const edges = sc.textFile(input(spec, 'graph'), spec.size.partitions).map((line): [number, number] => {
    const s = line.indexOf(' ');
    return [Number(line.slice(0, s)), Number(line.slice(s + 1))];
  });
  const links = pairs(pairs(edges.distinct()).groupByKey().cache());
  let ranks = links.mapValues(() => 1);
  for (let i = 0; i < spec.size.pagerankIterations; i++) {
    const contribs = pairs(
      links.join(ranks).flatMap(([, [urls, rank]]) => urls.map((u): [number, number] => [u, rank / urls.length])),
    );
    ranks = contribs.reduceByKey((a, b) => a + b).mapValues((r) => 0.15 + 0.85 * r);
  }
  return ranks.collect();
}

async function tinytasks(sc: FlintContextLike, spec: JobSpec): Promise<AnswerOf['tinytasks']> {
  const n = spec.size.tinyTasks;
  const rdd = sc.range(0, n, 1, n);
  const count = await rdd.count();
  return { tasks: rdd.getNumPartitions(), count };
}

async function shuffle(sc: FlintContextLike, spec: JobSpec): Promise<AnswerOf['shuffle']> {
  const P = spec.size.partitions;
  const L = spec.size.shuffleRecordBytes;
  let filler = '';
  for (let i = 0; filler.length < L; i++) filler += String.fromCharCode(97 + ((i * 7) % 26));
  const perPartition = await sc
    .range(0, spec.size.shuffleRecords, 1, P)
    .map((i) => (i.toString(36) + filler).slice(0, L), { filler, L })
    .repartition(P)
    .mapPartitions((it) => {
      let records = 0;
      let bytes = 0;
      for (const s of it) {
        records++;
        bytes += s.length;
      }
      return [[records, bytes] as [number, number]];
    })
    .collect();
  let records = 0;
  let bytes = 0;
  let partitions = 0;
  for (const [r, b] of perPartition) {
    records += r;
    bytes += b;
    if (r > 0) partitions++;
  }
  return { records, bytes, partitions };
}

/** Free names used inside closures above that come from env: declared so the module type-checks. */
declare const M: number;

export const FLINT_WORKLOADS: Record<WorkloadId, (sc: FlintContextLike, spec: JobSpec) => Promise<unknown>> = {
  wordcount,
  groupby,
  sort,
  join,
  pagerank,
  tinytasks,
  shuffle,
};
